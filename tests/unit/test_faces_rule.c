/* The unexpected-person alert rule (common/faces_rule.c): sustained excess
 * raises once, a noisy frame never does, an alert re-arms only after the
 * excess has gone, gaps forget the window, bad input is clamped or ignored.
 * The same rule over the labelled clip set: `make bench-faces`. */
#include <glib.h>

#include "faces_rule.h"

typedef struct {
  FacesRuleConfig c;
  FacesRuleState s;
} Fx;

static void fx_init(Fx *f) {
  faces_rule_defaults(&f->c);
  faces_rule_init(&f->s);
}

/* Feeds `faces` at 5 reports a second from t to t+dur (exclusive); returns
 * the time of the first RAISE (or -1), counts raises and rearms. */
static int64_t feed(Fx *f, int64_t t, int64_t dur, int faces, int booked, int *raises, int *rearms) {
  int64_t first = -1;
  for (int64_t now = t; now < t + dur; now += 200) {
    FacesVerdict v = faces_rule_step(&f->s, &f->c, now, faces, booked);
    if (v == FACES_RAISE) {
      if (first < 0) first = now;
      if (raises) (*raises)++;
    }
    if (v == FACES_REARM && rearms) (*rearms)++;
  }
  return first;
}

static void test_defaults_valid(void) {
  FacesRuleConfig c;
  faces_rule_defaults(&c);
  const char *why = "x";
  g_assert_true(faces_rule_config_valid(&c, &why));
  g_assert_null(why);
  c.over_pct = 0;
  g_assert_false(faces_rule_config_valid(&c, &why));
  g_assert_nonnull(why);
  faces_rule_defaults(&c);
  c.min_reports = 65;
  g_assert_false(faces_rule_config_valid(&c, NULL));
  faces_rule_defaults(&c);
  c.window_ms = 100;
  g_assert_false(faces_rule_config_valid(&c, NULL));
  faces_rule_defaults(&c);
  c.clear_ms = 0;
  g_assert_false(faces_rule_config_valid(&c, NULL));
  faces_rule_defaults(&c);
  c.gap_ms = 100000;
  g_assert_false(faces_rule_config_valid(&c, NULL));
}

static void test_one_face_never(void) {
  Fx f;
  fx_init(&f);
  int raises = 0;
  g_assert_cmpint(feed(&f, 0, 60000, 1, 1, &raises, NULL), ==, -1);
  g_assert_cmpint(raises, ==, 0);
  /* nobody on camera is not an alert either */
  g_assert_cmpint(feed(&f, 60000, 10000, 0, 1, &raises, NULL), ==, -1);
}

static void test_two_faces_raise_once_after_window(void) {
  Fx f;
  fx_init(&f);
  int raises = 0;
  int64_t at = feed(&f, 1000, 30000, 2, 1, &raises, NULL);
  /* not before the window is covered, well within 10 s */
  g_assert_cmpint(at, >=, 1000 + 2700);
  g_assert_cmpint(at, <=, 1000 + 3200);
  g_assert_cmpint(raises, ==, 1);
}

static void test_booked_two_sees_two(void) {
  Fx f;
  fx_init(&f);
  int raises = 0;
  feed(&f, 0, 20000, 2, 2, &raises, NULL);
  g_assert_cmpint(raises, ==, 0);
  feed(&f, 20000, 10000, 3, 2, &raises, NULL);
  g_assert_cmpint(raises, ==, 1);
}

static void test_noisy_frames_do_not_raise(void) {
  Fx f;
  fx_init(&f);
  /* every third report sees a second face (a poster flickering in and out):
   * 33% < 70% */
  for (int64_t now = 0; now < 60000; now += 200) {
    int faces = (now / 200) % 3 == 0 ? 2 : 1;
    g_assert_cmpint(faces_rule_step(&f.s, &f.c, now, faces, 1), !=, FACES_RAISE);
  }
  /* a single burst shorter than the window */
  fx_init(&f);
  g_assert_cmpint(feed(&f, 0, 1800, 3, 1, NULL, NULL), ==, -1);
  g_assert_cmpint(feed(&f, 1800, 10000, 1, 1, NULL, NULL), ==, -1);
}

static void test_rearm_after_clear(void) {
  Fx f;
  fx_init(&f);
  int raises = 0, rearms = 0;
  feed(&f, 0, 10000, 2, 1, &raises, &rearms);
  g_assert_cmpint(raises, ==, 1);
  /* the second person leaves for less than clear_ms and comes back: the same
   * alert, nothing new */
  feed(&f, 10000, 10000, 1, 1, &raises, &rearms);
  feed(&f, 20000, 5000, 2, 1, &raises, &rearms);
  g_assert_cmpint(raises, ==, 1);
  g_assert_cmpint(rearms, ==, 0);
  /* gone for longer than clear_ms: rearmed, and a new excess raises again */
  feed(&f, 25000, 16000, 1, 1, &raises, &rearms);
  g_assert_cmpint(rearms, ==, 1);
  feed(&f, 41000, 5000, 2, 1, &raises, &rearms);
  g_assert_cmpint(raises, ==, 2);
}

static void test_gap_forgets_window(void) {
  Fx f;
  fx_init(&f);
  /* 2.6 s of excess, then the analyser is away for 5 s: the next 1 s of
   * excess alone must not raise */
  g_assert_cmpint(feed(&f, 0, 2600, 2, 1, NULL, NULL), ==, -1);
  g_assert_cmpint(feed(&f, 7600, 1000, 2, 1, NULL, NULL), ==, -1);
  /* but sustained excess after the gap does */
  g_assert_cmpint(feed(&f, 8600, 5000, 2, 1, NULL, NULL), >, 0);
}

static void test_bad_input(void) {
  Fx f;
  fx_init(&f);
  /* booked 0 or negative counts as 1; negative faces as 0 */
  int raises = 0;
  feed(&f, 0, 10000, 1, 0, &raises, NULL);
  feed(&f, 10000, 10000, -5, -1, &raises, NULL);
  g_assert_cmpint(raises, ==, 0);
  /* reports out of order are ignored */
  feed(&f, 20000, 10000, 2, 1, &raises, NULL);
  g_assert_cmpint(raises, ==, 1);
  g_assert_cmpint(faces_rule_step(&f.s, &f.c, 100, 9, 1), ==, FACES_NOTHING);
  /* a flood of reports at one instant fills the ring without overflow and
   * never covers a window */
  fx_init(&f);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpint(faces_rule_step(&f.s, &f.c, 5000, 4, 1), ==, FACES_NOTHING);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/faces_rule/defaults_valid", test_defaults_valid);
  g_test_add_func("/faces_rule/one_face_never", test_one_face_never);
  g_test_add_func("/faces_rule/two_faces_raise_once", test_two_faces_raise_once_after_window);
  g_test_add_func("/faces_rule/booked_two", test_booked_two_sees_two);
  g_test_add_func("/faces_rule/noisy_frames", test_noisy_frames_do_not_raise);
  g_test_add_func("/faces_rule/rearm_after_clear", test_rearm_after_clear);
  g_test_add_func("/faces_rule/gap_forgets_window", test_gap_forgets_window);
  g_test_add_func("/faces_rule/bad_input", test_bad_input);
  return g_test_run();
}
