/* common/metrics: the registry and its Prometheus text (format 0.0.4), and
 * booking's route templates (never a raw id in a label). */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "book_metrics.h"
#include "metrics.h"

static char *render(MetricsRegistry *r) { return metrics_render(r, NULL); }

static void t_counter_gauge_text(void) {
  MetricsRegistry *r = metrics_registry_new();
  Metric *c = metrics_counter(r, "app_requests_total", "requests, by route", "method,route");
  Metric *g = metrics_gauge(r, "app_rooms", "rooms now", NULL);
  g_assert_nonnull(c);
  g_assert_nonnull(g);
  metrics_inc(metrics_at(c, "GET", "/a"));
  metrics_add(metrics_at(c, "GET", "/a"), 2);
  metrics_inc(metrics_at(c, "POST", "/b"));
  metrics_add(metrics_at(c, "POST", "/b"), -5); /* a counter never goes down */
  metrics_set(metrics_only(g), 3.5);
  char *t = render(r);
  g_assert_nonnull(strstr(t, "# HELP app_requests_total requests, by route\n"
                             "# TYPE app_requests_total counter\n"
                             "app_requests_total{method=\"GET\",route=\"/a\"} 3\n"
                             "app_requests_total{method=\"POST\",route=\"/b\"} 1\n"));
  g_assert_nonnull(strstr(t, "# TYPE app_rooms gauge\napp_rooms 3.5\n"));
  g_assert_cmpfloat(metrics_value(metrics_at(c, "GET", "/a")), ==, 3);
  g_free(t);
  metrics_registry_free(r);
}

static void t_escaping(void) {
  MetricsRegistry *r = metrics_registry_new();
  Metric *c = metrics_counter(r, "x_total", "help with \\ and\nnewline", "v");
  metrics_inc(metrics_at(c, "quote\" back\\slash\nnl"));
  char *t = render(r);
  g_assert_nonnull(strstr(t, "# HELP x_total help with \\\\ and\\nnewline\n"));
  g_assert_nonnull(strstr(t, "x_total{v=\"quote\\\" back\\\\slash\\nnl\"} 1\n"));
  g_free(t);
  metrics_registry_free(r);
}

static void t_histogram(void) {
  MetricsRegistry *r = metrics_registry_new();
  const double b[] = {0.1, 1};
  Metric *h = metrics_histogram(r, "lat_seconds", "latency", "route", b, 2);
  g_assert_nonnull(h);
  MetricSeries *s = metrics_at(h, "/r");
  metrics_observe(s, 0.05);
  metrics_observe(s, 0.1); /* on the bound: le is inclusive */
  metrics_observe(s, 0.5);
  metrics_observe(s, 7);
  metrics_observe(s, NAN); /* ignored */
  metrics_inc(s);          /* not for histograms: ignored */
  char *t = render(r);
  g_assert_nonnull(strstr(t, "# TYPE lat_seconds histogram\n"
                             "lat_seconds_bucket{route=\"/r\",le=\"0.1\"} 2\n"
                             "lat_seconds_bucket{route=\"/r\",le=\"1\"} 3\n"
                             "lat_seconds_bucket{route=\"/r\",le=\"+Inf\"} 4\n"
                             "lat_seconds_sum{route=\"/r\"} 7.65\n"
                             "lat_seconds_count{route=\"/r\"} 4\n"));
  g_free(t);
  /* Default buckets when none are given. */
  Metric *d = metrics_histogram(r, "d_seconds", "d", NULL, NULL, 0);
  metrics_observe(metrics_only(d), 0.003);
  t = render(r);
  g_assert_nonnull(strstr(t, "d_seconds_bucket{le=\"0.005\"} 1\n"));
  g_assert_nonnull(strstr(t, "d_seconds_bucket{le=\"10\"} 1\n"));
  g_free(t);
  metrics_registry_free(r);
}

