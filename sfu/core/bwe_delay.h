/* bwe_delay: send-side bandwidth estimate toward one subscriber, from the
 * transport-cc feedback it sends us (twcc_history gives per-packet send and
 * arrival times), GCC-style (draft-ietf-rmcat-gcc-02, as libwebrtc does it),
 * plus REMB from the subscriber when that is all it sends.
 *
 * Model
 * - Packets are grouped by send time (a group spans <= 5 ms). For each pair
 *   of consecutive groups, d = arrival delta - send delta (ms): how much the
 *   path's queue grew.
 * - Trendline filter: accumulated d, smoothed (0.9), and the slope of a
 *   linear fit over the last 20 points against arrival time; the trend is
 *   slope x min(points, 60) x 4.
 * - Overuse detector: the trend against an adaptive threshold (starts at
 *   12.5, grows by 0.0087 and shrinks by 0.039 per ms toward |trend|, kept in
 *   6..600): overuse when above it for more than 10 ms over at least two
 *   groups and not falling; underuse when below -threshold.
 * - AIMD: overuse -> decrease to 0.85 x the acknowledged rate (what the
 *   receiver measurably got over the last ~0.5 s, probe padding excluded), at most once per 300 ms,
 *   then hold; normal -> increase; underuse -> hold (the queue drains).
 *   Increase is multiplicative (increase_per_s, default x1.3 per second) far
 *   from the rate where the last overuses happened, and additive (about one
 *   1200-byte packet per response time) within 3 standard deviations of it.
 *   An increase never goes beyond 1.5 x acknowledged + 10 kbit/s (it never
 *   lowers the estimate either): the estimate does not run ahead of what was
 *   delivered. So when the forwarder sends less than the estimate (a low
 *   simulcast layer: "application limited"), only a probe can raise it:
 *   bwe_probe sends a short burst of padding at the rate the next layer
 *   needs and, when the receiver got it at that rate, bwe_delay_on_probe()
 *   lifts the estimate to 95 % of the delivered rate. (The first real-link
 *   run let the estimate grow while application limited: it climbed to
 *   1 Mbit/s on a 300 kbit/s path and every up-switch froze the picture.)
 * - Decrease: to 0.85 x acknowledged, never raising the estimate and never
 *   below half of it in one step, at most once per 300 ms while over-using.
 * - Loss bound: over every >= 30 reported packets, loss > 10 % sets the bound
 *   to min(bound, estimate) x (1 - 0.5 loss); media loss > 50 % (a queue
 *   overflowing) caps it at once at what got through, sent x (1 - loss),
 *   but not below 0.85 x the rate acknowledged in the last 200 ms; loss < 2 % raises it to the
 *   delay-based estimate at once (or x1.05 if already above): once clean,
 *   the delay signal governs; between 2 and 10 % it holds.
 * - REMB: bwe_delay_on_remb() caps the estimate (the receiver's own view).
 * - Output: min(delay-based, loss bound, REMB), clamped to [min, max].
 *
 * Contract: sans-IO, injected clock, struct public and embeddable, no
 * allocation. Results whose arrival goes backwards by more than 3 s (the
 * receiver's clock reset) restart the trendline.
 */
#ifndef PARLOUR_SFU_BWE_DELAY_H
#define PARLOUR_SFU_BWE_DELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "twcc_history.h"

#define BWE_TREND_WINDOW 20
#define BWE_ACK_BUCKETS 40
#define BWE_ACK_BUCKET_US 25000

typedef struct {
  uint64_t min_bps;       /* default 50 000 */
  uint64_t max_bps;       /* default 5 000 000 */
  uint64_t start_bps;     /* default 500 000 */
  double increase_per_s;  /* multiplicative increase factor per second, default 1.3 */
} BweConfig;

typedef enum { BWE_USAGE_NORMAL = 0, BWE_USAGE_OVERUSE, BWE_USAGE_UNDERUSE } BweUsage;
typedef enum { BWE_STATE_HOLD = 0, BWE_STATE_INCREASE, BWE_STATE_DECREASE } BweState;

