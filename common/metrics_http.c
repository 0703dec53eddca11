#include "metrics_http.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "ids.h"
#include "log.h"
#include "version.h"

int metrics_endpoint_init(MetricsEndpoint *e, MetricsRegistry *reg, const char *token_file,
                          char *err, size_t errsize) {
  e->reg = reg;
  e->token = NULL;
  if (!token_file || !*token_file) return 0;
  e->token = config_read_secret(token_file, err, errsize);
  return e->token ? 0 : -1;
}

void metrics_endpoint_clear(MetricsEndpoint *e) {
  if (e->token) {
    memset(e->token, 0, strlen(e->token));
    g_free(e->token);
  }
  e->token = NULL;
}

static int bearer_ok(const MetricsEndpoint *e, const HttpRequest *req) {
  const char *h = http_request_header(req, "authorization");
  if (!h || g_ascii_strncasecmp(h, "Bearer ", 7) != 0) return 0;
  const char *tok = h + 7;
  while (*tok == ' ') tok++;
  return ids_secret_equal(tok, e->token);
}

int metrics_endpoint_handle(const MetricsEndpoint *e, const HttpRequest *req,
                            HttpResponse *resp) {
  if (strcmp(req->path, "/metrics") != 0) return 0;
  if (!e || !e->token) {
    http_response_json(resp, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such "
                                  "path\",\"field\":null}}");
    return 1;
  }
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
    http_response_add_header(resp, "allow", "GET, HEAD");
    http_response_json(resp, 405, "{\"error\":{\"code\":\"method_not_allowed\",\"message\":"
                                  "\"GET only\",\"field\":null}}");
    return 1;
  }
  if (!bearer_ok(e, req)) {
    log_warn("metrics_refused", "peer=%s", req->peer);
    http_response_add_header(resp, "www-authenticate", "Bearer realm=\"metrics\"");
    http_response_json(resp, 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":"
                                  "\"/metrics needs the metrics bearer token\",\"field\":null}}");
    return 1;
  }
  size_t len = 0;
  char *text = metrics_render(e->reg, &len);
  http_response_set_status(resp, 200);
  http_response_set_content_type(resp, METRICS_CONTENT_TYPE);
  http_response_add_header(resp, "cache-control", "no-store");
  http_response_take_body(resp, text, len);
  return 1;
}

/* ---- process metrics ---- */

static double start_time_s;

static void collect_process(MetricsRegistry *r, void *user) {
  (void)user;
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0)
    metrics_set(metrics_only(metrics_counter(r, "process_cpu_seconds_total",
                                             "user and system CPU time spent, seconds", NULL)),
                (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    unsigned long size = 0, resident = 0;
    if (fscanf(f, "%lu %lu", &size, &resident) == 2)
      metrics_set(metrics_only(metrics_gauge(r, "process_resident_memory_bytes",
                                             "resident memory size, bytes", NULL)),
                  (double)resident * (double)sysconf(_SC_PAGESIZE));
    fclose(f);
  }
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
      if (de->d_name[0] != '.') n++;
    closedir(d);
    metrics_set(metrics_only(metrics_gauge(r, "process_open_fds", "open file descriptors", NULL)),
                n - 1); /* less the directory stream itself */
  }
}

void metrics_register_process(MetricsRegistry *reg, const char *daemon) {
  metrics_set(metrics_at(metrics_gauge(reg, "parlour_build_info",
                                       "always 1; the labels say which daemon and version",
                                       "daemon,version"),
                         daemon, PARLOUR_VERSION),
              1);
  if (!start_time_s) start_time_s = (double)g_get_real_time() / 1e6;
  metrics_set(metrics_only(metrics_gauge(reg, "process_start_time_seconds",
                                         "start time of the process since the epoch, seconds",
                                         NULL)),
              start_time_s);
  /* Registered now (so they render in this order); set at each scrape. */
  metrics_counter(reg, "process_cpu_seconds_total", "user and system CPU time spent, seconds",
                  NULL);
  metrics_gauge(reg, "process_resident_memory_bytes", "resident memory size, bytes", NULL);
  metrics_gauge(reg, "process_open_fds", "open file descriptors", NULL);
  metrics_add_collector(reg, collect_process, NULL);
}
