#include "control.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "sfu_bus.h"
#include "sfu_metrics.h"

#define MAX_MESSAGE (256 * 1024)
#define MAX_SDP 200000
#define MAX_BITRATE_BPS 100000000
#define MAX_OUT_QUEUE 4096

typedef struct {
  guint64 id;
  WsConn *ws;
  int authed;
} CtlConn;

struct Control {
  char *secret;
  Worker **workers;
  int n_workers;
  int *rooms_per_worker;
  GHashTable *conns; /* guint64* -> CtlConn* */
  GHashTable *rooms; /* name -> GINT_TO_POINTER(worker index + 1) */
  guint64 next_conn;
  WsEndpoint ep;
};

static Control *the_control; /* sfu_bus callbacks have no user pointer */

/* ---- request shapes ---- */

typedef enum {
  F_ID,
  F_SDP,
  F_INT,
  F_BOOL,
  F_TRANSPORT,
  F_STR_OR_NULL,
  F_INT_OR_NULL,
  F_BITRATE
} FieldKind;
typedef struct {
  const char *name;
  FieldKind kind;
  int required;
} FieldSpec;
typedef struct {
  const char *type;
  FieldSpec f[8];
} ReqSpec;

#define ROOM {"room", F_ID, 1}
#define PART {"participant", F_ID, 1}
static const ReqSpec specs[] = {
    {"room_create",
     {ROOM, {"max_participants", F_INT, 0}, {"recordable", F_BOOL, 0},
      {"audio_private", F_BOOL, 0}}},
    {"room_destroy", {ROOM}},
    {"participant_add",
     {ROOM, PART, {"subscribe_all", F_BOOL, 0}, {"max_video_bitrate", F_BITRATE, 0},
      {"analyse", F_BOOL, 0}, {"receive_video", F_BOOL, 0}, {"hidden", F_BOOL, 0}}},
    /* at least one of the two (room.c) */
    {"participant_update",
     {ROOM, PART, {"max_video_bitrate", F_BITRATE, 0}, {"receive_video", F_BOOL, 0}}},
    {"restart_ice", {ROOM, PART, {"transport", F_TRANSPORT, 1}}},
    {"participant_remove", {ROOM, PART}},
    {"publish_offer", {ROOM, PART, {"sdp", F_SDP, 1}}},
    {"subscriber_offer", {ROOM, PART}},
    {"subscriber_answer", {ROOM, PART, {"sdp", F_SDP, 1}}},
    {"ice_candidate",
     {ROOM, PART, {"transport", F_TRANSPORT, 1}, {"candidate", F_STR_OR_NULL, 1},
      {"sdpMid", F_STR_OR_NULL, 0}, {"sdpMLineIndex", F_INT_OR_NULL, 0},
      {"usernameFragment", F_STR_OR_NULL, 0}}},
    {"subscribe", {ROOM, PART, {"track", F_ID, 1}}},
    {"unsubscribe", {ROOM, PART, {"track", F_ID, 1}}},
    {"track_mute", {ROOM, {"track", F_ID, 1}, {"muted", F_BOOL, 1}}},
    {"room_stats", {ROOM}},
    {"faces_snapshot", {ROOM, PART, {"alert", F_ID, 1}, {"jpeg", F_SDP, 1}}},
    {"participant_stats", {ROOM, PART}},
    {"record_start", {ROOM}},
    {"record_stop", {ROOM}},
};

static int valid_id(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > 128) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!(g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '@' || c == '-')) return 0;
  }
  return 1;
}

