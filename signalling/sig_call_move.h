/* Moves, the call's part of SFU nodes going away: what happens to a live
 * call when its node is lost (the control connection dropped: the SFU keeps
 * no state across a restart, so the room is gone) or an operator marks it
 * draining (SIGHUP-reloaded [sfu] draining), and which node a call goes to.
 * Pure: facts in, a decision out; sig_server.c and sig_admit.c carry it out
 * (docs/media.md, "Moving a call"). Unit-tested in
 * tests/unit/test_signal_call_move.c. */
#ifndef PARLOUR_SIG_CALL_MOVE_H
#define PARLOUR_SIG_CALL_MOVE_H

#include <stdbool.h>

typedef struct {
  bool node_lost;     /* the call's node dropped its control connection */
  bool node_draining; /* the call's node is marked draining */
  bool drain_moves;   /* draining moves live calls (else they finish where they are) */
  bool room_ready;    /* the call's SFU room exists (not still being created) */
  bool other_node;    /* another node is healthy and not draining */
} SigMoveFacts;

typedef enum {
  SIG_MOVE_STAY, /* nothing to do: the call stays on its node */
  SIG_MOVE_MOVE, /* recreate the room on another node; every participant renegotiates */
  SIG_MOVE_END,  /* the node is lost and nowhere else can take the call: visit_ended media_failure */
} SigMoveAction;

/* A lost node moves its calls when another node can take them, else ends
 * them; a draining node moves them only when the operator said so and
 * another node can take them, else they finish where they are. A room still
 * being created on a lost node has its creation fail (sfu_unavailable) and
 * its joins refused, so it is not moved here. */
SigMoveAction sig_move_plan(const SigMoveFacts *f);

/* Node choice: the least loaded node that is healthy and not draining, ties
 * to the earliest in the configured list; `except` (-1 for none) is never
 * chosen. Returns an index or -1 when none qualifies. */
int sig_move_pick_node(int n, const bool *healthy, const bool *draining, const int *rooms,
                       int except);

#endif
