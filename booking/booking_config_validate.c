/* booking_config_validate: every check on booking's settings that needs no
 * port bound and no database opened, run by --check-config and start-up
 * alike (DaemonInfo.validate). The database ([database] path) and the
 * listening port are only known by opening and binding them: start-up. */
#include <glib.h>
#include <openssl/evp.h>
#include <string.h>

#include "book_idcrypt.h"
#include "book_csp.h"
#include "booking_config.h"
#include "config_check.h"
#include "notify_smtp.h"
#include "notify_sms.h"
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
  /* Every signalling URL becomes an origin in the pages' CSP: a URL that
   * gives none would leave a client unable to reach that instance. */
  char origin[256];
  if (book_csp_origin(cfg->signal_url, origin, sizeof origin) != 0) {
    config_format_error(err, errsize, path, "tokens", "signal_url",
                        "must be a ws:// or wss:// URL with a host");
    return -1;
  }
  for (size_t i = 0; cfg->signal_urls && cfg->signal_urls[i]; i++)
    if (book_csp_origin(cfg->signal_urls[i], origin, sizeof origin) != 0) {
      config_format_error(err, errsize, path, "tokens", "signal_urls",
                          "\"%s\" is not a ws:// or wss:// URL with a host", cfg->signal_urls[i]);
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
  return booking_config_validate_notify(cfg, path, err, errsize);
}

/* [notify]: an address that SMTP can carry, a known STARTTLS mode, a
 * readable CA file, and for text messages a real Notify key and template
 * ids, so a typo fails at start-up, not on the first message. */
int booking_config_validate_notify(const BookingConfig *cfg, const char *path, char *err,
                                   size_t errsize) {
  char why[512];
  const char *url = cfg->notify_sign_in_url ? cfg->notify_sign_in_url : "";
  if (!g_str_has_prefix(url, "https://") && !g_str_has_prefix(url, "http://")) {
    config_format_error(err, errsize, path, "notify", "sign_in_url", "must be an http(s) URL");
    return -1;
  }
  if (!smtp_address_ok(cfg->notify_smtp_from)) {
    config_format_error(err, errsize, path, "notify", "smtp_from", "not an email address");
    return -1;
  }
  const char *mode = cfg->notify_smtp_starttls ? cfg->notify_smtp_starttls : "";
  if (strcmp(mode, "auto") && strcmp(mode, "require") && strcmp(mode, "never")) {
    config_format_error(err, errsize, path, "notify", "smtp_starttls",
                        "must be auto, require or never");
    return -1;
  }
  if (cfg->notify_backoff_max_s < cfg->notify_backoff_base_s) {
    config_format_error(err, errsize, path, "notify", "backoff_max_s",
                        "must not be less than backoff_base_s");
    return -1;
  }
  const char *cas[][2] = {{"smtp_ca_file", cfg->notify_smtp_ca_file},
                          {"sms_ca_file", cfg->notify_sms_ca_file}};
  for (size_t i = 0; i < G_N_ELEMENTS(cas); i++)
    if (cas[i][1] && *cas[i][1] && config_check_ca_file(cas[i][1], 1, why, sizeof why) != 0) {
      config_format_error(err, errsize, path, "notify", cas[i][0], "%s", why);
      return -1;
    }
  if (!cfg->notify_sms_api_url || !*cfg->notify_sms_api_url) return 0;
  if (!g_str_has_prefix(cfg->notify_sms_api_url, "https://")) {
    config_format_error(err, errsize, path, "notify", "sms_api_url", "must be an https URL");
    return -1;
  }
  if (config_check_secret_file(cfg->notify_sms_api_key_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "notify", "sms_api_key_file", "%s", why);
    return -1;
  }
  char *key = NULL, sid[37], secret[37];
  int ok = g_file_get_contents(cfg->notify_sms_api_key_file, &key, NULL, NULL) &&
           notify_sms_parse_key(g_strstrip(key), sid, secret) == 0;
  g_free(key);
  if (!ok) {
    config_format_error(err, errsize, path, "notify", "sms_api_key_file",
                        "not a GOV.UK Notify API key (name-serviceid-secret)");
    return -1;
  }
  if (!notify_uuid_ok(cfg->notify_sms_template_en)) {
    config_format_error(err, errsize, path, "notify", "sms_template_en", "not a template id (UUID)");
    return -1;
  }
  if (!notify_uuid_ok(cfg->notify_sms_template_cy)) {
    config_format_error(err, errsize, path, "notify", "sms_template_cy", "not a template id (UUID)");
    return -1;
  }
  return 0;
}
