/* The call's timer, one look at a time: given the call's time rules, its
 * members and `now`, what is due — the end (time_up), an away member's
 * reconnect grace over (it leaves), each connected member's ending_soon
 * warnings — and when to look again. Pure: the room (sig_room.c) copies its
 * participants into SigCallMember values, calls sig_call_look from its one
 * GLib timer, carries the actions out and arms the timer for *next_ms.
 * Unit-tested on a fake clock in tests/unit/test_signal_call_timeup.c and
 * test_signal_call_presence.c. */
#ifndef PARLOUR_SIG_CALL_H
#define PARLOUR_SIG_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sig_call_timeup.h"

/* A participant as the call's timer sees it. */
typedef struct {
  bool ready;               /* announced (joined sent) */
  bool connected;           /* has a connection now */
  bool away;                /* dropped, within the reconnect grace */
  SigWarned warned;         /* updated by sig_call_look */
  int64_t away_deadline_ms; /* away: the grace ends then */
} SigCallMember;

typedef enum {
  SIG_CALL_END,        /* the visit is over: end the call (time_up); always alone */
  SIG_CALL_GRACE_OVER, /* members[member] leaves ("disconnected") */
  SIG_CALL_WARN,       /* send warning to members[member] */
} SigCallActionKind;

typedef struct {
  SigCallActionKind kind;
  size_t member;
  SigWarning warning; /* SIG_CALL_WARN */
} SigCallAction;

/* Room for the actions of n members: never more than this. */
#define SIG_CALL_MAX_ACTIONS(n) (3 * (n) + 1)

/* One look at now: SIG_CALL_END alone when the visit is over; else every
 * GRACE_OVER, then every WARN in member order (two for one member come in
 * order, first then second). out must hold SIG_CALL_MAX_ACTIONS(n).
 * *next_ms: the absolute time to look again (0 after SIG_CALL_END). */
size_t sig_call_look(const SigTimeup *t, SigCallMember *members, size_t n, int64_t now_ms,
                     SigCallAction *out, int64_t *next_ms);

/* When the call must next be looked at: the next warning moment or the end
 * (at most a minute away) or the earliest grace deadline still to come. */
int64_t sig_call_next(const SigTimeup *t, const SigCallMember *members, size_t n, int64_t now_ms);

#endif
