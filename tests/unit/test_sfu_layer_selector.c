/* sfu/core/layer_selector: down at once, up only after the hold with margin,
 * no flapping under a noisy estimate, back-off after a failed up-switch,
 * pause/resume with audio kept first, preference caps (wall tile / focus),
 * inactive layers, keyframe requests and retries; the per-layer rate
 * meter; bad input. */
#include <glib.h>

#include "core/layer_selector.h"

#define MS 1000LL
#define S 1000000LL

static const uint64_t L3[3] = {150000, 500000, 1200000};
#define AUDIO 40000

/* A sudden collapse goes straight to the lowest layer that fits; a mild
 * drop takes one step. */
static void test_collapse_skips_the_middle(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 2, 2);
  /* 700k: 660k left; layer 1 (500k) fits, but 1.2M > 1.5 x 660k: layer 0 */
  LayerDecision d = layer_selector_update(&s, L3, 3, 700000, AUDIO, 2, 0);
  g_assert_cmpint(d.target, ==, 0);
  g_assert_true(d.request_keyframe);
  /* 900k: 860k left, 1.2M <= 1.5 x 860k: one step, to layer 1 */
  layer_selector_init(&s, NULL, 2, 2);
  d = layer_selector_update(&s, L3, 3, 900000, AUDIO, 2, 0);
  g_assert_cmpint(d.target, ==, 1);
  /* a collapse below the lowest layer keeps the lowest until a pause is
   * earned (see pause tests) */
  layer_selector_init(&s, NULL, 2, 2);
  d = layer_selector_update(&s, L3, 3, 100000, AUDIO, 2, 0);
  g_assert_cmpint(d.target, ==, 0);
}

static void test_down_at_once_up_after_hold(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 2, 2);
  LayerDecision d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 2, 0);
  g_assert_cmpint(d.target, ==, 2);
  g_assert_false(d.changed);
  g_assert_false(d.request_keyframe);
  /* 1 Mbit/s: 960k left for video < 1.2M: down to 1 at once */
  d = layer_selector_update(&s, L3, 3, 1000000, AUDIO, 2, 100 * MS);
  g_assert_cmpint(d.target, ==, 1);
  g_assert_true(d.changed);
  g_assert_true(d.request_keyframe);
  /* 1.5 Mbit/s: 1.46M >= 1.2M but < 1.25 x 1.2M = 1.5M: stays */
  for (int64_t t = 200 * MS; t < 10 * S; t += 100 * MS) {
    d = layer_selector_update(&s, L3, 3, 1500000, AUDIO, 1, t);
    g_assert_cmpint(d.target, ==, 1);
  }
  /* 1.6 Mbit/s (1.56M left): up only after 2 s continuously */
  int64_t t0 = 20 * S;
  for (int64_t t = t0; t < t0 + 2 * S; t += 100 * MS) {
    d = layer_selector_update(&s, L3, 3, 1600000, AUDIO, 1, t);
    g_assert_cmpint(d.target, ==, 1);
  }
  d = layer_selector_update(&s, L3, 3, 1600000, AUDIO, 1, t0 + 2 * S);
  g_assert_cmpint(d.target, ==, 2);
  g_assert_true(d.changed && d.request_keyframe);
  /* an interruption of the condition restarts the hold */
  layer_selector_init(&s, NULL, 0, 2);
  layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 0);
  layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 1500 * MS);
  layer_selector_update(&s, L3, 3, 600000, AUDIO, 0, 1600 * MS); /* 560k < 625k */
  d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 2100 * MS);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 4100 * MS);
  g_assert_cmpint(d.target, ==, 1);
  g_assert_cmpuint(s.ups, ==, 1);
}

static void test_noisy_estimate_no_flapping(void) {
  GRand *r = g_rand_new_with_seed(9);
  /* estimates around the 0 -> 1 boundary: 480k..720k (mean 600k) */
  LayerSelector s;
  layer_selector_init(&s, NULL, 1, 2);
  int changes = 0, router = 1;
  for (int64_t t = 0; t < 120 * S; t += 100 * MS) {
    uint64_t e = (uint64_t)g_rand_int_range(r, 480000, 720001);
    LayerDecision d = layer_selector_update(&s, L3, 3, e, AUDIO, router, t);
    if (d.changed) changes++;
    router = d.target;
  }
  g_test_message("noisy 480-720k for 120 s: %d changes, %" G_GUINT64_FORMAT " failed ups", changes,
                 s.failed_ups);
  g_assert_cmpint(changes, <=, 4);
  /* noise well inside a layer: no change at all */
  layer_selector_init(&s, NULL, 1, 2);
  changes = 0;
  for (int64_t t = 0; t < 120 * S; t += 100 * MS) {
    uint64_t e = (uint64_t)g_rand_int_range(r, 700000, 1300000);
    if (layer_selector_update(&s, L3, 3, e, AUDIO, 1, t).changed) changes++;
  }
  g_assert_cmpint(changes, ==, 0);
  g_rand_free(r);
}

