/* Admission and placement: a verified join becomes a participant in a
 * call — the call placed on an SFU node and its room created on the first
 * join (recordable exactly when the policy says so), each participant added
 * to the SFU, joined answered with the call's current state, a reconnect
 * taking over the same participant. What a join means is the call core's
 * (sig_call_presence.c). See sig_room.h for ownership. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_admit.h"
#include "sig_sightonly.h"
#include "sig_call_e2ee.h"
#include "sig_call_presence.h"
#include "sig_cluster.h"
#include "sig_faces.h"
#include "sig_metrics.h"
#include "sig_oneway_live.h"
#include "sig_recfail.h"
#include "sig_relay.h"
#include "sig_server_state.h"
#include "turn_rest.h"

static void refuse(SigConn *c, const char *code, const char *message, int close_code) {
  log_info("join_refused", "conn=%" G_GUINT64_FORMAT " code=%s", c->id, code);
  sig_metrics_join_refused(code);
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

/* TURN (issue 9): time-limited REST credentials for this participant, valid
 * until the visit's end plus a margin, fresh on every joined (a reconnect
 * gets new ones); the secret stays on the servers. */
static void add_ice_servers(SigRoom *r, SigPart *p, json_t *joined) {
  const SigSettings *set = &r->srv->set;
  if (!set->turn_secret || !set->turn_urls || !set->turn_urls[0]) return;
  int64_t now = sig_now_unix(r->srv);
  int64_t ttl = r->policy->visit_end + set->turn_ttl_margin_s - now;
  if (ttl < 60) ttl = 60;
  char *user = g_strdup(p->id->participant);
  g_strdelimit(user, ":", '_'); /* coturn splits expiry:user at the first ':' */
  TurnCredential tc;
  if (turn_rest_mint(set->turn_secret, strlen(set->turn_secret), user, now, ttl, &tc) == 0) {
    json_t *urls = json_array();
    for (char **u = set->turn_urls; *u; u++) json_array_append_new(urls, json_string(*u));
    json_object_set_new(joined, "ice_servers",
                        json_pack("[{s:o, s:s, s:s}]", "urls", urls, "username", tc.username,
                                  "credential", tc.credential));
    turn_rest_clear(&tc);
  }
  g_free(user);
}

static void send_joined(SigPart *p, gboolean reconnect, gboolean resumed);

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
  if (p->conn) send_joined(p, x->reconnect, FALSE);
  if (p->conn) sig_faces_monitor_joined(p);
  if (p->conn) sig_recfail_send_kept(p);
  log_info(x->reconnect ? "participant_reconnected" : "participant_joined",
           "room=%s participant=%s role=%s hidden=%d", r->id, p->id->participant, p->id->role,
           p->id->hidden);
  sig_metrics_join(x->reconnect);
  if (first && !x->reconnect) {
    if (!p->id->hidden) sig_broadcast(r, p, "participant_joined", json_pack("{s:o}", "participant", sig_part_public(p)));
    sig_post_event(r->srv, r->id, "participant_joined", p->id->participant,
               json_pack("{s:s, s:s, s:s, s:b, s:I}", "participant", p->id->participant, "name",
                         p->id->name, "role", p->id->role, "hidden", p->id->hidden, "joined_at",
                         (json_int_t)p->joined_at));
  }
  sig_part_warn(p, sig_now_ms(r->srv));
  if (p->id->subscribe) request_subscriber_offer(p);
}

/* joined, with the call's current state, to the participant's connection.
 * resumed: the connection keeps the SFU transports its predecessor had
 * (the client restarts ICE on them) instead of new ones. */
