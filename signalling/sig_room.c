/* Rooms and participants: admission, placement on an SFU node, relaying
 * SDP/ICE, presence events, moderation, recording policy, reconnect grace
 * and the visit's end. See sig_server.h for ownership. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_server.h"
#include "timeutil.h"

/* ---- SFU request context: names, not pointers ---- */


SigCtx *sig_ctx_new(SigServer *s, const char *room, const char *participant, guint64 conn_id,
                    const char *re) {
  SigCtx *x = g_new0(SigCtx, 1);
  x->srv = s;
  x->room = g_strdup(room);
  x->participant = g_strdup(participant);
  x->conn_id = conn_id;
  x->re = g_strdup(re);
  return x;
}

void sig_ctx_free(gpointer p) {
  SigCtx *x = p;
  g_free(x->room);
  g_free(x->participant);
  g_free(x->re);
  g_free(x);
}

SigRoom *sig_ctx_room(SigCtx *x) { return g_hash_table_lookup(x->srv->rooms, x->room); }
SigPart *sig_ctx_part(SigCtx *x) {
  SigRoom *r = sig_ctx_room(x);
  return r && x->participant ? g_hash_table_lookup(r->parts, x->participant) : NULL;
}

gboolean sig_reply_ok(json_t *reply) {
  const char *t = jsonu_str(reply, "type");
  return t && strcmp(t, "result") == 0;
}
const char *sig_reply_code(json_t *reply) {
  const char *c = jsonu_str(reply, "code");
  return c ? c : "sfu_error";
}
const char *sig_reply_message(json_t *reply) {
  const char *m = jsonu_str(reply, "message");
  return m ? m : "the media server refused the request";
}

/* ---- booking events ---- */

void sig_post_event(SigServer *s, const char *room, const char *type, const char *actor,
                       json_t *data) {
  if (!s->events) {
    json_decref(data);
    return;
  }
  sig_events_post(s->events, room, type, actor, data);
}

/* ---- helpers ---- */

void sig_track_free(gpointer p) {
  SigTrack *t = p;
  g_free(t->id);
  g_free(t->participant);
  g_free(t->kind);
  g_free(t);
}

static void part_free(gpointer p) {
  SigPart *x = p;
  if (x->grace_timer) g_source_remove(x->grace_timer);
  if (x->conn) x->conn->part = NULL;
  sig_identity_free(x->id);
  g_free(x);
}

/* How a participant is named to the others in "by" fields: hidden staff are
 * never named, only described. */
const char *sig_public_actor(SigPart *p) {
  return p->id->hidden ? "staff" : p->id->participant;
}

json_t *sig_part_public(SigPart *p) {
  json_t *tracks = json_array();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, p->room->tracks);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigTrack *t = v;
    if (strcmp(t->participant, p->id->participant) != 0) continue;
    json_array_append_new(tracks, json_pack("{s:s, s:s, s:b}", "id", t->id, "kind", t->kind,
                                            "muted", t->muted));
  }
  return json_pack("{s:s, s:s, s:s, s:o}", "id", p->id->participant, "name", p->id->name, "role",
                   p->id->role, "tracks", tracks);
}

/* Sends to every ready, connected participant except `except`. */
void sig_broadcast(SigRoom *r, SigPart *except, const char *type, json_t *fields) {
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    if (p == except || !p->ready || !p->conn) continue;
    sig_send(p->conn, type, json_deep_copy(fields));
  }
  json_decref(fields);
}

static json_t *room_participants_for(SigRoom *r, SigPart *self) {
  json_t *a = json_array();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    if (p == self || !p->ready || p->id->hidden) continue;
    json_array_append_new(a, sig_part_public(p));
  }
  return a;
}

/* ---- visit end and warnings ---- */

static void room_schedule(SigRoom *r);

/* Sends each warning whose moment has come and that this participant has
 * not had yet; a warning whose moment passed before they joined is sent at
 * once, once. */
