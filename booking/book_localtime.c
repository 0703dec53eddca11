#include "book_localtime.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "timeutil.h"

const Tz *book_local_zone(const char *name, char *err, size_t err_size) {
  return tz_get(name && *name ? name : TZ_DEFAULT, err, err_size);
}

const Tz *book_local_zone_shown(const char *name) {
  const Tz *tz = book_local_zone(name, NULL, 0);
  return tz ? tz : tz_utc();
}

int book_local_zone_valid(const char *name, char *err, size_t err_size) {
  if (!name || !*name) {
    if (err && err_size) g_strlcpy(err, "a time zone name is needed", err_size);
    return 0;
  }
  return book_local_zone(name, err, err_size) != NULL;
}

static void date_of_days(int64_t days, char out[11]) {
  int y, m, d;
  tz_civil_from_days(days, &y, &m, &d);
  g_snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

/* Day number of "YYYY-MM-DD" (a real date), or -1 with *ok = 0. */
static int64_t days_of_date(const char *date, int *ok) {
  int64_t mid;
  *ok = time_parse_date(date, &mid) == 0;
  return *ok ? mid / 86400 : 0;
}

static int64_t floordiv86400(int64_t a) { return a / 86400 - (a % 86400 < 0); }

void book_local_date(const Tz *tz, int64_t t, char out[11]) {
  date_of_days(floordiv86400(tz_to_local(tz, t)), out);
}

static int hhmm(const char *s, int *minutes) {
  if (!s || strlen(s) != 5 || !g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]) || s[2] != ':' ||
      !g_ascii_isdigit(s[3]) || !g_ascii_isdigit(s[4]))
    return -1;
  int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
  if (h > 24 || m > 59 || (h == 24 && m)) return -1;
  *minutes = h * 60 + m;
  return 0;
}

int book_local_session(const Tz *tz, const char *date, const char *start_hhmm,
                       const char *end_hhmm, int64_t *start, int64_t *end) {
  int ok, a, b;
  int64_t day = days_of_date(date, &ok);
  if (!ok || hhmm(start_hhmm, &a) || hhmm(end_hhmm, &b)) return -1;
  *start = tz_from_local(tz, day * 86400 + a * 60, NULL);
  /* The template's length, not the clocks' difference: a 60-minute session
   * that starts in the repeated hour still lasts 60 minutes. */
  *end = *start + (int64_t)(b - a) * 60;
  return 0;
}

void book_local_window(const Tz *tz, int64_t now, int min_days, int max_days, char first[11],
                       char last[11]) {
  int64_t today = floordiv86400(tz_to_local(tz, now));
  date_of_days(today + min_days + 1, first);
  date_of_days(today + max_days, last);
}

int book_local_iso_week(const char *date, char monday[11], char sunday[11]) {
  int ok;
  int64_t day = days_of_date(date, &ok);
  if (!ok) return -1;
  int64_t mon = day - (tz_iso_weekday(day) - 1);
  date_of_days(mon, monday);
  date_of_days(mon + 6, sunday);
  return 0;
}

char *book_local_rfc3339(const Tz *tz, int64_t t, char *buf, size_t size) {
  return tz_format_rfc3339(tz, t, buf, size);
}

/* ---- for people ---- */

static const char *const EN_DAYS[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                      "Friday", "Saturday", "Sunday"};
static const char *const CY_DAYS[] = {"Dydd Llun",   "Dydd Mawrth", "Dydd Mercher", "Dydd Iau",
                                      "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul"};
static const char *const EN_MONTHS[] = {"January", "February", "March",     "April",
                                        "May",     "June",     "July",      "August",
                                        "September", "October", "November", "December"};
static const char *const CY_MONTHS[] = {"Ionawr", "Chwefror", "Mawrth", "Ebrill",
                                        "Mai",    "Mehefin",  "Gorffennaf", "Awst",
                                        "Medi",   "Hydref",   "Tachwedd", "Rhagfyr"};

/* "9am", "2:30pm"; Welsh "9yb", "2:30yp" (client-web/js/format.mjs). */
static void clock_of(int64_t local, int cy, char *out, size_t n) {
  int64_t sod = local - floordiv86400(local) * 86400;
  int h = (int)(sod / 3600), m = (int)(sod / 60 % 60);
  int pm = h >= 12, h12 = h % 12 == 0 ? 12 : h % 12;
  const char *suffix = cy ? (pm ? "yp" : "yb") : (pm ? "pm" : "am");
  /* GOV.UK style: "midday" and "midnight", never 12pm or 12am. */
  if (!m && (h == 12 || h == 0))
    g_strlcpy(out, h ? (cy ? "hanner dydd" : "midday") : (cy ? "hanner nos" : "midnight"), n);
  else if (m)
    g_snprintf(out, n, "%d:%02d%s", h12, m, suffix);
  else
    g_snprintf(out, n, "%d%s", h12, suffix);
}

int book_local_describe(const char *zone, int64_t start, int64_t end, const char *lang,
                        char *buf, size_t size) {
  const Tz *tz = book_local_zone(zone, NULL, 0);
  if (!tz) return -1;
  int cy = lang && !strcmp(lang, "cy");
  int64_t ls = tz_to_local(tz, start), le = tz_to_local(tz, end);
  int64_t days = floordiv86400(ls);
  int y, m, d;
  tz_civil_from_days(days, &y, &m, &d);
  int wd = tz_iso_weekday(days) - 1;
  char a[16], b[16];
  clock_of(ls, cy, a, sizeof a);
  clock_of(le, cy, b, sizeof b);
  int n = g_snprintf(buf, size, "%s %d %s %d, %s %s %s", cy ? CY_DAYS[wd] : EN_DAYS[wd], d,
                     cy ? CY_MONTHS[m - 1] : EN_MONTHS[m - 1], y, a, cy ? "i" : "to", b);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}
