/* Presence, the call's part of who is here: what a join means for the call
 * (refused, the call's first, a participant's first, or the same participant
 * again — taking over, resuming its SFU transports or getting fresh ones),
 * what a dropped connection means (leave now, or away within the reconnect
 * grace), and when the grace is over. Pure: facts and `now` in, a decision
 * out; sig_admit.c and sig_room.c carry it out. Unit-tested in
 * tests/unit/test_signal_call_presence.c and test_signal_call_resume.c. */
#ifndef PARLOUR_SIG_CALL_PRESENCE_H
#define PARLOUR_SIG_CALL_PRESENCE_H

#include <stdbool.h>
#include <stdint.h>

/* What the server knows when a verified join arrives. */
typedef struct {
  bool call_ended;  /* the call ended here (refused on rejoin) */
  bool room_live;   /* the call is live here */
  bool removed;     /* this participant was removed from the live call */
  bool same_policy; /* the token's visit policy is the live call's */
  bool held;        /* the participant is already in the live call */
  bool held_ready;  /* ... and was announced (participant_add done, joined sent) */
  bool room_ready;  /* the SFU room exists */
  bool resume;      /* the client asked to resume (join's "resume": true) */
  bool generation_current; /* the SFU transports it was last told of are still its own */
} SigJoinFacts;

typedef enum {
  SIG_JOIN_REFUSE_ENDED,   /* call_ended, close 4401 */
  SIG_JOIN_REFUSE_REMOVED, /* participant_removed, close 4401 */
  SIG_JOIN_REFUSE_POLICY,  /* policy_mismatch, close 4401 */
  SIG_JOIN_NEW_CALL,       /* the call's first join: place it on a node, create its room */
  SIG_JOIN_FIRST,          /* a participant's first join of a live call */
  SIG_JOIN_TAKE_OVER,      /* held but not yet announced (or the room is being created):
                              the new connection takes over, the SFU add in flight stands */
  SIG_JOIN_RESUME,         /* held and ready: keeps its SFU transports (ICE restart) */
  SIG_JOIN_RENEW,          /* held and ready: fresh SFU transports */
} SigJoinKind;

/* The order matters and is the protocol's: an ended call before a removal,
 * a removal before a policy mismatch. A held participant's old connection,
 * if any, is told "replaced" and closed 4002 whatever the kind. */
SigJoinKind sig_presence_join(const SigJoinFacts *f);

/* True for the kinds in which the same participant joins again: the others
 * see no leave and no join. */
bool sig_presence_is_rejoin(SigJoinKind k);

/* A participant's connection dropped. */
typedef enum {
  SIG_AWAY_LEAVE_NOW, /* never announced: nothing to keep for a reconnect */
  SIG_AWAY_GRACE,     /* away until *deadline_ms; a join before then takes over */
} SigAway;

SigAway sig_presence_disconnect(bool ready, int grace_s, int64_t now_ms, int64_t *deadline_ms);

/* True once an away participant's grace is over: it leaves ("disconnected"). */
bool sig_presence_grace_over(int64_t deadline_ms, int64_t now_ms);

#endif
