#include "sig_sfu.h"

#include <libsoup/soup.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"

#define REQUEST_TIMEOUT_MS 10000
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
/* Liveness: a node that says nothing for UNRESPONSIVE_MS is down, even
 * while its TCP connection looks open (a host that vanished sends no RST,
 * and libsoup's websocket pings here do not time out). A cheap request
 * every HEARTBEAT_MS makes it say something. */
#define HEARTBEAT_MS 1000
#define UNRESPONSIVE_MS 3000

typedef struct {
  SfuNode *node;
  gint64 id;
  char *type;
  SfuReplyFn cb;
  void *user;
  GDestroyNotify free_user;
  guint timer;
  json_t *synthetic; /* error to deliver from an idle callback */
} Pending;

struct SfuNode {
  char *url;
  char *secret;
  int index;
  SfuEventFn on_event;
  SfuStateFn on_state;
  SfuAlternativeFn has_alternative;
  gboolean silent_logged; /* unresponsive with nowhere to go: said once */
  void *user;
  SoupSession *session;
  GCancellable *cancel;
  SoupWebsocketConnection *ws;
  gboolean authed;
  gint64 next_id;
  GHashTable *pending; /* id -> Pending */
  guint retry_timer;
  guint backoff_ms;
  int rooms;
  gboolean draining;
  guint heartbeat_timer;
  gint64 last_heard_us;
};

static void connect_now(SfuNode *n);

const char *sfu_node_url(const SfuNode *n) { return n->url; }
int sfu_node_index(const SfuNode *n) { return n->index; }
gboolean sfu_node_healthy(const SfuNode *n) { return n->authed; }
int sfu_node_rooms(const SfuNode *n) { return n->rooms; }
void sfu_node_add_rooms(SfuNode *n, int delta) {
  n->rooms += delta;
  if (n->rooms < 0) n->rooms = 0;
}

gboolean sfu_node_draining(const SfuNode *n) { return n->draining; }
void sfu_node_set_draining(SfuNode *n, gboolean draining) { n->draining = draining; }

int sfu_pick_node(int n, const gboolean *healthy, const int *rooms) {
  int best = -1;
  for (int i = 0; i < n; i++)
    if (healthy[i] && (best < 0 || rooms[i] < rooms[best])) best = i;
  return best;
}

static void pending_free(Pending *p) {
  if (p->timer) g_source_remove(p->timer);
  if (p->free_user && p->user) p->free_user(p->user);
  json_decref(p->synthetic);
  g_free(p->type);
  g_free(p);
}

static json_t *synthetic_error(const char *code, const char *message) {
  return json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", message);
}

/* Delivers reply to p's callback and frees p (already out of the table). */
static void pending_finish(Pending *p, json_t *reply) {
  if (p->timer) {
    g_source_remove(p->timer);
    p->timer = 0;
  }
  if (p->cb) p->cb(p->node, reply, p->user);
  pending_free(p);
}

static gboolean on_timeout(gpointer data) {
  Pending *p = data;
  p->timer = 0;
  g_hash_table_steal(p->node->pending, &p->id);
  log_warn("sfu_timeout", "node=%s request=%s id=%" G_GINT64_FORMAT, p->node->url, p->type, p->id);
  json_t *e = synthetic_error("sfu_timeout", "the media server did not answer in time");
  pending_finish(p, e);
  json_decref(e);
  return G_SOURCE_REMOVE;
}

static gboolean deliver_synthetic(gpointer data) {
  Pending *p = data;
  json_t *e = p->synthetic;
  p->synthetic = NULL;
  pending_finish(p, e);
  json_decref(e);
  return G_SOURCE_REMOVE;
}

/* Fails every request in flight: the connection that would answer is gone. */
static void fail_all(SfuNode *n) {
  GHashTableIter it;
  gpointer v;
  GList *list = NULL;
  g_hash_table_iter_init(&it, n->pending);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    list = g_list_prepend(list, v);
    g_hash_table_iter_steal(&it);
  }
  for (GList *l = list; l; l = l->next) {
    json_t *e = synthetic_error("sfu_unavailable", "the media server connection was lost");
    pending_finish(l->data, e);
    json_decref(e);
  }
  g_list_free(list);
}

