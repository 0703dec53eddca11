#include "token.h"

#include <glib.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "b64url.h"

static const char *const status_codes[] = {
    [TOKEN_OK] = "ok",
    [TOKEN_MALFORMED] = "token_malformed",
    [TOKEN_BAD_BASE64] = "token_bad_base64",
    [TOKEN_BAD_JSON] = "token_bad_json",
    [TOKEN_BAD_ALG] = "token_bad_alg",
    [TOKEN_BAD_SIGNATURE] = "token_bad_signature",
    [TOKEN_MISSING_CLAIM] = "token_missing_claim",
    [TOKEN_WRONG_ISSUER] = "token_wrong_issuer",
    [TOKEN_WRONG_AUDIENCE] = "token_wrong_audience",
    [TOKEN_EXPIRED] = "token_expired",
    [TOKEN_NOT_YET_VALID] = "token_not_yet_valid",
};

const char *token_status_code(TokenStatus s) {
  if ((unsigned)s < G_N_ELEMENTS(status_codes)) return status_codes[s];
  return "token_unknown";
}

static void set_detail(char *d, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_detail(char *d, size_t n, const char *fmt, ...) {
  if (!d || !n) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d, n, fmt, ap);
  va_end(ap);
}

static int is_ed25519(EVP_PKEY *k) { return k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519; }

char *token_key_id(EVP_PKEY *key) {
  /* Only Ed25519: its raw public key is always 32 bytes, so the id is well
   * defined; X25519 and others also have raw keys but are not ours. */
  if (!is_ed25519(key)) return NULL;
  unsigned char raw[32];
  size_t n = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &n) != 1 || n != sizeof raw) return NULL;
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(raw, n, md);
  char *full = b64url_encode(md, sizeof md); /* 43 characters */
  full[TOKEN_KEY_ID_LEN] = '\0';
  return full;
}

char *token_sign(EVP_PKEY *key, const char *kid, json_t *claims, char *err, size_t errsize) {
  if (!is_ed25519(key)) {
    set_detail(err, errsize, "signing key is not Ed25519");
    return NULL;
  }
  if (!json_is_object(claims)) {
    set_detail(err, errsize, "claims must be a JSON object");
    return NULL;
  }
  json_t *hdr = json_pack("{s:s, s:s}", "alg", "EdDSA", "typ", "JWT");
  if (kid) json_object_set_new(hdr, "kid", json_string(kid));
  char *hj = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
  char *pj = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(hdr);
  char *h64 = b64url_encode((unsigned char *)hj, strlen(hj));
  char *p64 = b64url_encode((unsigned char *)pj, strlen(pj));
  free(hj);
  free(pj);
  char *signing_input = g_strconcat(h64, ".", p64, NULL);
  g_free(h64);
  g_free(p64);

  unsigned char sig[64];
  size_t siglen = sizeof sig;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
           EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)signing_input,
                          strlen(signing_input)) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    set_detail(err, errsize, "Ed25519 signing failed");
    g_free(signing_input);
    return NULL;
  }
  char *s64 = b64url_encode(sig, siglen);
  char *out = g_strconcat(signing_input, ".", s64, NULL);
  g_free(s64);
  g_free(signing_input);
  return out;
}

static json_t *decode_json_part(const char *p, size_t n, TokenStatus *st) {
  size_t len = 0;
  unsigned char *raw = b64url_decode(p, n, &len);
  if (!raw) {
    *st = TOKEN_BAD_BASE64;
    return NULL;
  }
  json_error_t jerr;
  /* REJECT_DUPLICATES: {"alg":"EdDSA","alg":"none"} must not be read two ways. */
  json_t *j = json_loadb((char *)raw, len, JSON_REJECT_DUPLICATES, &jerr);
  g_free(raw);
  if (!json_is_object(j)) {
    json_decref(j);
    *st = TOKEN_BAD_JSON;
    return NULL;
  }
  return j;
}

static int aud_matches(json_t *aud, const char *want) {
  if (json_is_string(aud)) return strcmp(json_string_value(aud), want) == 0;
  if (json_is_array(aud)) {
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v) if (json_is_string(v) && strcmp(json_string_value(v), want) == 0) return 1;
  }
  return 0;
}

