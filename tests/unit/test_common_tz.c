/* common/tz: TZif zones read once, conversions as pure functions. Known
 * transitions of Europe/London (both daylight-saving changes, the rule in
 * the footer and the table of old ones), a southern zone, a zone with no
 * DST, the gap and fold rules, names and bad data; and GLib's GTimeZone (an
 * independent reader of the same files) as an oracle over twenty years. */
#include <glib.h>
#include <string.h>

#include "timeutil.h"
#include "tz.h"

static int64_t at(const char *iso) {
  int64_t t;
  g_assert_cmpint(time_parse_iso8601(iso, &t), ==, 0);
  return t;
}

static int64_t local_of(int y, int m, int d, int hh, int mm) {
  return tz_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static const Tz *zone(const char *name) {
  char err[200];
  const Tz *tz = tz_get(name, err, sizeof err);
  if (!tz) g_error("%s: %s", name, err);
  return tz;
}

static void test_calendar(void) {
  g_assert_cmpint(tz_days_from_civil(1970, 1, 1), ==, 0);
  g_assert_cmpint(tz_days_from_civil(2000, 3, 1), ==, 11017);
  g_assert_cmpint(tz_days_from_civil(1969, 12, 31), ==, -1);
  for (int64_t d = -800000; d < 800000; d += 997) {
    int y, m, dd;
    tz_civil_from_days(d, &y, &m, &dd);
    g_assert_cmpint(tz_days_from_civil(y, m, dd), ==, d);
  }
  g_assert_cmpint(tz_iso_weekday(tz_days_from_civil(2027, 3, 28)), ==, 7); /* a Sunday */
  g_assert_cmpint(tz_iso_weekday(tz_days_from_civil(2026, 11, 23)), ==, 1); /* a Monday */
  g_assert_cmpint(tz_iso_weekday(-1), ==, 3);                               /* 1969-12-31 */
}

static void test_london_transitions(void) {
  const Tz *ldn = zone("Europe/London");
  g_assert_cmpstr(tz_name(ldn), ==, "Europe/London");
  int dst;
  /* 2027: BST from 01:00Z on 28 March to 01:00Z on 31 October. */
  g_assert_cmpint(tz_offset_at(ldn, at("2027-03-28T00:59:59Z"), &dst), ==, 0);
  g_assert_false(dst);
  g_assert_cmpint(tz_offset_at(ldn, at("2027-03-28T01:00:00Z"), &dst), ==, 3600);
  g_assert_true(dst);
  g_assert_cmpint(tz_offset_at(ldn, at("2027-10-31T00:59:59Z"), NULL), ==, 3600);
  g_assert_cmpint(tz_offset_at(ldn, at("2027-10-31T01:00:00Z"), NULL), ==, 0);
  /* 2026: 29 March and 25 October. */
  g_assert_cmpint(tz_offset_at(ldn, at("2026-03-29T01:00:00Z"), NULL), ==, 3600);
  g_assert_cmpint(tz_offset_at(ldn, at("2026-10-25T01:00:00Z"), NULL), ==, 0);
  /* From the file's table, not the rule: British Standard Time, +1 all
   * year from 1968 to 1971; and 1990 (changes on 25 March / 28 October). */
  g_assert_cmpint(tz_offset_at(ldn, at("1970-12-01T12:00:00Z"), NULL), ==, 3600);
  g_assert_cmpint(tz_offset_at(ldn, at("1990-03-25T00:59:59Z"), NULL), ==, 0);
  g_assert_cmpint(tz_offset_at(ldn, at("1990-03-25T01:00:00Z"), NULL), ==, 3600);
  /* Far ahead, still the rule. */
  g_assert_cmpint(tz_offset_at(ldn, at("2099-07-01T12:00:00Z"), NULL), ==, 3600);
  g_assert_cmpint(tz_offset_at(ldn, at("2099-12-01T12:00:00Z"), NULL), ==, 0);
}

static void test_wall_clock(void) {
  const Tz *ldn = zone("Europe/London");
  TzLocalKind k;
  /* An ordinary summer morning: 09:00 BST is 08:00Z. */
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 7, 1, 9, 0), &k), ==, at("2027-07-01T08:00:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_EXACT);
  /* The day the clocks go forward, 09:00 is BST already. */
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 3, 28, 9, 0), &k), ==, at("2027-03-28T08:00:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_EXACT);
  /* 00:59 is still GMT. */
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 3, 28, 0, 59), &k), ==, at("2027-03-28T00:59:00Z"));
  /* The missing hour: 01:00 and 01:30 do not exist; shifted forward by the
   * gap (02:00 and 02:30 BST). */
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 3, 28, 1, 30), &k), ==, at("2027-03-28T02:30:00+01:00"));
  g_assert_cmpint(k, ==, TZ_LOCAL_GAP);
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 3, 28, 1, 0), &k), ==, at("2027-03-28T01:00:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_GAP);
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 3, 28, 2, 0), &k), ==, at("2027-03-28T01:00:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_EXACT);
  /* The repeated hour: 01:30 happens twice; the first (BST) is meant. */
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 10, 31, 1, 30), &k), ==, at("2027-10-31T00:30:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_FOLD);
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 10, 31, 0, 59), &k), ==, at("2027-10-30T23:59:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_EXACT);
  g_assert_cmpint(tz_from_local(ldn, local_of(2027, 10, 31, 2, 0), &k), ==, at("2027-10-31T02:00:00Z"));
  g_assert_cmpint(k, ==, TZ_LOCAL_EXACT);
  /* Round trip everywhere else: to_local(from_local(x)) == x. */
  for (int64_t l = local_of(2027, 1, 1, 0, 0); l < local_of(2028, 1, 1, 0, 0); l += 900) {
    TzLocalKind kk;
    int64_t t = tz_from_local(ldn, l, &kk);
    if (kk == TZ_LOCAL_GAP)
      g_assert_cmpint(tz_to_local(ldn, t), ==, l + 3600);
    else
      g_assert_cmpint(tz_to_local(ldn, t), ==, l);
  }
}

