/* engine_internal: what the files of the room engine (sfu/core/engine*.c,
 * the code behind engine.h) share besides the structs of engine_state.h:
 * buffer sizes and the calls one concept makes into another. Engine files
 * only.
 *
 *   engine.c             the seam: engine_input, engine_tick, output, drops
 *   engine_track.c       a published track's life; keyframe requests; mute
 *   engine_publisher.c   publisher RTP (learn SSRCs, RTX, route, rewrite,
 *                        send) and publisher RTCP (sender reports)
 *   engine_subscriber.c  subscriber RTCP: NACK answers, PLI/FIR, REMB, RTT
 *   engine_layers.c      simulcast layer choice, pause and resume, caps
 *   engine_probe.c       probe padding toward subscribers
 *   engine_reports.c     NACK/PLI polls, receiver and sender reports, the
 *                        publisher's loss-based estimate, speakers
 *   engine_feedback.c    REMB and transport-cc feedback to publishers
 *   engine_slot.c        a subscription slot's state and activation
 *   engine_stats.c       counter snapshots for the stats API
 * The pump (sfu/) never includes this header. */
#ifndef PARLOUR_SFU_ENGINE_INTERNAL_H
#define PARLOUR_SFU_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp.h"
#include "engine_private.h"
#include "engine_state.h"

#define MAX_PKT 1500
/* A forwarded packet may grow by a transport-cc element (rtp_ext_set: at
 * most a new 4-byte block header and one word). */
#define EXT_ROOM 8
#define REPORT_INTERVAL_US 1000000
/* Reserved of a subscriber's downlink per forwarded audio track. */
#define AUDIO_BUDGET_BPS 40000

/* Our transport-cc estimate drives the choice once its feedback flows. */
static inline bool engine_uses_bwe(const EnginePeer *q) {
  return q->e->bwe_on && q->e->bwe && q->e->bwe->feedbacks > 0;
}

/* engine.c: through the room's hooks (core/engine.h EngineHooks); no-ops
 * when the room set none. */
void engine_log(const EngineRoom *r, EngineLogLevel level, const char *event, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
void engine_emit(const EngineRoom *r, const EngineEvent *ev);

/* engine_publisher.c */
void engine_on_publisher_rtp(EnginePeer *p, uint8_t *buf, size_t len, int64_t now_us);
void engine_on_publisher_rtcp(EnginePeer *p, uint8_t *buf, size_t len, int64_t now_us);
/* Give a packet to the subscriber its transport-wide seq (subscriber_bwe
 * remembers size and send time for the feedback): the element is
 * overwritten, or added when the packet has none (the buffer has EXT_ROOM
 * spare bytes before cap). False: leave the packet unsent. */
bool engine_stamp_twcc(EngineSlot *s, uint8_t *b, size_t *len, size_t cap, int64_t now_us);
/* Simulcast VP8: PictureID/TL0PICIDX continue across the subscription's
 * layer switches (vp8_rewrite.h says why). False: do not send. */
bool engine_rewrite_vp8(EngineTrack *t, EngineSlot *s, unsigned layer, bool switch_ok, uint8_t *pkt,
                        const RtpView *v);

/* engine_feedback.c: the publisher's transport-cc recorder goes (the peer
 * leaves, or a re-offer turned it off). */
void publisher_feedback_free(EnginePeer *p);

/* engine_subscriber.c */
void engine_on_subscriber_rtcp(EnginePeer *p, uint8_t *buf, size_t len, int64_t now_us);

/* engine_track.c: one PLI per layer in mask (bit l: layer l), unthrottled
 * (the callers throttle). */
void engine_send_pli(EngineTrack *t, unsigned mask, const char *reason);

/* engine_layers.c: what is reserved of q's downlink before a video
 * subscription's layer (its audio). */
uint64_t engine_others_bps(const EnginePeer *q, const EngineSlot *self, int64_t now_us);

/* engine_probe.c: probe padding for a subscriber whose estimate is ours. */
void engine_probe_tick(EnginePeer *q, int64_t now_us);

/* engine_reports.c */
void engine_tick_tracks(EngineRoom *r, int64_t now_us); /* NACK and keyframe polls */
void engine_report_publisher(EnginePeer *p, int64_t now_us);
void engine_report_subscriber(EnginePeer *p, int64_t now_us);
void engine_poll_speakers(EngineRoom *r, int64_t now_us);

#endif
