/* sfu/core/audio_level: RFC 6464 element parsing (also from a real packet
 * through rtp_ext_audio_level) and the smoothing tracker on an injected clock. */
#include <glib.h>
#include <math.h>

#include "core/audio_level.h"
#include "core/rtp.h"

#define MS 1000

static void test_parse(void) {
  bool v;
  uint8_t l;
  const uint8_t loud_voice[] = {0x85};
  g_assert_true(audio_level_parse(loud_voice, 1, &v, &l));
  g_assert_true(v);
  g_assert_cmpuint(l, ==, 5);
  const uint8_t silence[] = {0x7f};
  g_assert_true(audio_level_parse(silence, 1, &v, &l));
  g_assert_false(v);
  g_assert_cmpuint(l, ==, 127);
  g_assert_false(audio_level_parse(silence, 0, &v, &l));
  g_assert_false(audio_level_parse(silence, 2, &v, &l));
  g_assert_false(audio_level_parse(NULL, 1, &v, &l));
  /* in an Opus packet from Chrome: extmap id 1 = ssrc-audio-level */
  const uint8_t pkt[] = {0x90, 0x6f, 0x12, 0x34, 0, 0, 0x03, 0xc0, 0x11, 0x22, 0x33, 0x44,
                         0xbe, 0xde, 0x00, 0x01, 0x10, 0x9e, 0x00, 0x00, 0xfc, 0xff, 0xfe};
  uint8_t *b = g_memdup2(pkt, sizeof pkt);
  RtpView rv;
  g_assert_cmpint(rtp_parse(b, sizeof pkt, &rv), ==, RTP_OK);
  g_assert_true(rtp_ext_audio_level(b, &rv, 1, &v, &l));
  g_assert_true(v);
  g_assert_cmpuint(l, ==, 30);
  RtpExtElement el;
  g_assert_true(rtp_ext_find(b, &rv, 1, &el));
  g_assert_true(audio_level_parse(b + el.offset, el.len, &v, &l));
  g_assert_cmpuint(l, ==, 30);
  g_free(b);
}

static void test_tracker(void) {
  AudioLevelTracker t;
  audio_level_tracker_init(&t, 0, 0);
  g_assert_cmpint(t.window_us, ==, 300 * MS);
  g_assert_cmpuint(t.threshold, ==, 77);
  g_assert_false(audio_level_tracker_speaking(&t, 0));
  /* silence, 20 ms packets */
  for (int i = 0; i < 50; i++) audio_level_tracker_update(&t, 127, i * 20 * MS);
  g_assert_cmpfloat(audio_level_tracker_loudness(&t, 980 * MS), <, 0.001);
  /* someone speaks at -20 dBov: after 3 time constants we are within 5% */
  int64_t now = 1000 * MS;
  for (int i = 0; i < 45; i++, now += 20 * MS) audio_level_tracker_update(&t, 20, now);
  double loud = audio_level_tracker_loudness(&t, now - 20 * MS);
  g_assert_cmpfloat(loud, >, 107.0 * 0.95);
  g_assert_cmpfloat(loud, <=, 107.0);
  g_assert_true(audio_level_tracker_speaking(&t, now - 20 * MS));
  /* packets stop (DTX / muted): the value decays with the time constant */
  double later = audio_level_tracker_loudness(&t, now - 20 * MS + 300 * MS);
  g_assert_cmpfloat(fabs(later - loud * exp(-1.0)), <, 0.01);
  g_assert_false(audio_level_tracker_speaking(&t, now + 300 * MS));
  /* a single loud packet does not make a speaker */
  AudioLevelTracker u;
  audio_level_tracker_init(&u, 300 * MS, 77);
  audio_level_tracker_update(&u, 127, 0);
  audio_level_tracker_update(&u, 0, 20 * MS);
  g_assert_false(audio_level_tracker_speaking(&u, 20 * MS));
  /* out-of-range levels are clamped */
  audio_level_tracker_update(&u, 200, 40 * MS);
  g_assert_cmpfloat(audio_level_tracker_loudness(&u, 40 * MS), >=, 0.0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/audio_level/parse", test_parse);
  g_test_add_func("/sfu/audio_level/tracker", test_tracker);
  return g_test_run();
}
