/* sfu/core/twcc_feedback + twcc_history: transport-cc feedback built by the
 * receive side parses back with rtcp.h (rtcp_iter + rtcp_twcc_expand) and,
 * through the send side's history, gives every packet's arrival time to the
 * 250 us tick; chunk kinds (run length, 1-bit and 2-bit vectors), large and
 * negative deltas, the 8 s delta limit, packet size cap, seq wrap, late,
 * duplicate and far-jumping packets, and a seeded random round trip. */
#include <glib.h>
#include <string.h>

#include "core/bytes.h"
#include "core/rtcp.h"
#include "core/rtp.h"
#include "core/twcc_feedback.h"
#include "core/twcc_history.h"
#include "core/bwe_delay.h"
#include "core/bwe_probe.h"

#define MS 1000

static int64_t tick(int64_t us) { return us / 250 * 250; }

/* Parse one feedback packet exactly as a sender would. */
static RtcpPacket parse_one(const uint8_t *b, size_t len) {
  g_assert_cmpuint(len % 4, ==, 0);
  uint8_t *copy = g_memdup2(b, len); /* exact size: ASan catches overreads */
  RtcpIter it;
  RtcpPacket pk, extra;
  rtcp_iter_init(&it, copy, len);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_TWCC);
  g_assert_cmpuint(pk.len, ==, len);
  g_assert_false(rtcp_iter_next(&it, &extra));
  g_assert_cmpint(it.status, ==, RTCP_OK);
  /* the packet points into the copy: keep copies until exit */
  static GPtrArray *keep;
  if (!keep) keep = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(keep, copy);
  return pk;
}

static void test_basic_wrap(void) {
  TwccFeedback f;
  twcc_feedback_init(&f, 0x11111111, 0x22222222, 0);
  g_assert_false(twcc_feedback_due(&f, 0));
  int64_t t0 = 5000 * MS;
  for (int i = 0; i < 10; i++) twcc_feedback_on_packet(&f, (uint16_t)(65530 + i), t0 + i * 1100);
  g_assert_true(twcc_feedback_due(&f, t0));
  uint8_t b[1500];
  size_t len = twcc_feedback_build(&f, t0 + 10 * MS, b, sizeof b);
  g_assert_cmpuint(len, >, 0);
  RtcpPacket pk = parse_one(b, len);
  g_assert_cmpuint(pk.sender_ssrc, ==, 0x11111111);
  g_assert_cmpuint(pk.media_ssrc, ==, 0x22222222);
  g_assert_cmpuint(pk.u.twcc.base_seq, ==, 65530);
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 10);
  g_assert_cmpuint(pk.u.twcc.fb_pkt_count, ==, 0);
  g_assert_cmpint(pk.u.twcc.reference_time, ==, 0);
  uint8_t st[16];
  int32_t d[16];
  g_assert_cmpint(rtcp_twcc_expand(&pk, st, d, 16), ==, RTCP_OK);
  int64_t t = 0;
  for (int i = 0; i < 10; i++) {
    g_assert_cmpuint(st[i], ==, 1);
    t += d[i] * 250;
    g_assert_cmpint(t, ==, tick(i * 1100));
  }
  /* nothing new: nothing to send, not due */
  g_assert_cmpuint(twcc_feedback_build(&f, t0 + 20 * MS, b, sizeof b), ==, 0);
  g_assert_false(twcc_feedback_due(&f, t0 + 500 * MS));
  /* next packet: due only after the interval */
  twcc_feedback_on_packet(&f, 8, t0 + 30 * MS);
  g_assert_false(twcc_feedback_due(&f, t0 + 50 * MS));
  g_assert_true(twcc_feedback_due(&f, t0 + 110 * MS));
  len = twcc_feedback_build(&f, t0 + 110 * MS, b, sizeof b);
  pk = parse_one(b, len);
  g_assert_cmpuint(pk.u.twcc.base_seq, ==, 4); /* 65539 wrapped to 3 */
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 5); /* 4..7 lost, 8 received */
  g_assert_cmpuint(pk.u.twcc.fb_pkt_count, ==, 1);
  g_assert_cmpint(rtcp_twcc_expand(&pk, st, d, 16), ==, RTCP_OK);
  for (int i = 0; i < 4; i++) g_assert_cmpuint(st[i], ==, 0);
  g_assert_cmpuint(st[4], ==, 1);
  g_assert_cmpint((int64_t)pk.u.twcc.reference_time * 64000 + d[4] * 250, ==, tick(30 * MS));
}

