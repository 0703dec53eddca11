/* engine_track: a published track's life in the engine (its NACK buffers
 * and generators, keyframe throttles, speaker key, router track), keyframe
 * requests toward its publisher, and staff mute. */
#include <string.h>

#include "codec_keyframe.h"
#include "rtcp.h"
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"

#define NACK_BUFFER_SLOTS 1024
#define NACK_BUFFER_AGE_US 1000000
#define REMB_START_BPS 1000000

EngineTrack *engine_track_new(EnginePeer *p, const EngineTrackDesc *d, void *user) {
  EngineRoom *r = p->room;
  EngineTrack *t = g_new0(EngineTrack, 1);
  t->e = g_new0(struct EngineTrackState, 1);
  t->room = r;
  t->pub = p;
  t->user = user;
  t->id = g_strdup(d->id);
  t->mid = g_strdup(d->mid);
  t->kind = d->kind;
  t->codec = d->codec;
  t->codec.fmtp = NULL; /* the pump's */
  t->codec_id = d->codec_id;
  t->ext = d->ext;
  t->n_layers = d->n_layers ? d->n_layers : 1;
  layer_rate_init(&t->e->meter);
  if (t->n_layers > ROUTER_MAX_LAYERS) t->n_layers = ROUTER_MAX_LAYERS;
  for (unsigned l = 0; l < t->n_layers && t->n_layers > 1; l++)
    g_strlcpy(t->rids[l], d->rids[l], sizeof t->rids[l]);
  /* About 1 s of packets: video at a few Mbit/s, audio at 50 packets/s. */
  for (unsigned l = 0; l < t->n_layers; l++) {
    t->e->nack_buf[l] = nack_buffer_new(t->kind == SDP_KIND_VIDEO ? NACK_BUFFER_SLOTS : 64, MAX_PKT,
                                     NACK_BUFFER_AGE_US);
    t->e->nack_gen[l] = nack_generator_new(NULL);
  }
  for (unsigned l = 0; l < ROUTER_MAX_LAYERS; l++) keyframe_throttle_init(&t->e->kt[l], 0);
  t->e->remb_bps = t->kind == SDP_KIND_VIDEO ? REMB_START_BPS : 0;
  t->e->remb_sent_bps = t->e->remb_bps;
  RouterTrackSpec spec = {
      .id = t->id,
      .publisher = p->id,
      .mid = t->mid,
      .kind = t->kind == SDP_KIND_VIDEO ? ROUTER_KIND_VIDEO : ROUTER_KIND_AUDIO,
      .codec = t->codec_id,
      .clock_rate = t->codec.clock_rate,
      .payload_type = t->codec.pt,
      .n_layers = t->n_layers,
      /* RID simulcast: SSRCs are learned from the RID extension. */
      .ssrcs = {t->n_layers > 1 ? 0 : d->ssrc},
      .rtx_ssrcs = {t->n_layers > 1 || !d->codec.rtx_pt ? 0 : d->rtx_ssrc},
      .user_data = t,
      .user_destroy = engine_track_free,
  };
  if (t->kind == SDP_KIND_AUDIO && t->ext.audio_level) {
    uint32_t key = ++r->e->next_speaker_key;
    if (key == 0) key = ++r->e->next_speaker_key;
    if (speaker_detector_add(&r->e->speakers, key)) t->e->speaker_key = key;
  }
  RouterStatus st = router_add_track(r->router, &spec, &t->e->rt);
  if (st == ROUTER_ERR_SSRC_IN_USE) {
    /* Announced SSRCs clash with another publisher's: learn them from the
     * packets instead. */
    spec.ssrcs[0] = spec.rtx_ssrcs[0] = 0;
    st = router_add_track(r->router, &spec, &t->e->rt);
  }
  if (st != ROUTER_OK) {
    engine_log(r, ENGINE_LOG_WARN, "track_refused", "room=%s track=%s status=%s", r->name, t->id, router_status_str(st));
    engine_track_free(t);
    return NULL;
  }
  engine_log(r, ENGINE_LOG_INFO, "track_published", "room=%s track=%s kind=%s codec=%s pt=%u ssrc=%u layers=%u",
           r->name, t->id, sdp_kind_name(t->kind), t->codec.name, t->codec.pt, d->ssrc,
           t->n_layers);
  engine_emit(r, &(EngineEvent){.kind = ENGINE_EVENT_TRACK_PUBLISHED, .participant = p->id,
                                .track = t->id, .media_kind = sdp_kind_name(t->kind),
                                .mid = t->mid, .codec = t->codec.name});
  return t;
}