static void test_other_zones(void) {
  const Tz *syd = zone("Australia/Sydney");
  /* Southern summer spans the new year: DST from the first Sunday of
   * October to the first Sunday of April. */
  g_assert_cmpint(tz_offset_at(syd, at("2027-01-15T00:00:00Z"), NULL), ==, 11 * 3600);
  g_assert_cmpint(tz_offset_at(syd, at("2027-07-01T00:00:00Z"), NULL), ==, 10 * 3600);
  g_assert_cmpint(tz_offset_at(syd, at("2027-04-03T15:59:59Z"), NULL), ==, 11 * 3600);
  g_assert_cmpint(tz_offset_at(syd, at("2027-04-03T16:00:00Z"), NULL), ==, 10 * 3600);
  /* Dublin's footer has negative DST (IST is standard, GMT the winter
   * "daylight" time): still +1 in summer and 0 in winter, past 2037. */
  const Tz *dub = zone("Europe/Dublin");
  g_assert_cmpint(tz_offset_at(dub, at("2038-03-27T23:30:00Z"), NULL), ==, 0);
  g_assert_cmpint(tz_offset_at(dub, at("2038-03-28T01:00:00Z"), NULL), ==, 3600);
  g_assert_cmpint(tz_offset_at(dub, at("2038-10-31T01:00:00Z"), NULL), ==, 0);
  const Tz *kol = zone("Asia/Kolkata");
  g_assert_cmpint(tz_offset_at(kol, at("2027-03-28T09:00:00Z"), NULL), ==, 5 * 3600 + 1800);
  const Tz *utc = zone("UTC");
  g_assert_cmpint(tz_offset_at(utc, at("2027-03-28T09:00:00Z"), NULL), ==, 0);
  const Tz *kir = zone("Pacific/Kiritimati");
  g_assert_cmpint(tz_offset_at(kir, at("2027-03-28T09:00:00Z"), NULL), ==, 14 * 3600);
  const Tz *ny = zone("America/New_York");
  g_assert_cmpint(tz_offset_at(ny, at("2027-03-14T06:59:59Z"), NULL), ==, -5 * 3600);
  g_assert_cmpint(tz_offset_at(ny, at("2027-03-14T07:00:00Z"), NULL), ==, -4 * 3600);
  char buf[32];
  g_assert_cmpstr(tz_format_rfc3339(ny, at("2027-03-14T07:00:00Z"), buf, sizeof buf), ==,
                  "2027-03-14T03:00:00-04:00");
  g_assert_cmpstr(tz_format_rfc3339(kol, at("2027-03-28T09:00:00Z"), buf, sizeof buf), ==,
                  "2027-03-28T14:30:00+05:30");
  const Tz *ldn = zone("Europe/London");
  g_assert_cmpstr(tz_format_rfc3339(ldn, at("2027-03-28T08:00:00Z"), buf, sizeof buf), ==,
                  "2027-03-28T09:00:00+01:00");
  g_assert_cmpstr(tz_format_rfc3339(ldn, at("2027-10-31T09:00:00Z"), buf, sizeof buf), ==,
                  "2027-10-31T09:00:00+00:00");
  /* The cache hands back the same zone. */
  g_assert_true(zone("Europe/London") == ldn);
}

