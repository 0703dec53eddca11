/* Time helpers. Wall-clock times are Unix seconds (int64) in UTC; durations
 * for timers use the monotonic clock so a clock step never fires or starves a
 * timer. */
#ifndef PARLOUR_TIMEUTIL_H
#define PARLOUR_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t time_now_unix(void);  /* wall clock, seconds */
int64_t time_now_ms(void);    /* wall clock, milliseconds */
int64_t time_mono_us(void);   /* monotonic, microseconds */

/* "2026-11-21T12:00:00Z" into buf (at least 21 bytes). Returns buf. */
char *time_format_iso8601(int64_t t, char *buf, size_t size);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" or with a "+HH:MM"/"-HH:MM" offset; strict.
 * Returns 0 and sets *out, or -1. */
int time_parse_iso8601(const char *s, int64_t *out);

/* Parses a calendar date "YYYY-MM-DD" (a real date: no 2026-02-30) into
 * Unix seconds at 00:00 UTC. Returns 0 or -1. */
int time_parse_date(const char *s, int64_t *out);

#endif
