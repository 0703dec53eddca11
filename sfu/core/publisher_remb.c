/* publisher_remb: see publisher_remb.h. */
#include "publisher_remb.h"

#include <string.h>

void publisher_remb_config_default(PublisherRembConfig *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->nominal_bps[0] = 150000;
  cfg->nominal_bps[1] = 500000;
  cfg->nominal_bps[2] = 1500000;
  cfg->headroom = 1.15;
  cfg->min_bps = 50000;
  cfg->max_bps = 5000000;
  cfg->idle_bps = 150000;
  cfg->interval_us = 1000000;
  cfg->peak_decay_us = 10000000;
  cfg->off_hold_us = 5000000;
}

void publisher_remb_init(PublisherRemb *p, const PublisherRembConfig *cfg, unsigned n_layers) {
  PublisherRembConfig d;
  publisher_remb_config_default(&d);
  memset(p, 0, sizeof *p);
  if (cfg) {
    for (unsigned i = 0; i < LAYER_MAX; i++)
      if (cfg->nominal_bps[i]) d.nominal_bps[i] = cfg->nominal_bps[i];
    if (cfg->headroom >= 1.0) d.headroom = cfg->headroom;
    if (cfg->min_bps) d.min_bps = cfg->min_bps;
    if (cfg->max_bps) d.max_bps = cfg->max_bps;
    if (cfg->idle_bps) d.idle_bps = cfg->idle_bps;
    if (cfg->interval_us > 0) d.interval_us = cfg->interval_us;
    if (cfg->peak_decay_us > 0) d.peak_decay_us = cfg->peak_decay_us;
    if (cfg->off_hold_us > 0) d.off_hold_us = cfg->off_hold_us;
  }
  if (d.max_bps < d.min_bps) d.max_bps = d.min_bps;
  p->cfg = d;
  p->n_layers = n_layers < 1 ? 1 : n_layers > LAYER_MAX ? LAYER_MAX : n_layers;
  p->highest = LAYER_PAUSED;
  p->last_sent_highest = LAYER_PAUSED;
}

void publisher_remb_on_layer_rate(PublisherRemb *p, unsigned layer, uint64_t bps, int64_t now_us) {
  if (p == NULL || layer >= p->n_layers || bps == 0) return;
  bool stale = now_us - p->peak_us[layer] > p->cfg.peak_decay_us;
  if (bps >= p->peak_bps[layer] || stale) {
    p->peak_bps[layer] = bps;
    p->peak_us[layer] = now_us;
  }
}

void publisher_remb_begin(PublisherRemb *p) {
  if (p == NULL) return;
  p->highest = LAYER_PAUSED;
  p->min_budget = 0;
  p->n_demands = 0;
}

void publisher_remb_add_demand(PublisherRemb *p, int target_layer, uint64_t video_budget_bps) {
  if (p == NULL) return;
  p->n_demands++;
  if (target_layer == LAYER_PAUSED || target_layer < 0) return;
  if (target_layer >= (int)p->n_layers) target_layer = (int)p->n_layers - 1;
  if (target_layer > p->highest) p->highest = target_layer;
  if (p->min_budget == 0 || video_budget_bps < p->min_budget) p->min_budget = video_budget_bps;
}

void publisher_remb_end(PublisherRemb *p, int64_t now_us) {
  if (p == NULL) return;
  for (int l = 0; l <= p->highest && l < (int)p->n_layers; l++) {
    p->wanted_us[l] = now_us;
    p->wanted_once[l] = true;
  }
  for (int l = (int)p->n_layers - 1; l > p->highest; l--)
    if (p->wanted_once[l] && now_us - p->wanted_us[l] < p->cfg.off_hold_us) {
      p->highest = l;
      break;
    }
}

static uint64_t layer_bps(const PublisherRemb *p, unsigned l, int64_t now_us) {
  if (p->peak_bps[l] && now_us - p->peak_us[l] <= p->cfg.peak_decay_us) return p->peak_bps[l];
  return p->cfg.nominal_bps[l];
}

uint64_t publisher_remb_layer_bps(const PublisherRemb *p, unsigned layer, int64_t now_us) {
  if (p == NULL || layer >= p->n_layers) return 0;
  return layer_bps(p, layer, now_us);
}

/* In the budget: never below the nominal (see the header: the browser
 * enables layers by its configured rates). */
static uint64_t budget_bps(const PublisherRemb *p, unsigned l, int64_t now_us) {
  uint64_t m = layer_bps(p, l, now_us);
  return m > p->cfg.nominal_bps[l] ? m : p->cfg.nominal_bps[l];
}

int publisher_remb_demand(const PublisherRemb *p, int max_layer, bool paused, uint64_t estimate_bps,
                          uint64_t audio_bps, int64_t now_us) {
  if (p == NULL || paused) return LAYER_PAUSED;
  int top = (int)p->n_layers - 1;
  if (max_layer < 0) max_layer = 0;
  if (max_layer > top) max_layer = top;
  int would = 0;
  if (estimate_bps == 0) {
    would = max_layer;
  } else {
    for (int l = max_layer; l > 0; l--)
      if (layer_bps(p, (unsigned)l, now_us) + audio_bps <= estimate_bps) {
        would = l;
        break;
      }
  }
  return would + 1 <= max_layer ? would + 1 : max_layer;
}

uint64_t publisher_remb_target_bps(const PublisherRemb *p, uint64_t uplink_bps, int64_t now_us) {
  if (p == NULL) return 0;
  double v;
  if (p->n_layers > 1) {
    int top = p->highest == LAYER_PAUSED ? 0 : p->highest;
    uint64_t sum = 0;
    for (int l = 0; l <= top; l++) sum += budget_bps(p, (unsigned)l, now_us);
    v = (double)sum * p->cfg.headroom;
  } else {
    v = p->highest == LAYER_PAUSED ? (double)p->cfg.idle_bps : (double)p->min_budget;
  }
  if (uplink_bps && (double)uplink_bps < v) v = (double)uplink_bps;
  if (v < (double)p->cfg.min_bps) v = (double)p->cfg.min_bps;
  if (v > (double)p->cfg.max_bps) v = (double)p->cfg.max_bps;
  return (uint64_t)v;
}

bool publisher_remb_poll(PublisherRemb *p, uint64_t bps, int64_t now_us) {
  if (p == NULL) return false;
  bool due = !p->sent_once || now_us - p->last_sent_us >= p->cfg.interval_us ||
             (double)bps <= 0.97 * (double)p->last_sent_bps ||
             (p->highest > p->last_sent_highest && bps > p->last_sent_bps);
  if (!due) return false;
  p->sent_once = true;
  p->last_sent_us = now_us;
  p->last_sent_bps = bps;
  p->last_sent_highest = p->highest;
  return true;
}
