#include "metrics.h"

#include <glib.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

const double metrics_default_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1,    2.5,   5,    10};
const size_t metrics_n_default_buckets = G_N_ELEMENTS(metrics_default_buckets);

/* A double kept as its bits in an atomic word: C11 has no atomic double
 * add, so adds are a compare-and-swap loop (uncontended in practice). */
typedef _Atomic uint64_t AtomicDouble;

static double ad_load(const AtomicDouble *a) {
  uint64_t bits = atomic_load_explicit((AtomicDouble *)a, memory_order_relaxed);
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}
static void ad_store(AtomicDouble *a, double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  atomic_store_explicit(a, bits, memory_order_relaxed);
}
static void ad_add(AtomicDouble *a, double d) {
  uint64_t old = atomic_load_explicit(a, memory_order_relaxed), next;
  do {
    double cur;
    memcpy(&cur, &old, sizeof cur);
    cur += d;
    memcpy(&next, &cur, sizeof next);
  } while (!atomic_compare_exchange_weak_explicit(a, &old, next, memory_order_relaxed,
                                                  memory_order_relaxed));
}

struct MetricSeries {
  Metric *family;
  char **values;        /* label values, family->n_labels of them */
  AtomicDouble value;   /* counter, gauge; histogram sum */
  _Atomic uint64_t *buckets; /* histogram: per-bucket (not cumulative) counts, n_bounds + 1 */
};

struct Metric {
  MetricsRegistry *reg;
  char *name, *help;
  MetricType type;
  char **labels; /* NULL-terminated */
  size_t n_labels;
  double *bounds;
  size_t n_bounds;
  GHashTable *index; /* joined label values -> MetricSeries* */
  GPtrArray *series; /* MetricSeries*, creation order (owned) */
};

typedef struct {
  MetricsCollectFn fn;
  void *user;
} Collector;

struct MetricsRegistry {
  GMutex lock;
  GPtrArray *families; /* Metric*, registration order (owned) */
  GArray *collectors;  /* Collector */
};

/* ---- names ---- */

static int valid_name(const char *s, int colon_ok) {
  if (!s || !*s) return 0;
  for (const char *p = s; *p; p++) {
    int ok = g_ascii_isalpha(*p) || *p == '_' || (colon_ok && *p == ':') ||
             (p != s && g_ascii_isdigit(*p));
    if (!ok) return 0;
  }
  return 1;
}

/* ---- registry ---- */

static void series_free(gpointer p) {
  MetricSeries *s = p;
  g_strfreev(s->values);
  g_free(s->buckets);
  g_free(s);
}

static void family_free(gpointer p) {
  Metric *f = p;
  g_hash_table_destroy(f->index);
  g_ptr_array_free(f->series, TRUE);
  g_strfreev(f->labels);
  g_free(f->bounds);
  g_free(f->name);
  g_free(f->help);
  g_free(f);
}

MetricsRegistry *metrics_registry_new(void) {
  MetricsRegistry *r = g_new0(MetricsRegistry, 1);
  g_mutex_init(&r->lock);
  r->families = g_ptr_array_new_with_free_func(family_free);
  r->collectors = g_array_new(FALSE, FALSE, sizeof(Collector));
  return r;
}

void metrics_registry_free(MetricsRegistry *r) {
  if (!r) return;
  g_ptr_array_free(r->families, TRUE);
  g_array_free(r->collectors, TRUE);
  g_mutex_clear(&r->lock);
  g_free(r);
}

MetricsRegistry *metrics_default(void) {
  static gsize once = 0;
  static MetricsRegistry *reg;
  if (g_once_init_enter(&once)) {
    reg = metrics_registry_new();
    g_once_init_leave(&once, 1);
  }
  return reg;
}

static int same_labels(char **a, char **b) {
  guint n = g_strv_length(a);
  if (n != g_strv_length(b)) return 0;
  for (guint i = 0; i < n; i++)
    if (strcmp(a[i], b[i]) != 0) return 0;
  return 1;
}

