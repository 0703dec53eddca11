/* Structured logging: one line per event, key=value, to stderr.
 *
 *   ts=2026-11-21T12:00:00.123Z level=info comp=sfu event=room_created room=abc
 *
 * Values containing spaces, quotes or '=' are quoted by the caller through
 * log_kv_quote() or passed with the %q-free helpers below; we keep the format
 * grep-able and machine-parsable. Thread-safe: each line is written with a
 * single fputs under stdio's own lock. */
#ifndef PARLOUR_LOG_H
#define PARLOUR_LOG_H

#include <stdarg.h>

typedef enum {
  LOG_LEVEL_DEBUG = 0,
  LOG_LEVEL_INFO = 1,
  LOG_LEVEL_WARN = 2,
  LOG_LEVEL_ERROR = 3,
} LogLevel;

/* Component name printed in comp=; set once at start-up. Not copied. */
void log_set_component(const char *comp);
void log_set_level(LogLevel level);
LogLevel log_get_level(void);

/* Parse "debug", "info", "warn", "error"; returns 0 on success. */
int log_level_parse(const char *s, LogLevel *out);

/* event is a short snake_case word; fmt produces the rest of the key=value
 * pairs (may be NULL). */
void log_event(LogLevel level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_eventv(LogLevel level, const char *event, const char *fmt, va_list ap);

/* Writes s into buf as a log value: unchanged when it is plain, otherwise
 * double-quoted with '"' and '\\' escaped and control characters dropped.
 * Always NUL-terminates; truncates to fit. Returns buf. */
char *log_quote(char *buf, unsigned long size, const char *s);

#define log_debug(ev, ...) log_event(LOG_LEVEL_DEBUG, ev, __VA_ARGS__)
#define log_info(ev, ...) log_event(LOG_LEVEL_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...) log_event(LOG_LEVEL_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_event(LOG_LEVEL_ERROR, ev, __VA_ARGS__)

#endif
