#include "book_capacity.h"

int book_hold_live(int64_t expires_at, int64_t now) { return now < expires_at; }

int book_holds_live_count(const int64_t *expires, size_t n, int64_t now) {
  int live = 0;
  for (size_t i = 0; i < n; i++) live += book_hold_live(expires[i], now);
  return live;
}

BookRoom book_capacity_decide(int capacity, int booked, const int64_t *other_holds_expire,
                              size_t n_holds, int64_t now) {
  if (capacity < 0) capacity = 0;
  if (booked >= capacity) return BOOK_FULL;
  int held = book_holds_live_count(other_holds_expire, n_holds, now);
  return booked + held >= capacity ? BOOK_HELD : BOOK_ROOM;
}

int64_t book_hold_expiry(int64_t now) { return now + BOOK_HOLD_SECONDS; }
