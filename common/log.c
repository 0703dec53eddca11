#include "log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static const char *g_component = "parlour";
static volatile LogLevel g_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_component(const char *comp) { g_component = comp; }
void log_set_level(LogLevel level) { g_level = level; }
LogLevel log_get_level(void) { return g_level; }

int log_level_parse(const char *s, LogLevel *out) {
  for (int i = 0; i < 4; i++) {
    if (s && strcasecmp(s, level_names[i]) == 0) {
      *out = (LogLevel)i;
      return 0;
    }
  }
  return -1;
}

char *log_quote(char *buf, unsigned long size, const char *s) {
  if (size == 0) return buf;
  if (!s) s = "";
  int plain = *s != '\0';
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      plain = 0;
      break;
    }
  }
  if (plain) {
    snprintf(buf, size, "%s", s);
    return buf;
  }
  unsigned long o = 0;
  if (o + 1 < size) buf[o++] = '"';
  for (const char *p = s; *p && o + 2 < size; p++) {
    unsigned char c = (unsigned char)*p;
    if (c < ' ' || c == 0x7f) continue; /* keep one event on one line */
    if (c == '"' || c == '\\') {
      if (o + 3 >= size) break;
      buf[o++] = '\\';
    }
    buf[o++] = (char)c;
  }
  if (o + 1 < size) buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

void log_eventv(LogLevel level, const char *event, const char *fmt, va_list ap) {
  if (level < g_level) return;
  char line[2048];
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  int n = snprintf(line, sizeof line,
                   "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s comp=%s event=%s",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec, (long)(tv.tv_usec / 1000), level_names[level], g_component,
                   event);
  if (n < 0) return;
  if (fmt && *fmt && (size_t)n < sizeof line - 2) {
    line[n++] = ' ';
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    if (m > 0) n += m;
    if ((size_t)n >= sizeof line - 1) n = (int)sizeof line - 2;
  }
  /* A value must never break the one-line-per-event rule. */
  for (int i = 0; i < n; i++)
    if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
  line[n++] = '\n';
  line[n] = '\0';
  fputs(line, stderr);
}

void log_event(LogLevel level, const char *event, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_eventv(level, event, fmt, ap);
  va_end(ap);
}
