/* sfu/core/nack_generator: gaps (also across the seq wrap), first request at
 * once, retries spaced by RTT with a floor, late arrivals, give-up by retries
 * and by age, big jumps, the output limit, capacity. Time is injected. */
#include <glib.h>
#include <string.h>

#include "core/nack_generator.h"

#define MS 1000

static size_t poll_into(NackGenerator *ng, int64_t now, uint16_t *out) { return nack_generator_poll(ng, now, out, 64); }

static void assert_seqs(const uint16_t *got, size_t n, const uint16_t *want, size_t wn) {
  g_assert_cmpuint(n, ==, wn);
  for (size_t i = 0; i < n; i++) g_assert_cmpuint(got[i], ==, want[i]);
}

static void test_gap_retry_recover(void) {
  NackGenerator *ng = nack_generator_new(NULL);
  uint16_t out[64];
  nack_generator_on_packet(ng, 1, 0);
  nack_generator_on_packet(ng, 2, 0);
  g_assert_cmpuint(poll_into(ng, 0, out), ==, 0);
  g_assert_cmpint(nack_generator_next_due(ng), ==, INT64_MAX);
  nack_generator_on_packet(ng, 5, 10 * MS); /* 3, 4 missing */
  g_assert_cmpuint(nack_generator_missing_count(ng), ==, 2);
  g_assert_cmpint(nack_generator_next_due(ng), ==, 10 * MS);
  size_t n = poll_into(ng, 10 * MS, out);
  assert_seqs(out, n, (const uint16_t[]){3, 4}, 2);
  /* nothing again until one RTT (default 100 ms) later */
  g_assert_cmpuint(poll_into(ng, 50 * MS, out), ==, 0);
  g_assert_cmpint(nack_generator_next_due(ng), ==, 110 * MS);
  n = poll_into(ng, 110 * MS, out);
  assert_seqs(out, n, (const uint16_t[]){3, 4}, 2);
  /* 3 arrives (retransmission) */
  nack_generator_on_packet(ng, 3, 120 * MS);
  n = poll_into(ng, 210 * MS, out);
  assert_seqs(out, n, (const uint16_t[]){4}, 1);
  /* duplicate newest and an unknown old packet */
  nack_generator_on_packet(ng, 5, 220 * MS);
  nack_generator_on_packet(ng, 1, 220 * MS);
  const NackGeneratorStats *st = nack_generator_stats(ng);
  g_assert_cmpuint(st->missing, ==, 2);
  g_assert_cmpuint(st->requests, ==, 5);
  g_assert_cmpuint(st->recovered, ==, 1);
  g_assert_cmpuint(st->late, ==, 1);
  g_assert_cmpuint(st->lost, ==, 0);
  g_assert_false(nack_generator_take_keyframe_wanted(ng));
  nack_generator_free(ng);
}

static void test_wrap(void) {
  NackGenerator *ng = nack_generator_new(NULL);
  uint16_t out[64];
  nack_generator_on_packet(ng, 65533, 0);
  nack_generator_on_packet(ng, 65534, 0);
  nack_generator_on_packet(ng, 2, 0); /* 65535, 0, 1 missing */
  size_t n = poll_into(ng, 0, out);
  assert_seqs(out, n, (const uint16_t[]){65535, 0, 1}, 3);
  nack_generator_on_packet(ng, 0, 1 * MS);
  nack_generator_on_packet(ng, 65535, 1 * MS);
  n = poll_into(ng, 200 * MS, out);
  assert_seqs(out, n, (const uint16_t[]){1}, 1);
  g_assert_cmpuint(nack_generator_stats(ng)->recovered, ==, 2);
  nack_generator_free(ng);
}

