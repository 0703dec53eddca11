/* Passwords (scrypt through OpenSSL), sign-in throttling (on a real
 * sqlite file, with the clock passed in), sessions (idle timeout, CSRF
 * token), and the session cookie parser. */
#include <glib.h>
#include <glib/gstdio.h>
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

/* ---- throttling ---- */

typedef struct {
  char *dir, *path;
  BookDb *db;
} Tdb;

static void tdb_open(Tdb *t) {
  t->dir = g_dir_make_tmp("booking-auth-XXXXXX", NULL);
  g_assert_nonnull(t->dir);
  t->path = g_build_filename(t->dir, "b.db", NULL);
  char err[256];
  t->db = book_db_open(t->path, err, sizeof err);
  g_assert_nonnull(t->db);
}

static void tdb_close(Tdb *t) {
  book_db_free(t->db);
  for (const char *sfx = ""; sfx; sfx = !*sfx ? "-wal" : !strcmp(sfx, "-wal") ? "-shm" : NULL) {
    char *f = g_strconcat(t->path, sfx, NULL);
    g_unlink(f);
    g_free(f);
  }
  g_rmdir(t->dir);
  g_free(t->path);
  g_free(t->dir);
}

/* One wrong password at now; returns the wait it set. */
static int64_t fail(BookDb *db, const char *addr, const char *user, int64_t now) {
  int failures = 0;
  int64_t wait = -1;
  g_assert_cmpint(book_db_begin(db), ==, 0);
  g_assert_cmpint(book_throttle_failure(db, addr, user, now, &failures, &wait), ==, 0);
  g_assert_cmpint(book_db_commit(db), ==, 0);
  g_assert_cmpint(failures, >, 0);
  return wait;
}

static int64_t wait_for(BookDb *db, const char *addr, const char *user, int64_t now, int *first) {
  int64_t w = -1;
  int f = -1;
  g_assert_cmpint(book_throttle_check(db, addr, user, now, &w, &f), ==, 0);
  if (first) *first = f;
  return w;
}

static void t_throttle_backoff(void) {
  Tdb t;
  tdb_open(&t);
  int64_t now = 1800000000;
  /* The free failures of one address on one account, then 1, 2, 4, ... */
  for (int i = 0; i < BOOK_THROTTLE_PAIR_FREE; i++) g_assert_cmpint(fail(t.db, "10.0.0.1", "ann", now), ==, 0);
  g_assert_cmpint(wait_for(t.db, "10.0.0.1", "ann", now, NULL), ==, 0);
  int64_t want = 1;
  for (int i = 0; i < 14; i++) {
    int64_t w = fail(t.db, "10.0.0.1", "ann", now);
    g_assert_cmpint(w, ==, want < BOOK_THROTTLE_PAIR_CAP_S ? want : BOOK_THROTTLE_PAIR_CAP_S);
    int first = 0;
    g_assert_cmpint(wait_for(t.db, "10.0.0.1", "ann", now, &first), ==, w);
    g_assert_cmpint(first, ==, 1);
    g_assert_cmpint(book_db_begin(t.db), ==, 0);
    g_assert_cmpint(book_throttle_count_refusal(t.db, "10.0.0.1", "ann", now), ==, 0);
    g_assert_cmpint(book_db_commit(t.db), ==, 0);
    /* the second refusal of the same wait is not worth another audit row */
    g_assert_cmpint(wait_for(t.db, "10.0.0.1", "ann", now + w - 1, &first), ==, 1);
    g_assert_cmpint(first, ==, 0);
    now += w; /* waited it out */
    g_assert_cmpint(wait_for(t.db, "10.0.0.1", "ann", now, NULL), ==, 0);
    want *= 2;
  }
  /* Other addresses, and this address on another account, are untouched. */
  g_assert_cmpint(wait_for(t.db, "10.0.0.2", "ann", now - 1, NULL), ==, 0);
  g_assert_cmpint(wait_for(t.db, "10.0.0.1", "bob", now - 1, NULL), ==, 0);
  /* The right password forgets this address's failures on the account. */
  g_assert_cmpint(book_db_begin(t.db), ==, 0);
  g_assert_cmpint(book_throttle_success(t.db, "10.0.0.1", "ann"), ==, 0);
  g_assert_cmpint(book_db_commit(t.db), ==, 0);
  g_assert_cmpint(book_db_scalar_i64(t.db, "SELECT count(*) FROM sign_in_throttle WHERE scope = "
                                           "'account_address'", -1, 0),
                  ==, 0);
  /* ...but not the address's own count (this is its 18th failure, 8 past
   * its 10 free: 128 s), so a valid account cannot reset the waits of
   * guessing at others. */
  g_assert_cmpint(fail(t.db, "10.0.0.1", "bob", now), ==, 128);
  tdb_close(&t);
}

