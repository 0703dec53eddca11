/* sfu/core/bwe_delay: the GCC-style estimate driven through the real
 * feedback path (twcc_history -> twcc_feedback -> rtcp parse -> history
 * results) over a simulated bottleneck: a FIFO link of a given rate with
 * 20 ms propagation and a 400 ms drop-tail queue, the sender pacing 1200-byte
 * packets at the current estimate (as a sender that uses it would).
 * Scenarios: 300 kbit/s bottleneck converges at or below it; lifting it
 * ramps up within seconds; loss without queueing reduces; REMB caps; an
 * an application-limited sender does not raise it, a probe does; the
 * probe quiet window; bad input. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "core/bwe_delay.h"
#include "core/rtcp.h"
#include "core/twcc_feedback.h"
#include "core/twcc_history.h"

#define MS 1000LL
#define PKT 1200

typedef struct {
  int64_t arrival;
  uint16_t seq;
  bool lost;
} InFlight;

typedef struct {
  BweDelay bwe;
  TwccHistory hist;
  TwccFeedback fb;
  GRand *rnd;
  double capacity_bps;
  double loss;          /* random loss on the link */
  double fixed_send_bps; /* > 0: application limited to this rate */
  int64_t link_free, next_send, next_fb;
  InFlight q[8192];
  unsigned qh, qt;
  uint64_t received_bytes;
} Sim;

static void sim_init(Sim *s, const BweConfig *cfg, double capacity) {
  memset(s, 0, sizeof *s);
  bwe_delay_init(&s->bwe, cfg);
  twcc_history_init(&s->hist, 65000);
  twcc_feedback_init(&s->fb, 1, 2, 100 * MS);
  s->rnd = g_rand_new_with_seed(42);
  s->capacity_bps = capacity;
}

static void deliver_feedback(Sim *s, int64_t now) {
  uint8_t b[1500];
  size_t len;
  while ((len = twcc_feedback_build(&s->fb, now, b, sizeof b)) > 0) {
    RtcpIter it;
    RtcpPacket pk;
    rtcp_iter_init(&it, b, len);
    g_assert_true(rtcp_iter_next(&it, &pk));
    static TwccResult res[4096];
    size_t n = 0;
    g_assert_cmpint(twcc_history_on_feedback(&s->hist, &pk, res, 4096, &n), ==, RTCP_OK);
    bwe_delay_on_feedback(&s->bwe, res, n, now);
  }
}

/* Run until `until`, sampling the estimate every 100 ms into est[] (if not
 * NULL, indexed from `from`). */
static void sim_run(Sim *s, int64_t from, int64_t until, double *est) {
  for (int64_t t = from; t < until; t += MS) {
    double rate = s->fixed_send_bps > 0 ? s->fixed_send_bps : (double)bwe_delay_estimate_bps(&s->bwe);
    while (s->next_send <= t) {
      uint16_t seq = twcc_history_on_send(&s->hist, PKT, t);
      int64_t start = MAX(t, s->link_free);
      InFlight f = {.seq = seq};
      if (start - t > 400 * MS) {
        f.lost = true; /* queue full */
        f.arrival = t;
      } else {
        s->link_free = start + (int64_t)(PKT * 8 * 1e6 / s->capacity_bps);
        f.arrival = s->link_free + 20 * MS;
        f.lost = g_rand_double(s->rnd) < s->loss;
      }
      s->q[s->qt++ % 8192] = f;
      s->next_send += (int64_t)(PKT * 8 * 1e6 / rate);
      if (s->next_send < t - 50 * MS) s->next_send = t; /* no catch-up bursts */
    }
    while (s->qh != s->qt && s->q[s->qh % 8192].arrival <= t) {
      InFlight *f = &s->q[s->qh++ % 8192];
      if (f->lost) continue;
      twcc_feedback_on_packet(&s->fb, f->seq, f->arrival);
      s->received_bytes += PKT;
    }
    if (t >= s->next_fb) {
      s->next_fb = t + 100 * MS;
      deliver_feedback(s, t + 20 * MS); /* feedback takes the 20 ms back */
    }
    if (est && (t - from) % (100 * MS) == 0) est[(t - from) / (100 * MS)] = (double)bwe_delay_estimate_bps(&s->bwe);
  }
}