static Metric *family_new(MetricsRegistry *r, MetricType type, const char *name, const char *help,
                          const char *labels, const double *bounds, size_t n_bounds) {
  if (!r || !valid_name(name, 1)) return NULL;
  char **names = labels && *labels ? g_strsplit(labels, ",", -1) : g_new0(char *, 1);
  for (char **l = names; *l; l++) {
    g_strstrip(*l);
    int reserved = g_str_has_prefix(*l, "__") || (type == METRIC_HISTOGRAM && !strcmp(*l, "le"));
    int dup = 0;
    for (char **m = names; m < l; m++)
      if (!strcmp(*m, *l)) dup = 1;
    if (!valid_name(*l, 0) || reserved || dup) {
      g_strfreev(names);
      return NULL;
    }
  }
  if (type == METRIC_HISTOGRAM) {
    if (!bounds || !n_bounds) {
      bounds = metrics_default_buckets;
      n_bounds = metrics_n_default_buckets;
    }
    for (size_t i = 0; i < n_bounds; i++)
      if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        g_strfreev(names);
        return NULL;
      }
  }
  g_mutex_lock(&r->lock);
  Metric *found = NULL;
  for (guint i = 0; i < r->families->len; i++) {
    Metric *f = r->families->pdata[i];
    if (strcmp(f->name, name) == 0) {
      found = f->type == type && same_labels(f->labels, names) ? f : NULL;
      g_mutex_unlock(&r->lock);
      g_strfreev(names);
      return found;
    }
  }
  Metric *f = g_new0(Metric, 1);
  f->reg = r;
  f->name = g_strdup(name);
  f->help = g_strdup(help ? help : "");
  f->type = type;
  f->labels = names;
  f->n_labels = g_strv_length(names);
  if (type == METRIC_HISTOGRAM) {
    f->bounds = g_memdup2(bounds, n_bounds * sizeof *bounds);
    f->n_bounds = n_bounds;
  }
  f->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  f->series = g_ptr_array_new_with_free_func(series_free);
  g_ptr_array_add(r->families, f);
  g_mutex_unlock(&r->lock);
  return f;
}

Metric *metrics_counter(MetricsRegistry *r, const char *name, const char *help,
                        const char *labels) {
  return family_new(r, METRIC_COUNTER, name, help, labels, NULL, 0);
}
Metric *metrics_gauge(MetricsRegistry *r, const char *name, const char *help, const char *labels) {
  return family_new(r, METRIC_GAUGE, name, help, labels, NULL, 0);
}
Metric *metrics_histogram(MetricsRegistry *r, const char *name, const char *help,
                          const char *labels, const double *bounds, size_t n) {
  return family_new(r, METRIC_HISTOGRAM, name, help, labels, bounds, n);
}

void metrics_add_collector(MetricsRegistry *r, MetricsCollectFn fn, void *user) {
  if (!r || !fn) return;
  Collector c = {fn, user};
  g_mutex_lock(&r->lock);
  g_array_append_val(r->collectors, c);
  g_mutex_unlock(&r->lock);
}

/* ---- series ---- */

MetricSeries *metrics_series(Metric *f, const char *const *values, size_t n) {
  if (!f || n != f->n_labels) return NULL;
  /* \x1f cannot be confused with text a caller would pass as a value. */
  GString *key = g_string_new(NULL);
  for (size_t i = 0; i < n; i++) {
    g_string_append(key, values[i] ? values[i] : "");
    g_string_append_c(key, '\x1f');
  }
  g_mutex_lock(&f->reg->lock);
  MetricSeries *s = g_hash_table_lookup(f->index, key->str);
  if (!s) {
    s = g_new0(MetricSeries, 1);
    s->family = f;
    s->values = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++) s->values[i] = g_strdup(values[i] ? values[i] : "");
    if (f->type == METRIC_HISTOGRAM) s->buckets = g_new0(_Atomic uint64_t, f->n_bounds + 1);
    g_hash_table_insert(f->index, g_string_free(key, FALSE), s);
    g_ptr_array_add(f->series, s);
  } else {
    g_string_free(key, TRUE);
  }
  g_mutex_unlock(&f->reg->lock);
  return s;
}

MetricSeries *metrics_only(Metric *f) { return metrics_series(f, NULL, 0); }

void metrics_inc(MetricSeries *s) { metrics_add(s, 1); }

void metrics_add(MetricSeries *s, double v) {
  if (!s || s->family->type == METRIC_HISTOGRAM) return;
  if (s->family->type == METRIC_COUNTER && !(v >= 0)) return;
  ad_add(&s->value, v);
}

void metrics_set(MetricSeries *s, double v) {
  if (!s || s->family->type == METRIC_HISTOGRAM) return;
  ad_store(&s->value, v);
}

void metrics_observe(MetricSeries *s, double v) {
  if (!s || s->family->type != METRIC_HISTOGRAM || isnan(v)) return;
  size_t i = 0;
  while (i < s->family->n_bounds && v > s->family->bounds[i]) i++;
  atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
  ad_add(&s->value, v);
}