static void t_bad_input(void) {
  MetricsRegistry *r = metrics_registry_new();
  g_assert_null(metrics_counter(r, "", "x", NULL));
  g_assert_null(metrics_counter(r, "9starts_with_digit", "x", NULL));
  g_assert_null(metrics_counter(r, "has-dash", "x", NULL));
  g_assert_null(metrics_counter(r, "ok_total", "x", "bad-label"));
  g_assert_null(metrics_counter(r, "ok_total", "x", "__reserved"));
  g_assert_null(metrics_counter(r, "ok_total", "x", "a,a"));
  g_assert_null(metrics_histogram(r, "h", "x", "le", NULL, 0));
  const double unordered[] = {1, 0.5};
  g_assert_null(metrics_histogram(r, "h", "x", NULL, unordered, 2));
  Metric *a = metrics_counter(r, "same_total", "x", "k");
  g_assert_true(metrics_counter(r, "same_total", "x", "k") == a); /* registered again: same */
  g_assert_null(metrics_gauge(r, "same_total", "x", "k"));       /* another type: refused */
  g_assert_null(metrics_counter(r, "same_total", "x", "j"));     /* other labels: refused */
  /* Wrong label count, NULL family: no series, and updates on NULL are no-ops. */
  g_assert_null(metrics_at(a, "1", "2"));
  g_assert_null(metrics_only(a));
  metrics_inc(NULL);
  metrics_observe(NULL, 1);
  metrics_set(NULL, 1);
  g_assert_null(metrics_at(NULL, "x"));
  /* A NULL label value renders as "". */
  metrics_inc(metrics_series(a, (const char *const[]){NULL}, 1));
  char *t = render(r);
  g_assert_nonnull(strstr(t, "same_total{k=\"\"} 1\n"));
  g_free(t);
  metrics_registry_free(r);
}

static void t_numbers(void) {
  MetricsRegistry *r = metrics_registry_new();
  Metric *g = metrics_gauge(r, "g", "g", "k");
  metrics_set(metrics_at(g, "inf"), INFINITY);
  metrics_set(metrics_at(g, "ninf"), -INFINITY);
  metrics_set(metrics_at(g, "nan"), NAN);
  metrics_set(metrics_at(g, "big"), 12345678901234.0);
  metrics_set(metrics_at(g, "frac"), 0.1);
  char *t = render(r);
  g_assert_nonnull(strstr(t, "g{k=\"inf\"} +Inf\n"));
  g_assert_nonnull(strstr(t, "g{k=\"ninf\"} -Inf\n"));
  g_assert_nonnull(strstr(t, "g{k=\"nan\"} NaN\n"));
  g_assert_nonnull(strstr(t, "g{k=\"big\"} 12345678901234\n"));
  g_assert_nonnull(strstr(t, "g{k=\"frac\"} 0.1\n"));
  g_free(t);
  metrics_registry_free(r);
}

static int collected;
static void collector(MetricsRegistry *r, void *user) {
  collected++;
  metrics_set(metrics_only(metrics_gauge(r, "scraped", "set at scrape", NULL)), *(int *)user);
}

static void t_collector(void) {
  MetricsRegistry *r = metrics_registry_new();
  int v = 42;
  metrics_add_collector(r, collector, &v);
  char *t = render(r);
  g_assert_cmpint(collected, ==, 1);
  g_assert_nonnull(strstr(t, "scraped 42\n"));
  g_free(t);
  metrics_registry_free(r);
}

/* Many threads adding to one series and creating series at once: no add is
 * lost (the values are atomics), no series is duplicated. */
#define THREADS 8
#define ADDS 20000
typedef struct {
  Metric *c, *h;
  int id;
} Worker;
static gpointer hammer(gpointer p) {
  Worker *w = p;
  MetricSeries *s = metrics_at(w->c, "shared");
  for (int i = 0; i < ADDS; i++) {
    metrics_inc(s);
    metrics_observe(metrics_at(w->h, "shared"), 0.001);
    if (i % 1000 == 0) metrics_inc(metrics_at(w->c, i % 2000 ? "odd" : "even"));
  }
  return NULL;
}
static void t_threads(void) {
  MetricsRegistry *r = metrics_registry_new();
  Worker w[THREADS];
  GThread *th[THREADS];
  Metric *c = metrics_counter(r, "hits_total", "x", "k");
  Metric *h = metrics_histogram(r, "h_seconds", "x", "k", NULL, 0);
  for (int i = 0; i < THREADS; i++) {
    w[i] = (Worker){c, h, i};
    th[i] = g_thread_new("hammer", hammer, &w[i]);
  }
  for (int i = 0; i < THREADS; i++) g_thread_join(th[i]);
  g_assert_cmpfloat(metrics_value(metrics_at(c, "shared")), ==, THREADS * ADDS);
  g_assert_cmpfloat(metrics_value(metrics_at(h, "shared")), ==, THREADS * ADDS);
  g_assert_cmpfloat(metrics_value(metrics_at(c, "even")) + metrics_value(metrics_at(c, "odd")), ==,
                    THREADS * (ADDS / 1000));
  char *t = render(r);
  g_assert_nonnull(strstr(t, "hits_total{k=\"shared\"} 160000\n"));
  g_assert_null(strstr(strstr(t, "hits_total{k=\"shared\"}") + 1, "hits_total{k=\"shared\"}"));
  g_free(t);
  metrics_registry_free(r);
}

