/* sfu/core/keyframe_throttle: at most one request per window, coalescing of
 * requests inside the window into one deferred request, a keyframe answering
 * a pending request, new-subscriber force, all on an injected clock. */
#include <glib.h>

#include "core/keyframe_throttle.h"

#define MS 1000

static void test_window(void) {
  KeyframeThrottle kt;
  keyframe_throttle_init(&kt, 0);
  g_assert_cmpint(kt.window_us, ==, 500 * MS);
  g_assert_false(keyframe_throttle_poll(&kt, 0)); /* nothing pending */
  g_assert_true(keyframe_throttle_request(&kt, 1000 * MS));
  /* a flood of PLIs from several subscribers inside the window */
  for (int i = 1; i < 50; i++) g_assert_false(keyframe_throttle_request(&kt, (1000 + i * 9) * MS));
  g_assert_cmpint(keyframe_throttle_next_due(&kt), ==, 1500 * MS);
  g_assert_false(keyframe_throttle_poll(&kt, 1499 * MS));
  g_assert_true(keyframe_throttle_poll(&kt, 1500 * MS)); /* the coalesced one */
  g_assert_false(keyframe_throttle_poll(&kt, 1600 * MS));
  g_assert_cmpint(keyframe_throttle_next_due(&kt), ==, INT64_MAX);
  /* the window restarts from the deferred send */
  g_assert_false(keyframe_throttle_request(&kt, 1999 * MS));
  g_assert_true(keyframe_throttle_poll(&kt, 2000 * MS));
  g_assert_true(keyframe_throttle_request(&kt, 2500 * MS));
  g_assert_cmpuint(kt.stats.requests, ==, 52);
  g_assert_cmpuint(kt.stats.sent, ==, 4);
  g_assert_cmpuint(kt.stats.suppressed, ==, 50);
}

static void test_keyframe_satisfies(void) {
  KeyframeThrottle kt;
  keyframe_throttle_init(&kt, 300 * MS);
  g_assert_true(keyframe_throttle_request(&kt, 0));
  g_assert_false(keyframe_throttle_request(&kt, 100 * MS));
  /* the publisher's keyframe (answering the first request) arrives after
   * the second request was made: it answers that one too */
  keyframe_throttle_on_keyframe(&kt, 150 * MS);
  g_assert_false(keyframe_throttle_poll(&kt, 300 * MS));
  g_assert_cmpuint(kt.stats.satisfied, ==, 1);
  g_assert_cmpuint(kt.stats.keyframes, ==, 1);
  /* a keyframe older than the pending request does not */
  keyframe_throttle_on_keyframe(&kt, 310 * MS);
  g_assert_true(keyframe_throttle_request(&kt, 320 * MS));
  g_assert_false(keyframe_throttle_request(&kt, 400 * MS));
  keyframe_throttle_on_keyframe(&kt, 390 * MS); /* started before 400 ms */
  g_assert_true(keyframe_throttle_poll(&kt, 620 * MS));
}

static void test_force(void) {
  KeyframeThrottle kt;
  keyframe_throttle_init(&kt, 500 * MS);
  /* a newcomer in a quiet room gets its request at once */
  g_assert_true(keyframe_throttle_force(&kt, 10 * MS));
  /* three people join within 100 ms: one more keyframe, at window end */
  g_assert_false(keyframe_throttle_force(&kt, 50 * MS));
  g_assert_false(keyframe_throttle_force(&kt, 80 * MS));
  g_assert_false(keyframe_throttle_force(&kt, 110 * MS));
  g_assert_false(keyframe_throttle_poll(&kt, 509 * MS));
  g_assert_true(keyframe_throttle_poll(&kt, 510 * MS));
  g_assert_cmpuint(kt.stats.forced, ==, 4);
  g_assert_cmpuint(kt.stats.sent, ==, 2);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/keyframe_throttle/window", test_window);
  g_test_add_func("/sfu/keyframe_throttle/keyframe_satisfies", test_keyframe_satisfies);
  g_test_add_func("/sfu/keyframe_throttle/force", test_force);
  return g_test_run();
}