/* Chunk kinds by looking at the chunk words directly. */
static void test_chunk_kinds(void) {
  TwccFeedback f;
  twcc_feedback_init(&f, 1, 2, 0);
  /* seq 0 received, 1..40 lost (run length), 41..54 alternating received
   * (1-bit vector), 55 received 100 ms later (large delta), 56 before it
   * (negative delta) -> 2-bit vector */
  twcc_feedback_on_packet(&f, 0, 0);
  int64_t t = 0;
  for (int s = 41; s <= 54; s++) {
    t += 2 * MS;
    if (s % 2) twcc_feedback_on_packet(&f, (uint16_t)s, t);
  }
  twcc_feedback_on_packet(&f, 55, t + 100 * MS);
  twcc_feedback_on_packet(&f, 56, t + 99 * MS);
  twcc_feedback_on_packet(&f, 57, t + 101 * MS);
  uint8_t b[1500];
  size_t len = twcc_feedback_build(&f, t + 200 * MS, b, sizeof b);
  RtcpPacket pk = parse_one(b, len);
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 58);
  const uint8_t *c = b + 20;
  /* chunk 0: one-bit vector? seq0 then 13 lost: run of 1 -> vector of 14 */
  bool saw_rle = false, saw_v1 = false, saw_v2 = false;
  size_t i = 0, covered = 0;
  while (covered < 58) {
    uint16_t ch = be16(c + 2 * i++);
    if (!(ch & 0x8000)) {
      saw_rle = true;
      covered += ch & 0x1fff;
    } else if (!(ch & 0x4000)) {
      saw_v1 = true;
      covered += 14;
    } else {
      saw_v2 = true;
      covered += 7;
    }
  }
  g_assert_true(saw_rle && saw_v1 && saw_v2);
  uint8_t st[64];
  int32_t d[64];
  g_assert_cmpint(rtcp_twcc_expand(&pk, st, d, 64), ==, RTCP_OK);
  g_assert_cmpuint(st[0], ==, 1);
  for (int s = 1; s <= 40; s++) g_assert_cmpuint(st[s], ==, 0);
  for (int s = 41; s <= 54; s++) g_assert_cmpuint(st[s], ==, (s % 2) ? 1 : 0);
  g_assert_cmpuint(st[55], ==, 2);
  g_assert_cmpint(d[55], ==, 408); /* from seq 53 at t - 2 ms */
  g_assert_cmpuint(st[56], ==, 2);
  g_assert_cmpint(d[56], ==, -4);
  g_assert_cmpuint(st[57], ==, 1);
  g_assert_cmpint(d[57], ==, 8);
}

/* A delta over 8.19 s cannot be coded: split into two feedbacks. */
static void test_huge_gap_splits(void) {
  TwccFeedback f;
  twcc_feedback_init(&f, 1, 2, 0);
  twcc_feedback_on_packet(&f, 100, 0);
  twcc_feedback_on_packet(&f, 101, 10 * MS);
  twcc_feedback_on_packet(&f, 102, 9000 * MS);
  uint8_t b[1500];
  size_t len = twcc_feedback_build(&f, 9000 * MS, b, sizeof b);
  RtcpPacket pk = parse_one(b, len);
  g_assert_cmpuint(pk.u.twcc.base_seq, ==, 100);
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 2);
  len = twcc_feedback_build(&f, 9000 * MS, b, sizeof b);
  pk = parse_one(b, len);
  g_assert_cmpuint(pk.u.twcc.base_seq, ==, 102);
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 1);
  g_assert_cmpint(pk.u.twcc.reference_time, ==, 9000 / 64);
  g_assert_cmpuint(twcc_feedback_build(&f, 9000 * MS, b, sizeof b), ==, 0);
}

