/* engine: the seam between the room's media engine (sans-IO: no socket, no
 * clock, no main loop, no crypto) and the I/O pump (sfu/: sockets, ICE,
 * DTLS, SRTP, the worker's loop). docs/sfu-core.md "The engine and the
 * pump" describes both sides.
 *
 * Packets cross the seam in exactly two places:
 *  - in:  engine_input(), one call per decrypted RTP or RTCP packet of a
 *         participant's leg, with the time it arrived;
 *  - out: the EngineSendFn the pump registered for the participant, one
 *         call per cleartext packet to protect and send on one of its legs.
 * Time goes in with every call (engine_input's arrival_us, engine_tick's
 * now_us: the pump's monotonic clock, any origin) and comes out as the next
 * deadline (engine_next_timeout). The engine never reads a clock itself.
 *
 * Buffers: every buffer crossing the seam, either way, is writable and has
 * ENGINE_PACKET_TAILROOM spare bytes behind len, so SRTP can protect (or has
 * unprotected) in place without a copy. The engine may rewrite an input
 * buffer in place (RTX unwrap) while the call lasts; it keeps no pointer to
 * it afterwards. An output buffer is the engine's: the send function must
 * protect and send (or copy into its batch) before returning.
 *
 * Threads: one room's engine runs on the thread of the worker that owns
 * the room; every call for that room comes from that thread. */
#ifndef PARLOUR_SFU_CORE_ENGINE_H
#define PARLOUR_SFU_CORE_ENGINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_keyframe.h"
#include "media_desc.h"
#include "router.h"

/* >= libsrtp's SRTP_MAX_TRAILER_LEN plus the SRTCP index (sfu/srtp_session.h
 * checks that its SRTP_SESSION_TRAILER is not larger). */
#define ENGINE_PACKET_TAILROOM 148

/* A participant has up to two legs: the connection it publishes on and the
 * one it receives its subscriptions on. */
typedef enum {
  ENGINE_LEG_PUBLISHER = 0,
  ENGINE_LEG_SUBSCRIBER = 1,
} EngineLeg;

typedef enum {
  ENGINE_PACKET_RTP = 0,
  ENGINE_PACKET_RTCP = 1,
} EnginePacketKind;

/* The engine's objects, opaque to the pump: a room, a peer (participant)
 * in it, a track a peer publishes, a subscription slot of a peer. Their
 * structs are the engine's (sfu/core/engine_state.h, which the pump never
 * includes); the pump keeps its own (sfu/room_state.h) and holds these as
 * handles. Everything the engine needs of the pump's description comes in
 * through the calls below, as plain values it copies. */
typedef struct EngineRoom EngineRoom;
typedef struct EnginePeer EnginePeer;
typedef struct EngineTrack EngineTrack;
typedef struct EngineSlot EngineSlot;

/* Simulcast layers of a track at most (the router's ROUTER_MAX_LAYERS). */
#define ENGINE_MAX_LAYERS 3

/* A room's engine with its router, empty. name: for log lines (copied).
 * Freed once its peers have left. */
EngineRoom *engine_room_new(const char *name);
void engine_room_free(EngineRoom *room);
/* room_create's audio_private: no audio to hidden peers (sight_policy.h). */
void engine_room_set_audio_private(EngineRoom *room, bool audio_private);

/* A peer joins the room's engine (appended to its order: reports, probes
 * and layer choices go peer by peer in join order). id is copied;
 * rtcp_ssrc is our SSRC in RTCP on both its legs; twcc_first_seq the first
 * transport-wide sequence number toward its subscriber leg (the pump draws
 * both at random); user is the pump's pointer, given back in the hooks. */
EnginePeer *engine_peer_join(EngineRoom *room, const char *id, uint32_t rtcp_ssrc,
                             uint16_t twcc_first_seq, void *user);
/* It leaves: its remaining tracks and every subscription of its slots go
 * from the router, its slots and state are freed. The pump removes its
 * tracks first (engine_track_remove) so that subscribers' slots stop. */
void engine_peer_leave(EnginePeer *peer);