static void part_warn(SigPart *p, gint64 now_ms) {
  if (!p->ready || !p->conn) return;
  SigServer *s = p->room->srv;
  gint64 end_ms = p->room->policy->visit_end * 1000;
  struct {
    int secs;
    gboolean *flag;
  } w[2] = {{s->set.warn_first_s, &p->warned_first}, {s->set.warn_second_s, &p->warned_second}};
  for (int i = 0; i < 2; i++) {
    if (*w[i].flag || now_ms < end_ms - (gint64)w[i].secs * 1000) continue;
    *w[i].flag = TRUE;
    gint64 left = (end_ms - now_ms + 999) / 1000;
    sig_send(p->conn, "ending_soon",
             json_pack("{s:i, s:I, s:I}", "warning_s", w[i].secs, "seconds_left",
                       (json_int_t)MAX(left, 0), "ends_at", (json_int_t)p->room->policy->visit_end));
  }
}

void sig_room_free(gpointer p) {
  SigRoom *r = p;
  if (r->timer) g_source_remove(r->timer);
  g_hash_table_destroy(r->parts);
  g_hash_table_destroy(r->removed);
  g_hash_table_destroy(r->tracks);
  sig_identity_free(r->policy);
  g_free(r->id);
  g_free(r);
}

/* Ends the call for everyone: visit_ended to each participant, the SFU room
 * destroyed, booking told. by may be NULL (the clock, or a failure). */
void sig_room_end(SigRoom *r, const char *reason, SigPart *by, const char *why) {
  SigServer *s = r->srv;
  gint64 now = time_now_unix();
  log_info("call_ended", "room=%s reason=%s by=%s", r->id, reason,
           by ? by->id->participant : "-");
  json_t *f = json_pack("{s:s}", "reason", reason);
  if (by) json_object_set_new(f, "by", json_string(sig_public_actor(by)));
  if (why) json_object_set_new(f, "message", json_string(why));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    if (p->conn) {
      sig_send(p->conn, "visit_ended", json_deep_copy(f));
      sig_conn_close(p->conn, SIG_CLOSE_ENDED, reason);
      p->conn->part = NULL;
      p->conn = NULL;
    }
    if (p->ready)
      sig_post_event(s, r->id, "participant_left", p->id->participant,
                 json_pack("{s:s, s:s, s:I, s:I}", "participant", p->id->participant, "reason",
                           "call_ended", "joined_at", (json_int_t)p->joined_at, "left_at",
                           (json_int_t)now));
  }
  json_decref(f);
  if (r->node) {
    sfu_request(r->node, "room_destroy", json_pack("{s:s}", "room", r->id), NULL, NULL, NULL);
    sfu_node_add_rooms(r->node, -1);
  }
  json_t *data = json_pack("{s:s, s:I, s:I}", "reason", reason, "started_at",
                           (json_int_t)r->started_at, "ended_at", (json_int_t)now);
  if (by) json_object_set_new(data, "by", json_string(by->id->participant));
  if (why) json_object_set_new(data, "why", json_string(why));
  sig_post_event(s, r->id, "call_ended", by ? by->id->participant : "system", data);
  g_hash_table_replace(s->ended, g_strdup(r->id), g_strdup(reason));
  g_hash_table_remove(s->rooms, r->id); /* frees r */
}

static gboolean room_tick(gpointer data) {
  SigRoom *r = data;
  r->timer = 0;
  gint64 now_ms = time_now_ms();
  if (now_ms >= r->policy->visit_end * 1000) {
    sig_room_end(r, "time_up", NULL, NULL);
    return G_SOURCE_REMOVE;
  }
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) part_warn(v, now_ms);
  room_schedule(r);
  return G_SOURCE_REMOVE;
}

/* Arms the timer for the next moment that matters: a warning or the end. */
static void room_schedule(SigRoom *r) {
  if (r->timer) g_source_remove(r->timer);
  SigServer *s = r->srv;
  gint64 now_ms = time_now_ms();
  gint64 end_ms = r->policy->visit_end * 1000;
  gint64 moments[3] = {end_ms - (gint64)s->set.warn_first_s * 1000,
                       end_ms - (gint64)s->set.warn_second_s * 1000, end_ms};
  gint64 next = end_ms;
  for (int i = 0; i < 3; i++)
    if (moments[i] > now_ms && moments[i] < next) next = moments[i];
  gint64 delay = MAX(next - now_ms, 0);
  /* Wake at least every minute so a wall-clock step is noticed. */
  delay = MIN(delay, 60000);
  r->timer = g_timeout_add((guint)delay, room_tick, r);
}

