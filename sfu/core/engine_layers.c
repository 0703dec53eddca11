/* engine_layers: which simulcast layer each video subscription receives
 * (layer_selector on the estimate of core/layer_estimate), pausing video
 * that does not fit even at the lowest layer and resuming it, and the caps
 * a subscriber's limits put on what its publishers are asked to send. */
#include "layer_estimate.h"
#include "layer_selector.h"
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"

uint64_t forwarder_slot_cap(const EngineSlot *s) {
  uint64_t a = s->owner ? s->owner->max_video_bps : 0, b = s->e->answer_max_bps;
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

uint64_t forwarder_video_cap(const EngineTrack *t) {
  if (t->n_layers > 1) return 0; /* limited subscribers get the low layer instead */
  size_t n = 0;
  RouterSubscription *const *subs = router_track_subscriptions(t->e->rt, &n);
  uint64_t cap = 0;
  size_t counted = 0;
  for (size_t i = 0; i < n; i++) {
    const EngineSlot *s = subs[i]->user_data;
    if (!s) continue;
    uint64_t c = forwarder_slot_cap(s);
    if (!c) return 0; /* one subscriber takes all the publisher sends */
    if (c > cap) cap = c;
    counted++;
  }
  return counted ? cap : 0;
}



/* Pause: remember where the output numbering stands and drop the router
 * subscription (nothing of the track reaches the subscriber; its audio
 * subscriptions are untouched). */
static void pause_video(EngineSlot *s, EngineTrack *t, int64_t now) {
  RouterSubscription *rs = s->rs;
  EnginePeer *q = s->owner;
  s->e->resume_seq = (uint16_t)(rs->rw.started ? rs->rw.out_ext_max + 1 : rs->rw.first_out_seq);
  s->e->resume_ts = rs->rw.started ? rs->rw.last_out_ts : rs->rw.first_out_ts;
  s->e->paused_us = rs->rw.started ? rs->rw.last_out_us : now;
  router_unsubscribe(t->room->router, q->id, t->id);
  s->rs = NULL;
  s->e->paused = 1;
  s->e->pauses++;
  engine_log(t->room, ENGINE_LOG_INFO, "video_paused", "room=%s subscriber=%s track=%s",
             t->room->name, q->id, t->id);
  engine_emit(t->room, &(EngineEvent){.kind = ENGINE_EVENT_VIDEO_PAUSED, .participant = q->id,
                                      .track = t->id, .on = 1});
}

/* Resume: a new router subscription with the same out SSRC, numbering on
 * from the pause (sequence + 1, timestamp advanced by the time paused); it
 * waits for a keyframe of the target layer, which we ask for. */
static void resume_video(EngineSlot *s, EngineTrack *t, unsigned layer, int64_t now) {
  EnginePeer *q = s->owner;
  uint32_t ts = s->e->resume_ts + (uint32_t)((now - s->e->paused_us) * (int64_t)t->codec.clock_rate / 1000000);
  RouterSubscription *rs = NULL;
  if (router_subscribe(t->room->router, q->id, t->id, s->e->ssrc, s->e->resume_seq, ts, &rs) != ROUTER_OK)
    return;
  rs->user_data = s;
  s->rs = rs;
  s->e->paused = 0;
  router_set_target_layer(t->room->router, rs, layer);
  engine_log(t->room, ENGINE_LOG_INFO, "video_resumed", "room=%s subscriber=%s track=%s layer=%u",
             t->room->name, q->id, t->id, layer);
  engine_emit(t->room, &(EngineEvent){.kind = ENGINE_EVENT_VIDEO_PAUSED, .participant = q->id,
                                      .track = t->id, .on = 0});
  forwarder_request_layer_keyframe(t, layer, "layer_switch", 1, now);
}

/* What is reserved of a subscriber's downlink before a video subscription's
 * layer: its audio (AUDIO_BUDGET_BPS per forwarded audio track). The other
 * video subscriptions are not subtracted: each is chosen against the whole
 * estimate, as before transport-cc. Subtracting them (tried) paused tiles
 * of the monitoring wall (20 video subscriptions) while the estimate was
 * still ramping up from its 500 kbit/s start, and kept its focused call off
 * the higher layer; a shared budget needs a start from what is already
 * being delivered. */
uint64_t engine_others_bps(const EnginePeer *q, const EngineSlot *self, int64_t now) {
  (void)self;
  (void)now;
  uint64_t sum = 0;
  for (guint i = 0; i < q->slots->len; i++) {
    const EngineSlot *o = q->slots->pdata[i];
    if (o->rs && o->e->kind == SDP_KIND_AUDIO) sum += AUDIO_BUDGET_BPS;
  }
  return sum;
}


void forwarder_choose_layer(EngineSlot *s, int64_t now) {
  if (!s->e->active || !s->e->track_id || (!s->rs && !s->e->paused)) return;
  RouterSubscription *rs = s->rs;
  EngineTrack *t = rs ? rs->track->user_data : engine_room_track(s->owner->room, s->e->track_id);
  if (!t || t->n_layers < 2) return;
  EnginePeer *q = s->owner;
  int top = (int)t->n_layers - 1;
  /* A limit (wall tile) caps the choice at the lowest layer; the estimate
   * (the subscriber's REMB) picks among the rest, audio first. */
  int max_layer = forwarder_slot_cap(s) ? 0 : top;
  if (!s->e->sel_ready) {
    layer_selector_init(&s->e->sel, NULL, max_layer, max_layer);
    s->e->sel_ready = 1;
  }
  layer_selector_set_max_layer(&s->e->sel, max_layer);
  uint64_t bps[LAYER_MAX] = {0};
  for (unsigned l = 0; l < t->n_layers && l < LAYER_MAX; l++)
    bps[l] = layer_rate_bps(&t->e->meter, l, now);
  /* audio: reserved before this subscription's video (others_bps). */
  uint64_t audio = engine_others_bps(q, s, now);
  int fwd_layer = rs ? (int)rs->layer : LAYER_PAUSED;
  /* The downlink estimate the choice compares against (layer_estimate.h
   * says how it reads our transport-cc estimate and the subscriber's REMB). */
  bool bwe = engine_uses_bwe(q);
  LayerEstimateIn ein = {
      .layer_bps = bps,
      .n_layers = t->n_layers,
      .audio_bps = audio,
      .forwarded = fwd_layer,
      .paused_us = s->e->paused_us,
      .pauses = s->e->pauses,
      .bwe = bwe,
      .rtx = s->e->rtx_ok != 0,
      .bwe_bps = bwe ? subscriber_bwe_estimate(q->e->bwe) : 0,
      .congested = bwe && subscriber_bwe_congested(q->e->bwe, now),
      .link_bps = bwe ? subscriber_bwe_link_bps(q->e->bwe) : 0,
      .remb_bps = q->e->sub_remb_bps,
      .remb_us = q->e->sub_remb_us,
      .remb_drop_us = q->e->sub_remb_drop_us,
      .remb_rise_us = q->e->sub_remb_rise_us,
      .sent_bps = q->e->sub_rate_bps,
  };
  uint64_t est = layer_estimate(&ein, now);
  LayerDecision d = layer_selector_update(&s->e->sel, bps, t->n_layers, est, audio, fwd_layer, now);
  if (d.target == LAYER_PAUSED) {
    if (rs) pause_video(s, t, now);
    return;
  }
  int pick = d.target;
  if (pick < 0 || pick > top) return;
  if (!rs) {
    resume_video(s, t, (unsigned)pick, now);
    return;
  }
  if ((unsigned)pick != rs->target_layer) {
    if (router_set_target_layer(t->room->router, rs, (unsigned)pick) != ROUTER_OK) return;
    /* Down because the link cannot carry the forwarded layer (it delivers
     * less than that layer's rate): stop sending it now rather than until
     * the low layer's keyframe, which then meets a queue already draining
     * instead of one we kept full (at 300 kbit/s a full 200 ms queue was
     * most of the down-switch's freeze). */
    if (bwe && pick < fwd_layer && fwd_layer >= 0 && fwd_layer < (int)t->n_layers) {
      uint64_t link = subscriber_bwe_link_bps(q->e->bwe);
      if (link && link < bps[fwd_layer] + audio && subscriber_bwe_congested(q->e->bwe, now) &&
          router_cut_over(t->room->router, rs) == ROUTER_OK)
        engine_log(t->room, ENGINE_LOG_INFO, "layer_cut_over", "room=%s subscriber=%s track=%s from=%d to=%d link=%" G_GUINT64_FORMAT,
                 t->room->name, q->id, t->id, fwd_layer, pick, link);
    }
    engine_log(t->room, ENGINE_LOG_INFO, "layer_target",
             "room=%s subscriber=%s track=%s layer=%d from=%u estimate=%" G_GUINT64_FORMAT
             " link=%" G_GUINT64_FORMAT,
             t->room->name, q->id, t->id, pick, rs->layer, est == LAYER_EST_NONE ? 0 : est,
             bwe ? subscriber_bwe_link_bps(q->e->bwe) : 0);
  }
  if ((d.request_keyframe || d.changed) && (unsigned)pick != rs->layer)
    forwarder_request_layer_keyframe(t, (unsigned)pick, "layer_switch", 1, now);
}