static void t_throttle_address(void) {
  Tdb t;
  tdb_open(&t);
  int64_t now = 1800000000;
  /* One address guessing across many usernames (known or not: the same
   * counters) is held back by its own count. */
  char u[32];
  for (int i = 0; i < BOOK_THROTTLE_ADDRESS_FREE; i++) {
    g_snprintf(u, sizeof u, "user%d", i);
    g_assert_cmpint(fail(t.db, "10.0.0.9", u, now), ==, 0);
  }
  g_assert_cmpint(fail(t.db, "10.0.0.9", "user-x", now), ==, 1);
  g_assert_cmpint(wait_for(t.db, "10.0.0.9", "someone-new", now, NULL), ==, 1);
  g_assert_cmpint(fail(t.db, "10.0.0.9", "user-y", now + 1), ==, 2);
  g_assert_cmpint(wait_for(t.db, "10.0.0.10", "someone-new", now + 1, NULL), ==, 0);
  /* Forgotten an hour after its last wait: the row is deleted by the next
   * failure anywhere. */
  int64_t later = now + 3 + BOOK_THROTTLE_FORGET_S;
  g_assert_cmpint(wait_for(t.db, "10.0.0.9", "someone-new", later, NULL), ==, 0);
  g_assert_cmpint(fail(t.db, "10.0.0.77", "z", later), ==, 0);
  g_assert_cmpint(book_db_scalar_i64(t.db, "SELECT count(*) FROM sign_in_throttle WHERE key "
                                           "LIKE '10.0.0.9%'", -1, 0),
                  ==, 0);
  tdb_close(&t);
}

static void t_throttle_account_soft(void) {
  Tdb t;
  tdb_open(&t);
  int64_t now = 1800000000;
  char a[32];
  /* Many addresses each failing a little on one account: past the ceiling
   * an address that fails waits from its first failure... */
  for (int i = 0; i < BOOK_THROTTLE_ACCOUNT_CEILING; i++) {
    g_snprintf(a, sizeof a, "10.1.0.%d", i);
    g_assert_cmpint(fail(t.db, a, "staff.booking", now), ==, 0);
  }
  g_assert_cmpint(fail(t.db, "10.2.0.1", "staff.booking", now), ==, 1);
  /* ...but an address that has not failed on it is always checked. */
  g_assert_cmpint(wait_for(t.db, "10.3.0.1", "staff.booking", now, NULL), ==, 0);
  /* and the attackers' addresses remain free for other accounts */
  g_assert_cmpint(wait_for(t.db, "10.2.0.1", "staff.other", now, NULL), ==, 0);
  tdb_close(&t);
}

static void t_address_key(void) {
  char k[64];
  book_throttle_address_key("127.0.0.2", k);
  g_assert_cmpstr(k, ==, "127.0.0.2");
  book_throttle_address_key("::ffff:10.0.0.1", k);
  g_assert_cmpstr(k, ==, "10.0.0.1");
  book_throttle_address_key("2001:db8:1:2:3:4:5:6", k);
  g_assert_cmpstr(k, ==, "2001:db8:1:2::/64");
  book_throttle_address_key("2001:db8:1:2:ffff::1", k);
  g_assert_cmpstr(k, ==, "2001:db8:1:2::/64");
  book_throttle_address_key(NULL, k);
  g_assert_cmpstr(k, ==, "unknown");
  book_throttle_address_key("", k);
  g_assert_cmpstr(k, ==, "unknown");
}