/* ---- leaving ---- */

void sig_part_leave(SigPart *p, const char *reason, gboolean tell_sfu) {
  SigRoom *r = p->room;
  SigServer *s = r->srv;
  char *pid = g_strdup(p->id->participant);
  log_info("participant_left", "room=%s participant=%s reason=%s", r->id, pid, reason);
  if (tell_sfu && r->node && r->state == ROOM_READY)
    sfu_request(r->node, "participant_remove",
                json_pack("{s:s, s:s}", "room", r->id, "participant", pid), NULL, NULL, NULL);
  /* Its tracks go with it; participant_left tells the others so. */
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (strcmp(((SigTrack *)v)->participant, pid) == 0) g_hash_table_iter_remove(&it);
  gboolean was_ready = p->ready, hidden = p->id->hidden;
  gint64 joined_at = p->joined_at;
  if (p->conn) {
    p->conn->part = NULL;
    p->conn = NULL;
  }
  g_hash_table_remove(r->parts, pid); /* frees p */
  if (was_ready) {
    if (!hidden)
      sig_broadcast(r, NULL, "participant_left",
                json_pack("{s:s, s:s}", "participant", pid, "reason", reason));
    sig_post_event(s, r->id, "participant_left", pid,
               json_pack("{s:s, s:s, s:I, s:I}", "participant", pid, "reason", reason,
                         "joined_at", (json_int_t)joined_at, "left_at",
                         (json_int_t)time_now_unix()));
  }
  g_free(pid);
}

static gboolean grace_expired(gpointer data) {
  SigPart *p = data;
  p->grace_timer = 0;
  sig_part_leave(p, "disconnected", TRUE);
  return G_SOURCE_REMOVE;
}

void sig_part_disconnected(SigPart *p) {
  SigServer *s = p->room->srv;
  if (!p->ready) {
    /* Never announced: nothing to keep for a reconnect. */
    sig_part_leave(p, "disconnected", TRUE);
    return;
  }
  log_info("participant_away", "room=%s participant=%s grace_s=%d", p->room->id,
           p->id->participant, s->set.reconnect_grace_s);
  if (!p->grace_timer)
    p->grace_timer = g_timeout_add_seconds((guint)s->set.reconnect_grace_s, grace_expired, p);
}

/* ---- joining ---- */

static void refuse(SigConn *c, const char *code, const char *message, int close_code) {
  log_info("join_refused", "conn=%" G_GUINT64_FORMAT " code=%s", c->id, code);
  sig_send_error(c, code, message, "join");
  c->joining = FALSE;
  sig_conn_close(c, close_code, code);
}



static void request_subscriber_offer(SigPart *p) {
  SigRoom *r = p->room;
  SigCtx *x = sig_ctx_new(r->srv, r->id, p->id->participant, 0, "subscriber_offer");
  x->gen = p->sfu_generation;
  sfu_request(r->node, "subscriber_offer",
              json_pack("{s:s, s:s}", "room", r->id, "participant", p->id->participant),
              sig_on_subscriber_offer, x, sig_ctx_free);
}

