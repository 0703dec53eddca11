/* Visit outcomes (issue 16 part 6, docs/booking.md "Outcomes"): the codes,
 * after HMPPS's list of visit outcomes, and the pure mappings from facts to
 * an outcome. No I/O here; book_reviews.c stores what these decide. */
#ifndef PARLOUR_BOOK_OUTCOMES_H
#define PARLOUR_BOOK_OUTCOMES_H

/* Every outcome code, NULL-terminated (the API and staff accept only these). */
extern const char *const BOOK_OUTCOMES[];

/* 1 when code is one of BOOK_OUTCOMES. */
int book_outcome_valid(const char *code);

/* The outcome of a call signalling reports ended with reason (its
 * call_ended event's data.reason): time_up -> completed, terminated_by_staff
 * -> terminated_by_staff, media_failure -> technical_failure, an end booking
 * decided itself (visit_cancelled, visit_rescheduled) -> NULL (the decision
 * already gave the visit its status and, where it cancels, its outcome);
 * any other or no reason -> completed. */
const char *book_outcome_for_call_end(const char *reason);

/* The outcome of a visit whose time passed with no call, from who joined
 * it: the prisoner came and no visitor -> visitor_did_not_arrive; a visitor
 * came and not the prisoner -> prisoner_did_not_attend; nobody ->
 * visitor_did_not_arrive (the call is the family's to start: staff correct
 * it when the prisoner was the reason). */
const char *book_outcome_for_no_call(int prisoner_joined, int visitor_joined);

#endif
