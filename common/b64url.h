/* base64url without padding (RFC 4648 §5), as JWTs use it. Strict on decode:
 * only the url-safe alphabet, no padding, no whitespace, and no impossible
 * lengths, so one token has exactly one encoding. */
#ifndef PARLOUR_B64URL_H
#define PARLOUR_B64URL_H

#include <stddef.h>

/* Returns a NUL-terminated g_malloc'd string. */
char *b64url_encode(const unsigned char *data, size_t len);

/* Returns g_malloc'd bytes (with a NUL after them for convenience) and sets
 * *outlen, or NULL when the input is not valid base64url. */
unsigned char *b64url_decode(const char *text, size_t textlen, size_t *outlen);

#endif