static void on_part_added(SfuNode *n, json_t *reply, void *user) {
  (void)n;
  SigCtx *x = user;
  SigPart *p = sig_ctx_part(x);
  if (!p || p->sfu_generation != x->gen) return;
  SigRoom *r = p->room;
  if (!sig_reply_ok(reply)) {
    log_warn("participant_add_failed", "room=%s participant=%s code=%s", r->id,
             p->id->participant, sig_reply_code(reply));
    if (p->conn) refuse(p->conn, sig_reply_code(reply), sig_reply_message(reply), SIG_CLOSE_UNAVAILABLE);
    if (p->ready)
      sig_part_leave(p, "media_failure", FALSE);
    else
      g_hash_table_remove(r->parts, p->id->participant);
    return;
  }
  gboolean first = !p->ready;
  p->ready = TRUE;
  if (p->conn) {
    p->conn->joining = FALSE;
    SigIdentity *id = p->id;
    json_t *f = json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:{s:b, s:b, s:b, s:b, s:b}, s:b, s:{s:s, s:I, s:I},"
        " s:o, s:b, s:I}",
        "room", r->id, "participant", "id", id->participant, "name", id->name, "role", id->role,
        "grants", "publish", id->publish, "subscribe", id->subscribe, "hidden", id->hidden,
        "moderate", id->moderate, "may_record", id->may_record, "recording", r->recording,
        "visit", "type", r->policy->visit_type, "start", (json_int_t)r->policy->visit_start, "end",
        (json_int_t)r->policy->visit_end, "participants", room_participants_for(r, p),
        "reconnected", x->reconnect, "server_time", (json_int_t)time_now_unix());
    sig_send(p->conn, "joined", f);
  }
  log_info(x->reconnect ? "participant_reconnected" : "participant_joined",
           "room=%s participant=%s role=%s hidden=%d", r->id, p->id->participant, p->id->role,
           p->id->hidden);
  if (first && !x->reconnect) {
    if (!p->id->hidden) sig_broadcast(r, p, "participant_joined", json_pack("{s:o}", "participant", sig_part_public(p)));
    sig_post_event(r->srv, r->id, "participant_joined", p->id->participant,
               json_pack("{s:s, s:s, s:s, s:b, s:I}", "participant", p->id->participant, "name",
                         p->id->name, "role", p->id->role, "hidden", p->id->hidden, "joined_at",
                         (json_int_t)p->joined_at));
  }
  part_warn(p, time_now_ms());
  if (p->id->subscribe) request_subscriber_offer(p);
}

static void sfu_add_participant(SigPart *p, gboolean reconnect) {
  SigRoom *r = p->room;
  p->sfu_generation++;
  SigCtx *x = sig_ctx_new(r->srv, r->id, p->id->participant, 0, "join");
  x->gen = p->sfu_generation;
  x->reconnect = reconnect;
  sfu_request(r->node, "participant_add",
              json_pack("{s:s, s:s, s:b}", "room", r->id, "participant", p->id->participant,
                        "subscribe_all", p->id->subscribe),
              on_part_added, x, sig_ctx_free);
}

/* Gives a participant fresh SFU transports: their tracks are unpublished
 * for the others (no leave, no join), the SFU participant is removed (if it
 * still exists) and added again. */
static void renew_media(SigPart *p, gboolean remove_first) {
  SigRoom *r = p->room;
  const char *pid = p->id->participant;
  if (remove_first)
    sfu_request(r->node, "participant_remove",
                json_pack("{s:s, s:s}", "room", r->id, "participant", pid), NULL, NULL, NULL);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, NULL, &v))
    if (strcmp(((SigTrack *)v)->participant, pid) == 0) {
      sig_broadcast(r, p, "track_unpublished",
                    json_pack("{s:s, s:s}", "participant", pid, "track", ((SigTrack *)v)->id));
      g_hash_table_iter_remove(&it);
    }
  sfu_add_participant(p, TRUE);
}

void sig_part_media_reset(SigPart *p, const char *reason) {
  if (p->conn) sig_send(p->conn, "media_reset", json_pack("{s:s}", "reason", reason));
  renew_media(p, FALSE);
}

/* The policy says this call is recorded; if the SFU cannot, staff must
 * know (the participants were told it is recorded, which stays true of
 * intent; the failure is an operational alarm, logged as an error). */
static void on_record_started(SfuNode *n, json_t *reply, void *user) {
  SigCtx *x = user;
  if (sig_reply_ok(reply))
    log_info("recording_started", "room=%s node=%s", x->room, sfu_node_url(n));
  else
    log_error("recording_failed", "room=%s node=%s code=%s", x->room, sfu_node_url(n),
              sig_reply_code(reply));
}

