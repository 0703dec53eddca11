/* A fake wall clock for the signalling call core's unit tests: it moves
 * only when the test moves it, so a visit's minutes pass in microseconds. */
#ifndef PARLOUR_TEST_SIG_FAKE_CLOCK_H
#define PARLOUR_TEST_SIG_FAKE_CLOCK_H

#include "sig_clock.h"

typedef struct {
  int64_t ms;
} FakeClock;

static inline int64_t fake_clock_now(void *user) { return ((FakeClock *)user)->ms; }
static inline SigClock fake_clock(FakeClock *f) {
  return (SigClock){.now_ms = fake_clock_now, .user = f};
}

#endif
