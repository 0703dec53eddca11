/* The booking rules: who may book which visit, for whom, when. Each rule
 * that can refuse a booking has its own error code (docs/booking.md lists
 * them with where the rule comes from).
 *
 * Every function that writes runs in one transaction (BEGIN IMMEDIATE): it
 * reads what it checks and writes the visit, the visiting-order change and
 * the audit entry in that same transaction, so two requests racing for the
 * last place in a slot are serialised by sqlite and exactly one wins, and a
 * crash leaves either the whole booking or none of it.
 *
 * Ownership is checked here too: a visit, prisoner or case the actor may not
 * see is reported as not_found, never as forbidden, so ids cannot be probed.
 *
 * A rule that cannot be checked refuses: when the database fails (an I/O
 * error on a read, a write or the commit) the function rolls back and answers
 * 503 storage_unavailable, never "no conflict" and never a rule refusal the
 * error caused. Nothing of the change stays (no visit, no visiting-order
 * change, no audit row). */
#ifndef PARLOUR_BOOK_RULES_H
#define PARLOUR_BOOK_RULES_H

#include <stdint.h>

#include "book_db.h"

/* Who is asking. Strings are borrowed. role is one of the users.role values. */
typedef struct {
  int64_t user_id;
  const char *role;
  const char *username;
  const char *establishment_id; /* staff and clinicians; NULL otherwise (admin: all) */
} BookActor;

typedef struct {
  int http; /* 400, 403, 404, 409 or 422; 503 storage_unavailable when the database failed */
  char code[48];
  char message[256];
  char field[48];
} BookError;

typedef struct {
  int64_t visitor_id;
  int main_contact;
} BookVisitorSel;

typedef struct {
  const char *type; /* social, legal, probation, telemedicine */
  int64_t prisoner_id;
  int64_t probationer_id;
  int64_t clinician_id; /* staff booking telemedicine */
  const char *slot_id;        /* "<template id>:<YYYY-MM-DD>" */
  const BookVisitorSel *visitors;
  size_t n_visitors;
  int64_t start, end; /* probation only */
  int override_vo;    /* booking staff / admin only; audited */
  const char *hold_id; /* the booker's hold on the slot (book_holds.h), or NULL */
  const char *one_way_video;  /* NULL, or a direction (book_oneway.h): staff only, with reason */
  const char *one_way_reason;
} BookRequest;

#define BOOK_VISIT_ID_LEN 33 /* 32 hex + NUL */

/* Fills e with 503 storage_unavailable ("try again"); returns -1. */
int book_error_storage(BookError *e);

int book_is_staff(const char *role);    /* booking_staff, monitor, reviewer, admin */
int book_can_book(const char *role);    /* roles that may POST /visits at all */

/* Books a visit. 0 with the new id in id_out, or -1 with err filled. */
int book_visit_create(BookDb *db, const BookActor *a, const BookRequest *r, int64_t now,
                      char id_out[BOOK_VISIT_ID_LEN], BookError *err);

/* Amends a booked visit that has not started: a new slot (slot_id not NULL)
 * and/or new visitors (visitors_given). Every rule is checked again, the
 * visit itself not counted against capacity. */
int book_visit_amend(BookDb *db, const BookActor *a, const char *visit_id, const char *slot_id,
                     const BookVisitorSel *visitors, size_t n_visitors, int visitors_given,
                     int64_t now, BookError *err);

/* Cancels before the start (a visitor of it, its booker, or staff); gives a
 * used visiting order back. Cancelling twice is already_cancelled. */
int book_visit_cancel(BookDb *db, const BookActor *a, const char *visit_id, const char *reason,
                      int64_t now, BookError *err);

/* The cancellation alone (status, visiting order back, audit row, end_call
 * decision), inside the caller's open transaction, with no checks of who
 * may: for moves and reviews (book_reviews.c), which check first. 0 or -1. */
