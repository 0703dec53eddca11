/* bwe_probe: see bwe_probe.h. */
#include "bwe_probe.h"

#include <string.h>

#define MIN_PACKETS 5
#define PAD_BYTES 1200

void bwe_probe_config_default(BweProbeConfig *c) {
  c->cluster_us = 100000;
  c->overshoot = 1.3;
  c->success_ratio = 0.95;
  c->backoff_min_us = 1000000;
  c->backoff_max_us = 4000000;
  c->result_timeout_us = 1000000;
}

void bwe_probe_init(BweProbe *p, const BweProbeConfig *cfg) {
  BweProbeConfig d;
  bwe_probe_config_default(&d);
  memset(p, 0, sizeof *p);
  if (cfg) {
    if (cfg->cluster_us > 0) d.cluster_us = cfg->cluster_us;
    if (cfg->overshoot >= 1.0) d.overshoot = cfg->overshoot;
    if (cfg->success_ratio > 0 && cfg->success_ratio <= 1.0) d.success_ratio = cfg->success_ratio;
    if (cfg->backoff_min_us > 0) d.backoff_min_us = cfg->backoff_min_us;
    if (cfg->backoff_max_us > 0) d.backoff_max_us = cfg->backoff_max_us;
    if (cfg->result_timeout_us > 0) d.result_timeout_us = cfg->result_timeout_us;
  }
  if (d.backoff_max_us < d.backoff_min_us) d.backoff_max_us = d.backoff_min_us;
  p->cfg = d;
  p->backoff_us = d.backoff_min_us;
}

bool bwe_probe_maybe_start(BweProbe *p, uint64_t want_bps, uint64_t estimate_bps, int64_t now_us) {
  if (p == NULL || p->state != BWE_PROBE_IDLE || want_bps == 0 || estimate_bps >= want_bps) return false;
  if (now_us < p->next_allowed_us) return false;
  p->state = BWE_PROBE_SENDING;
  p->want_bps = want_bps;
  p->rate_bps = (uint64_t)((double)want_bps * p->cfg.overshoot);
  p->start_us = now_us;
  p->bytes_sent = 0;
  p->n_sent = 0;
  return true;
}

size_t bwe_probe_padding_due(BweProbe *p, int64_t now_us) {
  if (p == NULL || p->state != BWE_PROBE_SENDING) return 0;
  uint64_t total = p->rate_bps * (uint64_t)p->cfg.cluster_us / 8 / 1000000;
  if (total < MIN_PACKETS * PAD_BYTES) total = MIN_PACKETS * PAD_BYTES;
  int64_t el = now_us - p->start_us;
  uint64_t due = el >= p->cfg.cluster_us ? total : (uint64_t)((double)p->rate_bps * (double)el / 8e6) + PAD_BYTES;
  if (due > total) due = total;
  if (p->n_sent >= BWE_PROBE_MAX_PACKETS || p->bytes_sent >= total) {
    p->state = BWE_PROBE_WAITING;
    p->sent_done_us = now_us;
    return 0;
  }
  return due > p->bytes_sent ? (size_t)(due - p->bytes_sent) : 0;
}

void bwe_probe_on_sent(BweProbe *p, uint16_t seq, size_t bytes, int64_t now_us) {
  if (p == NULL || p->state != BWE_PROBE_SENDING || p->n_sent >= BWE_PROBE_MAX_PACKETS) return;
  unsigned i = p->n_sent++;
  p->seqs[i] = seq;
  p->reported[i] = false;
  p->recv_us[i] = -1;
  p->size[i] = (uint32_t)bytes;
  p->bytes_sent += bytes;
  (void)now_us;
}

static void conclude(BweProbe *p, int64_t now_us, uint64_t *delivered, bool *success) {
  /* dispersion over the packets that arrived */
  int64_t first = INT64_MAX, last = INT64_MIN;
  uint64_t bytes = 0, first_size = 0;
  unsigned got = 0;
  for (unsigned i = 0; i < p->n_sent; i++) {
    if (p->recv_us[i] < 0) continue;
    got++;
    bytes += p->size[i];
    if (p->recv_us[i] < first) {
      first = p->recv_us[i];
      first_size = p->size[i];
    }
    if (p->recv_us[i] > last) last = p->recv_us[i];
  }
  uint64_t rate = 0;
  if (got >= 3 && last > first) rate = (bytes - first_size) * 8 * 1000000 / (uint64_t)(last - first);
  /* losses count against the rate: what did not arrive was not delivered */
  if (got < p->n_sent && p->n_sent) rate = rate * got / p->n_sent;
  if (rate > p->rate_bps) rate = p->rate_bps; /* bunching is not capacity */
  /* proved: what bwe_delay_on_probe will make of it covers what was wanted */
  bool ok = rate > 0 && p->cfg.success_ratio * (double)rate >= (double)p->want_bps;
  p->last_delivered_bps = rate;
  if (ok) {
    p->successes++;
    p->backoff_us = p->cfg.backoff_min_us;
    p->next_allowed_us = now_us;
  } else {
    p->failures++;
    p->next_allowed_us = now_us + p->backoff_us;
    p->backoff_us = p->backoff_us * 2 > p->cfg.backoff_max_us ? p->cfg.backoff_max_us : p->backoff_us * 2;
  }
  p->state = BWE_PROBE_IDLE;
  *delivered = rate;
  *success = ok;
}

bool bwe_probe_on_results(BweProbe *p, const TwccResult *res, size_t n, int64_t now_us,
                          uint64_t *delivered_bps, bool *success) {
  uint64_t dummy_d;
  bool dummy_s;
  if (!delivered_bps) delivered_bps = &dummy_d;
  if (!success) success = &dummy_s;
  *delivered_bps = 0;
  *success = false;
  if (p == NULL || p->state == BWE_PROBE_IDLE || (res == NULL && n > 0)) return false;
  for (size_t k = 0; k < n; k++)
    for (unsigned i = 0; i < p->n_sent; i++)
      if (!p->reported[i] && p->seqs[i] == res[k].seq) {
        p->reported[i] = true;
        p->recv_us[i] = res[k].recv_us;
        break;
      }
  if (p->state != BWE_PROBE_WAITING) return false;
  bool all = true;
  for (unsigned i = 0; i < p->n_sent; i++)
    if (!p->reported[i]) all = false;
  if (!all && now_us - p->sent_done_us < p->cfg.result_timeout_us) return false;
  conclude(p, now_us, delivered_bps, success);
  return true;
}
