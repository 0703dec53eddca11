#include "book_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "b64url.h"
#include "ids.h"

#define SCRYPT_R 8
#define SCRYPT_P 1
#define SALT_LEN 16
#define HASH_LEN 32
#define SCRYPT_MAXMEM (256UL * 1024 * 1024)

static int derive(const char *pw, const unsigned char *salt, size_t salt_len, unsigned long n,
                  unsigned long r, unsigned long p, unsigned char *out, size_t out_len) {
  return EVP_PBE_scrypt(pw, strlen(pw), salt, salt_len, n, r, p, SCRYPT_MAXMEM, out, out_len) ==
                 1
             ? 0
             : -1;
}

char *book_password_hash(const char *password, unsigned long n) {
  unsigned char salt[SALT_LEN], hash[HASH_LEN];
  if (!password || n < 2 || (n & (n - 1)) != 0) return NULL;
  if (RAND_bytes(salt, sizeof salt) != 1) return NULL;
  if (derive(password, salt, sizeof salt, n, SCRYPT_R, SCRYPT_P, hash, sizeof hash)) return NULL;
  char *s = b64url_encode(salt, sizeof salt), *h = b64url_encode(hash, sizeof hash);
  char *out = g_strdup_printf("scrypt$%lu$%d$%d$%s$%s", n, SCRYPT_R, SCRYPT_P, s, h);
  g_free(s);
  g_free(h);
  OPENSSL_cleanse(hash, sizeof hash);
  return out;
}

int book_password_verify(const char *password, const char *stored) {
  if (!password || !stored) return 0;
  gchar **parts = g_strsplit(stored, "$", -1);
  int ok = 0;
  if (g_strv_length(parts) == 6 && strcmp(parts[0], "scrypt") == 0) {
    unsigned long n = strtoul(parts[1], NULL, 10), r = strtoul(parts[2], NULL, 10),
                  p = strtoul(parts[3], NULL, 10);
    size_t slen = 0, hlen = 0;
    unsigned char *salt = b64url_decode(parts[4], strlen(parts[4]), &slen);
    unsigned char *want = b64url_decode(parts[5], strlen(parts[5]), &hlen);
    /* Bounds keep a tampered row from asking for absurd work. */
    if (salt && want && hlen == HASH_LEN && n >= 2 && n <= (1UL << 20) && (n & (n - 1)) == 0 &&
        r >= 1 && r <= 16 && p >= 1 && p <= 4) {
      unsigned char got[HASH_LEN];
      if (derive(password, salt, slen, n, r, p, got, sizeof got) == 0)
        ok = CRYPTO_memcmp(got, want, HASH_LEN) == 0;
      OPENSSL_cleanse(got, sizeof got);
    }
    g_free(salt);
    g_free(want);
  }
  g_strfreev(parts);
  return ok;
}

int book_password_verify_dummy(const char *password, unsigned long n) {
  /* A well-formed stored hash of cost n (16-byte salt, 32-byte hash, the
   * r and p of real ones) that no password matches in practice: verifying
   * against it derives scrypt exactly as a real check does. */
  char dummy[160];
  g_snprintf(dummy, sizeof dummy,
             "scrypt$%lu$%d$%d$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", n,
             SCRYPT_R, SCRYPT_P);
  (void)book_password_verify(password, dummy);
  return 0;
}

/* ---- sign-in throttling ---- */

void book_throttle_address_key(const char *peer, char out[64]) {
  unsigned char a[16];
  const char *p = peer && *peer ? peer : "unknown";
  if (inet_pton(AF_INET6, p, a) == 1) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, 12) == 0) {
      inet_ntop(AF_INET, a + 12, out, 64);
      return;
    }
    memset(a + 8, 0, 8);
    char t[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a, t, sizeof t);
    g_snprintf(out, 64, "%s/64", t);
    return;
  }
  g_strlcpy(out, p, 64);
}

/* The wait after a key's excess-th failure past its free ones: 1 s, 2 s,
 * 4 s, ... up to cap. */
static int64_t backoff(int excess, int64_t cap) {
  if (excess <= 0) return 0;
  int64_t d = excess > 30 ? cap : (int64_t)1 << (excess - 1);
  return d < cap ? d : cap;
}

