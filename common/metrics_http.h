/* GET /metrics on a daemon's existing port (common/httpd), behind a bearer
 * token: every daemon's [metrics] token_file names a secret that Prometheus
 * presents as "Authorization: Bearer <token>" (its scrape config's
 * authorization.credentials_file). An empty token_file turns /metrics off
 * (404), which is the default: booking's and signalling's ports are public,
 * so nothing is exposed until an operator gives the endpoint a secret.
 * docs/configuration.md and docs/deployment.md say how to set it up. */
#ifndef PARLOUR_METRICS_HTTP_H
#define PARLOUR_METRICS_HTTP_H

#include "httpd.h"
#include "metrics.h"

typedef struct {
  MetricsRegistry *reg;
  char *token; /* NULL: /metrics is off */
} MetricsEndpoint;

/* Reads token_file (NULL/"" leaves the endpoint off). 0, or -1 with a
 * one-line reason in err (file missing, unreadable or too short). */
int metrics_endpoint_init(MetricsEndpoint *e, MetricsRegistry *reg, const char *token_file,
                          char *err, size_t errsize);
void metrics_endpoint_clear(MetricsEndpoint *e);

/* If req is for /metrics, answers it (200 with the exposition, 401 without
 * the right bearer token, 404 when off, 405 for a method other than
 * GET/HEAD) and returns 1; otherwise returns 0 and leaves resp alone. */
int metrics_endpoint_handle(const MetricsEndpoint *e, const HttpRequest *req,
                            HttpResponse *resp);

/* Registers the process-wide families every daemon exports
 * (parlour_build_info, process_start_time_seconds, process_resident_memory_bytes,
 * process_cpu_seconds_total, process_open_fds) into reg. daemon: "booking". */
void metrics_register_process(MetricsRegistry *reg, const char *daemon);

#endif
