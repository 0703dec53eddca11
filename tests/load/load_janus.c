/* load_janus: the Janus driver. Janus's HTTP API (REST + long poll, libsoup)
 * and the VideoRoom plugin, doing what a Janus web client does: one session
 * for the whole run; a room per call (created on one shared handle); per
 * participant a publisher handle ("joinandconfigure" with our offer, Janus
 * answers) and, once every publisher of the call is in, a multistream
 * subscriber handle ("join" with streams [{feed}...], Janus offers, we
 * answer with "start"). */
#include <jansson.h>
#include <libsoup/soup.h>
#include <string.h>

#include "jsonutil.h"
#include "load_app.h"

typedef void (*JanusFn)(LoadApp *app, json_t *msg, gpointer data);

typedef struct {
  JanusFn fn;
  gpointer data;
} Waiter;

typedef struct {
  SoupSession *http;
  char *base;          /* http://host:port/janus */
  guint64 session, admin;
  void (*connected)(LoadApp *, const char *);
  void (*torn_down)(LoadApp *);
  GHashTable *waiters; /* transaction -> Waiter* (events after an ack) */
  guint64 next_tx;
  bool polling, stopping;
  int teardown_left;
  guint keepalive_timer;
  GCancellable *cancel;
} Janus;

static Janus *J(LoadApp *app) { return app->drv_state; }

typedef struct {
  LoadApp *app;
  char *tx;
} Post;

static const char *janus_error(json_t *m) {
  const char *j = jsonu_str(m, "janus");
  if (g_strcmp0(j, "error") == 0) {
    json_t *e = json_object_get(m, "error");
    return e && jsonu_str(e, "reason") ? jsonu_str(e, "reason") : "janus error";
  }
  json_t *pd = json_object_get(json_object_get(m, "plugindata"), "data");
  if (pd && jsonu_str(pd, "error")) return jsonu_str(pd, "error");
  return NULL;
}

/* The waiter is registered under its transaction before the request goes
 * out: Janus may deliver the event on the long poll before the POST's own
 * "ack" reply is read. Whoever comes first (a final reply or the event)
 * takes it. */
static void on_posted(GObject *src, GAsyncResult *res, gpointer data) {
  Post *p = data;
  LoadApp *app = p->app;
  GError *e = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &e);
  bool cancelled = e && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  json_t *m = NULL;
  if (body) {
    gsize n;
    const char *t = g_bytes_get_data(body, &n);
    m = json_loadb(t, n, 0, NULL);
    if (g_getenv("LOADGEN_DEBUG")) g_printerr("<< %.*s\n", (int)MIN(n, 600), t);
    g_bytes_unref(body);
  }
  if (!cancelled && !(m && g_strcmp0(jsonu_str(m, "janus"), "ack") == 0)) {
    Waiter *w = g_hash_table_lookup(J(app)->waiters, p->tx);
    if (w) {
      Waiter copy = *w;
      g_hash_table_remove(J(app)->waiters, p->tx);
      if (m) {
        copy.fn(app, m, copy.data);
      } else {
        json_t *err = json_pack("{s:s,s:{s:s}}", "janus", "error", "error", "reason",
                                e ? e->message : "unreadable reply");
        copy.fn(app, err, copy.data);
        json_decref(err);
      }
    }
  }
  if (m) json_decref(m);
  if (e) g_error_free(e);
  g_free(p->tx);
  g_free(p);
}

