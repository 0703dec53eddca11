/* layer_selector: see layer_selector.h for the rules and why. */
#include "layer_selector.h"

#include <string.h>

/* ---- rate meter ---- */

void layer_rate_init(LayerRateMeter *m) { memset(m, 0, sizeof *m); }

static int64_t bucket_of(int64_t now_us) {
  return now_us >= 0 ? now_us / LAYER_RATE_BUCKET_US : -((-now_us + LAYER_RATE_BUCKET_US - 1) / LAYER_RATE_BUCKET_US);
}

static unsigned slot_of(int64_t idx) {
  return (unsigned)(((idx % LAYER_RATE_BUCKETS) + LAYER_RATE_BUCKETS) % LAYER_RATE_BUCKETS);
}

void layer_rate_on_packet(LayerRateMeter *m, unsigned layer, size_t bytes, int64_t now_us) {
  if (m == NULL || layer >= LAYER_MAX) return;
  int64_t idx = bucket_of(now_us);
  unsigned s = slot_of(idx);
  if (!m->have[layer]) {
    m->have[layer] = true;
    for (unsigned i = 0; i < LAYER_RATE_BUCKETS; i++) m->idx[layer][i] = INT64_MIN;
  }
  if (m->idx[layer][s] != idx) {
    m->idx[layer][s] = idx;
    m->bytes[layer][s] = 0;
  }
  m->bytes[layer][s] += bytes;
}

uint64_t layer_rate_bps(const LayerRateMeter *m, unsigned layer, int64_t now_us) {
  if (m == NULL || layer >= LAYER_MAX || !m->have[layer]) return 0;
  int64_t cur = bucket_of(now_us);
  uint64_t bytes = 0;
  /* the LAYER_RATE_BUCKETS - 1 completed buckets before the current one,
   * plus the current one: a full second, so a 1-frame-per-100ms stream of
   * keyframes and deltas averages out */
  for (int64_t i = cur - LAYER_RATE_BUCKETS + 1; i <= cur; i++) {
    unsigned s = slot_of(i);
    if (m->idx[layer][s] == i) bytes += m->bytes[layer][s];
  }
  return bytes * 8 * 1000000 / ((uint64_t)LAYER_RATE_BUCKETS * LAYER_RATE_BUCKET_US);
}

/* ---- selector ---- */

void layer_selector_config_default(LayerSelectorConfig *cfg) {
  cfg->up_factor = 1.25;
  cfg->hold_us = 2000000;
  cfg->max_hold_us = 32000000;
  cfg->failed_up_window_us = 10000000;
  cfg->keyframe_retry_us = 1000000;
  cfg->verified_hold_us = 500000;
  cfg->pause_after_us = 1000000;
  cfg->pause_settle_us = 2000000;
  cfg->collapse_factor = 1.5;
}

static int clamp_layer(int l) {
  if (l < 0) return 0;
  if (l > LAYER_MAX - 1) return LAYER_MAX - 1;
  return l;
}

void layer_selector_init(LayerSelector *s, const LayerSelectorConfig *cfg, int initial, int max_layer) {
  LayerSelectorConfig d;
  layer_selector_config_default(&d);
  memset(s, 0, sizeof *s);
  if (cfg) {
    if (cfg->up_factor >= 1.0) d.up_factor = cfg->up_factor;
    if (cfg->hold_us > 0) d.hold_us = cfg->hold_us;
    if (cfg->max_hold_us > 0) d.max_hold_us = cfg->max_hold_us;
    if (cfg->failed_up_window_us > 0) d.failed_up_window_us = cfg->failed_up_window_us;
    if (cfg->keyframe_retry_us > 0) d.keyframe_retry_us = cfg->keyframe_retry_us;
    if (cfg->verified_hold_us > 0) d.verified_hold_us = cfg->verified_hold_us;
    if (cfg->pause_after_us > 0) d.pause_after_us = cfg->pause_after_us;
    if (cfg->pause_settle_us > 0) d.pause_settle_us = cfg->pause_settle_us;
    if (cfg->collapse_factor >= 1.0) d.collapse_factor = cfg->collapse_factor;
  }
  if (d.max_hold_us < d.hold_us) d.max_hold_us = d.hold_us;
  s->cfg = d;
  s->max_layer = clamp_layer(max_layer);
  s->target = initial == LAYER_PAUSED ? LAYER_PAUSED : clamp_layer(initial);
  if (s->target > s->max_layer) s->target = s->max_layer;
  s->cur_hold_us = d.hold_us;
}

void layer_selector_verified(LayerSelector *s, int64_t now_us) {
  if (!s) return;
  s->have_verified = true;
  s->verified_us = now_us;
}

void layer_selector_set_max_layer(LayerSelector *s, int max_layer) {
  if (s) s->max_layer = clamp_layer(max_layer);
}

