/* parlour-booking: durable facts, rules, sign-in, join tokens, the web client. */
#include <stdio.h>
#include <string.h>

#include "book_api.h"
#include "book_holds.h"
#include "book_idcheck.h"
#include "book_metrics.h"
#include "book_reviews.h"
#include "book_verify_cmd.h"
#include "book_notify_outbox.h"
#include "book_notify_sender.h"
#include "booking_config.h"
#include "daemon.h"
#include "httpd.h"
#include "log.h"
#include "metrics_http.h"
#include "timeutil.h"
#include "version.h"

static void identity_sweep(BookApp *app);

/* Once a minute: visits whose time has passed become missed/completed, and
 * visiting orders are topped up when a period has gone by. */
static gboolean housekeeping(gpointer user) {
  BookApp *app = user;
  int64_t now = time_now_unix();
  /* A failure rolls back whole (logged by book_db); the next minute retries. */
  if (book_visits_sweep(app->db, now) < 0) {
    log_warn("visits_sweep_failed", "retry=60s");
    book_metrics_housekeeping_failed("visits_sweep");
  }
  /* Tidying only: an expired hold already counts for nothing. */
  if (book_holds_sweep(app->db, now) < 0) {
    log_warn("holds_sweep_failed", "retry=60s");
    book_metrics_housekeeping_failed("holds_sweep");
  }
  if (book_vo_allocate(app->db, now) < 0) {
    log_warn("vo_allocate_failed", "retry=60s");
    book_metrics_housekeeping_failed("vo_allocate");
  }
  identity_sweep(app);
  /* Outcomes for visits whose time passed; the daily look ahead (once a
   * day, whichever instance claims the day first). */
  if (book_outcomes_sweep(app->db, now) < 0) {
    log_warn("outcomes_sweep_failed", "retry=60s");
    book_metrics_housekeeping_failed("outcomes_sweep");
  }
  if (book_reviews_scan(app->db, now, 0) < 0) {
    log_warn("reviews_scan_failed", "retry=60s");
    book_metrics_housekeeping_failed("reviews_scan");
  }
  return G_SOURCE_CONTINUE;
}

/* Every hour (and at start-up): recordings past [recording] retention_days
 * that no reviewer kept are deleted, each deletion audited. */
static gboolean purge_recordings(gpointer user) {
  book_recordings_purge(user, time_now_unix(), "retention", NULL);
  return G_SOURCE_CONTINUE;
}

/* At start-up and every minute: approved ID checks past [identity]
 * valid_days reach live calls, and ID images past image_retention_days
 * after their decision are deleted (book_idcheck.h). */
static void identity_sweep(BookApp *app) {
  const BookingConfig *cfg = app->cfg;
  if (book_idcheck_sweep(app->db, app->identity_root, cfg->id_required, cfg->id_valid_days,
                         cfg->id_retention_days, time_now_unix()) < 0) {
    log_warn("identity_sweep_failed", "retry=60s");
    book_metrics_housekeeping_failed("identity_sweep");
  }
}

static MetricsEndpoint metrics_ep; /* GET /metrics, behind [metrics] token_file */

/* The server is created before the app (see main), so it is handed the
 * address of the app pointer rather than the app. Every request is counted
 * and timed here, by templated route and status (book_metrics.h). */
static void handle_request(const HttpRequest *req, HttpResponse *resp, void *user) {
  gint64 started = g_get_monotonic_time();
  if (!metrics_endpoint_handle(&metrics_ep, req, resp)) book_app_handle(req, resp, *(BookApp **)user);
  book_metrics_request(req, http_response_get_status(resp), started);
}