/* GLib reads the same files by its own code: every hour of 2020-2036 in
 * several zones must agree. (Not beyond: GLib 2.74 misreads Dublin's
 * negative-DST footer rule after 2037, which test_other_zones checks.) */
static void test_against_glib(void) {
  const char *names[] = {"Europe/London", "Europe/Dublin", "Australia/Sydney", "America/New_York",
                         "America/Santiago", "Asia/Kolkata", "Pacific/Chatham", "UTC"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    const Tz *tz = zone(names[i]);
    GTimeZone *g = g_time_zone_new_identifier(names[i]);
    g_assert_nonnull(g);
    int mismatches = 0;
    for (int64_t t = at("2020-01-01T00:00:00Z"); t < at("2037-01-01T00:00:00Z"); t += 3600 - 7) {
      gint iv = g_time_zone_find_interval(g, G_TIME_TYPE_UNIVERSAL, t);
      if (tz_offset_at(tz, t, NULL) != g_time_zone_get_offset(g, iv)) mismatches++;
    }
    g_assert_cmpint(mismatches, ==, 0);
    g_time_zone_unref(g);
  }
}

static void test_names_and_bad_data(void) {
  const char *good[] = {"Europe/London", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"};
  for (size_t i = 0; i < G_N_ELEMENTS(good); i++) g_assert_true(tz_name_ok(good[i]));
  const char *bad[] = {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "Europe//London",
                       "Europe/", ".hidden", "Europe/London\n", "Europe London", "-x", NULL};
  for (size_t i = 0; bad[i]; i++) g_assert_false(tz_name_ok(bad[i]));
  g_assert_false(tz_name_ok(NULL));
  char err[200];
  g_assert_null(tz_get("Mars/Olympus_Mons", err, sizeof err));
  g_assert_nonnull(strstr(err, "unknown time zone Mars/Olympus_Mons"));
  g_assert_null(tz_get("../../etc/passwd", err, sizeof err));
  g_assert_null(tz_get("zone.tab", err, sizeof err)); /* in the directory, not TZif */
  g_assert_null(tz_get("Europe", err, sizeof err));   /* a directory */
  /* Bad bytes: garbage, cut short at every length, a corrupted footer. */
  gchar *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(TZ_DIR "/Europe/London", &data, &len, NULL));
  Tz *whole = tz_parse("x", (const uint8_t *)data, len, err, sizeof err);
  g_assert_nonnull(whole);
  tz_free(whole);
  for (gsize n = 0; n + 1 < len; n += 7) {
    Tz *cut = tz_parse("x", (const uint8_t *)data, n, err, sizeof err);
    g_assert_null(cut);
  }
  gchar *copy = g_memdup2(data, len);
  memcpy(copy + len - 8, "M13.5.0", 7); /* month 13 */
  g_assert_null(tz_parse("x", (const uint8_t *)copy, len, err, sizeof err));
  g_assert_nonnull(strstr(err, "footer"));
  const uint8_t junk[64] = "not a zone at all";
  g_assert_null(tz_parse("x", junk, sizeof junk, err, sizeof err));
  g_free(copy);
  g_free(data);
}

static gpointer convert_many(gpointer p) {
  const Tz *ldn = zone("Europe/London");
  int64_t sum = 0;
  for (int i = 0; i < 20000; i++)
    sum += tz_from_local(ldn, local_of(2027, 3, 28, 9, 0), NULL) == at("2027-03-28T08:00:00Z");
  (void)p;
  return GINT_TO_POINTER((int)sum);
}

/* Threads convert side by side (no process-global TZ) and all agree. */
static void test_threads(void) {
  GThread *th[4];
  for (int i = 0; i < 4; i++) th[i] = g_thread_new("tz", convert_many, NULL);
  for (int i = 0; i < 4; i++) g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(th[i])), ==, 20000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tz/calendar", test_calendar);
  g_test_add_func("/tz/london_transitions", test_london_transitions);
  g_test_add_func("/tz/wall_clock_gap_and_fold", test_wall_clock);
  g_test_add_func("/tz/other_zones", test_other_zones);
  g_test_add_func("/tz/agrees_with_glib", test_against_glib);
  g_test_add_func("/tz/names_and_bad_data", test_names_and_bad_data);
  g_test_add_func("/tz/threads", test_threads);
  return g_test_run();
}
