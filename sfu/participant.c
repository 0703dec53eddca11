/* participant: a participant's two transports and their negotiation.
 * Publisher: the client offers, we answer, each accepted media section is a
 * track. Subscriber: we offer one section per track the participant
 * receives, renegotiate when that set changes (one offer outstanding at a
 * time), and start forwarding a section once its answer is in and the
 * transport is connected. */
#include <string.h>

#include "ids.h"
#include "core/media_gate.h"
#include "core/sight_policy.h"
#include "log.h"
#include "publisher_feedback.h"
#include "room_internal.h"
#include "sdp_write.h"
#include "sfu_bus.h"
#include "srtp_session.h"

#define MAX_TRACKS_PER_PUBLISHER 8
#define MAX_SLOTS 256

/* Payload types on subscriber connections: one table for every section so
 * BUNDLE never sees one PT for two codecs, whatever each publisher used. */
static uint8_t sub_pt(CodecId c, int rtx) {
  switch (c) {
  case CODEC_OPUS: return 111;
  case CODEC_VP8: return rtx ? 97 : 96;
  case CODEC_VP9: return rtx ? 99 : 98;
  case CODEC_H264: return rtx ? 103 : 102;
  default: return rtx ? 101 : 100;
  }
}

/* The slot's engine side is freed with the engine's peer. */
static void slot_free(gpointer d) {
  SubSlot *s = d;
  g_free(s->mid);
  g_free(s->track_id);
  g_free(s->stream_id);
  g_free(s->codec.fmtp);
  g_free(s);
}

/* ---- transport callbacks ---- */

static const char *tr_name(Participant *p, PeerTransport *t) {
  return t == p->pub_tr ? "publisher" : "subscriber";
}

/* What the engine reads of a slot's negotiated values: its own copy. */
static void subslot_tell(SubSlot *s) {
  EngineSlotDesc d = {
      .kind = s->kind,
      .track_id = s->track_id,
      .pt = s->codec.pt,
      .clock_rate = s->codec.clock_rate,
      .rtx_pt = s->rtx_pt,
      .ssrc = s->ssrc,
      .rtx_ssrc = s->rtx_ssrc,
      .active = s->active != 0,
      .rtx_ok = s->rtx_ok != 0,
      .ext_abs = s->ext_abs,
      .ext_level = s->ext_level,
      .ext_twcc = s->ext_twcc,
      .answer_max_bps = s->answer_max_bps,
  };
  engine_slot_set_desc(s->engine, &d);
}

void participant_tell_settings(Participant *p) {
  EnginePeerSettings st = {
      .receive_video = p->receive_video != 0,
      .hidden = p->hidden != 0,
      .analyse = p->analyse != 0,
      .max_video_bps = p->max_video_bps,
  };
  engine_peer_set_settings(p->engine, &st);
}

int participant_may_receive(const Participant *p, const PubTrack *t) {
  MediaGateKind k = t->kind == SDP_KIND_AUDIO   ? MEDIA_GATE_AUDIO
                    : t->kind == SDP_KIND_VIDEO ? MEDIA_GATE_VIDEO
                                                : MEDIA_GATE_OTHER;
  return media_gate_allows(p->receive_video != 0, k);
}

PubTrack *room_track(Room *r, const char *id) {
  for (guint i = 0; id && i < r->tracks->len; i++) {
    PubTrack *t = r->tracks->pdata[i];
    if (strcmp(t->id, id) == 0) return t;
  }
  return NULL;
}

static void on_state(PeerTransport *t, PeerTransportState st, const char *reason, void *user) {
  Participant *p = user;
  Room *r = p->room;
  const char *which = tr_name(p, t);
  log_info("transport_state", "room=%s participant=%s transport=%s state=%s%s%s", r->name, p->id,
           which, peer_transport_state_name(st), reason ? " reason=" : "", reason ? reason : "");
  room_emit(r, "transport_state",
            json_pack("{s:s, s:s, s:s}", "participant", p->id, "transport", which, "state",
                      peer_transport_state_name(st)));
  engine_peer_set_connected(p->engine, t == p->pub_tr ? ENGINE_LEG_PUBLISHER : ENGINE_LEG_SUBSCRIBER,
                            st == PT_STATE_CONNECTED, g_get_monotonic_time());
  if (st == PT_STATE_CONNECTED) {
    if (!p->connected_emitted) {
      p->connected_emitted = 1;
      room_emit(r, "participant_connected", json_pack("{s:s}", "participant", p->id));
    }
    if (t == p->sub_tr) participant_activate_slots(p, g_get_monotonic_time());
  } else if (st == PT_STATE_FAILED) {
    participant_remove_later(p, reason ? reason : "ice_failed");
  } else if (st == PT_STATE_CLOSED) {
    participant_remove_later(p, "closed");
  }
}

