/* One browser connection on /ws: framing checks (JSON object, version,
 * known type), the per-connection message rate, the join deadline, and
 * dispatch: join to sig_admit.c, the rest to sig_relay.c. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_admit.h"
#include "sig_conn.h"
#include "sig_relay.h"
#include "sig_room.h"
#include "sig_server_state.h"
#include "timeutil.h"

static const char *const known_types[] = {
    "join", "leave", "ping", "publish_offer", "subscriber_answer", "ice", "mute", "remove",
    "end_call", "record", "video_limit", "ice_restart", "e2ee", NULL};

SigConn *sig_conn_lookup(SigServer *s, guint64 id) { return g_hash_table_lookup(s->conns, &id); }

void sig_send(SigConn *c, const char *type, json_t *fields) {
  json_t *m = fields ? fields : json_object();
  json_object_set_new(m, "v", json_integer(SIG_PROTOCOL_VERSION));
  json_object_set_new(m, "type", json_string(type));
  if (c && c->ws && !c->closing) {
    /* A client that does not read its messages must not make us buffer
     * without bound: past the limit it is cut off. */
    if (ws_conn_queued(c->ws) >= SIG_MAX_QUEUED) {
      log_warn("client_too_slow", "conn=%" G_GUINT64_FORMAT " queued=%zu", c->id,
               ws_conn_queued(c->ws));
      sig_conn_close(c, SIG_CLOSE_SLOW, "too_slow");
    } else {
      char *text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
      ws_conn_send(c->ws, text, strlen(text));
      free(text);
    }
  }
  json_decref(m);
}

gboolean sig_check_fields(SigConn *c, json_t *msg, const char *type,
                             const char *const *allowed) {
  const char *k = jsonu_unknown_key(msg, allowed);
  if (!k) return TRUE;
  char why[160];
  g_snprintf(why, sizeof why, "%s has no field \"%.60s\"", type, k);
  sig_send_error(c, "bad_message", why, type);
  return FALSE;
}

void sig_send_error(SigConn *c, const char *code, const char *message, const char *re) {
  json_t *f = json_pack("{s:s, s:s}", "code", code, "message", message ? message : code);
  if (re) json_object_set_new(f, "re", json_string(re));
  sig_send(c, "error", f);
}

void sig_conn_close(SigConn *c, int code, const char *reason) {
  if (!c || c->closing) return;
  c->closing = TRUE;
  if (c->join_timer) {
    g_source_remove(c->join_timer);
    c->join_timer = 0;
  }
  if (c->ws) ws_conn_close(c->ws, code, reason);
}

static gboolean join_deadline(gpointer data) {
  SigConn *c = data;
  c->join_timer = 0;
  if (!c->part && !c->joining) {
    log_info("join_timeout", "conn=%" G_GUINT64_FORMAT " peer=%s", c->id, ws_conn_peer(c->ws));
    sig_send_error(c, "join_timeout", "no join message in time", NULL);
    sig_conn_close(c, SIG_CLOSE_PROTOCOL, "join_timeout");
  }
  return G_SOURCE_REMOVE;
}

int sig_ws_open(WsConn *ws, const HttpRequest *upgrade, void *user) {
  SigServer *s = user;
  (void)upgrade;
  SigConn *c = g_new0(SigConn, 1);
  c->srv = s;
  c->id = ++s->next_conn_id;
  c->ws = ws;
  c->bucket = s->set.rate_burst;
  c->bucket_at_us = time_mono_us();
  c->join_timer = g_timeout_add_seconds((guint)s->set.join_timeout_s, join_deadline, c);
  ws_conn_set_data(ws, c);
  g_hash_table_insert(s->conns, &c->id, c);
  log_debug("conn_open", "conn=%" G_GUINT64_FORMAT " peer=%s", c->id, ws_conn_peer(ws));
  return 0;
}

