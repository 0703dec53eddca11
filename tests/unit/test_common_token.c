/* Join tokens: every rejection reason has its own test, and a token signed
 * by another key is refused. */
#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <string.h>

#include "b64url.h"
#include "sig_join.h"
#include "token.h"

static EVP_PKEY *key, *other_key;
static const int64_t NOW = 1800000000;
static const char *const required[] = {"room", "sub", "role", NULL};
static const TokenExpect expect = {"parlour-booking", "parlour-signal", required, 5};

static json_t *good_claims(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "iss", "parlour-booking", "aud",
                   "parlour-signal", "sub", "p1", "room", "visit-1", "role", "visitor", "iat",
                   (json_int_t)NOW, "nbf", (json_int_t)(NOW - 60), "exp",
                   (json_int_t)(NOW + 3600));
}

static char *sign(EVP_PKEY *k, json_t *claims) {
  char err[128];
  char *t = token_sign(k, "k1", claims, err, sizeof err);
  g_assert_nonnull(t);
  json_decref(claims);
  return t;
}

/* Builds a token from raw header and payload JSON texts and a signature made
 * with key k over them (or a garbage signature when k is NULL). */
static char *raw_token(const char *hdr, const char *payload, EVP_PKEY *k) {
  char *h = b64url_encode((const unsigned char *)hdr, strlen(hdr));
  char *p = b64url_encode((const unsigned char *)payload, strlen(payload));
  char *input = g_strconcat(h, ".", p, NULL);
  unsigned char sig[64] = {1, 2, 3};
  size_t siglen = sizeof sig;
  if (k) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    g_assert_true(EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1);
    g_assert_true(EVP_DigestSign(c, sig, &siglen, (unsigned char *)input, strlen(input)) == 1);
    EVP_MD_CTX_free(c);
  }
  char *s = b64url_encode(sig, siglen);
  char *out = g_strconcat(input, ".", s, NULL);
  g_free(h);
  g_free(p);
  g_free(input);
  g_free(s);
  return out;
}

static TokenStatus verify(const char *t) {
  char detail[256];
  json_t *claims = NULL;
  TokenStatus st = token_verify(t, key, &expect, NOW, &claims, detail, sizeof detail);
  if (st == TOKEN_OK) {
    g_assert_nonnull(claims);
    json_decref(claims);
  } else {
    g_assert_null(claims);
  }
  return st;
}

static void test_valid(void) {
  char *t = sign(key, good_claims());
  json_t *claims = NULL;
  g_assert_cmpint(token_verify(t, key, &expect, NOW, &claims, NULL, 0), ==, TOKEN_OK);
  g_assert_cmpstr(json_string_value(json_object_get(claims, "room")), ==, "visit-1");
  json_decref(claims);
  g_free(t);
}

static void test_other_key(void) {
  char *t = sign(other_key, good_claims());
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_SIGNATURE);
  g_free(t);
}

static void test_tampered_payload(void) {
  char *t = sign(key, good_claims());
  /* Swap the payload for one naming another room, keep the signature. */
  json_t *c = good_claims();
  json_object_set_new(c, "room", json_string("visit-2"));
  char *pj = json_dumps(c, JSON_COMPACT);
  char *p64 = b64url_encode((unsigned char *)pj, strlen(pj));
  char **parts = g_strsplit(t, ".", 3);
  char *forged = g_strjoin(".", parts[0], p64, parts[2], NULL);
  g_assert_cmpint(verify(forged), ==, TOKEN_BAD_SIGNATURE);
  g_strfreev(parts);
  free(pj);
  g_free(p64);
  g_free(forged);
  json_decref(c);
  g_free(t);
}

static void test_tampered_signature(void) {
  char *t = sign(key, good_claims());
  size_t n = strlen(t);
  t[n - 2] = t[n - 2] == 'A' ? 'B' : 'A';
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_SIGNATURE);
  g_free(t);
}

static void test_alg_none(void) {
  json_t *c = good_claims();
  char *pj = json_dumps(c, JSON_COMPACT);
  json_decref(c);
  const char *nh = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
  char *h = b64url_encode((const unsigned char *)nh, strlen(nh));
  char *p = b64url_encode((unsigned char *)pj, strlen(pj));
  /* "none" tokens have an empty signature part; also try with one. */
  char *t1 = g_strconcat(h, ".", p, ".", NULL);
  char *t2 = g_strconcat(h, ".", p, ".AAAA", NULL);
  g_assert_cmpint(verify(t1), ==, TOKEN_MALFORMED);
  g_assert_cmpint(verify(t2), ==, TOKEN_BAD_ALG);
  g_free(t1);
  g_free(t2);
  g_free(h);
  g_free(p);
  free(pj);
}

