/* sfu/core/speaker_detector: from RFC 6464 levels every 20 ms to
 * started/stopped/active-changed events: a click is not a speaker, pauses
 * between words do not end a turn, the minimum hold, DTX silence ends it,
 * the active speaker changes only with a margin after its hold (at once when
 * the current one stops), the V flag with use_vad, removal, a full event
 * array, and bad input. Levels are -dBov: 127 silence, 30 loud speech. */
#include <glib.h>

#include "core/speaker_detector.h"

#define MS ((int64_t)1000)

typedef struct {
  SpeakerDetector d;
  GArray *log; /* "t_ms kind key" strings as gchar* */
} Room;

static void record(Room *r, int64_t t, SpeakerEvent *ev, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char *s = g_strdup_printf("%" G_GINT64_FORMAT " %s %u", t / MS,
                              ev[i].kind == SPEAKER_EV_STARTED   ? "start"
                              : ev[i].kind == SPEAKER_EV_STOPPED ? "stop"
                                                                 : "active",
                              ev[i].key);
    g_array_append_val(r->log, s);
  }
}

/* levels(key, t) gives the level for each participant at time t, or -1 for
 * no packet (DTX / muted). Packets every 20 ms, poll every 100 ms. */
typedef int (*LevelFn)(uint32_t key, int64_t t);

static void run(Room *r, LevelFn fn, uint32_t nkeys, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += 20 * MS) {
    for (uint32_t k = 1; k <= nkeys; k++) {
      int l = fn(k, t);
      if (l >= 0) speaker_detector_on_level(&r->d, k, (uint8_t)l, true, t);
    }
    if (t % (100 * MS) == 0) {
      SpeakerEvent ev[8];
      size_t n = speaker_detector_poll(&r->d, t, ev, 8);
      record(r, t, ev, n);
    }
  }
}

static void room_init(Room *r, uint32_t n) {
  speaker_detector_init(&r->d, NULL);
  r->log = g_array_new(FALSE, FALSE, sizeof(char *));
  for (uint32_t k = 1; k <= n; k++) g_assert_true(speaker_detector_add(&r->d, k));
}

static char *joined(Room *r) {
  GString *s = g_string_new("");
  for (guint i = 0; i < r->log->len; i++) {
    if (i) g_string_append(s, "; ");
    g_string_append(s, g_array_index(r->log, char *, i));
    g_free(g_array_index(r->log, char *, i));
  }
  g_array_free(r->log, TRUE);
  return g_string_free(s, FALSE);
}

/* 1 speaks 0-3 s with a 300 ms pause at 1.5 s; 2 only clicks at 1 s. */
static int lv_turn(uint32_t k, int64_t t) {
  if (k == 1) {
    if (t < 3000 * MS && !(t >= 1500 * MS && t < 1800 * MS)) return 35;
    return 127;
  }
  if (t >= 1000 * MS && t < 1040 * MS) return 5; /* a loud click */
  return 127;
}

static void test_turn_pause_click(void) {
  Room r;
  room_init(&r, 2);
  run(&r, lv_turn, 2, 0, 6000 * MS);
  char *s = joined(&r);
  g_test_message("%s", s);
  /* starts after >= 150 ms above threshold, the 300 ms pause does not stop
   * it, stops ~600 ms after 3 s; the click never starts participant 2 */
  g_assert_cmpstr(s, ==, "300 start 1; 300 active 1; 3700 stop 1");
  g_free(s);
  g_assert_cmpuint(speaker_detector_active(&r.d), ==, 1); /* last speaker stays */
}

/* 1 speaks 0-6 s at 40; 2 speaks 2-8 s at 30 (10 dB louder); 3 speaks
 * 9-12 s barely louder than threshold. */
static int lv_overlap(uint32_t k, int64_t t) {
  if (k == 1) return t < 6000 * MS ? 40 : 127;
  if (k == 2) return (t >= 2000 * MS && t < 8000 * MS) ? 30 : 127;
  return (t >= 9000 * MS && t < 12000 * MS) ? 45 : 127;
}

