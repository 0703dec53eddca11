/* Whether a slot has room: the pure rule behind held slots (issue 16 part
 * 3; HMPPS: a slot is full when booked visits plus unexpired reservations of
 * the same restriction reach that restriction's capacity).
 *
 * No I/O and no clock: the caller passes the capacity, the visits booked,
 * the expiry times of other people's holds and now. A hold is live while
 * now < expires_at, so a hold expires by itself at its time; no job has to
 * run for the place to come free (the sweep only deletes old rows). */
#ifndef PARLOUR_BOOK_CAPACITY_H
#define PARLOUR_BOOK_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

/* How long choosing a slot holds a place (HMPPS: 10 minutes). */
#define BOOK_HOLD_SECONDS 600

typedef enum {
  BOOK_ROOM = 0,  /* a place is free */
  BOOK_FULL = 1,  /* booked visits alone fill the slot */
  BOOK_HELD = 2,  /* visits plus other people's live holds fill it */
} BookRoom;

/* 1 when a hold that expires at expires_at still holds its place at now. */
int book_hold_live(int64_t expires_at, int64_t now);

/* The number of holds in expires[0..n) live at now. */
int book_holds_live_count(const int64_t *expires, size_t n, int64_t now);

/* The decision for one more visit or hold of one restriction: capacity of
 * that restriction (open or closed), visits booked in it (not cancelled,
 * not counting the visit being amended), and the expiry times of the holds
 * in it that belong to others (not the asker's own hold for this
 * prisoner). A negative capacity counts as zero. */
BookRoom book_capacity_decide(int capacity, int booked, const int64_t *other_holds_expire,
                              size_t n_holds, int64_t now);

/* The expiry of a hold placed at now. */
int64_t book_hold_expiry(int64_t now);

#endif
