/* Sequence number / timestamp rewriting per subscription; see seq_rewriter.h. */
#include "seq_rewriter.h"

#include <string.h>

void seq_rewriter_init(SeqRewriter *rw, uint32_t out_ssrc, uint32_t clock_rate, uint16_t first_out_seq,
                       uint32_t first_out_ts) {
  memset(rw, 0, sizeof *rw);
  rw->out_ssrc = out_ssrc;
  rw->clock_rate = clock_rate ? clock_rate : 90000;
  rw->first_out_seq = first_out_seq;
  rw->first_out_ts = first_out_ts;
}

/* Extend a 16-bit seq to the 64-bit value closest to ref (RFC 3550 style,
 * half the seq space either side). */
static int64_t extend(int64_t ref, uint16_t seq) {
  int16_t diff = (int16_t)(uint16_t)(seq - (uint16_t)ref);
  return ref + diff;
}

static bool is_dropped(const SeqRewriter *rw, int64_t x) {
  unsigned n = rw->n_drops < SEQRW_DROP_HISTORY ? rw->n_drops : SEQRW_DROP_HISTORY;
  for (unsigned i = 0; i < n; i++)
    if (rw->drops[i] == x) return true;
  return false;
}

/* Drops recorded after x (all are <= in_ext_max). -1 if the ring forgot
 * drops that might lie after x. */
static int drops_after(const SeqRewriter *rw, int64_t x) {
  unsigned n = rw->n_drops < SEQRW_DROP_HISTORY ? rw->n_drops : SEQRW_DROP_HISTORY;
  if (rw->n_drops > SEQRW_DROP_HISTORY) {
    int64_t oldest = rw->drops[rw->n_drops % SEQRW_DROP_HISTORY];
    if (oldest > x) return -1;
  }
  int k = 0;
  for (unsigned i = 0; i < n; i++)
    if (rw->drops[i] > x) k++;
  return k;
}

static void start_source(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq, uint32_t in_ts, int64_t now_us) {
  if (!rw->started) {
    rw->seq_offset = (int64_t)rw->first_out_seq - in_seq;
    rw->ts_offset = rw->first_out_ts - in_ts;
  } else {
    /* Source switch: continue seq by +1, timestamp by the elapsed time. */
    int64_t elapsed = now_us - rw->last_out_us;
    if (elapsed < 0) elapsed = 0;
    uint32_t delta = (uint32_t)((elapsed * (int64_t)rw->clock_rate) / 1000000);
    if (delta == 0) delta = 1;
    rw->seq_offset = rw->out_ext_max + 1 - in_seq;
    rw->ts_offset = rw->last_out_ts + delta - in_ts;
    rw->stats.switches++;
  }
  rw->in_ssrc = in_ssrc;
  rw->in_ext_max = in_seq;
  rw->src_first_ext = in_seq;
  rw->n_drops = 0;
}