/* The pump's half of the seam (core/engine.h): decrypted packets in, with
 * the time they were read; the engine's packets out to the leg's transport,
 * which protects them in place. */
_Static_assert(SRTP_SESSION_TRAILER <= ENGINE_PACKET_TAILROOM,
               "the engine's buffers must have room for the SRTP trailer");

static EngineLeg leg_of(Participant *p, PeerTransport *t) {
  return t == p->pub_tr ? ENGINE_LEG_PUBLISHER : ENGINE_LEG_SUBSCRIBER;
}

static void on_rtp(PeerTransport *t, uint8_t *buf, size_t len, void *user) {
  Participant *p = user;
  engine_input(p->engine, leg_of(p, t), ENGINE_PACKET_RTP, buf, len, g_get_monotonic_time());
}

static void on_rtcp(PeerTransport *t, uint8_t *buf, size_t len, void *user) {
  Participant *p = user;
  engine_input(p->engine, leg_of(p, t), ENGINE_PACKET_RTCP, buf, len, g_get_monotonic_time());
}

static int pump_send(void *io, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len) {
  Participant *p = io;
  PeerTransport *t = leg == ENGINE_LEG_PUBLISHER ? p->pub_tr : p->sub_tr;
  if (!t) return -1;
  return kind == ENGINE_PACKET_RTP ? peer_transport_send_rtp(t, buf, len)
                                   : peer_transport_send_rtcp(t, buf, len);
}

static void on_candidate(PeerTransport *t, const char *cand, void *user) {
  Participant *p = user;
  room_emit(p->room, "ice_candidate",
            json_pack("{s:s, s:s, s:s, s:s, s:i}", "participant", p->id, "transport",
                      tr_name(p, t), "candidate", cand, "sdpMid", "0", "sdpMLineIndex", 0));
}

static PeerTransport *make_transport(Participant *p, int controlling, char *err, size_t errsize) {
  PeerTransportConfig cfg = {
      .addresses = (const char *const *)p->room->env->ice_addresses,
      .port_min = p->room->env->port_min,
      .port_max = p->room->env->port_max,
      .dtls = p->room->env->dtls,
      .controlling = controlling,
  };
  PeerTransportCallbacks cb = {on_state, on_rtp, on_rtcp, on_candidate};
  return peer_transport_new(p->room->ctx, &cfg, &cb, p, err, errsize);
}

/* ---- life cycle ---- */

Participant *participant_new(Room *r, const char *id, int subscribe_all) {
  Participant *p = g_new0(Participant, 1);
  p->room = r;
  p->id = g_strdup(id);
  p->subscribe_all = subscribe_all;
  p->receive_video = 1;
  p->wanted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  p->unwanted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  p->slots = g_ptr_array_new_with_free_func(slot_free);
  /* our RTCP SSRC and the first transport-wide seq toward the subscriber:
   * random */
  uint32_t rtcp_ssrc = ids_random_u32();
  p->engine = engine_peer_join(r->engine, id, rtcp_ssrc, (uint16_t)ids_random_u32(), p);
  p->cname = ids_random_hex(8);
  p->sdp_session_id = ((guint64)ids_random_u32() << 20) ^ ids_random_u32();
  engine_peer_set_output(p->engine, pump_send, p);
  return p;
}

GPtrArray *participant_tracks(Participant *p) {
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; i < p->room->tracks->len; i++) {
    PubTrack *t = p->room->tracks->pdata[i];
    if (t->pub == p) g_ptr_array_add(out, t);
  }
  return out;
}

static void pub_track_free(PubTrack *t) {
  g_free(t->codec.fmtp);
  g_free(t->id);
  g_free(t->mid);
  g_free(t);
}

