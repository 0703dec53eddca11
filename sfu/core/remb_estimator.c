/* Loss-based receive-side estimate for REMB; see remb_estimator.h. */
#include "remb_estimator.h"

#include <string.h>

void remb_config_default(RembConfig *cfg) {
  cfg->min_bps = 50000;
  cfg->max_bps = 2500000;
  cfg->start_bps = 1000000;
  cfg->interval_us = 1000000;
}

static uint64_t clamp(const RembEstimator *e, uint64_t v) {
  if (v < e->cfg.min_bps) return e->cfg.min_bps;
  if (v > e->cfg.max_bps) return e->cfg.max_bps;
  return v;
}

void remb_estimator_init(RembEstimator *e, const RembConfig *cfg) {
  memset(e, 0, sizeof *e);
  RembConfig d;
  remb_config_default(&d);
  e->cfg = d;
  if (cfg) {
    if (cfg->min_bps) e->cfg.min_bps = cfg->min_bps;
    if (cfg->max_bps) e->cfg.max_bps = cfg->max_bps;
    if (cfg->start_bps) e->cfg.start_bps = cfg->start_bps;
    if (cfg->interval_us > 0) e->cfg.interval_us = cfg->interval_us;
  }
  if (e->cfg.max_bps < e->cfg.min_bps) e->cfg.max_bps = e->cfg.min_bps;
  e->estimate_bps = clamp(e, e->cfg.start_bps);
}

void remb_estimator_set_max(RembEstimator *e, uint64_t max_bps) {
  e->cfg.max_bps = max_bps < e->cfg.min_bps ? e->cfg.min_bps : max_bps;
  e->estimate_bps = clamp(e, e->estimate_bps);
}

/* Bucket for now: buckets are aligned on REMB_BUCKET_US; a slot whose start
 * is not this bucket's start holds stale data and is reset. */
void remb_estimator_on_packet(RembEstimator *e, size_t bytes, int64_t now_us) {
  if (now_us < 0) now_us = 0;
  int64_t start = now_us - now_us % REMB_BUCKET_US;
  unsigned i = (unsigned)((now_us / REMB_BUCKET_US) % REMB_BUCKETS);
  if (e->bucket_start_us[i] != start) {
    e->bucket_start_us[i] = start;
    e->bucket_bytes[i] = 0;
  }
  e->bucket_bytes[i] += bytes;
  if (!e->have_packets) {
    e->have_packets = true;
    e->first_packet_us = now_us;
  }
}

uint64_t remb_estimator_incoming_bps(const RembEstimator *e, int64_t now_us) {
  if (!e->have_packets || now_us < 0) return 0;
  /* The window is the current (partial) bucket and the 9 before it; the
   * rate is over the time they cover, or the stream's age if younger. */
  int64_t oldest = now_us - now_us % REMB_BUCKET_US - (int64_t)(REMB_BUCKETS - 1) * REMB_BUCKET_US;
  uint64_t bytes = 0;
  for (unsigned i = 0; i < REMB_BUCKETS; i++)
    if (e->bucket_start_us[i] >= oldest && e->bucket_start_us[i] <= now_us) bytes += e->bucket_bytes[i];
  int64_t from = e->first_packet_us > oldest ? e->first_packet_us : oldest;
  int64_t span = now_us - from;
  if (span < REMB_BUCKET_US) span = REMB_BUCKET_US;
  return (uint64_t)((bytes * 8 * 1000000) / (uint64_t)span);
}

uint64_t remb_estimator_estimate_bps(const RembEstimator *e) { return e->estimate_bps; }

void remb_estimator_on_loss(RembEstimator *e, uint8_t fraction_lost, int64_t now_us) {
  e->reports++;
  double loss = fraction_lost / 256.0;
  double est = (double)e->estimate_bps;
  if (loss > 0.10)
    est *= 1.0 - 0.5 * loss;
  else if (loss < 0.02)
    est *= 1.05;
  uint64_t v = (uint64_t)est;
  uint64_t in = remb_estimator_incoming_bps(e, now_us);
  if (in > 0) {
    uint64_t ceiling = in + in / 2 + 10000;
    if (v > ceiling) v = ceiling;
  }
  e->estimate_bps = clamp(e, v);
}

bool remb_estimator_poll(RembEstimator *e, int64_t now_us, uint64_t *bitrate_bps) {
  bool send = !e->sent_once || now_us - e->last_sent_us >= e->cfg.interval_us ||
              e->estimate_bps * 100 <= e->last_sent_bps * 97;
  if (!send) return false;
  e->sent_once = true;
  e->last_sent_us = now_us;
  e->last_sent_bps = e->estimate_bps;
  if (bitrate_bps) *bitrate_bps = e->estimate_bps;
  return true;
}