LayerDecision layer_selector_update(LayerSelector *s, const uint64_t *bps, unsigned n_layers,
                                    uint64_t estimate_bps, uint64_t audio_bps, int router_layer,
                                    int64_t now_us) {
  LayerDecision d = {.target = s ? s->target : LAYER_PAUSED};
  if (s == NULL || bps == NULL || n_layers == 0 || n_layers > LAYER_MAX) return d;
  int cap = s->max_layer < (int)n_layers - 1 ? s->max_layer : (int)n_layers - 1;
  bool any_active = false;
  for (int l = 0; l <= cap; l++)
    if (bps[l] > 0) any_active = true;
  if (!any_active) return d; /* nothing measurable to choose from (yet) */
  double avail = estimate_bps > audio_bps ? (double)(estimate_bps - audio_bps) : 0.0;

  /* forgive old failures */
  if (s->have_fail && now_us - s->last_fail_us >= 3 * s->cfg.failed_up_window_us) {
    s->cur_hold_us = s->cfg.hold_us;
    s->have_fail = false;
  }

  int cur = s->target, next = cur;
  int fit = LAYER_PAUSED; /* highest active layer <= cap that fits at x1.0 */
  for (int l = 0; l <= cap; l++)
    if (bps[l] > 0 && (double)bps[l] <= avail) fit = l;
  bool forced_by_cap = false;
  if (cur > cap) {
    next = fit;
    forced_by_cap = true;
  } else if (cur >= 0 && (bps[cur] == 0 || (double)bps[cur] > avail)) {
    /* down at once (or the layer went inactive): highest that fits, not above cur */
    next = LAYER_PAUSED;
    for (int l = 0; l <= cur; l++)
      if (bps[l] > 0 && (double)bps[l] <= avail) next = l;
    if (bps[cur] == 0 && next == LAYER_PAUSED && fit > cur) next = fit;
    if (bps[cur] > 0 && (double)bps[cur] > s->cfg.collapse_factor * avail)
      for (int l = 0; l < next; l++) /* collapse: the lowest layer that fits */
        if (bps[l] > 0 && (double)bps[l] <= avail) {
          next = l;
          break;
        }
  } else {
    int up = LAYER_PAUSED;
    for (int l = cur + 1; l <= cap; l++)
      if (bps[l] > 0 && (double)bps[l] * s->cfg.up_factor <= avail) up = l;
    if (up > cur) {
      if (!s->up_pending) {
        s->up_pending = true;
        s->up_since = now_us;
      }
      int64_t hold = s->cur_hold_us;
      if (s->have_verified && now_us - s->verified_us <= 3000000 && s->cfg.verified_hold_us < hold)
        hold = s->cfg.verified_hold_us;
      if (now_us - s->up_since >= hold) next = up;
    } else {
      s->up_pending = false;
    }
  }

  /* a pause must be earned: the lowest layer not fitting for pause_after_us */
  if (fit == LAYER_PAUSED) {
    if (!s->low_misfit) {
      s->low_misfit = true;
      s->low_misfit_since = now_us;
    }
    int64_t since = s->low_misfit_since;
    if (s->have_down && s->last_down_us + s->cfg.pause_settle_us > since)
      since = s->last_down_us + s->cfg.pause_settle_us;
    if (next == LAYER_PAUSED && cur != LAYER_PAUSED && now_us - since < s->cfg.pause_after_us) {
      for (int l = cap; l >= 0; l--) /* not yet: the lowest active layer */
        if (bps[l] > 0) next = l;
    }
  } else {
    s->low_misfit = false;
  }

  if (next != cur) {
    d.changed = true;
    s->up_pending = false;
    s->have_verified = false; /* a verification is for one step */
    bool down = next == LAYER_PAUSED || (cur != LAYER_PAUSED && next < cur);
    if (down) {
      s->downs++;
      if (next != LAYER_PAUSED) {
        s->have_down = true;
        s->last_down_us = now_us;
      }
      if (!forced_by_cap && s->have_up && now_us - s->last_up_us < s->cfg.failed_up_window_us) {
        s->failed_ups++;
        s->cur_hold_us = s->cur_hold_us * 2 > s->cfg.max_hold_us ? s->cfg.max_hold_us : s->cur_hold_us * 2;
        s->have_fail = true;
        s->last_fail_us = now_us;
        s->have_up = false;
      }
    } else {
      s->ups++;
      s->have_up = true;
      s->last_up_us = now_us;
    }
    if (next == LAYER_PAUSED) {
      d.paused_now = true;
      s->pauses++;
    } else if (cur == LAYER_PAUSED) {
      d.resumed_now = true;
    }
    s->target = next;
    if (next != LAYER_PAUSED && (next != router_layer || cur == LAYER_PAUSED)) {
      d.request_keyframe = true;
      s->have_kf_req = true;
      s->last_kf_req_us = now_us;
    }
  } else if (cur != LAYER_PAUSED && router_layer != cur &&
             (!s->have_kf_req || now_us - s->last_kf_req_us >= s->cfg.keyframe_retry_us)) {
    /* the router is still waiting for the target's keyframe: ask again */
    d.request_keyframe = true;
    s->have_kf_req = true;
    s->last_kf_req_us = now_us;
  }
  d.target = s->target;
  return d;
}
