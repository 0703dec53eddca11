/* booking_config_validate: every check on booking's settings that needs no
 * port bound and no database opened, run by --check-config and start-up
 * alike (DaemonInfo.validate). The database ([database] path) and the
 * listening port are only known by opening and binding them: start-up. */
#include <glib.h>
#include <openssl/evp.h>
#include <string.h>

#include "book_idcrypt.h"
#include "booking_config.h"
#include "config_check.h"
#include "token.h"

int booking_config_validate(const void *config, const char *path, char *err, size_t errsize) {
  const BookingConfig *cfg = config;
  char why[512];
  const char *key = NULL;
  if ((cfg->scrypt_n & (cfg->scrypt_n - 1)) != 0) {
    config_format_error(err, errsize, path, "auth", "scrypt_n", "must be a power of two");
    return -1;
  }
  if (config_check_tls_pair(cfg->tls_cert, cfg->tls_key, &key, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "server", key, "%s", why);
    return -1;
  }
  EVP_PKEY *pk = token_load_private_key(cfg->token_private_key, why, sizeof why);
  char *kid = pk ? token_key_id(pk) : NULL;
  if (pk && !kid) g_strlcpy(why, "not an Ed25519 key", sizeof why);
  EVP_PKEY_free(pk);
  g_free(kid);
  if (!kid) {
    config_format_error(err, errsize, path, "tokens", "private_key", "%s", why);
    return -1;
  }
  if (config_check_secret_file(cfg->service_credential_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "service", "credential_file", "%s", why);
    return -1;
  }
  if (cfg->turn_urls && cfg->turn_urls[0] &&
      config_check_secret_file(cfg->turn_secret_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "turn", "secret_file", "%s", why);
    return -1;
  }
  /* [metrics] token_file: optional; named, it must be a secret like the others. */
  if (cfg->metrics_token_file && *cfg->metrics_token_file &&
      config_check_secret_file(cfg->metrics_token_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "metrics", "token_file", "%s", why);
    return -1;
  }
  /* [identity]: a key file that is there must be a key. A missing one is
   * not fatal: booking starts, and the ID check's uploads and views answer
   * 503 identity_unavailable (logged at start) until scripts/setup-var makes
   * it; nobody's check is approved meanwhile, so nothing opens up. */
  unsigned char idkey[BOOK_IDCRYPT_KEY_LEN];
  if (cfg->id_key_file && *cfg->id_key_file && g_file_test(cfg->id_key_file, G_FILE_TEST_EXISTS) &&
      book_idcrypt_load_key(cfg->id_key_file, idkey, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "identity", "key_file", "%s", why);
    return -1;
  }
  memset(idkey, 0, sizeof idkey);
  if (cfg->id_max_image_bytes > cfg->max_body) {
    config_format_error(err, errsize, path, "identity", "max_image_bytes",
                        "must not exceed [server] max_body (%d)", cfg->max_body);
    return -1;
  }
  return 0;
}