/* A track of the publisher's offer: ours, and the engine's copy. */
static PubTrack *pub_track_new(Participant *p, const SdpMediaInfo *mi) {
  PubTrack *t = g_new0(PubTrack, 1);
  t->room = p->room;
  t->pub = p;
  t->id = g_strdup_printf("%s:%s", p->id, mi->mid);
  t->mid = g_strdup(mi->mid);
  t->kind = mi->kind;
  t->codec = mi->codec;
  t->codec.fmtp = g_strdup(mi->codec.fmtp);
  t->codec_id = codec_from_name(mi->codec.name);
  t->n_layers = mi->n_rids > 1 ? mi->n_rids : 1;
  if (t->n_layers > ENGINE_MAX_LAYERS) t->n_layers = ENGINE_MAX_LAYERS;
  for (unsigned l = 0; l < t->n_layers && mi->n_rids; l++)
    g_strlcpy(t->rids[l], mi->rids[l], sizeof t->rids[l]);
  t->rec_handle = -1;
  EngineTrackDesc d = {
      .id = t->id,
      .mid = t->mid,
      .kind = t->kind,
      .codec = t->codec,
      .codec_id = t->codec_id,
      .ext = mi->ext,
      .n_layers = t->n_layers,
      .ssrc = mi->ssrc,
      .rtx_ssrc = mi->rtx_ssrc,
  };
  memcpy(d.rids, t->rids, sizeof d.rids);
  t->engine = engine_track_new(p->engine, &d, t);
  if (!t->engine) {
    pub_track_free(t);
    return NULL;
  }
  g_ptr_array_add(p->room->tracks, t);
  return t;
}

static void renegotiate(Participant *p);

/* The track goes away: every subscriber's slot turns inactive (their
 * router subscriptions go with the track), then it is removed. */
static void unpublish_track(PubTrack *t) {
  Room *r = t->room;
  GPtrArray *touched = g_ptr_array_new();
  for (guint i = 0; i < r->order->len; i++) {
    Participant *q = r->order->pdata[i];
    for (guint k = 0; k < q->slots->len; k++) {
      SubSlot *s = q->slots->pdata[k];
      if (!s->track_id || strcmp(s->track_id, t->id) != 0) continue;
      engine_slot_stop(s->engine, false); /* its subscription goes with the track */
      s->active = 0;
      g_free(s->track_id);
      s->track_id = NULL;
      subslot_tell(s);
      g_ptr_array_add(touched, q);
    }
  }
  room_emit(r, "track_unpublished",
            json_pack("{s:s, s:{s:s, s:s, s:s}}", "participant", t->pub->id, "track", "id", t->id,
                      "kind", sdp_kind_name(t->kind), "mid", t->mid));
  log_info("track_unpublished", "room=%s track=%s", r->name, t->id);
  engine_track_remove(t->engine);
  g_ptr_array_remove(r->tracks, t);
  pub_track_free(t);
  for (guint i = 0; i < touched->len; i++) renegotiate(touched->pdata[i]);
  g_ptr_array_free(touched, TRUE);
}

void participant_remove(Participant *p, const char *reason) {
  Room *r = p->room;
  if (p->remove_source) {
    /* The source is attached to the room's worker context, and source ids
     * are per context: g_source_remove() would look the id up in the
     * default (main-thread) context and miss it, or destroy an unrelated
     * source there that happens to share the id (heap corruption seen by
     * the benchmark when peers timed out). */
    GSource *s = g_main_context_find_source_by_id(r->ctx, p->remove_source);
    if (s) g_source_destroy(s);
    p->remove_source = 0;
  }
  /* Out of the room first so nobody renegotiates toward it. */
  g_hash_table_remove(r->participants, p->id);
  g_ptr_array_remove(r->order, p);
  room_record_participant_end(r, p);
  GPtrArray *mine = participant_tracks(p);
  for (guint i = 0; i < mine->len; i++) unpublish_track(mine->pdata[i]);
  g_ptr_array_free(mine, TRUE);
  peer_transport_free(p->pub_tr);
  peer_transport_free(p->sub_tr);
  room_emit(r, "participant_disconnected",
            json_pack("{s:s, s:s}", "participant", p->id, "reason", reason));
  log_info("participant_removed", "room=%s participant=%s reason=%s", r->name, p->id, reason);
  g_ptr_array_free(p->slots, TRUE);
  engine_peer_leave(p->engine); /* its subscriptions and slots in the engine */
  g_hash_table_destroy(p->wanted);
  g_hash_table_destroy(p->unwanted);
  g_free(p->cname);
  g_free(p->remove_reason);
  g_free(p->id);
  g_free(p);
}

static gboolean remove_now(gpointer data) {
  Participant *p = data;
  p->remove_source = 0;
  char *reason = p->remove_reason;
  p->remove_reason = NULL;
  participant_remove(p, reason);
  g_free(reason);
  return G_SOURCE_REMOVE;
}

void participant_remove_later(Participant *p, const char *reason) {
  if (p->remove_source) return;
  p->remove_reason = g_strdup(reason);
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, remove_now, p, NULL);
  p->remove_source = g_source_attach(s, p->room->ctx);
  g_source_unref(s);
}

/* ---- local description helpers ---- */