int main(int argc, char **argv) {
  BookingConfig cfg = {0};
  DaemonInfo info = {"parlour-booking", "Parlour booking service (HTTPS pages and /api/v1).\n"
                     "  --verify-audit [--establishment ID] [--no-files] [--json] [--anchor FILE]: verify the audit\n"
                     "  chain and the recordings' hashes, print the verdict, exit 0 intact / 1 fault\n"
                     "  / 2 could not check (docs/deployment.md)",
                     booking_config_options, &cfg, booking_config_validate};
  /* --verify-audit: check the audit chain and exit (book_verify_cmd.h). */
  BookVerifyArgs verify;
  if (book_verify_cmd_args(&argc, argv, &verify))
    daemon_fail("--establishment, --chain, --no-files, --json and --anchor go with "
                "--verify-audit (and --establishment, --chain, --anchor need a value)");
  const char *path = daemon_init(argc, argv, &info);
  log_set_component("booking");
  log_set_level((LogLevel)cfg.log_level);
  if (verify.verify) {
    int rc = book_verify_cmd_run(&cfg, &verify);
    config_free(booking_config_options, &cfg);
    return rc;
  }

  char err[512], msg[768];
  const char *group = NULL, *key = NULL;
  /* Bind the port before opening the database: a port in use (or missing
   * TLS files) must fail as one line before anything is created or
   * migrated. No request is served until the loop runs, by which time the
   * app below exists. */
  GMainLoop *loop = daemon_loop_new();
  static BookApp *app;
  HttpServerConfig hc = {.name = "booking",
                         .address = cfg.address,
                         .port = cfg.port,
                         .tls_cert = cfg.tls_cert,
                         .tls_key = cfg.tls_key,
                         .max_body = (size_t)cfg.max_body,
                         .handler = handle_request,
                         .handler_user = &app};
  HttpServer *srv = http_server_new(NULL, &hc, err, sizeof err);
  if (!srv) {
    config_format_error(msg, sizeof msg, path, "server",
                        strstr(err, "TLS") ? "tls_cert" : "port", "%s", err);
    daemon_fail("%s", msg);
  }
  app = book_app_new(&cfg, err, sizeof err, &group, &key);
  if (!app) {
    config_format_error(msg, sizeof msg, path, group, key, "%s", err);
    http_server_free(srv);
    daemon_fail("%s", msg);
  }
  if (metrics_endpoint_init(&metrics_ep, metrics_default(), cfg.metrics_token_file, err,
                            sizeof err) != 0) {
    config_format_error(msg, sizeof msg, path, "metrics", "token_file", "%s", err);
    http_server_free(srv);
    book_app_free(app);
    daemon_fail("%s", msg);
  }
  metrics_register_process(metrics_default(), "booking");
  book_metrics_init(app->db);
  /* Notifications: the sign-in link every message carries, and the sender
   * thread with its own connection (docs/booking.md "Notifications"). */
  book_notify_set_link(cfg.notify_sign_in_url);
  BookNotifySender *sender = NULL;
  /* Under the tests' storage fault switch the sender stays off: its own
   * statements would take the faults meant for the request under test. */
  int faults = g_getenv("PARLOUR_TEST_FAULT_FILE") != NULL;
  if (faults && cfg.notify_enabled) log_warn("notify_sender_off", "reason=test_fault_injection");
  if (cfg.notify_enabled && !faults &&
      !(sender = book_notify_sender_start(&cfg, err, sizeof err))) {
    config_format_error(msg, sizeof msg, path, "database", "path", "notifications sender: %s", err);
    http_server_free(srv);
    book_app_free(app);
    daemon_fail("%s", msg);
  }
  guint hk = g_timeout_add_seconds(60, housekeeping, app);
  purge_recordings(app);
  identity_sweep(app);
  guint purge = g_timeout_add_seconds(3600, purge_recordings, app);
  log_info("started", "version=%s port=%d demo=%d", PARLOUR_VERSION, http_server_port(srv),
           cfg.demo);
  g_main_loop_run(loop);
  g_source_remove(hk);
  g_source_remove(purge);
  book_notify_sender_stop(sender);
  http_server_free(srv);
  metrics_endpoint_clear(&metrics_ep);
  book_app_free(app);
  g_main_loop_unref(loop);
  config_free(booking_config_options, &cfg);
  log_info("stopped", NULL);
  return 0;
}