static double mean(const double *v, int a, int b) {
  double s = 0;
  for (int i = a; i < b; i++) s += v[i];
  return s / (b - a);
}

static void test_bottleneck_then_lift(void) {
  static Sim s;
  BweConfig c = {.start_bps = 1000000};
  sim_init(&s, &c, 300000);
  static double est[600];
  sim_run(&s, 0, 30000 * MS, est);
  double m = mean(est, 100, 300), mx = 0;
  for (int i = 100; i < 300; i++) mx = MAX(mx, est[i]);
  g_test_message("300 kbit/s bottleneck: mean estimate 10-30 s %.0f, max %.0f, overuses %" G_GUINT64_FORMAT,
                 m, mx, s.bwe.overuses);
  g_assert_cmpfloat(m, <=, 310000);
  g_assert_cmpfloat(m, >=, 180000);
  g_assert_cmpfloat(mx, <=, 400000);
  g_assert_cmpuint(s.bwe.overuses, >, 0);
  /* the receiver got most of the link */
  double goodput = s.received_bytes * 8.0 / 30.0;
  g_test_message("goodput %.0f", goodput);
  g_assert_cmpfloat(goodput, >=, 200000);
  /* lift the bottleneck */
  s.capacity_bps = 5000000;
  sim_run(&s, 30000 * MS, 60000 * MS, est);
  int reached = -1;
  for (int i = 0; i < 300; i++)
    if (est[i] >= 1500000) {
      reached = i;
      break;
    }
  g_test_message("lifted: 1.5 Mbit/s reached after %.1f s; estimate at +30 s %.0f", reached / 10.0, est[299]);
  g_assert_cmpint(reached, >=, 0);
  g_assert_cmpint(reached, <=, 100); /* within 10 s: the issue asks the high layer within 10 s */
  g_assert_cmpfloat(est[299], >=, 3000000);
  g_rand_free(s.rnd);
}

static void test_loss_only(void) {
  static Sim s;
  BweConfig c = {.start_bps = 1000000};
  sim_init(&s, &c, 20000000); /* no queueing to speak of */
  s.loss = 0.20;
  static double est[100];
  sim_run(&s, 0, 10000 * MS, est);
  g_test_message("20%% loss: estimate at 5 s %.0f, 10 s %.0f", est[50], est[99]);
  g_assert_cmpfloat(est[50], <, 600000);
  g_assert_cmpfloat(est[99], <, est[50]);
  g_assert_cmpfloat(s.bwe.last_loss, >, 0.1);
  /* 1% loss does not reduce */
  static Sim s2;
  sim_init(&s2, &c, 20000000);
  s2.loss = 0.01;
  sim_run(&s2, 0, 5000 * MS, est);
  g_assert_cmpuint(bwe_delay_estimate_bps(&s2.bwe), >=, 1000000);
  g_rand_free(s.rnd);
  g_rand_free(s2.rnd);
}

static void test_remb_and_app_limited(void) {
  static Sim s;
  BweConfig c = {.start_bps = 300000};
  sim_init(&s, &c, 5000000);
  s.fixed_send_bps = 150000; /* only the low layer is forwarded */
  sim_run(&s, 0, 10000 * MS, NULL);
  /* the estimate does not run ahead of what was delivered (and never
   * lowers without over-use): only a probe can raise it */
  g_test_message("application limited at 150 kbit/s: estimate %" G_GUINT64_FORMAT, bwe_delay_estimate_bps(&s.bwe));
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), ==, 300000);
  uint64_t ack = bwe_delay_acked_bps(&s.bwe);
  g_assert_cmpuint(ack, >=, 130000);
  g_assert_cmpuint(ack, <=, 170000);
  bwe_delay_on_probe(&s.bwe, 1000000, 10000 * MS);
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), ==, 950000);
  bwe_delay_on_probe(&s.bwe, 200000, 10000 * MS); /* never lowers */
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), ==, 950000);
  bwe_delay_on_remb(&s.bwe, 400000, 0);
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), ==, 400000);
  bwe_delay_on_remb(&s.bwe, 0, 0); /* ignored */
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), ==, 400000);
  bwe_delay_on_remb(&s.bwe, 10, 0); /* clamped to min */
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), ==, 50000);
  g_rand_free(s.rnd);
}