static void test_alg_hs256(void) {
  /* The classic confusion attack: HS256 with some secret. Refused on alg
   * before any signature is looked at. */
  char *t = raw_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                      "{\"iss\":\"parlour-booking\",\"aud\":\"parlour-signal\",\"exp\":9999999999,"
                      "\"nbf\":0,\"room\":\"r\",\"sub\":\"s\",\"role\":\"visitor\"}",
                      NULL);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_ALG);
  g_free(t);
}

static void test_alg_missing_and_crit(void) {
  const char *payload = "{\"iss\":\"parlour-booking\",\"aud\":\"parlour-signal\",\"exp\":1800003600,"
                        "\"nbf\":0,\"room\":\"r\",\"sub\":\"s\",\"role\":\"visitor\"}";
  char *t = raw_token("{\"typ\":\"JWT\"}", payload, key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_ALG);
  g_free(t);
  t = raw_token("{\"alg\":\"EdDSA\",\"crit\":[\"x\"],\"x\":1}", payload, key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_ALG);
  g_free(t);
  /* Duplicate alg keys must not be read two ways. */
  t = raw_token("{\"alg\":\"EdDSA\",\"alg\":\"none\"}", payload, key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_JSON);
  g_free(t);
}

static void test_wrong_issuer(void) {
  json_t *c = good_claims();
  json_object_set_new(c, "iss", json_string("someone-else"));
  char *t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_WRONG_ISSUER);
  g_free(t);
}

static void test_wrong_audience(void) {
  json_t *c = good_claims();
  json_object_set_new(c, "aud", json_string("parlour-sfu"));
  char *t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_WRONG_AUDIENCE);
  g_free(t);
  /* An array audience containing ours is fine; one without it is not. */
  c = good_claims();
  json_object_set_new(c, "aud", json_pack("[s,s]", "x", "parlour-signal"));
  t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_OK);
  g_free(t);
  c = good_claims();
  json_object_set_new(c, "aud", json_pack("[s]", "x"));
  t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_WRONG_AUDIENCE);
  g_free(t);
}

static void test_expired(void) {
  json_t *c = good_claims();
  json_object_set_new(c, "exp", json_integer(NOW - 10));
  char *t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_EXPIRED);
  g_free(t);
  /* Inside the leeway it still passes. */
  c = good_claims();
  json_object_set_new(c, "exp", json_integer(NOW - 2));
  t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_OK);
  g_free(t);
}

static void test_not_yet_valid(void) {
  json_t *c = good_claims();
  json_object_set_new(c, "nbf", json_integer(NOW + 600));
  char *t = sign(key, c);
  char detail[128];
  g_assert_cmpint(token_verify(t, key, &expect, NOW, NULL, detail, sizeof detail), ==,
                  TOKEN_NOT_YET_VALID);
  g_assert_nonnull(strstr(detail, "600"));
  g_free(t);
}

static void test_missing_claims(void) {
  const char *const names[] = {"iss", "aud", "exp", "nbf", "room", "sub", "role"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    json_t *c = good_claims();
    json_object_del(c, names[i]);
    char *t = sign(key, c);
    g_assert_cmpint(verify(t), ==, TOKEN_MISSING_CLAIM);
    g_free(t);
  }
  /* exp of the wrong type counts as missing, not as "never expires". */
  json_t *c = good_claims();
  json_object_set_new(c, "exp", json_string("tomorrow"));
  char *t = sign(key, c);
  g_assert_cmpint(verify(t), ==, TOKEN_MISSING_CLAIM);
  g_free(t);
}

static void test_malformed(void) {
  const char *bad[] = {"", "abc", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "...."};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) g_assert_cmpint(verify(bad[i]), ==, TOKEN_MALFORMED);
  g_assert_cmpint(token_verify(NULL, key, &expect, NOW, NULL, NULL, 0), ==, TOKEN_MALFORMED);
  char *huge = g_strnfill(TOKEN_MAX_LEN + 1, 'a');
  huge[10] = '.';
  huge[20] = '.';
  g_assert_cmpint(verify(huge), ==, TOKEN_MALFORMED);
  g_free(huge);
}

