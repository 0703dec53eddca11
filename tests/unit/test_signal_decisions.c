/* Booking's decisions on live calls, the pure half of
 * signalling/sig_decisions.c: booking's admission answers (anything not well
 * formed fails closed), pages of the decision feed (order enforced), and the
 * plan a decision makes for the call this instance holds (applying twice
 * plans nothing; policy changes tighten only). End to end with the real
 * daemons: tests/signalling/test-signal-revocation.mjs. */
#include <glib.h>
#include <string.h>

#include "log.h"
#include "sig_decisions.h"

static void admit(guint status, const char *body, SigAdmitAnswer *a) {
  sig_admit_parse(status, body, body ? strlen(body) : 0, a);
}

static void test_admit_yes(void) {
  SigAdmitAnswer a;
  admit(200,
        "{\"admit\":true,\"visit\":{\"type\":\"social\",\"status\":\"booked\",\"start\":100,"
        "\"end\":200},\"policy\":{\"monitoring\":\"forbidden\",\"recording\":\"required\"}}",
        &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_YES);
  g_assert_cmpstr(a.visit_type, ==, "social");
  g_assert_cmpint(a.start, ==, 100);
  g_assert_cmpint(a.end, ==, 200);
  g_assert_false(a.monitoring_allowed);
  g_assert_true(a.recording_required);
}

static void test_admit_no(void) {
  SigAdmitAnswer a;
  admit(200, "{\"admit\":false,\"code\":\"visit_cancelled\",\"message\":\"This visit was cancelled.\"}", &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_NO);
  g_assert_cmpstr(a.code, ==, "visit_cancelled");
  g_assert_cmpstr(a.message, ==, "This visit was cancelled.");
  /* no message: the code stands in */
  admit(200, "{\"admit\":false,\"code\":\"visitor_banned\"}", &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_NO);
  g_assert_cmpstr(a.message, ==, "visitor_banned");
}

/* Fail closed: every answer that is not a well-formed yes or no. */
static void test_admit_unavailable(void) {
  static const struct {
    guint status;
    const char *body;
  } bad[] = {
      {0, NULL},    /* no answer (down, timeout) */
      {503, "{\"error\":{\"code\":\"storage_error\"}}"},
      {500, NULL},
      {401, "{\"error\":{\"code\":\"bad_credential\"}}"},
      {400, "{}"},
      {404, "not found"},
      {200, "garbage"},
      {200, ""},
      {200, "[]"},
      {200, "{}"},
      {200, "{\"admit\":\"yes\"}"},
      {200, "{\"admit\":1}"},
      {200, "{\"admit\":false}"},                       /* no code */
      {200, "{\"admit\":false,\"code\":\"Bad Code!\"}"}, /* not snake_case */
      {200, "{\"admit\":true}"},                        /* no visit, no policy */
      {200, "{\"admit\":true,\"visit\":{\"type\":\"social\",\"start\":1,\"end\":2}}"},
      {200, "{\"admit\":true,\"visit\":{\"type\":\"social\",\"start\":2,\"end\":1},"
            "\"policy\":{\"monitoring\":\"allowed\",\"recording\":\"required\"}}"},
      {200, "{\"admit\":true,\"visit\":{\"type\":\"social\",\"start\":\"1\",\"end\":2},"
            "\"policy\":{\"monitoring\":\"allowed\",\"recording\":\"required\"}}"},
      {200, "{\"admit\":true,\"visit\":{\"type\":\"social\",\"start\":1,\"end\":2},"
            "\"policy\":{\"monitoring\":\"maybe\",\"recording\":\"required\"}}"},
      {200, "{\"admit\":true,\"visit\":{\"type\":\"social\",\"start\":1,\"end\":2},"
            "\"policy\":{\"monitoring\":\"allowed\",\"recording\":\"optional\"}}"},
      {200, "{\"admit\":true,\"admit\":false}"}, /* duplicate key */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    SigAdmitAnswer a;
    a.outcome = SIG_ADMIT_YES;
    admit(bad[i].status, bad[i].body, &a);
    if (a.outcome != SIG_ADMIT_UNAVAILABLE)
      g_error("case %zu (%u %s) was not unavailable", i, bad[i].status, bad[i].body);
    g_assert_cmpstr(a.code, !=, "");
  }
}

