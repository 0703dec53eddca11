#include "load_stats.h"

#include <glib.h>
#include <string.h>

void load_hist_init(LoadHist *h) {
  memset(h, 0, sizeof *h);
  h->b = g_new0(uint32_t, LOAD_HIST_BUCKETS + 1);
}

void load_hist_clear(LoadHist *h) {
  g_free(h->b);
  memset(h, 0, sizeof *h);
}

void load_hist_reset(LoadHist *h) {
  memset(h->b, 0, sizeof(uint32_t) * (LOAD_HIST_BUCKETS + 1));
  h->count = 0;
  h->sum_us = h->max_us = 0;
}

void load_hist_add(LoadHist *h, int64_t us) {
  if (us < 0) us = 0;
  int64_t i = us / LOAD_HIST_BUCKET_US;
  h->b[i < LOAD_HIST_BUCKETS ? i : LOAD_HIST_BUCKETS]++;
  h->count++;
  h->sum_us += us;
  if (us > h->max_us) h->max_us = us;
}

void load_hist_merge(LoadHist *into, const LoadHist *from) {
  for (size_t i = 0; i <= LOAD_HIST_BUCKETS; i++) into->b[i] += from->b[i];
  into->count += from->count;
  into->sum_us += from->sum_us;
  if (from->max_us > into->max_us) into->max_us = from->max_us;
}

int64_t load_hist_percentile(const LoadHist *h, double p) {
  if (!h->count) return -1;
  uint64_t want = (uint64_t)((p / 100.0) * (double)h->count + 0.999999);
  if (want < 1) want = 1;
  if (want > h->count) want = h->count;
  uint64_t acc = 0;
  for (size_t i = 0; i < LOAD_HIST_BUCKETS; i++) {
    acc += h->b[i];
    if (acc >= want) {
      int64_t ub = (int64_t)(i + 1) * LOAD_HIST_BUCKET_US;
      return ub < h->max_us ? ub : h->max_us;
    }
  }
  return h->max_us;
}

void load_recv_init(LoadRecv *r, uint32_t ssrc, uint32_t clock_rate, bool video, int64_t join_us) {
  memset(r, 0, sizeof *r);
  r->ssrc = ssrc;
  r->clock_rate = clock_rate;
  r->video = video;
  r->join_us = join_us;
}

void load_recv_update(LoadRecv *r, uint16_t seq, uint32_t rtp_ts, size_t payload_len,
                      int64_t arrival_us, bool is_key, int64_t latency_us) {
  r->packets++;
  r->bytes += payload_len;
  if (!r->first_packet_us) r->first_packet_us = arrival_us;
  if (is_key) {
    r->keyframes++;
    if (!r->first_key_us) r->first_key_us = arrival_us;
  }
  if (latency_us >= 0) {
    r->lat_count++;
    r->lat_sum_us += latency_us;
    if (latency_us > r->lat_max_us) r->lat_max_us = latency_us;
  }
  uint32_t ext;
  if (!r->started) {
    r->started = true;
    r->max_seq = seq;
    r->base_seq = seq;
    r->received = 1;
    ext = seq;
  } else {
    uint16_t delta = (uint16_t)(seq - r->max_seq);
    uint32_t max_ext = r->cycles + r->max_seq;
    if (delta == 0) {
      r->duplicates++;
      return;
    }
    if (delta < 0x8000) { /* ahead (possibly after a gap) */
      if (seq < r->max_seq) r->cycles += 65536;
      r->max_seq = seq;
      r->received++;
      ext = r->cycles + seq;
      /* Clear the bits the window moved over. */
      for (uint32_t k = max_ext + 1; k != ext && k - max_ext <= LOAD_SEEN_WORDS * 64; k++)
        r->seen[(k / 64) % LOAD_SEEN_WORDS] &= ~(1ull << (k % 64));
    } else { /* behind the highest: late, or a duplicate of a late one */
      ext = max_ext - (uint16_t)(r->max_seq - seq);
      uint64_t bit = 1ull << (ext % 64);
      uint64_t *w = &r->seen[(ext / 64) % LOAD_SEEN_WORDS];
      if (max_ext - ext < LOAD_SEEN_WORDS * 64 && (*w & bit)) {
        r->duplicates++;
        return;
      }
      *w |= bit;
      r->reordered++;
      r->received++;
      return; /* no jitter sample from a late packet */
    }
  }
  r->seen[(ext / 64) % LOAD_SEEN_WORDS] |= 1ull << (ext % 64);
  /* RFC 3550 A.8 with arrival time in timestamp units since joining (the
   * product stays exact in 64 bits); the difference is taken modulo 2^32 so
   * an RTP timestamp wrap is not a jump. */
  int64_t arrival_ts = (arrival_us - r->join_us) * (int64_t)r->clock_rate / 1000000;
  int64_t transit = arrival_ts - (int64_t)rtp_ts;
  if (r->have_transit) {
    int64_t d = (int32_t)(uint32_t)(transit - r->transit);
    if (d < 0) d = -d;
    /* J += (|D| - J) / 16, kept as 16 J */
    r->jitter_q4 += (uint64_t)d - ((r->jitter_q4 + 8) >> 4);
  }
  r->transit = transit;
  r->have_transit = true;
}

uint64_t load_recv_expected(const LoadRecv *r) {
  if (!r->started) return 0;
  return (uint64_t)r->cycles + r->max_seq - r->base_seq + 1;
}

int64_t load_recv_lost(const LoadRecv *r) {
  return (int64_t)load_recv_expected(r) - (int64_t)r->received;
}

double load_recv_jitter_ms(const LoadRecv *r) {
  if (!r->clock_rate) return 0;
  return (double)(r->jitter_q4 >> 4) * 1000.0 / r->clock_rate;
}
