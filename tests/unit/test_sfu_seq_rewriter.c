/* sfu/core/seq_rewriter: continuous output across 16-bit seq and 32-bit
 * timestamp wrap, drops the subscriber must not see, out-of-order and late
 * packets, duplicates, source switch, reverse mapping for NACKs. */
#include <glib.h>

#include "core/seq_rewriter.h"

static SeqRewriter *rw_new(uint16_t first_seq, uint32_t first_ts) {
  SeqRewriter *rw = g_new(SeqRewriter, 1);
  seq_rewriter_init(rw, 0xabcdef01, 90000, first_seq, first_ts);
  return rw;
}

static void fwd(SeqRewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts, int64_t now, uint16_t want_seq,
                uint32_t want_ts) {
  uint16_t os = 0;
  uint32_t ot = 0;
  g_assert_cmpint(seq_rewriter_forward(rw, ssrc, seq, ts, now, &os, &ot), ==, SEQRW_FORWARD);
  g_assert_cmpuint(os, ==, want_seq);
  g_assert_cmpuint(ot, ==, want_ts);
}

static SeqRwResult try_fwd(SeqRewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts) {
  uint16_t os;
  uint32_t ot;
  return seq_rewriter_forward(rw, ssrc, seq, ts, 0, &os, &ot);
}

static void test_wrap(void) {
  /* input seq crosses 65535 -> 0, input ts crosses 2^32, output seq
   * crosses 65535 -> 0 at a different point, output ts too */
  SeqRewriter *rw = rw_new(65534, 0xfffff000u);
  uint16_t in_seq = 65533;
  uint32_t in_ts = 0xffffe000u;
  uint16_t want_seq = 65534;
  uint32_t want_ts = 0xfffff000u;
  for (int i = 0; i < 10; i++) {
    fwd(rw, 1, in_seq, in_ts, i * 33333, want_seq, want_ts);
    in_seq++;
    in_ts += 3000;
    want_seq++;
    want_ts += 3000;
  }
  g_assert_cmpuint(rw->stats.forwarded, ==, 10);
  /* reverse mapping across the output wrap */
  uint32_t s;
  uint16_t q;
  g_assert_true(seq_rewriter_reverse(rw, 65535, &s, &q));
  g_assert_cmpuint(q, ==, 65534);
  g_assert_cmpuint(s, ==, 1);
  g_assert_true(seq_rewriter_reverse(rw, 0, &s, &q));
  g_assert_cmpuint(q, ==, 65535);
  g_assert_true(seq_rewriter_reverse(rw, 1, &s, &q));
  g_assert_cmpuint(q, ==, 0);
  g_assert_false(seq_rewriter_reverse(rw, 8, &s, &q)); /* not sent yet */
  uint32_t ot;
  g_assert_true(seq_rewriter_map_ts(rw, 1, 0xffffe000u, &ot));
  g_assert_cmpuint(ot, ==, 0xfffff000u);
  g_assert_false(seq_rewriter_map_ts(rw, 2, 0, &ot));
  g_free(rw);
}

static void test_drops(void) {
  SeqRewriter *rw = rw_new(1000, 0);
  fwd(rw, 1, 10, 100, 0, 1000, 0);
  fwd(rw, 1, 11, 100, 0, 1001, 0);
  seq_rewriter_drop(rw, 1, 12);
  seq_rewriter_drop(rw, 1, 13);
  fwd(rw, 1, 14, 200, 0, 1002, 100); /* no gap: 12, 13 were not forwarded */
  fwd(rw, 1, 15, 200, 0, 1003, 100);
  /* a dropped packet showing up again (e.g. retransmitted) stays dropped */
  g_assert_cmpint(try_fwd(rw, 1, 12, 100), ==, SEQRW_DROPPED);
  g_assert_cmpint(try_fwd(rw, 1, 15, 200), ==, SEQRW_DUPLICATE);
  g_assert_cmpuint(rw->stats.dropped, ==, 2);
  g_assert_cmpuint(rw->stats.dropped_again, ==, 1);
  g_assert_cmpuint(rw->stats.duplicates, ==, 1);
  /* reverse: out 1002 is input 14 */
  uint16_t q;
  g_assert_true(seq_rewriter_reverse(rw, 1002, NULL, &q));
  g_assert_cmpuint(q, ==, 14);
  /* dropping an old packet cannot be hidden and changes nothing */
  seq_rewriter_drop(rw, 1, 11);
  fwd(rw, 1, 16, 300, 0, 1004, 200);
  /* a drop of another SSRC is ignored */
  seq_rewriter_drop(rw, 2, 17);
  fwd(rw, 1, 17, 300, 0, 1005, 200);
  g_free(rw);
}

