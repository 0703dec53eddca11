/* sfu/core/bwe_probe: a padding cluster at want x 1.3 through the real
 * feedback path (twcc_history -> twcc_feedback -> rtcp -> results) over a
 * simulated FIFO link: on a 5 Mbit/s path it proves the want (success, the
 * estimate rises through bwe_delay_on_probe), on a 300 kbit/s path it fails
 * with about the link rate and backs off 1, 2, 4, 4 s; a lost cluster times
 * out; nothing starts when the estimate already covers the want; bad input. */
#include <glib.h>
#include <string.h>

#include "core/bwe_delay.h"
#include "core/bwe_probe.h"
#include "core/rtcp.h"
#include "core/twcc_feedback.h"
#include "core/twcc_history.h"

#define MS ((int64_t)1000)

typedef struct {
  TwccHistory hist;
  TwccFeedback fb;
  double cap_bps;
  int64_t link_free;
  bool drop_all;
} Link;

/* Send `bytes` now: returns the transport seq; the receiver records the
 * arrival through the FIFO link + 20 ms. */
static uint16_t link_send(Link *l, size_t bytes, int64_t now, bool probe) {
  uint16_t seq = probe ? twcc_history_on_send_probe(&l->hist, (uint32_t)bytes, now)
                       : twcc_history_on_send(&l->hist, (uint32_t)bytes, now);
  int64_t start = MAX(now, l->link_free);
  l->link_free = start + (int64_t)(bytes * 8 * 1e6 / l->cap_bps);
  if (!l->drop_all) twcc_feedback_on_packet(&l->fb, seq, l->link_free + 20 * MS);
  return seq;
}

static size_t link_feedback(Link *l, int64_t now, TwccResult *res, size_t max) {
  uint8_t b[1500];
  size_t len, total = 0;
  while ((len = twcc_feedback_build(&l->fb, now, b, sizeof b)) > 0) {
    RtcpIter it;
    RtcpPacket pk;
    rtcp_iter_init(&it, b, len);
    g_assert_true(rtcp_iter_next(&it, &pk));
    size_t n = 0;
    g_assert_cmpint(twcc_history_on_feedback(&l->hist, &pk, res + total, max - total, &n), ==, RTCP_OK);
    total += n;
  }
  return total;
}

/* One probe over the link while 190 kbit/s of media flows; returns when it
 * concluded (or after 3 s). */
static bool run_probe(Link *l, BweProbe *p, BweDelay *b, uint64_t want, int64_t *now, uint64_t *delivered,
                      bool *success) {
  static TwccResult res[4096];
  if (!bwe_probe_maybe_start(p, want, bwe_delay_estimate_bps(b), *now)) return false;
  bwe_delay_probe_started(b, *now + 1000 * MS);
  int64_t end = *now + 3000 * MS;
  for (; *now < end; *now += MS) {
    if (*now % (33 * MS) == 0) link_send(l, 800, *now, false); /* ~190 kbit/s media */
    size_t due;
    while ((due = bwe_probe_padding_due(p, *now)) > 0) {
      size_t sz = due > 1200 ? 1200 : (due < 200 ? 200 : due);
      bwe_probe_on_sent(p, link_send(l, sz, *now, true), sz, *now);
    }
    if (*now % (100 * MS) == 0) {
      size_t n = link_feedback(l, *now + 20 * MS, res, 4096);
      bwe_delay_on_feedback(b, res, n, *now);
      if (bwe_probe_on_results(p, res, n, *now, delivered, success)) return true;
    } else if (bwe_probe_on_results(p, NULL, 0, *now, delivered, success)) {
      return true;
    }
  }
  return false;
}

static void link_init(Link *l, double cap) {
  memset(l, 0, sizeof *l);
  twcc_history_init(&l->hist, 100);
  twcc_feedback_init(&l->fb, 1, 2, 100 * MS);
  l->cap_bps = cap;
}

static void test_success_on_wide_path(void) {
  static Link l;
  link_init(&l, 5000000);
  BweProbe p;
  bwe_probe_init(&p, NULL);
  BweDelay b;
  BweConfig c = {.start_bps = 300000};
  bwe_delay_init(&b, &c);
  int64_t now = 1000 * MS;
  uint64_t d = 0;
  bool ok = false;
  const uint64_t want = 665000; /* 500k layer x 1.25 + 40k audio */
  g_assert_true(run_probe(&l, &p, &b, want, &now, &d, &ok));
  g_test_message("wide path: probe at %" G_GUINT64_FORMAT " delivered %" G_GUINT64_FORMAT, p.rate_bps, d);
  g_assert_true(ok);
  g_assert_cmpuint(p.rate_bps, ==, (uint64_t)(want * 1.3));
  g_assert_cmpuint(d, >=, want);
  bwe_delay_on_probe(&b, d, now);
  g_assert_cmpuint(bwe_delay_estimate_bps(&b), >=, want);
  g_assert_cmpuint(p.successes, ==, 1);
  /* covered now: no further probe */
  g_assert_false(bwe_probe_maybe_start(&p, want, bwe_delay_estimate_bps(&b), now));
  g_assert_false(bwe_probe_maybe_start(&p, 0, 0, now));
}

