/* signalling admission (signalling/sig_join.c): each way a join can be
 * wrong maps to its own error code; the window is judged from the signed
 * visit claims; roles and grants must be consistent; monitor tokens for a
 * visit that may not be monitored are refused. Also the SFU node choice. */
#include <glib.h>
#include <string.h>

#include "sig_join.h"
#include "sig_sfu.h"
#include "token.h"

static EVP_PKEY *key, *other;
static char *kid;
static const int64_t NOW = 1800000000;
static const int64_t START = 1800000000 - 60, END = 1800000000 + 1800;

static SigJoinPolicy policy(void) {
  SigJoinPolicy p = {.pub = key,
                     .kid = kid,
                     .expect = {.issuer = "parlour-booking", .audience = "parlour-signal",
                                .leeway_s = 30},
                     .early_join_s = 900};
  return p;
}

static json_t *claims(const char *role, int hidden, int publish, const char *monitoring) {
  return json_pack(
      "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:{s:b, s:b, s:b, s:b, s:b},"
      " s:{s:s, s:I, s:I}, s:s, s:s}",
      "iss", "parlour-booking", "aud", "parlour-signal", "sub", "p1", "jti", "j1", "iat",
      (json_int_t)(START - 900), "nbf", (json_int_t)(START - 900), "exp", (json_int_t)END,
      "room", "visit-1", "name", "Pat", "role", role, "grants", "publish", publish, "subscribe", 1,
      "hidden", hidden, "moderate", hidden, "may_record", 0, "visit", "type", "social", "start",
      (json_int_t)START, "end", (json_int_t)END, "recording", "required", "monitoring",
      monitoring);
}

static char *sign_with(EVP_PKEY *k, const char *with_kid, json_t *c) {
  char err[128];
  char *t = token_sign(k, with_kid, c, err, sizeof err);
  g_assert_nonnull(t);
  json_decref(c);
  return t;
}

/* Runs the check; returns the error code ("ok" on success). */
static const char *run(const char *token, const char *room, int64_t now, SigJoinError *e) {
  SigJoinPolicy p = policy();
  SigIdentity *id = sig_join_check(&p, token, room, now, e);
  if (!id) return e->code;
  sig_identity_free(id);
  return "ok";
}

static void test_good(void) {
  SigJoinPolicy p = policy();
  SigJoinError e;
  char *t = sign_with(key, kid, claims("visitor", 0, 1, "allowed"));
  SigIdentity *id = sig_join_check(&p, t, "visit-1", NOW, &e);
  g_assert_nonnull(id);
  g_assert_cmpstr(id->participant, ==, "p1");
  g_assert_cmpstr(id->role, ==, "visitor");
  g_assert_true(id->publish && id->subscribe && !id->hidden);
  g_assert_true(id->recording_required && id->monitoring_allowed);
  g_assert_cmpint(id->visit_end, ==, END);
  sig_identity_free(id);
  g_free(t);
}

static void test_each_error(void) {
  SigJoinError e;
  char *t = sign_with(key, kid, claims("visitor", 0, 1, "allowed"));
  g_assert_cmpstr(run(t, "visit-2", NOW, &e), ==, "wrong_room");
  g_assert_cmpstr(run(t, "", NOW, &e), ==, "bad_message");
  g_assert_cmpstr(run("", "visit-1", NOW, &e), ==, "token_malformed");
  /* window: opens at START-900, closes at END */
  g_assert_cmpstr(run(t, "visit-1", START - 1000, &e), ==, "too_early");
  g_assert_cmpint(e.seconds, ==, 100);
  g_assert_cmpstr(run(t, "visit-1", START - 900, &e), ==, "ok");
  g_assert_cmpstr(run(t, "visit-1", END - 1, &e), ==, "ok");
  g_assert_cmpstr(run(t, "visit-1", END, &e), ==, "too_late");
  g_assert_cmpstr(run(t, "visit-1", END + 3600, &e), ==, "too_late");
  g_assert_cmpint(e.seconds, ==, 3600);
  g_free(t);

  /* A token whose own life is shorter than the window. */
  json_t *c = claims("visitor", 0, 1, "allowed");
  json_object_set_new(c, "exp", json_integer(NOW - 100));
  t = sign_with(key, kid, c);
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_expired");
  g_free(t);
  c = claims("visitor", 0, 1, "allowed");
  json_object_set_new(c, "nbf", json_integer(NOW + 100));
  t = sign_with(key, kid, c);
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_not_yet_valid");
  g_free(t);

  /* Another key: with its kid, named; without, a bad signature. */
  char *okid = token_key_id(other);
  t = sign_with(other, okid, claims("visitor", 0, 1, "allowed"));
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_unknown_key");
  g_free(t);
  t = sign_with(other, NULL, claims("visitor", 0, 1, "allowed"));
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_bad_signature");
  g_free(t);
  g_free(okid);
  /* A window check never trusts an unverified token: wrong key + expired
   * is a signature error, not too_late. */
  t = sign_with(other, NULL, claims("visitor", 0, 1, "allowed"));
  g_assert_cmpstr(run(t, "visit-1", END + 10, &e), ==, "token_bad_signature");
  g_free(t);
}

