/* parlour-sfu: the selective-forwarding media server. The main thread runs
 * the control websocket; media runs on worker threads (worker.h). */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "daemon.h"
#include "dtls.h"
#include "httpd.h"
#include "log.h"
#include "metrics_http.h"
#include "sfu_bus.h"
#include "sfu_config.h"
#include "sfu_metrics.h"
#include "srtp_session.h"
#include "version.h"
#include "worker.h"

static MetricsEndpoint metrics_ep; /* GET /metrics, behind [metrics] token_file */

static void http_handler(const HttpRequest *req, HttpResponse *resp, void *user) {
  (void)user;
  if (metrics_endpoint_handle(&metrics_ep, req, resp)) return;
  if (strcmp(req->path, "/healthz") == 0 && strcmp(req->method, "GET") == 0) {
    char *j = daemon_healthz_json();
    http_response_json(resp, 200, j);
    g_free(j);
    return;
  }
  http_response_json(resp, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such path\",\"field\":null}}");
}

static char *read_secret(const char *path, const char *cfg_path) {
  char err[512], msg[768];
  char *text = config_read_secret(path, err, sizeof err);
  if (!text) {
    config_format_error(msg, sizeof msg, cfg_path, "control", "secret_file", "%s", err);
    daemon_fail("%s", msg);
  }
  return text;
}

int main(int argc, char **argv) {
  SfuConfig cfg = {0};
  DaemonInfo info = {"parlour-sfu", "Parlour selective-forwarding media server.",
                     sfu_config_options, &cfg, sfu_config_validate};
  /* A fixed mmap threshold (which also stops glibc raising it after the
   * first large free) keeps the retransmission rings that grow past 64 KiB
   * in their own mappings, returned to the system when a track ends, instead
   * of in the worker's heap where they fragment it across calls. */
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  const char *path = daemon_init(argc, argv, &info);
  log_set_component("sfu");
  log_set_level((LogLevel)cfg.log_level);
  char err[512], msg[768];
  char *secret = read_secret(cfg.control_secret_file, path);
  if (metrics_endpoint_init(&metrics_ep, metrics_default(), cfg.metrics_token_file, err,
                            sizeof err) != 0) {
    config_format_error(msg, sizeof msg, path, "metrics", "token_file", "%s", err);
    daemon_fail("%s", msg);
  }
  if (srtp_session_global_init() != 0) daemon_fail("cannot initialise libsrtp");
  DtlsContext *dtls = dtls_context_new(err, sizeof err);
  if (!dtls) daemon_fail("%s", err);

  GMainLoop *loop = daemon_loop_new();
  int n_workers = cfg.workers > 0 ? cfg.workers : (int)g_get_num_processors();
  if (n_workers < 1) n_workers = 1;
  SfuEnv env = {.dtls = dtls,
                .ice_addresses = cfg.ice_addresses,
                .port_min = cfg.media_port_min,
                .port_max = cfg.media_port_max,
                .recording_dir = cfg.recording_dir,
                .faces_analyser = cfg.faces_analyser,
                .publisher_twcc = cfg.publisher_twcc,
                .batch_us = cfg.batch_us,
                .udp_pump = cfg.udp_pump,
                .udp_gso = cfg.udp_gso};
  Worker **workers = g_new0(Worker *, n_workers);
  for (int i = 0; i < n_workers; i++) workers[i] = worker_new(i, &env);
  Control *control = control_new(secret, workers, n_workers);
  metrics_register_process(metrics_default(), "sfu");
  sfu_metrics_init(workers, n_workers);

  HttpServerConfig hc = {.name = "sfu-control",
                         .address = cfg.control_address,
                         .port = cfg.control_port,
                         .handler = http_handler,
                         .ws = control_endpoint(control),
                         .n_ws = 1};
  HttpServer *srv = http_server_new(NULL, &hc, err, sizeof err);
  if (!srv) {
    config_format_error(msg, sizeof msg, path, "control", "port", "%s", err);
    daemon_fail("%s", msg);
  }
  log_info("started", "version=%s workers=%d media_ports=%d-%d fingerprint=%s", PARLOUR_VERSION,
           n_workers, cfg.media_port_min, cfg.media_port_max, dtls_context_fingerprint(dtls));
  g_main_loop_run(loop);

  http_server_free(srv);
  sfu_metrics_shutdown();
  control_free(control);
  sfu_bus_init(NULL, NULL, NULL); /* events of the rooms shut down below go nowhere */
  for (int i = 0; i < n_workers; i++) worker_free(workers[i]);
  g_free(workers);
  dtls_context_free(dtls);
  g_free(secret);
  metrics_endpoint_clear(&metrics_ep);
  g_main_loop_unref(loop);
  config_free(sfu_config_options, &cfg);
  log_info("stopped", NULL);
  return 0;
}