/* A peer's control settings (participant_add, participant_update). */
typedef struct {
  bool receive_video;     /* false: one-way video, no video to it (media_gate.h) */
  bool hidden;            /* a monitor (sight_policy.h) */
  bool analyse;           /* its lowest video layer goes to the analyser hook */
  uint64_t max_video_bps; /* its max_video_bitrate; 0 no limit */
} EnginePeerSettings;
/* Until told, a peer receives video, is not hidden nor analysed, no limit. */
void engine_peer_set_settings(EnginePeer *peer, const EnginePeerSettings *s);

/* A track as the publisher's offer describes it (the pump's values,
 * copied; the codec's fmtp is not read). */
typedef struct {
  const char *id, *mid;
  SdpKind kind;
  SdpCodec codec;
  CodecId codec_id;
  SdpExtIds ext;
  unsigned n_layers; /* 1 without simulcast, else one per rid, lowest first */
  char rids[ENGINE_MAX_LAYERS][SDP_RID_MAX_LEN + 1];
  uint32_t ssrc, rtx_ssrc; /* announced (single layer); 0 unknown */
} EngineTrackDesc;
/* The peer publishes a track: NULL when the router refused it (logged).
 * user: the pump's pointer, given back in the record hooks. */
EngineTrack *engine_track_new(EnginePeer *pub, const EngineTrackDesc *d, void *user);
/* The track goes (unpublished, or its publisher leaves): with it its
 * router subscriptions; the pump stops the slots that carried it first. */
void engine_track_remove(EngineTrack *t);

/* A subscription slot (one media section of the peer's subscriber leg),
 * appended to the peer's slots (m-line order); freed when the peer leaves. */
EngineSlot *engine_slot_new(EnginePeer *owner);
/* What the pump negotiated for a slot (made, answered, stopped): copied. */
typedef struct {
  SdpKind kind;
  const char *track_id; /* the track it carries; NULL once it went away */
  uint8_t pt;           /* the subscriber's payload type */
  uint32_t clock_rate;
  uint8_t rtx_pt;
  uint32_t ssrc, rtx_ssrc;
  bool active;          /* carries a live track (sendonly) */
  bool rtx_ok;          /* the answer kept RTX */
  uint8_t ext_abs, ext_level; /* extension ids the answer accepted; 0 none */
  uint8_t ext_twcc;           /* transport-cc accepted: every packet is stamped */
  uint64_t answer_max_bps;    /* b=TIAS/b=AS of the answer's section; 0 none */
} EngineSlotDesc;
void engine_slot_set_desc(EngineSlot *s, const EngineSlotDesc *d);
/* Forwarding (or paused) since its activation. */
bool engine_slot_started(const EngineSlot *s);
/* The slot stops carrying its track (unsubscribed, or the track goes):
 * its router subscription goes — unsubscribed here when unsubscribe, else
 * with the track (engine_track_remove) — and so does a pause. */
void engine_slot_stop(EngineSlot *s, bool unsubscribe);
/* Starts forwarding t to a negotiated slot whose subscriber leg is
 * connected: a router subscription numbered from first_seq/first_ts (the
 * pump draws them at random), RTX from rtx_seq, a layer chosen and, for
 * video, a keyframe asked for at now_us. False: the router refused (logged). */
bool engine_slot_activate(EngineSlot *s, EngineTrack *t, uint16_t first_seq, uint32_t first_ts,
                          uint16_t rtx_seq, int64_t now_us);

/* After each subscriber answer: whether it negotiated transport-cc (with
 * its rtcp-fb) on a video section, so our estimate may drive its layer
 * choice once feedback comes (else its REMB does). */
void engine_peer_set_subscriber_twcc(EnginePeer *peer, bool on);

/* Staff mute / unmute of a track (control API track_mute): nothing of it
 * is forwarded while muted; unmuting asks for a keyframe at now_us. */
RouterStatus forwarder_mute_track(EngineTrack *t, bool muted, int64_t now_us);
/* A keyframe of every layer, asked of the publisher (throttled per layer,
 * keyframe_throttle.h; force: a new receiver such as the recorder).
 * reason: "pli", "fir", "new_subscriber", "unmute", "nack_gave_up"... */
void forwarder_request_keyframe(EngineTrack *t, const char *reason, int force, int64_t now_us);

/* Out: a cleartext packet for one leg of the peer the function was
 * registered for. `io` is the pointer given with it. 0: accepted (sent or
 * queued for the batch); -1: not sent (the leg is not connected, or the
 * send failed) — the engine counts it and goes on. */
