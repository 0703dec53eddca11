/* signalling's presence rules (signalling/sig_call_presence.c), table by
 * table with a fake clock: what a join means for the call, what a dropped
 * connection means, when the reconnect grace is over. The resume cases are
 * test_signal_call_resume.c. */
#include <glib.h>

#include "sig_call.h"
#include "sig_call_presence.h"
#include "sig_fake_clock.h"

/* Facts: E ended, L live, R removed, P same policy, H held, Y held ready,
 * S room ready (SFU room exists), U resume asked, G generation current. */
static SigJoinFacts facts(const char *s) {
  SigJoinFacts f = {.same_policy = true};
  for (; *s; s++) switch (*s) {
      case 'E': f.call_ended = true; break;
      case 'L': f.room_live = true; break;
      case 'R': f.removed = true; break;
      case 'p': f.same_policy = false; break;
      case 'H': f.held = true; break;
      case 'Y': f.held_ready = true; break;
      case 'S': f.room_ready = true; break;
      case 'U': f.resume = true; break;
      case 'G': f.generation_current = true; break;
      default: g_assert_not_reached();
    }
  return f;
}

static void test_join(void) {
  static const struct {
    const char *facts;
    SigJoinKind kind;
  } rows[] = {
      {"", SIG_JOIN_NEW_CALL},               /* the call's first join */
      {"U", SIG_JOIN_NEW_CALL},              /* a resume after a restart: a first join */
      {"E", SIG_JOIN_REFUSE_ENDED},
      {"ELRHYS", SIG_JOIN_REFUSE_ENDED},     /* ended comes first */
      {"LR", SIG_JOIN_REFUSE_REMOVED},
      {"LRp", SIG_JOIN_REFUSE_REMOVED},      /* removal before policy */
      {"Lp", SIG_JOIN_REFUSE_POLICY},
      {"LHYSp", SIG_JOIN_REFUSE_POLICY},     /* even for one held */
      {"L", SIG_JOIN_FIRST},                 /* room still being created */
      {"LS", SIG_JOIN_FIRST},
      {"LH", SIG_JOIN_TAKE_OVER},            /* held, SFU add in flight */
      {"LHS", SIG_JOIN_TAKE_OVER},
      {"LHY", SIG_JOIN_TAKE_OVER},           /* room not ready (cannot happen, stays safe) */
      {"LHYS", SIG_JOIN_RENEW},              /* a reconnect: fresh transports */
      {"LHYSG", SIG_JOIN_RENEW},             /* no resume asked */
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    SigJoinFacts f = facts(rows[i].facts);
    g_test_message("row %u: %s", i, rows[i].facts);
    g_assert_cmpint(sig_presence_join(&f), ==, rows[i].kind);
  }
}