static void test_give_up(void) {
  NackGeneratorConfig cfg;
  nack_generator_config_default(&cfg);
  cfg.max_retries = 3;
  cfg.min_retry_us = 30 * MS;
  NackGenerator *ng = nack_generator_new(&cfg);
  nack_generator_set_rtt(ng, 10 * MS); /* below the floor: 30 ms spacing */
  uint16_t out[64];
  nack_generator_on_packet(ng, 10, 0);
  nack_generator_on_packet(ng, 12, 0);
  g_assert_cmpuint(poll_into(ng, 0, out), ==, 1);
  g_assert_cmpuint(poll_into(ng, 29 * MS, out), ==, 0);
  g_assert_cmpuint(poll_into(ng, 30 * MS, out), ==, 1);
  g_assert_cmpuint(poll_into(ng, 60 * MS, out), ==, 1);
  /* three requests made; at the next due time it is given up */
  g_assert_cmpuint(poll_into(ng, 90 * MS, out), ==, 0);
  g_assert_cmpuint(nack_generator_missing_count(ng), ==, 0);
  g_assert_cmpuint(nack_generator_stats(ng)->lost, ==, 1);
  g_assert_true(nack_generator_take_keyframe_wanted(ng));
  g_assert_false(nack_generator_take_keyframe_wanted(ng)); /* cleared */
  /* a late arrival after giving up counts as late */
  nack_generator_on_packet(ng, 11, 100 * MS);
  g_assert_cmpuint(nack_generator_stats(ng)->late, ==, 1);
  /* RTT above the floor sets the spacing */
  nack_generator_set_rtt(ng, 250 * MS);
  nack_generator_set_rtt(ng, -5); /* ignored */
  nack_generator_on_packet(ng, 14, 1000 * MS);
  g_assert_cmpuint(poll_into(ng, 1000 * MS, out), ==, 1);
  g_assert_cmpuint(poll_into(ng, 1249 * MS, out), ==, 0);
  g_assert_cmpuint(poll_into(ng, 1250 * MS, out), ==, 1);
  nack_generator_free(ng);
}

static void test_max_age(void) {
  NackGeneratorConfig cfg;
  nack_generator_config_default(&cfg);
  cfg.max_age_us = 300 * MS;
  cfg.max_retries = 100;
  NackGenerator *ng = nack_generator_new(&cfg);
  uint16_t out[64];
  nack_generator_on_packet(ng, 1, 0);
  nack_generator_on_packet(ng, 3, 0);
  g_assert_cmpuint(poll_into(ng, 0, out), ==, 1);
  g_assert_cmpuint(poll_into(ng, 200 * MS, out), ==, 1);
  g_assert_cmpint(nack_generator_next_due(ng), ==, 300 * MS); /* retry due, not yet too old */
  g_assert_cmpuint(poll_into(ng, 300 * MS + 1, out), ==, 0);
  g_assert_cmpuint(nack_generator_stats(ng)->lost, ==, 1);
  nack_generator_free(ng);
}

static void test_initial_delay_and_limit(void) {
  NackGeneratorConfig cfg;
  nack_generator_config_default(&cfg);
  cfg.initial_delay_us = 5 * MS;
  NackGenerator *ng = nack_generator_new(&cfg);
  uint16_t out[64];
  nack_generator_on_packet(ng, 100, 0);
  nack_generator_on_packet(ng, 111, 0); /* 101..110 missing */
  g_assert_cmpuint(poll_into(ng, 4 * MS, out), ==, 0);
  /* reordering resolved within the delay: never requested */
  nack_generator_on_packet(ng, 101, 4 * MS);
  /* output limited to 4 per poll; the rest stays due */
  size_t n = nack_generator_poll(ng, 5 * MS, out, 4);
  assert_seqs(out, n, (const uint16_t[]){102, 103, 104, 105}, 4);
  n = nack_generator_poll(ng, 5 * MS, out, 4);
  assert_seqs(out, n, (const uint16_t[]){106, 107, 108, 109}, 4);
  n = nack_generator_poll(ng, 5 * MS, out, 4);
  assert_seqs(out, n, (const uint16_t[]){110}, 1);
  nack_generator_free(ng);
}

static void test_jump_and_capacity(void) {
  NackGeneratorConfig cfg;
  nack_generator_config_default(&cfg);
  cfg.max_missing = 5;
  NackGenerator *ng = nack_generator_new(&cfg);
  uint16_t out[64];
  nack_generator_on_packet(ng, 0, 0);
  nack_generator_on_packet(ng, 5, 0); /* 1..4 */
  nack_generator_on_packet(ng, 8, 0); /* 6, 7: capacity 5 drops 1 */
  g_assert_cmpuint(nack_generator_missing_count(ng), ==, 5);
  g_assert_cmpuint(nack_generator_stats(ng)->lost, ==, 1);
  size_t n = poll_into(ng, 0, out);
  assert_seqs(out, n, (const uint16_t[]){2, 3, 4, 6, 7}, 5);
  nack_generator_take_keyframe_wanted(ng);
  /* jump of 6 missing > max_missing: reset, no NACKs, keyframe wanted */
  nack_generator_on_packet(ng, 15, 0);
  g_assert_cmpuint(nack_generator_missing_count(ng), ==, 0);
  g_assert_cmpuint(nack_generator_stats(ng)->resets, ==, 1);
  g_assert_true(nack_generator_take_keyframe_wanted(ng));
  /* continues normally from the new point */
  nack_generator_on_packet(ng, 17, 0);
  n = poll_into(ng, 0, out);
  assert_seqs(out, n, (const uint16_t[]){16}, 1);
  nack_generator_free(ng);
  /* invalid configs */
  nack_generator_config_default(&cfg);
  cfg.max_missing = 0;
  g_assert_null(nack_generator_new(&cfg));
  nack_generator_config_default(&cfg);
  cfg.max_retries = 0;
  g_assert_null(nack_generator_new(&cfg));
  nack_generator_free(NULL);
}

