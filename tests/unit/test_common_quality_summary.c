/* The plain-words quality summary (common/quality_summary.c) and the
 * client's stats report as signalling reads and keeps it
 * (signalling/sig_quality.c). */
#include <glib.h>
#include <string.h>

#include "quality_summary.h"
#include "sig_quality.h"

static QualitySample clear10 = {.dur_s = 10, .height = 480, .fps = 30, .freezes = 0,
                                .loss_permille = 5};

static void test_all_clear_hour(void) {
  QualitySample s[360];
  for (int i = 0; i < 360; i++) s[i] = clear10;
  QualitySummary out;
  g_assert_cmpint(quality_summarize(s, 360, 0, 0, &out), ==, 0);
  g_assert_cmpint(out.minutes, ==, 60);
  g_assert_cmpint(out.clear_minutes, ==, 60);
  g_assert_cmpint(out.drops, ==, 0);
}

static void test_55_of_60_two_drops(void) {
  QualitySample s[360];
  for (int i = 0; i < 360; i++) s[i] = clear10;
  /* 30 samples (5 minutes) each spoiled a different way */
  for (int i = 0; i < 30; i++) {
    QualitySample *x = &s[100 + i];
    switch (i % 4) {
    case 0: x->height = 180; break;
    case 1: x->fps = 8; break;
    case 2: x->freezes = 1; break;
    default: x->loss_permille = 80; break;
    }
  }
  QualitySummary out;
  g_assert_cmpint(quality_summarize(s, 360, 1, 1, &out), ==, 0);
  g_assert_cmpint(out.minutes, ==, 60);
  g_assert_cmpint(out.clear_minutes, ==, 55);
  g_assert_cmpint(out.drops, ==, 2);
}

static void test_edges(void) {
  QualitySummary out;
  g_assert_cmpint(quality_summarize(NULL, 0, 0, 0, &out), ==, 0);
  g_assert_cmpint(out.minutes, ==, 0);
  g_assert_cmpint(out.clear_minutes, ==, 0);
  g_assert_cmpint(quality_summarize(NULL, 0, -1, 0, &out), ==, -1);
  g_assert_cmpint(quality_summarize(NULL, 0, 0, 0, NULL), ==, -1);
  /* exactly at the thresholds: clear; just under: not */
  QualitySample t = {.dur_s = 60, .height = QUALITY_CLEAR_HEIGHT, .fps = QUALITY_CLEAR_FPS,
                     .loss_permille = QUALITY_CLEAR_LOSS_PERMILLE - 1};
  g_assert_true(quality_sample_clear(&t));
  t.loss_permille = QUALITY_CLEAR_LOSS_PERMILLE;
  g_assert_false(quality_sample_clear(&t));
  /* an unknown picture is not clear; zero-length samples count for nothing */
  QualitySample u[2] = {{.dur_s = 60}, {.dur_s = 0, .height = 720, .fps = 30}};
  g_assert_cmpint(quality_summarize(u, 2, 0, 0, &out), ==, 0);
  g_assert_cmpint(out.minutes, ==, 1);
  g_assert_cmpint(out.clear_minutes, ==, 0);
  /* rounding never makes clear exceed the whole */
  QualitySample r[2] = {{.dur_s = 29, .height = 720, .fps = 30}, {.dur_s = 1, .height = 720, .fps = 30}};
  r[0].dur_s = 89; /* 1.48 min clear, 1.5 min total -> 1 of 2? total rounds to 2, clear to 1 */
  g_assert_cmpint(quality_summarize(r, 2, 0, 0, &out), ==, 0);
  g_assert_cmpint(out.clear_minutes, <=, out.minutes);
}

static void test_summarize_json(void) {
  json_t *r = json_pack("{s:[{s:i,s:i,s:i,s:i,s:i},{s:i,s:i,s:i,s:i,s:i},{s:s}], s:i, s:i}",
                        "samples", "d", 60, "h", 480, "fps", 30, "freezes", 0, "loss", 0, "d", 60,
                        "h", 480, "fps", 30, "freezes", 2, "loss", 0, "d", "x", "reconnections",
                        2, "ice_restarts", 1);
  QualitySummary out;
  g_assert_cmpint(quality_summarize_json(r, &out), ==, 0);
  g_assert_cmpint(out.minutes, ==, 2);
  g_assert_cmpint(out.clear_minutes, ==, 1);
  g_assert_cmpint(out.drops, ==, 3);
  json_decref(r);
  /* bad figures are unknown, never clear: a missing freezes/loss is not "none" */
  r = json_pack("{s:[{s:i,s:i,s:i}]}", "samples", "d", 60, "h", 480, "fps", 30);
  g_assert_cmpint(quality_summarize_json(r, &out), ==, 0);
  g_assert_cmpint(out.clear_minutes, ==, 0);
  json_decref(r);
  json_t *a = json_array();
  g_assert_cmpint(quality_summarize_json(a, &out), ==, -1);
  json_decref(a);
}