static void test_failure_and_backoff_on_narrow_path(void) {
  static Link l;
  link_init(&l, 300000);
  BweProbe p;
  bwe_probe_init(&p, NULL);
  BweDelay b;
  BweConfig c = {.start_bps = 300000};
  bwe_delay_init(&b, &c);
  int64_t now = 1000 * MS;
  int64_t expect_gap[] = {1000, 2000, 4000, 4000};
  for (int i = 0; i < 4; i++) {
    uint64_t d = 0;
    bool ok = true;
    g_assert_true(run_probe(&l, &p, &b, 665000, &now, &d, &ok));
    g_test_message("narrow path: delivered %" G_GUINT64_FORMAT, d);
    g_assert_false(ok);
    g_assert_cmpuint(d, <=, 330000);
    g_assert_cmpuint(d, >=, 100000);
    /* back-off: not before the gap, at it */
    g_assert_false(bwe_probe_maybe_start(&p, 665000, 300000, now + expect_gap[i] * MS - MS));
    now += expect_gap[i] * MS;
    l.link_free = MAX(l.link_free, now);
  }
  g_assert_cmpuint(p.failures, ==, 4);
  /* the probes' queues did not make bwe_delay decrease (quiet window) */
  g_assert_cmpuint(b.decreases, ==, 0);
}

static void test_lost_cluster_times_out(void) {
  static Link l;
  link_init(&l, 5000000);
  l.drop_all = true;
  BweProbe p;
  bwe_probe_init(&p, NULL);
  BweDelay b;
  bwe_delay_init(&b, NULL);
  int64_t now = 0;
  uint64_t d = 1;
  bool ok = true;
  g_assert_true(run_probe(&l, &p, &b, 2000000, &now, &d, &ok));
  g_assert_false(ok);
  g_assert_cmpuint(d, ==, 0);
  g_assert_cmpint(now, >=, 1000 * MS);
}

static void test_bad_input(void) {
  BweProbe p;
  BweProbeConfig c = {.overshoot = 0.5, .success_ratio = 7, .backoff_min_us = 5000000, .backoff_max_us = 1};
  bwe_probe_init(&p, &c);
  g_assert_cmpfloat(p.cfg.overshoot, ==, 1.3);
  g_assert_cmpfloat(p.cfg.success_ratio, ==, 0.95);
  g_assert_cmpint(p.cfg.backoff_max_us, ==, 5000000);
  g_assert_false(bwe_probe_maybe_start(NULL, 1, 0, 0));
  g_assert_cmpuint(bwe_probe_padding_due(NULL, 0), ==, 0);
  g_assert_cmpuint(bwe_probe_padding_due(&p, 0), ==, 0); /* idle */
  bwe_probe_on_sent(&p, 1, 100, 0);                      /* idle: ignored */
  g_assert_cmpuint(p.n_sent, ==, 0);
  uint64_t d;
  bool ok;
  g_assert_false(bwe_probe_on_results(&p, NULL, 3, 0, &d, &ok));
  g_assert_false(bwe_probe_on_results(NULL, NULL, 0, 0, &d, &ok));
  /* a cluster never sends more than its packet table */
  g_assert_true(bwe_probe_maybe_start(&p, 100000000, 0, 0));
  for (int i = 0; i < 1000; i++) {
    size_t due = bwe_probe_padding_due(&p, 200 * MS);
    if (!due) break;
    bwe_probe_on_sent(&p, (uint16_t)i, 1200, 200 * MS);
  }
  g_assert_cmpuint(p.n_sent, <=, BWE_PROBE_MAX_PACKETS);
  g_assert_cmpint(p.state, ==, BWE_PROBE_WAITING);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/bwe_probe/success_on_wide_path", test_success_on_wide_path);
  g_test_add_func("/sfu/bwe_probe/failure_and_backoff_on_narrow_path", test_failure_and_backoff_on_narrow_path);
  g_test_add_func("/sfu/bwe_probe/lost_cluster_times_out", test_lost_cluster_times_out);
  g_test_add_func("/sfu/bwe_probe/bad_input", test_bad_input);
  return g_test_run();
}
