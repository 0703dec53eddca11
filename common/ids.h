/* Random identifiers and secrets from OpenSSL's CSPRNG. */
#ifndef PARLOUR_IDS_H
#define PARLOUR_IDS_H

#include <stddef.h>

/* nbytes random bytes as lowercase hex (2*nbytes chars); g_malloc'd, or NULL
 * if the CSPRNG fails (never silently weaker). */
char *ids_random_hex(size_t nbytes);

/* nbytes random bytes as base64url; g_malloc'd or NULL. */
char *ids_random_b64url(size_t nbytes);

/* A 32-bit random value (SSRCs and the like); 0 is never returned. */
unsigned ids_random_u32(void);

/* Constant-time comparison of two NUL-terminated secrets. */
int ids_secret_equal(const char *a, const char *b);

#endif
