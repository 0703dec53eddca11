/* An interpreter account's join: reads the facts book_interp_may_join
 * decides on (docs/booking.md "Interpreters"). */
#ifndef PARLOUR_BOOK_INTERP_JOIN_H
#define PARLOUR_BOOK_INTERP_JOIN_H

#include <jansson.h>
#include <stddef.h>

#include "book_db.h"
#include "book_interp_rules.h"
#include "book_rules.h"

/* NULL when the interpreter account may have a join token for visit_id
 * (language set to the approved interpreter's language), else an error code
 * of book_interp_may_join; *storage_failed = 1 when a read failed (then the
 * answer is "storage": 503, never "not approved"). */
const char *book_interp_join_check(BookDb *db, const BookActor *a, const char *visit_id,
                                   char *language, size_t lsize, int *storage_failed);

/* Sets "interpreters": [{"language": "BSL"}, ...] (live approvals) on a
 * visit's JSON; 0, or -1 when the read failed. */
int book_interp_view_visit(BookDb *db, const char *visit_id, json_t *o) BOOK_MUST_CHECK;

#endif
