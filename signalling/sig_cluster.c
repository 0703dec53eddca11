/* Several signalling instances: probing the others and answering where a
 * visit's first join goes. See sig_cluster.h; the rule is sig_call_pin.c. */
#include "sig_cluster.h"

#include <libsoup/soup.h>
#include <string.h>

#include "ids.h"
#include "jsonutil.h"
#include "log.h"

typedef struct Peer Peer;
/* One probe in flight; outlives its peer when the cluster is freed first. */
typedef struct {
  Peer *p; /* NULL once the peer is freed */
} Probe;

struct Peer {
  SigCluster *c;
  char *url;       /* its signalling URL */
  char *state_url; /* https://HOST:PORT/internal/cluster/state */
  gboolean self;
  SigPeerState state;
  GHashTable *rooms; /* visit ids live there (its last answer) */
  GCancellable *cancel; /* the probe in flight, or NULL */
  Probe *probe;
  guint timeout;
};

struct SigCluster {
  GPtrArray *peers; /* Peer*, configured order */
  char *self;
  char *credential;
  SoupSession *session;
  int probe_ms;
  guint timer;
};

/* wss://HOST:PORT/anything -> https://HOST:PORT/internal/cluster/state */
static char *state_url_of(const char *url) {
  gboolean tls = g_str_has_prefix(url, "wss://");
  const char *auth = url + (tls ? 6 : 5);
  const char *slash = strchr(auth, '/');
  int n = slash ? (int)(slash - auth) : (int)strlen(auth);
  return g_strdup_printf("%s://%.*s/internal/cluster/state", tls ? "https" : "http", n, auth);
}

static void peer_set(Peer *p, SigPeerState st) {
  if (p->state != st)
    log_event(st == SIG_PEER_DOWN ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
              st == SIG_PEER_UP ? "cluster_peer_up" : "cluster_peer_down", "peer=%s rooms=%u",
              p->url, g_hash_table_size(p->rooms));
  p->state = st;
}

static void probe_done(Peer *p) {
  if (p->timeout) g_source_remove(p->timeout);
  p->timeout = 0;
  g_clear_object(&p->cancel);
  p->probe = NULL;
}

static void on_probed(GObject *src, GAsyncResult *res, gpointer data) {
  Probe *pr = data;
  Peer *p = pr->p;
  g_free(pr);
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &error);
  if (!p) { /* the cluster was freed meanwhile */
    if (error) g_error_free(error);
    if (body) g_bytes_unref(body);
    return;
  }
  SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(src), res);
  guint status = !error && msg ? soup_message_get_status(msg) : 0;
  gsize n = 0;
  const char *text = body ? g_bytes_get_data(body, &n) : NULL;
  char err[128];
  json_t *j = status == 200 && text ? jsonu_parse_object(text, n, err, sizeof err) : NULL;
  json_t *rooms = j ? json_object_get(j, "rooms") : NULL;
  probe_done(p);
  if (json_is_array(rooms)) {
    g_hash_table_remove_all(p->rooms);
    size_t i;
    json_t *r;
    json_array_foreach(rooms, i, r) if (json_is_string(r))
        g_hash_table_add(p->rooms, g_strdup(json_string_value(r)));
    peer_set(p, SIG_PEER_UP);
  } else {
    if (p->state != SIG_PEER_DOWN) {
      char q[160];
      log_debug("cluster_probe_failed", "peer=%s status=%u error=%s", p->url, status,
                log_quote(q, sizeof q, error ? error->message : "bad answer"));
    }
    g_hash_table_remove_all(p->rooms);
    peer_set(p, SIG_PEER_DOWN);
  }
  json_decref(j);
  if (body) g_bytes_unref(body);
  if (error) g_error_free(error);
}

static gboolean probe_timeout(gpointer data) {
  Peer *p = data;
  p->timeout = 0;
  /* on_probed sees the cancellation and marks the peer down */
  if (p->cancel) g_cancellable_cancel(p->cancel);
  return G_SOURCE_REMOVE;
}

static void probe(Peer *p) {
  if (p->self || p->cancel) return;
  SoupMessage *msg = soup_message_new("GET", p->state_url);
  if (!msg) return;
  soup_message_headers_append(soup_message_get_request_headers(msg), "x-service-credential",
                              p->c->credential);
  p->cancel = g_cancellable_new();
  /* A host that does not answer is down after twice the probe interval. */
  p->timeout = g_timeout_add(MAX(2 * p->c->probe_ms, 500), probe_timeout, p);
  p->probe = g_new0(Probe, 1);
  p->probe->p = p;
  soup_session_send_and_read_async(p->c->session, msg, G_PRIORITY_DEFAULT, p->cancel, on_probed,
                                   p->probe);
  g_object_unref(msg);
}

static gboolean on_tick(gpointer data) {
  SigCluster *c = data;
  for (guint i = 0; i < c->peers->len; i++) probe(c->peers->pdata[i]);
  return G_SOURCE_CONTINUE;
}

