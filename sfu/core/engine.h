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

/* The engine's handles. The engine (sfu/core/engine*.c) keeps its state in
 * engine_state.h's Room, Participant and PubTrack, which the pump's room
 * code still shares (docs/sfu-core.md "What is left of the move"); the
 * names and calls below stay when that state becomes engine-private. */
typedef struct Room EngineRoom;
typedef struct Participant EnginePeer;
typedef struct PubTrack EngineTrack;

/* The engine's own state of a room (its router too) and of a peer: made
 * right after the room's (the peer's) struct (room_new, participant_new),
 * before any other engine call for it; freed after its last (the peer's:
 * once its tracks and slots are gone; the room's: once its peers are). */
void engine_room_init(EngineRoom *room);
void engine_room_clear(EngineRoom *room);
/* twcc_first_seq: the first transport-wide sequence number toward the
 * peer's subscriber leg (the pump draws it at random). */
void engine_peer_init(EnginePeer *peer, uint16_t twcc_first_seq);
void engine_peer_clear(EnginePeer *peer);

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
  void (*record_rtp)(void *ctx, EngineTrack *t, const uint8_t *buf, size_t len, int64_t now_us);
  /* A sender report of the publisher for that stream (the recording's
   * wall clock). */
  void (*record_sr)(void *ctx, EngineTrack *t, uint64_t ntp, uint32_t rtp_ts, int64_t now_us);
  /* The analyser tap (docs/faces.md): false when the room has none; else
   * *gen is its keyframe-request generation (a new one: the engine asks
   * the publisher for a keyframe). */
  bool (*analyser_gen)(void *ctx, unsigned *gen);
  /* An analysed peer's packet of its lowest, unmuted video layer. */
  void (*analyser_push)(void *ctx, EnginePeer *peer, const uint8_t *buf, size_t len,
                        int64_t now_us);
} EngineHooks;

/* hooks is not copied: it must outlive the room (a static table). */
void engine_room_set_hooks(EngineRoom *room, const EngineHooks *hooks, void *ctx);

#endif