static char *pair_key(const char *address_key, const char *username) {
  /* An address never holds a newline, so the split is unambiguous. */
  return g_strdup_printf("%s\n%s", address_key, username);
}

/* The row of (scope, key) if it has not expired. 1 found, 0 none, -1 error. */
static int throttle_row(BookDb *db, const char *scope, const char *key, int64_t now,
                        int *failures, int64_t *blocked_until, int *refused) {
  BookStmt *st = book_db_stmt(db, "SELECT failures, blocked_until, refused FROM "
                                      "sign_in_throttle WHERE scope = ? AND key = ? AND "
                                      "expires_at > ?");
  if (!st) return -1;
  book_bind_text(st, 1, scope);
  book_bind_text(st, 2, key);
  book_bind_i64(st, 3, now);
  int rc = book_step(st), found = 0;
  if (rc == BOOK_ROW) {
    found = 1;
    *failures = book_col_int(st, 0);
    *blocked_until = book_col_i64(st, 1);
    *refused = book_col_int(st, 2);
  }
  book_stmt_reset(st);
  if (rc != BOOK_ROW && rc != BOOK_DONE) return -1;
  if (!found) {
    *failures = 0;
    *blocked_until = 0;
    *refused = 0;
  }
  return found;
}

int book_throttle_check(BookDb *db, const char *address_key, const char *username, int64_t now,
                        int64_t *wait_s, int *first_refusal) {
  *wait_s = 0;
  *first_refusal = 0;
  char *pk = pair_key(address_key, username);
  int f1, f2, r1, r2;
  int64_t b1, b2;
  int bad = throttle_row(db, "address", address_key, now, &f1, &b1, &r1) < 0 ||
            throttle_row(db, "account_address", pk, now, &f2, &b2, &r2) < 0;
  g_free(pk);
  if (bad) return -1;
  /* The account's own row never blocks (see the header): not read here. */
  int64_t until = b1 > b2 ? b1 : b2;
  if (until > now) {
    *wait_s = until - now;
    *first_refusal = (b1 > now && r1 == 0) || (b2 > now && r2 == 0);
  }
  return 0;
}

int book_throttle_count_refusal(BookDb *db, const char *address_key, const char *username,
                                int64_t now) {
  char *pk = pair_key(address_key, username);
  BookStmt *st = book_db_stmt(db, "UPDATE sign_in_throttle SET refused = refused + 1 WHERE "
                                      "((scope = 'address' AND key = ?1) OR (scope = "
                                      "'account_address' AND key = ?2)) AND blocked_until > ?3");
  int bad = !st;
  if (st) {
    book_bind_text(st, 1, address_key);
    book_bind_text(st, 2, pk);
    book_bind_i64(st, 3, now);
    bad = book_db_step_done(db, st) != 0;
  }
  g_free(pk);
  return bad ? -1 : 0;
}

/* Counts one failure on (scope, key); the wait it sets is backoff past
 * free (cap 0: never waits). Returns the failures counted, or -1. */
static int count_failure(BookDb *db, const char *scope, const char *key, int64_t now, int free,
                         int64_t cap, int64_t *blocked_until) {
  int failures, refused;
  int64_t b;
  if (throttle_row(db, scope, key, now, &failures, &b, &refused) < 0) return -1;
  failures++;
  *blocked_until = cap > 0 && failures > free ? now + backoff(failures - free, cap) : 0;
  int64_t quiet_from = *blocked_until > now ? *blocked_until : now;
  BookStmt *st = book_db_stmt(
      db, "INSERT INTO sign_in_throttle(scope, key, failures, last_failure_at, blocked_until, "
          "refused, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6) ON CONFLICT(scope, key) DO "
          "UPDATE SET failures = ?3, last_failure_at = ?4, blocked_until = ?5, refused = 0, "
          "expires_at = ?6");
  if (!st) return -1;
  book_bind_text(st, 1, scope);
  book_bind_text(st, 2, key);
  book_bind_i64(st, 3, failures);
  book_bind_i64(st, 4, now);
  book_bind_i64(st, 5, *blocked_until);
  book_bind_i64(st, 6, quiet_from + BOOK_THROTTLE_FORGET_S);
  return book_db_step_done(db, st) ? -1 : failures;
}

