/* One-way video in signalling (issue 17 part 3): the pure rule of who may
 * receive video under each direction, booking's admission answer and
 * decision feed carrying the setting, and the plan for a live call (applied
 * at once, either way). The SFU's own gate: test_sfu_media_gate.c and
 * test_sfu_pipeline.c /sfu/pipeline/one_way_video. */
#include <glib.h>
#include <string.h>

#include "sig_decisions.h"
#include "sig_oneway.h"

static void test_rule(void) {
  const SigOneWay P = SIG_ONEWAY_PRISONER_SEES_NO_VIDEO, V = SIG_ONEWAY_VISITORS_SEE_NO_VIDEO;
  const char *roles[] = {"prisoner", "visitor", "officer", "legal_adviser", "clinician"};
  for (unsigned i = 0; i < G_N_ELEMENTS(roles); i++) {
    g_assert_true(sig_oneway_receives_video(SIG_ONEWAY_OFF, roles[i], FALSE));
    g_assert_true(sig_oneway_receives_video(P, roles[i], FALSE) ==
                  (strcmp(roles[i], "prisoner") != 0));
    g_assert_true(sig_oneway_receives_video(V, roles[i], FALSE) ==
                  (strcmp(roles[i], "visitor") != 0));
  }
  /* monitors see what they may, whatever the direction */
  g_assert_true(sig_oneway_receives_video(P, "staff_monitor", TRUE));
  g_assert_true(sig_oneway_receives_video(V, "staff_monitor", TRUE));
  /* fail safe: no role, or a value out of range */
  g_assert_false(sig_oneway_receives_video(P, NULL, FALSE));
  g_assert_true(sig_oneway_receives_video(SIG_ONEWAY_OFF, NULL, FALSE));
  g_assert_false(sig_oneway_receives_video((SigOneWay)7, "visitor", FALSE));
}

static void test_names(void) {
  SigOneWay w = SIG_ONEWAY_PRISONER_SEES_NO_VIDEO;
  g_assert_cmpint(sig_oneway_parse(NULL, &w), ==, 0);
  g_assert_cmpint(w, ==, SIG_ONEWAY_OFF);
  const char *names[] = {"off", "prisoner_sees_no_video", "visitors_see_no_video"};
  for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
    g_assert_cmpint(sig_oneway_parse(names[i], &w), ==, 0);
    g_assert_cmpint(w, ==, (int)i);
    g_assert_cmpstr(sig_oneway_name(w), ==, names[i]);
  }
  g_assert_cmpint(sig_oneway_parse("sideways", &w), ==, -1);
  g_assert_cmpint(sig_oneway_parse("", &w), ==, -1);
  g_assert_cmpint(sig_oneway_parse("Prisoner_sees_no_video", &w), ==, -1);
}

static void admit(const char *policy_extra, SigAdmitAnswer *a) {
  char *body = g_strdup_printf(
      "{\"admit\":true,\"visit\":{\"type\":\"social\",\"start\":100,\"end\":200},"
      "\"policy\":{\"monitoring\":\"allowed\",\"recording\":\"required\"%s}}",
      policy_extra);
  sig_admit_parse(200, body, strlen(body), a);
  g_free(body);
}

static void test_admit(void) {
  SigAdmitAnswer a;
  admit("", &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_YES);
  g_assert_cmpint(a.one_way, ==, SIG_ONEWAY_OFF);
  admit(",\"one_way_video\":\"prisoner_sees_no_video\"", &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_YES);
  g_assert_cmpint(a.one_way, ==, SIG_ONEWAY_PRISONER_SEES_NO_VIDEO);
  admit(",\"one_way_video\":\"visitors_see_no_video\"", &a);
  g_assert_cmpint(a.one_way, ==, SIG_ONEWAY_VISITORS_SEE_NO_VIDEO);
  /* a direction signalling does not know, or not a string: fail closed */
  admit(",\"one_way_video\":\"sideways\"", &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_UNAVAILABLE);
  admit(",\"one_way_video\":true", &a);
  g_assert_cmpint(a.outcome, ==, SIG_ADMIT_UNAVAILABLE);
  /* the admitted identity takes booking's answer */
  SigIdentity id = {0};
  admit(",\"one_way_video\":\"prisoner_sees_no_video\"", &a);
  sig_admit_effective(&id, &a, NULL);
  g_assert_cmpint(id.one_way, ==, SIG_ONEWAY_PRISONER_SEES_NO_VIDEO);
  SigIdentity room = id;
  room.visit_type = NULL;
  room.one_way = SIG_ONEWAY_VISITORS_SEE_NO_VIDEO;
  sig_admit_effective_room(&id, &room);
  g_assert_cmpint(id.one_way, ==, SIG_ONEWAY_VISITORS_SEE_NO_VIDEO);
  g_free(id.visit_type);
}