static void peer_free(gpointer data) {
  Peer *p = data;
  if (p->timeout) g_source_remove(p->timeout);
  if (p->probe) p->probe->p = NULL; /* on_probed frees the Probe */
  if (p->cancel) {
    g_cancellable_cancel(p->cancel);
    g_object_unref(p->cancel);
  }
  g_hash_table_destroy(p->rooms);
  g_free(p->url);
  g_free(p->state_url);
  g_free(p);
}

SigCluster *sig_cluster_new(const SigClusterConfig *cfg, char *err, size_t errsize) {
  guint n = cfg->instances ? g_strv_length(cfg->instances) : 0;
  if (n > SIG_PIN_MAX) {
    g_snprintf(err, errsize, "at most %d instances", SIG_PIN_MAX);
    return NULL;
  }
  gboolean found = FALSE;
  for (guint i = 0; i < n; i++) {
    const char *u = cfg->instances[i];
    if (!g_str_has_prefix(u, "wss://") && !g_str_has_prefix(u, "ws://")) {
      g_snprintf(err, errsize, "\"%s\" is not a wss:// URL", u);
      return NULL;
    }
    found |= cfg->self && strcmp(u, cfg->self) == 0;
  }
  if (!found) {
    g_snprintf(err, errsize, "\"%s\" is not one of [cluster] instances",
               cfg->self ? cfg->self : "");
    return NULL;
  }
  SigCluster *c = g_new0(SigCluster, 1);
  c->self = g_strdup(cfg->self);
  c->credential = g_strdup(cfg->credential);
  c->probe_ms = cfg->probe_ms;
  c->session = soup_session_new_with_options("timeout", 5, NULL);
  if (cfg->ca_file && *cfg->ca_file) {
    GError *ge = NULL;
    GTlsDatabase *db = g_tls_file_database_new(cfg->ca_file, &ge);
    if (!db) {
      g_snprintf(err, errsize, "cannot read CA file %s: %s", cfg->ca_file, ge->message);
      g_error_free(ge);
      g_object_unref(c->session);
      g_free(c->self);
      g_free(c->credential);
      g_free(c);
      return NULL;
    }
    soup_session_set_tls_database(c->session, db);
    g_object_unref(db);
  }
  c->peers = g_ptr_array_new_with_free_func(peer_free);
  for (guint i = 0; i < n; i++) {
    Peer *p = g_new0(Peer, 1);
    p->c = c;
    p->url = g_strdup(cfg->instances[i]);
    p->state_url = state_url_of(p->url);
    p->self = strcmp(p->url, cfg->self) == 0;
    p->state = p->self ? SIG_PEER_UP : SIG_PEER_UNKNOWN;
    p->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_ptr_array_add(c->peers, p);
  }
  on_tick(c);
  c->timer = g_timeout_add(c->probe_ms, on_tick, c);
  return c;
}

void sig_cluster_free(SigCluster *c) {
  if (!c) return;
  if (c->timer) g_source_remove(c->timer);
  g_ptr_array_free(c->peers, TRUE);
  g_object_unref(c->session);
  g_free(c->self);
  g_free(c->credential);
  g_free(c);
}

SigPinKind sig_cluster_where(SigCluster *c, const char *visit, const char **url) {
  guint n = c->peers->len;
  SigPinPeer peers[SIG_PIN_MAX];
  for (guint i = 0; i < n; i++) {
    Peer *p = c->peers->pdata[i];
    peers[i] = (SigPinPeer){.url = p->url,
                            .self = p->self,
                            .state = p->state,
                            .holds = g_hash_table_contains(p->rooms, visit)};
  }
  SigPin pin = sig_pin_owner(n, peers, visit);
  if (url) *url = pin.kind == SIG_PIN_HERE ? c->self : ((Peer *)c->peers->pdata[pin.peer])->url;
  return pin.kind;
}

json_t *sig_cluster_ranked(SigCluster *c, const char *visit) {
  guint n = c->peers->len;
  const char *urls[SIG_PIN_MAX] = {0};
  size_t order[SIG_PIN_MAX];
  for (guint i = 0; i < n; i++) urls[i] = ((Peer *)c->peers->pdata[i])->url;
  sig_pin_rank(n, urls, visit, order);
  json_t *a = json_array();
  for (guint i = 0; i < n; i++) json_array_append_new(a, json_string(urls[order[i]]));
  return a;
}

void sig_cluster_answer_state(SigCluster *c, const HttpRequest *req, HttpResponse *resp,
                              json_t *rooms) {
  if (!ids_secret_equal(http_request_header(req, "x-service-credential"), c->credential)) {
    json_decref(rooms);
    http_response_json(resp, 401,
                       "{\"error\":{\"code\":\"bad_credential\",\"message\":\"a service "
                       "credential is needed\",\"field\":null}}");
    return;
  }
  json_t *j = json_pack("{s:s, s:o}", "instance", c->self, "rooms", rooms);
  char *text = jsonu_dump(j);
  http_response_json(resp, 200, text);
  free(text);
  json_decref(j);
}