void sig_ws_close(WsConn *ws, void *user) {
  SigServer *s = user;
  SigConn *c = ws_conn_get_data(ws);
  if (!c) return;
  c->ws = NULL;
  c->closing = TRUE;
  if (c->join_timer) g_source_remove(c->join_timer);
  g_hash_table_remove(s->conns, &c->id);
  if (c->part) {
    SigPart *p = c->part;
    c->part = NULL;
    p->conn = NULL;
    sig_part_disconnected(p);
  }
  log_debug("conn_closed", "conn=%" G_GUINT64_FORMAT, c->id);
  g_free(c);
}

/* Token bucket: rate_per_s refill, rate_burst deep. FALSE when empty. */
static gboolean take_token(SigConn *c) {
  gint64 now = time_mono_us();
  c->bucket += (double)(now - c->bucket_at_us) / 1e6 * c->srv->set.rate_per_s;
  if (c->bucket > c->srv->set.rate_burst) c->bucket = c->srv->set.rate_burst;
  c->bucket_at_us = now;
  if (c->bucket < 1.0) return FALSE;
  c->bucket -= 1.0;
  return TRUE;
}

void sig_ws_message(WsConn *ws, const char *data, size_t len, void *user) {
  (void)user;
  SigConn *c = ws_conn_get_data(ws);
  if (!c || c->closing) return;
  if (!take_token(c)) {
    log_warn("rate_limited", "conn=%" G_GUINT64_FORMAT " peer=%s participant=%s", c->id,
             ws_conn_peer(ws), c->part ? c->part->id->participant : "-");
    sig_send_error(c, "rate_limited", "too many messages; the connection is closed", NULL);
    sig_conn_close(c, SIG_CLOSE_RATE, "rate_limited");
    return;
  }
  gboolean joined = c->part != NULL && !c->joining;
  char err[200];
  json_t *msg = jsonu_parse_object(data, len, err, sizeof err);
  const char *code = NULL;
  char why[256] = "";
  const char *type = NULL;
  long long v = 0;
  if (!msg) {
    code = "invalid_json";
    g_strlcpy(why, err, sizeof why);
  } else if (jsonu_int(msg, "v", &v) != 0 || v != SIG_PROTOCOL_VERSION) {
    code = "unsupported_version";
    g_snprintf(why, sizeof why, "every message needs \"v\":%d", SIG_PROTOCOL_VERSION);
  } else if (!(type = jsonu_str(msg, "type"))) {
    code = "bad_message";
    g_strlcpy(why, "every message needs a string \"type\"", sizeof why);
  } else {
    gboolean known = FALSE;
    for (const char *const *t = known_types; *t; t++)
      if (strcmp(*t, type) == 0) known = TRUE;
    if (!known) {
      code = "unknown_type";
      g_snprintf(why, sizeof why, "unknown message type \"%.60s\"", type);
    } else if (!joined && strcmp(type, "join") != 0) {
      code = c->joining ? "join_in_progress" : "join_required";
      g_strlcpy(why, c->joining ? "wait for the answer to join" : "the first message must be join",
                sizeof why);
    }
  }
  if (code) {
    sig_send_error(c, code, why, type);
    /* Before a join nothing else is accepted: the connection is closed.
     * After it, a bad message is answered and the call goes on. */
    if (!joined && !c->joining) sig_conn_close(c, SIG_CLOSE_PROTOCOL, code);
    json_decref(msg);
    return;
  }
  static const char *const bare[] = {"v", "type", NULL};
  if ((strcmp(type, "ping") == 0 || strcmp(type, "leave") == 0) && jsonu_unknown_key(msg, bare)) {
    sig_send_error(c, "bad_message", "this message has no fields", type);
  } else if (strcmp(type, "ping") == 0) {
    sig_send(c, "pong", NULL);
  } else if (strcmp(type, "join") == 0) {
    if (joined || c->joining)
      sig_send_error(c, "already_joined", "this connection has already joined", "join");
    else
      sig_handle_join(c, msg);
  } else {
    sig_handle_joined_message(c, type, msg);
  }
  json_decref(msg);
}
