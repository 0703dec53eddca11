/* Time-up, the clock's part of a call: when the visit's window opens for
 * joining, the ending_soon warnings (by default 5 and 1 minute before the
 * end), and the end itself at visit.end. Pure: the caller passes `now`
 * (from the server's injected clock, sig_clock.h) and sends what comes out.
 * Unit-tested in tests/unit/test_signal_call_timeup.c. */
#ifndef PARLOUR_SIG_CALL_TIMEUP_H
#define PARLOUR_SIG_CALL_TIMEUP_H

#include <stdbool.h>
#include <stdint.h>

/* A call's time rules. */
typedef struct {
  int64_t visit_end;  /* Unix seconds */
  int warn_first_s;   /* the first warning, this long before the end (300) */
  int warn_second_s;  /* the second one (60); less than warn_first_s */
} SigTimeup;

/* The warnings one connection has had. A connection that replaces another
 * starts with none: the new page has seen none, so the due ones are sent
 * again to it, once. */
typedef struct {
  bool first, second;
} SigWarned;

/* One ending_soon message: {warning_s, seconds_left, ends_at}. */
typedef struct {
  int warning_s;
  int64_t seconds_left; /* rounded up, never negative */
  int64_t ends_at;      /* visit_end */
} SigWarning;

/* The warnings due at now_ms that w has not had yet, in order (first, then
 * second), each marked had: a warning whose moment passed before the
 * connection joined is due at once. Returns how many (0..2) are in out. */
int sig_timeup_due(const SigTimeup *t, SigWarned *w, int64_t now_ms, SigWarning out[2]);

/* True once the visit's end has come: the call ends (time_up). */
bool sig_timeup_over(const SigTimeup *t, int64_t now_ms);

/* How long until the call's timer must look again: the next warning moment
 * or the end, whichever comes first, and at most a minute (so a step of the
 * wall clock is noticed); 0 when one is due now. */
int64_t sig_timeup_next_delay_ms(const SigTimeup *t, int64_t now_ms);

/* The joining window of a visit: it opens early_join_s before visit.start
 * and closes at visit.end. */
typedef enum { SIG_WINDOW_OPEN, SIG_WINDOW_TOO_EARLY, SIG_WINDOW_TOO_LATE } SigWindow;

/* *seconds: until it opens (too early) or since it closed (too late). */
SigWindow sig_timeup_window(int64_t visit_start, int64_t visit_end, int early_join_s, int64_t now,
                            int64_t *seconds);

#endif