static void test_reorder_with_drops(void) {
  SeqRewriter *rw = rw_new(500, 0);
  fwd(rw, 7, 65534, 0, 0, 500, 0);
  /* 65535 lost upstream for now */
  fwd(rw, 7, 0, 0, 0, 502, 0); /* a gap is kept: the subscriber should NACK 501 */
  seq_rewriter_drop(rw, 7, 1);
  fwd(rw, 7, 2, 0, 0, 503, 0);
  seq_rewriter_drop(rw, 7, 3);
  fwd(rw, 7, 4, 0, 0, 504, 0);
  /* the retransmission of 65535 arrives: it gets its own slot 501 */
  fwd(rw, 7, 65535, 0, 0, 501, 0);
  g_assert_cmpint(try_fwd(rw, 7, 65535, 0), ==, SEQRW_DUPLICATE);
  g_assert_cmpint(try_fwd(rw, 7, 0, 0), ==, SEQRW_DUPLICATE);
  g_assert_cmpint(try_fwd(rw, 7, 3, 0), ==, SEQRW_DROPPED);
  /* a gap before a drop: 6 lost, 7 dropped, 8 forwarded, then 6 arrives */
  fwd(rw, 7, 5, 0, 0, 505, 0);
  seq_rewriter_drop(rw, 7, 7);
  fwd(rw, 7, 8, 0, 0, 507, 0);
  fwd(rw, 7, 6, 0, 0, 506, 0);
  g_free(rw);
}

static void test_too_old(void) {
  SeqRewriter *rw = rw_new(0, 0);
  for (unsigned i = 0; i <= 1500; i++) fwd(rw, 1, (uint16_t)i, 0, 0, (uint16_t)i, 0);
  g_assert_cmpint(try_fwd(rw, 1, 100, 0), ==, SEQRW_TOO_OLD);
  g_assert_cmpint(try_fwd(rw, 1, 499, 0), ==, SEQRW_TOO_OLD);
  g_assert_cmpint(try_fwd(rw, 1, 1500, 0), ==, SEQRW_DUPLICATE);
  g_assert_cmpuint(rw->stats.too_old, ==, 2);
  /* the reverse history keeps SEQRW_HISTORY entries */
  g_assert_false(seq_rewriter_reverse(rw, (uint16_t)(1500 - SEQRW_HISTORY), NULL, NULL));
  g_assert_true(seq_rewriter_reverse(rw, (uint16_t)(1501 - SEQRW_HISTORY), NULL, NULL));
  g_free(rw);
}

/* More drops than the drop history: late packets from before them can no
 * longer be placed and are refused; fewer: they are placed exactly. */
static void test_drop_history(void) {
  for (int variant = 0; variant < 2; variant++) {
    unsigned n_drops = variant == 0 ? 100 : SEQRW_DROP_HISTORY + 44;
    SeqRewriter *rw = rw_new(10000, 0);
    for (unsigned i = 0; i < 9; i++) fwd(rw, 1, (uint16_t)(65000 + i), 0, 0, (uint16_t)(10000 + i), 0);
    /* 65009 lost; then a long muted stretch across the seq wrap */
    for (unsigned i = 0; i < n_drops; i++) seq_rewriter_drop(rw, 1, (uint16_t)(65010 + i));
    uint16_t next = (uint16_t)(65010 + n_drops);
    fwd(rw, 1, next, 0, 0, 10010, 0); /* continuous: 10009 kept for the lost one */
    if (variant == 0)
      fwd(rw, 1, 65009, 0, 0, 10009, 0);
    else
      g_assert_cmpint(try_fwd(rw, 1, 65009, 0), ==, SEQRW_TOO_OLD);
    g_free(rw);
  }
}

static void test_source_switch(void) {
  SeqRewriter *rw = rw_new(100, 1000);
  fwd(rw, 0xa, 7000, 50000, 0, 100, 1000);
  fwd(rw, 0xa, 7001, 50000, 1000, 101, 1000); /* same frame */
  fwd(rw, 0xa, 7002, 53000, 33000, 102, 4000);
  /* new source 40 ms after the newest frame went out: ts +3600 at 90 kHz */
  fwd(rw, 0xb, 20, 999999, 73000, 103, 7600);
  fwd(rw, 0xb, 21, 999999 + 3000, 106000, 104, 10600);
  g_assert_cmpuint(rw->stats.switches, ==, 1);
  /* drops of the old source are ignored now */
  seq_rewriter_drop(rw, 0xa, 7003);
  fwd(rw, 0xb, 22, 999999 + 6000, 139000, 105, 13600);
  /* reverse mapping knows both sources */
  uint32_t s;
  uint16_t q;
  g_assert_true(seq_rewriter_reverse(rw, 102, &s, &q));
  g_assert_cmpuint(s, ==, 0xa);
  g_assert_cmpuint(q, ==, 7002);
  g_assert_true(seq_rewriter_reverse(rw, 104, &s, &q));
  g_assert_cmpuint(s, ==, 0xb);
  g_assert_cmpuint(q, ==, 21);
  /* switching immediately (no time elapsed) still advances ts by 1 */
  fwd(rw, 0xc, 1, 5, 139000, 106, 13601);
  /* a late packet of the new source from before the switch would take an
   * output seq the previous source used: refused */
  g_assert_cmpint(try_fwd(rw, 0xc, 0, 5), ==, SEQRW_TOO_OLD);
  /* drops with the new source are compressed */
  seq_rewriter_drop(rw, 0xc, 2);
  fwd(rw, 0xc, 3, 5, 139000, 107, 13601);
  g_free(rw);
}