static void test_backoff(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 1, 2);
  /* up after 2 s */
  LayerDecision d = {0};
  int64_t t = 0;
  for (; t <= 2 * S; t += 100 * MS) d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, t);
  g_assert_cmpint(d.target, ==, 2);
  /* the up-switch congests: down 3 s later -> failed probe, hold doubles */
  t = 5 * S;
  d = layer_selector_update(&s, L3, 3, 1000000, AUDIO, 2, t);
  g_assert_cmpint(d.target, ==, 1);
  g_assert_cmpuint(s.failed_ups, ==, 1);
  g_assert_cmpint(s.cur_hold_us, ==, 4 * S);
  int64_t t1 = t + 100 * MS;
  for (t = t1; t < t1 + 4 * S; t += 100 * MS) {
    d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, t);
    g_assert_cmpint(d.target, ==, 1);
  }
  d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, t1 + 4 * S);
  g_assert_cmpint(d.target, ==, 2);
  /* a down long after the up is not a failure */
  d = layer_selector_update(&s, L3, 3, 1000000, AUDIO, 2, t1 + 20 * S);
  g_assert_cmpint(d.target, ==, 1);
  g_assert_cmpuint(s.failed_ups, ==, 1);
  /* 30 s after the failure the hold is back to 2 s */
  layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, 40 * S);
  g_assert_cmpint(s.cur_hold_us, ==, 2 * S);
  d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, 42 * S);
  g_assert_cmpint(d.target, ==, 2);
  /* repeated failures cap at max_hold */
  for (int i = 0; i < 10; i++) {
    s.have_up = true;
    s.last_up_us = 50 * S;
    s.target = 2;
    layer_selector_update(&s, L3, 3, 1000000, AUDIO, 2, 51 * S);
  }
  g_assert_cmpint(s.cur_hold_us, ==, 32 * S);
}

static void test_pause_resume_audio_first(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 0, 2);
  /* 180k estimate: 140k left after audio < 150k lowest layer: pause, once
   * that has lasted 1 s (a short dip keeps the lowest layer) */
  LayerDecision d = layer_selector_update(&s, L3, 3, 180000, AUDIO, 0, 0);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 180000, AUDIO, 0, 900 * MS);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 180000, AUDIO, 0, 1000 * MS);
  g_assert_cmpint(d.target, ==, LAYER_PAUSED);
  g_assert_true(d.paused_now && d.changed);
  g_assert_false(d.request_keyframe);
  /* without the audio share it would have fitted: audio really comes first */
  LayerSelector s2;
  layer_selector_init(&s2, NULL, 0, 2);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 180000, 0, 0, 0).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 180000, 0, 0, 2 * S).target, ==, 0);
  /* a dip from layer 2 straight below everything: down to the lowest at
   * once, paused only if it lasts 1 s counted from the settle time (2 s)
   * after that down-switch: the estimate first carries the losses of the
   * overflow that caused it */
  layer_selector_init(&s2, NULL, 2, 2);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 2, 0).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 300000, AUDIO, 0, 500 * MS).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 600 * MS).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 1600 * MS).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 2900 * MS).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 3000 * MS).target, ==, LAYER_PAUSED);
  /* a misfit that began after the settle time pauses after 1 s as usual */
  layer_selector_init(&s2, NULL, 2, 2);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 300000, AUDIO, 2, 0).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 5 * S).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 5900 * MS).target, ==, 0);
  g_assert_cmpint(layer_selector_update(&s2, L3, 3, 100000, AUDIO, 0, 6 * S).target, ==, LAYER_PAUSED);
  /* 200k: 160k >= 150k but < 187.5k: stays paused */
  for (int64_t t = 1100 * MS; t < 5 * S; t += 100 * MS)
    g_assert_cmpint(layer_selector_update(&s, L3, 3, 200000, AUDIO, 0, t).target, ==, LAYER_PAUSED);
  /* 250k: resume to the lowest after the hold, with a keyframe */
  int64_t t0 = 6 * S;
  for (int64_t t = t0; t < t0 + 2 * S; t += 100 * MS)
    g_assert_cmpint(layer_selector_update(&s, L3, 3, 250000, AUDIO, 0, t).target, ==, LAYER_PAUSED);
  d = layer_selector_update(&s, L3, 3, 250000, AUDIO, 0, t0 + 2 * S);
  g_assert_cmpint(d.target, ==, 0);
  g_assert_true(d.resumed_now && d.changed);
  /* even with the router still on layer 0: a paused subscription restarts
   * at a keyframe */
  g_assert_true(d.request_keyframe);
  g_assert_cmpuint(s.pauses, ==, 1);
}

