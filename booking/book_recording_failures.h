/* Recording failures (issue 20 part 2, docs/booking.md "Recordings"):
 * signalling's `recording_failed` event (the SFU's, above all a piece whose
 * file failed mid-call on a full disk) stored per visit, and listed to the
 * reviewer with the visit's recordings (whose files from then on are
 * partial, complete = 0). The event's audit row is the events endpoint's
 * own (event_recording_failed). */
#ifndef PARLOUR_BOOK_RECORDING_FAILURES_H
#define PARLOUR_BOOK_RECORDING_FAILURES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "book_db.h"

/* Checks a recording_failed event's data. 0, or -1 with a reason in msg. */
int book_recfail_check(json_t *data, char *msg, size_t msgsize);
/* Stores it inside the caller's transaction (a replayed event_id changes
 * nothing). at_s: the event's time (seconds), used when data has no at_ms.
 * 0 or -1 (storage). */
int book_recfail_store(BookDb *db, const char *event_id, const char *visit_id, json_t *data,
                       int64_t at_s, int64_t now) BOOK_MUST_CHECK;
/* The visit's failures, oldest first, into *out (a new array):
 * [{stage, error, participant, piece, part, detail, files_kept, bytes_kept,
 * failed_at (Unix ms)}]. 0 or -1 (storage; *out NULL). */
int book_recfail_list(BookDb *db, const char *visit_id, json_t **out) BOOK_MUST_CHECK;
/* Whether the visit's recording failed (any failure stored): *failed 1 or
 * 0. 0 or -1 (storage). For staff's visit list (recording_state). */
int book_recfail_failed(BookDb *db, const char *visit_id, int *failed) BOOK_MUST_CHECK;

#endif
