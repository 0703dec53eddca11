/* Moderation on the wire: mute (oneself, or others with the moderate
 * grant), remove, end_call, and recording requests under the visit's policy.
 * The rules — who may, staff's mute sticking, the policy first — are the call
 * core's (sig_call_moderation.c); this parses, carries out, and tells. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_call_moderation.h"
#include "sig_moderate.h"
#include "sig_server_state.h"

static const char *valid_reason(json_t *msg, SigConn *c, const char *re) {
  const char *reason = jsonu_str(msg, "reason");
  if (sig_mod_reason(reason)) {
    sig_send_error(c, "bad_message", "a reason (1 to 500 characters) is required", re);
    return NULL;
  }
  return reason;
}

void sig_on_mute(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "participant", "track", "muted", "reason",
                                        NULL};
  if (!sig_check_fields(c, msg, "mute", allowed)) return;
  int muted = 0;
  if (jsonu_bool(msg, "muted", &muted) != 0) {
    sig_send_error(c, "bad_message", "mute needs a boolean muted", "mute");
    return;
  }
  const char *target_id = jsonu_str(msg, "participant");
  const char *track_id = jsonu_str(msg, "track");
  const char *reason = jsonu_str(msg, "reason");
  SigPart *target = target_id ? g_hash_table_lookup(r->parts, target_id) : p;
  SigMember by = sig_part_member(p), them = target ? sig_part_member(target) : by;
  bool moderating = false;
  const char *err = sig_mod_mute(&by, target == p ? &by : target ? &them : NULL,
                                 target_id != NULL, &moderating);
  if (err) {
    sig_send_error(c, err,
                   strcmp(err, "not_moderator") == 0
                       ? "only staff with the moderate grant can mute others"
                       : "no such participant in this call",
                   "mute");
    return;
  }
  if (reason && strlen(reason) > SIG_MAX_REASON) {
    sig_send_error(c, "bad_message", "reason is longer than 500 characters", "mute");
    return;
  }
  GPtrArray *hit = g_ptr_array_new();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigTrack *t = v;
    if (strcmp(t->participant, target->id->participant) != 0) continue;
    if (track_id && strcmp(track_id, t->id) != 0) continue;
    g_ptr_array_add(hit, t);
  }
  if (track_id && hit->len == 0) {
    sig_send_error(c, "unknown_track", "that participant has no such track", "mute");
    g_ptr_array_free(hit, TRUE);
    return;
  }
  /* Staff's mute sticks: the participant cannot undo it themselves. */
  gboolean any_by_moderator = FALSE;
  for (guint i = 0; i < hit->len; i++)
    if (((SigTrack *)hit->pdata[i])->muted_by_moderator) any_by_moderator = TRUE;
  if (sig_mod_unmute_own(&by, moderating, muted, any_by_moderator)) {
    sig_send_error(c, "muted_by_moderator", "staff muted this track; only staff can unmute it",
                   "mute");
    g_ptr_array_free(hit, TRUE);
    return;
  }
  for (guint i = 0; i < hit->len; i++) {
    SigTrack *t = hit->pdata[i];
    t->muted = muted;
    t->muted_by_moderator = sig_mod_sticky(moderating, muted);
    sfu_request(r->node, "track_mute",
                json_pack("{s:s, s:s, s:b}", "room", r->id, "track", t->id, "muted", muted), NULL,
                NULL, NULL);
    sig_broadcast(r, NULL, "track_muted",
                  json_pack("{s:s, s:s, s:b, s:s}", "participant", t->participant, "track", t->id,
                            "muted", muted, "by", sig_public_actor(p)));
  }
  log_info("muted", "room=%s participant=%s tracks=%u muted=%d by=%s", r->id,
           target->id->participant, hit->len, muted, p->id->participant);
  if (moderating) {
    json_t *data = json_pack("{s:s, s:b, s:s, s:i}", "participant", target->id->participant,
                             "muted", muted, "by", p->id->participant, "tracks", (int)hit->len);
    if (track_id) json_object_set_new(data, "track", json_string(track_id));
    if (reason) json_object_set_new(data, "why", json_string(reason));
    sig_post_event(r->srv, r->id, "participant_muted", p->id->participant, data);
  }
  sig_send(c, "mute_done", json_pack("{s:s, s:b, s:i}", "participant", target->id->participant,
                                     "muted", muted, "tracks", (int)hit->len));
  g_ptr_array_free(hit, TRUE);
}

