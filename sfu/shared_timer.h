/* shared_timer: one GLib timer per (GMainContext, period) that calls every
 * registrant in turn, instead of one timer source per registrant.
 *
 * GLib walks every source of a context on every loop iteration (prepare and
 * check), and a worker iterates up to 2 000 times a second: with one 1 s
 * consent timer per transport, the walk over timers that almost never fire
 * was a visible share of the SFU's and the generator's CPU
 * (docs/performance.md, issue 21). Registrants of one period on one context
 * share a single source; the group exists while it has registrants.
 *
 * Registration, removal and the callbacks happen on the context's thread.
 * A callback may remove any entry, its own included, and add entries (those
 * are first called on the next round). */
#ifndef PARLOUR_SFU_SHARED_TIMER_H
#define PARLOUR_SFU_SHARED_TIMER_H

#include <glib.h>

typedef struct SharedTimerEntry SharedTimerEntry;
typedef void (*SharedTimerFn)(void *user, gint64 now_us);

/* fn(user, now) every period_ms on ctx, first period_ms from the group's
 * creation (a registrant joining later is first called at the group's next
 * round, within one period). */
SharedTimerEntry *shared_timer_add(GMainContext *ctx, guint period_ms, SharedTimerFn fn,
                                   void *user);
/* NULL is fine. After it, fn is never called again for this entry. */
void shared_timer_remove(SharedTimerEntry *e);

/* The entry of (fn, user) on that context and period, if any, removed: for
 * owners that cannot keep the entry pointer (a linear search: rare calls). */
void shared_timer_remove_user(GMainContext *ctx, guint period_ms, SharedTimerFn fn, void *user);

/* Calls the group's registrants now, as its timer would, with now_us
 * (unit tests drive the sweep without waiting). Returns how many were
 * called; 0 if the context has no group of that period. */
guint shared_timer_run(GMainContext *ctx, guint period_ms, gint64 now_us);
/* Registrants of that period on ctx (0 when no group exists). */
guint shared_timer_count(GMainContext *ctx, guint period_ms);

#endif
