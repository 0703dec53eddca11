/* sfu/core/remb_estimator: incoming rate over the sliding window, the loss
 * rules (decrease above 10%, increase below 2%, hold between), the 1.5x
 * incoming-rate ceiling, min/max clamps, and when a REMB is due. */
#include <glib.h>

#include "core/remb_estimator.h"

#define MS 1000

static void test_defaults(void) {
  RembEstimator e;
  remb_estimator_init(&e, NULL);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 1000000);
  g_assert_cmpuint(remb_estimator_incoming_bps(&e, 0), ==, 0);
  RembConfig c = {.min_bps = 300000, .max_bps = 200000, .start_bps = 100000};
  remb_estimator_init(&e, &c);
  g_assert_cmpuint(e.cfg.max_bps, ==, 300000); /* raised to min */
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 300000);
}

static void test_incoming_rate(void) {
  RembEstimator e;
  remb_estimator_init(&e, NULL);
  /* 1000 bytes every 10 ms = 800 kbit/s, for 3 s */
  for (int i = 0; i < 300; i++) remb_estimator_on_packet(&e, 1000, 5000000 + i * 10 * MS);
  uint64_t r = remb_estimator_incoming_bps(&e, 5000000 + 2999 * MS);
  g_assert_cmpuint(r, >=, 790000);
  g_assert_cmpuint(r, <=, 810000);
  /* after a half-second pause: the window (7.6 .. 8.5 s) holds 4 buckets of
   * 10 kB over 0.9 s */
  r = remb_estimator_incoming_bps(&e, 5000000 + 3500 * MS);
  g_assert_cmpuint(r, ==, 40000ull * 8 * 10 / 9);
  /* two seconds of silence: nothing */
  g_assert_cmpuint(remb_estimator_incoming_bps(&e, 5000000 + 5000 * MS), ==, 0);
  /* a young stream is measured over its own age (min 100 ms) */
  RembEstimator y;
  remb_estimator_init(&y, NULL);
  remb_estimator_on_packet(&y, 5000, 0);
  remb_estimator_on_packet(&y, 5000, 150 * MS);
  r = remb_estimator_incoming_bps(&y, 200 * MS);
  g_assert_cmpuint(r, ==, 10000ull * 8 * 1000000 / (200 * MS));
  g_assert_cmpuint(remb_estimator_incoming_bps(&y, 0), ==, 5000ull * 8 * 10);
}

static void feed(RembEstimator *e, uint64_t bps, int64_t from, int64_t to) {
  /* packets every 10 ms carrying bps */
  for (int64_t t = from; t < to; t += 10 * MS) remb_estimator_on_packet(e, (size_t)(bps / 8 / 100), t);
}

static void test_loss_rules(void) {
  RembEstimator e;
  RembConfig c = {.min_bps = 100000, .max_bps = 5000000, .start_bps = 1000000};
  remb_estimator_init(&e, &c);
  feed(&e, 1000000, 0, 1000 * MS);
  /* 1% loss: +5% */
  remb_estimator_on_loss(&e, 3, 1000 * MS);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 1050000);
  /* 5% loss: hold */
  remb_estimator_on_loss(&e, 13, 1000 * MS);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 1050000);
  /* 25% loss (64/256): x (1 - 0.125) */
  remb_estimator_on_loss(&e, 64, 1000 * MS);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 918750);
  /* ceiling: with no loss it cannot exceed 1.5 x 1 Mbit/s + 10 kbit/s */
  for (int i = 0; i < 50; i++) remb_estimator_on_loss(&e, 0, 1000 * MS);
  uint64_t in = remb_estimator_incoming_bps(&e, 1000 * MS);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, in + in / 2 + 10000);
  /* total loss repeatedly: floor at min */
  for (int i = 0; i < 50; i++) remb_estimator_on_loss(&e, 255, 1000 * MS);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 100000);
  /* the cap follows set_max */
  remb_estimator_init(&e, &c);
  remb_estimator_set_max(&e, 400000);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 400000);
  remb_estimator_set_max(&e, 10);
  g_assert_cmpuint(remb_estimator_estimate_bps(&e), ==, 100000);
  g_assert_cmpuint(e.reports, ==, 0);
}

static void test_poll(void) {
  RembEstimator e;
  remb_estimator_init(&e, NULL);
  feed(&e, 1000000, 0, 1000 * MS);
  uint64_t b = 0;
  g_assert_true(remb_estimator_poll(&e, 0, &b)); /* first */
  g_assert_cmpuint(b, ==, 1000000);
  g_assert_false(remb_estimator_poll(&e, 500 * MS, &b));
  /* an increase waits for the interval */
  remb_estimator_on_loss(&e, 0, 600 * MS);
  g_assert_false(remb_estimator_poll(&e, 700 * MS, &b));
  g_assert_true(remb_estimator_poll(&e, 1000 * MS, &b));
  g_assert_cmpuint(b, ==, 1050000);
  /* a decrease of 3% or more goes at once */
  remb_estimator_on_loss(&e, 40, 1100 * MS); /* 15.6%: x0.922 */
  g_assert_true(remb_estimator_poll(&e, 1100 * MS, &b));
  g_assert_cmpuint(b, <, 1050000);
  g_assert_false(remb_estimator_poll(&e, 1200 * MS, &b));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/remb_estimator/defaults", test_defaults);
  g_test_add_func("/sfu/remb_estimator/incoming_rate", test_incoming_rate);
  g_test_add_func("/sfu/remb_estimator/loss_rules", test_loss_rules);
  g_test_add_func("/sfu/remb_estimator/poll", test_poll);
  return g_test_run();
}