int book_throttle_failure(BookDb *db, const char *address_key, const char *username, int64_t now,
                          int *pair_failures, int64_t *wait_s) {
  *pair_failures = 0;
  *wait_s = 0;
  /* Expired rows first: the table holds only what still matters. */
  BookStmt *st = book_db_stmt(db, "DELETE FROM sign_in_throttle WHERE expires_at <= ?");
  if (!st) return -1;
  book_bind_i64(st, 1, now);
  if (book_db_step_done(db, st)) return -1;
  int64_t b_addr, b_acct, b_pair;
  int acct = count_failure(db, "account", username, now, 0, 0, &b_acct);
  if (acct < 0) return -1;
  /* Under attack (many failures on the account, from anywhere), an address
   * that fails on it gets no free failures: it waits from its first. An
   * address that has not failed on the account is still always checked. */
  int pair_free = acct > BOOK_THROTTLE_ACCOUNT_CEILING ? 0 : BOOK_THROTTLE_PAIR_FREE;
  char *pk = pair_key(address_key, username);
  int pair = count_failure(db, "account_address", pk, now, pair_free, BOOK_THROTTLE_PAIR_CAP_S,
                           &b_pair);
  g_free(pk);
  if (pair < 0) return -1;
  if (count_failure(db, "address", address_key, now, BOOK_THROTTLE_ADDRESS_FREE,
                    BOOK_THROTTLE_ADDRESS_CAP_S, &b_addr) < 0)
    return -1;
  int64_t until = b_pair > b_addr ? b_pair : b_addr;
  *pair_failures = pair;
  *wait_s = until > now ? until - now : 0;
  return 0;
}

int book_throttle_success(BookDb *db, const char *address_key, const char *username) {
  char *pk = pair_key(address_key, username);
  BookStmt *st = book_db_stmt(
      db, "DELETE FROM sign_in_throttle WHERE scope = 'account_address' AND key = ?");
  int bad = !st;
  if (st) {
    book_bind_text(st, 1, pk);
    bad = book_db_step_done(db, st) != 0;
  }
  g_free(pk);
  return bad ? -1 : 0;
}

/* Sessions live in the table sessions (migration 0006): any booking
 * instance on the database serves any signed-in request, and a restart
 * signs nobody out. The store hands out one BookSession for the session a
 * request touched and one for the session a sign-in created, each valid
 * until the next touch or create. */
struct BookSessions {
  BookDb *db;
  int idle_s;
  BookSession touched, created;
};

static void session_clear(BookSession *x) {
  g_free(x->id);
  g_free(x->csrf);
  g_free(x->username);
  g_free(x->display_name);
  g_free(x->role);
  g_free(x->establishment_id);
  memset(x, 0, sizeof *x);
}

BookSessions *book_sessions_new(BookDb *db, int idle_timeout_s) {
  BookSessions *s = g_new0(BookSessions, 1);
  s->db = db;
  s->idle_s = idle_timeout_s;
  return s;
}

void book_sessions_free(BookSessions *s) {
  if (!s) return;
  session_clear(&s->touched);
  session_clear(&s->created);
  g_free(s);
}

int book_sessions_idle_timeout(const BookSessions *s) { return s->idle_s; }

/* The stored key for a cookie value: its SHA-256, hex. */
static char *id_key(const char *id) { return g_compute_checksum_for_string(G_CHECKSUM_SHA256, id, -1); }