/* NULL when the request is well-formed, else an error reply. */
static json_t *check_shape(const ReqSpec *spec, json_t *msg) {
  const char *key;
  json_t *v;
  json_object_foreach(msg, key, v) {
    if (strcmp(key, "id") == 0 || strcmp(key, "type") == 0) continue;
    int known = 0;
    for (const FieldSpec *f = spec->f; f->name; f++)
      if (strcmp(f->name, key) == 0) known = 1;
    if (!known) return sfu_error("unknown_field", key, "%s has no field %s", spec->type, key);
  }
  for (const FieldSpec *f = spec->f; f->name; f++) {
    json_t *x = json_object_get(msg, f->name);
    if (!x) {
      if (f->required) return sfu_error("bad_request", f->name, "%s is required", f->name);
      continue;
    }
    int ok = 0;
    switch (f->kind) {
    case F_ID: ok = json_is_string(x) && valid_id(json_string_value(x)); break;
    case F_SDP: ok = json_is_string(x) && json_string_length(x) <= MAX_SDP; break;
    case F_INT:
      ok = json_is_integer(x) && json_integer_value(x) >= 1 && json_integer_value(x) <= 64;
      break;
    case F_BOOL: ok = json_is_boolean(x); break;
    case F_BITRATE:
      ok = json_is_integer(x) && json_integer_value(x) >= 0 &&
           json_integer_value(x) <= MAX_BITRATE_BPS;
      break;
    case F_TRANSPORT:
      ok = json_is_string(x) && (strcmp(json_string_value(x), "publisher") == 0 ||
                                 strcmp(json_string_value(x), "subscriber") == 0);
      break;
    case F_STR_OR_NULL: ok = json_is_null(x) || (json_is_string(x) && json_string_length(x) < 1024); break;
    case F_INT_OR_NULL:
      ok = json_is_null(x) || (json_is_integer(x) && json_integer_value(x) >= 0 &&
                               json_integer_value(x) < 1024);
      break;
    }
    if (!ok) {
      const char *what = f->kind == F_ID          ? "an identifier [A-Za-z0-9_.:@-]{1,128}"
                         : f->kind == F_SDP       ? "a string (at most 200000 bytes)"
                         : f->kind == F_INT       ? "an integer 1..64"
                         : f->kind == F_BOOL      ? "a boolean"
                         : f->kind == F_TRANSPORT ? "\"publisher\" or \"subscriber\""
                         : f->kind == F_BITRATE   ? "an integer 0..100000000 (bit/s, 0 no limit)"
                                                  : "a string, integer or null of sane size";
      return sfu_error("bad_request", f->name, "%s must be %s", f->name, what);
    }
  }
  return NULL;
}

/* Pure: the shape checks of one request, apart from the connection so that
 * tests/fuzz/fuzz_control.c reaches them. */
json_t *control_check_request(json_t *msg, const char **type_out, json_t **id_out) {
  *type_out = NULL;
  *id_out = NULL;
  json_t *id = json_object_get(msg, "id");
  if (!id || !(json_is_integer(id) || (json_is_string(id) && json_string_length(id) <= 128)))
    return sfu_error("bad_request", "id", "id must be an integer or a short string");
  *id_out = id;
  const char *type = jsonu_str(msg, "type");
  const ReqSpec *spec = NULL;
  for (size_t i = 0; type && i < G_N_ELEMENTS(specs); i++)
    if (strcmp(specs[i].type, type) == 0) spec = &specs[i];
  if (!spec) return sfu_error("unknown_type", "type", "no request type %s", type ? type : "(none)");
  json_t *bad = check_shape(spec, msg);
  if (bad) return bad;
  *type_out = type;
  return NULL;
}

/* ---- sending ---- */

static void send_text(CtlConn *cc, const char *text) {
  if (ws_conn_queued(cc->ws) > MAX_OUT_QUEUE) {
    /* A reader that stopped reading: drop it rather than grow forever. */
    log_warn("control_slow_reader", "peer=%s", ws_conn_peer(cc->ws));
    ws_conn_close(cc->ws, 1008, "too slow");
    return;
  }
  ws_conn_send(cc->ws, text, strlen(text));
}

static void send_json(CtlConn *cc, json_t *msg) {
  char *t = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (t) send_text(cc, t);
  free(t);
}

static void deliver_reply(guint64 conn, const char *text) {
  if (!the_control) return;
  CtlConn *cc = g_hash_table_lookup(the_control->conns, &conn);
  if (cc) send_text(cc, text);
}

static void deliver_event(const char *text) {
  if (!the_control) return;
  sfu_metrics_on_event(text);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, the_control->conns);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    CtlConn *cc = v;
    if (cc->authed) send_text(cc, text);
  }
}

/* ---- websocket callbacks ---- */

static int on_open(WsConn *ws, const HttpRequest *req, void *user) {
  Control *c = user;
  CtlConn *cc = g_new0(CtlConn, 1);
  cc->id = ++c->next_conn;
  cc->ws = ws;
  ws_conn_set_data(ws, cc);
  g_hash_table_insert(c->conns, &cc->id, cc);
  sfu_metrics_control_connections((int)g_hash_table_size(c->conns));
  log_info("control_open", "peer=%s conn=%" G_GUINT64_FORMAT, req->peer, cc->id);
  return 0;
}

static void on_close(WsConn *ws, void *user) {
  Control *c = user;
  CtlConn *cc = ws_conn_get_data(ws);
  if (!cc) return;
  log_info("control_close", "conn=%" G_GUINT64_FORMAT, cc->id);
  g_hash_table_remove(c->conns, &cc->id); /* frees cc */
  sfu_metrics_control_connections((int)g_hash_table_size(c->conns));
}

