/* load_parlour: the Parlour driver. Speaks the SFU control API
 * (docs/sfu-control.md) over one websocket (libsoup), as signalling does:
 * room_create, participant_add, publish_offer for every publisher of a call;
 * once all published, subscriber_offer/subscriber_answer for each; later
 * subscriber_offer events are answered as they come. */
#include <jansson.h>
#include <libsoup/soup.h>
#include <string.h>

#include "jsonutil.h"
#include "load_app.h"

typedef void (*ReplyFn)(LoadApp *app, json_t *reply, gpointer data);

typedef struct {
  ReplyFn fn;
  gpointer data;
} Pending;

typedef struct {
  SoupSession *session;
  SoupWebsocketConnection *ws;
  void (*connected)(LoadApp *, const char *);
  void (*torn_down)(LoadApp *);
  long long next_id;
  GHashTable *pending; /* id -> Pending* */
  GHashTable *peers;   /* "room\nparticipant" -> LoadPeer* (not owned) */
  int teardown_left;
  guint teardown_timer;
} Parlour;

static Parlour *P(LoadApp *app) { return app->drv_state; }

static char *peer_key(const char *room, const char *name) {
  return g_strconcat(room, "\n", name, NULL);
}

static void request(LoadApp *app, json_t *req, ReplyFn fn, gpointer data) {
  Parlour *pl = P(app);
  long long id = ++pl->next_id;
  json_object_set_new(req, "id", json_integer(id));
  Pending *pd = g_new0(Pending, 1);
  pd->fn = fn;
  pd->data = data;
  g_hash_table_insert(pl->pending, g_memdup2(&id, sizeof id), pd);
  char *text = jsonu_dump(req);
  soup_websocket_connection_send_text(pl->ws, text);
  free(text);
  json_decref(req);
}

static const char *reply_error(json_t *reply) {
  if (g_strcmp0(jsonu_str(reply, "type"), "error") != 0) return NULL;
  const char *m = jsonu_str(reply, "message");
  const char *c = jsonu_str(reply, "code");
  return m ? m : c ? c : "error";
}

/* ---- subscriber side ---- */

static void on_sub_answer_sent(LoadApp *app, json_t *reply, gpointer data) {
  LoadPeer *p = data;
  const char *e = reply_error(reply);
  if (e) load_peer_fail(p, "subscriber_answer: %s", e);
}

static void answer_sub_offer(LoadApp *app, LoadPeer *p, const char *sdp) {
  char err[256];
  char *ans = load_peer_subscriber_offer(p, sdp, err, sizeof err);
  if (!ans) {
    load_peer_fail(p, "subscriber offer: %s", err);
    return;
  }
  json_t *req = json_pack("{s:s,s:s,s:s,s:s}", "type", "subscriber_answer", "room", p->call->room,
                          "participant", p->name, "sdp", ans);
  g_free(ans);
  request(app, req, on_sub_answer_sent, p);
}

static void call_check_up(LoadApp *app, LoadCall *c);

static void on_sub_offer(LoadApp *app, json_t *reply, gpointer data) {
  LoadPeer *p = data;
  const char *e = reply_error(reply);
  if (e) {
    load_peer_fail(p, "subscriber_offer: %s", e);
    return;
  }
  const char *sdp = jsonu_str(reply, "sdp");
  if (!sdp) {
    load_peer_fail(p, "subscriber_offer result without sdp");
    return;
  }
  answer_sub_offer(app, p, sdp);
  p->sub_requested = true;
  call_check_up(app, p->call);
}

static void start_subscriber(LoadApp *app, LoadPeer *p) {
  json_t *req = json_pack("{s:s,s:s,s:s}", "type", "subscriber_offer", "room", p->call->room,
                          "participant", p->name);
  request(app, req, on_sub_offer, p);
}

static void call_check_up(LoadApp *app, LoadCall *c) {
  for (guint i = 0; i < c->peers->len; i++) {
    LoadPeer *p = c->peers->pdata[i];
    if (p->publishes && !p->sub_requested) return;
  }
  if (!c->signalled) load_app_call_up(app, c);
}

/* ---- publisher side ---- */

static void on_publish_answer(LoadApp *app, json_t *reply, gpointer data) {
  LoadPeer *p = data;
  LoadCall *c = p->call;
  const char *e = reply_error(reply);
  char err[256];
  if (e) {
    load_peer_fail(p, "publish_offer: %s", e);
    return;
  }
  if (!load_peer_publish_answer(p, jsonu_str(reply, "sdp"), err, sizeof err)) {
    load_peer_fail(p, "publish answer: %s", err);
    return;
  }
  int pubs = 0;
  for (guint i = 0; i < c->peers->len; i++)
    if (((LoadPeer *)c->peers->pdata[i])->publishes) pubs++;
  if (++c->published == pubs && !c->subscribing) {
    /* Everyone published: the first subscriber offers carry every track. */
    c->subscribing = true;
    for (guint i = 0; i < c->peers->len; i++) start_subscriber(app, c->peers->pdata[i]);
  }
}

