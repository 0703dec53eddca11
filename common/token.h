/* Join tokens: JWT compact serialisation signed with EdDSA (Ed25519) through
 * OpenSSL EVP (RFC 7519, RFC 8037).
 *
 * Booking holds the private key and signs; signalling holds only the public
 * key and verifies. Verification is strict and gives one distinct reason for
 * each way a token can be wrong, so logs and clients can tell them apart:
 * the algorithm is fixed to EdDSA whatever the header claims (no "none", no
 * HS256 with the public key as an HMAC secret). */
#ifndef PARLOUR_TOKEN_H
#define PARLOUR_TOKEN_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  TOKEN_OK = 0,
  TOKEN_MALFORMED,       /* not three dot-separated parts, or too long */
  TOKEN_BAD_BASE64,      /* a part is not strict base64url */
  TOKEN_BAD_JSON,        /* header or payload is not a JSON object */
  TOKEN_BAD_ALG,         /* alg is not "EdDSA" (includes "none", "HS256") */
  TOKEN_BAD_SIGNATURE,   /* signature does not verify with our key */
  TOKEN_MISSING_CLAIM,   /* a required claim is absent or of the wrong type */
  TOKEN_WRONG_ISSUER,    /* iss differs from the expected issuer */
  TOKEN_WRONG_AUDIENCE,  /* aud (string or array) lacks the expected audience */
  TOKEN_EXPIRED,         /* now >= exp (+ leeway) */
  TOKEN_NOT_YET_VALID,   /* now < nbf (- leeway) */
} TokenStatus;

/* A stable snake_case code for a status, e.g. "token_expired". */
const char *token_status_code(TokenStatus s);

typedef struct {
  const char *issuer;                 /* required iss */
  const char *audience;               /* required member of aud */
  const char *const *required_claims; /* extra claims that must exist; NULL-terminated */
  int leeway_s;                       /* clock skew allowed on exp/nbf */
} TokenExpect;

/* Longest token we will look at; anything longer is TOKEN_MALFORMED before
 * any decoding work is done. */
#define TOKEN_MAX_LEN 8192

/* Signs claims (not modified) with an Ed25519 private key. Returns a
 * g_malloc'd compact JWT, or NULL with a reason in err. kid may be NULL. */
char *token_sign(EVP_PKEY *key, const char *kid, json_t *claims, char *err, size_t errsize);

/* Verifies token against an Ed25519 public key at time now (Unix seconds).
 * On TOKEN_OK, *claims_out (if not NULL) receives a new reference to the
 * payload. detail (may be NULL) gets a short human explanation. */
TokenStatus token_verify(const char *token, EVP_PKEY *pub, const TokenExpect *expect,
                         int64_t now, json_t **claims_out, char *detail, size_t dsize);

/* PEM key files. NULL with a reason in err if the file is missing, not PEM,
 * or not an Ed25519 key. */
EVP_PKEY *token_load_private_key(const char *path, char *err, size_t errsize);
EVP_PKEY *token_load_public_key(const char *path, char *err, size_t errsize);

/* The key id a token's "kid" header carries: the first 16 characters of
 * base64url(SHA-256(raw 32-byte Ed25519 public key)). Booking computes it
 * from its private key, signalling from the public half; both give the same
 * text, so a token signed by a key signalling does not hold is refused by
 * name (token_unknown_key). g_malloc'd; NULL for NULL or a key that is not
 * Ed25519 (another key type has no id in this scheme). */
#define TOKEN_KEY_ID_LEN 16
char *token_key_id(EVP_PKEY *key);

/* A fresh Ed25519 key pair (tests, and first-run key creation). */
EVP_PKEY *token_generate_key(void);

#endif
