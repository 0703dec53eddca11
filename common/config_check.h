/* Checks on the things a configuration names (secret files, TLS files, CA
 * files, directories), shared by each daemon's <daemon>_config_validate.
 * They look without changing anything, so --check-config can run them on a
 * live host: nothing is created, bound or opened for writing.
 *
 * Each returns 0, or -1 with a one-line reason in err (the caller adds the
 * "config FILE: [group] key:" prefix with config_format_error). */
#ifndef PARLOUR_CONFIG_CHECK_H
#define PARLOUR_CONFIG_CHECK_H

#include <stddef.h>

/* The secret file is readable and holds at least CONFIG_SECRET_MIN
 * characters (config_read_secret's rule); the text is wiped after. */
int config_check_secret_file(const char *file, char *err, size_t errsize);

/* cert empty: plain transport, nothing to check. Otherwise the certificate
 * chain and the private key both load as PEM and the key matches the
 * certificate. *bad_key is set to "tls_cert" or "tls_key" on failure. */
int config_check_tls_pair(const char *cert, const char *key, const char **bad_key, char *err,
                          size_t errsize);

/* A CA file that exists must load (GLib's TLS database, as the HTTP clients
 * use it); with must_exist a missing one is an error too. Empty: system CAs. */
int config_check_ca_file(const char *file, int must_exist, char *err, size_t errsize);

/* The directory exists and is writable, or (when it does not exist yet) its
 * nearest existing ancestor is a writable directory, so it can be made. */
int config_check_dir_writable(const char *dir, char *err, size_t errsize);

#endif
