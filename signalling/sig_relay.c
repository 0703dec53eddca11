/* The relay: what a joined participant's messages ask of the SFU (SDP and
 * ICE, video limits, ICE restarts, leave; moderation is sig_moderate.c),
 * what the SFU tells us (its trickle ICE, renegotiation offers, tracks
 * coming and going, media lost), and the SFU request contexts. */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_admit.h"
#include "sig_e2ee_relay.h"
#include "sig_faces.h"
#include "sig_moderate.h"
#include "sig_part_quality.h"
#include "sig_relay.h"
#include "sig_recfail.h"
#include "sig_sightonly.h"
#include "sig_server_state.h"

#define MAX_SDP (60 * 1024)
#define MAX_VIDEO_KBPS 100000

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

/* ---- helpers ---- */

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
  /* Sight-only: an offer with audio for a participant without audio is
   * never relayed (the SFU should not have made it: sfu/core/sight_policy.h). */
  if (!p->id->audio && sig_sight_sdp_has_audio(sdp)) {
    log_error("audio_offer_withheld", "room=%s participant=%s", p->room->id, p->id->participant);
    if (p->conn)
      sig_send_error(p->conn, "audio_not_granted", "this call's sound is not for you",
                     "subscriber_offer");
    return;
  }
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

/* ---- client messages ---- */

static void on_publish_offer(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "sdp", NULL};
  if (!sig_check_fields(c, msg, "publish_offer", allowed)) return;
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
  if (!sig_check_fields(c, msg, "subscriber_answer", allowed)) return;
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
  /* Sight-only monitoring: no audio grant, no audio section accepted. */
  if (!p->id->audio && sig_sight_sdp_has_audio(sdp)) {
    log_warn("audio_refused", "room=%s participant=%s", p->room->id, p->id->participant);
    sig_send_error(c, "audio_not_granted",
                   "you may watch this call's video but not hear it: answer without audio",
                   "subscriber_answer");
    return;
  }
  relay(p, "subscriber_answer", json_pack("{s:s}", "sdp", sdp), "subscriber_answer");
}

static void on_ice(SigPart *p, json_t *msg) {
  SigConn *c = p->conn;
  static const char *const allowed[] = {"v", "type", "transport", "candidate", "sdpMid",
                                        "sdpMLineIndex", NULL};
  if (!sig_check_fields(c, msg, "ice", allowed)) return;
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
  if (!sig_check_fields(c, msg, "video_limit", allowed)) return;
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
  if (!sig_check_fields(c, msg, "ice_restart", allowed)) return;
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
  sig_part_quality_ice_restart(p);
  SigRoom *r = p->room;
  SigCtx *x = sig_ctx_new(r->srv, r->id, p->id->participant, 0, "ice_restart");
  x->gen = p->sfu_generation;
  sfu_request(r->node, "restart_ice",
              json_pack("{s:s, s:s, s:s}", "room", r->id, "participant", p->id->participant,
                        "transport", "subscriber"),
              sig_on_subscriber_offer, x, sig_ctx_free);
}

void sig_handle_joined_message(SigConn *c, const char *type, json_t *msg) {
  SigPart *p = c->part;
  if (!p) return;
  if (strcmp(type, "publish_offer") == 0) on_publish_offer(p, msg);
  else if (strcmp(type, "subscriber_answer") == 0) on_subscriber_answer(p, msg);
  else if (strcmp(type, "ice") == 0) on_ice(p, msg);
  else if (strcmp(type, "mute") == 0) sig_on_mute(p, msg);
  else if (strcmp(type, "remove") == 0) sig_on_remove(p, msg);
  else if (strcmp(type, "end_call") == 0) sig_on_end_call(p, msg);
  else if (strcmp(type, "record") == 0) sig_on_record(p, msg);
  else if (strcmp(type, "face_alert_decision") == 0) sig_faces_on_decision(p, msg);
  else if (strcmp(type, "video_limit") == 0) on_video_limit(p, msg);
  else if (strcmp(type, "ice_restart") == 0) on_ice_restart(p, msg);
  else if (strcmp(type, "e2ee") == 0) sig_on_e2ee(p, msg);
  else if (strcmp(type, "stats") == 0) sig_on_stats(p, msg);
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
    sig_recfail_on_event(s, room_id, ev); /* booking and the wall, whatever our state */
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

