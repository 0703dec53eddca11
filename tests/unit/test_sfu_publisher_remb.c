/* sfu/core/publisher_remb: the REMB budget follows the highest simulcast
 * layer anybody wants (so unwanted layers are switched off), counts a layer
 * at max(measured peak, nominal), the demand rule (would-take layer + 1
 * within the cap, paused, peaks vs nominal), keeps layer 0 when nobody watches, the
 * slowest budget for single-layer tracks, the uplink cap, clamps, and when a
 * REMB is due. */
#include <glib.h>

#include "core/publisher_remb.h"

#define S 1000000LL

static void test_simulcast_demand(void) {
  PublisherRemb p;
  publisher_remb_init(&p, NULL, 3);
  /* nobody: layer 0 only (nominal 150k x 1.15) */
  publisher_remb_begin(&p);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, 172500);
  /* a wall of tiles: all want layer 0 */
  publisher_remb_begin(&p);
  for (int i = 0; i < 10; i++) publisher_remb_add_demand(&p, 0, 3000000);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, 172500);
  /* one focused viewer wants layer 2: every layer is needed */
  publisher_remb_add_demand(&p, 2, 3000000);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, (uint64_t)(2150000 * 1.15));
  /* in the budget a layer counts at max(measured peak, nominal): the
   * browser enables layers by its configured rates, not by what simple
   * content needs, so measured rates below nominal change nothing... */
  publisher_remb_on_layer_rate(&p, 0, 120000, 0);
  publisher_remb_on_layer_rate(&p, 1, 400000, 0);
  publisher_remb_on_layer_rate(&p, 2, 1000000, 0);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 1, 3000000);
  publisher_remb_add_demand(&p, LAYER_PAUSED, 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 1 * S), ==, (uint64_t)(650000 * 1.15));
  /* ...and higher ones win */
  publisher_remb_on_layer_rate(&p, 0, 200000, 1 * S);
  publisher_remb_on_layer_rate(&p, 1, 700000, 1 * S);
  publisher_remb_on_layer_rate(&p, 2, 2000000, 1 * S);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 1 * S), ==, (uint64_t)(900000 * 1.15));
  /* the peak is kept (a layer switched off still counts at its real rate) */
  publisher_remb_on_layer_rate(&p, 2, 0, 2 * S);
  publisher_remb_on_layer_rate(&p, 2, 10000, 2 * S); /* lower, not stale: peak kept */
  publisher_remb_add_demand(&p, 2, 3000000);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 5 * S), ==, (uint64_t)(2900000 * 1.15));
  /* ...until it is stale: nominal again */
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 20 * S), ==, (uint64_t)(2150000 * 1.15));
  /* uplink cap */
  g_assert_cmpuint(publisher_remb_target_bps(&p, 800000, 5 * S), ==, 800000);
  /* all paused: layer 0 */
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, LAYER_PAUSED, 0);
  g_assert_cmpuint(p.n_demands, ==, 1);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 5 * S), ==, (uint64_t)(200000 * 1.15));
  /* clamps */
  PublisherRembConfig c = {.max_bps = 1000000};
  publisher_remb_init(&p, &c, 3);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 2, 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, 1000000);
}

/* One subscription's demand: the layer it would take if every layer were
 * sent, plus one, within its cap. */
