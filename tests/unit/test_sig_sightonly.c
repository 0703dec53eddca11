/* signalling/sig_sightonly: monitoring values, who may receive audio, which
 * rooms are audio_private, and the SDP audio check (bad input fails safe). */
#include <glib.h>

#include "sig_sightonly.h"

static void test_parse(void) {
  gboolean a, vo;
  g_assert_true(sig_sight_monitoring_parse("allowed", &a, &vo) && a && !vo);
  g_assert_true(sig_sight_monitoring_parse("video_only", &a, &vo) && a && vo);
  g_assert_true(sig_sight_monitoring_parse("forbidden", &a, &vo) && !a && !vo);
  g_assert_false(sig_sight_monitoring_parse("Video_only", &a, &vo));
  g_assert_false(a || vo);
  g_assert_false(sig_sight_monitoring_parse("", &a, &vo));
  g_assert_false(sig_sight_monitoring_parse(NULL, &a, &vo));
}

static void test_audio_allowed(void) {
  g_assert_false(sig_sight_audio_allowed(TRUE, TRUE, TRUE)); /* a wrong grant does not help */
  g_assert_false(sig_sight_audio_allowed(TRUE, TRUE, FALSE));
  g_assert_true(sig_sight_audio_allowed(TRUE, FALSE, TRUE)); /* social monitor */
  g_assert_true(sig_sight_audio_allowed(FALSE, TRUE, TRUE));  /* the call's participants */
  g_assert_false(sig_sight_audio_allowed(FALSE, FALSE, FALSE));
}

static void test_room(void) {
  g_assert_true(sig_sight_room_audio_private("legal"));
  g_assert_true(sig_sight_room_audio_private("telemedicine"));
  g_assert_false(sig_sight_room_audio_private("social"));
  g_assert_false(sig_sight_room_audio_private(NULL));
}

static void test_sdp(void) {
  const char *video = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n";
  const char *audio = "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:0\r\nm=audio 9 X 111\r\na=mid:1\r\na=recvonly\r\n";
  const char *rejected = "v=0\r\ns=-\r\nm=audio 0 X 111\r\na=mid:0\r\nm=video 9 X 96\r\n";
  const char *inactive = "v=0\r\ns=-\r\nm=audio 9 X 111\r\na=mid:0\r\na=inactive\r\nm=video 9 X 96\r\n";
  const char *lf = "v=0\ns=-\nm=audio 9 X 111\n";
  const char *hidden_in_attr = "v=0\r\ns=-\r\na=x:m=audio 9\r\nm=video 9 X 96\r\n";
  g_assert_false(sig_sight_sdp_has_audio(video));
  g_assert_true(sig_sight_sdp_has_audio(audio));
  g_assert_false(sig_sight_sdp_has_audio(rejected));
  g_assert_false(sig_sight_sdp_has_audio(inactive));
  g_assert_true(sig_sight_sdp_has_audio(lf));
  g_assert_false(sig_sight_sdp_has_audio(hidden_in_attr));
  g_assert_true(sig_sight_sdp_has_audio(NULL));
  g_assert_true(sig_sight_sdp_has_audio("garbage"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sig_sightonly/parse", test_parse);
  g_test_add_func("/sig_sightonly/audio_allowed", test_audio_allowed);
  g_test_add_func("/sig_sightonly/room", test_room);
  g_test_add_func("/sig_sightonly/sdp", test_sdp);
  return g_test_run();
}