static void on_room_created(SfuNode *n, json_t *reply, void *user) {
  (void)n;
  SigCtx *x = user;
  SigRoom *r = sig_ctx_room(x);
  if (!r) return;
  if (!sig_reply_ok(reply) && strcmp(sig_reply_code(reply), "room_exists") == 0 && !x->reconnect) {
    /* Left over from before a restart of signalling: nobody's media in it
     * can be trusted to match our state, so start it afresh (once). */
    log_warn("room_stale", "room=%s node=%s action=recreate", r->id, sfu_node_url(r->node));
    sfu_request(r->node, "room_destroy", json_pack("{s:s}", "room", r->id), NULL, NULL, NULL);
    SigCtx *again = sig_ctx_new(r->srv, r->id, NULL, 0, "join");
    again->reconnect = TRUE; /* marks the retry */
    sfu_request(r->node, "room_create",
                json_pack("{s:s, s:i, s:b}", "room", r->id, "max_participants",
                          r->srv->set.max_participants, "recordable", r->recording),
                on_room_created, again, sig_ctx_free);
    return;
  }
  if (!sig_reply_ok(reply)) {
    log_error("room_create_failed", "room=%s node=%s code=%s", r->id, sfu_node_url(r->node),
              sig_reply_code(reply));
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, r->parts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
      SigPart *p = v;
      if (p->conn) refuse(p->conn, "sfu_unavailable", "the call could not be started",
                          SIG_CLOSE_UNAVAILABLE);
    }
    sfu_node_add_rooms(r->node, -1);
    g_hash_table_remove(r->srv->rooms, r->id);
    return;
  }
  r->state = ROOM_READY;
  r->started_at = time_now_unix();
  if (r->recording)
    sfu_request(r->node, "record_start", json_pack("{s:s}", "room", r->id), on_record_started,
                sig_ctx_new(r->srv, r->id, NULL, 0, "record"), sig_ctx_free);
  sig_post_event(r->srv, r->id, "call_started", "system",
             json_pack("{s:s, s:s, s:b, s:I, s:I}", "node", sfu_node_url(r->node), "visit_type",
                       r->policy->visit_type, "recording", r->recording, "visit_start",
                       (json_int_t)r->policy->visit_start, "visit_end",
                       (json_int_t)r->policy->visit_end));
  log_info("call_started", "room=%s node=%s recording=%d", r->id, sfu_node_url(r->node),
           r->recording);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) sfu_add_participant(v, FALSE);
}

static SfuNode *pick_node(SigServer *s) {
  guint n = s->nodes->len;
  gboolean *healthy = g_new0(gboolean, n);
  int *rooms = g_new0(int, n);
  for (guint i = 0; i < n; i++) {
    healthy[i] = sfu_node_healthy(s->nodes->pdata[i]);
    rooms[i] = sfu_node_rooms(s->nodes->pdata[i]);
  }
  int i = sfu_pick_node((int)n, healthy, rooms);
  g_free(healthy);
  g_free(rooms);
  return i < 0 ? NULL : s->nodes->pdata[i];
}

/* A later joiner's token must describe the same visit as the first one's:
 * the policy of a live room never changes under it. */
static gboolean same_policy(const SigIdentity *a, const SigIdentity *b) {
  return a->visit_start == b->visit_start && a->visit_end == b->visit_end &&
         a->recording_required == b->recording_required &&
         a->monitoring_allowed == b->monitoring_allowed &&
         g_strcmp0(a->visit_type, b->visit_type) == 0;
}

