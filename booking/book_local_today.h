/* "Today" for the visiting-order ledger and the other date rules that run
 * outside a request's establishment context: the local date in the zone of
 * the establishment concerned (docs/booking.md, "Local time"), never the
 * UTC date. At 23:30 UTC on a BST date it is already the next local day.
 * A prisoner or visit without an establishment (probation) uses
 * Europe/London, as book_localtime does; a zone this server does not know
 * is read as UTC (book_local_zone_shown), the date closest to right. */
#ifndef PARLOUR_BOOK_LOCAL_TODAY_H
#define PARLOUR_BOOK_LOCAL_TODAY_H

#include <stdint.h>

#include "book_db.h"

/* The local date at now in establishment est's zone (NULL or unknown id:
 * Europe/London). 0, or -1 when the database failed. */
int book_today_for_est(BookDb *db, const char *est, int64_t now, char out[11]) BOOK_MUST_CHECK;

/* The same for the establishment prisoner_id is held at. */
int book_today_for_prisoner(BookDb *db, int64_t prisoner_id, int64_t now,
                                            char out[11]) BOOK_MUST_CHECK;

/* The same for the establishment a visit is at (a probation call, which
 * has none: Europe/London). */
int book_today_for_visit(BookDb *db, const char *visit_id, int64_t now,
                                         char out[11]) BOOK_MUST_CHECK;

#endif