static SdpLocal local_of(Participant *p, PeerTransport *t, const char *setup, guint64 version) {
  SdpLocal l = {
      .ufrag = peer_transport_ufrag(t),
      .pwd = peer_transport_pwd(t),
      .fingerprint = dtls_context_fingerprint(p->room->env->dtls),
      .setup = setup,
      .candidates = peer_transport_local_candidates(t),
      .session_id = p->sdp_session_id,
      .session_version = version,
  };
  return l;
}

/* ---- publisher ---- */

json_t *participant_publish_offer(Participant *p, const char *sdp) {
  char err[256];
  SdpRemote *o = sdp_remote_parse(sdp, 1, err, sizeof err);
  if (!o) return sfu_error("bad_sdp", "sdp", "%s", err);
  int n = (int)o->media->len;
  int *accepted = g_new0(int, n ? n : 1);
  int n_acc = 0;
  for (int i = 0; i < n; i++) {
    SdpMediaInfo *mi = o->media->pdata[i];
    accepted[i] = mi->port != 0 && mi->usable && mi->sends && mi->kind != SDP_KIND_OTHER &&
                  n_acc < MAX_TRACKS_PER_PUBLISHER;
    for (int k = 0; k < i && accepted[i]; k++)
      if (accepted[k] && g_strcmp0(((SdpMediaInfo *)o->media->pdata[k])->mid, mi->mid) == 0) {
        g_free(accepted);
        sdp_remote_free(o);
        return sfu_error("bad_sdp", "sdp", "mid %s appears twice", mi->mid);
      }
    n_acc += accepted[i];
  }
  int created = 0;
  if (!p->pub_tr) {
    p->pub_tr = make_transport(p, 0, err, sizeof err);
    if (!p->pub_tr) {
      g_free(accepted);
      sdp_remote_free(o);
      return sfu_error("internal", NULL, "%s", err);
    }
    created = 1;
  }
  int dtls_server = g_strcmp0(o->setup, "passive") != 0;
  /* New ice-ufrag/ice-pwd in a re-offer: the client restarts ICE (its
   * network changed). We answer with new credentials of our own; DTLS,
   * SRTP and the tracks carry on. */
  if (!created && o->ufrag && peer_transport_remote_changed(p->pub_tr, o->ufrag, o->pwd)) {
    if (peer_transport_restart_ice(p->pub_tr, err, sizeof err) != 0) {
      g_free(accepted);
      sdp_remote_free(o);
      return sfu_error("internal", NULL, "%s", err);
    }
    log_info("ice_restart", "room=%s participant=%s transport=publisher", p->room->name, p->id);
  }
  if (o->ufrag &&
      peer_transport_set_remote(p->pub_tr, o->ufrag, o->pwd, o->fingerprint, dtls_server, err,
                                sizeof err) != 0) {
    if (created) {
      peer_transport_free(p->pub_tr);
      p->pub_tr = NULL;
      engine_peer_set_connected(p->engine, ENGINE_LEG_PUBLISHER, 0, g_get_monotonic_time());
    }
    g_free(accepted);
    sdp_remote_free(o);
    return sfu_error("bad_sdp", "sdp", "%s", err);
  }
  /* Tracks: keep those still offered, add new ones, drop the rest. */
  int tracks_changed = 0;
  GPtrArray *mine = participant_tracks(p);
  for (guint k = 0; k < mine->len; k++) {
    PubTrack *t = mine->pdata[k];
    int still = 0;
    for (int i = 0; i < n; i++)
      if (accepted[i] && g_strcmp0(((SdpMediaInfo *)o->media->pdata[i])->mid, t->mid) == 0)
        still = 1;
    if (!still) {
      unpublish_track(t);
      tracks_changed = 1;
    }
  }
  g_ptr_array_free(mine, TRUE);
  int added = 0;
  for (int i = 0; i < n; i++) {
    if (!accepted[i]) continue;
    SdpMediaInfo *mi = o->media->pdata[i];
    char *id = g_strdup_printf("%s:%s", p->id, mi->mid);
    PubTrack *t = room_track(p->room, id);
    g_free(id);
    if (t) continue;
    if (pub_track_new(p, mi)) added++;
  }
  for (guint i = 0; i < o->candidates->len; i++)
    peer_transport_add_remote_candidate(p->pub_tr, o->candidates->pdata[i], err, sizeof err);
  if (o->end_of_candidates) peer_transport_remote_candidates_done(p->pub_tr);
  publisher_feedback_negotiated(p, o, accepted);
  SdpLocal l = local_of(p, p->pub_tr, dtls_server ? "passive" : "active", ++p->pub_version);
  l.no_publisher_twcc = !publisher_feedback_twcc_enabled(p->room);
  char *answer = sdp_write_publisher_answer(o, &l, accepted);
  g_strfreev(l.candidates);
  g_free(accepted);
  sdp_remote_free(o);
  if (added || tracks_changed) room_record_participant(p->room, p);
  if (added) {
    Room *r = p->room;
    for (guint i = 0; i < r->order->len; i++)
      if (r->order->pdata[i] != p) participant_sync_subscriptions(r->order->pdata[i]);
  }
  json_t *res = sfu_result(json_pack("{s:s}", "sdp", answer));
  g_free(answer);
  return res;
}