static void test_late_dup_jump_bad_args(void) {
  TwccFeedback f;
  twcc_feedback_init(&f, 1, 2, 0);
  uint8_t b[1500];
  g_assert_cmpuint(twcc_feedback_build(&f, 0, b, sizeof b), ==, 0); /* nothing yet */
  twcc_feedback_on_packet(&f, 10, 0);
  twcc_feedback_on_packet(&f, 12, 1 * MS);
  twcc_feedback_on_packet(&f, 12, 2 * MS);
  g_assert_cmpuint(f.stats.duplicates, ==, 1);
  g_assert_cmpuint(twcc_feedback_build(&f, 0, b, 23), ==, 0); /* cap too small */
  g_assert_cmpuint(twcc_feedback_build(NULL, 0, b, sizeof b), ==, 0);
  size_t len = twcc_feedback_build(&f, 3 * MS, b, sizeof b);
  g_assert_cmpuint(len, >, 0);
  twcc_feedback_on_packet(&f, 11, 4 * MS); /* reported lost already */
  g_assert_cmpuint(f.stats.late, ==, 1);
  g_assert_false(twcc_feedback_due(&f, 1000 * MS));
  /* a jump beyond the window restarts there */
  twcc_feedback_on_packet(&f, 13, 5 * MS);
  twcc_feedback_on_packet(&f, 13 + TWCC_FB_WINDOW + 5, 6 * MS);
  g_assert_cmpuint(f.stats.skipped, >, 0);
  len = twcc_feedback_build(&f, 7 * MS, b, sizeof b);
  RtcpPacket pk = parse_one(b, len);
  g_assert_cmpuint(pk.u.twcc.base_seq, ==, 13 + TWCC_FB_WINDOW + 5);
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 1);
  twcc_feedback_on_packet(NULL, 1, 1); /* no crash */
}

/* Extension helpers on a real packet. */
static void test_ext_read_write(void) {
  uint8_t pkt[] = {0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0xBE, 0xDE, 0, 1, 0x31, 0x12, 0x34, 0, 0xAA};
  uint8_t *p = g_memdup2(pkt, sizeof pkt);
  RtpView v;
  g_assert_cmpint(rtp_parse(p, sizeof pkt, &v), ==, RTP_OK);
  uint16_t s = 0;
  g_assert_true(twcc_ext_read_seq(p, &v, 3, &s));
  g_assert_cmpuint(s, ==, 0x1234);
  g_assert_false(twcc_ext_read_seq(p, &v, 4, &s));
  g_assert_true(twcc_ext_write_seq(p, &v, 3, 0xBEEF));
  g_assert_true(twcc_ext_read_seq(p, &v, 3, &s));
  g_assert_cmpuint(s, ==, 0xBEEF);
  g_assert_false(twcc_ext_write_seq(p, &v, 5, 1));
  g_assert_cmpuint(p[20], ==, 0xAA);
  g_free(p);
}

/* Random round trip through the send history: every packet sent is reported
 * exactly once, with its arrival time to the tick, under loss, reordering,
 * bursts and random size caps. */