/* POST body (a new reference, consumed) to base[/session[/handle]]. */
static void post(LoadApp *app, guint64 handle, bool with_session, json_t *body, JanusFn fn,
                 gpointer data) {
  Janus *j = J(app);
  Post *p = g_new0(Post, 1);
  p->app = app;
  p->tx = g_strdup_printf("t%" G_GUINT64_FORMAT, ++j->next_tx);
  json_object_set_new(body, "transaction", json_string(p->tx));
  Waiter *w = g_new(Waiter, 1);
  w->fn = fn;
  w->data = data;
  g_hash_table_insert(j->waiters, g_strdup(p->tx), w);
  char *url = !with_session ? g_strdup(j->base)
              : handle      ? g_strdup_printf("%s/%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                              j->base, j->session, handle)
                            : g_strdup_printf("%s/%" G_GUINT64_FORMAT, j->base, j->session);
  SoupMessage *msg = soup_message_new("POST", url);
  g_free(url);
  char *text = jsonu_dump(body);
  json_decref(body);
  if (g_getenv("LOADGEN_DEBUG")) g_printerr(">> %s\n", text);
  GBytes *b = g_bytes_new_take(text, strlen(text));
  soup_message_set_request_body_from_bytes(msg, "application/json", b);
  g_bytes_unref(b);
  soup_session_send_and_read_async(j->http, msg, G_PRIORITY_DEFAULT, j->cancel, on_posted, p);
  g_object_unref(msg);
}

static void message(LoadApp *app, guint64 handle, json_t *body, json_t *jsep, JanusFn fn,
                    gpointer data) {
  json_t *m = json_pack("{s:s,s:o}", "janus", "message", "body", body);
  if (jsep) json_object_set_new(m, "jsep", jsep);
  post(app, handle, true, m, fn, data);
}

/* ---- long poll ---- */

static void poll_once(LoadApp *app);

static void dispatch(LoadApp *app, json_t *ev) {
  Janus *j = J(app);
  const char *tx = jsonu_str(ev, "transaction");
  const char *kind = jsonu_str(ev, "janus");
  if (tx && g_strcmp0(kind, "event") == 0) {
    Waiter *w = g_hash_table_lookup(j->waiters, tx);
    if (w) {
      Waiter copy = *w;
      g_hash_table_remove(j->waiters, tx);
      copy.fn(app, ev, copy.data);
      return;
    }
  }
  /* hangup / detached on a handle we did not end: a failure to report. */
  if (g_strcmp0(kind, "hangup") == 0 && !j->stopping) {
    guint64 sender = (guint64)json_integer_value(json_object_get(ev, "sender"));
    for (guint i = 0; i < app->calls->len; i++) {
      LoadCall *c = app->calls->pdata[i];
      for (guint k = 0; k < c->peers->len; k++) {
        LoadPeer *p = c->peers->pdata[k];
        if (p->janus_pub_handle == sender || p->janus_sub_handle == sender)
          load_peer_fail(p, "Janus hung up: %s",
                         jsonu_str(ev, "reason") ? jsonu_str(ev, "reason") : "?");
      }
    }
  }
}

static void on_polled(GObject *src, GAsyncResult *res, gpointer data) {
  LoadApp *app = data;
  GError *e = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &e);
  if (!body) {
    bool cancelled = g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    if (!cancelled) load_app_fatal(app, "Janus long poll: %s", e->message);
    g_error_free(e);
    return;
  }
  Janus *j = J(app);
  gsize n;
  const char *t = g_bytes_get_data(body, &n);
  json_t *m = json_loadb(t, n, 0, NULL);
  if (g_getenv("LOADGEN_DEBUG")) g_printerr("<<poll %.*s\n", (int)MIN(n, 3000), t);
  g_bytes_unref(body);
  if (json_is_array(m)) {
    size_t i;
    json_t *ev;
    json_array_foreach(m, i, ev) dispatch(app, ev);
  } else if (json_is_object(m)) {
    dispatch(app, m);
  }
  if (m) json_decref(m);
  j->polling = false;
  if (!j->stopping) poll_once(app);
}

static void poll_once(LoadApp *app) {
  Janus *j = J(app);
  if (j->polling) return;
  j->polling = true;
  char *url = g_strdup_printf("%s/%" G_GUINT64_FORMAT "?maxev=50", j->base, j->session);
  SoupMessage *msg = soup_message_new("GET", url);
  g_free(url);
  soup_session_send_and_read_async(j->http, msg, G_PRIORITY_DEFAULT, j->cancel, on_polled, app);
  g_object_unref(msg);
}

/* ---- subscribers ---- */