/* ---- subscriber ---- */

int participant_wants(const Participant *p, const PubTrack *t) {
  if (t->pub == p) return 0;
  if (!participant_may_receive(p, t)) return 0; /* one-way video: not even when asked */
  if (!sight_policy_may_forward(p->hidden, p->room->audio_private, t->kind == SDP_KIND_AUDIO))
    return 0; /* never negotiated: a legal call's audio is not for a monitor */
  if (g_hash_table_contains(p->wanted, t->id)) return 1;
  return p->subscribe_all && !g_hash_table_contains(p->unwanted, t->id);
}

static SubSlot *slot_for(Participant *p, const char *track_id) {
  for (guint i = 0; i < p->slots->len; i++) {
    SubSlot *s = p->slots->pdata[i];
    if (s->track_id && strcmp(s->track_id, track_id) == 0) return s;
  }
  return NULL;
}

static bool add_slot_if_wanted(Participant *p, PubTrack *t) {
  if (!participant_wants(p, t) || slot_for(p, t->id) || p->slots->len >= MAX_SLOTS) return false;
  SubSlot *s = g_new0(SubSlot, 1);
  s->engine = engine_slot_new(p->engine);
  s->owner = p;
  s->mid = g_strdup_printf("%d", p->next_mid++);
  s->kind = t->kind;
  s->track_id = g_strdup(t->id);
  s->stream_id = g_strdup(t->pub->id);
  s->codec = t->codec;
  s->codec.fmtp = g_strdup(t->codec.fmtp);
  s->codec.pt = sub_pt(t->codec_id, 0);
  s->rtx_pt = t->kind == SDP_KIND_VIDEO ? sub_pt(t->codec_id, 1) : 0;
  s->ssrc = ids_random_u32();
  s->rtx_ssrc = ids_random_u32();
  s->active = 1;
  subslot_tell(s);
  g_ptr_array_add(p->slots, s);
  return true;
}

void participant_sync_subscriptions(Participant *p) {
  Room *r = p->room;
  int changed = 0;
  for (guint i = 0; i < p->slots->len; i++) {
    SubSlot *s = p->slots->pdata[i];
    if (!s->active) continue;
    PubTrack *t = room_track(r, s->track_id);
    if (t && participant_wants(p, t)) continue;
    engine_slot_stop(s->engine, true);
    s->active = 0;
    g_free(s->track_id);
    s->track_id = NULL;
    subslot_tell(s);
    changed = 1;
  }
  for (guint i = 0; i < r->tracks->len; i++)
    changed |= add_slot_if_wanted(p, r->tracks->pdata[i]);
  if (changed) renegotiate(p);
}

static char *build_offer(Participant *p) {
  guint n = p->slots->len;
  SdpOfferSection *sec = g_new0(SdpOfferSection, n ? n : 1);
  for (guint i = 0; i < n; i++) {
    SubSlot *s = p->slots->pdata[i];
    s->offered = 1;
    sec[i] = (SdpOfferSection){
        .mid = s->mid,
        .kind = s->kind,
        .active = s->active,
        .codec = &s->codec,
        .rtx_pt = s->rtx_pt,
        .ssrc = s->ssrc,
        .rtx_ssrc = s->rtx_ssrc,
        .stream_id = s->stream_id,
        .track_id = s->track_id ? s->track_id : s->mid,
        .cname = p->cname,
    };
  }
  SdpLocal l = local_of(p, p->sub_tr, "actpass", ++p->sub_version);
  char *text = sdp_write_subscriber_offer(sec, n, &l);
  g_strfreev(l.candidates);
  g_free(sec);
  p->offer_outstanding = (int)n + 1; /* sections offered, plus one */
  return text;
}

static void renegotiate(Participant *p) {
  if (!p->sub_tr) return; /* the first offer will carry everything */
  if (p->offer_outstanding) {
    p->renegotiate_needed = 1;
    return;
  }
  char *offer = build_offer(p);
  room_emit(p->room, "subscriber_offer",
            json_pack("{s:s, s:s}", "participant", p->id, "sdp", offer));
  g_free(offer);
}

