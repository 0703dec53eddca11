#include "ids.h"

#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "b64url.h"

char *ids_random_hex(size_t nbytes) {
  unsigned char buf[256];
  if (nbytes == 0 || nbytes > sizeof buf || RAND_bytes(buf, (int)nbytes) != 1) return NULL;
  char *out = g_malloc(nbytes * 2 + 1);
  for (size_t i = 0; i < nbytes; i++) g_snprintf(out + 2 * i, 3, "%02x", buf[i]);
  OPENSSL_cleanse(buf, sizeof buf);
  return out;
}

char *ids_random_b64url(size_t nbytes) {
  unsigned char buf[256];
  if (nbytes == 0 || nbytes > sizeof buf || RAND_bytes(buf, (int)nbytes) != 1) return NULL;
  char *out = b64url_encode(buf, nbytes);
  OPENSSL_cleanse(buf, sizeof buf);
  return out;
}

unsigned ids_random_u32(void) {
  unsigned v = 0;
  while (v == 0)
    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1) g_error("CSPRNG failure");
  return v;
}

int ids_secret_equal(const char *a, const char *b) {
  if (!a || !b) return 0;
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb) return 0;
  return CRYPTO_memcmp(a, b, la) == 0;
}