static void t_dummy_verify(void) {
  g_assert_cmpint(book_password_verify_dummy("anything", 1024), ==, 0);
  g_assert_cmpint(book_password_verify_dummy("", 2048), ==, 0);
  /* it does the work: roughly the time of a real check of the same cost */
  char *h = book_password_hash("pw", 16384);
  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < 3; i++) g_assert_false(book_password_verify("nope", h));
  gint64 real = g_get_monotonic_time() - t0;
  t0 = g_get_monotonic_time();
  for (int i = 0; i < 3; i++) book_password_verify_dummy("nope", 16384);
  gint64 dummy = g_get_monotonic_time() - t0;
  g_test_message("3 real checks %" G_GINT64_FORMAT " us, 3 dummy %" G_GINT64_FORMAT " us", real,
                 dummy);
  g_assert_cmpint(dummy * 3, >, real); /* generous: shared CI cores */
  g_assert_cmpint(real * 3, >, dummy);
  g_free(h);
}

static void t_sessions(void) {
  Tdb t = {0};
  tdb_open(&t);
  g_assert_cmpint(book_db_exec_script(t.db,
                                      "INSERT INTO users(id, username, display_name, role, "
                                      "password_hash, created_at) VALUES (7,'ann','Ann','family',"
                                      "'-',0),(8,'ben','Ben','family','-',0)",
                                      0, NULL),
                  ==, 0);
  BookSessions *s = book_sessions_new(t.db, 1200);
  int failed = -1;
  BookSession *a = book_session_create(s, 7, "ann", "Ann", "family", NULL, 1000);
  g_assert_nonnull(a);
  g_assert_cmpuint(strlen(a->id), >=, 40);
  g_assert_cmpstr(a->id, !=, a->csrf);
  char *id = g_strdup(a->id), *csrf = g_strdup(a->csrf);
  BookSession *x = book_session_touch(s, id, 1000 + 1199, &failed); /* restarts the clock */
  g_assert_nonnull(x);
  g_assert_cmpint(failed, ==, 0);
  g_assert_cmpint(x->user_id, ==, 7);
  g_assert_cmpstr(x->csrf, ==, csrf);
  g_assert_cmpstr(x->role, ==, "family");
  g_assert_nonnull(book_session_touch(s, id, 1000 + 1199 + 1199, &failed));
  /* A second instance on the same database (a restart, or another process
   * behind the load balancer) knows the session. */
  BookSessions *s2 = book_sessions_new(t.db, 1200);
  x = book_session_touch(s2, id, 1000 + 1199 + 1199 + 10, &failed);
  g_assert_nonnull(x);
  g_assert_cmpstr(x->username, ==, "ann");
  g_assert_null(book_session_touch(s, id, 1000 + 1199 + 1199 + 1200 + 10, &failed)); /* idle */
  g_assert_cmpint(failed, ==, 0);
  g_assert_null(book_session_touch(s, id, 1000, &failed)); /* and forgotten */
  g_assert_null(book_session_touch(s, "nope", 1000, &failed));
  g_assert_null(book_session_touch(s, NULL, 1000, &failed));
  g_assert_cmpint(failed, ==, 0);
  BookSession *b = book_session_create(s, 8, "ben", "Ben", "family", NULL, 5000);
  char *bid = g_strdup(b->id);
  g_assert_cmpint(book_session_destroy(s, bid), ==, 0);
  g_assert_null(book_session_touch(s, bid, 5001, &failed));
  /* The cookie value is not what is stored. */
  g_assert_cmpint(book_db_scalar_i64(t.db, "SELECT count(*) FROM sessions WHERE id_sha256 = ?", -1, 0), ==, 0);
  /* Disabling an account ends its sessions everywhere. */
  b = book_session_create(s, 8, "ben", "Ben", "family", NULL, 6000);
  g_free(bid);
  bid = g_strdup(b->id);
  g_assert_nonnull(book_session_create(s2, 8, "ben", "Ben", "family", NULL, 6000));
  g_assert_cmpint(book_sessions_end_user(s, 8), ==, 2);
  g_assert_null(book_session_touch(s2, bid, 6001, &failed));
  g_free(bid);
  g_free(id);
  g_free(csrf);
  book_sessions_free(s);
  book_sessions_free(s2);
  tdb_close(&t);
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
  g_test_add_func("/booking/auth/throttle_backoff", t_throttle_backoff);
  g_test_add_func("/booking/auth/throttle_address", t_throttle_address);
  g_test_add_func("/booking/auth/throttle_account_soft", t_throttle_account_soft);
  g_test_add_func("/booking/auth/throttle_address_key", t_address_key);
  g_test_add_func("/booking/auth/dummy_verify_costs_the_same", t_dummy_verify);
  g_test_add_func("/booking/auth/cookie_parse", t_cookie);
  return g_test_run();
}