/* Over-use while our own probe's queue drains does not decrease; after the
 * quiet window it does. */
static void test_probe_quiet_window(void) {
  static Sim s;
  BweConfig c = {.start_bps = 1000000};
  sim_init(&s, &c, 300000);
  bwe_delay_probe_started(&s.bwe, 3000 * MS);
  sim_run(&s, 0, 2900 * MS, NULL);
  g_assert_cmpuint(s.bwe.decreases, ==, 0);
  g_assert_cmpuint(s.bwe.overuses, >, 0);
  sim_run(&s, 2900 * MS, 6000 * MS, NULL);
  g_assert_cmpuint(s.bwe.decreases, >, 0);
  g_assert_cmpuint(bwe_delay_estimate_bps(&s.bwe), <, 400000);
  g_rand_free(s.rnd);
}

static void test_config_and_bad_input(void) {
  BweDelay b;
  bwe_delay_init(&b, NULL);
  g_assert_cmpuint(bwe_delay_estimate_bps(&b), ==, 500000);
  g_assert_cmpuint(bwe_delay_acked_bps(&b), ==, 0);
  BweConfig c = {.min_bps = 400000, .max_bps = 100000, .start_bps = 10};
  bwe_delay_init(&b, &c);
  g_assert_cmpuint(b.cfg.max_bps, ==, 400000);
  g_assert_cmpuint(bwe_delay_estimate_bps(&b), ==, 400000);
  bwe_delay_on_feedback(NULL, NULL, 3, 0);
  bwe_delay_on_feedback(&b, NULL, 3, 0);
  bwe_delay_on_feedback(&b, NULL, 0, 0);
  bwe_delay_set_rtt(&b, -5);
  g_assert_cmpint(b.rtt_us, ==, 100000);
  /* a receiver clock that jumps back 10 s restarts the trendline, no overuse */
  bwe_delay_init(&b, NULL);
  TwccResult r[60];
  memset(r, 0, sizeof r);
  for (int i = 0; i < 60; i++) {
    r[i].seq = (uint16_t)i;
    r[i].size = 1000;
    r[i].send_us = i * 10 * MS;
    r[i].recv_us = (i < 30 ? 20000 * MS : 10000 * MS) + i * 10 * MS;
  }
  bwe_delay_on_feedback(&b, r, 60, 600 * MS);
  g_assert_cmpuint(b.overuses, ==, 0);
  g_assert_cmpuint(bwe_delay_estimate_bps(&b), >=, 500000);
}


/* Heavy loss (a 1.5 Mbit/s layer into a 300 kbit/s queue loses ~80 %): the
 * estimate is capped at once at what got through, sent rate x (1 - loss),
 * not stepped down 300 ms at a time; a later clean window lets it go. */
static void test_heavy_loss_cap(void) {
  BweDelay b;
  BweConfig c = {.start_bps = 1500000};
  bwe_delay_init(&b, &c);
  TwccResult r[40];
  int64_t t = 1000000;
  /* 40 packets of 1200 bytes sent over 256 ms (1.5 Mbit/s), 32 lost. */
  for (int i = 0; i < 40; i++) {
    r[i] = (TwccResult){.send_us = t + i * 6400, .recv_us = i % 5 == 0 ? t + 20000 + i * 32000 : -1,
                        .size = 1200, .seq = (uint16_t)i, .probe = false};
  }
  bwe_delay_on_feedback(&b, r, 40, t + 300000);
  uint64_t e = bwe_delay_estimate_bps(&b);
  g_test_message("after one window of 80%% loss: %" G_GUINT64_FORMAT, e);
  g_assert_cmpuint(e, <=, 330000);
  g_assert_cmpuint(e, >=, 250000);
  g_assert_cmpuint(b.loss_capped, ==, 1);
  /* 15 % loss in the next window 100 ms later: no compounding step yet. */
  t += 400000;
  for (int i = 0; i < 40; i++)
    r[i] = (TwccResult){.send_us = t + i * 20000, .recv_us = i % 7 == 0 ? -1 : t + 30000 + i * 20000,
                        .size = 600, .seq = (uint16_t)(40 + i), .probe = false};
  bwe_delay_on_feedback(&b, r, 40, t + 100000);
  g_assert_cmpuint(bwe_delay_estimate_bps(&b), ==, e);
  /* Probe padding does not count as sent media for the cap. */
  BweDelay p;
  bwe_delay_init(&p, &c);
  for (int i = 0; i < 40; i++)
    r[i] = (TwccResult){.send_us = t + i * 6400, .recv_us = i % 5 == 0 ? t + 20000 + i * 32000 : -1,
                        .size = 1200, .seq = (uint16_t)i, .probe = true};
  bwe_delay_on_feedback(&p, r, 40, t + 300000);
  g_assert_cmpuint(p.loss_capped, ==, 0);
}

