/* Token inputs for the join-token harnesses (fuzz_token.c, fuzz_sig_join.c).
 * A fuzzed token almost never carries a valid signature, which stops the
 * verifier before it reads a claim; so besides a raw token the input can be
 * a header and payload that this file encodes and signs with the harness's
 * own Ed25519 key, the one the verifier is given. Modes, by the first byte:
 *   0: the rest is the token text, as a client sends it;
 *   1: the rest is the payload (claims) text, signed with token_sign();
 *   2: the rest is "header JSON \0 payload JSON", each base64url-encoded
 *      (common/b64url.c) and signed here over "h.p" with the key. */
#ifndef PARLOUR_FUZZ_JWT_H
#define PARLOUR_FUZZ_JWT_H

#include <glib.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "b64url.h"
#include "fuzz.h"
#include "token.h"

#define FUZZ_KID "fuzz-kid-0000000"

static EVP_PKEY *fuzz_key;

static void fuzz_jwt_init(void) {
  if (!fuzz_key) fuzz_key = token_generate_key();
  if (!fuzz_key) abort();
}

static char *fuzz_sign_raw(const char *header, size_t hlen, const char *payload, size_t plen) {
  char *h = b64url_encode((const unsigned char *)header, hlen);
  char *p = b64url_encode((const unsigned char *)payload, plen);
  char *input = g_strconcat(h, ".", p, NULL);
  unsigned char sig[64];
  size_t siglen = sizeof sig;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, fuzz_key) != 1 ||
      EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)input, strlen(input)) != 1)
    abort();
  EVP_MD_CTX_free(ctx);
  char *s = b64url_encode(sig, siglen);
  char *token = g_strconcat(input, ".", s, NULL);
  g_free(h);
  g_free(p);
  g_free(s);
  g_free(input);
  return token;
}

/* The token text for this input (g_free it), or NULL to skip the input. */
static char *fuzz_jwt_token(const uint8_t *data, size_t size) {
  if (size < 1 || size > 16384) return NULL;
  const char *rest = (const char *)data + 1;
  size_t n = size - 1;
  switch (data[0] % 3) {
  case 0: return g_strndup(rest, n);
  case 1: {
    json_t *claims = json_loadb(rest, n, JSON_REJECT_DUPLICATES, NULL);
    if (!claims) return NULL;
    char err[128];
    char *t = token_sign(fuzz_key, FUZZ_KID, claims, err, sizeof err);
    json_decref(claims);
    return t;
  }
  default: {
    const char *nul = memchr(rest, '\0', n);
    if (!nul) return NULL;
    size_t hlen = (size_t)(nul - rest);
    return fuzz_sign_raw(rest, hlen, nul + 1, n - hlen - 1);
  }
  }
}

#endif
