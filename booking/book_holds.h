/* Held slots (issue 16 part 3; HMPPS: an application reserves a place for
 * 10 minutes). Choosing a slot holds a place for its user for
 * BOOK_HOLD_SECONDS; capacity counts the live holds of others beside the
 * booked visits (the pure rule is book_capacity.h); a hold expires by
 * itself at its time; booking with the hold's id turns it into the visit.
 *
 * A user holds at most one place per prisoner: holding another slot for the
 * same prisoner releases the first. Holds belong to their user alone: a hold
 * id of someone else's is answered as no such hold (never forbidden), so
 * ids cannot be probed. Every write runs in one transaction on the storage
 * seam (sqlite: BEGIN IMMEDIATE; PostgreSQL: the writers' advisory lock),
 * so two people racing for the last place are serialised: one holds it, the
 * other is told slot_held at once. */
#ifndef PARLOUR_BOOK_HOLDS_H
#define PARLOUR_BOOK_HOLDS_H

#include <stdint.h>

#include "book_db.h"
#include "book_rules.h"

#define BOOK_HOLD_ID_LEN 33 /* 32 hex + NUL */

typedef struct {
  char id[BOOK_HOLD_ID_LEN];
  int64_t prisoner_id;
  int64_t template_id;
  char date[11];
  char restriction[8];
  int64_t created_at, expires_at;
} BookHold;

/* 1 when text looks like a hold id (32 lowercase hex). */
int book_hold_id_ok(const char *text);

/* Holds a place in slot_id for the prisoner (releasing the actor's earlier
 * hold for that prisoner). visitors (may be none) are the people chosen so
 * far: one with a CLOSED restriction makes the hold a closed place, as the
 * prisoner's own CLOSED restriction does. 0 with out filled, or -1 with e
 * filled (slot_full, slot_held, ineligible_*, outside_booking_window, ...). */
int book_hold_place(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *slot_id,
                    const BookVisitorSel *visitors, size_t n_visitors, int64_t now,
                    BookHold *out, BookError *e) BOOK_MUST_CHECK;

/* Releases the actor's hold. 0, or -1 with e filled (404 hold_not_found
 * for an unknown id, an expired one or someone else's). */
int book_hold_release(BookDb *db, const BookActor *a, const char *hold_id, int64_t now,
                      BookError *e) BOOK_MUST_CHECK;

/* The actor's live holds into out (a GArray of BookHold): 0 or -1. */
int book_holds_list(BookDb *db, const BookActor *a, int64_t now, GArray *out) BOOK_MUST_CHECK;

/* ---- inside a booking's transaction (book_rules.c) ---- */

/* The room check of a visit of restriction ("open"/"closed") in a slot of
 * that capacity: counts the visits booked in it (not exclude_visit) and the
 * live holds of others (not user_id's hold for prisoner_id). 0 room; -1 with
 * e filled: 422 slot_full, 422 slot_held, or 503. */
int book_slot_room(BookDb *db, int64_t template_id, const char *date, const char *restriction,
                   int capacity, const char *exclude_visit, int64_t user_id,
                   int64_t prisoner_id, int64_t now, BookError *e) BOOK_MUST_CHECK;

/* The hold a booking names: the actor's own (else 404 hold_not_found), live
 * (else 409 hold_expired) and for this prisoner and slot (else 422
 * hold_mismatch). 0 or -1 with e filled. */
int book_hold_take(BookDb *db, const BookActor *a, const char *hold_id, int64_t prisoner_id,
                   const char *slot_id, int64_t now, BookError *e) BOOK_MUST_CHECK;

/* Deletes user_id's hold for prisoner_id (the booking took its place). */
int book_holds_drop_for(BookDb *db, int64_t user_id, int64_t prisoner_id) BOOK_MUST_CHECK;

/* ---- for the slot list ---- */

/* Live holds of others in an establishment's slots from..to (dates): a
 * table "<template>:<date>:<restriction>" -> count (g_hash_table_destroy
 * it); the hold of user_id for prisoner_id is left out and copied to *mine
 * (mine->id[0] is 0 when there is none). NULL when the database failed. */
GHashTable *book_holds_by_slot(BookDb *db, const char *est, const char *from, const char *to,
                               int64_t user_id, int64_t prisoner_id, int64_t now,
                               BookHold *mine);

/* Deletes holds that expired more than an hour ago (tidying only: an
 * expired hold already counts for nothing). The number deleted, or -1. */
int book_holds_sweep(BookDb *db, int64_t now) BOOK_MUST_CHECK;

#endif
