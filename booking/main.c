/* parlour-booking: durable facts, rules, sign-in, join tokens, the web client. */
#include <stdio.h>
#include <string.h>

#include "book_api.h"
#include "booking_config.h"
#include "daemon.h"
#include "httpd.h"
#include "log.h"
#include "timeutil.h"
#include "version.h"

/* Once a minute: visits whose time has passed become missed/completed, and
 * visiting orders are topped up when a period has gone by. */
static gboolean housekeeping(gpointer user) {
  BookApp *app = user;
  int64_t now = time_now_unix();
  /* A failure rolls back whole (logged by book_db); the next minute retries. */
  if (book_visits_sweep(app->db, now) < 0) log_warn("visits_sweep_failed", "retry=60s");
  if (book_vo_allocate(app->db, now) < 0) log_warn("vo_allocate_failed", "retry=60s");
  return G_SOURCE_CONTINUE;
}

/* Every hour (and at start-up): recordings past [recording] retention_days
 * that no reviewer kept are deleted, each deletion audited. */
static gboolean purge_recordings(gpointer user) {
  book_recordings_purge(user, time_now_unix(), "retention", NULL);
  return G_SOURCE_CONTINUE;
}

/* The server is created before the app (see main), so it is handed the
 * address of the app pointer rather than the app. */
static void handle_request(const HttpRequest *req, HttpResponse *resp, void *user) {
  book_app_handle(req, resp, *(BookApp **)user);
}

int main(int argc, char **argv) {
  BookingConfig cfg = {0};
  DaemonInfo info = {"parlour-booking", "Parlour booking service (HTTPS pages and /api/v1).",
                     booking_config_options, &cfg, booking_config_validate};
  const char *path = daemon_init(argc, argv, &info);
  log_set_component("booking");
  log_set_level((LogLevel)cfg.log_level);

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
  guint hk = g_timeout_add_seconds(60, housekeeping, app);
  purge_recordings(app);
  guint purge = g_timeout_add_seconds(3600, purge_recordings, app);
  log_info("started", "version=%s port=%d demo=%d", PARLOUR_VERSION, http_server_port(srv),
           cfg.demo);
  g_main_loop_run(loop);
  g_source_remove(hk);
  g_source_remove(purge);
  http_server_free(srv);
  book_app_free(app);
  g_main_loop_unref(loop);
  config_free(booking_config_options, &cfg);
  log_info("stopped", NULL);
  return 0;
}
