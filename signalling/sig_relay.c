/* What a joined participant may do (relay SDP and ICE to the SFU, mute,
 * moderate, recording requests, leave), what the SFU tells us (its trickle
 * ICE, renegotiation offers, tracks coming and going), and the server's
 * life cycle. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_call_moderation.h"
#include "sig_server.h"

#define MAX_SDP (60 * 1024)
#define MAX_VIDEO_KBPS 100000

/* ---- helpers ---- */

static gboolean check_fields(SigConn *c, json_t *msg, const char *type,
                             const char *const *allowed) {
  const char *k = jsonu_unknown_key(msg, allowed);
  if (!k) return TRUE;
  char why[160];
  g_snprintf(why, sizeof why, "%s has no field \"%.60s\"", type, k);
  sig_send_error(c, "bad_message", why, type);
  return FALSE;
}

static void forward_reply(SfuNode *n, json_t *reply, void *user) {
  (void)n;
  SigCtx *x = user;
  SigPart *p = sig_ctx_part(x);
  if (!p || p->sfu_generation != x->gen) return;
  /* The SFU took the answer: nothing to offer again on a resume, even if
   * the connection that sent it has gone since. */
  if (sig_reply_ok(reply) && strcmp(x->re, "subscriber_answer") == 0)
    g_clear_pointer(&p->sub_offer, g_free);
  if (!p->conn) return;
  if (!sig_reply_ok(reply)) {
    sig_send_error(p->conn, sig_reply_code(reply), sig_reply_message(reply), x->re);
    return;
  }
  if (strcmp(x->re, "publish_offer") == 0) {
    const char *sdp = jsonu_str(reply, "sdp");
    if (sdp) sig_send(p->conn, "publish_answer", json_pack("{s:s}", "sdp", sdp));
  }
}

/* Every subscriber offer of the SFU goes through here: remembered until
 * answered, sent if the participant is connected. */
static void deliver_subscriber_offer(SigPart *p, const char *sdp) {
  g_free(p->sub_offer);
  p->sub_offer = g_strdup(sdp);
  if (p->conn) sig_send(p->conn, "subscriber_offer", json_pack("{s:s}", "sdp", sdp));
}

void sig_resend_subscriber_offer(SigPart *p) {
  if (p->sub_offer && p->conn)
    sig_send(p->conn, "subscriber_offer", json_pack("{s:s}", "sdp", p->sub_offer));
}

void sig_on_subscriber_offer(SfuNode *n, json_t *reply, void *user) {
  (void)n;
  SigCtx *x = user;
  SigPart *p = sig_ctx_part(x);
  if (!p || p->sfu_generation != x->gen) return;
  if (!sig_reply_ok(reply)) {
    if (p->conn) sig_send_error(p->conn, sig_reply_code(reply), sig_reply_message(reply), x->re);
    return;
  }
  const char *sdp = jsonu_str(reply, "sdp");
  if (sdp) deliver_subscriber_offer(p, sdp);
}

static void relay(SigPart *p, const char *sfu_type, json_t *params, const char *re) {
  SigRoom *r = p->room;
  json_object_set_new(params, "room", json_string(r->id));
  json_object_set_new(params, "participant", json_string(p->id->participant));
  SigCtx *x = sig_ctx_new(r->srv, r->id, p->id->participant, 0, re);
  x->gen = p->sfu_generation;
  sfu_request(r->node, sfu_type, params, forward_reply, x, sig_ctx_free);
}

static const char *valid_reason(json_t *msg, SigConn *c, const char *re) {
  const char *reason = jsonu_str(msg, "reason");
  if (sig_mod_reason(reason)) {
    sig_send_error(c, "bad_message", "a reason (1 to 500 characters) is required", re);
    return NULL;
  }
  return reason;
}

/* ---- client messages ---- */

static void on_publish_offer(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "sdp", NULL};
  if (!check_fields(c, msg, "publish_offer", allowed)) return;
  if (!p->id->publish) {
    sig_send_error(c, "publish_not_granted", "your join token does not allow publishing",
                   "publish_offer");
    return;
  }
  const char *sdp = jsonu_str(msg, "sdp");
  if (!sdp || !*sdp || strlen(sdp) > MAX_SDP) {
    sig_send_error(c, "bad_message", "publish_offer needs an sdp string", "publish_offer");
    return;
  }
  relay(p, "publish_offer", json_pack("{s:s}", "sdp", sdp), "publish_offer");
}