static void test_active_switch(void) {
  Room r;
  room_init(&r, 3);
  run(&r, lv_overlap, 3, 0, 14000 * MS);
  char *s = joined(&r);
  g_test_message("%s", s);
  /* the quieter the speech, the longer the attack takes to cross the
   * threshold (level 30: 300 ms, 40 and 45: 400 ms); 2 is louder by 10 dB
   * and 1 has been active > 1.5 s: 2 takes over when it starts; each turn
   * ends 700 ms after the speech (release, then 600 ms below); 3 becomes
   * active on its own (2 stopped and is the last one until then) */
  g_assert_cmpstr(s, ==,
                  "400 start 1; 400 active 1; 2300 start 2; 2300 active 2; 6700 stop 1; 8700 stop 2; "
                  "9400 start 3; 9400 active 3; 12700 stop 3");
  g_free(s);
}

/* 2 starts louder right after 1 became active: waits for 1's hold. */
static int lv_hold(uint32_t k, int64_t t) {
  if (k == 1) return t < 5000 * MS ? 40 : 127;
  return (t >= 300 * MS && t < 5000 * MS) ? 20 : 127;
}

static void test_active_hold(void) {
  Room r;
  room_init(&r, 2);
  run(&r, lv_hold, 2, 0, 3000 * MS);
  char *s = joined(&r);
  g_test_message("%s", s);
  g_assert_cmpstr(s, ==, "400 start 1; 400 active 1; 600 start 2; 1900 active 2" /* 400 + 1.5 s hold */);
  g_free(s);
}

/* DTX: packets simply stop; the loudness decays and the turn ends. */
static int lv_dtx(uint32_t k, int64_t t) { return t < 2000 * MS ? 30 : -1; }

static void test_dtx_and_min_hold(void) {
  Room r;
  room_init(&r, 1);
  run(&r, lv_dtx, 1, 0, 5000 * MS);
  char *s = joined(&r);
  g_test_message("%s", s);
  g_assert_cmpstr(s, ==, "300 start 1; 300 active 1; 2800 stop 1"); /* 100 ms grace, decay, 600 ms */
  g_free(s);
  /* a short burst (400 ms) still counts as a 1 s turn (minimum hold) */
  room_init(&r, 1);
  for (int64_t t = 0; t < 400 * MS; t += 20 * MS) speaker_detector_on_level(&r.d, 1, 30, true, t);
  SpeakerEvent ev[4];
  g_assert_cmpuint(speaker_detector_poll(&r.d, 100 * MS, ev, 4), ==, 0);
  g_assert_cmpuint(speaker_detector_poll(&r.d, 300 * MS, ev, 4), ==, 2);
  g_assert_cmpuint(speaker_detector_poll(&r.d, 700 * MS, ev, 4), ==, 0);  /* below from here */
  g_assert_cmpuint(speaker_detector_poll(&r.d, 1300 * MS, ev, 4), ==, 1); /* 600 ms below, 1 s turn */
  g_assert_cmpint(ev[0].kind, ==, SPEAKER_EV_STOPPED);
  /* the same with polls making "below" start early: the 1 s hold decides */
  room_init(&r, 1);
  for (int64_t t = 0; t < 200 * MS; t += 20 * MS) speaker_detector_on_level(&r.d, 1, 30, true, t);
  g_assert_cmpuint(speaker_detector_poll(&r.d, 20 * MS, ev, 4), ==, 0);
  g_assert_cmpuint(speaker_detector_poll(&r.d, 180 * MS, ev, 4), ==, 2);
  g_assert_cmpuint(speaker_detector_poll(&r.d, 500 * MS, ev, 4), ==, 0);  /* below since 500 */
  g_assert_cmpuint(speaker_detector_poll(&r.d, 1150 * MS, ev, 4), ==, 0); /* 650 ms below, turn 970 ms */
  g_assert_cmpuint(speaker_detector_poll(&r.d, 1180 * MS, ev, 4), ==, 1);
  g_array_free(r.log, TRUE);
}