static void test_bad_base64(void) {
  g_assert_cmpint(verify("e30*.e30.AAAA"), ==, TOKEN_BAD_BASE64);
  g_assert_cmpint(verify("eyJhbGciOiJFZERTQSJ9.e30.AA=A"), ==, TOKEN_BAD_BASE64);
  /* Padding is not base64url. */
  g_assert_cmpint(verify("e30=.e30.AAAA"), ==, TOKEN_BAD_BASE64);
  /* A good header and signature with a payload that is not base64url. */
  char *t = sign(key, good_claims());
  char **parts = g_strsplit(t, ".", 3);
  char *forged = g_strjoin(".", parts[0], "e30$", parts[2], NULL);
  TokenStatus st = verify(forged);
  /* The signature covers the payload text, so the forgery fails there first. */
  g_assert_cmpint(st, ==, TOKEN_BAD_SIGNATURE);
  g_strfreev(parts);
  g_free(forged);
  g_free(t);
  /* Signed by us but the payload is not base64url: reaches the payload. */
  char *h = b64url_encode((const unsigned char *)"{\"alg\":\"EdDSA\"}", 15);
  char *input = g_strconcat(h, ".", "e30$", NULL);
  unsigned char sig[64];
  size_t siglen = 64;
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  EVP_DigestSignInit(c, NULL, NULL, NULL, key);
  EVP_DigestSign(c, sig, &siglen, (unsigned char *)input, strlen(input));
  EVP_MD_CTX_free(c);
  char *s = b64url_encode(sig, siglen);
  char *tok = g_strconcat(input, ".", s, NULL);
  g_assert_cmpint(verify(tok), ==, TOKEN_BAD_BASE64);
  g_free(h);
  g_free(input);
  g_free(s);
  g_free(tok);
}

static void test_bad_json(void) {
  char *t = raw_token("{\"alg\":\"EdDSA\"", "{}", key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_JSON);
  g_free(t);
  t = raw_token("[\"alg\",\"EdDSA\"]", "{}", key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_JSON);
  g_free(t);
  t = raw_token("{\"alg\":\"EdDSA\"}", "not json", key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_JSON);
  g_free(t);
  t = raw_token("{\"alg\":\"EdDSA\"}", "[1,2]", key);
  g_assert_cmpint(verify(t), ==, TOKEN_BAD_JSON);
  g_free(t);
}

static void test_status_codes_distinct(void) {
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (int s = TOKEN_OK; s <= TOKEN_NOT_YET_VALID; s++) {
    const char *code = token_status_code((TokenStatus)s);
    g_assert_false(g_hash_table_contains(seen, code));
    g_hash_table_add(seen, (gpointer)code);
  }
  g_hash_table_destroy(seen);
  g_assert_cmpstr(token_status_code(TOKEN_EXPIRED), ==, "token_expired");
}

static void test_key_files(void) {
  char err[256];
  g_assert_null(token_load_public_key("/nonexistent.pem", err, sizeof err));
  g_assert_nonnull(strstr(err, "cannot open"));
  char *dir = g_dir_make_tmp("tok-XXXXXX", NULL);
  char *p = g_build_filename(dir, "not-a-key.pem", NULL);
  g_file_set_contents(p, "hello", -1, NULL);
  g_assert_null(token_load_private_key(p, err, sizeof err));
  /* An EC key is a valid PEM but not Ed25519: refused. */
  EVP_PKEY *ec = EVP_EC_gen("P-256");
  FILE *f = fopen(p, "w");
  PEM_write_PUBKEY(f, ec);
  fclose(f);
  EVP_PKEY_free(ec);
  g_assert_null(token_load_public_key(p, err, sizeof err));
  g_assert_nonnull(strstr(err, "Ed25519"));
  /* Signing with a non-Ed25519 key is refused too. */
  f = fopen(p, "w");
  PEM_write_PUBKEY(f, key);
  fclose(f);
  EVP_PKEY *pub = token_load_public_key(p, err, sizeof err);
  g_assert_nonnull(pub);
  char *t = sign(key, good_claims());
  g_assert_cmpint(token_verify(t, pub, &expect, NOW, NULL, NULL, 0), ==, TOKEN_OK);
  g_free(t);
  EVP_PKEY_free(pub);
  g_unlink(p);
  g_rmdir(dir);
  g_free(p);
  g_free(dir);
}

/* One key id for both daemons (token_key_id): the private key (booking) and
 * its public half (signalling) give the same 16 characters, and they are the
 * SHA-256 of the raw public key as the contract says (recomputed here by
 * hand, not through the function under test). */