SeqRwResult seq_rewriter_forward(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq, uint32_t in_ts,
                                 int64_t now_us, uint16_t *out_seq, uint32_t *out_ts) {
  int64_t out_ext;
  bool first = !rw->started;
  if (first || in_ssrc != rw->in_ssrc) {
    start_source(rw, in_ssrc, in_seq, in_ts, now_us);
    out_ext = (int64_t)in_seq + rw->seq_offset;
  } else {
    int64_t x = extend(rw->in_ext_max, in_seq);
    if (x > rw->in_ext_max) {
      out_ext = x + rw->seq_offset;
      rw->in_ext_max = x;
    } else {
      if (rw->in_ext_max - x > SEQRW_MAX_REORDER || x < rw->src_first_ext) {
        rw->stats.too_old++;
        return SEQRW_TOO_OLD;
      }
      if (is_dropped(rw, x)) {
        rw->stats.dropped_again++;
        return SEQRW_DROPPED;
      }
      int k = drops_after(rw, x);
      if (k < 0) {
        rw->stats.too_old++;
        return SEQRW_TOO_OLD;
      }
      out_ext = x + rw->seq_offset + k;
      const SeqRwHistoryEntry *h = &rw->history[(uint16_t)out_ext & (SEQRW_HISTORY - 1)];
      if (h->valid && h->out_seq == (uint16_t)out_ext && h->in_seq == in_seq && h->in_ssrc == in_ssrc) {
        rw->stats.duplicates++;
        return SEQRW_DUPLICATE;
      }
    }
  }
  uint16_t os = (uint16_t)out_ext;
  uint32_t ot = in_ts + rw->ts_offset;
  SeqRwHistoryEntry *h = &rw->history[os & (SEQRW_HISTORY - 1)];
  h->out_seq = os;
  h->in_seq = in_seq;
  h->in_ssrc = in_ssrc;
  h->valid = true;
  if (first || out_ext > rw->out_ext_max) rw->out_ext_max = out_ext;
  /* Remember when the newest timestamp went out, for a later source switch. */
  if (first || (int32_t)(ot - rw->last_out_ts) > 0) {
    rw->last_out_ts = ot;
    rw->last_out_us = now_us;
  }
  rw->started = true;
  rw->stats.forwarded++;
  if (out_seq) *out_seq = os;
  if (out_ts) *out_ts = ot;
  return SEQRW_FORWARD;
}

void seq_rewriter_drop(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq) {
  rw->stats.dropped++;
  if (!rw->started || in_ssrc != rw->in_ssrc) return; /* nothing to hide */
  int64_t x = extend(rw->in_ext_max, in_seq);
  if (x <= rw->in_ext_max) return; /* older than what went out: leaves a hole */
  rw->seq_offset -= 1;
  rw->in_ext_max = x;
  rw->drops[rw->n_drops % SEQRW_DROP_HISTORY] = x;
  rw->n_drops++;
}

void seq_rewriter_drop_with_gap(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq) {
  rw->stats.dropped++;
  if (!rw->started || in_ssrc != rw->in_ssrc) return;
  int64_t x = extend(rw->in_ext_max, in_seq);
  if (x <= rw->in_ext_max) return;
  int64_t first = rw->in_ext_max + 1;
  int64_t count = x - first + 1; /* the gap and this packet */
  rw->seq_offset -= count;
  /* remember the last SEQRW_DROP_HISTORY of them; count the rest so the ring
   * knows it forgot them (drops_after() then answers TOO_OLD) */
  if (count > SEQRW_DROP_HISTORY) {
    rw->n_drops += (unsigned)(count - SEQRW_DROP_HISTORY);
    first = x - SEQRW_DROP_HISTORY + 1;
  }
  for (int64_t s = first; s <= x; s++) {
    rw->drops[rw->n_drops % SEQRW_DROP_HISTORY] = s;
    rw->n_drops++;
  }
  rw->in_ext_max = x;
}

bool seq_rewriter_is_new(const SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq) {
  if (!rw->started || in_ssrc != rw->in_ssrc) return true;
  return extend(rw->in_ext_max, in_seq) > rw->in_ext_max;
}

bool seq_rewriter_reverse(const SeqRewriter *rw, uint16_t out_seq, uint32_t *in_ssrc, uint16_t *in_seq) {
  const SeqRwHistoryEntry *h = &rw->history[out_seq & (SEQRW_HISTORY - 1)];
  if (!h->valid || h->out_seq != out_seq) return false;
  if (in_ssrc) *in_ssrc = h->in_ssrc;
  if (in_seq) *in_seq = h->in_seq;
  return true;
}

bool seq_rewriter_map_ts(const SeqRewriter *rw, uint32_t in_ssrc, uint32_t in_ts, uint32_t *out_ts) {
  if (!rw->started || in_ssrc != rw->in_ssrc) return false;
  if (out_ts) *out_ts = in_ts + rw->ts_offset;
  return true;
}