static gboolean retry_cb(gpointer data) {
  SfuNode *n = data;
  n->retry_timer = 0;
  connect_now(n);
  return G_SOURCE_REMOVE;
}

static void schedule_retry(SfuNode *n) {
  if (n->retry_timer) return;
  n->retry_timer = g_timeout_add(n->backoff_ms, retry_cb, n);
  n->backoff_ms = MIN(n->backoff_ms * 2, BACKOFF_MAX_MS);
}

static void went_down(SfuNode *n, const char *why) {
  gboolean was_up = n->authed;
  n->authed = FALSE;
  if (n->heartbeat_timer) g_source_remove(n->heartbeat_timer);
  n->heartbeat_timer = 0;
  if (n->ws) {
    g_signal_handlers_disconnect_by_data(n->ws, n);
    if (soup_websocket_connection_get_state(n->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(n->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(n->ws);
    n->ws = NULL;
  }
  log_event(was_up ? LOG_LEVEL_WARN : LOG_LEVEL_DEBUG, "sfu_down", "node=%s reason=%s", n->url,
            why);
  fail_all(n);
  if (was_up && n->on_state) n->on_state(n, 0, n->user);
  schedule_retry(n);
}

static void send_json(SfuNode *n, json_t *j) {
  char *text = jsonu_dump(j);
  soup_websocket_connection_send_text(n->ws, text);
  free(text);
}

static gboolean heartbeat_cb(gpointer data) {
  SfuNode *n = data;
  if (g_get_monotonic_time() - n->last_heard_us > UNRESPONSIVE_MS * 1000LL) {
    if (!n->has_alternative || n->has_alternative(n, n->user)) {
      n->heartbeat_timer = 0;
      n->silent_logged = FALSE;
      went_down(n, "unresponsive");
      return G_SOURCE_REMOVE;
    }
    /* Slow, perhaps only congested, and no other node could take its calls:
     * ending them would help nobody. Keep waiting for an answer or a closed
     * connection. */
    if (!n->silent_logged)
      log_warn("sfu_silent", "node=%s silent_ms=%" G_GINT64_FORMAT " action=kept_no_alternative",
               n->url, (g_get_monotonic_time() - n->last_heard_us) / 1000);
    n->silent_logged = TRUE;
  } else {
    n->silent_logged = FALSE;
  }
  /* Answered at once by the SFU's control thread (room_not_found). */
  sfu_request(n, "room_stats", json_pack("{s:s}", "room", "liveness-check"), NULL, NULL, NULL);
  return G_SOURCE_CONTINUE;
}

static void on_message(SoupWebsocketConnection *ws, gint type, GBytes *bytes, gpointer data) {
  SfuNode *n = data;
  (void)ws;
  n->last_heard_us = g_get_monotonic_time();
  gsize len = 0;
  const char *text = g_bytes_get_data(bytes, &len);
  char err[200];
  json_t *j = type == SOUP_WEBSOCKET_DATA_TEXT ? jsonu_parse_object(text, len, err, sizeof err)
                                                : NULL;
  if (!j) {
    log_warn("sfu_bad_message", "node=%s", n->url);
    return;
  }
  const char *t = jsonu_str(j, "type");
  if (!n->authed) {
    if (t && strcmp(t, "auth_ok") == 0) {
      n->authed = TRUE;
      n->backoff_ms = BACKOFF_MIN_MS;
      if (!n->heartbeat_timer) n->heartbeat_timer = g_timeout_add(HEARTBEAT_MS, heartbeat_cb, n);
      log_info("sfu_up", "node=%s", n->url);
      if (n->on_state) n->on_state(n, 1, n->user);
    } else {
      log_error("sfu_auth_failed", "node=%s", n->url);
    }
    json_decref(j);
    return;
  }
  long long id = 0;
  if (t && strcmp(t, "event") == 0) {
    if (n->on_event) n->on_event(n, j, n->user);
  } else if (jsonu_int(j, "id", &id) == 0) {
    gint64 key = id;
    Pending *p = g_hash_table_lookup(n->pending, &key);
    if (p) {
      g_hash_table_steal(n->pending, &key);
      pending_finish(p, j);
    }
  }
  json_decref(j);
}

static void on_closed(SoupWebsocketConnection *ws, gpointer data) {
  (void)ws;
  went_down(data, "closed");
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data) {
  GError *error = NULL;
  SoupWebsocketConnection *ws =
      soup_session_websocket_connect_finish(SOUP_SESSION(src), res, &error);
  if (!ws) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      SfuNode *n = data;
      char q[256];
      log_debug("sfu_connect_failed", "node=%s error=%s", n->url,
                log_quote(q, sizeof q, error->message));
      schedule_retry(n);
    }
    g_error_free(error);
    return;
  }
  SfuNode *n = data;
  n->ws = ws;
  /* SDP offers with many candidates are well under this; it bounds memory. */
  soup_websocket_connection_set_max_incoming_payload_size(ws, 1024 * 1024);
  soup_websocket_connection_set_keepalive_interval(ws, 5);
  g_signal_connect(ws, "message", G_CALLBACK(on_message), n);
  g_signal_connect(ws, "closed", G_CALLBACK(on_closed), n);
  json_t *auth = json_pack("{s:s, s:s}", "type", "auth", "secret", n->secret);
  send_json(n, auth);
  json_decref(auth);
}

static void connect_now(SfuNode *n) {
  SoupMessage *msg = soup_message_new("GET", n->url);
  if (!msg) {
    log_error("sfu_bad_url", "node=%s", n->url);
    return;
  }
  soup_session_websocket_connect_async(n->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                       n->cancel, on_connected, n);
  g_object_unref(msg);
}


void sfu_node_set_alternative(SfuNode *n, SfuAlternativeFn fn) { n->has_alternative = fn; }

SfuNode *sfu_node_new(const char *url, const char *secret, int index, SfuEventFn on_event,
                      SfuStateFn on_state, void *user) {
  SfuNode *n = g_new0(SfuNode, 1);
  n->url = g_strdup(url);
  n->secret = g_strdup(secret);
  n->index = index;
  n->on_event = on_event;
  n->on_state = on_state;
  n->user = user;
  n->session = soup_session_new();
  n->cancel = g_cancellable_new();
  n->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)pending_free);
  n->backoff_ms = BACKOFF_MIN_MS;
  n->next_id = 1;
  connect_now(n);
  return n;
}