json_t *participant_subscriber_offer(Participant *p) {
  if (p->offer_outstanding)
    return sfu_error("wrong_state", NULL, "a subscriber offer is already waiting for its answer");
  if (!p->sub_tr) {
    char err[256];
    p->sub_tr = make_transport(p, 1, err, sizeof err);
    if (!p->sub_tr) return sfu_error("internal", NULL, "%s", err);
  }
  p->renegotiate_needed = 0;
  char *offer = build_offer(p);
  json_t *res = sfu_result(json_pack("{s:s}", "sdp", offer));
  g_free(offer);
  return res;
}

json_t *participant_restart_ice(Participant *p, const char *transport) {
  if (strcmp(transport, "subscriber") != 0)
    return sfu_error("bad_request", "transport",
                     "the client restarts its publisher connection itself (publish_offer with "
                     "new ice-ufrag/ice-pwd)");
  if (!p->sub_tr)
    return sfu_error("wrong_state", "transport", "the subscriber transport does not exist yet");
  if (p->offer_outstanding)
    return sfu_error("wrong_state", NULL, "a subscriber offer is already waiting for its answer");
  char err[128];
  if (peer_transport_restart_ice(p->sub_tr, err, sizeof err) != 0)
    return sfu_error("internal", NULL, "%s", err);
  log_info("ice_restart", "room=%s participant=%s transport=subscriber", p->room->name, p->id);
  p->renegotiate_needed = 0;
  char *offer = build_offer(p);
  json_t *res = sfu_result(json_pack("{s:s}", "sdp", offer));
  g_free(offer);
  return res;
}

json_t *participant_subscriber_answer(Participant *p, const char *sdp) {
  if (!p->offer_outstanding || !p->sub_tr)
    return sfu_error("wrong_state", NULL, "no subscriber offer is waiting for an answer");
  char err[256];
  SdpRemote *a = sdp_remote_parse(sdp, 0, err, sizeof err);
  if (!a) return sfu_error("bad_sdp", "sdp", "%s", err);
  guint offered = (guint)p->offer_outstanding - 1;
  if (a->media->len != offered) {
    sdp_remote_free(a);
    return sfu_error("bad_sdp", "sdp", "the answer has %u media sections, the offer had %u",
                     a->media->len, offered);
  }
  for (guint i = 0; i < offered; i++) {
    SdpMediaInfo *mi = a->media->pdata[i];
    SubSlot *s = p->slots->pdata[i];
    if (mi->port != 0 && g_strcmp0(mi->mid, s->mid) != 0) {
      sdp_remote_free(a);
      return sfu_error("bad_sdp", "sdp", "media section %u has mid %s, the offer said %s", i,
                       mi->mid ? mi->mid : "(none)", s->mid);
    }
  }
  if (a->ufrag) {
    int dtls_server = g_strcmp0(a->setup, "active") == 0;
    if (peer_transport_set_remote(p->sub_tr, a->ufrag, a->pwd, a->fingerprint, dtls_server, err,
                                  sizeof err) != 0) {
      sdp_remote_free(a);
      return sfu_error("bad_sdp", "sdp", "%s", err);
    }
  }
  for (guint i = 0; i < offered; i++) {
    SdpMediaInfo *mi = a->media->pdata[i];
    SubSlot *s = p->slots->pdata[i];
    s->negotiated = s->active && mi->port != 0 && mi->receives && mi->usable;
    s->rtx_ok = s->rtx_pt && mi->codec.rtx_pt == s->rtx_pt;
    s->ext_abs = mi->ext.abs_send_time == SFU_EXT_ABS_SEND_TIME ? SFU_EXT_ABS_SEND_TIME : 0;
    s->ext_level = mi->ext.audio_level == SFU_EXT_AUDIO_LEVEL ? SFU_EXT_AUDIO_LEVEL : 0;
    s->ext_twcc = mi->ext.twcc == SFU_EXT_TWCC ? SFU_EXT_TWCC : 0;
    s->fb_twcc = s->ext_twcc && mi->codec.fb_twcc;
    s->answer_max_bps = s->kind == SDP_KIND_VIDEO ? mi->max_bitrate_bps : 0;
    subslot_tell(s);
  }
  /* Our estimate drives the layer choice when a negotiated video section
   * gets transport-cc feedback (else the subscriber's REMB does). */
  bool bwe_on = false;
  for (guint i = 0; i < offered; i++) {
    SubSlot *s = p->slots->pdata[i];
    if (s->negotiated && s->kind == SDP_KIND_VIDEO && s->fb_twcc) bwe_on = true;
  }
  engine_peer_set_subscriber_twcc(p->engine, bwe_on);
  for (guint i = 0; i < a->candidates->len; i++)
    peer_transport_add_remote_candidate(p->sub_tr, a->candidates->pdata[i], err, sizeof err);
  if (a->end_of_candidates) peer_transport_remote_candidates_done(p->sub_tr);
  sdp_remote_free(a);
  p->offer_outstanding = 0;
  participant_activate_slots(p, g_get_monotonic_time());
  if (p->renegotiate_needed) {
    p->renegotiate_needed = 0;
    renegotiate(p);
  }
  return sfu_result(NULL);
}

