/* Rooms and participants once admitted: their life and end — presence
 * broadcasts, the ending_soon warnings and the visit's end, leaving and the
 * reconnect grace — plus the helpers every part of signalling shares (SFU
 * request contexts, booking events). Admission is sig_admit.c, the media
 * relay and moderation sig_relay.c. See sig_server.h for ownership. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_metrics.h"
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

void sig_part_free(gpointer p) {
  SigPart *x = p;
  if (x->grace_timer) g_source_remove(x->grace_timer);
  if (x->conn) x->conn->part = NULL;
  sig_identity_free(x->id);
  g_free(x->sub_offer);
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

json_t *sig_room_participants_for(SigRoom *r, SigPart *self) {
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


/* Sends each warning whose moment has come and that this participant has
 * not had yet; a warning whose moment passed before they joined is sent at
 * once, once. */
void sig_part_warn(SigPart *p, gint64 now_ms) {
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
  sig_metrics_call_ended(reason);
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
  while (g_hash_table_iter_next(&it, NULL, &v)) sig_part_warn(v, now_ms);
  sig_room_schedule(r);
  return G_SOURCE_REMOVE;
}

/* Arms the timer for the next moment that matters: a warning or the end. */
void sig_room_schedule(SigRoom *r) {
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