TokenStatus token_verify(const char *token, EVP_PKEY *pub, const TokenExpect *expect,
                         int64_t now, json_t **claims_out, char *detail, size_t dsize) {
  if (claims_out) *claims_out = NULL;
  set_detail(detail, dsize, "ok");
  if (!token || strlen(token) > TOKEN_MAX_LEN) {
    set_detail(detail, dsize, "token missing or longer than %d bytes", TOKEN_MAX_LEN);
    return TOKEN_MALFORMED;
  }
  const char *d1 = strchr(token, '.');
  const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
  if (!d1 || !d2 || strchr(d2 + 1, '.') || d1 == token || d2 == d1 + 1 || d2[1] == '\0') {
    set_detail(detail, dsize, "expected header.payload.signature");
    return TOKEN_MALFORMED;
  }
  TokenStatus st = TOKEN_OK;
  json_t *hdr = decode_json_part(token, (size_t)(d1 - token), &st);
  if (!hdr) {
    set_detail(detail, dsize, "header is not base64url JSON");
    return st;
  }
  json_t *alg = json_object_get(hdr, "alg");
  int alg_ok = json_is_string(alg) && strcmp(json_string_value(alg), "EdDSA") == 0;
  /* We implement no critical extensions, so any "crit" must be refused. */
  int crit = json_object_get(hdr, "crit") != NULL;
  if (!alg_ok || crit) {
    set_detail(detail, dsize, "alg must be EdDSA, got %s%s",
               json_is_string(alg) ? json_string_value(alg) : "(none)",
               crit ? " with crit" : "");
    json_decref(hdr);
    return TOKEN_BAD_ALG;
  }
  json_decref(hdr);

  size_t siglen = 0;
  unsigned char *sig = b64url_decode(d2 + 1, strlen(d2 + 1), &siglen);
  if (!sig) {
    set_detail(detail, dsize, "signature is not base64url");
    return TOKEN_BAD_BASE64;
  }
  int verified = 0;
  if (is_ed25519(pub) && siglen == 64) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    verified = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
               EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)token,
                                (size_t)(d2 - token)) == 1;
    EVP_MD_CTX_free(ctx);
  }
  g_free(sig);
  if (!verified) {
    set_detail(detail, dsize, "signature does not verify");
    return TOKEN_BAD_SIGNATURE;
  }

  json_t *claims = decode_json_part(d1 + 1, (size_t)(d2 - d1 - 1), &st);
  if (!claims) {
    set_detail(detail, dsize, "payload is not base64url JSON");
    return st;
  }
  static const char *const base_claims[] = {"iss", "aud", "exp", "nbf", NULL};
  for (int pass = 0; pass < 2; pass++) {
    const char *const *list = pass == 0 ? base_claims : (expect ? expect->required_claims : NULL);
    for (; list && *list; list++) {
      json_t *v = json_object_get(claims, *list);
      int ok = v != NULL && !json_is_null(v);
      if (ok && (strcmp(*list, "exp") == 0 || strcmp(*list, "nbf") == 0)) ok = json_is_integer(v);
      if (ok && strcmp(*list, "iss") == 0) ok = json_is_string(v);
      if (!ok) {
        set_detail(detail, dsize, "claim %s missing or of the wrong type", *list);
        json_decref(claims);
        return TOKEN_MISSING_CLAIM;
      }
    }
  }
  if (expect && expect->issuer &&
      strcmp(json_string_value(json_object_get(claims, "iss")), expect->issuer) != 0) {
    set_detail(detail, dsize, "issuer is not %s", expect->issuer);
    json_decref(claims);
    return TOKEN_WRONG_ISSUER;
  }
  if (expect && expect->audience && !aud_matches(json_object_get(claims, "aud"), expect->audience)) {
    set_detail(detail, dsize, "audience does not include %s", expect->audience);
    json_decref(claims);
    return TOKEN_WRONG_AUDIENCE;
  }
  int64_t leeway = expect ? expect->leeway_s : 0;
  int64_t exp = json_integer_value(json_object_get(claims, "exp"));
  int64_t nbf = json_integer_value(json_object_get(claims, "nbf"));
  if (now >= exp + leeway) {
    set_detail(detail, dsize, "expired %lld s ago", (long long)(now - exp));
    json_decref(claims);
    return TOKEN_EXPIRED;
  }
  if (now < nbf - leeway) {
    set_detail(detail, dsize, "valid in %lld s", (long long)(nbf - now));
    json_decref(claims);
    return TOKEN_NOT_YET_VALID;
  }
  if (claims_out)
    *claims_out = claims;
  else
    json_decref(claims);
  return TOKEN_OK;
}

static EVP_PKEY *load_key(const char *path, int private_key, char *err, size_t errsize) {
  FILE *f = fopen(path, "r");
  if (!f) {
    set_detail(err, errsize, "cannot open %s: %s", path, g_strerror(errno));
    return NULL;
  }
  EVP_PKEY *k = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                            : PEM_read_PUBKEY(f, NULL, NULL, NULL);
  fclose(f);
  if (!k) {
    set_detail(err, errsize, "%s is not a PEM %s key", path, private_key ? "private" : "public");
    return NULL;
  }
  if (!is_ed25519(k)) {
    set_detail(err, errsize, "%s is not an Ed25519 key", path);
    EVP_PKEY_free(k);
    return NULL;
  }
  return k;
}

EVP_PKEY *token_load_private_key(const char *path, char *err, size_t errsize) {
  return load_key(path, 1, err, errsize);
}

EVP_PKEY *token_load_public_key(const char *path, char *err, size_t errsize) {
  return load_key(path, 0, err, errsize);
}

EVP_PKEY *token_generate_key(void) {
  EVP_PKEY *k = NULL;
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
  if (c && EVP_PKEY_keygen_init(c) == 1) EVP_PKEY_keygen(c, &k);
  EVP_PKEY_CTX_free(c);
  return k;
}
