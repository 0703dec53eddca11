/* Rooms and participants once admitted: their life and end — presence
 * broadcasts, the ending_soon warnings and the visit's end, leaving and the
 * reconnect grace (see sig_room.h). The rules are the call core's; the
 * times come from the server's injected clock. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_call_presence.h"
#include "sig_metrics.h"
#include "sig_part_quality.h"
#include "sig_room.h"
#include "sig_server_state.h"

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
  if (x->conn) x->conn->part = NULL;
  sig_identity_free(x->id);
  g_free(x->sub_offer);
  sig_part_quality_free(x);
  g_free(x);
}

/* How a participant is named to the others in "by" fields: hidden staff are
 * never named, only described. */
const char *sig_public_actor(SigPart *p) {
  SigMember m = sig_part_member(p);
  return sig_mod_public_actor(&m);
}

SigMember sig_part_member(const SigPart *p) {
  return (SigMember){.id = p->id->participant,
                     .ready = p->ready,
                     .hidden = p->id->hidden,
                     .moderate = p->id->moderate};
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

/* ---- visit end and warnings (the rules: sig_call_timeup.c, sig_call.c) ---- */

static gboolean room_tick_cb(gpointer data);

SigTimeup sig_room_timeup(const SigRoom *r) {
  return (SigTimeup){.visit_end = r->policy->visit_end,
                     .warn_first_s = r->srv->set.warn_first_s,
                     .warn_second_s = r->srv->set.warn_second_s};
}


/* Sends each warning whose moment has come and that this participant has
 * not had yet; a warning whose moment passed before they joined is sent at
 * once, once. */
static void send_warning(SigPart *p, const SigWarning *w) {
  sig_send(p->conn, "ending_soon",
           json_pack("{s:i, s:I, s:I}", "warning_s", w->warning_s, "seconds_left",
                     (json_int_t)w->seconds_left, "ends_at", (json_int_t)w->ends_at));
}

void sig_part_warn(SigPart *p, gint64 now_ms) {
  if (!p->ready || !p->conn) return;
  SigTimeup tu = sig_room_timeup(p->room);
  SigWarning w[2];
  int n = sig_timeup_due(&tu, &p->warned, now_ms, w);
  for (int i = 0; i < n; i++) send_warning(p, &w[i]);
}

void sig_room_free(gpointer p) {
  SigRoom *r = p;
  if (r->timer) g_source_remove(r->timer);
  g_hash_table_destroy(r->parts);
  g_hash_table_destroy(r->removed);
  g_hash_table_destroy(r->tracks);
  sig_identity_free(r->policy);
  g_free(r->moved_from);
  g_free(r->move_reason);
  if (r->rec_failures) g_ptr_array_unref(r->rec_failures);
  g_free(r->id);
  g_free(r);
}

/* Ends the call for everyone: visit_ended to each participant, the SFU room
 * destroyed, booking told. by may be NULL (the clock, or a failure). */
void sig_room_end(SigRoom *r, const char *reason, SigPart *by, const char *why) {
  SigServer *s = r->srv;
  gint64 now = sig_now_unix(s);
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
    if (p->ready) sig_part_quality_post(p);
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

/* The room's participants as the call's timer sees them (parts[i] is
 * members[i]); g_free both. */
static size_t room_members(SigRoom *r, SigPart ***parts, SigCallMember **members) {
  size_t n = g_hash_table_size(r->parts), i = 0;
  *parts = g_new(SigPart *, n + 1);
  *members = g_new0(SigCallMember, n + 1);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    (*parts)[i] = p;
    (*members)[i] = (SigCallMember){.ready = p->ready,
                                    .connected = p->conn != NULL,
                                    .away = p->away,
                                    .warned = p->warned,
                                    .away_deadline_ms = p->away_deadline_ms};
    i++;
  }
  return n;
}

static void room_arm(SigRoom *r, gint64 next_ms) {
  if (r->timer) g_source_remove(r->timer);
  gint64 delay = next_ms - sig_now_ms(r->srv);
  r->timer = g_timeout_add((guint)CLAMP(delay, 0, 60000), room_tick_cb, r);
}

/* One look of the call core at now; its actions carried out. */
static gboolean room_tick_cb(gpointer data) {
  SigRoom *r = data;
  r->timer = 0;
  gint64 now_ms = sig_now_ms(r->srv);
  SigTimeup tu = sig_room_timeup(r);
  SigPart **parts;
  SigCallMember *m;
  size_t n = room_members(r, &parts, &m);
  SigCallAction *acts = g_new(SigCallAction, SIG_CALL_MAX_ACTIONS(n));
  gint64 next = 0;
  size_t k = sig_call_look(&tu, m, n, now_ms, acts, &next);
  for (size_t i = 0; i < n; i++) parts[i]->warned = m[i].warned;
  if (k > 0 && acts[0].kind == SIG_CALL_END) {
    g_free(parts);
    g_free(m);
    g_free(acts);
    sig_room_end(r, "time_up", NULL, NULL); /* frees r */
    return G_SOURCE_REMOVE;
  }
  /* Warnings first: a leave frees its part. */
  for (size_t i = 0; i < k; i++) {
    if (acts[i].kind == SIG_CALL_WARN) send_warning(parts[acts[i].member], &acts[i].warning);
  }
  for (size_t i = 0; i < k; i++)
    if (acts[i].kind == SIG_CALL_GRACE_OVER) sig_part_leave(parts[acts[i].member], "disconnected", TRUE);
  g_free(parts);
  g_free(m);
  g_free(acts);
  room_arm(r, next);
  return G_SOURCE_REMOVE;
}

void sig_room_schedule(SigRoom *r) {
  SigTimeup tu = sig_room_timeup(r);
  SigPart **parts;
  SigCallMember *m;
  size_t n = room_members(r, &parts, &m);
  gint64 next = sig_call_next(&tu, m, n, sig_now_ms(r->srv));
  g_free(parts);
  g_free(m);
  room_arm(r, next);
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
  if (was_ready) sig_part_quality_post(p);
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
                         (json_int_t)sig_now_unix(s)));
  }
  g_free(pid);
}

/* ---- away within the reconnect grace (the rules: sig_call_presence.c) ---- */

void sig_part_disconnected(SigPart *p) {
  SigServer *s = p->room->srv;
  if (p->away) return; /* already away */
  if (sig_presence_disconnect(p->ready, s->set.reconnect_grace_s, sig_now_ms(s),
                              &p->away_deadline_ms) == SIG_AWAY_LEAVE_NOW) {
    /* Never announced: nothing to keep for a reconnect. */
    sig_part_leave(p, "disconnected", TRUE);
    return;
  }
  log_info("participant_away", "room=%s participant=%s grace_s=%d", p->room->id,
           p->id->participant, s->set.reconnect_grace_s);
  p->away = TRUE;
  sig_room_schedule(p->room); /* the room's timer ends the grace */
}

void sig_part_back(SigPart *p) {
  sig_part_quality_reconnected(p);
  p->away = FALSE;
  p->away_deadline_ms = 0;
}