static void test_drop_with_gap(void) {
  SeqRewriter *rw = rw_new(100, 0);
  fwd(rw, 1, 10, 0, 0, 100, 0);
  /* 11 and 12 lost upstream while muted, 13 dropped: all three are gone */
  seq_rewriter_drop_with_gap(rw, 1, 13);
  g_assert_false(seq_rewriter_is_new(rw, 1, 12));
  g_assert_true(seq_rewriter_is_new(rw, 1, 14));
  g_assert_true(seq_rewriter_is_new(rw, 2, 1)); /* another source */
  fwd(rw, 1, 14, 0, 0, 101, 0);
  g_assert_cmpint(try_fwd(rw, 1, 11, 0), ==, SEQRW_DROPPED);
  g_assert_cmpint(try_fwd(rw, 1, 12, 0), ==, SEQRW_DROPPED);
  g_assert_cmpint(try_fwd(rw, 1, 13, 0), ==, SEQRW_DROPPED);
  /* plain drop keeps the gap's slots for a late recovery */
  seq_rewriter_drop(rw, 1, 17); /* 15, 16 lost */
  fwd(rw, 1, 18, 0, 0, 104, 0);
  fwd(rw, 1, 16, 0, 0, 103, 0);
  /* a huge gap (long mute, across the wrap): only the last
   * SEQRW_DROP_HISTORY are remembered, older ones are TOO_OLD */
  seq_rewriter_drop_with_gap(rw, 1, (uint16_t)(18 + 2000));
  fwd(rw, 1, (uint16_t)(18 + 2001), 0, 0, 105, 0);
  g_assert_cmpint(try_fwd(rw, 1, (uint16_t)(18 + 1999), 0), ==, SEQRW_DROPPED);
  g_assert_cmpint(try_fwd(rw, 1, (uint16_t)(18 + 2000 - SEQRW_DROP_HISTORY), 0), ==, SEQRW_TOO_OLD);
  g_assert_cmpint(try_fwd(rw, 1, (uint16_t)(18 + 1000), 0), ==, SEQRW_TOO_OLD);
  /* ignored before start, for another SSRC, and for an older seq */
  seq_rewriter_drop_with_gap(rw, 2, 5000);
  seq_rewriter_drop_with_gap(rw, 1, 18);
  fwd(rw, 1, (uint16_t)(18 + 2002), 0, 0, 106, 0);
  SeqRewriter r2;
  seq_rewriter_init(&r2, 1, 90000, 7, 0);
  seq_rewriter_drop_with_gap(&r2, 1, 100);
  uint16_t os;
  uint32_t ot;
  g_assert_cmpint(seq_rewriter_forward(&r2, 1, 101, 0, 0, &os, &ot), ==, SEQRW_FORWARD);
  g_assert_cmpuint(os, ==, 7);
  g_free(rw);
}

static void test_before_start(void) {
  SeqRewriter *rw = rw_new(42, 7);
  /* drops before anything was forwarded: nothing to hide */
  seq_rewriter_drop(rw, 1, 5);
  seq_rewriter_drop(rw, 1, 6);
  fwd(rw, 1, 7, 1000, 0, 42, 7);
  g_assert_cmpint(try_fwd(rw, 1, 6, 1000), ==, SEQRW_TOO_OLD); /* before the first forwarded */
  g_assert_false(seq_rewriter_reverse(rw, 41, NULL, NULL));
  g_assert_true(seq_rewriter_reverse(rw, 42, NULL, NULL));
  g_free(rw);
  /* clock_rate 0 falls back to 90 kHz rather than dividing by zero */
  SeqRewriter r2;
  seq_rewriter_init(&r2, 1, 0, 0, 0);
  g_assert_cmpuint(r2.clock_rate, ==, 90000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/seq_rewriter/wrap", test_wrap);
  g_test_add_func("/sfu/seq_rewriter/drops", test_drops);
  g_test_add_func("/sfu/seq_rewriter/reorder_with_drops", test_reorder_with_drops);
  g_test_add_func("/sfu/seq_rewriter/too_old", test_too_old);
  g_test_add_func("/sfu/seq_rewriter/drop_history", test_drop_history);
  g_test_add_func("/sfu/seq_rewriter/source_switch", test_source_switch);
  g_test_add_func("/sfu/seq_rewriter/drop_with_gap", test_drop_with_gap);
  g_test_add_func("/sfu/seq_rewriter/before_start", test_before_start);
  return g_test_run();
}
