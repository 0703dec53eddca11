/* engine_private: the room engine's own state, which only its files
 * (engine_internal.h's list) see: no pump file includes this header, so
 * these fields change only through engine.h's calls. Each hangs off its
 * object in engine_state.h as `e`, made and freed with it
 * (engine_room_new/free, engine_peer_join/leave, engine_slot_new — freed
 * with its peer —, engine_track_new/free). Worker thread only. */
#ifndef PARLOUR_SFU_CORE_ENGINE_PRIVATE_H
#define PARLOUR_SFU_CORE_ENGINE_PRIVATE_H

#include "engine_state.h"

struct EngineTrackState {
  RouterTrack *rt;
  NackGenerator *nack_gen[ROUTER_MAX_LAYERS];
  RtpRecvStats rstats[ROUTER_MAX_LAYERS];
  int have_rstats[ROUTER_MAX_LAYERS];
  uint64_t layer_packets[ROUTER_MAX_LAYERS];
  LayerRateMeter meter;  /* per-layer incoming bitrate (simulcast) */
  uint64_t packets, bytes, keyframe_requests, nacks_sent, rtx_received;
  uint64_t remb_sent_bps; /* what the last REMB said: the estimate, capped by
                             what the subscribers want (forwarder_video_cap) */
  /* What the last REMB said (engine_feedback.c): the highest wanted layer
   * (LAYER_PAUSED: layer 0 only, nobody wants more), how many were sent. */
  int remb_highest;
  uint64_t rembs_sent;
  NackBuffer *nack_buf[ROUTER_MAX_LAYERS];
  int64_t last_packet_us[ROUTER_MAX_LAYERS];
  KeyframeThrottle kt[ROUTER_MAX_LAYERS]; /* one per simulcast layer (its own encoder) */
  uint64_t rtx_duplicates; /* RTX copies of packets we had (probes): not routed */
  uint64_t remb_bps;     /* our loss-based estimate toward the publisher */
  unsigned faces_kf_gen; /* the analyser tap's keyframe requests already served */
  uint32_t speaker_key;  /* audio with the RFC 6464 extension: key in the room's detector, else 0 */
  /* What the publisher is told (engine_feedback.c): simulcast demand and
   * the REMB's pace. */
  PublisherRemb premb;
};

struct EngineSlotState {
  /* What the pump negotiated (engine_slot_set_desc): its copy in the
   * slot's SDP side is the pump's. */
  SdpKind kind;
  char *track_id;        /* the track it carries (owned); NULL once it went away */
  SdpCodec codec;        /* the subscriber's payload type and clock rate (no fmtp) */
  uint8_t rtx_pt;
  uint32_t ssrc, rtx_ssrc;
  int active;            /* carries a live track (sendonly) */
  int rtx_ok;            /* the answer kept RTX */
  uint8_t ext_abs, ext_level; /* accepted by the answer */
  uint8_t ext_twcc;           /* transport-cc accepted: every packet is stamped */
  uint64_t answer_max_bps;    /* b=TIAS/b=AS of the answer's section; 0 none */
  /* Video paused (even the lowest layer does not fit the subscriber's
   * downlink; audio goes on): the router subscription is dropped and made
   * again on resume, numbering on from where it stopped. */
  int paused;
  uint8_t ext_map[256];       /* publisher ext id -> ours, 0 drop (set on activation) */
  Vp8Rewrite vp8;             /* VP8 PictureID/TL0PICIDX continuous across layers */
  RtpSendStats sstats;
  uint16_t rtx_seq;
  int64_t forward_since_us;   /* forwarding began (activation); 0 never */
  uint64_t pauses;
  uint64_t nacks_received, retransmitted, plis_received, packets, bytes;
  LayerSelector sel;          /* simulcast layer choice (forwarder_choose_layer) */
  int sel_ready;
  uint16_t resume_seq;
  uint32_t resume_ts;
  int64_t paused_us;
};

struct EnginePeerState {
  /* Send-side estimate of the subscriber's downlink from its transport-cc
   * feedback (~76 kB, allocated with the participant). Used for the layer
   * choice once the subscriber's answer negotiated transport-cc on a video
   * section and its first feedback came; the REMB below is the fallback. */
  SubscriberBwe *bwe;
  int bwe_on;
  /* transport-cc toward the publisher (engine_feedback.c): its offer had
   * the extension (pub_twcc_ext, the offered id) and the transport-cc
   * rtcp-fb, our answer accepted both; pub_twcc (~32 kB) records arrivals
   * and builds the feedback. NULL when not negotiated. */
  TwccFeedback *pub_twcc;
  uint8_t pub_twcc_ext;
  uint64_t pub_twcc_packets_without; /* RTP packets that lacked the extension */
  uint64_t pub_twcc_sent, pub_twcc_bytes, pub_twcc_send_errors;
  uint64_t sub_remb_bps;  /* the subscriber's latest REMB (its downlink estimate) */
  uint64_t padding_bytes; /* probe padding sent */
  uint64_t twcc_stamped;  /* packets sent with our transport-wide seq */
  int64_t rtt_us;         /* from its receiver reports; 0 unknown */
  int64_t sub_remb_us;    /* when it came; 0 never */
  uint64_t sub_rate_bps;  /* what we forwarded to it over the last second */
  uint64_t sub_bytes_last;
  int64_t sub_remb_drop_us; /* when its REMB last fell (over-use seen); 0 never */
  int64_t sub_remb_rise_us; /* when its REMB last rose */
  int64_t pub_remb_us;   /* last REMB computation (every 100 ms) */
  int64_t pub_connected_us; /* first tick with the publisher transport connected */
  /* The seam (engine.h): where the engine's packets go, and whether the
   * publisher leg is connected (told by the pump). */
  EngineSendFn send;
  void *send_io;
  int pub_connected, sub_connected;
  uint64_t padding_packets;
  EngineDrops drops;     /* packets of (or for) this participant not used */
};

struct EngineRoomState {
  EngineDrops drops;        /* every participant's drops, those who left too */
  int64_t last_report_us;
  SpeakerDetector speakers; /* audio levels -> speaking events (engine_reports.c) */
  uint32_t next_speaker_key;
  int64_t last_speaker_poll_us;
  int64_t last_layer_us;    /* simulcast layer choice, every 100 ms */
  int64_t wall_offset_us;   /* unix - monotonic time (engine_set_wall_offset) */
  const EngineHooks *hooks; /* what the engine tells the room (engine_room_set_hooks) */
  void *hooks_ctx;
};

#endif
