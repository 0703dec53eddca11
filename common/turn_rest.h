/* turn_rest: time-limited TURN credentials from a shared secret, the "TURN
 * REST API" scheme coturn implements with use-auth-secret +
 * static-auth-secret (draft-uberti-behave-turn-rest-00):
 *   username   = "<unix expiry>:<user>"
 *   credential = base64(HMAC-SHA1(secret, username))
 * coturn recomputes the credential from the username and refuses it after
 * the expiry. Signalling hands these to a client with the TURN URIs; the
 * secret never leaves the servers.
 */
#ifndef PARLOUR_TURN_REST_H
#define PARLOUR_TURN_REST_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char *username;    /* g_malloc'd */
  char *credential;  /* g_malloc'd, standard base64 with padding */
  int64_t expires;   /* unix seconds */
} TurnCredential;

/* now_unix + ttl_s is the expiry. user must be non-empty and must not
 * contain ':' (coturn splits on the first ':'); secret non-empty; ttl_s > 0.
 * Returns 0, or -1 (nothing allocated) on bad arguments. */
int turn_rest_mint(const char *secret, size_t secret_len, const char *user, int64_t now_unix, int64_t ttl_s,
                   TurnCredential *out);
void turn_rest_clear(TurnCredential *c);

#endif
