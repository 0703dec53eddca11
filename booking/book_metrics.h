/* book_metrics: booking's families in the process registry (GET /metrics,
 * docs/architecture.md "Metrics"): requests by templated route, method and
 * status with a latency histogram per route, storage errors answered, and
 * the decision outbox's depth read from the database at scrape time. */
#ifndef PARLOUR_BOOK_METRICS_H
#define PARLOUR_BOOK_METRICS_H

#include <glib.h>

#include "book_db.h"
#include "httpd.h"

/* Registers the families and the scrape-time collector (db borrowed; it
 * must outlive the registry's use, i.e. the process). */
void book_metrics_init(BookDb *db);
/* The route label for a request path: the API route template with every
 * id replaced by {id} (e.g. "/api/v1/visits/{id}/cancel"), "/healthz",
 * "/metrics", "static" for the web client's files, "unmatched" for any
 * other /api path. Never a raw id, so the label set stays small. */
const char *book_metrics_route(const char *path);
/* One answered request: counts it and observes its latency since
 * started_us (g_get_monotonic_time()). */
void book_metrics_request(const HttpRequest *req, int status, gint64 started_us);
/* A request answered 503 storage_unavailable (api_storage_error). */
void book_metrics_storage_error(void);
/* A periodic task (task: "visits_sweep", "vo_allocate") failed on the
 * database; it is retried a minute later. */
void book_metrics_housekeeping_failed(const char *task);

#endif
