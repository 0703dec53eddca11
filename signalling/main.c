/* parlour-signal: admits participants with join tokens and drives the SFU.
 * The protocol on /ws is docs/signalling-protocol.md. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <openssl/crypto.h>

#include "daemon.h"
#include "httpd.h"
#include "log.h"
#include "metrics_http.h"
#include "sig_booking.h"
#include "sig_cluster.h"
#include "sig_events.h"
#include "sig_faces.h"
#include "sig_metrics.h"
#include "sig_server.h"
#include "signal_config.h"
#include "token.h"
#include "version.h"

static MetricsEndpoint metrics_ep; /* GET /metrics, behind [metrics] token_file */

typedef struct {
  SigServer *sig;
  SigCluster *cluster; /* NULL: this instance alone */
} App;

static void http_handler(const HttpRequest *req, HttpResponse *resp, void *user) {
  App *app = user;
  if (metrics_endpoint_handle(&metrics_ep, req, resp)) return;
  if (app->cluster && strcmp(req->path, "/internal/cluster/state") == 0 &&
      strcmp(req->method, "GET") == 0) {
    sig_cluster_answer_state(app->cluster, req, resp, sig_server_room_ids(app->sig));
    return;
  }
  if (strcmp(req->path, "/healthz") == 0 && strcmp(req->method, "GET") == 0) {
    char *j = daemon_healthz_json();
    http_response_json(resp, 200, j);
    g_free(j);
    return;
  }
  http_response_json(resp, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such path\",\"field\":null}}");
}

/* SIGHUP: the operator changed [sfu] draining / drain_moves (a node going
 * down for maintenance, or back). Only those two settings are re-read; a
 * config file that no longer parses changes nothing (logged). */
typedef struct {
  const char *path;
  SigServer *sig;
} Reload;

static gboolean on_sighup(gpointer data) {
  Reload *rl = data;
  SignalConfig fresh = {0};
  char err[512];
  if (config_load(rl->path, signal_config_options, &fresh, err, sizeof err) != 0) {
    char q[600];
    log_error("reload_failed", "error=%s", log_quote(q, sizeof q, err));
  } else {
    sig_server_set_draining(rl->sig, fresh.sfu_draining, fresh.sfu_drain_moves);
    log_info("reloaded", "draining=%u drain_moves=%d",
             fresh.sfu_draining ? g_strv_length(fresh.sfu_draining) : 0, fresh.sfu_drain_moves);
  }
  config_free(signal_config_options, &fresh);
  return G_SOURCE_CONTINUE;
}

/* A secret file named by [group] key; fails start-up if unusable. */
static char *read_secret(const char *path, const char *cfgpath, const char *group,
                         const char *key) {
  char err[512], msg[768];
  char *text = config_read_secret(path, err, sizeof err);
  if (!text) {
    config_format_error(msg, sizeof msg, cfgpath, group, key, "%s", err);
    daemon_fail("%s", msg);
  }
  return text;
}

