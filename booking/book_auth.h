/* Sign-in: scrypt password hashes (OpenSSL EVP_PBE_scrypt), and the session
 * store.
 *
 * Sessions live in memory only (a restart signs everyone out, which is the
 * safe direction): a random 256-bit id in the HttpOnly cookie, a separate
 * random CSRF token the client echoes in x-csrf-token, and an idle timeout
 * measured from the last request. */
#ifndef PARLOUR_BOOK_AUTH_H
#define PARLOUR_BOOK_AUTH_H

#include <glib.h>
#include <sqlite3.h>
#include <stdint.h>

/* "scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>"; g_free it. NULL on
 * failure. n must be a power of two (16384 in production). */
char *book_password_hash(const char *password, unsigned long n);
/* 1 when password matches stored; 0 otherwise (also for malformed stored). */
int book_password_verify(const char *password, const char *stored);

typedef struct {
  char *id;   /* cookie value */
  char *csrf; /* x-csrf-token value */
  sqlite3_int64 user_id;
  char *username;
  char *display_name;
  char *role;
  char *establishment_id; /* may be NULL */
  int64_t last_seen;
} BookSession;

typedef struct BookSessions BookSessions;

BookSessions *book_sessions_new(int idle_timeout_s);
void book_sessions_free(BookSessions *s);
int book_sessions_idle_timeout(const BookSessions *s);

/* Creates a session (strings copied). Owned by the store. */
BookSession *book_session_create(BookSessions *s, sqlite3_int64 user_id, const char *username,
                                 const char *display_name, const char *role,
                                 const char *establishment_id, int64_t now);
/* The live session for id, its idle clock restarted; NULL (and forgotten)
 * when unknown or idle too long. */
BookSession *book_session_touch(BookSessions *s, const char *id, int64_t now);
void book_session_destroy(BookSessions *s, const char *id);
/* Ends every session of the account (it was disabled). How many ended. */
int book_sessions_end_user(BookSessions *s, sqlite3_int64 user_id);

/* The parlour_session value from a Cookie header, g_malloc'd, or NULL. */
char *book_cookie_session(const char *cookie_header);

#endif
