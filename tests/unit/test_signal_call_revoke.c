/* signalling's revocation rule (signalling/sig_call_revoke.c), table by
 * table: booking's decisions (docs/contracts.md, "Decisions reach live
 * calls") against a call's facts — end_call, remove_participant,
 * update_policy tightening at once and never loosening a live call — and
 * applying one twice doing nothing more. */
#include <glib.h>

#include "sig_call_revoke.h"

#define U SIG_POLICY_UNSAID
#define N SIG_POLICY_NO
#define Y SIG_POLICY_YES

static void test_revoke(void) {
  static const struct {
    const char *why;
    SigRevokeDecision d;
    SigRevokeFacts f;
    SigRevokeKind kind;
    bool drop_monitors, stop_recording;
  } rows[] = {
      {"end_call on a live call", {SIG_BOOKING_END_CALL, U, U}, {.live = true},
       SIG_REVOKE_END_CALL, false, false},
      {"end_call twice", {SIG_BOOKING_END_CALL, U, U}, {.live = false, .ended = true},
       SIG_REVOKE_NOTHING, false, false},
      {"end_call on a call not held here", {SIG_BOOKING_END_CALL, U, U}, {0},
       SIG_REVOKE_NOTHING, false, false},
      {"remove one who is in the call", {SIG_BOOKING_REMOVE_PARTICIPANT, U, U},
       {.live = true, .held = true}, SIG_REVOKE_REMOVE, false, false},
      {"remove one not (yet) in the call: remembered", {SIG_BOOKING_REMOVE_PARTICIPANT, U, U},
       {.live = true}, SIG_REVOKE_REMEMBER, false, false},
      {"remove twice", {SIG_BOOKING_REMOVE_PARTICIPANT, U, U}, {.live = true, .removed = true},
       SIG_REVOKE_NOTHING, false, false},
      {"remove from a call not held here", {SIG_BOOKING_REMOVE_PARTICIPANT, U, U}, {0},
       SIG_REVOKE_NOTHING, false, false},
      {"remove from an ended call", {SIG_BOOKING_REMOVE_PARTICIPANT, U, U},
       {.ended = true, .held = true}, SIG_REVOKE_NOTHING, false, false},
      {"monitoring now forbidden", {SIG_BOOKING_UPDATE_POLICY, N, U},
       {.live = true, .monitoring_allowed = true}, SIG_REVOKE_TIGHTEN, true, false},
      {"recording now forbidden", {SIG_BOOKING_UPDATE_POLICY, U, N},
       {.live = true, .recording = true}, SIG_REVOKE_TIGHTEN, false, true},
      {"both tighten", {SIG_BOOKING_UPDATE_POLICY, N, N},
       {.live = true, .monitoring_allowed = true, .recording = true}, SIG_REVOKE_TIGHTEN, true,
       true},
      {"monitoring already forbidden", {SIG_BOOKING_UPDATE_POLICY, N, N},
       {.live = true}, SIG_REVOKE_NOTHING, false, false},
      {"loosening never reaches a live call", {SIG_BOOKING_UPDATE_POLICY, Y, Y},
       {.live = true}, SIG_REVOKE_NOTHING, false, false},
      {"the same terms", {SIG_BOOKING_UPDATE_POLICY, Y, Y},
       {.live = true, .monitoring_allowed = true, .recording = true}, SIG_REVOKE_NOTHING, false,
       false},
      {"policy of a call not held here", {SIG_BOOKING_UPDATE_POLICY, N, N},
       {.monitoring_allowed = true, .recording = true}, SIG_REVOKE_NOTHING, false, false},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("row %u: %s", i, rows[i].why);
    SigRevocation r = sig_revoke_decide(&rows[i].d, &rows[i].f);
    g_assert_cmpint(r.kind, ==, rows[i].kind);
    g_assert_cmpint(r.remove_hidden_monitors, ==, rows[i].drop_monitors);
    g_assert_cmpint(r.stop_recording, ==, rows[i].stop_recording);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/call/revoke/table", test_revoke);
  return g_test_run();
}
