#include "config_check.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int config_check_secret_file(const char *file, char *err, size_t errsize) {
  char *text = config_read_secret(file, err, errsize);
  if (!text) return -1;
  OPENSSL_cleanse(text, strlen(text));
  g_free(text);
  return 0;
}

/* The first OpenSSL reason on the error queue, for a one-line message. */
static const char *ssl_reason(void) {
  unsigned long e = ERR_get_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  ERR_clear_error();
  return r ? r : "not PEM";
}

int config_check_tls_pair(const char *cert, const char *key, const char **bad_key, char *err,
                          size_t errsize) {
  *bad_key = "tls_cert";
  if (!cert || !*cert) return 0;
  /* The same files the listener loads; checked here so a bad pair is named
   * as such instead of surfacing as a listener that will not start. */
  if (access(cert, R_OK) != 0) {
    snprintf(err, errsize, "cannot read TLS certificate %s: %s", cert, strerror(errno));
    return -1;
  }
  *bad_key = "tls_key";
  if (!key || !*key) {
    snprintf(err, errsize, "a TLS certificate needs tls_key");
    return -1;
  }
  if (access(key, R_OK) != 0) {
    snprintf(err, errsize, "cannot read TLS key %s: %s", key, strerror(errno));
    return -1;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    snprintf(err, errsize, "cannot create a TLS context");
    return -1;
  }
  int rc = -1;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    *bad_key = "tls_cert";
    snprintf(err, errsize, "TLS certificate %s does not load: %s", cert, ssl_reason());
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    snprintf(err, errsize, "TLS key %s does not load or does not match %s: %s", key, cert,
             ssl_reason());
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    snprintf(err, errsize, "TLS key %s does not match certificate %s", key, cert);
    ERR_clear_error();
  } else {
    rc = 0;
  }
  SSL_CTX_free(ctx);
  return rc;
}

int config_check_ca_file(const char *file, int must_exist, char *err, size_t errsize) {
  if (!file || !*file) return 0;
  if (!g_file_test(file, G_FILE_TEST_EXISTS)) {
    if (!must_exist) return 0;
    snprintf(err, errsize, "cannot read CA file %s: no such file", file);
    return -1;
  }
  GError *ge = NULL;
  GTlsDatabase *db = g_tls_file_database_new(file, &ge);
  if (!db) {
    snprintf(err, errsize, "cannot read CA file %s: %s", file, ge->message);
    g_error_free(ge);
    return -1;
  }
  g_object_unref(db);
  return 0;
}

int config_check_dir_writable(const char *dir, char *err, size_t errsize) {
  if (!dir || !*dir) {
    snprintf(err, errsize, "no directory given");
    return -1;
  }
  char *d = g_strdup(dir);
  while (!g_file_test(d, G_FILE_TEST_EXISTS)) {
    char *up = g_path_get_dirname(d);
    int same = strcmp(up, d) == 0;
    g_free(d);
    d = up;
    if (same) break;
  }
  int rc = 0;
  if (!g_file_test(d, G_FILE_TEST_IS_DIR)) {
    snprintf(err, errsize, "%s is not a directory", d);
    rc = -1;
  } else if (access(d, W_OK | X_OK) != 0) {
    snprintf(err, errsize, "directory %s is not writable: %s", d, strerror(errno));
    rc = -1;
  }
  g_free(d);
  return rc;
}
