/* signal_config_validate: every check on signalling's settings that needs
 * no port bound, run by --check-config and start-up alike
 * (DaemonInfo.validate). The listening port is only known by binding it,
 * and booking and the other instances only by asking them: start-up and
 * after (booking unreachable is not a configuration error: events spool and
 * joins are refused admission_unavailable until it answers). */
#include <glib.h>
#include <openssl/evp.h>
#include <string.h>

#include "config_check.h"
#include "faces_wire.h"
#include "sig_call_pin.h"
#include "signal_config.h"
#include "token.h"

static int is_ws_url(const char *u) {
  return g_str_has_prefix(u, "ws://") || g_str_has_prefix(u, "wss://");
}

/* The [cluster] rules sig_cluster_new applies, with the key to name. */
static int check_cluster(const SignalConfig *cfg, const char *path, char *err, size_t errsize) {
  char why[512];
  guint n = g_strv_length(cfg->cluster_instances);
  if (n > SIG_PIN_MAX) {
    config_format_error(err, errsize, path, "cluster", "instances", "at most %d instances",
                        SIG_PIN_MAX);
    return -1;
  }
  for (guint i = 0; i < n; i++)
    if (!is_ws_url(cfg->cluster_instances[i])) {
      config_format_error(err, errsize, path, "cluster", "instances",
                          "\"%s\" is not a wss:// URL", cfg->cluster_instances[i]);
      return -1;
    }
  if (!g_strv_contains((const char *const *)cfg->cluster_instances, cfg->cluster_self)) {
    config_format_error(err, errsize, path, "cluster", "self",
                        "\"%s\" is not one of [cluster] instances", cfg->cluster_self);
    return -1;
  }
  if (config_check_ca_file(cfg->cluster_ca_file, 1, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "cluster", "ca_file", "%s", why);
    return -1;
  }
  if (config_check_secret_file(cfg->cluster_credential_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "cluster", "credential_file", "%s", why);
    return -1;
  }
  return 0;
}

/* [booking]: admission is required or off; required needs a URL; a URL is
 * http(s) and brings a credential, a usable CA file and a spool. */
static int check_booking(const SignalConfig *cfg, const char *path, char *err, size_t errsize) {
  char why[512];
  int required = strcmp(cfg->booking_admission, "required") == 0;
  if (!required && strcmp(cfg->booking_admission, "off") != 0) {
    config_format_error(err, errsize, path, "booking", "admission",
                        "\"%s\" is not required or off", cfg->booking_admission);
    return -1;
  }
  int has_url = cfg->booking_url && *cfg->booking_url;
  if (required && !has_url) {
    config_format_error(err, errsize, path, "booking", "admission",
                        "required needs [booking] url (set admission = off to run without "
                        "booking)");
    return -1;
  }
  if (!has_url) return 0;
  if (!g_str_has_prefix(cfg->booking_url, "https://") &&
      !g_str_has_prefix(cfg->booking_url, "http://")) {
    config_format_error(err, errsize, path, "booking", "url", "\"%s\" is not an http(s) URL",
                        cfg->booking_url);
    return -1;
  }
  if (config_check_secret_file(cfg->booking_credential_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "booking", "credential_file", "%s", why);
    return -1;
  }
  /* A CA file that does not exist yet is allowed (sig_events.c says why). */
  if (config_check_ca_file(cfg->booking_ca_file, 0, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "booking", "ca_file", "%s", why);
    return -1;
  }
  if (config_check_dir_writable(cfg->spool_dir, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "booking", "spool_dir", "%s", why);
    return -1;
  }
  return 0;
}

int signal_config_validate(const void *config, const char *path, char *err, size_t errsize) {
  const SignalConfig *cfg = config;
  char why[512];
  const char *key = NULL;
  if (config_check_tls_pair(cfg->tls_cert, cfg->tls_key, &key, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "server", key, "%s", why);
    return -1;
  }
  EVP_PKEY *pub = token_load_public_key(cfg->token_public_key, why, sizeof why);
  if (!pub) {
    config_format_error(err, errsize, path, "tokens", "public_key", "%s", why);
    return -1;
  }
  EVP_PKEY_free(pub);
  if (!cfg->sfu_nodes || !cfg->sfu_nodes[0]) {
    config_format_error(err, errsize, path, "sfu", "nodes", "at least one node is needed");
    return -1;
  }
  for (char **n = cfg->sfu_nodes; *n; n++)
    if (!is_ws_url(*n)) {
      config_format_error(err, errsize, path, "sfu", "nodes", "\"%s\" is not a ws:// URL", *n);
      return -1;
    }
  for (char **d = cfg->sfu_draining; d && *d; d++)
    if (!g_strv_contains((const char *const *)cfg->sfu_nodes, *d)) {
      config_format_error(err, errsize, path, "sfu", "draining", "names a node not in nodes");
      return -1;
    }
  if (config_check_secret_file(cfg->sfu_secret_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "sfu", "secret_file", "%s", why);
    return -1;
  }
  if (cfg->warn_second_s >= cfg->warn_first_s) {
    config_format_error(err, errsize, path, "calls", "warn_second_s",
                        "must be less than warn_first_s (%d)", cfg->warn_first_s);
    return -1;
  }
  if (check_booking(cfg, path, err, errsize) != 0) return -1;
  if (cfg->turn_urls && cfg->turn_urls[0] &&
      config_check_secret_file(cfg->turn_secret_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "turn", "secret_file", "%s", why);
    return -1;
  }
  if (cfg->cluster_instances && cfg->cluster_instances[0] &&
      check_cluster(cfg, path, err, errsize) != 0)
    return -1;
  /* [metrics] token_file: optional; named, it must be a secret like the others. */
  if (cfg->metrics_token_file && *cfg->metrics_token_file &&
      config_check_secret_file(cfg->metrics_token_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "metrics", "token_file", "%s", why);
    return -1;
  }
  if (cfg->faces_listen && *cfg->faces_listen && !faces_wire_hostport_ok(cfg->faces_listen)) {
    config_format_error(err, errsize, path, "faces", "listen",
                        "must be a numeric address and port, e.g. 127.0.0.1:8461");
    return -1;
  }
  return 0;
}