static void test_random_roundtrip(void) {
  GRand *rnd = g_rand_new_with_seed(6464);
  for (int round = 0; round < 20; round++) {
    TwccFeedback f;
    static TwccHistory h;
    twcc_feedback_init(&f, 1, 2, 0);
    uint16_t first = (uint16_t)g_rand_int(rnd);
    twcc_history_init(&h, first);
    int n = 3000;
    static int64_t arr[3000];
    static bool got[3000];
    static bool seen[3000];
    memset(seen, 0, sizeof seen);
    int64_t now = 1000 * MS + g_rand_int_range(rnd, 0, 100000);
    int64_t a = now;
    int lossp = g_rand_int_range(rnd, 0, 30);
    for (int i = 0; i < n; i++) {
      now += g_rand_int_range(rnd, 0, 3000);
      uint16_t seq = twcc_history_on_send(&h, 1000 + i, now);
      g_assert_cmpuint(seq, ==, (uint16_t)(first + i));
      a = MAX(a, now) + g_rand_int_range(rnd, 0, 2000);
      if (g_rand_int_range(rnd, 0, 500) == 0) a += 300 * MS; /* stall */
      got[i] = g_rand_int_range(rnd, 0, 100) >= lossp;
      arr[i] = a - (g_rand_int_range(rnd, 0, 10) == 0 ? g_rand_int_range(rnd, 0, 5000) : 0);
    }
    /* deliver in slightly shuffled order, building feedback now and then */
    int order[3000];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 0; i + 1 < n; i++)
      if (g_rand_int_range(rnd, 0, 8) == 0) {
        int t = order[i];
        order[i] = order[i + 1];
        order[i + 1] = t;
      }
    int reported = 0;
    for (int k = 0; k <= n; k++) {
      if (k < n && got[order[k]]) twcc_feedback_on_packet(&f, (uint16_t)(first + order[k]), arr[order[k]]);
      if (k == n || g_rand_int_range(rnd, 0, 40) == 0) {
        uint8_t b[1500];
        size_t cap = g_rand_int_range(rnd, 0, 4) == 0 ? (size_t)g_rand_int_range(rnd, 24, 200) : 1500;
        size_t len;
        while ((len = twcc_feedback_build(&f, 0, b, cap)) > 0) {
          g_assert_cmpuint(len, <=, MIN(cap, TWCC_FB_MAX_PACKET));
          RtcpPacket pk = parse_one(b, len);
          static TwccResult res[0x10000];
          size_t nr = 0;
          g_assert_cmpint(twcc_history_on_feedback(&h, &pk, res, 0x10000, &nr), ==, RTCP_OK);
          for (size_t r = 0; r < nr; r++) {
            int i = (uint16_t)(res[r].seq - first);
            g_assert_cmpint(i, <, n);
            g_assert_false(seen[i]);
            seen[i] = true;
            reported++;
            g_assert_cmpuint(res[r].size, ==, 1000u + i);
            if (res[r].recv_us >= 0) {
              g_assert_true(got[i]);
              int64_t first_arr = arr[0];
              for (int q = 0; q < n; q++)
                if (got[order[q]]) {
                  first_arr = arr[order[q]];
                  break;
                }
              g_assert_cmpint(res[r].recv_us, ==, tick(arr[i] - first_arr) < 0 ? 0 : tick(arr[i] - first_arr));
            }
          }
        }
      }
    }
    /* everything up to the highest received was reported; late ones (after
     * being reported lost) are the only received packets reported lost */
    int hi = -1;
    for (int i = 0; i < n; i++)
      if (got[i]) hi = i;
    /* (the receiver cannot know of packets before the first it got) */
    int lo = 0;
    for (int q = 0; q < n; q++)
      if (got[order[q]]) {
        lo = order[q];
        break;
      }
    for (int i = lo; i <= hi; i++) g_assert_true(seen[i]);
    g_assert_cmpuint(h.stats.reported, ==, (guint64)(hi - lo + 1));
    g_assert_cmpuint(f.stats.late + f.stats.duplicates, <=, (guint64)n);
    (void)reported;
  }
  g_rand_free(rnd);
}

/* Malformed feedback is refused by the history and changes nothing. */
static void test_history_malformed(void) {
  static TwccHistory h;
  twcc_history_init(&h, 0);
  for (int i = 0; i < 5; i++) twcc_history_on_send(&h, 100, i * MS);
  uint8_t b[24] = {0x8F, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0x20, 0x05, 0, 0};
  /* run of 5 "small delta" but only 2 delta bytes present */
  RtcpPacket pk = parse_one(b, sizeof b);
  TwccResult res[8];
  size_t n = 99;
  g_assert_cmpint(twcc_history_on_feedback(&h, &pk, res, 8, &n), ==, RTCP_ERR_MALFORMED);
  g_assert_cmpuint(n, ==, 0);
  g_assert_cmpuint(h.stats.malformed, ==, 1);
  g_assert_cmpint(twcc_history_on_feedback(NULL, &pk, res, 8, &n), ==, RTCP_ERR_ARG);
}

/* Hostile feedback: our own packets with random bit flips and truncations,
 * and random bytes, go through rtcp_iter -> twcc_history -> bwe_delay and
 * bwe_probe: no crash (ASan build), results only for seqs we sent, the
 * estimate within its clamps. */