void sfu_node_free(SfuNode *n) {
  if (!n) return;
  g_cancellable_cancel(n->cancel);
  if (n->heartbeat_timer) g_source_remove(n->heartbeat_timer);
  if (n->retry_timer) g_source_remove(n->retry_timer);
  n->retry_timer = 0;
  if (n->ws) {
    g_signal_handlers_disconnect_by_data(n->ws, n);
    if (soup_websocket_connection_get_state(n->ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(n->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    g_object_unref(n->ws);
  }
  g_hash_table_destroy(n->pending);
  g_object_unref(n->cancel);
  g_object_unref(n->session);
  g_free(n->url);
  g_free(n->secret);
  g_free(n);
}

void sfu_request(SfuNode *n, const char *type, json_t *params, SfuReplyFn cb, void *user,
                 GDestroyNotify free_user) {
  Pending *p = g_new0(Pending, 1);
  p->node = n;
  p->id = n->next_id++;
  p->type = g_strdup(type);
  p->cb = cb;
  p->user = user;
  p->free_user = free_user;
  if (!n->authed || !n->ws) {
    json_decref(params);
    p->synthetic = synthetic_error("sfu_unavailable", "the media server is not connected");
    g_idle_add(deliver_synthetic, p);
    return;
  }
  json_t *req = params ? params : json_object();
  json_object_set_new(req, "id", json_integer(p->id));
  json_object_set_new(req, "type", json_string(type));
  send_json(n, req);
  json_decref(req);
  p->timer = g_timeout_add(REQUEST_TIMEOUT_MS, on_timeout, p);
  g_hash_table_insert(n->pending, &p->id, p);
}
