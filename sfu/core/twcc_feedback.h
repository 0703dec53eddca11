/* twcc_feedback: the receive side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01). For one peer (one
 * BUNDLE transport, e.g. a publisher's), record the transport-wide sequence
 * number and arrival time of every RTP packet, and at an interval build RTCP
 * RTPFB FMT 15 "transport-cc" feedback telling the sender when each packet
 * arrived. The sender (the browser, or our bwe_delay toward a subscriber)
 * turns that into a delay-based bandwidth estimate.
 *
 * Contract
 * - Sans-IO: the caller passes arrival times (now_us, any monotonic origin)
 *   and gets bytes; nothing here sends.
 * - No allocation: the struct is public and embeddable, with a fixed window of
 *   TWCC_FB_WINDOW arrival slots (seq mod window). Sequence numbers are
 *   unwrapped to 64 bits, so 16-bit wrap needs no special case.
 * - A feedback covers every seq from the first not yet reported to the
 *   highest received (lost ones as "not received"). A packet arriving after
 *   its seq was already reported as lost is counted (stats.late) but not
 *   reported again: the sender has already acted on the loss.
 * - A packet TWCC_FB_WINDOW or more beyond the first unreported seq restarts
 *   the window at its seq (the sender restarted, or feedback was not built
 *   for a long time); what was unreported is dropped (stats.skipped).
 * - Chunks: run-length chunks for runs of >= 14 equal symbols (or >= 7 with
 *   two-bit symbols around), one-bit status vectors (14 symbols) when only
 *   "not received"/"small delta" occur, two-bit vectors (7) otherwise.
 *   Deltas in 250 us units: one byte when 0..255, two bytes signed otherwise;
 *   a delta beyond +-8.19 s ends the feedback before that packet (the next
 *   feedback starts there with a new reference time).
 * - Reference time: 24 bits, 64 ms units, from this receiver's own origin
 *   (the first packet's arrival), so it does not wrap for 298 hours.
 * - The packet is zero-padded to 32 bits without the P bit, so it can sit
 *   anywhere in a compound.
 */
#ifndef PARLOUR_SFU_TWCC_FEEDBACK_H
#define PARLOUR_SFU_TWCC_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp.h"

#define TWCC_FB_WINDOW 2048u /* power of two */
/* The largest feedback packet twcc_feedback_build() produces, whatever cap
 * is given: keeps one feedback inside a typical MTU with SRTCP overhead. */
#define TWCC_FB_MAX_PACKET 1200u

typedef struct {
  uint64_t packets, late, duplicates, skipped, feedbacks;
} TwccFeedbackStats;

typedef struct {
  uint32_t sender_ssrc;   /* our RTCP SSRC */
  uint32_t media_ssrc;    /* the peer's (any of its media SSRCs; libwebrtc ignores it) */
  int64_t interval_us;    /* how often feedback is due; default 100 ms */
  /* state */
  bool have;              /* a packet was recorded */
  int64_t origin_us;      /* arrival time of the first packet (reference time 0) */
  int64_t last_ext;       /* unwrapped seq of the newest packet (for unwrapping) */
  int64_t next_base;      /* first unwrapped seq not yet reported */
  int64_t highest;        /* highest unwrapped seq received */
  int64_t last_sent_us;
  bool sent_once;
  uint8_t fb_count;       /* feedback packet count, wraps at 256 */
  int64_t arrival[TWCC_FB_WINDOW]; /* arrival time - origin, or -1 */
  int64_t slot_seq[TWCC_FB_WINDOW]; /* unwrapped seq the slot holds */
  TwccFeedbackStats stats;
} TwccFeedback;

/* interval_us <= 0 selects 100 ms. */
void twcc_feedback_init(TwccFeedback *f, uint32_t sender_ssrc, uint32_t media_ssrc, int64_t interval_us);

/* One RTP packet with transport-wide seq `seq` arrived at arrival_us. */
void twcc_feedback_on_packet(TwccFeedback *f, uint16_t seq, int64_t arrival_us);

/* True when there is something unreported and interval_us has passed since
 * the last feedback (or none was sent yet). */
bool twcc_feedback_due(const TwccFeedback *f, int64_t now_us);

/* Build one feedback packet into out[0..cap) covering what is unreported (as
 * much as fits in min(cap, TWCC_FB_MAX_PACKET)); returns its length, or 0 if
 * there is nothing to report or cap is too small (< 24). Call again while it
 * returns non-zero to drain a backlog. Marks the time for _due. */
size_t twcc_feedback_build(TwccFeedback *f, int64_t now_us, uint8_t *out, size_t cap);

/* The transport-wide sequence number in a parsed RTP packet (extension id
 * `id`, 2 bytes); false when absent or of the wrong length. */
bool twcc_ext_read_seq(const uint8_t *buf, const RtpView *view, uint8_t id, uint16_t *seq);
/* Overwrite the transport-wide seq in place (the element with id `id` must
 * be present: the forward path never grows a packet). */
bool twcc_ext_write_seq(uint8_t *buf, const RtpView *view, uint8_t id, uint16_t seq);

#endif
