/* sfu/core/sight_policy: a legal call's audio never goes to a hidden
 * participant; everything else is forwarded as before (every combination). */
#include <glib.h>

#include "core/engine_drops.h"
#include "core/sight_policy.h"

static void test_table(void) {
  for (int hidden = 0; hidden < 2; hidden++)
    for (int priv = 0; priv < 2; priv++)
      for (int audio = 0; audio < 2; audio++) {
        bool want = !(hidden && priv && audio);
        g_assert_true(sight_policy_may_forward(hidden, priv, audio) == want);
      }
}

static void test_monitor_of_legal_call(void) {
  /* the monitor sees the video, never hears the audio */
  g_assert_true(sight_policy_may_forward(true, true, false));
  g_assert_false(sight_policy_may_forward(true, true, true));
  /* the participants of the same call hear each other */
  g_assert_true(sight_policy_may_forward(false, true, true));
  /* a social call's monitor hears it (monitoring allowed by its type) */
  g_assert_true(sight_policy_may_forward(true, false, true));
}

static void test_drop_reason_named(void) {
  g_assert_cmpstr(engine_drop_name(ENGINE_DROP_PRIVATE_AUDIO), ==, "private_audio");
  EngineDrops d;
  engine_drops_init(&d);
  g_assert_true(engine_drops_count(&d, ENGINE_DROP_PRIVATE_AUDIO, 0));
  g_assert_cmpuint(d.count[ENGINE_DROP_PRIVATE_AUDIO], ==, 1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sight_policy/table", test_table);
  g_test_add_func("/sight_policy/monitor_of_legal_call", test_monitor_of_legal_call);
  g_test_add_func("/sight_policy/drop_reason_named", test_drop_reason_named);
  return g_test_run();
}