static void on_started(LoadApp *app, json_t *m, gpointer data) {
  LoadPeer *p = data;
  const char *e = janus_error(m);
  if (e) load_peer_fail(p, "Janus start: %s", e);
}

static void call_check_up(LoadApp *app, LoadCall *c) {
  for (guint i = 0; i < c->peers->len; i++) {
    LoadPeer *p = c->peers->pdata[i];
    if (p->publishes && !p->sub_requested) return;
  }
  if (!c->signalled) load_app_call_up(app, c);
}

static void send_sub_join(LoadApp *app, LoadPeer *p);

/* Janus lists a publisher as a feed only once its own side of the
 * publisher's PeerConnection is up ("webrtcup"), which can come a little
 * after ours: a join refused with "No such feed" is tried again every
 * 100 ms for up to 10 s. Failing at once cost a churn run its whole setup
 * timeout (240 s in make bench) for one call that could never come up. */
#define SUB_JOIN_RETRY_MS 100
#define SUB_JOIN_TRIES 100
static gboolean retry_sub_join(gpointer data) {
  LoadPeer *p = data;
  LoadApp *app = p->app;
  p->janus_join_retry = 0;
  if (!app->stopping && !p->failure) send_sub_join(app, p);
  return G_SOURCE_REMOVE;
}

static void on_sub_joined(LoadApp *app, json_t *m, gpointer data) {
  LoadPeer *p = data;
  const char *e = janus_error(m);
  char err[256];
  if (e && strstr(e, "No such feed") && ++p->janus_join_tries < SUB_JOIN_TRIES && !app->stopping) {
    p->janus_join_retry = g_timeout_add(SUB_JOIN_RETRY_MS, retry_sub_join, p);
    return;
  }
  if (e) {
    load_peer_fail(p, "Janus subscriber join: %s", e);
    return;
  }
  json_t *jsep = json_object_get(m, "jsep");
  const char *sdp = jsep ? jsonu_str(jsep, "sdp") : NULL;
  if (!sdp) {
    load_peer_fail(p, "Janus subscriber join: no offer");
    return;
  }
  char *ans = load_peer_subscriber_offer(p, sdp, err, sizeof err);
  if (!ans) {
    load_peer_fail(p, "Janus subscriber offer: %s", err);
    return;
  }
  message(app, p->janus_sub_handle, json_pack("{s:s}", "request", "start"),
          json_pack("{s:s,s:s}", "type", "answer", "sdp", ans), on_started, p);
  g_free(ans);
  p->sub_requested = true;
  call_check_up(app, p->call);
}

static void on_sub_attached(LoadApp *app, json_t *m, gpointer data) {
  LoadPeer *p = data;
  const char *e = janus_error(m);
  if (e) {
    load_peer_fail(p, "Janus attach: %s", e);
    return;
  }
  p->janus_sub_handle = (guint64)json_integer_value(json_object_get(json_object_get(m, "data"), "id"));
  send_sub_join(app, p);
}

static void send_sub_join(LoadApp *app, LoadPeer *p) {
  LoadCall *c = p->call;
  json_t *streams = json_array();
  for (guint i = 0; i < c->peers->len; i++) {
    LoadPeer *o = c->peers->pdata[i];
    if (o != p && o->publishes && o->janus_feed)
      json_array_append_new(streams, json_pack("{s:I}", "feed", (json_int_t)o->janus_feed));
  }
  message(app, p->janus_sub_handle,
          json_pack("{s:s,s:s,s:I,s:o}", "request", "join", "ptype", "subscriber", "room",
                    (json_int_t)c->janus_room, "streams", streams),
          NULL, on_sub_joined, p);
}

static void start_subscriber(LoadApp *app, LoadPeer *p) {
  post(app, 0, true, json_pack("{s:s,s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom"),
       on_sub_attached, p);
}

/* ---- publishers ---- */

/* Janus knows a publisher as a feed only once its PeerConnection is up
 * ("No such feed" before), so subscribers join when every publisher of the
 * call is connected. */