static void reply_error(CtlConn *cc, json_t *id, json_t *err) {
  json_object_set(err, "id", id ? id : json_null());
  send_json(cc, err);
}

static void on_message(WsConn *ws, const char *data, size_t len, void *user) {
  Control *c = user;
  CtlConn *cc = ws_conn_get_data(ws);
  if (!cc) return;
  char err[256];
  json_t *msg = jsonu_parse_object(data, len, err, sizeof err);
  if (!cc->authed) {
    const char *secret = msg ? jsonu_str(msg, "secret") : NULL;
    if (msg && g_strcmp0(jsonu_str(msg, "type"), "auth") == 0 && secret &&
        ids_secret_equal(secret, c->secret)) {
      cc->authed = 1;
      send_json(cc, json_pack("{s:s}", "type", "auth_ok"));
      log_info("control_auth_ok", "conn=%" G_GUINT64_FORMAT, cc->id);
    } else {
      log_warn("control_auth_failed", "conn=%" G_GUINT64_FORMAT " peer=%s", cc->id,
               ws_conn_peer(ws));
      json_t *e = sfu_error("unauthorized", NULL, "the first message must be a valid auth");
      send_json(cc, e);
      ws_conn_close(ws, 1008, "unauthorized");
    }
    json_decref(msg);
    return;
  }
  if (!msg) {
    reply_error(cc, NULL, sfu_error("bad_json", NULL, "%s", err));
    return;
  }
  json_t *id = NULL;
  const char *type = NULL;
  json_t *bad = control_check_request(msg, &type, &id);
  if (bad) {
    reply_error(cc, id, bad);
    json_decref(msg);
    return;
  }
  const char *room = jsonu_str(msg, "room");
  log_debug("control_request", "conn=%" G_GUINT64_FORMAT " type=%s room=%s", cc->id, type, room);
  int widx = GPOINTER_TO_INT(g_hash_table_lookup(c->rooms, room)) - 1;
  if (strcmp(type, "room_create") == 0) {
    if (widx >= 0) {
      reply_error(cc, id, sfu_error("room_exists", "room", "room %s exists", room));
      json_decref(msg);
      return;
    }
    /* The least loaded worker; the room stays there for its life. */
    widx = 0;
    for (int i = 1; i < c->n_workers; i++)
      if (c->rooms_per_worker[i] < c->rooms_per_worker[widx]) widx = i;
    c->rooms_per_worker[widx]++;
    g_hash_table_insert(c->rooms, g_strdup(room), GINT_TO_POINTER(widx + 1));
  } else if (widx < 0) {
    reply_error(cc, id, sfu_error("room_not_found", "room", "no room %s", room));
    json_decref(msg);
    return;
  } else if (strcmp(type, "room_destroy") == 0) {
    g_hash_table_remove(c->rooms, room);
    c->rooms_per_worker[widx]--;
    sfu_metrics_room_leaving(c->workers[widx], room, NULL);
  } else if (strcmp(type, "participant_remove") == 0) {
    sfu_metrics_room_leaving(c->workers[widx], room, jsonu_str(msg, "participant"));
  }
  worker_submit(c->workers[widx], cc->id, id, type, msg);
  json_decref(msg);
}

Control *control_new(const char *secret, Worker **workers, int n_workers) {
  Control *c = g_new0(Control, 1);
  c->secret = g_strdup(secret);
  c->workers = workers;
  c->n_workers = n_workers;
  c->rooms_per_worker = g_new0(int, n_workers);
  c->conns = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
  c->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  c->ep = (WsEndpoint){
      .path = "/control",
      .origins = NULL,
      /* Only signalling talks to this socket, and it sends no Origin; a
       * browser always does, so a web page can never reach it. */
      .refuse_origin = 1,
      .max_message = MAX_MESSAGE,
      .on_open = on_open,
      .on_message = on_message,
      .on_close = on_close,
      .user = c,
  };
  the_control = c;
  sfu_bus_init(g_main_context_default(), deliver_reply, deliver_event);
  return c;
}

const WsEndpoint *control_endpoint(Control *c) { return &c->ep; }

void control_free(Control *c) {
  if (!c) return;
  if (the_control == c) the_control = NULL;
  g_hash_table_destroy(c->conns);
  g_hash_table_destroy(c->rooms);
  g_free(c->rooms_per_worker);
  g_free(c->secret);
  g_free(c);
}