double metrics_value(const MetricSeries *s) {
  if (!s) return 0;
  if (s->family->type != METRIC_HISTOGRAM) return ad_load(&s->value);
  uint64_t n = 0;
  for (size_t i = 0; i <= s->family->n_bounds; i++)
    n += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
  return (double)n;
}

/* ---- rendering ---- */

static void put_number(GString *out, double v) {
  if (isnan(v))
    g_string_append(out, "NaN");
  else if (isinf(v))
    g_string_append(out, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0)
    g_string_append_printf(out, "%.0f", v);
  else {
    /* The shortest of %.15g and %.17g that reads back as the same double. */
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(buf, sizeof buf, "%.15g", v);
    if (g_ascii_strtod(buf, NULL) != v) g_ascii_formatd(buf, sizeof buf, "%.17g", v);
    g_string_append(out, buf);
  }
}

/* Label values escape \, " and newline; help text escapes \ and newline. */
static void put_escaped(GString *out, const char *s, int quote) {
  for (; *s; s++) {
    if (*s == '\\')
      g_string_append(out, "\\\\");
    else if (*s == '\n')
      g_string_append(out, "\\n");
    else if (quote && *s == '"')
      g_string_append(out, "\\\"");
    else
      g_string_append_c(out, *s);
  }
}

/* name{a="x",b="y"[,le="..."]} */
static void put_series_name(GString *out, const Metric *f, const char *suffix,
                            const MetricSeries *s, const char *le) {
  g_string_append(out, f->name);
  g_string_append(out, suffix);
  if (f->n_labels == 0 && !le) return;
  g_string_append_c(out, '{');
  for (size_t i = 0; i < f->n_labels; i++) {
    if (i) g_string_append_c(out, ',');
    g_string_append_printf(out, "%s=\"", f->labels[i]);
    put_escaped(out, s->values[i], 1);
    g_string_append_c(out, '"');
  }
  if (le) g_string_append_printf(out, "%sle=\"%s\"", f->n_labels ? "," : "", le);
  g_string_append_c(out, '}');
}

static void render_family(GString *out, const Metric *f) {
  static const char *const type_names[] = {"counter", "gauge", "histogram"};
  g_string_append_printf(out, "# HELP %s ", f->name);
  put_escaped(out, f->help, 0);
  g_string_append_printf(out, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
  for (guint i = 0; i < f->series->len; i++) {
    const MetricSeries *s = f->series->pdata[i];
    if (f->type != METRIC_HISTOGRAM) {
      put_series_name(out, f, "", s, NULL);
      g_string_append_c(out, ' ');
      put_number(out, ad_load(&s->value));
      g_string_append_c(out, '\n');
      continue;
    }
    uint64_t cum = 0;
    for (size_t b = 0; b <= f->n_bounds; b++) {
      cum += atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
      char le[G_ASCII_DTOSTR_BUF_SIZE];
      if (b < f->n_bounds)
        g_ascii_formatd(le, sizeof le, "%g", f->bounds[b]);
      else
        g_strlcpy(le, "+Inf", sizeof le);
      put_series_name(out, f, "_bucket", s, le);
      g_string_append_printf(out, " %" G_GUINT64_FORMAT "\n", cum);
    }
    put_series_name(out, f, "_sum", s, NULL);
    g_string_append_c(out, ' ');
    put_number(out, ad_load(&s->value));
    g_string_append_c(out, '\n');
    /* _count from the same bucket reads as +Inf, so the two always agree. */
    put_series_name(out, f, "_count", s, NULL);
    g_string_append_printf(out, " %" G_GUINT64_FORMAT "\n", cum);
  }
}

char *metrics_render(MetricsRegistry *r, size_t *len) {
  /* Collectors run unlocked: they look series up and set them. */
  g_mutex_lock(&r->lock);
  GArray *cols = g_array_copy(r->collectors);
  g_mutex_unlock(&r->lock);
  for (guint i = 0; i < cols->len; i++) {
    Collector *c = &g_array_index(cols, Collector, i);
    c->fn(r, c->user);
  }
  g_array_free(cols, TRUE);
  GString *out = g_string_new(NULL);
  g_mutex_lock(&r->lock);
  for (guint i = 0; i < r->families->len; i++) render_family(out, r->families->pdata[i]);
  g_mutex_unlock(&r->lock);
  if (len) *len = out->len;
  return g_string_free(out, FALSE);
}