static void send_joined(SigPart *p, gboolean reconnect, gboolean resumed) {
  SigRoom *r = p->room;
  p->conn->joining = FALSE;
  p->joined_generation = p->sfu_generation;
  SigIdentity *id = p->id;
  json_t *f = json_pack(
      "{s:s, s:{s:s, s:s, s:s}, s:{s:b, s:b, s:b, s:b, s:b}, s:b, s:{s:s, s:I, s:I},"
      " s:o, s:b, s:b, s:I}",
      "room", r->id, "participant", "id", id->participant, "name", id->name, "role", id->role,
      "grants", "publish", id->publish, "subscribe", id->subscribe, "hidden", id->hidden,
      "moderate", id->moderate, "may_record", id->may_record, "recording", r->recording, "visit",
      "type", r->policy->visit_type, "start", (json_int_t)r->policy->visit_start, "end",
      (json_int_t)r->policy->visit_end, "participants", sig_room_participants_for(r, p),
      "reconnected", reconnect, "resumed", resumed, "server_time", (json_int_t)sig_now_unix(r->srv));
  add_ice_servers(r, p, f);
  json_object_set_new(f, "e2ee", json_string(id->e2ee_required || r->policy->e2ee_required
                                                 ? "required" : "off"));
  if (r->policy->one_way != SIG_ONEWAY_OFF && !id->hidden)
    json_object_set_new(f, "one_way_video", sig_part_oneway_fields(p));
  /* Several instances: where to go if this one is lost, this visit's
   * instance first (docs/contracts.md, "Several signalling instances"). */
  if (r->srv->cluster) json_object_set_new(f, "instances", sig_cluster_ranked(r->srv->cluster, r->id));
  sig_send(p->conn, "joined", f);
}

static void sfu_add_participant(SigPart *p, gboolean reconnect) {
  SigRoom *r = p->room;
  p->sfu_generation++;
  SigCtx *x = sig_ctx_new(r->srv, r->id, p->id->participant, 0, "join");
  x->gen = p->sfu_generation;
  x->reconnect = reconnect;
  /* hidden: the SFU's own sight-only rule keys on it (sfu/core/sight_policy.h). */
  json_t *params = json_pack("{s:s, s:s, s:b, s:b}", "room", r->id, "participant",
                             p->id->participant, "subscribe_all", p->id->subscribe, "hidden",
                             p->id->hidden);
  if (p->max_video_kbps)
    json_object_set_new(params, "max_video_bitrate", json_integer(p->max_video_kbps * 1000));
  /* a visitor of a social call: its lowest video layer to the analyser */
  if (sig_faces_analyse(p)) json_object_set_new(params, "analyse", json_true());
  /* One-way video: the SFU forwards no video to this participant at all. */
  if (!sig_part_receives_video(p)) json_object_set_new(params, "receive_video", json_false());
  sfu_request(r->node, "participant_add", params, on_part_added, x, sig_ctx_free);
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
  g_clear_pointer(&p->sub_offer, g_free); /* the old transport's */
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
  SigCtx *x = user;
  SigRoom *r = sig_ctx_room(x);
  if (!r || r->node != n) return; /* ended, or moved on from that node since */
  if (!sig_reply_ok(reply) && strcmp(sig_reply_code(reply), "room_exists") == 0 && !x->reconnect) {
    /* Left over from before a restart of signalling: nobody's media in it
     * can be trusted to match our state, so start it afresh (once). */
    log_warn("room_stale", "room=%s node=%s action=recreate", r->id, sfu_node_url(r->node));
    sfu_request(r->node, "room_destroy", json_pack("{s:s}", "room", r->id), NULL, NULL, NULL);
    SigCtx *again = sig_ctx_new(r->srv, r->id, NULL, 0, "join");
    again->reconnect = TRUE; /* marks the retry */
    sfu_request(r->node, "room_create",
                json_pack("{s:s, s:i, s:b, s:b}", "room", r->id, "max_participants",
                          r->srv->set.max_participants, "recordable", r->recording,
                          "audio_private", sig_sight_room_audio_private(r->policy->visit_type)),
                on_room_created, again, sig_ctx_free);
    return;
  }
  if (!sig_reply_ok(reply) && r->moved_from) {
    /* The call was live: the node it moved to failed it too. */
    log_error("call_move_failed", "room=%s from=%s to=%s code=%s", r->id, r->moved_from,
              sfu_node_url(r->node), sig_reply_code(reply));
    sig_room_end(r, "media_failure", NULL, NULL); /* frees r */
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
  if (r->recording)
    sfu_request(r->node, "record_start", json_pack("{s:s}", "room", r->id), on_record_started,
                sig_ctx_new(r->srv, r->id, NULL, 0, "record"), sig_ctx_free);
  GHashTableIter it;
  gpointer v;
  if (r->moved_from) {
    /* A live call arriving on its new node: the same call, so no
     * call_started; each participant already announced gets fresh
     * transports and joined (reconnected:true), without a join or leave. */
    log_info("call_moved", "room=%s from=%s to=%s reason=%s ms=%" G_GINT64_FORMAT, r->id,
             r->moved_from, sfu_node_url(r->node), r->move_reason,
             sig_now_ms(r->srv) - r->move_started_ms);
    sig_post_event(r->srv, r->id, "call_moved", "system",
                   json_pack("{s:s, s:s, s:s, s:b}", "from_node", r->moved_from, "to_node",
                             sfu_node_url(r->node), "reason", r->move_reason, "recording",
                             r->recording));
    g_clear_pointer(&r->moved_from, g_free);
    g_clear_pointer(&r->move_reason, g_free);
    g_hash_table_iter_init(&it, r->parts);
    while (g_hash_table_iter_next(&it, NULL, &v)) sfu_add_participant(v, ((SigPart *)v)->ready);
    return;
  }
  r->started_at = sig_now_unix(r->srv);
  sig_post_event(r->srv, r->id, "call_started", "system",
             json_pack("{s:s, s:s, s:b, s:I, s:I, s:b}", "node", sfu_node_url(r->node), "visit_type",
                       r->policy->visit_type, "recording", r->recording, "visit_start",
                       (json_int_t)r->policy->visit_start, "visit_end",
                       (json_int_t)r->policy->visit_end, "replaced_stale_room", x->reconnect));
  log_info("call_started", "room=%s node=%s recording=%d", r->id, sfu_node_url(r->node),
           r->recording);
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) sfu_add_participant(v, FALSE);
}

