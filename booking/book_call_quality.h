/* Call quality reports (issue 19 part 4, docs/booking.md "Call quality"):
 * signalling's call_quality event stored with the call's other records, and
 * GET /api/v1/visits/{id}/quality. Staff who may see the visit (its
 * establishment's booking staff, monitors, reviewers; an admin) read every
 * participant's full report; a participant (the family, the prisoner) reads
 * only their own plain-words summary. */
#ifndef PARLOUR_BOOK_CALL_QUALITY_H
#define PARLOUR_BOOK_CALL_QUALITY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "book_api.h"

#define BOOK_QUALITY_MAX_SAMPLES 400
#define BOOK_QUALITY_MAX_BYTES (96 * 1024)

/* Checks a call_quality event's data. 0, or -1 with a reason in msg. */
int book_call_quality_check(json_t *data, char *msg, size_t msgsize);
/* Stores it inside the caller's transaction (a replayed event_id changes
 * nothing). 0 or -1 (storage). */
int book_call_quality_store(BookDb *db, const char *event_id, const char *visit_id, json_t *data,
                            int64_t now) BOOK_MUST_CHECK;
/* The audit row's data for the event: participant and summary, not the samples. */
json_t *book_call_quality_audit_data(json_t *data);

void api_visit_quality(ApiCtx *c, const char *id);

#endif
