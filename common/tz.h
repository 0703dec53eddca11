/* Time zones without the C library's process-global TZ: a zone is read once
 * from its TZif file (RFC 8536; Debian's tzdata in /usr/share/zoneinfo) into
 * an immutable value, and every conversion is a pure function of (instant,
 * zone) or (wall-clock time, zone). Nothing here calls setenv("TZ"),
 * tzset() or localtime(), so threads and other zones are never disturbed.
 *
 * Instants are Unix seconds (UTC). A "local" value is the wall-clock time
 * counted as seconds since 1970-01-01T00:00 on the wall clock (so
 * local / 86400, floored, is the day number of the local date).
 *
 * Wall-clock times that do not map to exactly one instant (tz_from_local):
 *  - in the missing hour (spring forward) the time is shifted forward by the
 *    length of the gap: it is read with the offset in force before the gap,
 *    as RFC 5545 (3.3.5) does. Europe/London 01:30 on the last Sunday of
 *    March is 01:30Z, which the clocks show as 02:30 BST.
 *  - in the repeated hour (fall back) the first occurrence is meant: London
 *    01:30 on the last Sunday of October is 00:30Z (01:30 BST), not 01:30Z
 *    (01:30 GMT). */
#ifndef PARLOUR_TZ_H
#define PARLOUR_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_DEFAULT "Europe/London"
#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 64

typedef struct Tz Tz;

typedef enum {
  TZ_LOCAL_EXACT = 0, /* one instant has that wall-clock time */
  TZ_LOCAL_GAP = 1,   /* none (spring forward): shifted forward by the gap */
  TZ_LOCAL_FOLD = 2,  /* two (fall back): the first one */
} TzLocalKind;

/* Parses TZif data (versions 1 to 4; the 64-bit block and the footer's POSIX
 * TZ rule when present). NULL with a reason in err on malformed data. */
Tz *tz_parse(const char *name, const uint8_t *data, size_t len, char *err, size_t err_size);
void tz_free(Tz *tz);

/* 1 when name is shaped like an IANA zone name ("Europe/London", "UTC",
 * "America/Argentina/Buenos_Aires"): segments of [A-Za-z0-9_+-], none
 * starting with a dot, so it can never leave the zone directory. */
int tz_name_ok(const char *name);

/* Reads <dir>/<name> (dir NULL: TZ_DIR). NULL with a reason when the name is
 * unknown, not a zone name, or the file is not TZif. */
Tz *tz_load(const char *dir, const char *name, char *err, size_t err_size);

/* The zone from a process-wide cache, loaded from TZ_DIR the first time it
 * is asked for; thread-safe; the value lives as long as the process. NULL
 * (err filled) for an unknown zone, and again on every later ask. */
const Tz *tz_get(const char *name, char *err, size_t err_size);

/* UTC, built in: there even without tzdata. Never NULL. */
const Tz *tz_utc(void);

const char *tz_name(const Tz *tz);

/* The UTC offset (seconds east) in force at instant t; *is_dst if not NULL. */
int tz_offset_at(const Tz *tz, int64_t t, int *is_dst);

/* Wall-clock seconds at instant t. */
int64_t tz_to_local(const Tz *tz, int64_t t);

/* The instant of a wall-clock time, by the rules above; *kind if not NULL. */
int64_t tz_from_local(const Tz *tz, int64_t local, TzLocalKind *kind);

/* Proleptic Gregorian calendar: days since 1970-01-01 and back. */
int64_t tz_days_from_civil(int y, int m, int d);
void tz_civil_from_days(int64_t days, int *y, int *m, int *d);
/* ISO weekday of a day number: 1 Monday .. 7 Sunday. */
int tz_iso_weekday(int64_t days);

/* RFC 3339 with the zone's offset at t: "2027-03-28T09:00:00+01:00" (buf at
 * least 26 bytes). Returns buf. */
char *tz_format_rfc3339(const Tz *tz, int64_t t, char *buf, size_t size);

#endif