static void test_demand_rule(void) {
  PublisherRemb p;
  publisher_remb_init(&p, NULL, 3);
  const uint64_t A = 40000; /* audio */
  /* nominal rates (150k / 500k / 1.5M): 300k takes layer 0 (layer 1 needs
   * 540k with audio), so it wants 0 + 1 */
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 300000, A, 0), ==, 1);
  /* the boundary: rate + audio == estimate fits */
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 540000, A, 0), ==, 2);
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 539999, A, 0), ==, 1);
  /* plenty: the top, and nothing above it */
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 10000000, A, 0), ==, 2);
  /* below even layer 0: still layer 0 + 1 (not paused: the selector keeps
   * it on layer 0 and the next layer must stay measurable) */
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 60000, A, 0), ==, 1);
  /* no estimate yet: unlimited */
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 0, A, 0), ==, 2);
  /* a wall tile (cap: layer 0) never asks above its cap, whatever its estimate */
  g_assert_cmpint(publisher_remb_demand(&p, 0, false, 10000000, A, 0), ==, 0);
  g_assert_cmpint(publisher_remb_demand(&p, 0, false, 0, A, 0), ==, 0);
  /* a cap at layer 1: 1 at most */
  g_assert_cmpint(publisher_remb_demand(&p, 1, false, 10000000, A, 0), ==, 1);
  g_assert_cmpint(publisher_remb_demand(&p, 1, false, 100000, A, 0), ==, 1);
  /* paused: nothing */
  g_assert_cmpint(publisher_remb_demand(&p, 2, true, 10000000, A, 0), ==, LAYER_PAUSED);
  /* measured peaks (not nominal) decide what fits: the middle layer at
   * 200k fits 300k, so the subscriber wants the top */
  publisher_remb_on_layer_rate(&p, 1, 200000, 1 * S);
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 300000, A, 2 * S), ==, 2);
  g_assert_cmpuint(publisher_remb_layer_bps(&p, 1, 2 * S), ==, 200000);
  /* a peak older than 10 s is forgotten: nominal again */
  g_assert_cmpint(publisher_remb_demand(&p, 2, false, 300000, A, 12 * S), ==, 1);
  g_assert_cmpuint(publisher_remb_layer_bps(&p, 1, 12 * S), ==, 500000);
  /* a top layer switched off keeps its peak: asked back at its real rate */
  publisher_remb_on_layer_rate(&p, 2, 900000, 13 * S);
  publisher_remb_on_layer_rate(&p, 2, 0, 14 * S);
  g_assert_cmpuint(publisher_remb_layer_bps(&p, 2, 15 * S), ==, 900000);
  /* out of range caps and layers; NULL */
  g_assert_cmpint(publisher_remb_demand(&p, 9, false, 0, A, 0), ==, 2);
  g_assert_cmpint(publisher_remb_demand(&p, -3, false, 0, A, 0), ==, 0);
  g_assert_cmpint(publisher_remb_demand(NULL, 2, false, 0, A, 0), ==, LAYER_PAUSED);
  g_assert_cmpuint(publisher_remb_layer_bps(&p, 3, 0), ==, 0);
  g_assert_cmpuint(publisher_remb_layer_bps(NULL, 0, 0), ==, 0);
  /* one layer: always 0 */
  PublisherRemb one;
  publisher_remb_init(&one, NULL, 1);
  g_assert_cmpint(publisher_remb_demand(&one, 2, false, 10000000, A, 0), ==, 0);
}

/* The whole tick as the forwarder runs it: a wall of tiles switches off
 * layers 1 and 2; one unlimited subscriber brings everything back; one
 * behind 300 kbit/s keeps the middle layer but not the top; nobody: layer 0. */
static void test_scenarios(void) {
  PublisherRemb p;
  publisher_remb_init(&p, NULL, 3);
  const uint64_t A = 40000;
  uint64_t l0 = (uint64_t)(150000 * 1.15), l01 = (uint64_t)(650000 * 1.15),
           all = (uint64_t)(2150000 * 1.15);
  publisher_remb_begin(&p);
  for (int i = 0; i < 10; i++)
    publisher_remb_add_demand(&p, publisher_remb_demand(&p, 0, false, 5000000, A, 0), 0);
  g_assert_cmpint(p.highest, ==, 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, l0);
  publisher_remb_add_demand(&p, publisher_remb_demand(&p, 2, false, 5000000, A, 0), 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, all);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, publisher_remb_demand(&p, 2, false, 300000, A, 0), 0);
  g_assert_cmpint(p.highest, ==, 1);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, l01);
  publisher_remb_begin(&p);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, l0);
  /* without transport-cc the loss-based uplink bound caps it */
  publisher_remb_add_demand(&p, 2, 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 1000000, 0), ==, 1000000);
}

/* A layer no longer wanted stays in for off_hold_us (5 s): a cap lifted
 * two seconds later does not toggle the encoder; then it goes. */