static void test_hostile_feedback(void) {
  GRand *r = g_rand_new_with_seed(1717);
  static TwccHistory h;
  twcc_history_init(&h, 0);
  BweDelay b;
  bwe_delay_init(&b, NULL);
  BweProbe p;
  bwe_probe_init(&p, NULL);
  bwe_probe_maybe_start(&p, 2000000, 0, 0);
  for (int i = 0; i < 6; i++) bwe_probe_on_sent(&p, (uint16_t)(i * 7), 1200, 0);
  static TwccFeedback f;
  static TwccResult res[0x10000];
  uint64_t results = 0, malformed = 0;
  for (int round = 0; round < 5000; round++) {
    uint8_t buf[1500];
    size_t len;
    /* a fresh window of 60 sent packets, most of them received */
    uint16_t base = (uint16_t)g_rand_int(r);
    twcc_history_init(&h, base);
    for (int k = 0; k < 60; k++) twcc_history_on_send(&h, 1000, round * 1000 + k);
    if (round % 3 == 0) {
      len = (size_t)g_rand_int_range(r, 4, 200);
      for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)g_rand_int(r);
      buf[0] = 0x8F;
      buf[1] = 205;
    } else {
      twcc_feedback_init(&f, 1, 2, 0);
      for (int k = 0; k < 60; k++)
        if (g_rand_int_range(r, 0, 10)) twcc_feedback_on_packet(&f, (uint16_t)(base + k), round * 1000 + k * 100);
      len = twcc_feedback_build(&f, round * 1000, buf, sizeof buf);
      if (!len) continue;
      int flips = g_rand_int_range(r, 0, 4);
      for (int k = 0; k < flips; k++) buf[g_rand_int_range(r, 0, (gint32)len)] ^= (uint8_t)(1u << g_rand_int_range(r, 0, 8));
      if (g_rand_int_range(r, 0, 4) == 0) len = (size_t)g_rand_int_range(r, 1, (gint32)len + 1);
    }
    uint8_t *copy = g_memdup2(buf, len);
    RtcpIter it;
    RtcpPacket pk;
    rtcp_iter_init(&it, copy, len);
    while (rtcp_iter_next(&it, &pk)) {
      if (pk.kind != RTCP_KIND_TWCC) continue;
      size_t n = 0;
      if (twcc_history_on_feedback(&h, &pk, res, G_N_ELEMENTS(res), &n) != RTCP_OK) {
        g_assert_cmpuint(n, ==, 0);
        malformed++;
        continue;
      }
      for (size_t k = 0; k < n; k++) {
        g_assert_cmpuint(res[k].size, ==, 1000);
        g_assert_cmpuint((uint16_t)(res[k].seq - base), <, 60);
      }
      results += n;
      bwe_delay_on_feedback(&b, res, n, round * 1000);
      uint64_t d;
      bool ok;
      bwe_probe_on_results(&p, res, n, round * 1000, &d, &ok);
      uint64_t e = bwe_delay_estimate_bps(&b);
      g_assert_cmpuint(e, >=, b.cfg.min_bps);
      g_assert_cmpuint(e, <=, b.cfg.max_bps);
    }
    g_free(copy);
  }
  g_test_message("hostile feedback: %" G_GUINT64_FORMAT " results, %" G_GUINT64_FORMAT " malformed", results,
                 malformed);
  g_assert_cmpuint(malformed, >, 0);
  g_assert_cmpuint(results, >, 50000);
  g_rand_free(r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/twcc_feedback/basic_wrap", test_basic_wrap);
  g_test_add_func("/sfu/twcc_feedback/chunk_kinds", test_chunk_kinds);
  g_test_add_func("/sfu/twcc_feedback/huge_gap_splits", test_huge_gap_splits);
  g_test_add_func("/sfu/twcc_feedback/late_dup_jump_bad_args", test_late_dup_jump_bad_args);
  g_test_add_func("/sfu/twcc_feedback/ext_read_write", test_ext_read_write);
  g_test_add_func("/sfu/twcc_feedback/random_roundtrip", test_random_roundtrip);
  g_test_add_func("/sfu/twcc_feedback/history_malformed", test_history_malformed);
  g_test_add_func("/sfu/twcc_feedback/hostile_feedback", test_hostile_feedback);
  return g_test_run();
}
