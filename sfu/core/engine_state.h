/* engine_state: the room engine's state (issue 21). The engine's code is
 * sfu/core/engine*.c (engine_internal.h lists its files); the pump's code
 * (sfu/room.c, participant.c: transports, negotiation, control requests,
 * recording, the analyser tap) still reads and writes these structs too.
 * Fields marked "the pump's" hold pump objects the engine never touches
 * (typed as incomplete structs: no pump header is included here). The
 * engine's own state hangs off each as `e` (engine_private.h, which the
 * pump never includes); what remains shared is description and identity
 * (docs/sfu-core.md "What is left of the move").
 * Worker thread only. */
#ifndef PARLOUR_SFU_CORE_ENGINE_STATE_H
#define PARLOUR_SFU_CORE_ENGINE_STATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec_keyframe.h"
#include "engine.h"
#include "engine_drops.h"
#include "keyframe_throttle.h"
#include "layer_estimate.h"
#include "layer_selector.h"
#include "media_desc.h"
#include "media_gate.h"
#include "nack_buffer.h"
#include "nack_generator.h"
#include "publisher_remb.h"
#include "router.h"
#include "rtp_stats.h"
#include "sight_policy.h"
#include "speaker_detector.h"
#include "subscriber_bwe.h"
#include "twcc_feedback.h"
#include "vp8_rewrite.h"

struct PeerTransport;
struct SfuEnv;
struct Recorder;
struct FacesTap;
/* The engine's own state of each (sfu/core/engine_private.h, which only
 * the engine's files include). */
struct EngineTrackState;
struct EngineSlotState;
struct EnginePeerState;
struct EngineRoomState;

typedef struct Participant Participant;
typedef struct Room Room;

/* Per published track state; the RouterTrack's user_data (router owns it). */
typedef struct PubTrack {
  Room *room;
  Participant *pub;
  char *id;
  char *mid;
  SdpKind kind;
  SdpCodec codec; /* fmtp owned */
  CodecId codec_id;
  SdpExtIds ext;
  /* Per simulcast layer (index as the router's, lowest first; one without
   * simulcast): each layer is its own RTP stream with its own sequence. */
  unsigned n_layers;
  char rids[ROUTER_MAX_LAYERS][SDP_RID_MAX_LEN + 1];
  int rec_handle;        /* recorder handle while recorded, else -1 */
  struct EngineTrackState *e; /* the engine's own (engine_private.h) */
} PubTrack;

/* One media section of a participant's subscriber connection. Its SDP
 * values below are the pump's (negotiation); the engine reads its own copy
 * of those it needs (engine_slot_set_desc). */
typedef struct {
  Participant *owner;    /* the subscriber */
  char *mid;
  SdpKind kind;
  char *track_id;        /* the track it carries; NULL once it went away */
  char *stream_id;       /* msid stream: the publisher's id */
  SdpCodec codec;        /* copy of the publisher's, fmtp owned */
  uint8_t rtx_pt;
  uint32_t ssrc, rtx_ssrc;
  int active;            /* carries a live track (sendonly) */
  int offered;           /* was in the latest offer */
  int negotiated;        /* the answer accepted it */
  int rtx_ok;            /* the answer kept RTX */
  uint8_t ext_abs, ext_level; /* accepted by the answer */
  uint8_t ext_twcc;           /* transport-cc accepted: every packet is stamped */
  int fb_twcc;                /* ... with a=rtcp-fb transport-cc (feedback comes) */
  uint64_t answer_max_bps;    /* b=TIAS/b=AS of the answer's section; 0 none */
  RouterSubscription *rs;     /* forwarding state once negotiated and connected */
  struct EngineSlotState *e; /* the engine's own (engine_private.h) */
} SubSlot;

struct Participant {
  Room *room;
  char *id;
  int subscribe_all;
  int receive_video;      /* 0: one-way video, no video forwarded to it (core/media_gate.h) */
  int hidden;             /* participant_add's hidden: a monitor (sight_policy.h) */
  uint64_t max_video_bps; /* control API max_video_bitrate; 0 no limit */
  struct PeerTransport *pub_tr, *sub_tr; /* the pump's (sfu/peer_transport.h) */
  GHashTable *wanted;    /* track ids asked for with subscribe */
  GHashTable *unwanted;  /* track ids refused with unsubscribe */
  GPtrArray *slots;      /* SubSlot*, in m-line order */
  int next_mid;
  int offer_outstanding, renegotiate_needed;
  guint64 sdp_session_id, pub_version, sub_version;
  int connected_emitted;
  uint32_t rtcp_ssrc;    /* our SSRC in RTCP on both legs */
  char *cname;
  int rec_piece;         /* recorder piece while recorded, else 0 */
  int analyse;           /* its lowest video layer goes to the analyser tap (docs/faces.md) */
  guint remove_source;   /* pending deferred removal */
  char *remove_reason;
  struct EnginePeerState *e; /* the engine's own (engine_private.h) */
};

struct Room {
  char *name;
  int max_participants;
  int recordable;
  int audio_private;       /* room_create's audio_private: no audio to hidden participants */
  int worker_index;
  const struct SfuEnv *env; /* the pump's settings (sfu/worker.h), the room's copy */
  GMainContext *ctx;
  GHashTable *participants; /* id -> Participant* */
  GPtrArray *order;         /* Participant*, join order (stable stats) */
  Router *router;
  struct Recorder *recorder; /* the pump's: while recording (docs/recording.md) */
  struct FacesTap *faces_tap; /* the pump's: once a participant is analysed (docs/faces.md) */
  struct EngineRoomState *e; /* the engine's own (engine_private.h) */
};

/* The engine's own state of a subscription slot: made right after the
 * slot (participant.c), freed before it. */
