/* The production clock for signalling (see sig_clock.h). */
#include "sig_clock.h"

#include "timeutil.h"

static int64_t real_now_ms(void *user) {
  (void)user;
  return time_now_ms();
}

SigClock sig_clock_real(void) { return (SigClock){.now_ms = real_now_ms, .user = 0}; }
