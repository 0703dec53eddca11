/* The clock signalling's call logic reads, injected: the server holds one
 * (the real wall clock in production) and passes `now` into the call core
 * (sig_call_*.h), which never reads a clock itself. Unit tests use a fake
 * one they move by hand, so the minutes of a visit pass in microseconds. */
#ifndef PARLOUR_SIG_CLOCK_H
#define PARLOUR_SIG_CLOCK_H

#include <stdint.h>

/* Wall clock, Unix milliseconds. */
typedef int64_t (*SigClockFn)(void *user);

typedef struct {
  SigClockFn now_ms;
  void *user;
} SigClock;

/* The real wall clock (time_now_ms). */
SigClock sig_clock_real(void);

static inline int64_t sig_clock_ms(const SigClock *c) { return c->now_ms(c->user); }
/* Unix seconds, rounded down (as time_now_unix). */
static inline int64_t sig_clock_unix(const SigClock *c) {
  int64_t ms = sig_clock_ms(c);
  return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

#endif