static void test_rejoin_kinds(void) {
  static const struct {
    SigJoinKind k;
    bool rejoin;
  } rows[] = {
      {SIG_JOIN_REFUSE_ENDED, false}, {SIG_JOIN_REFUSE_REMOVED, false},
      {SIG_JOIN_REFUSE_POLICY, false}, {SIG_JOIN_NEW_CALL, false},
      {SIG_JOIN_FIRST, false},         {SIG_JOIN_TAKE_OVER, true},
      {SIG_JOIN_RESUME, true},         {SIG_JOIN_RENEW, true},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
    g_assert_cmpint(sig_presence_is_rejoin(rows[i].k), ==, rows[i].rejoin);
}

/* A drop, then the clock moves: within the grace the participant is away
 * (a join takes over), at its end they leave. */
static void test_grace(void) {
  static const struct {
    bool ready;
    int grace_s;
    int64_t after_ms; /* when the clock is read again */
    SigAway away;
    bool over;
  } rows[] = {
      {false, 30, 0, SIG_AWAY_LEAVE_NOW, true}, /* never announced: gone at once */
      {true, 30, 0, SIG_AWAY_GRACE, false},
      {true, 30, 29999, SIG_AWAY_GRACE, false},
      {true, 30, 30000, SIG_AWAY_GRACE, true},
      {true, 30, 45000, SIG_AWAY_GRACE, true},
      {true, 1, 999, SIG_AWAY_GRACE, false},
      {true, 1, 1000, SIG_AWAY_GRACE, true},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    FakeClock fc = {.ms = 1800000000000};
    SigClock clk = fake_clock(&fc);
    int64_t deadline = -1;
    g_test_message("row %u", i);
    g_assert_cmpint(sig_presence_disconnect(rows[i].ready, rows[i].grace_s, sig_clock_ms(&clk),
                                            &deadline),
                    ==, rows[i].away);
    fc.ms += rows[i].after_ms;
    g_assert_cmpint(sig_presence_grace_over(deadline, sig_clock_ms(&clk)), ==, rows[i].over);
  }
}

/* The call's timer and the grace: who leaves at a look, and when the timer
 * looks again (an away member's deadline when it comes before the next
 * warning or the end). Times are ms; the visit ends at 10 000 000 ms and
 * warns at 300 s and 60 s before. */
static void test_look(void) {
  const SigTimeup tu = {.visit_end = 10000, .warn_first_s = 300, .warn_second_s = 60};
  const int64_t now = 9000000; /* 1000 s before the end: no warning due */
  static const struct {
    const char *why;
    SigCallMember m;
    int n_actions;
    SigCallActionKind kind;
    int64_t next; /* absolute */
  } rows[] = {
      {"connected: next look at most a minute away",
       {.ready = true, .connected = true}, 0, 0, 9060000},
      {"away, grace ends in 30 s: looked at then",
       {.ready = true, .away = true, .away_deadline_ms = 9030000}, 0, 0, 9030000},
      {"away, grace ends in 90 s: the minute's look first",
       {.ready = true, .away = true, .away_deadline_ms = 9090000}, 0, 0, 9060000},
      {"away, grace over now: leaves",
       {.ready = true, .away = true, .away_deadline_ms = 9000000}, 1, SIG_CALL_GRACE_OVER, 9060000},
      {"away, grace over a while ago: leaves",
       {.ready = true, .away = true, .away_deadline_ms = 8000000}, 1, SIG_CALL_GRACE_OVER, 9060000},
      {"not yet announced: no warnings, no grace",
       {.ready = false, .connected = true}, 0, 0, 9060000},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("row %u: %s", i, rows[i].why);
    SigCallMember m = rows[i].m;
    SigCallAction acts[SIG_CALL_MAX_ACTIONS(1)];
    int64_t next = 0;
    g_assert_cmpint(sig_call_look(&tu, &m, 1, now, acts, &next), ==, rows[i].n_actions);
    if (rows[i].n_actions) {
      g_assert_cmpint(acts[0].kind, ==, rows[i].kind);
      g_assert_cmpint(acts[0].member, ==, 0);
    }
    g_assert_cmpint(next, ==, rows[i].next);
    /* sig_call_next (used when the timer is armed outside a look) agrees,
     * except that an overdue grace is looked at at once. */
    int64_t want = rows[i].kind == SIG_CALL_GRACE_OVER && rows[i].n_actions ? now : rows[i].next;
    g_assert_cmpint(sig_call_next(&tu, &rows[i].m, 1, now), ==, want);
  }
  /* Several members: each one's own grace; the earliest deadline wins. */
  SigCallMember ms[3] = {
      {.ready = true, .connected = true},
      {.ready = true, .away = true, .away_deadline_ms = 9020000},
      {.ready = true, .away = true, .away_deadline_ms = 9010000},
  };
  g_assert_cmpint(sig_call_next(&tu, ms, 3, now), ==, 9010000);
  SigCallAction acts[SIG_CALL_MAX_ACTIONS(3)];
  int64_t next = 0;
  g_assert_cmpint(sig_call_look(&tu, ms, 3, 9010000, acts, &next), ==, 1);
  g_assert_cmpint(acts[0].member, ==, 2);
  g_assert_cmpint(next, ==, 9020000);
  /* At the end: the end alone, whoever is away. */
  g_assert_cmpint(sig_call_look(&tu, ms, 3, 10000000, acts, &next), ==, 1);
  g_assert_cmpint(acts[0].kind, ==, SIG_CALL_END);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/call/presence/join", test_join);
  g_test_add_func("/signal/call/presence/rejoin_kinds", test_rejoin_kinds);
  g_test_add_func("/signal/call/presence/grace", test_grace);
  g_test_add_func("/signal/call/presence/look", test_look);
  return g_test_run();
}