static void test_caps(void) {
  LayerSelector s;
  /* wall tile: lowest only, however much bandwidth */
  layer_selector_init(&s, NULL, 2, 0);
  g_assert_cmpint(s.target, ==, 0);
  for (int64_t t = 0; t < 10 * S; t += 100 * MS)
    g_assert_cmpint(layer_selector_update(&s, L3, 3, 5000000, AUDIO, 0, t).target, ==, 0);
  /* focused: the cap rises, up after the hold straight to the highest */
  layer_selector_set_max_layer(&s, 2);
  LayerDecision d = layer_selector_update(&s, L3, 3, 5000000, AUDIO, 0, 10 * S);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 5000000, AUDIO, 0, 12 * S);
  g_assert_cmpint(d.target, ==, 2);
  g_assert_true(d.request_keyframe);
  /* back to a tile: down at once, and not a failed probe */
  layer_selector_set_max_layer(&s, 0);
  d = layer_selector_update(&s, L3, 3, 5000000, AUDIO, 2, 13 * S);
  g_assert_cmpint(d.target, ==, 0);
  g_assert_cmpuint(s.failed_ups, ==, 0);
  /* a cap above the layers the track has */
  layer_selector_init(&s, NULL, 0, 2);
  const uint64_t one[1] = {300000};
  d = layer_selector_update(&s, one, 1, 5000000, AUDIO, 0, 0);
  g_assert_cmpint(d.target, ==, 0);
  layer_selector_set_max_layer(&s, 99);
  g_assert_cmpint(s.max_layer, ==, 2);
}

static void test_inactive_layers_and_keyframe_retry(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 2, 2);
  uint64_t b[3] = {150000, 500000, 0}; /* the publisher dropped its top layer */
  LayerDecision d = layer_selector_update(&s, b, 3, 5000000, AUDIO, 2, 0);
  g_assert_cmpint(d.target, ==, 1);
  g_assert_true(d.request_keyframe);
  for (int64_t t = 0; t < 10 * S; t += 100 * MS)
    layer_selector_update(&s, b, 3, 5000000, AUDIO, 2, t);
  g_assert_cmpint(s.target, ==, 1);
  /* the router has not switched yet (still on 2): keyframe asked again every
   * second, not more often */
  int asks = 0;
  for (int64_t t = 10 * S; t < 13 * S; t += 100 * MS)
    if (layer_selector_update(&s, b, 3, 5000000, AUDIO, 2, t).request_keyframe) asks++;
  g_assert_cmpint(asks, ==, 3);
  /* switched: no more asks */
  asks = 0;
  for (int64_t t = 13 * S; t < 16 * S; t += 100 * MS)
    if (layer_selector_update(&s, b, 3, 5000000, AUDIO, 1, t).request_keyframe) asks++;
  g_assert_cmpint(asks, ==, 0);
  /* no layer measured yet: no decision */
  uint64_t z[3] = {0, 0, 0};
  layer_selector_init(&s, NULL, 2, 2);
  d = layer_selector_update(&s, z, 3, 100, 0, 2, 0);
  g_assert_cmpint(d.target, ==, 2);
  g_assert_false(d.changed);
}

/* A probe-verified estimate needs only 500 ms, for one step, within 3 s. */
static void test_verified_hold(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 0, 2);
  layer_selector_verified(&s, 0);
  LayerDecision d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 100 * MS);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 500 * MS);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 600 * MS);
  g_assert_cmpint(d.target, ==, 1);
  /* used up: the next step waits the full hold */
  d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, 700 * MS);
  d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, 1300 * MS);
  g_assert_cmpint(d.target, ==, 1);
  d = layer_selector_update(&s, L3, 3, 2000000, AUDIO, 1, 2700 * MS);
  g_assert_cmpint(d.target, ==, 2);
  /* a verification older than 3 s does not count */
  layer_selector_init(&s, NULL, 0, 2);
  layer_selector_verified(&s, 0);
  layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 3100 * MS);
  d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 3700 * MS);
  g_assert_cmpint(d.target, ==, 0);
  d = layer_selector_update(&s, L3, 3, 800000, AUDIO, 0, 5100 * MS);
  g_assert_cmpint(d.target, ==, 1);
  layer_selector_verified(NULL, 0);
}

