/* Which visits a change of facts affects, and how (issue 16 part 5,
 * docs/booking.md "Moves, reviews and outcomes"). Pure: the change, one
 * visit and the time in; what to do with that visit out. book_reviews.c
 * reads the visits, asks this for each, and does it. */
#ifndef PARLOUR_BOOK_MOVES_H
#define PARLOUR_BOOK_MOVES_H

#include <stdint.h>

typedef enum {
  BOOK_CHANGE_RELEASE,            /* the prisoner is released on from */
  BOOK_CHANGE_TRANSFER,           /* transferred on from (to_parlour says where) */
  BOOK_CHANGE_RESTRICTION,        /* a restriction in force from .. to */
  BOOK_CHANGE_CONTACT_UNAPPROVED, /* a visitor is no longer an approved contact */
  BOOK_CHANGE_NON_ASSOCIATION,    /* a non-associated prisoner has a call that day */
  BOOK_CHANGE_DATE_EXCLUDED,      /* the day (or the session that day) is blocked */
} BookChangeKind;

typedef struct {
  BookChangeKind kind;
  const char *from; /* first day the change applies, YYYY-MM-DD (NULL: at once) */
  const char *to;   /* last day (NULL: open-ended) */
  int to_parlour;   /* transfer: the destination is a Parlour establishment */
} BookChange;

typedef struct {
  const char *date;   /* the visit's day, YYYY-MM-DD */
  const char *status; /* visits.status */
  int64_t start, end;
  int involved; /* the change is about someone on this visit (the caller knows) */
} BookChangeVisit;

typedef enum {
  BOOK_EFFECT_NONE,   /* not affected */
  BOOK_EFFECT_FLAG,   /* flag for staff review with the reason */
  BOOK_EFFECT_CANCEL, /* cancel now (a live call ends through the decisions channel) */
} BookEffect;

/* What the change does to the visit at now (today: now's date, as the
 * establishment counts days). *reason: the review or cancellation reason
 * code (prisoner_released, prisoner_transferred, restriction_added,
 * contact_unapproved, non_association, date_excluded), set whenever the
 * effect is not NONE.
 *
 * - Only visits still to happen or happening count (requested, booked,
 *   in_progress, and now before the end); others are history.
 * - Release: every such visit on or after the date is cancelled, a call
 *   running now too when the date is today or earlier.
 * - Transfer: a call running now (date today or earlier) is cancelled, so
 *   it ends; later visits are cancelled when the destination is outside
 *   Parlour and flagged for review when it is a Parlour establishment
 *   (staff there may keep it as a call from the new place, or cancel).
 * - The others flag every involved visit whose day lies in from .. to. */
BookEffect book_change_effect(const BookChange *c, const BookChangeVisit *v, int64_t now,
                              const char *today, const char **reason);

#endif
