/* Missing-packet detection and NACK scheduling; see nack_generator.h. */
#include "nack_generator.h"

#include <glib.h>
#include <string.h>

typedef struct {
  int64_t ext_seq;
  int64_t added_us;
  int64_t next_us;
  unsigned retries;
  bool live;      /* false: removed (recovered / given up), slot kept for O(1) removal */
} Missing;

/* The missing list is a ring of cap slots in ascending ext_seq order (gaps
 * are found in order). Removal from the middle leaves a tombstone, popped
 * when it reaches the front, so no operation moves memory: a hostile stream
 * of jumps cannot make us copy the list on every packet. */
struct NackGenerator {
  NackGeneratorConfig cfg;
  int64_t rtt_us;
  bool started;
  int64_t ext_max;
  Missing *ring;
  size_t cap, head, n; /* n slots in use from head, tombstones included */
  size_t live;         /* live entries */
  bool keyframe_wanted;
  NackGeneratorStats stats;
};

void nack_generator_config_default(NackGeneratorConfig *cfg) {
  cfg->max_retries = 10;
  cfg->max_age_us = 1000000;
  cfg->initial_delay_us = 0;
  cfg->min_retry_us = 20000;
  cfg->default_rtt_us = 100000;
  cfg->max_missing = 1000;
}

NackGenerator *nack_generator_new(const NackGeneratorConfig *cfg) {
  NackGeneratorConfig c;
  if (cfg)
    c = *cfg;
  else
    nack_generator_config_default(&c);
  if (c.max_retries == 0 || c.max_age_us <= 0 || c.initial_delay_us < 0 || c.min_retry_us < 0 ||
      c.default_rtt_us <= 0 || c.max_missing == 0 || c.max_missing > 32767)
    return NULL;
  NackGenerator *ng = g_new0(NackGenerator, 1);
  ng->cfg = c;
  ng->rtt_us = c.default_rtt_us;
  ng->cap = c.max_missing;
  ng->ring = g_new0(Missing, ng->cap);
  return ng;
}

void nack_generator_free(NackGenerator *ng) {
  if (ng == NULL) return;
  g_free(ng->ring);
  g_free(ng);
}

void nack_generator_set_rtt(NackGenerator *ng, int64_t rtt_us) {
  if (ng && rtt_us > 0) ng->rtt_us = rtt_us;
}

static Missing *at(const NackGenerator *ng, size_t i) { return &ng->ring[(ng->head + i) % ng->cap]; }

static void remove_entry(NackGenerator *ng, Missing *m) {
  m->live = false;
  ng->live--;
}

static void give_up(NackGenerator *ng, Missing *m) {
  remove_entry(ng, m);
  ng->stats.lost++;
  ng->keyframe_wanted = true;
}

/* Drop tombstones from the front. */
static void trim(NackGenerator *ng) {
  while (ng->n > 0 && !at(ng, 0)->live) {
    ng->head = (ng->head + 1) % ng->cap;
    ng->n--;
  }
}

static void clear(NackGenerator *ng) {
  ng->head = ng->n = ng->live = 0;
}

/* Slot index (from head) holding ext_seq x, live or not, or -1. */
static ssize_t find(const NackGenerator *ng, int64_t x) {
  size_t lo = 0, hi = ng->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (at(ng, mid)->ext_seq < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (lo < ng->n && at(ng, lo)->ext_seq == x) ? (ssize_t)lo : -1;
}

void nack_generator_on_packet(NackGenerator *ng, uint16_t seq, int64_t now_us) {
  if (ng == NULL) return;
  if (!ng->started) {
    ng->started = true;
    ng->ext_max = seq;
    return;
  }
  int64_t x = ng->ext_max + (int16_t)(uint16_t)(seq - (uint16_t)ng->ext_max);
  if (x > ng->ext_max) {
    int64_t gap = x - ng->ext_max - 1;
    if ((uint64_t)gap > ng->cfg.max_missing) {
      /* Too much to recover by NACK (or the publisher restarted): start over. */
      clear(ng);
      ng->stats.resets++;
      ng->keyframe_wanted = true;
      ng->ext_max = x;
      return;
    }
    for (int64_t s = ng->ext_max + 1; s < x; s++) {
      if (ng->n == ng->cap) { /* full: the oldest goes */
        Missing *old = at(ng, 0);
        if (old->live) give_up(ng, old);
        ng->head = (ng->head + 1) % ng->cap;
        ng->n--;
      }
      Missing *m = at(ng, ng->n++);
      m->ext_seq = s;
      m->added_us = now_us;
      m->next_us = now_us + ng->cfg.initial_delay_us;
      m->retries = 0;
      m->live = true;
      ng->live++;
      ng->stats.missing++;
    }
    trim(ng);
    ng->ext_max = x;
    return;
  }
  if (x == ng->ext_max) return; /* duplicate of the newest */
  ssize_t i = find(ng, x);
  if (i >= 0 && at(ng, (size_t)i)->live) {
    remove_entry(ng, at(ng, (size_t)i));
    trim(ng);
    ng->stats.recovered++;
  } else {
    ng->stats.late++;
  }
}

size_t nack_generator_poll(NackGenerator *ng, int64_t now_us, uint16_t *out, size_t max) {
  if (ng == NULL) return 0;
  size_t count = 0;
  int64_t spacing = ng->rtt_us > ng->cfg.min_retry_us ? ng->rtt_us : ng->cfg.min_retry_us;
  for (size_t i = 0; i < ng->n; i++) {
    Missing *m = at(ng, i);
    if (!m->live) continue;
    if (now_us - m->added_us > ng->cfg.max_age_us) {
      give_up(ng, m);
      continue;
    }
    if (m->next_us > now_us) continue;
    if (m->retries >= ng->cfg.max_retries) {
      give_up(ng, m);
      continue;
    }
    if (out == NULL || count >= max) continue; /* stays due for the next poll */
    out[count++] = (uint16_t)m->ext_seq;
    m->retries++;
    m->next_us = now_us + spacing;
    ng->stats.requests++;
  }
  trim(ng);
  return count;
}

int64_t nack_generator_next_due(const NackGenerator *ng) {
  int64_t due = INT64_MAX;
  if (ng == NULL) return due;
  for (size_t i = 0; i < ng->n; i++) {
    const Missing *m = at(ng, i);
    if (!m->live) continue;
    int64_t t = m->next_us;
    int64_t expiry = m->added_us + ng->cfg.max_age_us + 1;
    if (expiry < t) t = expiry;
    if (t < due) due = t;
  }
  return due;
}

size_t nack_generator_missing_count(const NackGenerator *ng) { return ng ? ng->live : 0; }

bool nack_generator_take_keyframe_wanted(NackGenerator *ng) {
  if (ng == NULL) return false;
  bool k = ng->keyframe_wanted;
  ng->keyframe_wanted = false;
  return k;
}

const NackGeneratorStats *nack_generator_stats(const NackGenerator *ng) { return ng ? &ng->stats : NULL; }