static void on_participant_added(LoadApp *app, json_t *reply, gpointer data) {
  LoadPeer *p = data;
  const char *e = reply_error(reply);
  char err[256];
  if (e) {
    load_peer_fail(p, "participant_add: %s", e);
    return;
  }
  if (!p->publishes) {
    if (p->call->subscribing) start_subscriber(app, p);
    return;
  }
  char *offer = load_peer_publish_offer(p, err, sizeof err);
  if (!offer) {
    load_peer_fail(p, "publisher offer: %s", err);
    return;
  }
  json_t *req = json_pack("{s:s,s:s,s:s,s:s}", "type", "publish_offer", "room", p->call->room,
                          "participant", p->name, "sdp", offer);
  g_free(offer);
  request(app, req, on_publish_answer, p);
}

static void add_participant(LoadApp *app, LoadPeer *p) {
  Parlour *pl = P(app);
  g_hash_table_insert(pl->peers, peer_key(p->call->room, p->name), p);
  json_t *req = json_pack("{s:s,s:s,s:s,s:b}", "type", "participant_add", "room", p->call->room,
                          "participant", p->name, "subscribe_all", 1);
  request(app, req, on_participant_added, p);
}

static void on_room_created(LoadApp *app, json_t *reply, gpointer data) {
  LoadCall *c = data;
  const char *e = reply_error(reply);
  if (e) {
    c->failed = true;
    load_app_fatal(app, "room_create %s: %s", c->room, e);
    return;
  }
  for (guint i = 0; i < c->peers->len; i++) add_participant(app, c->peers->pdata[i]);
}

static void parlour_start_call(LoadApp *app, LoadCall *c) {
  json_t *req = json_pack("{s:s,s:s,s:i}", "type", "room_create", "room", c->room,
                          "max_participants", (int)c->peers->len + 1);
  request(app, req, on_room_created, c);
}

static void parlour_add_monitor(LoadApp *app, LoadCall *c, LoadPeer *m) {
  add_participant(app, m);
}

/* ---- events and replies ---- */

static void on_event(LoadApp *app, json_t *ev) {
  Parlour *pl = P(app);
  const char *name = jsonu_str(ev, "event");
  const char *room = jsonu_str(ev, "room"), *part = jsonu_str(ev, "participant");
  if (!name || !room || !part) return;
  char *k = peer_key(room, part);
  LoadPeer *p = g_hash_table_lookup(pl->peers, k);
  g_free(k);
  if (!p) return;
  if (strcmp(name, "subscriber_offer") == 0) {
    const char *sdp = jsonu_str(ev, "sdp");
    if (sdp) answer_sub_offer(app, p, sdp);
  } else if (strcmp(name, "participant_disconnected") == 0) {
    load_peer_fail(p, "the SFU disconnected us: %s",
                   jsonu_str(ev, "reason") ? jsonu_str(ev, "reason") : "?");
  }
}

static void on_message(SoupWebsocketConnection *ws, gint msg_type, GBytes *msg, gpointer data) {
  LoadApp *app = data;
  Parlour *pl = P(app);
  gsize n;
  const char *text = g_bytes_get_data(msg, &n);
  json_error_t je;
  json_t *j = json_loadb(text, n, 0, &je);
  if (!j) return;
  const char *type = jsonu_str(j, "type");
  if (g_strcmp0(type, "auth_ok") == 0) {
    if (pl->connected) pl->connected(app, NULL);
    pl->connected = NULL;
  } else if (g_strcmp0(type, "event") == 0) {
    on_event(app, j);
  } else {
    long long id;
    json_t *idj = json_object_get(j, "id");
    if (json_is_integer(idj)) {
      id = json_integer_value(idj);
      Pending *pd = g_hash_table_lookup(pl->pending, &id);
      gpointer key = NULL;
      if (pd && g_hash_table_steal_extended(pl->pending, &id, &key, NULL)) {
        g_free(key);
        pd->fn(app, j, pd->data);
        g_free(pd);
      }
    } else if (g_strcmp0(type, "error") == 0) {
      if (pl->connected) {
        pl->connected(app, jsonu_str(j, "message") ? jsonu_str(j, "message") : "auth refused");
        pl->connected = NULL;
      }
    }
  }
  json_decref(j);
}

