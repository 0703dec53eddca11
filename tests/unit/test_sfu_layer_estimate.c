/* layer_estimate: the downlink estimate a simulcast layer choice compares
 * the layers against, from our transport-cc estimate or the subscriber's
 * REMB, table by table (the rules are in layer_estimate.h). */
#include <glib.h>

#include "core/layer_estimate.h"

#define S 1000000ll
#define NOW (100 * S)

static const uint64_t BPS[3] = {100000, 300000, 1000000};
#define AUDIO 40000
#define STEP(layer) ((uint64_t)((double)(BPS[layer] + AUDIO) * 1.3) + 1)

static LayerEstimateIn base(void) {
  return (LayerEstimateIn){.layer_bps = BPS, .n_layers = 3, .audio_bps = AUDIO, .forwarded = 0};
}

static void test_no_estimate(void) {
  LayerEstimateIn in = base();
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, LAYER_EST_NONE); /* no REMB ever */
  in.remb_bps = 200000;
  in.remb_us = NOW - LAYER_EST_REMB_STALE_US; /* too old to describe the link */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, LAYER_EST_NONE);
}

static void test_remb_rising_allows_one_layer_up(void) {
  LayerEstimateIn in = base();
  in.remb_bps = 200000;
  in.remb_us = NOW - S / 10;
  in.remb_rise_us = NOW - S / 10;
  in.sent_bps = 150000;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(1)); /* from 0: layer 1 may be tried */
  in.forwarded = 1;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(2));
  in.forwarded = 2; /* the top: its own step */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(2));
  in.remb_bps = 5000000; /* a REMB above the step stands */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 5000000);
}

static void test_remb_ceiling_after_overuse(void) {
  LayerEstimateIn in = base();
  in.forwarded = 2;
  in.remb_bps = 850000;
  in.remb_us = NOW - S / 10;
  in.remb_rise_us = NOW - S / 10;
  in.remb_drop_us = NOW - LAYER_EST_REMB_CEILING_US + 1; /* fell lately */
  in.sent_bps = 1000000;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 1000000); /* 0.85x what arrived */
  in.remb_drop_us = NOW - LAYER_EST_REMB_CEILING_US; /* long ago: not a ceiling */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(2));
  /* flat for longer than LAYER_EST_REMB_FLAT_US while below what we send */
  in.remb_rise_us = NOW - LAYER_EST_REMB_FLAT_US - 1;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 1000000);
  in.sent_bps = 800000; /* flat but above what we send: no over-use seen */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(2));
}

static void test_paused_tries_the_lowest_again(void) {
  LayerEstimateIn in = base();
  in.forwarded = -1;
  in.remb_bps = 50000;
  in.remb_us = NOW - S / 10;
  in.remb_rise_us = NOW - 10 * S;
  in.remb_drop_us = NOW - S; /* over-use: a ceiling of 58823 */
  in.pauses = 1;
  in.paused_us = NOW - LAYER_EST_RESUME_TRY_US + 1;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 50000 * 100 / 85);
  in.paused_us = NOW - LAYER_EST_RESUME_TRY_US;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(0));
  in.pauses = 3; /* the wait doubles per pause: 4x after the third */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 50000 * 100 / 85);
  in.paused_us = NOW - 4 * LAYER_EST_RESUME_TRY_US;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(0));
  in.pauses = 10; /* at most 8x */
  in.paused_us = NOW - 8 * LAYER_EST_RESUME_TRY_US;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(0));
  /* no REMB at all: the lowest layer, not "everything fits" */
  in.remb_us = 0;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(0));
  /* our own estimate with RTX probes its way back: no help */
  in.bwe = true;
  in.rtx = true;
  in.bwe_bps = 60000;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 60000);
  in.rtx = false; /* no RTX to carry padding: the same help as with REMB */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, STEP(0));
}

static void test_bwe_congested_goes_down_by_the_link(void) {
  LayerEstimateIn in = base();
  in.bwe = true;
  in.rtx = true;
  in.bwe_bps = 600000;
  in.forwarded = 2; /* 1 Mbit/s + audio does not fit in 600k */
  in.link_bps = 250000;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 600000); /* not congested: the estimate */
  in.congested = true;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 250000); /* the link's rate */
  in.link_bps = 100000; /* below the lowest layer: never below it on this account */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, BPS[0] + AUDIO);
  in.link_bps = 0; /* unknown */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 600000);
  in.link_bps = 250000;
  in.forwarded = 1; /* 300k + audio fits in 600k: nothing to go down from */
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 600000);
  in.remb_bps = 100; /* a REMB is ignored while our estimate runs */
  in.remb_us = NOW;
  g_assert_cmpuint(layer_estimate(&in, NOW), ==, 600000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/layer_estimate/none", test_no_estimate);
  g_test_add_func("/sfu/layer_estimate/remb_rising", test_remb_rising_allows_one_layer_up);
  g_test_add_func("/sfu/layer_estimate/remb_ceiling", test_remb_ceiling_after_overuse);
  g_test_add_func("/sfu/layer_estimate/paused", test_paused_tries_the_lowest_again);
  g_test_add_func("/sfu/layer_estimate/bwe_congested", test_bwe_congested_goes_down_by_the_link);
  return g_test_run();
}