static gboolean subscribe_when_connected(gpointer data) {
  LoadCall *c = data;
  LoadApp *app = c->app;
  if (c->subscribing) return G_SOURCE_REMOVE;
  for (guint i = 0; i < c->peers->len; i++) {
    LoadPeer *p = c->peers->pdata[i];
    if (p->failure) return G_SOURCE_REMOVE;
    if (p->publishes && p->pub_state != PT_STATE_CONNECTED) return G_SOURCE_CONTINUE;
  }
  c->subscribing = true;
  for (guint i = 0; i < c->peers->len; i++) start_subscriber(app, c->peers->pdata[i]);
  return G_SOURCE_REMOVE;
}

static void on_pub_joined(LoadApp *app, json_t *m, gpointer data) {
  LoadPeer *p = data;
  LoadCall *c = p->call;
  const char *e = janus_error(m);
  char err[256];
  if (e) {
    load_peer_fail(p, "Janus joinandconfigure: %s", e);
    return;
  }
  json_t *d = json_object_get(json_object_get(m, "plugindata"), "data");
  p->janus_feed = (guint64)json_integer_value(json_object_get(d, "id"));
  json_t *jsep = json_object_get(m, "jsep");
  if (!p->janus_feed || !jsep || !jsonu_str(jsep, "sdp")) {
    load_peer_fail(p, "Janus joinandconfigure: no feed id or no answer");
    return;
  }
  if (!load_peer_publish_answer(p, jsonu_str(jsep, "sdp"), err, sizeof err)) {
    load_peer_fail(p, "Janus answer: %s", err);
    return;
  }
  int pubs = 0;
  for (guint i = 0; i < c->peers->len; i++)
    if (((LoadPeer *)c->peers->pdata[i])->publishes) pubs++;
  if (++c->published == pubs) g_timeout_add(20, subscribe_when_connected, c);
}

static void on_pub_attached(LoadApp *app, json_t *m, gpointer data) {
  LoadPeer *p = data;
  const char *e = janus_error(m);
  char err[256];
  if (e) {
    load_peer_fail(p, "Janus attach: %s", e);
    return;
  }
  p->janus_pub_handle = (guint64)json_integer_value(json_object_get(json_object_get(m, "data"), "id"));
  char *offer = load_peer_publish_offer(p, err, sizeof err);
  if (!offer) {
    load_peer_fail(p, "publisher offer: %s", err);
    return;
  }
  message(app, p->janus_pub_handle,
          json_pack("{s:s,s:s,s:I,s:s,s:b,s:b}", "request", "joinandconfigure", "ptype",
                    "publisher", "room", (json_int_t)p->call->janus_room, "display", p->name,
                    "audio", 1, "video", 1),
          json_pack("{s:s,s:s}", "type", "offer", "sdp", offer), on_pub_joined, p);
  g_free(offer);
}

static void on_room_created(LoadApp *app, json_t *m, gpointer data) {
  LoadCall *c = data;
  const char *e = janus_error(m);
  if (e) {
    c->failed = true;
    load_app_fatal(app, "Janus create room %s: %s", c->room, e);
    return;
  }
  for (guint i = 0; i < c->peers->len; i++)
    post(app, 0, true,
         json_pack("{s:s,s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom"),
         on_pub_attached, c->peers->pdata[i]);
}

static void janus_start_call(LoadApp *app, LoadCall *c) {
  /* Numeric room ids (Janus's default): a random base per run, so a run
   * never meets a room another run left behind, + the call index. */
  static guint64 base;
  if (!base) base = (1 + (guint64)g_random_int_range(0, 1 << 24)) * 10000;
  c->janus_room = base + (guint64)c->index;
  message(app, J(app)->admin,
          json_pack("{s:s,s:I,s:i,s:i,s:i,s:s,s:s,s:b,s:b}", "request", "create", "room",
                    (json_int_t)c->janus_room, "publishers", (int)c->peers->len + 1, "bitrate", 0,
                    "fir_freq", 0, "audiocodec", "opus", "videocodec", "vp8", "permanent", 0,
                    "notify_joining", 0),
          NULL, on_room_created, c);
}

static void janus_add_monitor(LoadApp *app, LoadCall *c, LoadPeer *m) { start_subscriber(app, m); }

