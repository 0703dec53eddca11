/* signalling's end-to-end encryption rule (signalling/sig_call_e2ee.c):
 * legal and telemedicine calls require it whatever the token's claim says
 * (no downgrade), the claim may require it for other calls, an unknown claim
 * value is invalid, and a client that does not announce E2EE is refused
 * from a call that requires it. */
#include <glib.h>

#include "sig_call_e2ee.h"

static void test_policy(void) {
  gboolean req = FALSE;
  g_assert_true(sig_e2ee_policy("legal", NULL, &req));
  g_assert_true(req);
  g_assert_true(sig_e2ee_policy("telemedicine", NULL, &req));
  g_assert_true(req);
  /* booking's claim cannot switch it off for a privileged call */
  g_assert_true(sig_e2ee_policy("legal", "off", &req));
  g_assert_true(req);
  g_assert_true(sig_e2ee_policy("telemedicine", "off", &req));
  g_assert_true(req);
  g_assert_true(sig_e2ee_policy("social", NULL, &req));
  g_assert_false(req);
  g_assert_true(sig_e2ee_policy("social", "off", &req));
  g_assert_false(req);
  g_assert_true(sig_e2ee_policy("probation", "required", &req));
  g_assert_true(req);
  /* bad claim values */
  g_assert_false(sig_e2ee_policy("social", "yes", &req));
  g_assert_false(sig_e2ee_policy("legal", "", &req));
  g_assert_false(sig_e2ee_policy("social", "REQUIRED", &req));
  /* no visit type: no floor */
  g_assert_true(sig_e2ee_policy(NULL, NULL, &req));
  g_assert_false(req);
}

static void test_join(void) {
  g_assert_cmpstr(sig_e2ee_join_refusal(TRUE, FALSE), ==, "e2ee_required");
  g_assert_null(sig_e2ee_join_refusal(TRUE, TRUE));
  g_assert_null(sig_e2ee_join_refusal(FALSE, FALSE));
  g_assert_null(sig_e2ee_join_refusal(FALSE, TRUE));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/e2ee/policy", test_policy);
  g_test_add_func("/signal/e2ee/join", test_join);
  return g_test_run();
}