static json_t *good_stats(void) {
  return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b}", "type", "stats",
                   "interval_s", 10, "width", 640, "height", 480, "fps", 30, "frames_decoded",
                   300, "freezes", 0, "loss_permille", 12, "rtt_ms", 40, "kbps", 800,
                   "first_frame_ms", 900, "relay", 1);
}

static void test_parse_good_and_bad(void) {
  SigQualitySample s;
  int ff = 0, relay = 0;
  char err[160];
  json_t *m = good_stats();
  g_assert_cmpint(sig_quality_parse(m, &s, &ff, &relay, err, sizeof err), ==, 0);
  g_assert_cmpint(s.d, ==, 10);
  g_assert_cmpint(s.h, ==, 480);
  g_assert_cmpint(s.loss, ==, 12);
  g_assert_cmpint(ff, ==, 900);
  g_assert_cmpint(relay, ==, 1);
  /* optional fields absent */
  json_object_del(m, "first_frame_ms");
  json_object_del(m, "relay");
  g_assert_cmpint(sig_quality_parse(m, &s, &ff, &relay, err, sizeof err), ==, 0);
  g_assert_cmpint(ff, ==, -1);
  g_assert_cmpint(relay, ==, -1);
  json_decref(m);
  /* each bad input is refused and named */
  struct {
    const char *key;
    json_t *val;
    const char *names;
  } bad[] = {
      {"interval_s", json_integer(0), "interval_s"},  {"interval_s", json_integer(61), "interval_s"},
      {"height", json_integer(-1), "height"},         {"height", json_string("480"), "height"},
      {"fps", json_integer(241), "fps"},              {"freezes", json_real(1.5), "freezes"},
      {"loss_permille", json_integer(1001), "loss"},  {"rtt_ms", json_null(), "rtt_ms"},
      {"kbps", json_integer(100001), "kbps"},         {"relay", json_string("yes"), "relay"},
      {"frames_decoded", json_integer(1LL << 40), "frames"},
      {"colour", json_string("x"), "unknown"},        {"first_frame_ms", json_integer(-5), "first"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    m = good_stats();
    json_object_set_new(m, bad[i].key, bad[i].val);
    err[0] = 0;
    g_assert_cmpint(sig_quality_parse(m, &s, &ff, &relay, err, sizeof err), ==, -1);
    g_assert_nonnull(strstr(err, bad[i].names));
    json_decref(m);
  }
  /* a required field missing */
  m = good_stats();
  json_object_del(m, "fps");
  g_assert_cmpint(sig_quality_parse(m, &s, &ff, &relay, err, sizeof err), ==, -1);
  json_decref(m);
}

static void test_accumulate_bounded(void) {
  SigQuality *q = sig_quality_new(1000000);
  SigQualitySample s = {.d = 10, .w = 640, .h = 480, .fps = 30, .kbps = 800};
  /* too frequent reports are refused */
  g_assert_cmpint(sig_quality_add(q, 1010000, &s, 700, 0), ==, 0);
  g_assert_cmpint(sig_quality_add(q, 1011000, &s, -1, -1), ==, -1);
  g_assert_cmpint(q->refused, ==, 1);
  /* two hours of reports: memory stays bounded, the span is kept */
  gint64 t = 1010000;
  for (int i = 0; i < 719; i++) {
    t += 10000;
    SigQualitySample x = s;
    if (i == 500) x.h = 180; /* one bad sample survives merging as the worst */
    g_assert_cmpint(sig_quality_add(q, t, &x, 5, 1), ==, 0);
  }
  g_assert_cmpuint(q->n, <=, SIG_QUALITY_MAX_SAMPLES);
  g_assert_cmpint(q->first_frame_ms, ==, 700); /* the first one counts */
  q->reconnections = 1;
  json_t *r = sig_quality_report(q, "visitor-3", 1000, 8200);
  g_assert_cmpstr(json_string_value(json_object_get(r, "participant")), ==, "visitor-3");
  json_t *sum = json_object_get(r, "summary");
  g_assert_cmpint(json_integer_value(json_object_get(sum, "minutes")), ==, 120);
  int clear = (int)json_integer_value(json_object_get(sum, "clear_minutes"));
  g_assert_cmpint(clear, <=, 120);
  g_assert_cmpint(clear, >=, 119);
  int worst = 8192;
  json_t *w;
  size_t j;
  json_array_foreach(json_object_get(r, "samples"), j, w) {
    int h = (int)json_integer_value(json_object_get(w, "h"));
    if (h < worst) worst = h;
  }
  g_assert_cmpint(worst, ==, 180); /* the bad sample was merged, not lost */
  g_assert_cmpint(json_integer_value(json_object_get(sum, "drops")), ==, 1);
  g_assert_true(json_is_true(json_object_get(r, "relay")));
  g_assert_cmpint(json_integer_value(json_object_get(r, "left_at")), ==, 8200);
  long long total = 0;
  json_t *v;
  size_t i;
  json_array_foreach(json_object_get(r, "samples"), i, v) total +=
      json_integer_value(json_object_get(v, "d"));
  g_assert_cmpint(total, ==, 7200);
  json_decref(r);
  sig_quality_free(q);
}

static json_t *sfu_stats(long long sub_bytes, long long packets, long long lost) {
  return json_pack("{s:s, s:I, s:{s:i}, s:{s:I}, s:{s:I}, s:[{s:s, s:I, s:I}]}", "type", "result",
                   "subscriber_estimate_bps", (json_int_t)1160000, "bwe", "rtt_ms", 12,
                   "publisher", "bytes_in", (json_int_t)(sub_bytes / 2), "subscriber",
                   "bytes_out", (json_int_t)sub_bytes, "tracks", "kind", "video", "packets",
                   (json_int_t)packets, "lost", (json_int_t)lost);
}

static void test_sfu_samples(void) {
  SigQuality *q = sig_quality_new(0);
  json_t *a = sfu_stats(0, 0, 0), *b = sfu_stats(1250000, 950, 50), *c = sfu_stats(10, 5, 0);
  g_assert_cmpint(sig_quality_add_sfu(q, 10000, a), ==, 0);
  g_assert_cmpuint(q->sfu_n, ==, 0); /* the first only sets the totals */
  g_assert_cmpint(sig_quality_add_sfu(q, 20000, b), ==, 0);
  g_assert_cmpuint(q->sfu_n, ==, 1);
  g_assert_cmpint(q->sfu[0].d, ==, 10);
  g_assert_cmpint(q->sfu[0].sent_kbps, ==, 1000); /* 1.25 MB in 10 s */
  g_assert_cmpint(q->sfu[0].recv_kbps, ==, 500);
  g_assert_cmpint(q->sfu[0].up_loss, ==, 50);     /* 50 of 1000 */
  g_assert_cmpint(q->sfu[0].rtt_ms, ==, 12);
  g_assert_cmpint(q->sfu[0].estimate_kbps, ==, 1160);
  /* counters that went back (a media reset): totals restart, no sample */
  g_assert_cmpint(sig_quality_add_sfu(q, 30000, c), ==, 0);
  g_assert_cmpuint(q->sfu_n, ==, 1);
  /* not a participant_stats result: refused, nothing changed */
  json_t *bad = json_pack("{s:s}", "type", "error");
  g_assert_cmpint(sig_quality_add_sfu(q, 40000, bad), ==, -1);
  g_assert_cmpint(q->sfu_last_ms, ==, 30000);
  /* bounded over a long call */
  for (int i = 1; i <= 800; i++) {
    json_t *x = sfu_stats(10 + i * 1000LL, 5 + i, 0);
    g_assert_cmpint(sig_quality_add_sfu(q, 30000 + i * 10000LL, x), ==, 0);
    json_decref(x);
  }
  g_assert_cmpuint(q->sfu_n, <=, SIG_QUALITY_MAX_SAMPLES);
  json_t *r = sig_quality_report(q, "prisoner-1", 0, 8000);
  g_assert_cmpuint(json_array_size(json_object_get(r, "sfu")), ==, q->sfu_n);
  json_decref(r);
  json_decref(a);
  json_decref(b);
  json_decref(c);
  json_decref(bad);
  sig_quality_free(q);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/quality/summary/all_clear_hour", test_all_clear_hour);
  g_test_add_func("/quality/summary/55_of_60_two_drops", test_55_of_60_two_drops);
  g_test_add_func("/quality/summary/edges", test_edges);
  g_test_add_func("/quality/summary/json", test_summarize_json);
  g_test_add_func("/quality/client_stats/parse", test_parse_good_and_bad);
  g_test_add_func("/quality/client_stats/bounded", test_accumulate_bounded);
  g_test_add_func("/quality/sfu/samples", test_sfu_samples);
  return g_test_run();
}
