/* parlour-sfu: the selective-forwarding media server. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "httpd.h"
#include "log.h"
#include "sfu_config.h"
#include "version.h"

static void http_handler(const HttpRequest *req, HttpResponse *resp, void *user) {
  (void)user;
  if (strcmp(req->path, "/healthz") == 0 && strcmp(req->method, "GET") == 0) {
    char *j = daemon_healthz_json();
    http_response_json(resp, 200, j);
    g_free(j);
    return;
  }
  http_response_json(resp, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such path\",\"field\":null}}");
}

int main(int argc, char **argv) {
  SfuConfig cfg = {0};
  DaemonInfo info = {"parlour-sfu", "Parlour selective-forwarding media server.",
                     sfu_config_options, &cfg};
  const char *path = daemon_init(argc, argv, &info);
  log_set_component("sfu");
  log_set_level((LogLevel)cfg.log_level);
  if (cfg.media_port_min > cfg.media_port_max) {
    char err[512];
    config_format_error(err, sizeof err, path, "media", "port_min",
                        "%d is above port_max %d", cfg.media_port_min, cfg.media_port_max);
    daemon_fail("%s", err);
  }

  GMainLoop *loop = daemon_loop_new();
  HttpServerConfig hc = {.name = "sfu-control",
                         .address = cfg.control_address,
                         .port = cfg.control_port,
                         .handler = http_handler};
  char err[512];
  HttpServer *srv = http_server_new(NULL, &hc, err, sizeof err);
  if (!srv) {
    char msg[768];
    config_format_error(msg, sizeof msg, path, "control", "port", "%s", err);
    daemon_fail("%s", msg);
  }
  log_info("started", "version=%s", PARLOUR_VERSION);
  g_main_loop_run(loop);
  http_server_free(srv);
  g_main_loop_unref(loop);
  config_free(sfu_config_options, &cfg);
  log_info("stopped", NULL);
  return 0;
}