int main(int argc, char **argv) {
  SignalConfig cfg = {0};
  DaemonInfo info = {"parlour-signal", "Parlour signalling server (wss /ws).",
                     signal_config_options, &cfg, signal_config_validate};
  const char *path = daemon_init(argc, argv, &info);
  log_set_component("signal");
  log_set_level((LogLevel)cfg.log_level);
  char err[512], msg[768];

  EVP_PKEY *pub = token_load_public_key(cfg.token_public_key, err, sizeof err);
  if (!pub) {
    config_format_error(msg, sizeof msg, path, "tokens", "public_key", "%s", err);
    daemon_fail("%s", msg);
  }
  char *sfu_secret = read_secret(cfg.sfu_secret_file, path, "sfu", "secret_file");
  if (metrics_endpoint_init(&metrics_ep, metrics_default(), cfg.metrics_token_file, err,
                            sizeof err) != 0) {
    config_format_error(msg, sizeof msg, path, "metrics", "token_file", "%s", err);
    daemon_fail("%s", msg);
  }
  /* Admission (docs/contracts.md, "Decisions reach live calls"): with
   * booking configured every first join is checked and booking's decisions
   * reach live calls; only an explicit admission = off lets the token alone
   * decide, and never silently because a URL is missing (both checked in
   * signal_config_validate). */
  gboolean admission = strcmp(cfg.booking_admission, "required") == 0;
  SigEvents *events = NULL;
  SigBooking *booking = NULL;
  if (cfg.booking_url && *cfg.booking_url) {
    char *cred = read_secret(cfg.booking_credential_file, path, "booking", "credential_file");
    events = sig_events_new(cfg.spool_dir, cfg.booking_url, cred, cfg.booking_ca_file, err,
                            sizeof err);
    if (events && admission) {
      char *instance = *cfg.booking_instance
                           ? g_strdup(cfg.booking_instance)
                           : g_strdup_printf("%s-%d-%" G_GINT64_FORMAT, g_get_host_name(),
                                             (int)getpid(), g_get_real_time() / 1000000);
      SigBookingConfig bc = {.base_url = cfg.booking_url,
                             .credential = cred,
                             .ca_file = cfg.booking_ca_file,
                             .instance = instance,
                             .admit_timeout_ms = cfg.admit_timeout_ms,
                             .poll_ms = cfg.decisions_poll_ms};
      booking = sig_booking_new(&bc, err, sizeof err);
      g_free(instance);
      if (!booking) {
        config_format_error(msg, sizeof msg, path, "booking", "ca_file", "%s", err);
        daemon_fail("%s", msg);
      }
    }
    g_free(cred);
    if (!events) {
      config_format_error(msg, sizeof msg, path, "booking",
                          strstr(err, "CA") ? "ca_file" : "spool_dir", "%s", err);
      daemon_fail("%s", msg);
    }
  }

  char *turn_secret = NULL;
  if (cfg.turn_urls && cfg.turn_urls[0])
    turn_secret = read_secret(cfg.turn_secret_file, path, "turn", "secret_file");
  char *kid = token_key_id(pub);
  SigSettings set = {
      .join = {.pub = pub,
               .kid = kid,
               .expect = {.issuer = cfg.token_issuer,
                          .audience = cfg.token_audience,
                          .leeway_s = cfg.token_leeway_s},
               .early_join_s = cfg.early_join_s},
      .reconnect_grace_s = cfg.reconnect_grace_s,
      .join_timeout_s = cfg.join_timeout_s,
      .rate_per_s = cfg.rate_per_s,
      .rate_burst = cfg.rate_burst,
      .max_participants = cfg.max_participants,
      .warn_first_s = cfg.warn_first_s,
      .warn_second_s = cfg.warn_second_s,
      .turn_urls = cfg.turn_urls,
      .turn_secret = turn_secret,
      .turn_ttl_margin_s = cfg.turn_ttl_margin_s,
  };
  GMainLoop *loop = daemon_loop_new();
  SigServer *sig = sig_server_new(&set, cfg.sfu_nodes, sfu_secret, events);
  metrics_register_process(metrics_default(), "signal");
  sig_metrics_init(sig);
  sig_server_set_booking(sig, booking);
  SigFaces *faces = NULL;
  if (cfg.faces_listen && cfg.faces_listen[0]) {
    SigFacesConfig fc = {.listen = cfg.faces_listen,
                         .rule = {.window_ms = cfg.faces_window_ms,
                                  .over_pct = (unsigned)cfg.faces_over_pct,
                                  .min_reports = (unsigned)cfg.faces_min_reports,
                                  .clear_ms = cfg.faces_clear_ms,
                                  .gap_ms = 2000},
                         .unavailable_after_s = cfg.faces_unavailable_after_s};
    faces = sig_faces_new(sig, &fc, err, sizeof err);
    if (!faces) {
      config_format_error(msg, sizeof msg, path, "faces", "listen", "%s", err);
      daemon_fail("%s", msg);
    }
  }
  if (sig_server_set_draining(sig, cfg.sfu_draining, cfg.sfu_drain_moves) > 0) {
    config_format_error(msg, sizeof msg, path, "sfu", "draining", "names a node not in nodes");
    daemon_fail("%s", msg);
  }
  SigCluster *cluster = NULL;
  if (cfg.cluster_instances && cfg.cluster_instances[0]) {
    char *cred = read_secret(cfg.cluster_credential_file, path, "cluster", "credential_file");
    SigClusterConfig cc = {.instances = cfg.cluster_instances,
                           .self = cfg.cluster_self,
                           .credential = cred,
                           .ca_file = cfg.cluster_ca_file,
                           .probe_ms = cfg.cluster_probe_ms};
    cluster = sig_cluster_new(&cc, err, sizeof err);
    g_free(cred);
    if (!cluster) {
      config_format_error(msg, sizeof msg, path, "cluster",
                          strstr(err, "CA") ? "ca_file" : strstr(err, "is not one of") ? "self" : "instances",
                          "%s", err);
      daemon_fail("%s", msg);
    }
    sig_server_set_cluster(sig, cluster);
  }
  App app = {.sig = sig, .cluster = cluster};
  Reload reload = {.path = path, .sig = sig};
  guint hup = g_unix_signal_add(SIGHUP, on_sighup, &reload);
  if (booking) sig_booking_start_feed(booking, sig_on_decision, sig);

  WsEndpoint ws = {.path = "/ws",
                   .origins = (const char *const *)cfg.origins,
                   .max_message = (size_t)cfg.max_message,
                   .on_open = sig_ws_open,
                   .on_message = sig_ws_message,
                   .on_close = sig_ws_close,
                   .user = sig};
  HttpServerConfig hc = {.name = "signal",
                         .address = cfg.address,
                         .port = cfg.port,
                         .tls_cert = cfg.tls_cert,
                         .tls_key = cfg.tls_key,
                         .ping_interval_s = cfg.ping_interval_s,
                         .handler = http_handler,
                         .handler_user = &app,
                         .ws = &ws,
                         .n_ws = 1};
  HttpServer *srv = http_server_new(NULL, &hc, err, sizeof err);
  if (!srv) {
    config_format_error(msg, sizeof msg, path, "server",
                        strstr(err, "TLS") ? "tls_cert" : "port", "%s", err);
    daemon_fail("%s", msg);
  }
  log_info("started", "version=%s port=%d key_id=%s nodes=%u booking=%s admission=%s instances=%u",
           PARLOUR_VERSION, http_server_port(srv), kid ? kid : "-",
           g_strv_length(cfg.sfu_nodes), events ? cfg.booking_url : "-",
           booking ? "required" : "off",
           cfg.cluster_instances ? g_strv_length(cfg.cluster_instances) : 0);
  g_main_loop_run(loop);
  g_source_remove(hup);
  http_server_free(srv);
  sig_metrics_detach();
  sig_booking_free(booking); /* before the server its callbacks use */
  sig_cluster_free(cluster);
  sig_faces_free(faces);
  sig_server_free(sig);
  sig_events_free(events);
  g_main_loop_unref(loop);
  EVP_PKEY_free(pub);
  g_free(kid);
  g_free(sfu_secret);
  metrics_endpoint_clear(&metrics_ep);
  if (turn_secret) OPENSSL_cleanse(turn_secret, strlen(turn_secret));
  g_free(turn_secret);
  config_free(signal_config_options, &cfg);
  log_info("stopped", NULL);
  return 0;
}