static GPtrArray *page(const char *body, gint64 after, gint64 *head, int *rc) {
  GPtrArray *out = g_ptr_array_new_with_free_func(sig_decision_free);
  char err[200] = "";
  *rc = sig_decisions_parse(body, strlen(body), after, out, head, err, sizeof err);
  if (*rc != 0) g_assert_cmpstr(err, !=, "");
  return out;
}

static void test_feed_parse(void) {
  gint64 head = -1;
  int rc;
  GPtrArray *d = page("{\"head\":41}", -1, &head, &rc);
  g_assert_cmpint(rc, ==, 0);
  g_assert_cmpint(head, ==, 41);
  g_assert_cmpuint(d->len, ==, 0);
  g_ptr_array_free(d, TRUE);
  d = page("{\"head\":44,\"decisions\":["
           "{\"seq\":42,\"visit_id\":\"v1\",\"action\":\"end_call\",\"participant\":null,"
           "\"reason\":\"visit_cancelled\",\"message\":\"This visit was cancelled.\",\"data\":null,\"at\":1},"
           "{\"seq\":43,\"visit_id\":\"v1\",\"action\":\"remove_participant\",\"participant\":\"u-9\","
           "\"reason\":\"visitor_banned\",\"message\":\"m\",\"data\":null,\"at\":1},"
           "{\"seq\":44,\"visit_id\":\"v2\",\"action\":\"update_policy\",\"participant\":null,"
           "\"reason\":\"policy_changed\",\"message\":null,\"data\":{\"monitoring\":\"forbidden\","
           "\"recording\":\"required\"},\"at\":1}]}",
           41, &head, &rc);
  g_assert_cmpint(rc, ==, 0);
  g_assert_cmpuint(d->len, ==, 3);
  SigDecision *x = d->pdata[0];
  g_assert_cmpint(x->seq, ==, 42);
  g_assert_cmpint(x->action, ==, SIG_DEC_END_CALL);
  g_assert_cmpstr(x->message, ==, "This visit was cancelled.");
  x = d->pdata[1];
  g_assert_cmpint(x->action, ==, SIG_DEC_REMOVE_PARTICIPANT);
  g_assert_cmpstr(x->participant, ==, "u-9");
  x = d->pdata[2];
  g_assert_cmpint(x->action, ==, SIG_DEC_UPDATE_POLICY);
  g_assert_cmpint(x->monitoring, ==, 0);
  g_assert_cmpint(x->recording, ==, 1);
  g_assert_cmpstr(x->message, ==, ""); /* null message */
  g_ptr_array_free(d, TRUE);
  /* A head below the cursor (booking's database restored): parsed, the
   * poller follows it. */
  d = page("{\"head\":3,\"decisions\":[]}", 41, &head, &rc);
  g_assert_cmpint(rc, ==, 0);
  g_assert_cmpint(head, ==, 3);
  g_assert_cmpuint(d->len, ==, 0);
  g_ptr_array_free(d, TRUE);
  /* An action this signalling does not know is kept (skipped later), not an error. */
  d = page("{\"head\":5,\"decisions\":[{\"seq\":5,\"visit_id\":\"v\",\"action\":\"teleport\","
           "\"reason\":\"r\"}]}", 4, &head, &rc);
  g_assert_cmpint(rc, ==, 0);
  g_assert_cmpint(((SigDecision *)d->pdata[0])->action, ==, SIG_DEC_UNKNOWN);
  g_ptr_array_free(d, TRUE);
}

static void test_feed_refused(void) {
  static const char *const bad[] = {
      "",
      "nope",
      "{}",                                   /* no head */
      "{\"head\":\"3\",\"decisions\":[]}",
      "{\"head\":3}",                         /* after given: decisions needed */
      "{\"head\":3,\"decisions\":[{\"visit_id\":\"v\",\"action\":\"end_call\",\"reason\":\"r\"}]}",
      "{\"head\":3,\"decisions\":[{\"seq\":3,\"action\":\"end_call\",\"reason\":\"r\"}]}",
      "{\"head\":3,\"decisions\":[{\"seq\":3,\"visit_id\":\"v\",\"action\":\"end_call\"}]}",
      /* at or below the cursor: never applied twice, never out of order */
      "{\"head\":3,\"decisions\":[{\"seq\":2,\"visit_id\":\"v\",\"action\":\"end_call\",\"reason\":\"r\"}]}",
      "{\"head\":5,\"decisions\":[{\"seq\":4,\"visit_id\":\"v\",\"action\":\"end_call\",\"reason\":\"r\"},"
      "{\"seq\":4,\"visit_id\":\"v\",\"action\":\"end_call\",\"reason\":\"r\"}]}",
      /* above the head */
      "{\"head\":3,\"decisions\":[{\"seq\":9,\"visit_id\":\"v\",\"action\":\"end_call\",\"reason\":\"r\"}]}",
      /* remove_participant without a participant */
      "{\"head\":3,\"decisions\":[{\"seq\":3,\"visit_id\":\"v\",\"action\":\"remove_participant\",\"reason\":\"r\"}]}",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    gint64 head = 0;
    int rc;
    GPtrArray *d = page(bad[i], 2, &head, &rc);
    if (rc != -1) g_error("case %zu (%s) was accepted", i, bad[i]);
    g_ptr_array_free(d, TRUE);
  }
}