void engine_track_remove(EngineTrack *t) {
  char *id = g_strdup(t->id);
  router_remove_track(t->room->router, id); /* frees t (engine_track_free) */
  g_free(id);
}

void engine_track_free(gpointer data) {
  EngineTrack *t = data;
  if (!t) return;
  if (t->e->speaker_key) speaker_detector_remove(&t->room->e->speakers, t->e->speaker_key);
  for (unsigned l = 0; l < ROUTER_MAX_LAYERS; l++) {
    nack_buffer_free(t->e->nack_buf[l]);
    nack_generator_free(t->e->nack_gen[l]);
  }
  g_free(t->e);
  g_free(t->id);
  g_free(t->mid);
  g_free(t);
}

EngineTrack *engine_room_track(EngineRoom *r, const char *id) {
  RouterTrack *rt = id ? router_track_by_id(r->router, id) : NULL;
  return rt ? rt->user_data : NULL;
}

/* ---- keyframes ---- */

/* One PLI per layer in `mask` (bit l: layer l) in one compound packet.
 * Simulcast layers are separate encoders: a subscriber needs a keyframe of
 * the layer it is on or switching to, and only that. Asking every layer
 * made the publisher send a top-layer keyframe (tens of kB) into the very
 * downlink that was congested, and its throttle window then delayed the
 * low layer's keyframe that the down-switch waited for. */
void engine_send_pli(EngineTrack *t, unsigned mask, const char *reason) {
  EnginePeer *p = t->pub;
  uint8_t b[64 * ROUTER_MAX_LAYERS + ENGINE_PACKET_TAILROOM];
  size_t n = 0;
  for (unsigned l = 0; l < t->e->rt->n_layers && l < ROUTER_MAX_LAYERS; l++)
    if ((mask >> l & 1u) && t->e->rt->ssrcs[l])
      n += rtcp_build_pli(b + n, 64, p->rtcp_ssrc, t->e->rt->ssrcs[l]);
  if (!n || engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, n) != 0) return;
  t->e->keyframe_requests++;
  engine_emit(t->room, &(EngineEvent){.kind = ENGINE_EVENT_KEYFRAME_REQUESTED,
                                      .participant = p->id, .track = t->id, .reason = reason});
}

static void request_layers(EngineTrack *t, unsigned mask, const char *reason, int force, int64_t now) {
  if (t->kind != SDP_KIND_VIDEO) return;
  unsigned go = 0;
  for (unsigned l = 0; l < t->e->rt->n_layers && l < ROUTER_MAX_LAYERS; l++) {
    if (!(mask >> l & 1u)) continue;
    if (force ? keyframe_throttle_force(&t->e->kt[l], now) : keyframe_throttle_request(&t->e->kt[l], now))
      go |= 1u << l;
  }
  if (go) engine_send_pli(t, go, reason);
}

void forwarder_request_keyframe(EngineTrack *t, const char *reason, int force, int64_t now) {
  request_layers(t, ~0u, reason, force, now);
}

void forwarder_request_layer_keyframe(EngineTrack *t, unsigned layer, const char *reason, int force,
                                      int64_t now) {
  if (layer < ROUTER_MAX_LAYERS) request_layers(t, 1u << layer, reason, force, now);
}

RouterStatus forwarder_mute_track(EngineTrack *t, bool muted, int64_t now) {
  bool need_kf = false;
  RouterStatus st = router_set_muted(t->room->router, t->id, muted, &need_kf);
  if (need_kf) forwarder_request_keyframe(t, "unmute", 1, now);
  return st;
}

