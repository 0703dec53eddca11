/* Passwords (scrypt through OpenSSL), sessions (idle timeout, CSRF token),
 * and the session cookie parser. */
#include <glib.h>
#include <string.h>

#include "book_auth.h"

static void t_hash_verify(void) {
  char *h = book_password_hash("correct horse", 1024);
  g_assert_nonnull(h);
  g_assert_true(g_str_has_prefix(h, "scrypt$1024$8$1$"));
  g_assert_true(book_password_verify("correct horse", h));
  g_assert_false(book_password_verify("correct horsE", h));
  g_assert_false(book_password_verify("", h));
  char *h2 = book_password_hash("correct horse", 1024);
  g_assert_cmpstr(h, !=, h2); /* salted */
  /* tampered or malformed stored hashes never verify */
  char *t = g_strdup(h);
  t[strlen(t) - 2] = t[strlen(t) - 2] == 'A' ? 'B' : 'A';
  g_assert_false(book_password_verify("correct horse", t));
  g_assert_false(book_password_verify("x", "plain"));
  g_assert_false(book_password_verify("x", "scrypt$3$8$1$AAAA$AAAA"));
  g_assert_false(book_password_verify("x", "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$"
                                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
  g_assert_null(book_password_hash("x", 1000)); /* not a power of two */
  g_free(t);
  g_free(h);
  g_free(h2);
}

static void t_sessions(void) {
  BookSessions *s = book_sessions_new(1200);
  BookSession *a = book_session_create(s, 7, "ann", "Ann", "family", NULL, 1000);
  g_assert_nonnull(a);
  g_assert_cmpuint(strlen(a->id), >=, 40);
  g_assert_cmpstr(a->id, !=, a->csrf);
  char *id = g_strdup(a->id);
  g_assert_true(book_session_touch(s, id, 1000 + 1199) == a); /* restarts the clock */
  g_assert_true(book_session_touch(s, id, 1000 + 1199 + 1199) == a);
  g_assert_null(book_session_touch(s, id, 1000 + 1199 + 1199 + 1200)); /* idle 20 min */
  g_assert_null(book_session_touch(s, id, 1000)); /* and forgotten */
  g_assert_null(book_session_touch(s, "nope", 1000));
  g_assert_null(book_session_touch(s, NULL, 1000));
  BookSession *b = book_session_create(s, 8, "ben", "Ben", "family", NULL, 5000);
  char *bid = g_strdup(b->id);
  book_session_destroy(s, bid);
  g_assert_null(book_session_touch(s, bid, 5001));
  g_free(bid);
  g_free(id);
  book_sessions_free(s);
}

static void t_cookie(void) {
  char *v = book_cookie_session("a=b; parlour_session=XYZ; c=d");
  g_assert_cmpstr(v, ==, "XYZ");
  g_free(v);
  g_assert_null(book_cookie_session("parlour_sessionx=1"));
  g_assert_null(book_cookie_session("parlour_session="));
  g_assert_null(book_cookie_session(NULL));
  char *long_cookie = g_strnfill(300, 'a');
  char *h = g_strconcat("parlour_session=", long_cookie, NULL);
  g_assert_null(book_cookie_session(h));
  g_free(h);
  g_free(long_cookie);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/auth/scrypt_hash_verify", t_hash_verify);
  g_test_add_func("/booking/auth/sessions_idle_timeout", t_sessions);
  g_test_add_func("/booking/auth/cookie_parse", t_cookie);
  return g_test_run();
}
