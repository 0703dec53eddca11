/* turn_rest: see turn_rest.h. */
#include "turn_rest.h"

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

int turn_rest_mint(const char *secret, size_t secret_len, const char *user, int64_t now_unix, int64_t ttl_s,
                   TurnCredential *out) {
  if (out) memset(out, 0, sizeof *out);
  if (!secret || secret_len == 0 || !user || !*user || strchr(user, ':') || ttl_s <= 0 || !out) return -1;
  int64_t exp = now_unix + ttl_s;
  char *username = g_strdup_printf("%" G_GINT64_FORMAT ":%s", exp, user);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha1(), secret, (int)secret_len, (const unsigned char *)username, strlen(username), mac,
            &mac_len)) {
    g_free(username);
    return -1;
  }
  out->username = username;
  out->credential = g_base64_encode(mac, mac_len);
  out->expires = exp;
  return 0;
}

void turn_rest_clear(TurnCredential *c) {
  if (!c) return;
  g_free(c->username);
  g_free(c->credential);
  memset(c, 0, sizeof *c);
}