static void test_vad_remove_full_bad(void) {
  SpeakerConfig c = {.use_vad = true};
  SpeakerDetector d;
  speaker_detector_init(&d, &c);
  g_assert_true(speaker_detector_add(&d, 7));
  g_assert_false(speaker_detector_add(&d, 7));
  g_assert_false(speaker_detector_add(&d, 0));
  /* loud but V=0 (noise, not voice): never speaking with use_vad */
  for (int64_t t = 0; t < 2000 * MS; t += 20 * MS) speaker_detector_on_level(&d, 7, 20, false, t);
  SpeakerEvent ev[4];
  g_assert_cmpuint(speaker_detector_poll(&d, 2000 * MS, ev, 4), ==, 0);
  for (int64_t t = 2000 * MS; t < 2400 * MS; t += 20 * MS) speaker_detector_on_level(&d, 7, 20, true, t);
  g_assert_cmpuint(speaker_detector_poll(&d, 2200 * MS, ev, 4), ==, 0); /* above from here */
  /* events do not fit: nothing lost, they come at the next poll */
  g_assert_cmpuint(speaker_detector_poll(&d, 2400 * MS, ev, 0), ==, 0);
  g_assert_cmpuint(speaker_detector_poll(&d, 2400 * MS, ev, 1), ==, 1);
  g_assert_cmpint(ev[0].kind, ==, SPEAKER_EV_STARTED);
  g_assert_cmpuint(speaker_detector_poll(&d, 2400 * MS, ev, 4), ==, 1);
  g_assert_cmpint(ev[0].kind, ==, SPEAKER_EV_ACTIVE_CHANGED);
  g_assert_cmpuint(ev[0].key, ==, 7);
  /* removing the active speaker reports nobody active */
  g_assert_true(speaker_detector_remove(&d, 7));
  g_assert_false(speaker_detector_remove(&d, 7));
  g_assert_cmpuint(speaker_detector_poll(&d, 2500 * MS, ev, 4), ==, 1);
  g_assert_cmpint(ev[0].kind, ==, SPEAKER_EV_ACTIVE_CHANGED);
  g_assert_cmpuint(ev[0].key, ==, 0);
  g_assert_cmpuint(speaker_detector_poll(&d, 2600 * MS, ev, 4), ==, 0);
  /* full table, unknown keys, out-of-range level, NULLs */
  for (uint32_t k = 1; k <= SPEAKER_MAX; k++) g_assert_true(speaker_detector_add(&d, k));
  g_assert_false(speaker_detector_add(&d, 999));
  g_assert_false(speaker_detector_on_level(&d, 999, 10, true, 0));
  g_assert_true(speaker_detector_on_level(&d, 1, 200, true, 0));
  g_assert_cmpfloat(speaker_detector_loudness(&d, 1, 0), ==, 0);
  g_assert_false(speaker_detector_on_level(NULL, 1, 10, true, 0));
  g_assert_cmpuint(speaker_detector_poll(NULL, 0, ev, 4), ==, 0);
  g_assert_cmpuint(speaker_detector_poll(&d, 0, NULL, 4), ==, 0);
  g_assert_false(speaker_detector_is_speaking(&d, 999));
  g_assert_cmpuint(speaker_detector_active(NULL), ==, 0);
  /* thresholds: off above on is lowered */
  SpeakerConfig c2 = {.on_threshold = 60, .off_threshold = 90};
  speaker_detector_init(&d, &c2);
  g_assert_cmpuint(d.cfg.off_threshold, ==, 60);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/speaker_detector/turn_pause_click", test_turn_pause_click);
  g_test_add_func("/sfu/speaker_detector/active_switch", test_active_switch);
  g_test_add_func("/sfu/speaker_detector/active_hold", test_active_hold);
  g_test_add_func("/sfu/speaker_detector/dtx_and_min_hold", test_dtx_and_min_hold);
  g_test_add_func("/sfu/speaker_detector/vad_remove_full_bad", test_vad_remove_full_bad);
  return g_test_run();
}
