/* booking/book_sightonly: the call's monitoring and the audio grant from the
 * visit type, the type's policy and the establishment's setting. */
#include <glib.h>

#include "book_sightonly.h"

static void test_monitoring(void) {
  /* off (the default): legal calls are not monitored at all */
  g_assert_cmpstr(book_sight_monitoring("legal", "forbidden", 0), ==, "forbidden");
  /* on: sight only */
  g_assert_cmpstr(book_sight_monitoring("legal", "forbidden", 1), ==, "video_only");
  /* a legal call never gets sound, even if its type row said allowed */
  g_assert_cmpstr(book_sight_monitoring("legal", "allowed", 1), ==, "video_only");
  g_assert_cmpstr(book_sight_monitoring("legal", "allowed", 0), ==, "forbidden");
  /* telemedicine: never, whatever the row or the setting */
  g_assert_cmpstr(book_sight_monitoring("telemedicine", "forbidden", 1), ==, "forbidden");
  g_assert_cmpstr(book_sight_monitoring("telemedicine", "allowed", 1), ==, "forbidden");
  /* other types as their row says; the setting changes nothing */
  g_assert_cmpstr(book_sight_monitoring("social", "allowed", 0), ==, "allowed");
  g_assert_cmpstr(book_sight_monitoring("social", "allowed", 1), ==, "allowed");
  g_assert_cmpstr(book_sight_monitoring("probation", "forbidden", 1), ==, "forbidden");
  /* bad input: fail safe */
  g_assert_cmpstr(book_sight_monitoring(NULL, "allowed", 1), ==, "forbidden");
  g_assert_cmpstr(book_sight_monitoring("legal", NULL, 1), ==, "forbidden");
  g_assert_cmpstr(book_sight_monitoring("legal", "forbidden", 2), ==, "forbidden");
  g_assert_cmpstr(book_sight_monitoring("legal", "forbidden", -1), ==, "forbidden");
}

static void test_audio_grant(void) {
  g_assert_false(book_sight_audio_grant("video_only", 1));
  g_assert_true(book_sight_audio_grant("allowed", 1));
  g_assert_false(book_sight_audio_grant("forbidden", 1));
  g_assert_false(book_sight_audio_grant(NULL, 1));
  g_assert_false(book_sight_audio_grant("garbage", 1));
  /* the participants always hear each other */
  g_assert_true(book_sight_audio_grant("video_only", 0));
  g_assert_true(book_sight_audio_grant("forbidden", 0));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/book_sightonly/monitoring", test_monitoring);
  g_test_add_func("/book_sightonly/audio_grant", test_audio_grant);
  return g_test_run();
}
