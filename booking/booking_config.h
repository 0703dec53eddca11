/* parlour-booking settings; the table in booking_config.c is the one source
 * of names, defaults and help (configs/booking.ini mirrors it). */
#ifndef PARLOUR_BOOKING_CONFIG_H
#define PARLOUR_BOOKING_CONFIG_H

#include "config.h"

typedef struct {
  char *address;
  int port;
  char *tls_cert;
  char *tls_key;
  char *client_dir;
  int max_body;
  char *db_engine;
  char *db_path;
  char *db_url;
  int db_sync_full;
  char *token_private_key;
  char *token_issuer;
  char *token_audience;
  char *signal_url;
  char **signal_urls;
  char *service_credential_file;
  int demo;
  char **turn_urls;
  char *turn_secret_file;
  int turn_ttl_margin_s;
  char *recording_dir;
  int retention_days;
  char *metrics_token_file;
  int log_level;
  int idle_timeout_s;
  int scrypt_n;
  /* [notify]: notifications (book_notify_sender.h) */
  int notify_enabled;
  char *notify_sign_in_url;
  int notify_poll_ms;
  int notify_max_attempts;
  int notify_backoff_base_s;
  int notify_backoff_max_s;
  int notify_lease_s;
  int notify_reminder_hours;
  char *notify_sink_dir;
  char *notify_smtp_host;
  int notify_smtp_port;
  char *notify_smtp_from;
  char *notify_smtp_starttls;
  char *notify_smtp_ca_file;
  int notify_smtp_timeout_s;
  char *notify_sms_api_url;
  char *notify_sms_api_key_file;
  char *notify_sms_template_en;
  char *notify_sms_template_cy;
  char *notify_sms_ca_file;
  int notify_sms_timeout_s;
  /* [identity]: the visitor ID check (docs/booking.md "ID check") */
  int id_required;
  int id_valid_days;
  int id_retention_days;
  int id_max_image_bytes;
  char *id_key_file;
  char *id_dir;
} BookingConfig;

extern const ConfigOption booking_config_options[];

/* Every check on cfg that needs no port bound and no database opened (TLS
 * pair, token key, secret files, scrypt_n); --check-config and start-up both
 * run it through DaemonInfo.validate. 0, or -1 with the one-line
 * "config FILE: [group] key: problem" in err. */
int booking_config_validate(const void *cfg, const char *path, char *err, size_t errsize);
/* Its [notify] part (booking_config_validate.c). */
int booking_config_validate_notify(const BookingConfig *cfg, const char *path, char *err,
                                   size_t errsize);

#endif