static void test_off_hold(void) {
  PublisherRemb p;
  publisher_remb_init(&p, NULL, 3);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 2, 0);
  publisher_remb_end(&p, 1 * S);
  g_assert_cmpint(p.highest, ==, 2);
  /* only tiles from 2 s: held at 2 until 6 s, then 0 */
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 0, 0);
  publisher_remb_end(&p, 2 * S);
  g_assert_cmpint(p.highest, ==, 2);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 0, 0);
  publisher_remb_end(&p, 5 * S + S / 2);
  g_assert_cmpint(p.highest, ==, 2);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 0, 0);
  publisher_remb_end(&p, 6 * S + 1);
  g_assert_cmpint(p.highest, ==, 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 6 * S + 1), ==, 172500);
  /* a middle layer wanted at 7 s, nobody at all from 8 s: held to 12 s */
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 1, 0);
  publisher_remb_end(&p, 7 * S);
  publisher_remb_begin(&p);
  publisher_remb_end(&p, 8 * S);
  g_assert_cmpint(p.highest, ==, 1);
  publisher_remb_begin(&p);
  publisher_remb_end(&p, 12 * S + 1);
  g_assert_cmpint(p.highest, ==, LAYER_PAUSED);
  /* a new layer wanted: at once */
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 2, 0);
  publisher_remb_end(&p, 13 * S);
  g_assert_cmpint(p.highest, ==, 2);
  publisher_remb_end(NULL, 0);
}

static void test_single_layer(void) {
  PublisherRemb p;
  publisher_remb_init(&p, NULL, 1);
  publisher_remb_begin(&p);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, 150000);
  publisher_remb_add_demand(&p, 0, 900000);
  publisher_remb_add_demand(&p, 0, 400000);
  publisher_remb_add_demand(&p, LAYER_PAUSED, 10000); /* paused: not the pace */
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, 400000);
  publisher_remb_add_demand(&p, 5, 20000); /* layer beyond range: clamped, and min */
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 0), ==, 50000);
}

static void test_poll_and_config(void) {
  PublisherRemb p;
  PublisherRembConfig c = {.min_bps = 300000, .max_bps = 100000, .headroom = 0.5};
  publisher_remb_init(&p, &c, 9);
  g_assert_cmpuint(p.n_layers, ==, 3);
  g_assert_cmpuint(p.cfg.max_bps, ==, 300000);
  g_assert_cmpfloat(p.cfg.headroom, ==, 1.15);
  publisher_remb_init(&p, NULL, 3);
  g_assert_true(publisher_remb_poll(&p, 1000000, 0));
  g_assert_false(publisher_remb_poll(&p, 1000000, 500000));
  g_assert_false(publisher_remb_poll(&p, 1200000, 500000)); /* increase waits */
  g_assert_true(publisher_remb_poll(&p, 960000, 600000));   /* -4 %: at once */
  g_assert_false(publisher_remb_poll(&p, 950000, 700000));  /* -1 %: waits */
  g_assert_true(publisher_remb_poll(&p, 950000, 1600000));  /* interval */
  /* a higher layer becomes wanted: at once, even inside the interval */
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 0, 0);
  g_assert_false(publisher_remb_poll(&p, 950000, 1700000));
  publisher_remb_add_demand(&p, 1, 0);
  g_assert_true(publisher_remb_poll(&p, 980000, 1800000));
  g_assert_false(publisher_remb_poll(&p, 990000, 1900000)); /* same layer: waits */
  g_assert_false(publisher_remb_poll(NULL, 1, 0));
  publisher_remb_on_layer_rate(NULL, 0, 1, 0);
  publisher_remb_on_layer_rate(&p, 7, 1, 0);
  publisher_remb_add_demand(NULL, 0, 0);
  publisher_remb_begin(NULL);
  g_assert_cmpuint(publisher_remb_target_bps(NULL, 0, 0), ==, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/publisher_remb/simulcast_demand", test_simulcast_demand);
  g_test_add_func("/sfu/publisher_remb/demand_rule", test_demand_rule);
  g_test_add_func("/sfu/publisher_remb/scenarios", test_scenarios);
  g_test_add_func("/sfu/publisher_remb/off_hold", test_off_hold);
  g_test_add_func("/sfu/publisher_remb/single_layer", test_single_layer);
  g_test_add_func("/sfu/publisher_remb/poll_and_config", test_poll_and_config);
  return g_test_run();
}
