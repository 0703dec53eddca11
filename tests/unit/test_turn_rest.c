/* common/turn_rest: TURN REST credentials (username expiry:user, credential
 * base64 HMAC-SHA1) against a known vector computed independently with
 * `openssl dgst -sha1 -hmac`, and bad arguments. coturn accepting them is
 * proved by tests/net/test-turn-tcp. */
#include <glib.h>

#include "turn_rest.h"

static void test_vector(void) {
  TurnCredential c;
  /* printf %s 1700003600:alice | openssl dgst -sha1 -hmac s3cret -binary | base64 */
  g_assert_cmpint(turn_rest_mint("s3cret", 6, "alice", 1700000000, 3600, &c), ==, 0);
  g_assert_cmpstr(c.username, ==, "1700003600:alice");
  g_assert_cmpstr(c.credential, ==, "YAFdW/YDZewZsR1QSgUk2IrfbRI=");
  g_assert_cmpint(c.expires, ==, 1700003600);
  turn_rest_clear(&c);
  g_assert_null(c.username);
  turn_rest_clear(NULL);
}

static void test_bad_args(void) {
  TurnCredential c;
  g_assert_cmpint(turn_rest_mint(NULL, 0, "a", 0, 10, &c), ==, -1);
  g_assert_cmpint(turn_rest_mint("s", 0, "a", 0, 10, &c), ==, -1);
  g_assert_cmpint(turn_rest_mint("s", 1, "", 0, 10, &c), ==, -1);
  g_assert_cmpint(turn_rest_mint("s", 1, "a:b", 0, 10, &c), ==, -1);
  g_assert_cmpint(turn_rest_mint("s", 1, "a", 0, 0, &c), ==, -1);
  g_assert_cmpint(turn_rest_mint("s", 1, NULL, 0, 10, &c), ==, -1);
  g_assert_cmpint(turn_rest_mint("s", 1, "a", 0, 10, NULL), ==, -1);
  g_assert_null(c.username);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/turn_rest/vector", test_vector);
  g_test_add_func("/common/turn_rest/bad_args", test_bad_args);
  return g_test_run();
}
