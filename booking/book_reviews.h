/* Prisoner moves, reviews of booked visits and outcomes: the database half
 * of issue 16 parts 5 and 6 (docs/booking.md "Moves, reviews and
 * outcomes"). What a change does to each visit is decided by the pure
 * book_change_effect (book_moves.h), outcomes by book_outcomes.h; this file
 * reads the facts and writes what they decide, each change in one
 * transaction with its audit rows (book_audit) and, where a call ends, its
 * decision for signalling (book_decisions.h). Cancellations go through
 * book_visit_cancel_in_tx, the same code as a staff cancellation. */
#ifndef PARLOUR_BOOK_REVIEWS_H
#define PARLOUR_BOOK_REVIEWS_H

#include <jansson.h>

#include "book_moves.h"
#include "book_rules.h"

/* Inside the caller's transaction: applies the change to the prisoner's
 * visits (visitor_id > 0: only visits with that visitor on them) from .. to:
 * flags each for review with detail_json (a JSON object text or NULL),
 * never cancels. The number flagged, or -1. */
int book_reviews_for_change(BookDb *db, int64_t now, const char *actor, BookChangeKind kind,
                            int64_t prisoner_id, int64_t visitor_id, const char *from,
                            const char *to, const char *detail_json) BOOK_MUST_CHECK;

/* Booking staff of the prisoner's establishment record a release or a
 * transfer (to_establishment: an establishment code, Parlour's or not) on
 * date with a reason. The prisoner's visits from that day are cancelled or
 * flagged (book_change_effect), a call running now ends. *out: {move,
 * cancelled: [visit ids], flagged: [visit ids]}. 0, or -1 with err. */
int book_prisoner_move(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *kind,
                       const char *to_establishment, const char *date, const char *reason,
                       int64_t now, json_t **out, BookError *err);

/* Reviews of the actor's establishment (admin with none: all); open_only:
 * the unresolved ones. *out: {reviews: [...]}. 0, or -1 with err. */
int book_reviews_list(BookDb *db, const BookActor *a, int open_only, json_t **out, BookError *err);

/* Booking staff resolve a review: decision "keep" or "cancel" (the visit is
 * cancelled as a staff cancellation), with a reason. Audited. 0 or -1. */
int book_review_resolve(BookDb *db, const BookActor *a, int64_t review_id, const char *decision,
                        const char *reason, int64_t now, BookError *err);

/* The daily look ahead: applies transfers whose day has come, then flags
 * each requested or booked visit of the next 28 days that no longer passes
 * the rules it can re-check (approved contact, BAN and CLOSED restrictions,
 * non-associations, blocked dates, moves). Once a day (the first booking
 * instance to claim the day's review_scans row runs it; force: run anyway).
 * The number flagged, or -1. */
int book_reviews_scan(BookDb *db, int64_t now, int force) BOOK_MUST_CHECK;

/* Staff set or correct a visit's outcome (a code from BOOK_OUTCOMES) with a
 * reason, once its time has come or it was cancelled. Audited. 0 or -1. */
int book_visit_set_outcome(BookDb *db, const BookActor *a, const char *visit_id,
                           const char *outcome, const char *reason, int64_t now, BookError *err);

/* Gives every visit whose time has passed and that has no outcome one from
 * the facts: missed -> book_outcome_for_no_call (who joined), completed ->
 * completed, terminated -> terminated_by_staff, cancelled -> who cancelled.
 * Each audited (outcome_set, actor system). The number set, or -1. */
int book_outcomes_sweep(BookDb *db, int64_t now) BOOK_MUST_CHECK;

#endif
