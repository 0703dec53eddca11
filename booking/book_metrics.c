#include "book_metrics.h"

#include <string.h>

#include "metrics.h"

/* Every route booking_api.c's route() serves, as a template. "{id}" stands
 * for any one non-empty segment; literals are tried first where a literal
 * and an {id} could both match (recordings/purge). Keep in step with
 * route() in book_api.c: test-metrics asserts a request's template. */
/* First match wins, so a template with fewer {id} segments (more literal)
 * comes before one with more: /identity/checks/{id}/approve before
 * /identity/checks/{id}/{id}. */
static const char *const routes[] = {
    "/api/v1/auth/sign-in",
    "/api/v1/auth/sign-out",
    "/api/v1/me",
    "/api/v1/visit-types",
    "/api/v1/establishments",
    "/api/v1/prisoners",
    "/api/v1/reviews",
    "/api/v1/reviews/scan",
    "/api/v1/probation/cases",
    "/api/v1/holds",
    "/api/v1/session-templates",
    "/api/v1/visits",
    "/api/v1/internal/events",
    "/api/v1/internal/admit",
    "/api/v1/internal/decisions",
    "/api/v1/internal/decisions/ack",
    "/api/v1/recordings",
    "/api/v1/recordings/purge",
    "/api/v1/audit/verify",
    "/api/v1/demo/visits",
    "/api/v1/interpreters",
    "/api/v1/identity/visitors",
    "/api/v1/identity/checks",
    "/api/v1/notifications",
    "/api/v1/messages",
    "/api/v1/visit-types/{id}",
    "/api/v1/users/{id}",
    "/api/v1/establishments/{id}",
    "/api/v1/establishments/{id}/legal-sight-monitoring",
    "/api/v1/prisoners/{id}",
    "/api/v1/prisoners/{id}/contacts",
    "/api/v1/prisoners/{id}/slots",
    "/api/v1/prisoners/{id}/moves",
    "/api/v1/reviews/{id}/resolve",
    "/api/v1/holds/{id}",
    "/api/v1/session-templates/{id}/filters",
    "/api/v1/visits/{id}",
    "/api/v1/visits/{id}/cancel",
    "/api/v1/visits/{id}/terminate",
    "/api/v1/visits/{id}/approve",
    "/api/v1/visits/{id}/reject",
    "/api/v1/visits/{id}/audit",
    "/api/v1/visits/{id}/quality",
    "/api/v1/visits/{id}/join-token",
    "/api/v1/visits/{id}/outcome",
    "/api/v1/visits/{id}/recordings",
    "/api/v1/recordings/{id}",
    "/api/v1/recordings/{id}/file",
    "/api/v1/recordings/{id}/retain",
    "/api/v1/prisoners/{id}/one-way-video",
    "/api/v1/prisoners/{id}/visiting-orders",
    "/api/v1/prisoners/{id}/visiting-orders/adjustments",
    "/api/v1/visits/{id}/one-way-video",
    "/api/v1/visits/{id}/interpreters",
    "/api/v1/identity/checks/{id}/approve",
    "/api/v1/identity/checks/{id}/reject",
    "/api/v1/visitors/{id}",
    "/api/v1/prisoners/{id}/contacts/{id}",
    "/api/v1/prisoners/{id}/contacts/{id}/restrictions",
    "/api/v1/visits/{id}/participants/{id}/remove",
    "/api/v1/visits/{id}/interpreters/{id}/remove",
    "/api/v1/identity/visitors/{id}/{id}",
    "/api/v1/identity/checks/{id}/{id}",
};

static int template_matches(const char *tmpl, const char *path) {
  while (*tmpl && *path) {
    if (*tmpl != '/' || *path != '/') return 0;
    tmpl++;
    path++;
    const char *te = strchr(tmpl, '/'), *pe = strchr(path, '/');
    size_t tl = te ? (size_t)(te - tmpl) : strlen(tmpl);
    size_t pl = pe ? (size_t)(pe - path) : strlen(path);
    if (pl == 0) return 0; /* an empty segment is never a resource */
    if (!(tl == 4 && !strncmp(tmpl, "{id}", 4)) && (tl != pl || strncmp(tmpl, path, pl) != 0))
      return 0;
    tmpl += tl;
    path += pl;
  }
  return !*tmpl && !*path;
}