/* ---- planning ---- */

static SigDecision dec(SigDecisionAction a, const char *who, const char *reason) {
  SigDecision d = {.seq = 1, .visit_id = "v1", .action = a, .participant = (char *)who,
                   .reason = (char *)reason, .message = "", .monitoring = -1, .recording = -1};
  return d;
}

static const SigPartFact PARTS[] = {{"tom", FALSE}, {"ann", FALSE}, {"mon", TRUE}};

static gboolean removed_ann(const char *p, void *user) {
  (void)user;
  return strcmp(p, "ann") == 0;
}

static SigCallFacts live(void) {
  SigCallFacts f = {.live = TRUE, .monitoring_allowed = TRUE, .recording_required = TRUE,
                    .recording_on = TRUE, .parts = PARTS, .n_parts = 3};
  return f;
}

static void test_plan_end_call(void) {
  SigAction a[SIG_MAX_ACTIONS];
  SigDecision d = dec(SIG_DEC_END_CALL, NULL, "visit_cancelled");
  SigCallFacts f = live();
  g_assert_cmpuint(sig_decision_plan(&d, &f, a, SIG_MAX_ACTIONS), ==, 1);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_END_CALL);
  g_assert_cmpstr(a[0].reason, ==, "visit_cancelled");
  /* not held here: remembered as ended */
  SigCallFacts none = {0};
  g_assert_cmpuint(sig_decision_plan(&d, &none, a, SIG_MAX_ACTIONS), ==, 1);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_MARK_ENDED);
  /* twice: already ended, nothing */
  SigCallFacts ended = {.ended = TRUE};
  g_assert_cmpuint(sig_decision_plan(&d, &ended, a, SIG_MAX_ACTIONS), ==, 0);
}

static void test_plan_remove(void) {
  SigAction a[SIG_MAX_ACTIONS];
  SigDecision d = dec(SIG_DEC_REMOVE_PARTICIPANT, "tom", "visitor_banned");
  SigCallFacts f = live();
  g_assert_cmpuint(sig_decision_plan(&d, &f, a, SIG_MAX_ACTIONS), ==, 1);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_REMOVE);
  g_assert_cmpstr(a[0].participant, ==, "tom");
  g_assert_cmpstr(a[0].reason, ==, "visitor_banned");
  /* a hidden monitor is removed like anyone else */
  d.participant = "mon";
  g_assert_cmpuint(sig_decision_plan(&d, &f, a, SIG_MAX_ACTIONS), ==, 1);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_REMOVE);
  /* not in the call now: remembered, so a rejoin here is refused */
  d.participant = "zed";
  g_assert_cmpuint(sig_decision_plan(&d, &f, a, SIG_MAX_ACTIONS), ==, 1);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_MARK_REMOVED);
  /* removed already (applied twice): nothing */
  SigCallFacts gone = {.live = TRUE, .parts = PARTS, .n_parts = 1, .is_removed = removed_ann};
  d.participant = "ann";
  g_assert_cmpuint(sig_decision_plan(&d, &gone, a, SIG_MAX_ACTIONS), ==, 0);
  /* no call here: the admission check refuses them at any join */
  SigCallFacts none = {0};
  g_assert_cmpuint(sig_decision_plan(&d, &none, a, SIG_MAX_ACTIONS), ==, 0);
}

