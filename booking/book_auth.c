#include "book_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
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

struct BookSessions {
  GHashTable *by_id; /* id -> BookSession* */
  int idle_s;
};

static void session_free(gpointer p) {
  BookSession *s = p;
  g_free(s->id);
  g_free(s->csrf);
  g_free(s->username);
  g_free(s->display_name);
  g_free(s->role);
  g_free(s->establishment_id);
  g_free(s);
}

BookSessions *book_sessions_new(int idle_timeout_s) {
  BookSessions *s = g_new0(BookSessions, 1);
  s->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, session_free);
  s->idle_s = idle_timeout_s;
  return s;
}

void book_sessions_free(BookSessions *s) {
  if (!s) return;
  g_hash_table_destroy(s->by_id);
  g_free(s);
}

int book_sessions_idle_timeout(const BookSessions *s) { return s->idle_s; }

/* Drops every idle session; called on each create so the table cannot grow
 * without bound from abandoned sign-ins. */
static void sweep(BookSessions *s, int64_t now) {
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->by_id);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (now - ((BookSession *)v)->last_seen >= s->idle_s) g_hash_table_iter_remove(&it);
}

BookSession *book_session_create(BookSessions *s, sqlite3_int64 user_id, const char *username,
                                 const char *display_name, const char *role,
                                 const char *establishment_id, int64_t now) {
  sweep(s, now);
  BookSession *x = g_new0(BookSession, 1);
  x->id = ids_random_b64url(32);
  x->csrf = ids_random_b64url(24);
  if (!x->id || !x->csrf) {
    session_free(x);
    return NULL;
  }
  x->user_id = user_id;
  x->username = g_strdup(username);
  x->display_name = g_strdup(display_name);
  x->role = g_strdup(role);
  x->establishment_id = g_strdup(establishment_id);
  x->last_seen = now;
  g_hash_table_insert(s->by_id, x->id, x);
  return x;
}

BookSession *book_session_touch(BookSessions *s, const char *id, int64_t now) {
  if (!id) return NULL;
  BookSession *x = g_hash_table_lookup(s->by_id, id);
  if (!x) return NULL;
  if (now - x->last_seen >= s->idle_s) {
    g_hash_table_remove(s->by_id, id);
    return NULL;
  }
  x->last_seen = now;
  return x;
}

void book_session_destroy(BookSessions *s, const char *id) {
  if (id) g_hash_table_remove(s->by_id, id);
}

int book_sessions_end_user(BookSessions *s, sqlite3_int64 user_id) {
  GHashTableIter it;
  gpointer k, v;
  int n = 0;
  g_hash_table_iter_init(&it, s->by_id);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((BookSession *)v)->user_id == user_id) {
      g_hash_table_iter_remove(&it);
      n++;
    }
  return n;
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