static void t_booking_routes(void) {
  g_assert_cmpstr(book_metrics_route("/api/v1/visits/V-123/cancel"), ==, "/api/v1/visits/{id}/cancel");
  g_assert_cmpstr(book_metrics_route("/api/v1/visits/V-123"), ==, "/api/v1/visits/{id}");
  g_assert_cmpstr(book_metrics_route("/api/v1/visits"), ==, "/api/v1/visits");
  g_assert_cmpstr(book_metrics_route("/api/v1/recordings/purge"), ==, "/api/v1/recordings/purge");
  g_assert_cmpstr(book_metrics_route("/api/v1/recordings/r1"), ==, "/api/v1/recordings/{id}");
  g_assert_cmpstr(book_metrics_route("/api/v1/prisoners/1/contacts/7/restrictions"), ==,
                  "/api/v1/prisoners/{id}/contacts/{id}/restrictions");
  g_assert_cmpstr(book_metrics_route("/api/v1/visits/a/participants/b/remove"), ==,
                  "/api/v1/visits/{id}/participants/{id}/remove");
  g_assert_cmpstr(book_metrics_route("/api/v1/internal/decisions/ack"), ==,
                  "/api/v1/internal/decisions/ack");
  /* Never the text of an unknown path, an empty segment or a trailing slash. */
  g_assert_cmpstr(book_metrics_route("/api/v1/visits/"), ==, "unmatched");
  g_assert_cmpstr(book_metrics_route("/api/v1/visits//cancel"), ==, "unmatched");
  g_assert_cmpstr(book_metrics_route("/api/v1/nothing/here"), ==, "unmatched");
  g_assert_cmpstr(book_metrics_route("/api/v2/visits"), ==, "unmatched");
  g_assert_cmpstr(book_metrics_route("/api"), ==, "unmatched");
  g_assert_cmpstr(book_metrics_route("/"), ==, "static");
  g_assert_cmpstr(book_metrics_route("/app.js"), ==, "static");
  g_assert_cmpstr(book_metrics_route("/apix"), ==, "static");
  g_assert_cmpstr(book_metrics_route("/healthz"), ==, "/healthz");
  g_assert_cmpstr(book_metrics_route("/metrics"), ==, "/metrics");
  g_assert_cmpstr(book_metrics_route(NULL), ==, "unmatched");
}

/* Every path docs/openapi.yaml documents has its own template (a route
 * added to booking and its doc but not to book_metrics.c would be counted
 * as "unmatched"). */
static void t_booking_routes_cover_openapi(void) {
  const char *root = g_getenv("PARLOUR_ROOT") ? g_getenv("PARLOUR_ROOT") : ".";
  char *path = g_build_filename(root, "docs", "openapi.yaml", NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  GRegex *ids = g_regex_new("\\{[a-z_]+\\}", 0, 0, NULL);
  char **lines = g_strsplit(text, "\n", -1);
  int n = 0;
  for (char **l = lines; *l; l++) {
    if (!g_str_has_prefix(*l, "  /") || !g_str_has_suffix(*l, ":")) continue;
    char *doc = g_strndup(*l + 2, strlen(*l) - 3);
    char *tmpl = g_regex_replace_literal(ids, doc, -1, 0, "{id}", 0, NULL);
    char *sample = g_regex_replace_literal(ids, doc, -1, 0, "X-1", 0, NULL);
    char *want = g_strconcat("/api/v1", tmpl, NULL);
    char *req = g_strconcat("/api/v1", sample, NULL);
    g_assert_cmpstr(book_metrics_route(req), ==, want);
    n++;
    g_free(doc);
    g_free(tmpl);
    g_free(sample);
    g_free(want);
    g_free(req);
  }
  g_assert_cmpint(n, >=, 30);
  g_strfreev(lines);
  g_regex_unref(ids);
  g_free(text);
  g_free(path);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/common/metrics/counter_gauge_text", t_counter_gauge_text);
  g_test_add_func("/common/metrics/escaping", t_escaping);
  g_test_add_func("/common/metrics/histogram", t_histogram);
  g_test_add_func("/common/metrics/bad_input", t_bad_input);
  g_test_add_func("/common/metrics/numbers", t_numbers);
  g_test_add_func("/common/metrics/collector", t_collector);
  g_test_add_func("/common/metrics/threads", t_threads);
  g_test_add_func("/booking/metrics/route_templates", t_booking_routes);
  g_test_add_func("/booking/metrics/routes_cover_openapi", t_booking_routes_cover_openapi);
  return g_test_run();
}