/* ---- connect / teardown ---- */

static gboolean keepalive(gpointer data) {
  /* The long poll keeps the session alive; nothing else to do. */
  return G_SOURCE_CONTINUE;
}

static void on_admin(LoadApp *app, json_t *m, gpointer data) {
  Janus *j = J(app);
  const char *e = janus_error(m);
  if (e) {
    j->connected(app, e);
    return;
  }
  j->admin = (guint64)json_integer_value(json_object_get(json_object_get(m, "data"), "id"));
  j->connected(app, NULL);
}

static void on_session(LoadApp *app, json_t *m, gpointer data) {
  Janus *j = J(app);
  const char *e = janus_error(m);
  if (e) {
    char *msg = g_strdup_printf("Janus %s: %s", j->base, e);
    j->connected(app, msg);
    g_free(msg);
    return;
  }
  j->session = (guint64)json_integer_value(json_object_get(json_object_get(m, "data"), "id"));
  poll_once(app);
  post(app, 0, true, json_pack("{s:s,s:s}", "janus", "attach", "plugin", "janus.plugin.videoroom"),
       on_admin, NULL);
}

static void janus_connect(LoadApp *app, void (*done)(LoadApp *, const char *)) {
  Janus *j = g_new0(Janus, 1);
  app->drv_state = j;
  j->connected = done;
  j->base = g_strdup(app->o.url);
  g_strchomp(j->base);
  if (g_str_has_suffix(j->base, "/")) j->base[strlen(j->base) - 1] = 0;
  j->waiters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  j->cancel = g_cancellable_new();
  j->http = soup_session_new_with_options("max-conns", 64, "max-conns-per-host", 32, "timeout", 60,
                                          NULL);
  j->keepalive_timer = g_timeout_add_seconds(25, keepalive, app);
  post(app, 0, false, json_pack("{s:s}", "janus", "create"), on_session, NULL);
}

static void janus_free(LoadApp *app) {
  Janus *j = J(app);
  if (!j) return;
  g_cancellable_cancel(j->cancel);
  /* Let the cancelled callbacks run before the state goes. */
  for (int i = 0; i < 50 && g_main_context_iteration(app->ctx, FALSE); i++) {
  }
  if (j->keepalive_timer) g_source_remove(j->keepalive_timer);
  g_hash_table_destroy(j->waiters);
  g_object_unref(j->http);
  g_object_unref(j->cancel);
  g_free(j->base);
  g_free(j);
  app->drv_state = NULL;
}

static void teardown_step(LoadApp *app, json_t *m, gpointer data) {
  Janus *j = J(app);
  if (--j->teardown_left > 0) return;
  void (*done)(LoadApp *) = j->torn_down;
  janus_free(app);
  if (done) done(app);
}

static void on_rooms_destroyed(LoadApp *app, json_t *m, gpointer data) {
  Janus *j = J(app);
  if (--j->teardown_left > 0) return;
  j->teardown_left = 1;
  post(app, 0, true, json_pack("{s:s}", "janus", "destroy"), teardown_step, NULL);
}

static void janus_teardown(LoadApp *app, void (*done)(LoadApp *)) {
  Janus *j = J(app);
  if (!j) {
    if (done) done(app);
    return;
  }
  j->stopping = true;
  j->torn_down = done;
  if (!done || !j->session) {
    janus_free(app);
    if (done) done(app);
    return;
  }
  j->teardown_left = 0;
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    if (!c->janus_room || c->failed) continue;
    j->teardown_left++;
    message(app, j->admin, json_pack("{s:s,s:I}", "request", "destroy", "room", (json_int_t)c->janus_room),
            NULL, on_rooms_destroyed, c);
  }
  if (j->teardown_left == 0) {
    j->teardown_left = 1;
    on_rooms_destroyed(app, NULL, NULL);
  }
}

const LoadDriver load_driver_janus = {
    .name = "janus",
    .connect = janus_connect,
    .start_call = janus_start_call,
    .add_monitor = janus_add_monitor,
    .teardown = janus_teardown,
};