const char *book_metrics_route(const char *path) {
  if (!path) return "unmatched";
  if (!strcmp(path, "/healthz")) return "/healthz";
  if (!strcmp(path, "/metrics")) return "/metrics";
  if (strcmp(path, "/api") != 0 && !g_str_has_prefix(path, "/api/")) return "static";
  /* Literal templates first, then those with ids. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < G_N_ELEMENTS(routes); i++)
      if ((strstr(routes[i], "{id}") != NULL) == pass && template_matches(routes[i], path))
        return routes[i];
  return "unmatched";
}

static Metric *m_housekeeping, *m_requests, *m_latency, *m_storage_errors, *m_outbox, *m_outbox_oldest,
    *m_scrape_db_errors, *m_notifications;

static void collect(MetricsRegistry *r, void *user) {
  (void)r;
  BookDb *db = user;
  /* call_decisions not yet delivered (acknowledged) to signalling: a depth
   * that grows means decisions are not reaching live calls. */
  int64_t n = 0, oldest = 0;
  int rc = book_db_scalar(db, "SELECT count(*) FROM call_decisions WHERE delivered_at IS NULL",
                          &n, 0);
  int rc2 = rc < 0 ? -1
                   : book_db_scalar(db,
                                    "SELECT min(created_at) FROM call_decisions "
                                    "WHERE delivered_at IS NULL",
                                    &oldest, 0);
  if (rc < 0 || rc2 < 0) {
    metrics_inc(metrics_only(m_scrape_db_errors));
    return; /* keep the last values rather than report a false 0 */
  }
  metrics_set(metrics_only(m_outbox), (double)n);
  gint64 age = rc2 == 1 && n > 0 ? g_get_real_time() / G_USEC_PER_SEC - oldest : 0;
  metrics_set(metrics_only(m_outbox_oldest), (double)(age > 0 ? age : 0));
  /* Notifications not yet sent, and those that failed for good: a queue
   * that grows means the mail server or Notify is not taking them. */
  static const char *const by_status[][2] = {
      {"queued", "SELECT count(*) FROM notifications WHERE status = 'queued'"},
      {"sending", "SELECT count(*) FROM notifications WHERE status = 'sending'"},
      {"failed", "SELECT count(*) FROM notifications WHERE status = 'failed'"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(by_status); i++) {
    int64_t c = 0;
    if (book_db_scalar(db, by_status[i][1], &c, 0) < 0) {
      metrics_inc(metrics_only(m_scrape_db_errors));
      return;
    }
    metrics_set(metrics_at(m_notifications, by_status[i][0]), (double)c);
  }
}

void book_metrics_init(BookDb *db) {
  MetricsRegistry *r = metrics_default();
  m_requests = metrics_counter(r, "booking_http_requests_total",
                               "HTTP requests answered, by method, templated route and status",
                               "method,route,status");
  m_latency = metrics_histogram(r, "booking_http_request_duration_seconds",
                                "time from the whole request read to the response ready, by "
                                "templated route",
                                "route", NULL, 0);
  m_storage_errors = metrics_counter(r, "booking_storage_errors_total",
                                     "requests answered 503 storage_unavailable (the database "
                                     "failed under them)",
                                     NULL);
  m_outbox = metrics_gauge(r, "booking_decisions_outbox_pending",
                           "call decisions not yet acknowledged by signalling", NULL);
  m_outbox_oldest = metrics_gauge(r, "booking_decisions_outbox_oldest_age_seconds",
                                  "age of the oldest call decision not yet acknowledged (0 when "
                                  "none)",
                                  NULL);
  m_notifications = metrics_gauge(r, "booking_notifications",
                                  "email and text notifications by delivery status (queued, "
                                  "sending, failed), read at scrape",
                                  "status");
  m_scrape_db_errors = metrics_counter(r, "booking_metrics_db_errors_total",
                                       "scrapes whose database reads failed", NULL);
  m_housekeeping = metrics_counter(r, "booking_housekeeping_failures_total",
                                   "periodic database tasks that failed (retried a minute later)",
                                   "task");
  /* Series that exist before their first event, so a rate() has a start. */
  metrics_at(m_housekeeping, "visits_sweep");
  metrics_at(m_housekeeping, "vo_allocate");
  metrics_at(m_housekeeping, "identity_sweep");
  metrics_at(m_housekeeping, "outcomes_sweep");
  metrics_at(m_housekeeping, "reviews_scan");
  metrics_only(m_storage_errors);
  metrics_only(m_scrape_db_errors);
  metrics_add_collector(r, collect, db);
}

void book_metrics_request(const HttpRequest *req, int status, gint64 started_us) {
  const char *route = book_metrics_route(req->path);
  char code[8];
  g_snprintf(code, sizeof code, "%d", status);
  /* The method too comes from a fixed set (httpd refuses others). */
  metrics_inc(metrics_at(m_requests, req->method, route, code));
  metrics_observe(metrics_at(m_latency, route),
                  (double)(g_get_monotonic_time() - started_us) / G_USEC_PER_SEC);
}

void book_metrics_storage_error(void) { metrics_inc(metrics_only(m_storage_errors)); }

void book_metrics_housekeeping_failed(const char *task) {
  metrics_inc(metrics_at(m_housekeeping, task));
}