static void on_subscriber_answer(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "sdp", NULL};
  if (!check_fields(c, msg, "subscriber_answer", allowed)) return;
  if (!p->id->subscribe) {
    sig_send_error(c, "subscribe_not_granted", "your join token does not allow subscribing",
                   "subscriber_answer");
    return;
  }
  const char *sdp = jsonu_str(msg, "sdp");
  if (!sdp || !*sdp || strlen(sdp) > MAX_SDP) {
    sig_send_error(c, "bad_message", "subscriber_answer needs an sdp string", "subscriber_answer");
    return;
  }
  relay(p, "subscriber_answer", json_pack("{s:s}", "sdp", sdp), "subscriber_answer");
}

static void on_ice(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "transport", "candidate", "sdpMid",
                                        "sdpMLineIndex", NULL};
  if (!check_fields(c, msg, "ice", allowed)) return;
  const char *transport = jsonu_str(msg, "transport");
  const char *cand = jsonu_str(msg, "candidate");
  long long mline = 0;
  json_t *mid = json_object_get(msg, "sdpMid");
  gboolean has_mline = jsonu_int(msg, "sdpMLineIndex", &mline) == 0;
  if (!transport || (strcmp(transport, "publisher") != 0 && strcmp(transport, "subscriber") != 0) ||
      !cand || strlen(cand) > 1024 || (mid && !json_is_string(mid) && !json_is_null(mid)) ||
      (json_object_get(msg, "sdpMLineIndex") && !has_mline) || mline < 0 || mline > 255) {
    sig_send_error(c, "bad_message",
                   "ice needs transport (publisher|subscriber), candidate, sdpMid, sdpMLineIndex",
                   "ice");
    return;
  }
  if (strcmp(transport, "publisher") == 0 ? !p->id->publish : !p->id->subscribe) {
    sig_send_error(c, strcmp(transport, "publisher") == 0 ? "publish_not_granted"
                                                          : "subscribe_not_granted",
                   "your join token does not allow this transport", "ice");
    return;
  }
  json_t *params = json_pack("{s:s, s:s}", "transport", transport, "candidate", cand);
  json_object_set(params, "sdpMid", mid ? mid : json_null());
  if (has_mline) json_object_set_new(params, "sdpMLineIndex", json_integer(mline));
  relay(p, "ice_candidate", params, "ice");
}

/* The most video the client wants per received track (a monitoring wall
 * tile: low; the call being watched: no limit). The SFU caps what the
 * publishers are asked to send (docs/sfu-control.md, Video bit rate limits). */
static void on_video_limit(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "max_kbps", NULL};
  if (!check_fields(c, msg, "video_limit", allowed)) return;
  long long kbps = -1;
  if (jsonu_int(msg, "max_kbps", &kbps) != 0 || kbps < 0 || kbps > MAX_VIDEO_KBPS) {
    sig_send_error(c, "bad_message", "video_limit needs max_kbps, an integer 0..100000 (0: none)",
                   "video_limit");
    return;
  }
  if (!p->id->subscribe) {
    sig_send_error(c, "subscribe_not_granted", "your join token does not allow subscribing",
                   "video_limit");
    return;
  }
  p->max_video_kbps = kbps;
  relay(p, "participant_update", json_pack("{s:I}", "max_video_bitrate", (json_int_t)kbps * 1000),
        "video_limit");
}

/* ICE restart of the subscriber connection (the client's network changed):
 * the SFU renews its credentials and offers again; the offer goes to the
 * client as subscriber_offer. The publisher connection restarts by itself
 * (publish_offer with new ice-ufrag/ice-pwd). */
static void on_ice_restart(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "transport", NULL};
  if (!check_fields(c, msg, "ice_restart", allowed)) return;
  const char *transport = jsonu_str(msg, "transport");
  if (!transport || strcmp(transport, "subscriber") != 0) {
    sig_send_error(c, "bad_message",
                   "ice_restart needs transport \"subscriber\" (restart the publisher with a new "
                   "publish_offer)",
                   "ice_restart");
    return;
  }
  if (!p->id->subscribe) {
    sig_send_error(c, "subscribe_not_granted", "your join token does not allow subscribing",
                   "ice_restart");
    return;
  }
  SigRoom *r = p->room;
  SigCtx *x = sig_ctx_new(r->srv, r->id, p->id->participant, 0, "ice_restart");
  x->gen = p->sfu_generation;
  sfu_request(r->node, "restart_ice",
              json_pack("{s:s, s:s, s:s}", "room", r->id, "participant", p->id->participant,
                        "transport", "subscriber"),
              sig_on_subscriber_offer, x, sig_ctx_free);
}