void sig_room_move(SigRoom *r, SfuNode *to, const char *reason) {
  SfuNode *from = r->node;
  log_warn("call_moving", "room=%s from=%s to=%s reason=%s recording=%d", r->id,
           sfu_node_url(from), sfu_node_url(to), reason, r->recording);
  /* A draining node is still up: its room ends there (a recording's
   * session is finalised, its files reported as usual). A lost node has
   * nothing left to tell. */
  if (sfu_node_healthy(from))
    sfu_request(from, "room_destroy", json_pack("{s:s}", "room", r->id), NULL, NULL, NULL);
  sfu_node_add_rooms(from, -1);
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, r->parts);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigPart *p = v;
    if (p->conn && p->ready) sig_send(p->conn, "media_reset", json_pack("{s:s}", "reason", reason));
    g_clear_pointer(&p->sub_offer, g_free); /* the old node's */
    p->sfu_generation++; /* replies still due from the old node are stale */
  }
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigTrack *t = v;
    sig_broadcast(r, g_hash_table_lookup(r->parts, t->participant), "track_unpublished",
                  json_pack("{s:s, s:s}", "participant", t->participant, "track", t->id));
    g_hash_table_iter_remove(&it);
  }
  g_free(r->moved_from);
  g_free(r->move_reason);
  r->moved_from = g_strdup(sfu_node_url(from));
  r->move_reason = g_strdup(reason);
  r->move_started_ms = sig_now_ms(r->srv);
  r->node = to;
  r->state = ROOM_CREATING;
  sfu_node_add_rooms(to, 1);
  sfu_request(to, "room_create",
              json_pack("{s:s, s:i, s:b, s:b}", "room", r->id, "max_participants",
                        r->srv->set.max_participants, "recordable", r->recording,
                        "audio_private", sig_sight_room_audio_private(r->policy->visit_type)),
              on_room_created, sig_ctx_new(r->srv, r->id, NULL, 0, "move"), sig_ctx_free);
}

/* A later joiner's token must describe the same visit as the first one's:
 * the policy of a live room never changes under it. */
static gboolean same_policy(const SigIdentity *a, const SigIdentity *b) {
  return a->visit_start == b->visit_start && a->visit_end == b->visit_end &&
         a->recording_required == b->recording_required &&
         a->monitoring_allowed == b->monitoring_allowed &&
         a->monitoring_video_only == b->monitoring_video_only &&
         g_strcmp0(a->visit_type, b->visit_type) == 0;
}