void sig_on_remove(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "participant", "reason", NULL};
  if (!sig_check_fields(c, msg, "remove", allowed)) return;
  const char *target_id = jsonu_str(msg, "participant");
  SigPart *t = target_id ? g_hash_table_lookup(r->parts, target_id) : NULL;
  SigMember by = sig_part_member(p), them = t ? sig_part_member(t) : by;
  const char *err = sig_mod_remove(&by, t == p ? &by : t ? &them : NULL);
  if (err) {
    sig_send_error(c, err,
                   strcmp(err, "not_moderator") == 0
                       ? "only staff with the moderate grant can remove"
                       : "no such participant (or yourself)",
                   "remove");
    return;
  }
  const char *reason = valid_reason(msg, c, "remove");
  if (!reason) return;
  char *tid = g_strdup(t->id->participant);
  log_info("participant_removed", "room=%s participant=%s by=%s", r->id, tid, p->id->participant);
  g_hash_table_replace(r->removed, g_strdup(tid), g_strdup(reason));
  if (t->conn) {
    SigConn *tc = t->conn;
    sig_send(tc, "removed", json_pack("{s:s, s:s}", "reason", reason, "by", sig_public_actor(p)));
    sig_conn_close(tc, SIG_CLOSE_REMOVED, "removed");
  }
  sig_post_event(r->srv, r->id, "participant_removed", p->id->participant,
                 json_pack("{s:s, s:s, s:s}", "participant", tid, "by", p->id->participant, "why",
                           reason));
  sig_part_leave(t, "removed", TRUE);
  sig_send(c, "remove_done", json_pack("{s:s}", "participant", tid));
  g_free(tid);
}

void sig_on_end_call(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "reason", NULL};
  if (!sig_check_fields(c, msg, "end_call", allowed)) return;
  SigMember by = sig_part_member(p);
  if (sig_mod_end_call(&by)) {
    sig_send_error(c, "not_moderator", "only staff with the moderate grant can end the call",
                   "end_call");
    return;
  }
  const char *reason = valid_reason(msg, c, "end_call");
  if (!reason) return;
  char *why = g_strdup(reason);
  sig_room_end(p->room, "terminated_by_staff", p, why);
  g_free(why);
}

void sig_on_record(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "on", NULL};
  if (!sig_check_fields(c, msg, "record", allowed)) return;
  int on = 0;
  if (jsonu_bool(msg, "on", &on) != 0) {
    sig_send_error(c, "bad_message", "record needs a boolean on", "record");
    return;
  }
  /* Policy first: no grant and no moderator can turn on what the visit's
   * policy forbids (and the SFU room was created not recordable anyway). */
  bool audit = false;
  const char *err = sig_mod_record(r->policy->recording_required, p->id->may_record,
                                   p->id->moderate, on, &audit);
  if (audit)
    sig_post_event(r->srv, r->id, "recording_refused", p->id->participant,
                   json_pack("{s:s, s:s, s:s}", "by", p->id->participant, "role", p->id->role,
                             "reason", "policy_forbids_recording"));
  if (err) {
    static const struct {
      const char *code, *message;
    } says[] = {
        {"policy_forbids_recording", "this visit's policy forbids recording"},
        {"not_recording", "this call is not recorded"},
        {"not_permitted", "your join token does not allow recording control"},
        {"policy_requires_recording", "this visit's policy requires recording"},
    };
    const char *message = err;
    for (size_t i = 0; i < G_N_ELEMENTS(says); i++)
      if (strcmp(says[i].code, err) == 0) message = says[i].message;
    sig_send_error(c, err, message, "record");
    return;
  }
  sig_send(c, "recording", json_pack("{s:b}", "on", r->recording));
}
