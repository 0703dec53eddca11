/* parlour-signal settings; the table in signal_config.c is the one source
 * of names, defaults and help (configs/signal.ini mirrors it). */
#ifndef PARLOUR_SIGNAL_CONFIG_H
#define PARLOUR_SIGNAL_CONFIG_H

#include "config.h"

typedef struct {
  char *address;
  int port;
  char *tls_cert;
  char *tls_key;
  char **origins;
  char *token_public_key;
  char *token_issuer;
  char *token_audience;
  char **sfu_nodes;
  char **sfu_draining;
  int sfu_drain_moves;
  char *sfu_secret_file;
  char *booking_url;
  char *booking_credential_file;
  char *booking_ca_file;
  char *spool_dir;
  char *booking_admission;
  char *booking_instance;
  int admit_timeout_ms;
  int decisions_poll_ms;
  int ping_interval_s;
  int max_message;
  int rate_per_s;
  int rate_burst;
  int early_join_s;
  int reconnect_grace_s;
  int join_timeout_s;
  int max_participants;
  int warn_first_s;
  int warn_second_s;
  int token_leeway_s;
  char **cluster_instances;
  char *cluster_self;
  int cluster_probe_ms;
  char *cluster_ca_file;
  char *cluster_credential_file;
  char **turn_urls;
  char *turn_secret_file;
  int turn_ttl_margin_s;
  char *metrics_token_file;
  char *faces_listen;
  int faces_window_ms;
  int faces_over_pct;
  int faces_min_reports;
  int faces_clear_ms;
  int faces_unavailable_after_s;
  int log_level;
} SignalConfig;

extern const ConfigOption signal_config_options[];

/* Every check on cfg that needs no port bound (TLS pair, token key, SFU
 * nodes and draining, secret files, [booking] admission and URL, CA files,
 * spool directory, [cluster] self among instances); --check-config and
 * start-up both run it through DaemonInfo.validate. 0, or -1 with the
 * one-line "config FILE: [group] key: problem" in err. */
int signal_config_validate(const void *cfg, const char *path, char *err, size_t errsize);

#endif