void sig_handle_join(SigConn *c, json_t *msg) {
  SigServer *s = c->srv;
  static const char *const allowed[] = {"v", "type", "token", "room", "resume", "e2ee", NULL};
  const char *unknown = jsonu_unknown_key(msg, allowed);
  if (unknown) {
    char why[160];
    g_snprintf(why, sizeof why, "join has no field \"%.60s\"", unknown);
    refuse(c, "bad_message", why, SIG_CLOSE_PROTOCOL);
    return;
  }
  int resume = 0;
  if (json_object_get(msg, "resume") && jsonu_bool(msg, "resume", &resume) != 0) {
    refuse(c, "bad_message", "join's resume must be true or false", SIG_CLOSE_PROTOCOL);
    return;
  }
  int e2ee = 0;
  if (json_object_get(msg, "e2ee") && jsonu_bool(msg, "e2ee", &e2ee) != 0) {
    refuse(c, "bad_message", "join's e2ee must be true or false", SIG_CLOSE_PROTOCOL);
    return;
  }
  const char *token = jsonu_str(msg, "token");
  const char *room_id = jsonu_str(msg, "room");
  if (!token || !room_id) {
    refuse(c, "bad_message", "join needs string fields token and room", SIG_CLOSE_PROTOCOL);
    return;
  }
  SigJoinError je;
  SigIdentity *id = sig_join_check(&s->set.join, token, room_id, sig_now_unix(s), &je);
  if (!id) {
    if (strcmp(je.code, "too_early") == 0 || strcmp(je.code, "too_late") == 0) {
      log_info("join_refused", "conn=%" G_GUINT64_FORMAT " code=%s seconds=%lld", c->id, je.code,
               (long long)je.seconds);
      sig_metrics_join_refused(je.code);
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
  /* End-to-end encrypted calls (sig_call_e2ee.h): a client that does not
   * say it encrypts is refused, never let in to send media in the clear. */
  id->e2ee_announced = e2ee;
  const char *e2ee_refusal = sig_e2ee_join_refusal(id->e2ee_required, id->e2ee_announced);
  if (e2ee_refusal) {
    refuse(c, e2ee_refusal,
           "this call is end-to-end encrypted and this browser did not say it can encrypt",
           SIG_CLOSE_REFUSED);
    sig_identity_free(id);
    return;
  }
  /* A participant this instance already holds (away within the grace, or
   * resuming) is not asked about again: booking's decision feed covers
   * them, and they keep the live call's terms. Anyone else is a first
   * join: booking is asked first (fail closed), unless admission = off —
   * also for a call that ended or a person removed here, so the refusal
   * carries booking's code and words (the ended and removed tables still
   * refuse whatever booking admits, e.g. a call a moderator ended). */
  SigRoom *held_room = g_hash_table_lookup(s->rooms, id->room);
  SigPart *held = held_room ? g_hash_table_lookup(held_room->parts, id->participant) : NULL;
  /* Several instances: a visit whose call is not live here may belong to
   * another instance (sig_call_pin.h); the client is sent there, before
   * booking is asked anything. */
  if (s->cluster && !held_room) {
    const char *url = NULL;
    SigPinKind where = sig_cluster_where(s->cluster, id->room, &url);
    if (where != SIG_PIN_HERE) {
      gboolean there = where == SIG_PIN_THERE;
      log_info(there ? "join_redirected" : "join_deferred", "conn=%" G_GUINT64_FORMAT " room=%s to=%s",
               c->id, id->room, url);
      json_t *f = json_pack("{s:s, s:s, s:s}", "code", there ? "wrong_instance" : "instance_starting",
                            "message",
                            there ? "this visit is served by another signalling instance"
                                  : "this signalling instance is starting; try again shortly",
                            "re", "join");
      if (there) json_object_set_new(f, "signal_url", json_string(url));
      else json_object_set_new(f, "retry_after", json_integer(1));
      sig_send(c, "error", f);
      c->joining = FALSE;
      sig_conn_close(c, there ? SIG_CLOSE_REDIRECT : SIG_CLOSE_UNAVAILABLE,
                     there ? "wrong_instance" : "instance_starting");
      sig_identity_free(id);
      return;
    }
  }
  if (s->booking) {
    if (!held) {
      sig_admission_start(c, id, resume);
      return;
    }
    sig_admit_effective_room(id, held_room->policy);
  }
  sig_join_place(c, id, resume);
}

void sig_join_place(SigConn *c, SigIdentity *id, int resume) {
  SigServer *s = c->srv;
  const char *ended = g_hash_table_lookup(s->ended, id->room);
  SigRoom *r = g_hash_table_lookup(s->rooms, id->room);
  SigPart *p = r ? g_hash_table_lookup(r->parts, id->participant) : NULL;
  SigJoinFacts facts = {
      .call_ended = ended != NULL,
      .room_live = r != NULL,
      .removed = r && g_hash_table_contains(r->removed, id->participant),
      .same_policy = !r || same_policy(r->policy, id),
      .held = p != NULL,
      .held_ready = p && p->ready,
      .room_ready = r && r->state == ROOM_READY,
      .resume = resume,
      .generation_current = p && p->joined_generation == p->sfu_generation,
  };
  SigJoinKind kind = sig_presence_join(&facts);
  switch (kind) {
    case SIG_JOIN_REFUSE_ENDED: {
      char why[160];
      g_snprintf(why, sizeof why, "this call has ended (%s)", ended);
      refuse(c, "call_ended", why, SIG_CLOSE_REFUSED);
      sig_identity_free(id);
      return;
    }
    case SIG_JOIN_REFUSE_REMOVED:
      refuse(c, "participant_removed", "you were removed from this call", SIG_CLOSE_REFUSED);
      sig_identity_free(id);
      return;
    case SIG_JOIN_REFUSE_POLICY:
      refuse(c, "policy_mismatch", "this token's visit policy differs from the live call's",
             SIG_CLOSE_REFUSED);
      sig_identity_free(id);
      return;
    default:
      break;
  }
  c->joining = TRUE;
  if (c->join_timer) {
    g_source_remove(c->join_timer);
    c->join_timer = 0;
  }
  if (sig_presence_is_rejoin(kind)) {
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
    sig_part_back(p);
    sig_identity_free(p->id);
    p->id = id;
    p->conn = c;
    c->part = p;
    p->warned = (SigWarned){0}; /* the new page has seen none */
    if (kind == SIG_JOIN_RESUME) {
      /* The client kept its peer connections (a network change): it
       * restarts ICE on the same SFU transports, so the others see
       * nothing at all, not even its tracks going. An offer the SFU
       * made while it was away is still waiting for its answer. */
      log_info("participant_resumed", "room=%s participant=%s", r->id, id->participant);
      send_joined(p, TRUE, TRUE);
      sig_recfail_send_kept(p);
      sig_part_warn(p, sig_now_ms(r->srv));
      sig_resend_subscriber_offer(p);
    } else if (kind == SIG_JOIN_RENEW) {
      /* Fresh transports on the SFU for the new connection. */
      renew_media(p, TRUE);
    }
    /* SIG_JOIN_TAKE_OVER: the SFU add in flight answers the new connection. */
    return;
  }
  if (kind == SIG_JOIN_NEW_CALL) {
    SfuNode *node = sig_server_pick_node(s, NULL);
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
    r->parts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sig_part_free);
    r->removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    r->tracks = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sig_track_free);
    g_hash_table_insert(s->rooms, r->id, r);
    sfu_node_add_rooms(node, 1);
    sig_room_schedule(r);
    log_info("room_creating", "room=%s node=%s recordable=%d", r->id, sfu_node_url(node),
             r->recording);
    /* A room of this visit on another node is an orphan (left by a lost
     * signalling instance, or by this one before a restart, or by a move
     * whose old node came back): nobody's media in it matches our state. */
    for (guint i = 0; i < s->nodes->len; i++) {
      SfuNode *other = s->nodes->pdata[i];
      if (other != node && sfu_node_healthy(other))
        sfu_request(other, "room_destroy", json_pack("{s:s}", "room", r->id), NULL, NULL, NULL);
    }
    sfu_request(node, "room_create",
                json_pack("{s:s, s:i, s:b, s:b}", "room", r->id, "max_participants",
                          s->set.max_participants, "recordable", r->recording,
                          "audio_private", sig_sight_room_audio_private(r->policy->visit_type)),
                on_room_created, sig_ctx_new(s, r->id, NULL, 0, "join"), sig_ctx_free);
  }
  p = g_new0(SigPart, 1);
  p->room = r;
  p->id = id;
  p->conn = c;
  p->joined_at = sig_now_unix(s);
  c->part = p;
  g_hash_table_insert(r->parts, g_strdup(p->id->participant), p);
  if (r->state == ROOM_READY) sfu_add_participant(p, FALSE);
}
