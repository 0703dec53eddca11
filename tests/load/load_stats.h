/* load_stats: what the loadgen measures.
 *
 * LoadHist: latency histogram, 10 µs buckets to 250 ms plus an overflow
 * bucket; percentiles are bucket upper bounds (resolution 10 µs).
 * LoadRecv: one received stream: packets, bytes, RFC 3550 loss (expected
 * from the extended sequence range) and interarrival jitter (A.8), packets
 * out of order and duplicated, latency through the server, and the times
 * from joining to the first packet and to the first key frame.
 * LoadSend: one sent stream's counters.
 * Plain structs, no allocation except the histogram's bucket array; all
 * times in µs of one clock given by the caller.
 */
#ifndef PARLOUR_LOAD_STATS_H
#define PARLOUR_LOAD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_HIST_BUCKET_US 10
#define LOAD_SEEN_WORDS 16 /* duplicates are recognised within 1024 packets */
#define LOAD_HIST_BUCKETS 25000 /* 250 ms */

typedef struct {
  uint32_t *b;        /* LOAD_HIST_BUCKETS + 1 (overflow) */
  uint64_t count;
  int64_t sum_us, max_us;
} LoadHist;

void load_hist_init(LoadHist *h);
void load_hist_clear(LoadHist *h);
void load_hist_reset(LoadHist *h); /* zero the counts, keep the buckets */
void load_hist_add(LoadHist *h, int64_t us);
void load_hist_merge(LoadHist *into, const LoadHist *from);
/* p in 0..100; -1 when empty. The overflow bucket reports max_us. */
int64_t load_hist_percentile(const LoadHist *h, double p);

typedef struct {
  uint32_t ssrc;
  uint32_t clock_rate;
  bool video;
  /* sequence */
  bool started;
  uint16_t max_seq;
  uint32_t cycles;
  uint32_t base_seq;
  uint64_t received;     /* distinct in-order or late packets counted */
  uint64_t duplicates;
  uint64_t reordered;    /* arrived after a higher sequence number */
  uint64_t seen[LOAD_SEEN_WORDS]; /* bit per recent extended seq: duplicate check */
  /* jitter (A.8), in timestamp units * 16 */
  bool have_transit;
  int64_t transit;
  uint64_t jitter_q4;
  uint64_t packets, bytes; /* every packet, payload bytes */
  /* latency */
  uint64_t lat_count;
  int64_t lat_sum_us, lat_max_us;
  /* timing */
  int64_t join_us;        /* when the receiving participant started joining */
  int64_t first_packet_us, first_key_us; /* 0 = not yet */
  uint64_t keyframes;
} LoadRecv;

void load_recv_init(LoadRecv *r, uint32_t ssrc, uint32_t clock_rate, bool video, int64_t join_us);
/* One packet. is_key: it starts a VP8 key frame. latency_us < 0: unknown. */
void load_recv_update(LoadRecv *r, uint16_t seq, uint32_t rtp_ts, size_t payload_len,
                      int64_t arrival_us, bool is_key, int64_t latency_us);
uint64_t load_recv_expected(const LoadRecv *r);
int64_t load_recv_lost(const LoadRecv *r);
double load_recv_jitter_ms(const LoadRecv *r);

typedef struct {
  uint64_t packets, bytes, frames, keyframes_forced;
  uint64_t send_errors;
} LoadSend;

#endif