int book_visit_cancel_in_tx(BookDb *db, const BookActor *a, const char *visit_id,
                            const char *reason, int64_t now) BOOK_MUST_CHECK;

/* Staff end a booked or running call that has not ended, with a reason. */
int book_visit_terminate(BookDb *db, const BookActor *a, const char *visit_id,
                         const char *reason, int64_t now, BookError *err);

/* Booking staff approve (-> booked) or reject (-> cancelled, VO given
 * back, reason kept) a visit waiting as 'requested'. */
int book_visit_decide(BookDb *db, const BookActor *a, const char *visit_id, int approve,
                      const char *reason, int64_t now, BookError *err);

/* Booking staff of the prisoner's establishment: approve (or withdraw
 * approval of) a contact, and add a restriction (BAN, CLOSED, ...) with a
 * start, an optional expiry (NULL: none) and a reason. Both audited. */
int book_contact_set_approved(BookDb *db, const BookActor *a, int64_t prisoner_id,
                              int64_t visitor_id, int approved, int64_t now,
                              BookError *err);
int book_contact_add_restriction(BookDb *db, const BookActor *a, int64_t prisoner_id,
                                 int64_t visitor_id, const char *type,
                                 const char *start_date, const char *expiry_date,
                                 const char *reason, int64_t now, BookError *err);

/* 1 when the actor may see the visit / prisoner / probation case; 0 when
 * not AND when the database failed (fail closed). */
int book_visit_visible(BookDb *db, const BookActor *a, const char *visit_id);
int book_prisoner_visible(BookDb *db, const BookActor *a, int64_t prisoner_id);

/* Participant of the visit (not staff): prisoner, probationer, one of its
 * visitors' accounts, or its professional. 0 also when the database failed. */
int book_visit_participant(BookDb *db, const BookActor *a, const char *visit_id);

/* The same three questions with the failure told apart: 1 yes, 0 no, -1 the
 * database failed (answer 503 storage_unavailable, not 404). */
int book_visit_check_visible(BookDb *db, const BookActor *a, const char *visit_id)
    BOOK_MUST_CHECK;
int book_prisoner_check_visible(BookDb *db, const BookActor *a, int64_t prisoner_id)
    BOOK_MUST_CHECK;
int book_visit_check_participant(BookDb *db, const BookActor *a, const char *visit_id)
    BOOK_MUST_CHECK;

/* Visiting orders (the ledger's accrual job, book_vo_accrual.c): issues
 * each convicted prisoner's VOs and PVOs for the periods now due, expires
 * PVOs, carries VOs over (up to 26), marks orders of past visits used.
 * Idempotent. Returns the number of prisoners whose orders changed, or -1. */
int book_vo_allocate(BookDb *db, int64_t now) BOOK_MUST_CHECK;

/* Moves visits whose time has passed: booked -> missed, in_progress ->
 * completed (an hour after the end, if signalling never said), requested ->
 * cancelled at the start (VO given back). Returns the number changed or -1. */
int book_visits_sweep(BookDb *db, int64_t now) BOOK_MUST_CHECK;

/* A slot as the rules resolved it (book_slot_check). */
typedef struct {
  int64_t template_id;
  char date[11];
  char est[16];
  char type[16];
  int open_capacity, closed_capacity;
  int64_t start, end;
} BookSlotInfo;

/* The where-and-when checks of a booking, for a hold (inside the caller's
 * transaction): the prisoner is visible to the actor, the slot exists, runs
 * that day and is not excluded, is at the prisoner's establishment, the
 * actor's role may book its type, and it lies in the booking window. 0 with
 * out filled, or -1 with e filled. */
int book_slot_check(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *slot_id,
                    int64_t now, BookSlotInfo *out, BookError *e) BOOK_MUST_CHECK;

/* Date helpers (UTC). */
void book_date_of(int64_t t, char out[11]);      /* "YYYY-MM-DD" */
int book_date_add(const char *date, int days, char out[11]);
int book_age_on(const char *dob, const char *date); /* -1 if either is bad */

#endif
