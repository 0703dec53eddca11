/* sfu/core/publisher_remb: the REMB budget follows the highest simulcast
 * layer anybody wants (so unwanted layers are switched off), uses measured
 * layer rates over nominal ones, keeps layer 0 when nobody watches, the
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
  /* measured rates win over nominal ones */
  publisher_remb_on_layer_rate(&p, 0, 120000, 0);
  publisher_remb_on_layer_rate(&p, 1, 400000, 0);
  publisher_remb_on_layer_rate(&p, 2, 1000000, 0);
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, 1, 3000000);
  publisher_remb_add_demand(&p, LAYER_PAUSED, 0);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 1 * S), ==, (uint64_t)(520000 * 1.15));
  /* the peak is kept (a layer switched off still counts at its real rate) */
  publisher_remb_on_layer_rate(&p, 2, 0, 2 * S);
  publisher_remb_add_demand(&p, 2, 3000000);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 5 * S), ==, (uint64_t)(1520000 * 1.15));
  /* ...until it is stale: nominal again */
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 20 * S), ==, (uint64_t)(2150000 * 1.15));
  /* uplink cap */
  g_assert_cmpuint(publisher_remb_target_bps(&p, 800000, 5 * S), ==, 800000);
  /* all paused: layer 0 */
  publisher_remb_begin(&p);
  publisher_remb_add_demand(&p, LAYER_PAUSED, 0);
  g_assert_cmpuint(p.n_demands, ==, 1);
  g_assert_cmpuint(publisher_remb_target_bps(&p, 0, 5 * S), ==, (uint64_t)(120000 * 1.15));
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
  g_test_add_func("/sfu/publisher_remb/single_layer", test_single_layer);
  g_test_add_func("/sfu/publisher_remb/poll_and_config", test_poll_and_config);
  return g_test_run();
}
