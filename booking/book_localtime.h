/* Establishment local time: the pure decisions booking takes about dates and
 * wall-clock times, each a function of (instant, zone) or (local date, zone).
 * The zone is the establishment's `time_zone` (migration 0008, default
 * Europe/London), read once per process by common/tz.c; nothing here reads
 * the process's TZ or the database.
 *
 * The rules (docs/booking.md, "Local time"):
 *  - "today" is the establishment's local date at `now`;
 *  - a session template's start is a local wall-clock time on a local date;
 *    one in the missing hour (last Sunday of March in the UK) is moved
 *    forward by the gap (01:30 -> 02:30 BST), one in the repeated hour (last
 *    Sunday of October) is the first occurrence (01:30 BST); a session lasts
 *    its template's length (end_time - start_time) whatever the clocks do;
 *  - the booking window, the weekly limits and the ISO week (Monday to
 *    Sunday) are counted in local dates;
 *  - the API writes instants as RFC 3339 with the zone's offset at that
 *    instant (2027-03-28T09:00:00+01:00). */
#ifndef PARLOUR_BOOK_LOCALTIME_H
#define PARLOUR_BOOK_LOCALTIME_H

#include <stddef.h>
#include <stdint.h>

#include "tz.h"

/* The zone called name (NULL or empty: Europe/London). NULL with a reason
 * in err when the zone is unknown: callers refuse rather than guess. */
const Tz *book_local_zone(const char *name, char *err, size_t err_size);

/* The zone times are shown in: name's (NULL: Europe/London, as for a
 * probation call, which has no establishment); one this server does not
 * know is shown as UTC, which still names the right instant. Never NULL. */
const Tz *book_local_zone_shown(const char *name);

/* 1 when name is a zone this machine knows (the establishment settings'
 * validation); 0 with a one-line reason in err otherwise. */
int book_local_zone_valid(const char *name, char *err, size_t err_size);

/* The local calendar date "YYYY-MM-DD" at instant t. */
void book_local_date(const Tz *tz, int64_t t, char out[11]);

/* The instants a session with wall-clock times start_hhmm..end_hhmm
 * ("HH:MM") has on the local date. 0, or -1 for a bad date or time. */
int book_local_session(const Tz *tz, const char *date, const char *start_hhmm,
                       const char *end_hhmm, int64_t *start, int64_t *end);

/* The booking window at now: local today + min_days + 1 .. today + max_days
 * (HMPPS). */
void book_local_window(const Tz *tz, int64_t now, int min_days, int max_days, char first[11],
                       char last[11]);

/* The ISO week (Monday .. Sunday) holding a local date. 0 or -1. */
int book_local_iso_week(const char *date, char monday[11], char sunday[11]);

/* RFC 3339 with the zone's offset: buf at least 26 bytes. Returns buf. */
char *book_local_rfc3339(const Tz *tz, int64_t t, char *buf, size_t size);

/* For people (notifications, pages rendered by booking): the start and end
 * of a call in the establishment's zone, GOV.UK style, in English ("en") or
 * Welsh ("cy"):
 *   "Sunday 28 March 2027, 9am to 10am"
 *   "Dydd Sul 28 Mawrth 2027, 9yb i 10yb"
 * zone NULL: Europe/London. 0, or -1 (zone unknown, buffer too small). */
int book_local_describe(const char *zone, int64_t start, int64_t end, const char *lang,
                        char *buf, size_t size);

#endif