void participant_activate_slots(Participant *p, int64_t now) {
  /* the pump says when (engine_peer_set_connected) */
  if (!engine_peer_connected(p->engine, ENGINE_LEG_SUBSCRIBER)) return;
  Room *r = p->room;
  for (guint i = 0; i < p->slots->len; i++) {
    SubSlot *s = p->slots->pdata[i];
    if (!s->negotiated || !s->active || engine_slot_started(s->engine)) continue;
    PubTrack *t = room_track(r, s->track_id);
    if (!t) continue;
    /* Where its numbering starts: random (RFC 3550 sec. 5.1). */
    uint16_t seq = (uint16_t)ids_random_u32();
    uint32_t ts = ids_random_u32();
    engine_slot_activate(s->engine, t->engine, seq, ts, (uint16_t)ids_random_u32(), now);
  }
}

json_t *participant_ice_candidate(Participant *p, const char *transport, const char *cand) {
  PeerTransport *t = strcmp(transport, "publisher") == 0 ? p->pub_tr : p->sub_tr;
  if (!t)
    return sfu_error("wrong_state", "transport", "the %s transport does not exist yet", transport);
  if (!cand || !*cand) {
    peer_transport_remote_candidates_done(t);
    return sfu_result(NULL);
  }
  char err[128];
  if (peer_transport_add_remote_candidate(t, cand, err, sizeof err) != 0)
    return sfu_error("bad_candidate", "candidate", "%s", err);
  return sfu_result(NULL);
}

/* ---- stats ---- */

static json_t *transport_json(PeerTransport *t) {
  const PeerTransportStats *s = peer_transport_stats(t);
  json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "state",
                        peer_transport_state_name(peer_transport_state(t)), "srtp_profile",
                        peer_transport_srtp_profile(t), "packets_in", (json_int_t)s->packets_in,
                        "bytes_in", (json_int_t)s->bytes_in, "rtcp_in", (json_int_t)s->rtcp_in,
                        "packets_out", (json_int_t)s->packets_out, "bytes_out",
                        (json_int_t)s->bytes_out, "rtcp_out", (json_int_t)s->rtcp_out,
                        "undecryptable", (json_int_t)s->undecryptable);
  json_object_set_new(j, "local_port", json_integer(peer_transport_local_port(t)));
  /* The peer's media from an address it never checked, and the times the
   * path moved to another of its addresses (docs/media.md, fast path). */
  json_object_set_new(j, "dropped_unchecked_address", json_integer((json_int_t)s->dropped_unchecked));
  json_object_set_new(j, "path_switches_nominated",
                      json_integer((json_int_t)(s->fast_switches - s->fast_follows)));
  json_object_set_new(j, "path_switches_followed", json_integer((json_int_t)s->fast_follows));
  return j;
}

