/* signalling's resume rule (signalling/sig_call_presence.c): a participant
 * who reconnects asking to resume keeps its SFU transports only while they
 * are the ones its client was last told of; otherwise it gets fresh ones. A
 * resume is never a way in: refused joins stay refused, and a resume of a
 * participant not held here (after a restart of signalling) is a first join. */
#include <glib.h>

#include "sig_call_presence.h"

static void test_resume(void) {
  static const struct {
    const char *why;
    SigJoinFacts f;
    SigJoinKind kind;
  } rows[] = {
      {"network change, transports current",
       {.room_live = true, .same_policy = true, .held = true, .held_ready = true,
        .room_ready = true, .resume = true, .generation_current = true},
       SIG_JOIN_RESUME},
      {"media reset while away: new transports the client never saw",
       {.room_live = true, .same_policy = true, .held = true, .held_ready = true,
        .room_ready = true, .resume = true, .generation_current = false},
       SIG_JOIN_RENEW},
      {"not yet announced: the add in flight stands",
       {.room_live = true, .same_policy = true, .held = true, .held_ready = false,
        .room_ready = true, .resume = true, .generation_current = true},
       SIG_JOIN_TAKE_OVER},
      {"signalling restarted: nobody held",
       {.room_live = true, .same_policy = true, .resume = true, .generation_current = true},
       SIG_JOIN_FIRST},
      {"no room after a restart",
       {.same_policy = true, .resume = true}, SIG_JOIN_NEW_CALL},
      {"the call ended meanwhile",
       {.call_ended = true, .resume = true, .generation_current = true}, SIG_JOIN_REFUSE_ENDED},
      {"removed while away",
       {.room_live = true, .same_policy = true, .removed = true, .resume = true,
        .generation_current = true},
       SIG_JOIN_REFUSE_REMOVED},
      {"a token for another policy",
       {.room_live = true, .same_policy = false, .held = true, .held_ready = true,
        .room_ready = true, .resume = true, .generation_current = true},
       SIG_JOIN_REFUSE_POLICY},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("row %u: %s", i, rows[i].why);
    g_assert_cmpint(sig_presence_join(&rows[i].f), ==, rows[i].kind);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/call/resume/table", test_resume);
  return g_test_run();
}