typedef struct {
  BweConfig cfg;
  /* packet groups */
  bool have_group, have_prev;
  int64_t grp_first_send, grp_last_send, grp_last_recv;
  int64_t prev_last_send, prev_last_recv;
  /* trendline */
  double acc_delay_ms, smoothed_ms;
  unsigned n_deltas;
  bool have_first_arrival;
  int64_t first_arrival_us;
  double hist_x[BWE_TREND_WINDOW], hist_y[BWE_TREND_WINDOW];
  unsigned hist_n, hist_pos;
  double trend, prev_trend;
  /* overuse detector */
  double threshold;
  int64_t last_thr_us;
  bool have_thr_time;
  double time_over_ms;
  unsigned overuse_count;
  BweUsage usage;
  /* acknowledged rate: bytes per 25 ms of arrival time */
  int64_t ack_idx[BWE_ACK_BUCKETS];
  uint64_t ack_bytes[BWE_ACK_BUCKETS];
  bool have_ack;
  int64_t ack_max_idx, ack_first_idx;
  /* AIMD */
  BweState state;
  double delay_bps;
  int64_t last_update_us;
  bool have_update;
  int64_t last_decrease_us;
  bool have_decrease;
  bool have_avg_max;
  double avg_max_kbps, var_max_kbps;
  int64_t rtt_us;
  /* loss */
  double loss_bps;
  uint32_t loss_lost, loss_total;
  double last_loss;
  bool have_loss_decrease;
  int64_t last_loss_decrease_us; /* loss decreases at most every 300 ms + RTT */
  /* media sent in the current loss window (send times of the reported
   * packets, probe padding excluded): heavy loss caps the estimate at what
   * got through, sent rate x (1 - loss) */
  uint64_t loss_bytes;
  uint32_t loss_media_lost, loss_media_total; /* the window without probe padding */
  int64_t loss_send_first_us, loss_send_last_us;
  uint64_t loss_capped;    /* times that cap applied */
  /* REMB */
  int64_t probe_quiet_until_us; /* no delay-based decrease before this */
  uint64_t remb_bps;       /* 0 = none received */
  uint64_t estimate_bps;
  uint64_t overuses, decreases;
} BweDelay;

void bwe_config_default(BweConfig *cfg);
/* cfg may be NULL; zero fields take defaults; max < min is raised to min. */
void bwe_delay_init(BweDelay *b, const BweConfig *cfg);

/* Results of one feedback (twcc_history_on_feedback), now = when it came. */
void bwe_delay_on_feedback(BweDelay *b, const TwccResult *res, size_t n, int64_t now_us);
/* A probe (bwe_probe) measured that the path delivered delivered_bps:
 * raise the estimate to 95 % of it (never lowers; ignored while over-using). */
void bwe_delay_on_probe(BweDelay *b, uint64_t delivered_bps, int64_t now_us);
/* A probe cluster starts: the queue it builds on a path too small for it is
 * its own, not the media's; over-use seen before quiet_until_us (start +
 * ~1 s: the cluster, the feedback, the queue draining) does not decrease the
 * estimate. The probe's result (bwe_delay_on_probe) is the information. */
void bwe_delay_probe_started(BweDelay *b, int64_t quiet_until_us);
/* REMB received from the subscriber (bitrate 0 is ignored). */
void bwe_delay_on_remb(BweDelay *b, uint64_t bitrate_bps, int64_t now_us);
/* Round-trip time to the subscriber (from RR/SR), for the additive increase. */
void bwe_delay_set_rtt(BweDelay *b, int64_t rtt_us);

uint64_t bwe_delay_estimate_bps(const BweDelay *b);
/* What the receiver acknowledged over the last ~0.5 s of arrival time. */
uint64_t bwe_delay_acked_bps(const BweDelay *b);
/* The same over the last 200 ms only: during a congestion, the link's rate
 * (a full tail-drop queue delivers exactly that), without the rate from
 * before it that the 475 ms window still carries. */
uint64_t bwe_delay_recent_acked_bps(const BweDelay *b);
/* True when over-use or loss lowered the estimate in the last `within_us`:
 * the path is congested now (not merely slower than a stream that just
 * started, whose acknowledged rate is still filling its window). */
bool bwe_delay_decreased_within(const BweDelay *b, int64_t within_us, int64_t now_us);
BweUsage bwe_delay_usage(const BweDelay *b);

#endif