static SigDecision *feed_one(const char *data) {
  char *body = g_strdup_printf(
      "{\"head\":5,\"decisions\":[{\"seq\":5,\"visit_id\":\"v1\",\"action\":\"update_policy\","
      "\"reason\":\"one_way_video_changed\",\"data\":%s}]}",
      data);
  GPtrArray *out = g_ptr_array_new_with_free_func(sig_decision_free);
  gint64 head = 0;
  char err[200];
  g_assert_cmpint(sig_decisions_parse(body, strlen(body), 0, out, &head, err, sizeof err), ==, 0);
  g_assert_cmpuint(out->len, ==, 1);
  SigDecision *d = g_ptr_array_steal_index(out, 0);
  g_ptr_array_unref(out);
  g_free(body);
  return d;
}

static void test_plan(void) {
  SigCallFacts f = {.live = TRUE, .monitoring_allowed = TRUE, .one_way = SIG_ONEWAY_OFF};
  SigAction acts[SIG_MAX_ACTIONS];
  SigDecision *d = feed_one("{\"one_way_video\":\"prisoner_sees_no_video\"}");
  g_assert_cmpint(d->one_way, ==, SIG_ONEWAY_PRISONER_SEES_NO_VIDEO);
  g_assert_cmpint(d->monitoring, ==, -1);
  size_t n = sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts));
  g_assert_cmpuint(n, ==, 1);
  g_assert_cmpint(acts[0].kind, ==, SIG_ACT_SET_ONE_WAY);
  g_assert_cmpint(acts[0].value, ==, SIG_ONEWAY_PRISONER_SEES_NO_VIDEO);
  /* already so: nothing (applying twice plans nothing) */
  f.one_way = SIG_ONEWAY_PRISONER_SEES_NO_VIDEO;
  g_assert_cmpuint(sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts)), ==, 0);
  /* not live here: nothing (the admission answer carries it) */
  f.live = FALSE;
  f.one_way = SIG_ONEWAY_OFF;
  g_assert_cmpuint(sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts)), ==, 0);
  sig_decision_free(d);
  /* lifted: applied at once too */
  f.live = TRUE;
  f.one_way = SIG_ONEWAY_VISITORS_SEE_NO_VIDEO;
  d = feed_one("{\"one_way_video\":\"off\"}");
  n = sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts));
  g_assert_cmpuint(n, ==, 1);
  g_assert_cmpint(acts[0].value, ==, SIG_ONEWAY_OFF);
  sig_decision_free(d);
  /* a word unknown here, or a policy change that does not name it: not said */
  d = feed_one("{\"one_way_video\":\"sideways\"}");
  g_assert_cmpint(d->one_way, ==, -1);
  g_assert_cmpuint(sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts)), ==, 0);
  sig_decision_free(d);
  d = feed_one("{\"monitoring\":\"allowed\",\"recording\":\"required\"}");
  g_assert_cmpint(d->one_way, ==, -1);
  g_assert_cmpuint(sig_decision_plan(d, &f, acts, G_N_ELEMENTS(acts)), ==, 0);
  sig_decision_free(d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/oneway/rule", test_rule);
  g_test_add_func("/signal/oneway/names", test_names);
  g_test_add_func("/signal/oneway/admit", test_admit);
  g_test_add_func("/signal/oneway/plan", test_plan);
  return g_test_run();
}