/* A tail-drop queue: the receiver gets the link's 300 kbit/s while we send
 * 1.5 Mbit/s and 90 % of a window is lost. sent x (1 - loss) says 150 kbit/s;
 * the cap must not go below 0.85 x what arrived in the last 200 ms. */
static void test_heavy_loss_floor_is_link_rate(void) {
  BweDelay b;
  BweConfig c = {.start_bps = 1500000};
  bwe_delay_init(&b, &c);
  TwccResult r[40];
  int64_t t = 1000000, arr = t + 20000;
  uint16_t seq = 0;
  /* 30 packets all received, one every 32 ms (300 kbit/s of 1200 bytes) */
  for (int i = 0; i < 30; i++, arr += 32000)
    r[i] = (TwccResult){.send_us = t + i * 32000, .recv_us = arr, .size = 1200, .seq = seq++, .probe = false};
  bwe_delay_on_feedback(&b, r, 30, arr);
  uint64_t link = bwe_delay_recent_acked_bps(&b);
  g_test_message("recent acked %" G_GUINT64_FORMAT ", 475 ms acked %" G_GUINT64_FORMAT, link,
                 bwe_delay_acked_bps(&b));
  g_assert_cmpuint(link, >=, 250000);
  g_assert_cmpuint(link, <=, 350000);
  /* then 40 sent over 256 ms, every tenth received, still 32 ms apart */
  t += 30 * 32000;
  for (int i = 0; i < 40; i++) {
    bool got = i % 10 == 0;
    r[i] = (TwccResult){.send_us = t + i * 6400, .recv_us = got ? arr : -1, .size = 1200, .seq = seq++,
                        .probe = false};
    if (got) arr += 32000;
  }
  bwe_delay_on_feedback(&b, r, 40, arr);
  uint64_t e = bwe_delay_estimate_bps(&b);
  g_test_message("after 90%% loss at 1.5 Mbit/s into 300 kbit/s: %" G_GUINT64_FORMAT, e);
  g_assert_cmpuint(b.loss_capped, ==, 1);
  g_assert_cmpuint(e, >=, 200000); /* sent x (1 - loss) alone: 150 000 */
  g_assert_cmpuint(e, <=, 300000);
  g_assert_true(bwe_delay_decreased_within(&b, 500000, arr));
  g_assert_false(bwe_delay_decreased_within(&b, 500000, arr + 600000));
  /* nothing at all yet: no recent rate, no floor, no crash */
  BweDelay z;
  bwe_delay_init(&z, NULL);
  g_assert_cmpuint(bwe_delay_recent_acked_bps(&z), ==, 0);
  g_assert_false(bwe_delay_decreased_within(&z, 500000, 0));
  g_assert_false(bwe_delay_decreased_within(NULL, 500000, 0));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/bwe_delay/bottleneck_then_lift", test_bottleneck_then_lift);
  g_test_add_func("/sfu/bwe_delay/loss_only", test_loss_only);
  g_test_add_func("/sfu/bwe_delay/heavy_loss_cap", test_heavy_loss_cap);
  g_test_add_func("/sfu/bwe_delay/heavy_loss_floor_is_link_rate", test_heavy_loss_floor_is_link_rate);
  g_test_add_func("/sfu/bwe_delay/remb_and_app_limited", test_remb_and_app_limited);
  g_test_add_func("/sfu/bwe_delay/probe_quiet_window", test_probe_quiet_window);
  g_test_add_func("/sfu/bwe_delay/config_and_bad_input", test_config_and_bad_input);
  return g_test_run();
}
