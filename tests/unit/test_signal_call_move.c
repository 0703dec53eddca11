/* signalling's rules for moving a call between SFU nodes
 * (signalling/sig_call_move.c), table by table: what a lost or draining
 * node means for a live call, and which node takes it. */
#include <glib.h>

#include "sig_call_move.h"

/* Facts: X node lost, D node draining, M drain moves, R room ready,
 * O another node can take it. */
static SigMoveFacts facts(const char *s) {
  SigMoveFacts f = {0};
  for (; *s; s++) switch (*s) {
      case 'X': f.node_lost = true; break;
      case 'D': f.node_draining = true; break;
      case 'M': f.drain_moves = true; break;
      case 'R': f.room_ready = true; break;
      case 'O': f.other_node = true; break;
      default: g_assert_not_reached();
    }
  return f;
}

static void test_plan(void) {
  static const struct {
    const char *facts;
    SigMoveAction action;
  } rows[] = {
      {"", SIG_MOVE_STAY},       /* a healthy node: nothing */
      {"RO", SIG_MOVE_STAY},
      {"XRO", SIG_MOVE_MOVE},    /* lost, somewhere else to go */
      {"XR", SIG_MOVE_END},      /* lost, nowhere to go: media_failure */
      {"XO", SIG_MOVE_STAY},     /* still being created: its creation fails by itself */
      {"X", SIG_MOVE_STAY},
      {"XDMRO", SIG_MOVE_MOVE},  /* lost while draining: lost wins */
      {"XDR", SIG_MOVE_END},
      {"DMRO", SIG_MOVE_MOVE},   /* drained and moved */
      {"DRO", SIG_MOVE_STAY},    /* drained, left to finish */
      {"DMR", SIG_MOVE_STAY},    /* drained, nowhere to go: it finishes where it is */
      {"DMO", SIG_MOVE_STAY},    /* still being created when the drain came: it stays */
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    SigMoveFacts f = facts(rows[i].facts);
    g_test_message("row %u: %s", i, rows[i].facts);
    g_assert_cmpint(sig_move_plan(&f), ==, rows[i].action);
  }
}

static void test_pick(void) {
  bool healthy[] = {true, true, true, false};
  bool draining[] = {false, false, false, false};
  int rooms[] = {2, 1, 1, 0};
  /* least loaded healthy, ties to the first; the unhealthy empty one never */
  g_assert_cmpint(sig_move_pick_node(4, healthy, draining, rooms, -1), ==, 1);
  /* the call's own node is never the answer */
  g_assert_cmpint(sig_move_pick_node(4, healthy, draining, rooms, 1), ==, 2);
  draining[2] = true;
  g_assert_cmpint(sig_move_pick_node(4, healthy, draining, rooms, 1), ==, 0);
  /* NULL draining: none drains */
  g_assert_cmpint(sig_move_pick_node(4, healthy, NULL, rooms, 1), ==, 2);
  draining[0] = true;
  g_assert_cmpint(sig_move_pick_node(4, healthy, draining, rooms, 1), ==, -1);
  g_assert_cmpint(sig_move_pick_node(0, healthy, draining, rooms, -1), ==, -1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/move/plan", test_plan);
  g_test_add_func("/signal/move/pick", test_pick);
  return g_test_run();
}
