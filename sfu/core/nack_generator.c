/* Missing-packet detection and NACK scheduling; see nack_generator.h. */
#include "core/nack_generator.h"

#include <glib.h>
#include <string.h>

typedef struct {
  int64_t ext_seq;
  int64_t added_us;
  int64_t next_us;
  unsigned retries;
} Missing;

struct NackGenerator {
  NackGeneratorConfig cfg;
  int64_t rtt_us;
  bool started;
  int64_t ext_max;
  Missing *list;  /* sorted by ext_seq ascending (gaps are found in order) */
  size_t n;
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
  ng->list = g_new0(Missing, c.max_missing);
  return ng;
}

void nack_generator_free(NackGenerator *ng) {
  if (ng == NULL) return;
  g_free(ng->list);
  g_free(ng);
}

void nack_generator_set_rtt(NackGenerator *ng, int64_t rtt_us) {
  if (ng && rtt_us > 0) ng->rtt_us = rtt_us;
}

static void remove_at(NackGenerator *ng, size_t i) {
  memmove(&ng->list[i], &ng->list[i + 1], (ng->n - i - 1) * sizeof(Missing));
  ng->n--;
}

static void give_up(NackGenerator *ng, size_t i) {
  remove_at(ng, i);
  ng->stats.lost++;
  ng->keyframe_wanted = true;
}

/* Index of ext_seq in the sorted list, or -1. */
static ssize_t find(const NackGenerator *ng, int64_t x) {
  size_t lo = 0, hi = ng->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ng->list[mid].ext_seq < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (lo < ng->n && ng->list[lo].ext_seq == x) ? (ssize_t)lo : -1;
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
      ng->n = 0;
      ng->stats.resets++;
      ng->keyframe_wanted = true;
      ng->ext_max = x;
      return;
    }
    for (int64_t s = ng->ext_max + 1; s < x; s++) {
      if (ng->n == ng->cfg.max_missing) give_up(ng, 0);
      Missing *m = &ng->list[ng->n++];
      m->ext_seq = s;
      m->added_us = now_us;
      m->next_us = now_us + ng->cfg.initial_delay_us;
      m->retries = 0;
      ng->stats.missing++;
    }
    ng->ext_max = x;
    return;
  }
  if (x == ng->ext_max) return; /* duplicate of the newest */
  ssize_t i = find(ng, x);
  if (i >= 0) {
    remove_at(ng, (size_t)i);
    ng->stats.recovered++;
  } else {
    ng->stats.late++;
  }
}

size_t nack_generator_poll(NackGenerator *ng, int64_t now_us, uint16_t *out, size_t max) {
  if (ng == NULL) return 0;
  size_t count = 0;
  int64_t spacing = ng->rtt_us > ng->cfg.min_retry_us ? ng->rtt_us : ng->cfg.min_retry_us;
  size_t i = 0;
  while (i < ng->n) {
    Missing *m = &ng->list[i];
    if (now_us - m->added_us > ng->cfg.max_age_us) {
      give_up(ng, i);
      continue;
    }
    if (m->next_us <= now_us) {
      if (m->retries >= ng->cfg.max_retries) {
        give_up(ng, i);
        continue;
      }
      if (out == NULL || count >= max) break; /* the rest stays due */
      out[count++] = (uint16_t)m->ext_seq;
      m->retries++;
      m->next_us = now_us + spacing;
      ng->stats.requests++;
    }
    i++;
  }
  return count;
}

int64_t nack_generator_next_due(const NackGenerator *ng) {
  int64_t due = INT64_MAX;
  if (ng == NULL) return due;
  for (size_t i = 0; i < ng->n; i++) {
    int64_t t = ng->list[i].next_us;
    int64_t expiry = ng->list[i].added_us + ng->cfg.max_age_us + 1;
    if (expiry < t) t = expiry;
    if (t < due) due = t;
  }
  return due;
}

size_t nack_generator_missing_count(const NackGenerator *ng) { return ng ? ng->n : 0; }

bool nack_generator_take_keyframe_wanted(NackGenerator *ng) {
  if (ng == NULL) return false;
  bool k = ng->keyframe_wanted;
  ng->keyframe_wanted = false;
  return k;
}

const NackGeneratorStats *nack_generator_stats(const NackGenerator *ng) { return ng ? &ng->stats : NULL; }
