/* Signalling's side of the unexpected-person alerts, the pure half
 * (signalling/sig_faces_policy.c): who may be analysed (only visible,
 * publishing visitors of social calls), the analyser's reports parsed with
 * every malformed one refused, and staff's actions. End to end:
 * tests/faces/test-faces-e2e.mjs. */
#include <glib.h>
#include <string.h>

#include "sig_faces_policy.h"

static void test_may_analyse(void) {
  g_assert_true(sig_faces_may_analyse("social", "visitor", false, true));
  g_assert_false(sig_faces_may_analyse("legal", "visitor", false, true));
  g_assert_false(sig_faces_may_analyse("legal", "legal_adviser", false, true));
  g_assert_false(sig_faces_may_analyse("probation", "probationer", false, true));
  g_assert_false(sig_faces_may_analyse("telemedicine", "clinician", false, true));
  g_assert_false(sig_faces_may_analyse("social", "prisoner", false, true));
  g_assert_false(sig_faces_may_analyse("social", "staff_monitor", true, false));
  g_assert_false(sig_faces_may_analyse("social", "visitor", true, true));
  g_assert_false(sig_faces_may_analyse("social", "visitor", false, false));
  g_assert_false(sig_faces_may_analyse(NULL, "visitor", false, true));
  g_assert_false(sig_faces_may_analyse("social", NULL, false, true));
  g_assert_false(sig_faces_may_analyse("Social", "visitor", false, true));
}

static SigFacesReport parse(const char *s) {
  json_t *doc = NULL;
  SigFacesReport r = sig_faces_parse(s, s ? strlen(s) : 0, &doc);
  json_decref(doc); /* the borrowed strings are not used after this */
  return r;
}

static void test_parse_good(void) {
  const char *s = "{\"v\":1,\"type\":\"faces\",\"room\":\"visit-1\",\"participant\":\"v1\","
                  "\"faces\":2,\"at_ms\":1800000000000,\"snapshot\":\"/9j/4AAQ\"}";
  json_t *doc = NULL;
  SigFacesReport r = sig_faces_parse(s, strlen(s), &doc);
  g_assert_cmpint(r.kind, ==, SIG_FACES_REPORT);
  g_assert_cmpstr(r.room, ==, "visit-1");
  g_assert_cmpstr(r.participant, ==, "v1");
  g_assert_cmpint(r.faces, ==, 2);
  g_assert_cmpint(r.at_ms, ==, 1800000000000);
  g_assert_cmpstr(r.snapshot, ==, "/9j/4AAQ");
  json_decref(doc);
  g_assert_cmpint(parse("{\"v\":1,\"type\":\"analyser_alive\",\"streams\":3}").kind, ==, SIG_FACES_ALIVE);
  g_assert_cmpint(parse("{\"v\":1,\"type\":\"snapshot\",\"room\":\"r\",\"participant\":\"p\",\"faces\":2,\"at_ms\":5,\"snapshot\":\"/9j/4AAQ\"}").kind,
                  ==, SIG_FACES_SNAPSHOT);
  g_assert_cmpint(parse("{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":0,\"at_ms\":0}").kind,
                  ==, SIG_FACES_REPORT);
}

static void test_parse_bad(void) {
  static const char *const bad[] = {
      "", "x", "[]", "null", "{}", "{\"v\":2,\"type\":\"faces\"}", "{\"v\":1}",
      "{\"v\":1,\"type\":\"other\"}", "{\"v\":\"1\",\"type\":\"faces\"}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":-1,\"at_ms\":0}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":65,\"at_ms\":0}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":1.5,\"at_ms\":0}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":1}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":1,\"at_ms\":-5}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r r\",\"participant\":\"p\",\"faces\":1,\"at_ms\":0}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"\",\"participant\":\"p\",\"faces\":1,\"at_ms\":0}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"faces\":1,\"at_ms\":0}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":1,\"at_ms\":0,\"snapshot\":\"abc\"}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":1,\"at_ms\":0,\"snapshot\":\"ab!=\"}",
      "{\"v\":1,\"type\":\"faces\",\"room\":\"r\",\"participant\":\"p\",\"faces\":1,\"at_ms\":0,\"snapshot\":5}",
      "{\"v\":1,\"v\":1,\"type\":\"faces\"}",
      /* a snapshot message without its picture */
      "{\"v\":1,\"type\":\"snapshot\",\"room\":\"r\",\"participant\":\"p\",\"faces\":2,\"at_ms\":5}",
      NULL};
  for (const char *const *b = bad; *b; b++) {
    SigFacesReport r = parse(*b);
    if (r.kind != SIG_FACES_BAD) g_error("accepted: %s", *b);
    g_assert_nonnull(r.why);
  }
  g_assert_cmpint(parse(NULL).kind, ==, SIG_FACES_BAD);
  char *huge = g_malloc(70000);
  memset(huge, ' ', 69999);
  huge[69999] = 0;
  g_assert_cmpint(parse(huge).kind, ==, SIG_FACES_BAD);
  g_free(huge);
}

static void test_actions(void) {
  g_assert_cmpstr(sig_faces_action("dismiss"), ==, "dismiss");
  g_assert_cmpstr(sig_faces_action("warn"), ==, "warn");
  g_assert_cmpstr(sig_faces_action("end"), ==, "end");
  g_assert_null(sig_faces_action(NULL));
  g_assert_null(sig_faces_action(""));
  g_assert_null(sig_faces_action("END"));
  g_assert_null(sig_faces_action("end_call"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal_faces/may_analyse", test_may_analyse);
  g_test_add_func("/signal_faces/parse_good", test_parse_good);
  g_test_add_func("/signal_faces/parse_bad", test_parse_bad);
  g_test_add_func("/signal_faces/actions", test_actions);
  return g_test_run();
}