/* A publisher jumping by just under max_missing on every packet: memory stays
 * bounded, nothing is copied per packet (this used to be quadratic), and the
 * list keeps only the newest max_missing seqs. */
static void test_hostile_jumps(void) {
  NackGenerator *ng = nack_generator_new(NULL);
  uint16_t out[64];
  uint16_t seq = 0;
  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < 5000; i++) {
    nack_generator_on_packet(ng, seq, i * MS);
    seq = (uint16_t)(seq + 1000); /* 999 missing each time */
    g_assert_cmpuint(nack_generator_missing_count(ng), <=, 1000);
    if (i % 100 == 0) (void)poll_into(ng, i * MS, out);
  }
  gint64 took = g_get_monotonic_time() - t0;
  g_test_message("5000 hostile jumps: %" G_GINT64_FORMAT " us", took);
  g_assert_cmpuint(nack_generator_missing_count(ng), ==, 1000);
  const NackGeneratorStats *st = nack_generator_stats(ng);
  g_assert_cmpuint(st->missing, ==, 4999u * 999u);
  g_assert_cmpuint(st->lost, >, 4990000u);
  /* the survivors are the newest 1000, ascending (one step of 2 over the
   * received seq between the last two jumps) */
  size_t n = nack_generator_poll(ng, 5000 * MS, out, 64);
  g_assert_cmpuint(n, ==, 64);
  g_assert_cmpuint(out[0], ==, (uint16_t)(seq - 2001)); /* last one of the previous gap */
  for (size_t i = 1; i < n; i++) g_assert_cmpuint((uint16_t)(out[i] - out[i - 1]), <=, 2);
  nack_generator_free(ng);
}

/* Recoveries in the middle of the list leave it in order and exact. */
static void test_recover_middle(void) {
  NackGenerator *ng = nack_generator_new(NULL);
  uint16_t out[64];
  nack_generator_on_packet(ng, 0, 0);
  nack_generator_on_packet(ng, 11, 0); /* 1..10 */
  for (uint16_t q = 2; q <= 10; q += 2) nack_generator_on_packet(ng, q, 0);
  nack_generator_on_packet(ng, 1, 0); /* front */
  g_assert_cmpuint(nack_generator_missing_count(ng), ==, 4);
  size_t n = poll_into(ng, 0, out);
  assert_seqs(out, n, (const uint16_t[]){3, 5, 7, 9}, 4);
  nack_generator_on_packet(ng, 5, 1);
  nack_generator_on_packet(ng, 5, 1); /* second time: late */
  g_assert_cmpuint(nack_generator_stats(ng)->late, ==, 1);
  nack_generator_on_packet(ng, 14, 2); /* 12, 13 appended after tombstones */
  n = poll_into(ng, 200 * MS, out);
  assert_seqs(out, n, (const uint16_t[]){3, 7, 9, 12, 13}, 5);
  nack_generator_free(ng);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/nack_generator/gap_retry_recover", test_gap_retry_recover);
  g_test_add_func("/sfu/nack_generator/wrap", test_wrap);
  g_test_add_func("/sfu/nack_generator/give_up", test_give_up);
  g_test_add_func("/sfu/nack_generator/max_age", test_max_age);
  g_test_add_func("/sfu/nack_generator/initial_delay_limit", test_initial_delay_and_limit);
  g_test_add_func("/sfu/nack_generator/jump_capacity", test_jump_and_capacity);
  g_test_add_func("/sfu/nack_generator/hostile_jumps", test_hostile_jumps);
  g_test_add_func("/sfu/nack_generator/recover_middle", test_recover_middle);
  return g_test_run();
}
