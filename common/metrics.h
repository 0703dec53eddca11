/* metrics: counters, gauges and histograms with labels, rendered in the
 * Prometheus text exposition format 0.0.4 (what GET /metrics answers on
 * every daemon; docs/architecture.md "Metrics").
 *
 * A registry holds families (one name, one help text, one type, fixed label
 * names); a family holds series (one per distinct tuple of label values).
 *
 * Threads: any thread may update a series. Values are atomics, so updating
 * a series already looked up takes no lock; looking a series up by label
 * values (metrics_series) and rendering take the registry's mutex. Code on
 * a hot path looks its series up once and keeps the pointer (series live as
 * long as the registry). The SFU's packet path does not use this at all:
 * sfu/sfu_metrics.c reads the rooms' own stats at scrape time.
 *
 * Cardinality is the caller's duty: label values must come from small fixed
 * sets (a templated route, a status code, a reason code), never ids. */
#ifndef PARLOUR_METRICS_H
#define PARLOUR_METRICS_H

#include <stddef.h>

typedef struct MetricsRegistry MetricsRegistry;
typedef struct Metric Metric;             /* a family */
typedef struct MetricSeries MetricSeries; /* one labelled series of a family */

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } MetricType;

MetricsRegistry *metrics_registry_new(void);
void metrics_registry_free(MetricsRegistry *r);
/* The process's registry, created on first use; daemons register into it. */
MetricsRegistry *metrics_default(void);

/* Registers a family. labels: label names separated by ',' ("method,route")
 * or NULL/"" for none. Counter names should end in _total. Returns NULL if a
 * name is not a valid metric or label name, a label is reserved ("le" on a
 * histogram, or starts with "__"), or the name is taken by a family of
 * another type or labels; registering the same name again with the same
 * type and labels returns the existing family (so a module may register
 * from an init function called twice). */
Metric *metrics_counter(MetricsRegistry *r, const char *name, const char *help,
                        const char *labels);
Metric *metrics_gauge(MetricsRegistry *r, const char *name, const char *help, const char *labels);
/* bounds: n strictly increasing upper bounds (the +Inf bucket is implicit).
 * NULL/0 takes metrics_default_buckets (seconds, 5 ms .. 10 s). */
Metric *metrics_histogram(MetricsRegistry *r, const char *name, const char *help,
                          const char *labels, const double *bounds, size_t n);
extern const double metrics_default_buckets[];
extern const size_t metrics_n_default_buckets;

/* The series for these label values (exactly as many as the family has
 * labels; NULL values render as ""), created on first use. NULL if f is
 * NULL or the count is wrong. */
MetricSeries *metrics_series(Metric *f, const char *const *values, size_t n);
/* Convenience for families with 0..4 labels: metrics_at(f, "GET", "/x"). */
#define metrics_at(f, ...) \
  metrics_series((f), (const char *const[]){__VA_ARGS__}, \
                 sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
/* For a family without labels. */
MetricSeries *metrics_only(Metric *f);

/* Updates. Every one accepts NULL (a family that failed to register) and
 * does nothing, so a metrics mistake never takes a daemon down. A counter
 * only goes up: negative adds are ignored. */
void metrics_inc(MetricSeries *s);
void metrics_add(MetricSeries *s, double v);
void metrics_set(MetricSeries *s, double v); /* gauges (and counters mirrored from a source) */
void metrics_observe(MetricSeries *s, double v); /* histograms */
double metrics_value(const MetricSeries *s);     /* counter/gauge value; histogram count */

/* Called at the start of every render, on the rendering thread, to set
 * gauges (and mirrored counters) from state read at scrape time. */
typedef void (*MetricsCollectFn)(MetricsRegistry *r, void *user);
void metrics_add_collector(MetricsRegistry *r, MetricsCollectFn fn, void *user);

/* The whole exposition text (g_free it): collectors first, then every
 * family in registration order, each with # HELP and # TYPE lines. */
char *metrics_render(MetricsRegistry *r, size_t *len);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