void engine_slot_init(SubSlot *s);
void engine_slot_clear(SubSlot *s);
/* The slot's negotiated values changed (made, answered, stopped): the
 * engine takes its own copy of kind, track id, codec (payload type, clock
 * rate), RTX, SSRCs, active, accepted extensions and answer_max_bps; it
 * reads no other field of the slot's description. */
void engine_slot_set_desc(SubSlot *s);
/* Forwarding (or paused) since its activation. */
bool engine_slot_started(const SubSlot *s);
/* The slot stops carrying its track (unsubscribed, or the track went):
 * its router subscription goes — unsubscribed here when unsubscribe, else
 * with the track (router_remove_track) — and so does a pause. */
void engine_slot_stop(SubSlot *s, bool unsubscribe);
/* Starts forwarding t to a negotiated slot whose subscriber leg is
 * connected: a router subscription numbered from first_seq/first_ts (the
 * pump draws them at random), RTX from rtx_seq, a layer chosen and, for
 * video, a keyframe asked for at now_us. False: the router refused (logged). */
bool engine_slot_activate(SubSlot *s, PubTrack *t, uint16_t first_seq, uint32_t first_ts,
                          uint16_t rtx_seq, int64_t now_us);

/* After each subscriber answer: whether it negotiated transport-cc (with
 * its rtcp-fb) on a video section, so our estimate may drive its layer
 * choice once feedback comes (else its REMB does). */
void engine_peer_set_subscriber_twcc(Participant *p, bool on);

/* Snapshots for the stats API (engine_stats.c; participant_stats in
 * docs/sfu-control.md): plain values, the pump makes the JSON. */
typedef struct {
  bool muted;
  unsigned n_layers;
  uint64_t packets, bytes, lost, nacks_sent, nack_missing, nack_recovered, rtx_received;
  uint64_t keyframe_requests, subscribers, remb_bps, rembs_sent;
  int remb_highest;
  struct {
    uint32_t ssrc;
    uint64_t packets, bps; /* bps: simulcast only */
  } layers[ROUTER_MAX_LAYERS];
} EngineTrackStats;
void engine_track_stats(const PubTrack *t, int64_t now_us, EngineTrackStats *out);

typedef struct {
  bool forwarding, paused, simulcast;
  uint64_t packets, bytes, nacks_received, retransmitted, plis_received, max_bitrate, pauses;
  unsigned layer, target_layer; /* simulcast only */
} EngineSlotStats;
void engine_slot_stats(const SubSlot *s, EngineSlotStats *out);

typedef struct {
  bool estimate_from_bwe; /* else the subscriber's REMB */
  bool transport_cc, has_bwe;
  uint64_t estimate_bps, remb_bps, packets_stamped, padding_bytes;
  int64_t rtt_us;
  uint64_t bwe_estimate_bps, acked_bps, feedbacks, bad_feedbacks, packets_lost;
  uint64_t probes_ok, probes_failed, heavy_loss_caps;
} EnginePeerStats;
void engine_peer_stats(const Participant *p, EnginePeerStats *out);
/* Packets of (or for) the peer the engine did not use, by reason; the
 * room's: every peer's, those who left too. */
const EngineDrops *engine_peer_drops(const Participant *p);
const EngineDrops *engine_room_drops(const Room *r);

/* One-way video (core/media_gate.h): may p receive track t at all. */
int participant_may_receive(const Participant *p, const PubTrack *t);
/* The published track with that id, NULL none. */
PubTrack *room_track(Room *r, const char *id);

/* engine*.c (sfu/core): the engine behind core/engine.h (engine_input, engine_tick,
 * ...), and engine_send, the one way its packets leave (the peer's
 * EngineSendFn; -1 when it has none or the pump refused). The forwarder_*
 * and pub_track_* calls below are theirs too. */
int engine_send(Participant *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len);
/* Counts a dropped packet of (or for) p in its and its room's counts; a
 * rate-limited debug line (engine_drops.h). */
void engine_drop(Participant *p, EngineDrop why, int64_t now_us);
/* reason: "pli", "fir", "new_subscriber", "unmute", "nack_gave_up". force:
 * a new subscriber (see keyframe_throttle). */
/* A keyframe of every layer (new subscriber, unmute), or of one layer (the
 * one a subscriber is on or switching to): throttled per layer, see
 * keyframe_throttle.h; force: a newcomer/switch request. */
void forwarder_request_keyframe(PubTrack *t, const char *reason, int force, int64_t now_us);
void forwarder_request_layer_keyframe(PubTrack *t, unsigned layer, const char *reason, int force,
                                      int64_t now_us);
/* Staff mute / unmute of a track (control API track_mute): nothing of it
 * is forwarded while muted; unmuting asks for a keyframe at now_us. */
RouterStatus forwarder_mute_track(PubTrack *t, bool muted, int64_t now_us);
PubTrack *pub_track_new(Participant *p, const SdpMediaInfo *mi);
/* Simulcast: the layer a subscription should receive (layer_selector: the
 * lowest when it has a limit, else the highest the subscriber's REMB
 * estimate carries after audio, never one the publisher is not sending) and
 * the switch to it (router target + keyframe request). No-op for one layer. */
void forwarder_choose_layer(SubSlot *s, int64_t now_us);
/* The most video bit rate a subscription may receive: the smaller of the
 * subscriber's max_video_bitrate and its answer's b=TIAS/b=AS; 0 no limit. */
uint64_t forwarder_slot_cap(const SubSlot *s);
/* What the track's subscribers can use at most: the largest cap among its
 * forwarding subscriptions, 0 when one of them has none or none forward. */
uint64_t forwarder_video_cap(const PubTrack *t);
void pub_track_free(gpointer t);

#endif