json_t *participant_stats_json(Participant *p) {
  int64_t now = g_get_monotonic_time();
  EnginePeerStats ps;
  engine_peer_stats(p->engine, &ps);
  json_t *j = json_pack("{s:s, s:I, s:I, s:s}", "participant", p->id, "max_video_bitrate",
                        (json_int_t)p->max_video_bps, "subscriber_estimate_bps",
                        (json_int_t)ps.estimate_bps, "subscriber_estimate_source",
                        ps.estimate_from_bwe ? "transport-cc" : "remb");
  json_object_set_new(j, "receive_video", json_boolean(p->receive_video));
  if (ps.has_bwe)
    json_object_set_new(
        j, "bwe",
        json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "transport_cc",
                  ps.transport_cc, "estimate_bps", (json_int_t)ps.bwe_estimate_bps, "acked_bps",
                  (json_int_t)ps.acked_bps, "remb_bps", (json_int_t)ps.remb_bps, "feedbacks",
                  (json_int_t)ps.feedbacks, "bad_feedbacks", (json_int_t)ps.bad_feedbacks,
                  "packets_stamped", (json_int_t)ps.packets_stamped, "packets_lost",
                  (json_int_t)ps.packets_lost, "probes_ok", (json_int_t)ps.probes_ok,
                  "probes_failed", (json_int_t)ps.probes_failed, "padding_bytes",
                  (json_int_t)ps.padding_bytes, "rtt_ms", (json_int_t)(ps.rtt_us / 1000)));
  if (ps.has_bwe)
    json_object_set_new(json_object_get(j, "bwe"), "heavy_loss_caps",
                        json_integer((json_int_t)ps.heavy_loss_caps));
  /* Packets of (or for) this participant the engine did not use, by reason. */
  json_object_set_new(j, "drops", engine_drops_json(engine_peer_drops(p->engine)));
  /* What the publisher is told: transport-cc feedback counts here, the
   * REMB per track (remb_bps: the last one sent). */
  if (p->pub_tr) json_object_set_new(j, "publisher_feedback", publisher_feedback_stats_json(p));
  if (p->pub_tr) json_object_set_new(j, "publisher", transport_json(p->pub_tr));
  if (p->sub_tr) json_object_set_new(j, "subscriber", transport_json(p->sub_tr));
  json_t *tracks = json_array();
  GPtrArray *mine = participant_tracks(p);
  for (guint i = 0; i < mine->len; i++) {
    PubTrack *t = mine->pdata[i];
    EngineTrackStats ts;
    engine_track_stats(t->engine, now, &ts);
    json_t *layers = json_array();
    for (unsigned l = 0; l < t->n_layers && t->n_layers > 1; l++)
      json_array_append_new(
          layers, json_pack("{s:s, s:I, s:I, s:I}", "rid", t->rids[l], "ssrc",
                            (json_int_t)ts.layers[l].ssrc, "packets",
                            (json_int_t)ts.layers[l].packets, "bps", (json_int_t)ts.layers[l].bps));
    json_t *tj =
        json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id",
                  t->id, "kind", sdp_kind_name(t->kind), "mid", t->mid, "codec", t->codec.name,
                  "muted", ts.muted, "packets", (json_int_t)ts.packets, "bytes",
                  (json_int_t)ts.bytes, "lost", (json_int_t)ts.lost, "nacks_sent",
                  (json_int_t)ts.nacks_sent, "nack_recovered", (json_int_t)ts.nack_recovered,
                  "rtx_received", (json_int_t)ts.rtx_received, "keyframe_requests",
                  (json_int_t)ts.keyframe_requests, "subscribers", (json_int_t)ts.subscribers,
                  "remb_bps", (json_int_t)ts.remb_bps);
    if (t->kind == SDP_KIND_VIDEO) json_object_set_new(tj, "rembs_sent", json_integer((json_int_t)ts.rembs_sent));
    if (t->n_layers > 1 && ts.rembs_sent)
      json_object_set_new(tj, "remb_highest_layer", json_integer(ts.remb_highest));
    if (t->n_layers > 1)
      json_object_set_new(tj, "layers", layers);
    else
      json_decref(layers);
    json_array_append_new(tracks, tj);
  }
  g_ptr_array_free(mine, TRUE);
  json_object_set_new(j, "tracks", tracks);
  json_t *subs = json_array();
  for (guint i = 0; i < p->slots->len; i++) {
    SubSlot *s = p->slots->pdata[i];
    EngineSlotStats ss;
    engine_slot_stats(s->engine, &ss);
    json_t *sj =
        json_pack("{s:s, s:o, s:s, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I}", "mid", s->mid,
                  "track", s->track_id ? json_string(s->track_id) : json_null(), "kind",
                  sdp_kind_name(s->kind), "active", s->active, "negotiated", s->negotiated,
                  "forwarding", ss.forwarding, "packets", (json_int_t)ss.packets, "bytes",
                  (json_int_t)ss.bytes, "nacks_received", (json_int_t)ss.nacks_received,
                  "retransmitted", (json_int_t)ss.retransmitted, "plis_received",
                  (json_int_t)ss.plis_received);
    if (s->kind == SDP_KIND_VIDEO)
      json_object_set_new(sj, "max_bitrate", json_integer((json_int_t)ss.max_bitrate));
    if (s->kind == SDP_KIND_VIDEO && (ss.paused || ss.pauses)) {
      json_object_set_new(sj, "paused", json_boolean(ss.paused));
      json_object_set_new(sj, "pauses", json_integer((json_int_t)ss.pauses));
    }
    if (ss.simulcast) {
      json_object_set_new(sj, "layer", json_integer(ss.layer));
      json_object_set_new(sj, "target_layer", json_integer(ss.target_layer));
    }
    json_array_append_new(subs, sj);
  }
  json_object_set_new(j, "subscriptions", subs);
  return j;
}