static void test_plan_policy(void) {
  SigAction a[SIG_MAX_ACTIONS];
  SigDecision d = dec(SIG_DEC_UPDATE_POLICY, NULL, "policy_changed");
  SigCallFacts f = live();
  /* monitoring forbidden: the room's policy, and every hidden monitor out */
  d.monitoring = 0;
  size_t n = sig_decision_plan(&d, &f, a, SIG_MAX_ACTIONS);
  g_assert_cmpuint(n, ==, 2);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_FORBID_MONITORING);
  g_assert_cmpint(a[1].kind, ==, SIG_ACT_REMOVE);
  g_assert_cmpstr(a[1].participant, ==, "mon");
  g_assert_cmpstr(a[1].reason, ==, "policy_changed");
  /* recording forbidden: the policy, and the recording stopped */
  d.monitoring = -1;
  d.recording = 0;
  n = sig_decision_plan(&d, &f, a, SIG_MAX_ACTIONS);
  g_assert_cmpuint(n, ==, 2);
  g_assert_cmpint(a[0].kind, ==, SIG_ACT_FORBID_RECORDING);
  g_assert_cmpint(a[1].kind, ==, SIG_ACT_STOP_RECORDING);
  /* already applied: nothing more */
  SigCallFacts after = {.live = TRUE, .parts = PARTS, .n_parts = 2};
  d.monitoring = 0;
  g_assert_cmpuint(sig_decision_plan(&d, &after, a, SIG_MAX_ACTIONS), ==, 0);
  /* loosening never touches a live call */
  SigCallFacts strict = {.live = TRUE, .parts = PARTS, .n_parts = 2};
  d.monitoring = 1;
  d.recording = 1;
  g_assert_cmpuint(sig_decision_plan(&d, &strict, a, SIG_MAX_ACTIONS), ==, 0);
  /* no call here: nothing (the next call starts under booking's policy) */
  SigCallFacts none = {0};
  d.monitoring = d.recording = 0;
  g_assert_cmpuint(sig_decision_plan(&d, &none, a, SIG_MAX_ACTIONS), ==, 0);
  /* unknown action: nothing */
  SigDecision u = dec(SIG_DEC_UNKNOWN, NULL, "r");
  g_assert_cmpuint(sig_decision_plan(&u, &f, a, SIG_MAX_ACTIONS), ==, 0);
}

static void test_effective_policy(void) {
  SigIdentity id = {.visit_type = g_strdup("social"), .visit_start = 1, .visit_end = 2,
                    .recording_required = TRUE, .monitoring_allowed = TRUE};
  SigAdmitAnswer a = {.outcome = SIG_ADMIT_YES, .visit_type = "legal", .start = 10, .end = 20,
                      .recording_required = FALSE, .monitoring_allowed = TRUE};
  /* booking's window and policy over the token's (an amended visit) */
  sig_admit_effective(&id, &a, NULL);
  g_assert_cmpstr(id.visit_type, ==, "legal");
  g_assert_cmpint(id.visit_start, ==, 10);
  g_assert_cmpint(id.visit_end, ==, 20);
  g_assert_false(id.recording_required);
  /* joining a live call: booking's looser terms do not loosen it */
  SigIdentity room = {.visit_type = "legal", .visit_start = 10, .visit_end = 20,
                      .recording_required = TRUE, .monitoring_allowed = FALSE};
  a.recording_required = TRUE;
  sig_admit_effective(&id, &a, &room);
  g_assert_true(id.recording_required);
  g_assert_false(id.monitoring_allowed);
  /* booking's stricter terms win over the live call's */
  room.monitoring_allowed = TRUE;
  a.recording_required = FALSE;
  sig_admit_effective(&id, &a, &room);
  g_assert_false(id.recording_required);
  g_assert_true(id.monitoring_allowed);
  g_free(id.visit_type);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
  g_test_add_func("/signal/decisions/admit_yes", test_admit_yes);
  g_test_add_func("/signal/decisions/admit_no", test_admit_no);
  g_test_add_func("/signal/decisions/admit_unavailable", test_admit_unavailable);
  g_test_add_func("/signal/decisions/feed_parse", test_feed_parse);
  g_test_add_func("/signal/decisions/feed_refused", test_feed_refused);
  g_test_add_func("/signal/decisions/plan_end_call", test_plan_end_call);
  g_test_add_func("/signal/decisions/plan_remove", test_plan_remove);
  g_test_add_func("/signal/decisions/plan_policy", test_plan_policy);
  g_test_add_func("/signal/decisions/effective_policy", test_effective_policy);
  return g_test_run();
}
