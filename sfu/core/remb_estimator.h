/* remb_estimator: a simple receive-side bandwidth estimate for one
 * publisher, to send it REMB (PSFB AFB "REMB", see rtcp_build_remb) so its
 * encoder stays within what reaches us and within a configured cap (a
 * prison's uplink is often the narrow part).
 *
 * Model (the loss-based half of GCC, draft-ietf-rmcat-gcc-02 s.6):
 * - every loss report (fraction lost of an RR interval, from rtp_stats):
 *   loss > 10%  -> estimate *= (1 - 0.5 * loss)
 *   loss < 2%   -> estimate *= 1.05
 *   otherwise   -> unchanged
 * - the estimate never exceeds 1.5 x the measured incoming rate (plus 10 kbit/s
 *   of room), so we do not invite a sender to jump far beyond what it has
 *   shown it can deliver, and is clamped to [min_bps, max_bps].
 * - incoming rate: bytes in the current 100 ms bucket and the 9 before it,
 *   over the time they cover (0.9..1 s, or the stream's age when younger).
 * - poll() says when to send: the first time, every interval_us, and at once
 *   when the estimate dropped by 3% or more since the last REMB (a decrease
 *   is urgent, an increase can wait).
 *
 * Struct public for embedding; no allocation; time injected (now_us).
 */
#ifndef PARLOUR_SFU_REMB_ESTIMATOR_H
#define PARLOUR_SFU_REMB_ESTIMATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REMB_BUCKETS 10
#define REMB_BUCKET_US 100000

typedef struct {
  uint64_t min_bps;      /* default 50 000 */
  uint64_t max_bps;      /* default 2 500 000 */
  uint64_t start_bps;    /* default 1 000 000 */
  int64_t interval_us;   /* default 1 s */
} RembConfig;

typedef struct {
  RembConfig cfg;
  uint64_t estimate_bps;
  /* incoming rate */
  uint64_t bucket_bytes[REMB_BUCKETS];
  int64_t bucket_start_us[REMB_BUCKETS];
  bool have_packets;
  int64_t first_packet_us;
  /* sending */
  bool sent_once;
  int64_t last_sent_us;
  uint64_t last_sent_bps;
  uint64_t reports;
} RembEstimator;

void remb_config_default(RembConfig *cfg);
/* cfg may be NULL (defaults); zero fields take their default; max < min is
 * raised to min; start is clamped into [min, max]. */
void remb_estimator_init(RembEstimator *e, const RembConfig *cfg);
/* Change the cap (e.g. policy, or the slowest subscriber's downlink). */
void remb_estimator_set_max(RembEstimator *e, uint64_t max_bps);

/* Bytes of one RTP packet received from the publisher (any of its SSRCs). */
void remb_estimator_on_packet(RembEstimator *e, size_t bytes, int64_t now_us);
/* fraction_lost as in an RR block (x/256) for the interval just ended. */
void remb_estimator_on_loss(RembEstimator *e, uint8_t fraction_lost, int64_t now_us);

/* Incoming rate in bit/s over the window described above (0 before any
 * packet); the time covered is at least 100 ms. */
uint64_t remb_estimator_incoming_bps(const RembEstimator *e, int64_t now_us);
uint64_t remb_estimator_estimate_bps(const RembEstimator *e);

/* True when a REMB should be sent now; *bitrate_bps gets the value. */
bool remb_estimator_poll(RembEstimator *e, int64_t now_us, uint64_t *bitrate_bps);

#endif