static void test_key_id(void) {
  char *kid = token_key_id(key);
  g_assert_nonnull(kid);
  g_assert_cmpuint(strlen(kid), ==, TOKEN_KEY_ID_LEN);
  for (const char *p = kid; *p; p++) g_assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');

  unsigned char raw[32];
  size_t n = sizeof raw;
  g_assert_true(EVP_PKEY_get_raw_public_key(key, raw, &n) == 1 && n == 32);
  EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, n);
  g_assert_nonnull(pub);
  char *pub_kid = token_key_id(pub);
  g_assert_cmpstr(pub_kid, ==, kid);

  GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(sum, raw, n);
  guint8 md[32];
  gsize mdlen = sizeof md;
  g_checksum_get_digest(sum, md, &mdlen);
  g_checksum_free(sum);
  char *want = b64url_encode(md, mdlen);
  want[TOKEN_KEY_ID_LEN] = '\0';
  g_assert_cmpstr(kid, ==, want);

  char *other = token_key_id(other_key);
  g_assert_cmpstr(other, !=, kid);

  /* No id for no key, nor for a key of another type (an X25519 key has a
   * 32-byte raw public key too; an EC key has none). */
  g_assert_null(token_key_id(NULL));
  EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
  g_assert_nonnull(x);
  g_assert_null(token_key_id(x));
  EVP_PKEY *ec = EVP_EC_gen("P-256");
  g_assert_null(token_key_id(ec));
  EVP_PKEY_free(x);
  EVP_PKEY_free(ec);
  EVP_PKEY_free(pub);
  g_free(want);
  g_free(other);
  g_free(pub_kid);
  g_free(kid);
}

/* A token booking signs (its kid from the private key) passes signalling's
 * admission check (sig_join_check, expecting the kid of the public half);
 * one signed by another key under that key's own id is refused by name. */
static void test_key_id_booking_to_signalling(void) {
  unsigned char raw[32];
  size_t n = sizeof raw;
  g_assert_true(EVP_PKEY_get_raw_public_key(key, raw, &n) == 1);
  EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, n);
  char *sig_kid = token_key_id(pub);
  SigJoinPolicy pol = {.pub = pub,
                       .kid = sig_kid,
                       .expect = {.issuer = "parlour-booking", .audience = "parlour-signal",
                                  .leeway_s = 30},
                       .early_join_s = 900};
  int64_t start = NOW - 60, end = NOW + 1800;
  json_t *claims = json_pack(
      "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:{s:b, s:b, s:b, s:b, s:b},"
      " s:{s:s, s:I, s:I}, s:s, s:s}",
      "iss", "parlour-booking", "aud", "parlour-signal", "sub", "p1", "jti", "j1", "iat",
      (json_int_t)(start - 900), "nbf", (json_int_t)(start - 900), "exp", (json_int_t)end,
      "room", "visit-1", "name", "Pat", "role", "visitor", "grants", "publish", 1, "subscribe",
      1, "hidden", 0, "moderate", 0, "may_record", 0, "visit", "type", "social", "start",
      (json_int_t)start, "end", (json_int_t)end, "recording", "forbidden", "monitoring",
      "allowed");
  char err[128];
  char *book_kid = token_key_id(key);
  char *t = token_sign(key, book_kid, claims, err, sizeof err);
  g_assert_nonnull(t);
  SigJoinError e;
  SigIdentity *id = sig_join_check(&pol, t, "visit-1", NOW, &e);
  g_assert_nonnull(id);
  sig_identity_free(id);
  g_free(t);

  char *okid = token_key_id(other_key);
  t = token_sign(other_key, okid, claims, err, sizeof err);
  g_assert_null(sig_join_check(&pol, t, "visit-1", NOW, &e));
  g_assert_cmpstr(e.code, ==, "token_unknown_key");
  g_free(t);
  g_free(okid);
  json_decref(claims);
  g_free(book_kid);
  g_free(sig_kid);
  EVP_PKEY_free(pub);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  key = token_generate_key();
  other_key = token_generate_key();
  g_test_add_func("/token/valid", test_valid);
  g_test_add_func("/token/other_key", test_other_key);
  g_test_add_func("/token/tampered_payload", test_tampered_payload);
  g_test_add_func("/token/tampered_signature", test_tampered_signature);
  g_test_add_func("/token/alg_none", test_alg_none);
  g_test_add_func("/token/alg_hs256", test_alg_hs256);
  g_test_add_func("/token/alg_missing_crit_duplicate", test_alg_missing_and_crit);
  g_test_add_func("/token/wrong_issuer", test_wrong_issuer);
  g_test_add_func("/token/wrong_audience", test_wrong_audience);
  g_test_add_func("/token/expired", test_expired);
  g_test_add_func("/token/not_yet_valid", test_not_yet_valid);
  g_test_add_func("/token/missing_claims", test_missing_claims);
  g_test_add_func("/token/malformed", test_malformed);
  g_test_add_func("/token/bad_base64", test_bad_base64);
  g_test_add_func("/token/bad_json", test_bad_json);
  g_test_add_func("/token/status_codes_distinct", test_status_codes_distinct);
  g_test_add_func("/token/key_files", test_key_files);
  g_test_add_func("/token/key_id", test_key_id);
  g_test_add_func("/token/key_id_booking_to_signalling", test_key_id_booking_to_signalling);
  int rc = g_test_run();
  EVP_PKEY_free(key);
  EVP_PKEY_free(other_key);
  return rc;
}