typedef int (*EngineSendFn)(void *io, EngineLeg leg, EnginePacketKind kind, uint8_t *buf,
                            size_t len);

/* The pump's side of one peer: where its packets go. Set once the peer
 * exists, before its first packet; NULL send drops every output (counted). */
void engine_peer_set_output(EnginePeer *peer, EngineSendFn send, void *io);

/* A leg became connected (ICE + DTLS done, SRTP keyed) or stopped being.
 * The engine sends reports and feedback only on connected legs. */
void engine_peer_set_connected(EnginePeer *peer, EngineLeg leg, int connected, int64_t now_us);

/* What engine_peer_set_connected last said of the leg. */
int engine_peer_connected(const EnginePeer *peer, EngineLeg leg);

/* In: one decrypted packet that arrived on the peer's leg at arrival_us.
 * buf is writable with ENGINE_PACKET_TAILROOM spare bytes. Anything the
 * engine cannot use is dropped and counted by reason (engine_drops.h). */
void engine_input(EnginePeer *peer, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len,
                  int64_t arrival_us);

/* Timers: NACK and keyframe polls, probing, publisher feedback, layer
 * choice, speakers, reports. Call at (or after) the deadline
 * engine_next_timeout returned; calling early does no harm. */
void engine_tick(EngineRoom *room, int64_t now_us);
int64_t engine_next_timeout(const EngineRoom *room, int64_t now_us);

/* NTP wall time in sender reports and round-trip times: the pump gives the
 * offset of the wall clock from its monotonic clock (unix_us - mono_us),
 * at room creation and whenever it likes. */
void engine_set_wall_offset(EngineRoom *room, int64_t unix_minus_mono_us);

/* Besides packets, the engine tells its room a few things: events for the
 * control channel (the room turns them into its JSON, docs/sfu-control.md),
 * log lines, and the copies of publishers' packets the recorder and the
 * analyser tap take. The room registers these hooks once, at creation;
 * any of them may be NULL (nothing told). They run on the room's thread,
 * inside the engine call that caused them, and must not call back into
 * the engine. */
typedef enum {
  ENGINE_EVENT_TRACK_PUBLISHED = 0, /* participant, track, media_kind, mid, codec */
  ENGINE_EVENT_KEYFRAME_REQUESTED,  /* participant (the publisher), track, reason */
  ENGINE_EVENT_VIDEO_PAUSED,        /* participant (the subscriber), track, on: paused */
  ENGINE_EVENT_ACTIVE_SPEAKER,      /* participant, NULL when nobody speaks */
  ENGINE_EVENT_SPEAKING,            /* participant, track, on: started speaking */
} EngineEventKind;

typedef struct {
  EngineEventKind kind;
  const char *participant, *track, *reason, *media_kind, *mid, *codec;
  int on;
} EngineEvent;

typedef enum { ENGINE_LOG_DEBUG = 0, ENGINE_LOG_INFO, ENGINE_LOG_WARN } EngineLogLevel;

typedef struct {
  void (*event)(void *ctx, const EngineEvent *ev);
  /* One log line: an event name and key=value text (printf format). */
  void (*log)(void *ctx, EngineLogLevel level, const char *event, const char *fmt, va_list ap);
  /* A publisher's packet as it arrived, for the recording: the track is
   * not muted and this is its top layer (the recorder takes one stream). */
  void (*record_rtp)(void *ctx, void *track_user, const uint8_t *buf, size_t len,
                     int64_t now_us);
  /* A sender report of the publisher for that stream (the recording's
   * wall clock). */
  void (*record_sr)(void *ctx, void *track_user, uint64_t ntp, uint32_t rtp_ts, int64_t now_us);
  /* The analyser tap (docs/faces.md): false when the room has none; else
   * *gen is its keyframe-request generation (a new one: the engine asks
   * the publisher for a keyframe). */
  bool (*analyser_gen)(void *ctx, unsigned *gen);
  /* An analysed peer's packet of its lowest, unmuted video layer. */
  void (*analyser_push)(void *ctx, void *peer_user, const uint8_t *buf, size_t len,
                        int64_t now_us);
} EngineHooks;

/* hooks is not copied: it must outlive the room (a static table). */
void engine_room_set_hooks(EngineRoom *room, const EngineHooks *hooks, void *ctx);

#endif