static void test_roles_and_grants(void) {
  SigJoinError e;
  char *t = sign_with(key, kid, claims("staff_monitor", 1, 0, "allowed"));
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "ok");
  g_free(t);
  t = sign_with(key, kid, claims("staff_monitor", 1, 0, "forbidden"));
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "monitoring_forbidden");
  g_free(t);
  t = sign_with(key, kid, claims("staff_monitor", 0, 0, "allowed")); /* not hidden */
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  t = sign_with(key, kid, claims("staff_monitor", 1, 1, "allowed")); /* publishes */
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  t = sign_with(key, kid, claims("officer", 1, 1, "allowed")); /* hidden publisher */
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  /* an interpreter (issue 19 part 5): joins shown, publishing; never hidden */
  SigJoinPolicy ip = policy();
  t = sign_with(key, kid, claims("interpreter", 0, 1, "allowed"));
  SigIdentity *iid = sig_join_check(&ip, t, "visit-1", NOW, &e);
  g_assert_nonnull(iid);
  g_assert_cmpstr(iid->role, ==, "interpreter");
  g_assert_true(iid->publish && iid->subscribe && !iid->hidden);
  sig_identity_free(iid);
  g_free(t);
  t = sign_with(key, kid, claims("interpreter", 1, 0, "allowed")); /* hidden */
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  t = sign_with(key, kid, claims("warden", 0, 1, "allowed"));
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  json_t *c = claims("visitor", 0, 1, "allowed");
  json_object_set_new(c, "recording", json_string("maybe"));
  t = sign_with(key, kid, c);
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  c = claims("visitor", 0, 1, "allowed");
  json_object_del(json_object_get(c, "grants"), "publish");
  t = sign_with(key, kid, c);
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
  c = claims("visitor", 0, 1, "allowed");
  json_object_set_new(c, "sub", json_string("p 1/../x")); /* not an SFU identifier */
  t = sign_with(key, kid, c);
  g_assert_cmpstr(run(t, "visit-1", NOW, &e), ==, "token_invalid_claims");
  g_free(t);
}

static void test_pick_node(void) {
  gboolean h[3] = {TRUE, TRUE, TRUE};
  int rooms[3] = {0, 0, 0};
  g_assert_cmpint(sfu_pick_node(3, h, rooms), ==, 0); /* ties: the first, the default */
  rooms[0] = 2;
  rooms[1] = 1;
  rooms[2] = 1;
  g_assert_cmpint(sfu_pick_node(3, h, rooms), ==, 1);
  h[1] = FALSE;
  g_assert_cmpint(sfu_pick_node(3, h, rooms), ==, 2);
  h[0] = h[2] = FALSE;
  g_assert_cmpint(sfu_pick_node(3, h, rooms), ==, -1);
  g_assert_cmpint(sfu_pick_node(0, h, rooms), ==, -1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  key = token_generate_key();
  other = token_generate_key();
  kid = token_key_id(key);
  g_test_add_func("/signal/join/good", test_good);
  g_test_add_func("/signal/join/each_error", test_each_error);
  g_test_add_func("/signal/join/roles_and_grants", test_roles_and_grants);
  g_test_add_func("/signal/nodes/pick", test_pick_node);
  int rc = g_test_run();
  EVP_PKEY_free(key);
  EVP_PKEY_free(other);
  g_free(kid);
  return rc;
}