BookSession *book_session_create(BookSessions *s, int64_t user_id, const char *username,
                                 const char *display_name, const char *role,
                                 const char *establishment_id, int64_t now) {
  BookSession *x = &s->created;
  session_clear(x);
  x->id = ids_random_b64url(32);
  x->csrf = ids_random_b64url(24);
  if (!x->id || !x->csrf) {
    session_clear(x);
    return NULL;
  }
  char *key = id_key(x->id);
  /* Idle sessions are dropped on each create, so the table cannot grow
   * without bound from abandoned sign-ins. */
  BookStmt *st = book_db_stmt(s->db, "DELETE FROM sessions WHERE last_seen <= ?");
  book_bind_i64(st, 1, now - s->idle_s);
  int bad = book_db_step_done(s->db, st);
  if (!bad) {
    st = book_db_stmt(s->db, "INSERT INTO sessions(id_sha256, csrf, user_id, created_at, "
                             "last_seen) VALUES (?,?,?,?,?)");
    book_bind_text(st, 1, key);
    book_bind_text(st, 2, x->csrf);
    book_bind_i64(st, 3, user_id);
    book_bind_i64(st, 4, now);
    book_bind_i64(st, 5, now);
    bad = book_db_step_done(s->db, st);
  }
  g_free(key);
  if (bad) {
    session_clear(x);
    return NULL;
  }
  x->user_id = user_id;
  x->username = g_strdup(username);
  x->display_name = g_strdup(display_name);
  x->role = g_strdup(role);
  x->establishment_id = g_strdup(establishment_id);
  x->last_seen = now;
  return x;
}

/* last_seen is written at most this often (1/20 of the idle timeout, at
 * least a second): a read-only request then costs no write, and a session
 * may end at most that much before its full idle timeout. */
static int64_t touch_every(const BookSessions *s) { return s->idle_s / 20 > 1 ? s->idle_s / 20 : 1; }

BookSession *book_session_touch(BookSessions *s, const char *id, int64_t now, int *failed) {
  *failed = 0;
  if (!id) return NULL;
  char *key = id_key(id);
  BookStmt *st = book_db_stmt(
      s->db, "SELECT s.csrf, s.last_seen, u.id, u.username, u.display_name, u.role, "
             "u.establishment_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE "
             "s.id_sha256 = ?");
  book_bind_text(st, 1, key);
  int rc = book_db_row(s->db, st);
  if (rc < 0) *failed = 1;
  if (rc != 1) {
    g_free(key);
    return NULL;
  }
  BookSession *x = &s->touched;
  session_clear(x);
  x->id = g_strdup(id);
  x->csrf = g_strdup(book_col_text(st, 0));
  x->last_seen = book_col_i64(st, 1);
  x->user_id = book_col_i64(st, 2);
  x->username = g_strdup(book_col_text(st, 3));
  x->display_name = g_strdup(book_col_text(st, 4));
  x->role = g_strdup(book_col_text(st, 5));
  x->establishment_id = g_strdup(book_col_text(st, 6));
  book_stmt_reset(st);
  int expired = now - x->last_seen >= s->idle_s;
  if (expired || now - x->last_seen >= touch_every(s)) {
    st = book_db_stmt(s->db, expired ? "DELETE FROM sessions WHERE id_sha256 = ?"
                                     : "UPDATE sessions SET last_seen = ? WHERE id_sha256 = ?");
    if (expired) {
      book_bind_text(st, 1, key);
    } else {
      book_bind_i64(st, 1, now);
      book_bind_text(st, 2, key);
    }
    if (book_db_step_done(s->db, st)) *failed = 1;
    x->last_seen = now;
  }
  g_free(key);
  if (expired || *failed) {
    session_clear(x);
    return NULL;
  }
  return x;
}

int book_session_destroy(BookSessions *s, const char *id) {
  if (!id) return 0;
  char *key = id_key(id);
  BookStmt *st = book_db_stmt(s->db, "DELETE FROM sessions WHERE id_sha256 = ?");
  book_bind_text(st, 1, key);
  g_free(key);
  return book_db_step_done(s->db, st);
}

int book_sessions_end_user(BookSessions *s, int64_t user_id) {
  BookStmt *st = book_db_stmt(s->db, "DELETE FROM sessions WHERE user_id = ?");
  book_bind_i64(st, 1, user_id);
  if (book_db_step_done(s->db, st)) return -1;
  return book_db_changes(s->db);
}

char *book_cookie_session(const char *h) {
  if (!h) return NULL;
  gchar **parts = g_strsplit(h, ";", -1);
  char *out = NULL;
  for (gchar **p = parts; *p && !out; p++) {
    const char *c = *p;
    while (*c == ' ') c++;
    if (g_str_has_prefix(c, "parlour_session=")) {
      const char *v = c + strlen("parlour_session=");
      if (*v && strlen(v) <= 128) out = g_strdup(v);
    }
  }
  g_strfreev(parts);
  return out;
}
