/* The call core's rules for moving a call between SFU nodes (sig_call_move.h). */
#include "sig_call_move.h"

#include <stddef.h>

SigMoveAction sig_move_plan(const SigMoveFacts *f) {
  if (f->node_lost) {
    if (!f->room_ready) return SIG_MOVE_STAY;
    return f->other_node ? SIG_MOVE_MOVE : SIG_MOVE_END;
  }
  if (f->node_draining && f->drain_moves && f->room_ready && f->other_node) return SIG_MOVE_MOVE;
  return SIG_MOVE_STAY;
}

int sig_move_pick_node(int n, const bool *healthy, const bool *draining, const int *rooms,
                       int except) {
  int best = -1;
  for (int i = 0; i < n; i++) {
    if (i == except || !healthy[i] || (draining && draining[i])) continue;
    if (best < 0 || rooms[i] < rooms[best]) best = i;
  }
  return best;
}
