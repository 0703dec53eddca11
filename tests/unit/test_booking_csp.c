/* booking's Content-Security-Policy (booking/book_csp.c): every signalling
 * origin in connect-src once, and nothing from a setting that is not an
 * origin reaches the header. */
#include <glib.h>
#include <string.h>

#include "book_csp.h"

static void test_origin(void) {
  char o[64];
  g_assert_cmpint(book_csp_origin("wss://sig.example:8444/ws", o, sizeof o), ==, 0);
  g_assert_cmpstr(o, ==, "wss://sig.example:8444");
  g_assert_cmpint(book_csp_origin("ws://10.0.0.1:80", o, sizeof o), ==, 0);
  g_assert_cmpstr(o, ==, "ws://10.0.0.1:80");
  g_assert_cmpint(book_csp_origin("wss://[fd00::1]:8444/s1/ws", o, sizeof o), ==, 0);
  g_assert_cmpstr(o, ==, "wss://[fd00::1]:8444");
  /* bad input: not ws(s), no host, characters that would add a directive */
  const char *bad[] = {"https://sig.example/ws",
                       "wss:///ws",
                       "wss://",
                       "",
                       "sig.example",
                       "wss://a; script-src *",
                       "wss://a'b/ws",
                       "wss://user@host/ws",
                       "wss://a b/ws",
                       "wss://*.example/ws"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_cmpint(book_csp_origin(bad[i], o, sizeof o), ==, -1);
    g_assert_cmpstr(o, ==, "");
  }
  g_assert_cmpint(book_csp_origin(NULL, o, sizeof o), ==, -1);
  char tiny[8];
  g_assert_cmpint(book_csp_origin("wss://long.example/ws", tiny, sizeof tiny), ==, -1);
}

static void test_header(void) {
  char *one = book_csp_new("wss://127.0.0.1:8444/ws", NULL);
  g_assert_nonnull(strstr(one, "connect-src 'self' wss://127.0.0.1:8444; "));
  g_free(one);
  char *extra[] = {"wss://10.0.0.2:8444/ws", "wss://127.0.0.1:8444/ws", "wss://10.0.0.3:9444/x",
                   "wss://bad;", NULL};
  char *csp = book_csp_new("wss://127.0.0.1:8444/ws", extra);
  g_assert_nonnull(strstr(
      csp, "connect-src 'self' wss://127.0.0.1:8444 wss://10.0.0.2:8444 wss://10.0.0.3:9444; "));
  g_assert_null(strstr(csp, "bad"));
  g_assert_nonnull(strstr(csp, "frame-ancestors 'none'"));
  g_free(csp);
  char *none = book_csp_new("not a url", NULL);
  g_assert_nonnull(strstr(none, "connect-src 'self'; "));
  g_free(none);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/csp/origin", test_origin);
  g_test_add_func("/booking/csp/header", test_header);
  return g_test_run();
}