static void on_mute(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "participant", "track", "muted", "reason",
                                        NULL};
  if (!check_fields(c, msg, "mute", allowed)) return;
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

static void on_remove(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "participant", "reason", NULL};
  if (!check_fields(c, msg, "remove", allowed)) return;
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

static void on_end_call(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "reason", NULL};
  if (!check_fields(c, msg, "end_call", allowed)) return;
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

static void on_record(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  SigRoom *r = p->room;
  static const char *const allowed[] = {"v", "type", "on", NULL};
  if (!check_fields(c, msg, "record", allowed)) return;
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

void sig_handle_joined_message(SigConn *c, const char *type, json_t *msg) {
  SigPart *p = c->part;
  if (!p) return;
  if (strcmp(type, "publish_offer") == 0) on_publish_offer(p, msg);
  else if (strcmp(type, "subscriber_answer") == 0) on_subscriber_answer(p, msg);
  else if (strcmp(type, "ice") == 0) on_ice(p, msg);
  else if (strcmp(type, "mute") == 0) on_mute(p, msg);
  else if (strcmp(type, "remove") == 0) on_remove(p, msg);
  else if (strcmp(type, "end_call") == 0) on_end_call(p, msg);
  else if (strcmp(type, "record") == 0) on_record(p, msg);
  else if (strcmp(type, "video_limit") == 0) on_video_limit(p, msg);
  else if (strcmp(type, "ice_restart") == 0) on_ice_restart(p, msg);
  else if (strcmp(type, "leave") == 0) {
    c->part = NULL;
    p->conn = NULL;
    sig_send(c, "left", NULL);
    sig_conn_close(c, 1000, "left");
    sig_part_leave(p, "left", TRUE);
  }
}

/* ---- SFU events ---- */

void sig_on_sfu_event(SfuNode *node, json_t *ev, void *user) {
  SigServer *s = user;
  const char *name = jsonu_str(ev, "event");
  const char *room_id = jsonu_str(ev, "room");
  const char *pid = jsonu_str(ev, "participant");
  if (!name || !room_id) return;
  /* Recording files are finalised as a call ends, after its room is gone
   * here: report them whatever our state. */
  if (strcmp(name, "recording_file") == 0) {
    json_t *data = json_deep_copy(ev);
    json_object_del(data, "type");
    json_object_del(data, "event");
    json_object_del(data, "room");
    log_info("recording_file", "room=%s node=%s", room_id, sfu_node_url(node));
    sig_post_event(s, room_id, "recording_file", "system", data);
    return;
  }
  if (strcmp(name, "recording_failed") == 0) {
    char q[256];
    log_error("recording_failed", "room=%s error=%s", room_id,
              log_quote(q, sizeof q, jsonu_str(ev, "error") ? jsonu_str(ev, "error") : "-"));
    return;
  }
  SigRoom *r = g_hash_table_lookup(s->rooms, room_id);
  if (!r || r->node != node) return;
  SigPart *p = pid ? g_hash_table_lookup(r->parts, pid) : NULL;
  if (strcmp(name, "ice_candidate") == 0 && p && p->conn) {
    json_t *f = json_object();
    static const char *const keys[] = {"transport", "candidate", "sdpMid", "sdpMLineIndex", NULL};
    for (const char *const *k = keys; *k; k++) {
      json_t *v = json_object_get(ev, *k);
      if (v) json_object_set(f, *k, v);
    }
    sig_send(p->conn, "ice", f);
  } else if (strcmp(name, "subscriber_offer") == 0 && p) {
    const char *sdp = jsonu_str(ev, "sdp");
    if (sdp) deliver_subscriber_offer(p, sdp);
  } else if (strcmp(name, "speaking") == 0 && p && p->ready && !p->id->hidden) {
    /* Active speaker (issue 9): the SFU smooths the RFC 6464 levels. */
    json_t *sp = json_object_get(ev, "speaking");
    if (json_is_boolean(sp))
      sig_broadcast(r, NULL, "speaking",
                    json_pack("{s:s, s:b}", "participant", pid, "speaking", json_is_true(sp)));
  } else if (strcmp(name, "active_speaker") == 0) {
    if (!pid || (p && p->ready && !p->id->hidden))
      sig_broadcast(r, NULL, "active_speaker",
                    json_pack("{s:o}", "participant", pid ? json_string(pid) : json_null()));
  } else if (strcmp(name, "track_published") == 0 && p && !p->id->hidden) {
    json_t *t = json_object_get(ev, "track");
    const char *tid = jsonu_str(t, "id"), *kind = jsonu_str(t, "kind");
    if (!tid || !kind || g_hash_table_contains(r->tracks, tid)) return;
    SigTrack *tr = g_new0(SigTrack, 1);
    tr->id = g_strdup(tid);
    tr->participant = g_strdup(pid);
    tr->kind = g_strdup(kind);
    g_hash_table_insert(r->tracks, tr->id, tr);
    sig_broadcast(r, p, "track_published",
                  json_pack("{s:s, s:{s:s, s:s, s:b}}", "participant", pid, "track", "id", tid,
                            "kind", kind, "muted", 0));
  } else if (strcmp(name, "track_unpublished") == 0) {
    json_t *t = json_object_get(ev, "track");
    const char *tid = json_is_string(t) ? json_string_value(t) : jsonu_str(t, "id");
    SigTrack *tr = tid ? g_hash_table_lookup(r->tracks, tid) : NULL;
    if (!tr) return;
    sig_broadcast(r, NULL, "track_unpublished",
                  json_pack("{s:s, s:s}", "participant", tr->participant, "track", tr->id));
    g_hash_table_remove(r->tracks, tid);
  } else if (strcmp(name, "participant_disconnected") == 0 && p && p->ready) {
    /* The SFU dropped the participant's media (ICE consent lost, DTLS
     * failure) and freed it. If they are still connected to us, give them
     * fresh transports and tell them to set up their peer connections again;
     * the others see only tracks going and coming. Removals we asked for
     * (reason "removed") are already handled. */
    const char *reason = jsonu_str(ev, "reason");
    if (reason && (strcmp(reason, "removed") == 0 || strcmp(reason, "room_destroyed") == 0)) return;
    log_warn("media_lost", "room=%s participant=%s reason=%s", r->id, pid, reason ? reason : "-");
    sig_part_media_reset(p, reason ? reason : "media_failed");
  } else {
    log_debug("sfu_event", "event=%s room=%s participant=%s", name, room_id, pid ? pid : "-");
  }
}

/* A node whose control connection dropped has lost its rooms (the SFU
 * keeps no state across a restart): those calls end now, clearly, rather
 * than hang with dead media. */
void sig_on_sfu_state(SfuNode *node, int up, void *user) {
  SigServer *s = user;
  if (up) return;
  GList *ids = NULL;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->rooms);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((SigRoom *)v)->node == node) ids = g_list_prepend(ids, g_strdup(k));
  for (GList *l = ids; l; l = l->next) {
    SigRoom *r = g_hash_table_lookup(s->rooms, l->data);
    if (r) sig_room_end(r, "media_failure", NULL, NULL);
  }
  g_list_free_full(ids, g_free);
}

/* ---- server ---- */

SigServer *sig_server_new(const SigSettings *set, char **node_urls, const char *sfu_secret,
                          SigEvents *events) {
  SigServer *s = g_new0(SigServer, 1);
  s->set = *set;
  s->events = events;
  s->clock = sig_clock_real();
  s->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sig_room_free);
  s->ended = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->conns = g_hash_table_new(g_int64_hash, g_int64_equal);
  s->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)sfu_node_free);
  for (int i = 0; node_urls && node_urls[i]; i++)
    g_ptr_array_add(s->nodes, sfu_node_new(node_urls[i], sfu_secret, i, sig_on_sfu_event,
                                           sig_on_sfu_state, s));
  return s;
}

void sig_server_set_clock(SigServer *s, SigClock clock) { s->clock = clock; }
gint64 sig_now_ms(const SigServer *s) { return sig_clock_ms(&s->clock); }
gint64 sig_now_unix(const SigServer *s) { return sig_clock_unix(&s->clock); }

void sig_server_free(SigServer *s) {
  if (!s) return;
  g_hash_table_destroy(s->rooms);
  g_hash_table_destroy(s->ended);
  g_hash_table_destroy(s->conns);
  g_ptr_array_free(s->nodes, TRUE);
  g_free(s);
}
