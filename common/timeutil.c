#include "timeutil.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now_unix(void) { return (int64_t)time(NULL); }

int64_t time_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

char *time_format_iso8601(int64_t t, char *buf, size_t size) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

static int all_digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

int time_parse_date(const char *s, int64_t *out) {
  if (!s || strlen(s) != 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
      s[7] != '-' || !all_digits(s + 8, 2))
    return -1;
  int y, m, d;
  if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3) return -1;
  if (!g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y)) return -1;
  GDateTime *dt = g_date_time_new_utc(y, m, d, 0, 0, 0);
  if (!dt) return -1;
  *out = g_date_time_to_unix(dt);
  g_date_time_unref(dt);
  return 0;
}

int time_parse_iso8601(const char *s, int64_t *out) {
  /* Require the full form: date, 'T', seconds and a zone, so "2026-11-21"
   * or a bare local time is refused rather than guessed at. */
  if (!s || strlen(s) < 20 || s[10] != 'T') return -1;
  char date[11];
  memcpy(date, s, 10);
  date[10] = '\0';
  int64_t day;
  if (time_parse_date(date, &day) != 0) return -1;
  const char *t = s + 11;
  if (!all_digits(t, 2) || t[2] != ':' || !all_digits(t + 3, 2) || t[5] != ':' ||
      !all_digits(t + 6, 2))
    return -1;
  int hh = (t[0] - '0') * 10 + t[1] - '0', mm = (t[3] - '0') * 10 + t[4] - '0',
      ss = (t[6] - '0') * 10 + t[7] - '0';
  if (hh > 23 || mm > 59 || ss > 59) return -1;
  const char *z = t + 8;
  int offset = 0;
  if (strcmp(z, "Z") == 0) {
    offset = 0;
  } else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 && all_digits(z + 1, 2) &&
             z[3] == ':' && all_digits(z + 4, 2)) {
    int oh = (z[1] - '0') * 10 + z[2] - '0', om = (z[4] - '0') * 10 + z[5] - '0';
    if (oh > 23 || om > 59) return -1;
    offset = (oh * 3600 + om * 60) * (z[0] == '+' ? 1 : -1);
  } else {
    return -1;
  }
  *out = day + hh * 3600 + mm * 60 + ss - offset;
  return 0;
}
