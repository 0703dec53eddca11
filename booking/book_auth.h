/* Sign-in: scrypt password hashes (OpenSSL EVP_PBE_scrypt), sign-in
 * throttling (in the database), and the session store.
 *
 * Sessions live in memory only (a restart signs everyone out, which is the
 * safe direction): a random 256-bit id in the HttpOnly cookie, a separate
 * random CSRF token the client echoes in x-csrf-token, and an idle timeout
 * measured from the last request. */
#ifndef PARLOUR_BOOK_AUTH_H
#define PARLOUR_BOOK_AUTH_H

#include <glib.h>
#include <stdint.h>

#include "book_db.h"

/* "scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>"; g_free it. NULL on
 * failure. n must be a power of two (16384 in production). */
char *book_password_hash(const char *password, unsigned long n);
/* 1 when password matches stored; 0 otherwise (also for malformed stored). */
int book_password_verify(const char *password, const char *stored);

/* The same work as book_password_verify against a real hash of cost n,
 * always 0: an unknown username then takes as long to refuse as a wrong
 * password. */
int book_password_verify_dummy(const char *password, unsigned long n);

/* ---- sign-in throttling (docs/booking.md "Sign-in throttling") ----
 *
 * No account is ever locked. Failures are counted per client address, per
 * (client address, username as given) and per username; a key that has
 * failed too often must wait before its next attempt is checked, the wait
 * doubling with each further failure up to a cap. The per-username count
 * never refuses anything: past a ceiling it only takes away the free
 * failures of the addresses that fail on that account, so an address that
 * has not failed on the account always has its password checked. State is
 * in the table sign_in_throttle, so booking instances sharing the database
 * share it. */
#define BOOK_THROTTLE_ADDRESS_FREE 10  /* failures from one address before waits */
#define BOOK_THROTTLE_ADDRESS_CAP_S 300
#define BOOK_THROTTLE_PAIR_FREE 3      /* failures of one address on one account */
#define BOOK_THROTTLE_PAIR_CAP_S 900
#define BOOK_THROTTLE_ACCOUNT_CEILING 20 /* more failures on one account: under attack */
#define BOOK_THROTTLE_FORGET_S 3600      /* a key is forgotten this long after its last wait */

/* The key for a client address: IPv4 text as is (an IPv4-mapped IPv6
 * address as its IPv4), IPv6 as its /64 (one subscriber's usual share, so
 * one machine cannot walk through 2^64 addresses). out: 64 bytes. */
void book_throttle_address_key(const char *peer, char out[64]);

/* Before a password is checked (outside a transaction: a read). *wait_s: 0
 * when the attempt may be checked, else the seconds until it may (answer
 * 429 with Retry-After). *first_refusal: 1 when this is the first refusal
 * since the key's last failure (worth one audit row per wait). When *wait_s
 * > 0 the refusal is counted: that write runs inside the caller's
 * transaction. 0 or -1 (storage). */
int book_throttle_check(BookDb *db, const char *address_key, const char *username, int64_t now,
                        int64_t *wait_s, int *first_refusal) __attribute__((warn_unused_result));
int book_throttle_count_refusal(BookDb *db, const char *address_key, const char *username,
                                int64_t now) __attribute__((warn_unused_result));

/* A wrong password (or an unknown username), inside the caller's
 * transaction: counts it on the three keys, sets their waits, and deletes
 * expired rows. *pair_failures: this address's failures on this account;
 * *wait_s: how long this address must now wait for this account (0: none).
 * 0 or -1. */
int book_throttle_failure(BookDb *db, const char *address_key, const char *username, int64_t now,
                          int *pair_failures, int64_t *wait_s) __attribute__((warn_unused_result));

/* The right password, inside the caller's transaction: forgets this
 * address's failures on this account (not the address's own count, so a
 * valid account cannot be used to reset the waits of guessing at others).
 * 0 or -1. */
int book_throttle_success(BookDb *db, const char *address_key, const char *username)
    __attribute__((warn_unused_result));

typedef struct {
  char *id;   /* cookie value */
  char *csrf; /* x-csrf-token value */
  int64_t user_id;
  char *username;
  char *display_name;
  char *role;
  char *establishment_id; /* may be NULL */
  int64_t last_seen;
} BookSession;

typedef struct BookSessions BookSessions;

/* Sessions are rows of the table sessions in db (see book_auth.c). */
BookSessions *book_sessions_new(BookDb *db, int idle_timeout_s);
void book_sessions_free(BookSessions *s);
int book_sessions_idle_timeout(const BookSessions *s);

/* Creates a session (strings copied; outside a transaction: its own
 * commit). Owned by the store, valid until the next create. NULL when it
 * could not be made (storage or randomness). */
BookSession *book_session_create(BookSessions *s, int64_t user_id, const char *username,
                                 const char *display_name, const char *role,
                                 const char *establishment_id, int64_t now);
/* The live session for id, its idle clock restarted (valid until the next
 * touch); NULL (and forgotten) when unknown or idle too long. *failed: 1
 * when NULL because the database failed (answer 503, not 401). */
BookSession *book_session_touch(BookSessions *s, const char *id, int64_t now, int *failed);
/* 0 or -1 (storage). */
int book_session_destroy(BookSessions *s, const char *id) __attribute__((warn_unused_result));
/* Ends every session of the account (it was disabled; inside the caller's
 * transaction). How many ended, or -1. */
int book_sessions_end_user(BookSessions *s, int64_t user_id) __attribute__((warn_unused_result));

/* The parlour_session value from a Cookie header, g_malloc'd, or NULL. */
char *book_cookie_session(const char *cookie_header);

#endif