static void on_closed(SoupWebsocketConnection *ws, gpointer data) {
  LoadApp *app = data;
  Parlour *pl = P(app);
  if (pl->connected) {
    pl->connected(app, "the control connection closed during authentication");
    pl->connected = NULL;
  } else if (!pl->torn_down && pl->teardown_left == 0) {
    load_app_fatal(app, "the SFU closed the control connection");
  }
}

static void on_ws(GObject *src, GAsyncResult *res, gpointer data) {
  LoadApp *app = data;
  Parlour *pl = P(app);
  GError *e = NULL;
  pl->ws = soup_session_websocket_connect_finish(pl->session, res, &e);
  if (!pl->ws) {
    char *m = g_strdup_printf("control websocket %s: %s", app->o.url, e->message);
    g_error_free(e);
    pl->connected(app, m);
    g_free(m);
    return;
  }
  soup_websocket_connection_set_max_incoming_payload_size(pl->ws, 4 << 20);
  soup_websocket_connection_set_keepalive_interval(pl->ws, 0);
  g_signal_connect(pl->ws, "message", G_CALLBACK(on_message), app);
  g_signal_connect(pl->ws, "closed", G_CALLBACK(on_closed), app);
  gchar *secret = NULL;
  GError *fe = NULL;
  if (!app->o.secret_file || !g_file_get_contents(app->o.secret_file, &secret, NULL, &fe)) {
    char *m = g_strdup_printf("control secret: %s", fe ? fe->message : "no --secret-file given");
    if (fe) g_error_free(fe);
    pl->connected(app, m);
    g_free(m);
    return;
  }
  g_strchomp(secret);
  json_t *auth = json_pack("{s:s,s:s}", "type", "auth", "secret", secret);
  char *text = jsonu_dump(auth);
  soup_websocket_connection_send_text(pl->ws, text);
  free(text);
  json_decref(auth);
  memset(secret, 0, strlen(secret));
  g_free(secret);
}

static void parlour_connect(LoadApp *app, void (*done)(LoadApp *, const char *)) {
  Parlour *pl = g_new0(Parlour, 1);
  app->drv_state = pl;
  pl->connected = done;
  pl->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  pl->peers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  pl->session = soup_session_new();
  SoupMessage *msg = soup_message_new("GET", app->o.url);
  if (!msg) {
    done(app, "bad --url");
    return;
  }
  soup_session_websocket_connect_async(pl->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_ws, app);
  g_object_unref(msg);
}

static void teardown_finish(LoadApp *app) {
  Parlour *pl = P(app);
  if (pl->teardown_timer) g_source_remove(pl->teardown_timer);
  pl->teardown_timer = 0;
  void (*done)(LoadApp *) = pl->torn_down;
  pl->torn_down = NULL;
  if (pl->ws) {
    g_signal_handlers_disconnect_by_data(pl->ws, app);
    soup_websocket_connection_close(pl->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(pl->ws);
    pl->ws = NULL;
  }
  g_hash_table_destroy(pl->pending);
  g_hash_table_destroy(pl->peers);
  g_object_unref(pl->session);
  g_free(pl);
  app->drv_state = NULL;
  if (done) done(app);
}

static void on_room_destroyed(LoadApp *app, json_t *reply, gpointer data) {
  Parlour *pl = P(app);
  if (--pl->teardown_left == 0) teardown_finish(app);
}

static gboolean teardown_timeout(gpointer data) {
  LoadApp *app = data;
  P(app)->teardown_timer = 0;
  teardown_finish(app);
  return G_SOURCE_REMOVE;
}

static void parlour_teardown(LoadApp *app, void (*done)(LoadApp *)) {
  Parlour *pl = P(app);
  if (!pl) {
    if (done) done(app);
    return;
  }
  pl->torn_down = done;
  if (!done || !pl->ws || soup_websocket_connection_get_state(pl->ws) != SOUP_WEBSOCKET_STATE_OPEN) {
    teardown_finish(app);
    return;
  }
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    pl->teardown_left++;
    request(app, json_pack("{s:s,s:s}", "type", "room_destroy", "room", c->room),
            on_room_destroyed, c);
  }
  if (pl->teardown_left == 0) {
    teardown_finish(app);
    return;
  }
  pl->teardown_timer = g_timeout_add(5000, teardown_timeout, app);
}

const LoadDriver load_driver_parlour = {
    .name = "parlour",
    .connect = parlour_connect,
    .start_call = parlour_start_call,
    .add_monitor = parlour_add_monitor,
    .teardown = parlour_teardown,
};