static void test_rate_meter(void) {
  LayerRateMeter m;
  layer_rate_init(&m);
  g_assert_cmpuint(layer_rate_bps(&m, 1, 0), ==, 0);
  for (int i = 0; i < 300; i++) {
    layer_rate_on_packet(&m, 1, 1000, 5 * S + i * 10 * MS);
    if (i % 2 == 0) layer_rate_on_packet(&m, 0, 250, 5 * S + i * 10 * MS);
  }
  uint64_t r1 = layer_rate_bps(&m, 1, 5 * S + 2999 * MS);
  uint64_t r0 = layer_rate_bps(&m, 0, 5 * S + 2999 * MS);
  g_assert_cmpuint(r1, >=, 790000);
  g_assert_cmpuint(r1, <=, 810000);
  g_assert_cmpuint(r0, >=, 95000);
  g_assert_cmpuint(r0, <=, 105000);
  g_assert_cmpuint(layer_rate_bps(&m, 2, 5 * S + 2999 * MS), ==, 0);
  /* silent for over a second: inactive */
  g_assert_cmpuint(layer_rate_bps(&m, 1, 9 * S), ==, 0);
  layer_rate_on_packet(&m, 7, 1000, 0); /* ignored */
  layer_rate_on_packet(NULL, 0, 1000, 0);
  g_assert_cmpuint(layer_rate_bps(&m, 7, 0), ==, 0);
}

static void test_bad_input(void) {
  LayerSelector s;
  layer_selector_init(&s, NULL, 5, -3);
  g_assert_cmpint(s.max_layer, ==, 0);
  g_assert_cmpint(s.target, ==, 0);
  LayerDecision d = layer_selector_update(&s, NULL, 3, 1000000, 0, 0, 0);
  g_assert_false(d.changed);
  d = layer_selector_update(&s, L3, 0, 1000000, 0, 0, 0);
  g_assert_false(d.changed);
  d = layer_selector_update(&s, L3, 4, 1000000, 0, 0, 0);
  g_assert_false(d.changed);
  d = layer_selector_update(NULL, L3, 3, 1000000, 0, 0, 0);
  g_assert_cmpint(d.target, ==, LAYER_PAUSED);
  /* estimate below audio alone: paused (after the 1 s), no underflow */
  layer_selector_init(&s, NULL, 0, 2);
  layer_selector_update(&s, L3, 3, 10000, AUDIO, 0, 0);
  d = layer_selector_update(&s, L3, 3, 10000, AUDIO, 0, 1 * S);
  g_assert_cmpint(d.target, ==, LAYER_PAUSED);
  LayerSelectorConfig c = {.up_factor = 0.5, .hold_us = 5 * S, .max_hold_us = 1 * S};
  layer_selector_init(&s, &c, 0, 2);
  g_assert_cmpfloat(s.cfg.up_factor, ==, 1.25);
  g_assert_cmpint(s.cfg.max_hold_us, ==, 5 * S);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/layer_selector/down_at_once_up_after_hold", test_down_at_once_up_after_hold);
  g_test_add_func("/sfu/layer_selector/collapse_skips_the_middle", test_collapse_skips_the_middle);
  g_test_add_func("/sfu/layer_selector/noisy_estimate_no_flapping", test_noisy_estimate_no_flapping);
  g_test_add_func("/sfu/layer_selector/backoff", test_backoff);
  g_test_add_func("/sfu/layer_selector/pause_resume_audio_first", test_pause_resume_audio_first);
  g_test_add_func("/sfu/layer_selector/caps", test_caps);
  g_test_add_func("/sfu/layer_selector/inactive_layers_and_keyframe_retry", test_inactive_layers_and_keyframe_retry);
  g_test_add_func("/sfu/layer_selector/verified_hold", test_verified_hold);
  g_test_add_func("/sfu/layer_selector/rate_meter", test_rate_meter);
  g_test_add_func("/sfu/layer_selector/bad_input", test_bad_input);
  return g_test_run();
}
