/* Fuzz harness: join tokens through common/token.c token_verify(), the
 * strict EdDSA JWT verifier signalling runs on every join. Inputs as in
 * fuzz_jwt.h: a raw token, claims signed with token_sign(), or a header and
 * payload of the fuzzer's choosing signed with the verifier's key (so alg,
 * kid, crit... in the header and every claim check are reached). Checked:
 * TOKEN_OK only with a payload object holding iss, aud and exp as expected. */
#include "fuzz_jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_jwt_init();
  char *token = fuzz_jwt_token(data, size);
  if (!token) return 0;
  static const char *const required[] = {"sub", "room", NULL};
  TokenExpect ex = {.issuer = "parlour-booking", .audience = "parlour-signal",
                    .required_claims = required, .leeway_s = 30};
  json_t *claims = NULL;
  char detail[256];
  detail[0] = '\0';
  TokenStatus st = token_verify(token, fuzz_key, &ex, 1800000000, &claims, detail, sizeof detail);
  FUZZ_CHECK(token_status_code(st) != NULL);
  if (st == TOKEN_OK) {
    FUZZ_CHECK(json_is_object(claims));
    FUZZ_CHECK(g_strcmp0(json_string_value(json_object_get(claims, "iss")), "parlour-booking") == 0);
    FUZZ_CHECK(json_object_get(claims, "sub") && json_object_get(claims, "room"));
    json_decref(claims);
  } else {
    FUZZ_CHECK(claims == NULL);
  }
  /* The same bytes against a key that did not sign them never pass. */
  static EVP_PKEY *other;
  if (!other) other = token_generate_key();
  if (data[0] % 3 != 0) FUZZ_CHECK(token_verify(token, other, &ex, 1800000000, NULL, NULL, 0) != TOKEN_OK);
  g_free(token);
  return 0;
}