void sig_handle_join(SigConn *c, json_t *msg) {
  SigServer *s = c->srv;
  static const char *const allowed[] = {"v", "type", "token", "room", NULL};
  const char *unknown = jsonu_unknown_key(msg, allowed);
  if (unknown) {
    char why[160];
    g_snprintf(why, sizeof why, "join has no field \"%.60s\"", unknown);
    refuse(c, "bad_message", why, SIG_CLOSE_PROTOCOL);
    return;
  }
  const char *token = jsonu_str(msg, "token");
  const char *room_id = jsonu_str(msg, "room");
  if (!token || !room_id) {
    refuse(c, "bad_message", "join needs string fields token and room", SIG_CLOSE_PROTOCOL);
    return;
  }
  SigJoinError je;
  SigIdentity *id = sig_join_check(&s->set.join, token, room_id, time_now_unix(), &je);
  if (!id) {
    if (strcmp(je.code, "too_early") == 0 || strcmp(je.code, "too_late") == 0) {
      log_info("join_refused", "conn=%" G_GUINT64_FORMAT " code=%s seconds=%lld", c->id, je.code,
               (long long)je.seconds);
      json_t *f = json_pack("{s:s, s:s, s:s, s:I}", "code", je.code, "message", je.message, "re",
                            "join", strcmp(je.code, "too_early") == 0 ? "opens_in_s" : "closed_s_ago",
                            (json_int_t)je.seconds);
      sig_send(c, "error", f);
      sig_conn_close(c, SIG_CLOSE_REFUSED, je.code);
    } else {
      refuse(c, je.code, je.message, SIG_CLOSE_REFUSED);
    }
    return;
  }
  const char *ended = g_hash_table_lookup(s->ended, id->room);
  SigRoom *r = g_hash_table_lookup(s->rooms, id->room);
  if (ended) {
    char why[160];
    g_snprintf(why, sizeof why, "this call has ended (%s)", ended);
    refuse(c, "call_ended", why, SIG_CLOSE_REFUSED);
    sig_identity_free(id);
    return;
  }
  if (r && g_hash_table_contains(r->removed, id->participant)) {
    refuse(c, "participant_removed", "you were removed from this call", SIG_CLOSE_REFUSED);
    sig_identity_free(id);
    return;
  }
  if (r && !same_policy(r->policy, id)) {
    refuse(c, "policy_mismatch", "this token's visit policy differs from the live call's",
           SIG_CLOSE_REFUSED);
    sig_identity_free(id);
    return;
  }
  SigPart *p = r ? g_hash_table_lookup(r->parts, id->participant) : NULL;
  c->joining = TRUE;
  if (c->join_timer) {
    g_source_remove(c->join_timer);
    c->join_timer = 0;
  }
  if (p) {
    /* The same participant again (a network change, a second tab): the new
     * connection takes over; the others see no leave and no join. */
    log_info("participant_replaced", "room=%s participant=%s", r->id, id->participant);
    if (p->conn) {
      SigConn *old = p->conn;
      old->part = NULL;
      p->conn = NULL;
      sig_send_error(old, "replaced", "you joined again from another connection", NULL);
      sig_conn_close(old, SIG_CLOSE_REPLACED, "replaced");
    }
    if (p->grace_timer) {
      g_source_remove(p->grace_timer);
      p->grace_timer = 0;
    }
    sig_identity_free(p->id);
    p->id = id;
    p->conn = c;
    c->part = p;
    p->warned_first = p->warned_second = FALSE; /* the new page has seen none */
    /* Fresh transports on the SFU for the new connection. */
    if (p->ready && r->state == ROOM_READY) renew_media(p, TRUE);
    return;
  }
  if (!r) {
    SfuNode *node = pick_node(s);
    if (!node) {
      c->joining = FALSE;
      refuse(c, "sfu_unavailable", "no media server is available; try again shortly",
             SIG_CLOSE_UNAVAILABLE);
      sig_identity_free(id);
      return;
    }
    r = g_new0(SigRoom, 1);
    r->srv = s;
    r->id = g_strdup(id->room);
    r->node = node;
    r->state = ROOM_CREATING;
    r->policy = sig_identity_copy(id);
    r->recording = id->recording_required;
    r->parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, part_free);
    r->removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r->tracks = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sig_track_free);
    g_hash_table_insert(s->rooms, r->id, r);
    sfu_node_add_rooms(node, 1);
    room_schedule(r);
    log_info("room_creating", "room=%s node=%s recordable=%d", r->id, sfu_node_url(node),
             r->recording);
    sfu_request(node, "room_create",
                json_pack("{s:s, s:i, s:b}", "room", r->id, "max_participants",
                          s->set.max_participants, "recordable", r->recording),
                on_room_created, sig_ctx_new(s, r->id, NULL, 0, "join"), sig_ctx_free);
  }
  p = g_new0(SigPart, 1);
  p->room = r;
  p->id = id;
  p->conn = c;
  p->joined_at = time_now_unix();
  c->part = p;
  g_hash_table_insert(r->parts, g_strdup(p->id->participant), p);
  if (r->state == ROOM_READY) sfu_add_participant(p, FALSE);
}
