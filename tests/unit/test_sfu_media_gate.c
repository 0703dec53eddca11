/* media_gate: which kinds of media a subscriber may receive (one-way
 * video). The whole decision table, including a kind that is neither audio
 * nor video. */
#include <glib.h>

#include "core/media_gate.h"

static void test_table(void) {
  g_assert_true(media_gate_allows(true, MEDIA_GATE_AUDIO));
  g_assert_true(media_gate_allows(true, MEDIA_GATE_VIDEO));
  g_assert_true(media_gate_allows(false, MEDIA_GATE_AUDIO)); /* audio flows both ways */
  g_assert_false(media_gate_allows(false, MEDIA_GATE_VIDEO));
  g_assert_false(media_gate_allows(false, MEDIA_GATE_OTHER)); /* fail safe */
  g_assert_false(media_gate_allows(false, (MediaGateKind)42));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/media_gate/table", test_table);
  return g_test_run();
}
