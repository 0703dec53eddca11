/* Test helper: mints join tokens the way booking does, and the bad ones the
 * signalling tests need.
 *
 *   prog_mint_token --key PRIVATE.pem [--kid auto|none|TEXT]
 *                   [--alg-none] [--tamper] [--hs256] CLAIMS_JSON
 *
 * --kid auto (default) puts our key id (token_key_id of the key's public half)
 * in the header, as booking should; --alg-none writes {"alg":"none"} with
 * the real signature kept (so the parts are all there and only alg is
 * wrong); --tamper changes the payload after signing (role to "officer",
 * moderate granted) keeping the signature; --hs256 claims HS256. Prints the
 * token on stdout. Exit 2 on bad usage. */
#include <stdio.h>
#include <string.h>

#include "b64url.h"
#include "sig_join.h"
#include "token.h"

static char *reencode_header(const char *tok, const char *alg) {
  const char *d1 = strchr(tok, '.');
  json_t *h = json_pack("{s:s, s:s}", "alg", alg, "typ", "JWT");
  char *hj = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(h);
  char *h64 = b64url_encode((unsigned char *)hj, strlen(hj));
  free(hj);
  char *out = g_strconcat(h64, d1, NULL);
  g_free(h64);
  return out;
}

int main(int argc, char **argv) {
  const char *key_path = NULL, *kid = "auto", *claims_text = NULL;
  int alg_none = 0, tamper = 0, hs256 = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) key_path = argv[++i];
    else if (strcmp(argv[i], "--kid") == 0 && i + 1 < argc) kid = argv[++i];
    else if (strcmp(argv[i], "--alg-none") == 0) alg_none = 1;
    else if (strcmp(argv[i], "--tamper") == 0) tamper = 1;
    else if (strcmp(argv[i], "--hs256") == 0) hs256 = 1;
    else if (!claims_text) claims_text = argv[i];
    else {
      fprintf(stderr, "prog_mint_token: unexpected argument %s\n", argv[i]);
      return 2;
    }
  }
  if (!key_path || !claims_text) {
    fprintf(stderr, "usage: prog_mint_token --key PRIVATE.pem [--kid auto|none|TEXT] "
                    "[--alg-none] [--tamper] [--hs256] CLAIMS_JSON\n");
    return 2;
  }
  char err[256];
  EVP_PKEY *key = token_load_private_key(key_path, err, sizeof err);
  if (!key) {
    fprintf(stderr, "prog_mint_token: %s\n", err);
    return 2;
  }
  json_error_t je;
  json_t *claims = json_loads(claims_text, 0, &je);
  if (!json_is_object(claims)) {
    fprintf(stderr, "prog_mint_token: claims are not a JSON object: %s\n", je.text);
    return 2;
  }
  char *kid_value = NULL;
  if (strcmp(kid, "auto") == 0) kid_value = token_key_id(key);
  else if (strcmp(kid, "none") != 0) kid_value = g_strdup(kid);
  char *tok = token_sign(key, kid_value, claims, err, sizeof err);
  if (!tok) {
    fprintf(stderr, "prog_mint_token: %s\n", err);
    return 2;
  }
  if (alg_none || hs256) {
    char *t2 = reencode_header(tok, alg_none ? "none" : "HS256");
    g_free(tok);
    tok = t2;
  }
  if (tamper) {
    json_object_set_new(claims, "role", json_string("officer"));
    json_t *g = json_object_get(claims, "grants");
    if (json_is_object(g)) json_object_set_new(g, "moderate", json_true());
    char *pj = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    char *p64 = b64url_encode((unsigned char *)pj, strlen(pj));
    free(pj);
    char **parts = g_strsplit(tok, ".", 3);
    char *t2 = g_strjoin(".", parts[0], p64, parts[2], NULL);
    g_strfreev(parts);
    g_free(p64);
    g_free(tok);
    tok = t2;
  }
  printf("%s\n", tok);
  g_free(tok);
  g_free(kid_value);
  json_decref(claims);
  EVP_PKEY_free(key);
  return 0;
}
