/* bwe_probe: find out whether the path to a subscriber can carry the next
 * simulcast layer before switching to it.
 *
 * Why: bwe_delay's estimate never runs ahead of what was delivered (1.5 x
 * the acknowledged rate), so a subscriber receiving the 150 kbit/s layer can
 * never earn an estimate that allows the 500 kbit/s one by itself. An
 * up-switch used as the test freezes the picture when it fails (the big
 * keyframe and frames of the higher layer are lost in the queue). A probe
 * risks only padding.
 *
 * How (packet-train dispersion, as libwebrtc's prober does in spirit): when
 * the next layer up needs want_bps in total and the estimate is below it,
 * send a cluster of padding packets (RTX padding toward a browser) paced at
 * want_bps x 1.3 for cluster_us (100 ms, at least 5 packets), each with
 * its transport-wide seq. When transport-cc feedback has reported them all
 * (or 1 s passed), the delivered rate is the bytes after the first arrival
 * over the arrival span, scaled by the share that arrived and capped at the
 * sent rate; the probe succeeded when 95 % of it (what bwe_delay_on_probe
 * makes the estimate) covers want_bps. Either way the delivered rate goes
 * to bwe_delay_on_probe() (which only ever raises the estimate), and the
 * caller should tell bwe_delay_probe_started() so the probe's own queue is
 * not taken for congestion. After a failure the next probe waits the
 * back-off (1 s, doubling to 4 s); a success resets it.
 *
 * Contract: sans-IO, injected clock, struct public, no allocation. The
 * caller sends the padding (bwe_probe_padding_due says how many bytes are
 * due now) and reports each padding packet's transport seq.
 */
#ifndef PARLOUR_SFU_BWE_PROBE_H
#define PARLOUR_SFU_BWE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "twcc_history.h"

#define BWE_PROBE_MAX_PACKETS 128

typedef struct {
  int64_t cluster_us;       /* 100 ms */
  double overshoot;         /* 1.3: probe rate = want x overshoot */
  double success_ratio;     /* 0.95: success when ratio x delivered >= want */
  int64_t backoff_min_us;   /* 1 s */
  int64_t backoff_max_us;   /* 4 s */
  int64_t result_timeout_us; /* 1 s */
} BweProbeConfig;

typedef enum { BWE_PROBE_IDLE = 0, BWE_PROBE_SENDING, BWE_PROBE_WAITING } BweProbeState;

typedef struct {
  BweProbeConfig cfg;
  BweProbeState state;
  uint64_t want_bps;        /* what the current probe must prove */
  uint64_t rate_bps;        /* padding rate of the current cluster */
  int64_t start_us;
  uint64_t bytes_sent;
  unsigned n_sent;
  uint16_t seqs[BWE_PROBE_MAX_PACKETS];
  bool reported[BWE_PROBE_MAX_PACKETS];
  int64_t recv_us[BWE_PROBE_MAX_PACKETS];
  uint32_t size[BWE_PROBE_MAX_PACKETS];
  int64_t sent_done_us;
  int64_t next_allowed_us;
  int64_t backoff_us;
  uint64_t last_delivered_bps;
  uint64_t successes, failures;
} BweProbe;

void bwe_probe_config_default(BweProbeConfig *cfg);
void bwe_probe_init(BweProbe *p, const BweProbeConfig *cfg);
/* Call every tick: starts a cluster (returns true) when want_bps > 0,
 * estimate_bps < want_bps, no probe is running and the back-off allows. */
bool bwe_probe_maybe_start(BweProbe *p, uint64_t want_bps, uint64_t estimate_bps, int64_t now_us);
/* Padding bytes due now to keep the cluster's pace (0 when not sending). */
size_t bwe_probe_padding_due(BweProbe *p, int64_t now_us);
/* A padding packet of `bytes` went out with transport seq `seq`. */
void bwe_probe_on_sent(BweProbe *p, uint16_t seq, size_t bytes, int64_t now_us);
/* Feedback results (twcc_history_on_feedback). Returns true when the probe
 * concluded now: *delivered_bps (0 if it could not be measured) and
 * *success. Also call with n = 0 on ticks so a lost cluster times out. */
bool bwe_probe_on_results(BweProbe *p, const TwccResult *res, size_t n, int64_t now_us,
                          uint64_t *delivered_bps, bool *success);

#endif
