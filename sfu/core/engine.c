/* engine: the room engine's side of the seam (core/engine.h): packets in
 * (engine_input dispatches by leg and kind), timers (engine_tick), packets
 * out (engine_send, through the peer's EngineSendFn), connection state,
 * the wall clock offset, and the drop counts. The rest of the engine is
 * in the files engine_internal.h lists. */
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"
#include "engine_feedback.h"
#include "engine_private.h"

#define LAYER_CHOICE_US 100000

void engine_tick(EngineRoom *r, int64_t now) {
  engine_tick_tracks(r, now);
  engine_poll_speakers(r, now);
  for (guint i = 0; i < r->order->len; i++) engine_probe_tick(r->order->pdata[i], now);
  for (guint i = 0; i < r->order->len; i++) publisher_feedback_tick(r->order->pdata[i], now);
  if (now - r->e->last_layer_us >= LAYER_CHOICE_US) {
    r->e->last_layer_us = now;
    for (guint i = 0; i < r->order->len; i++) {
      EnginePeer *q = r->order->pdata[i];
      for (guint k = 0; k < q->slots->len; k++) forwarder_choose_layer(q->slots->pdata[k], now);
    }
  }
  if (now - r->e->last_report_us < REPORT_INTERVAL_US) return;
  r->e->last_report_us = now;
  for (guint i = 0; i < r->order->len; i++) {
    engine_report_publisher(r->order->pdata[i], now);
    engine_report_subscriber(r->order->pdata[i], now);
  }
}


/* ---- the seam (core/engine.h) ---- */

EngineRoom *engine_room_new(const char *name) {
  EngineRoom *r = g_new0(EngineRoom, 1);
  r->name = g_strdup(name);
  r->order = g_ptr_array_new();
  r->router = router_new();
  r->e = g_new0(struct EngineRoomState, 1);
  speaker_detector_init(&r->e->speakers, NULL);
  return r;
}

void engine_room_free(EngineRoom *r) {
  if (!r) return;
  while (r->order->len) engine_peer_leave(r->order->pdata[r->order->len - 1]);
  router_free(r->router); /* frees the tracks: engine_track_free needs r->e */
  g_ptr_array_free(r->order, TRUE);
  g_free(r->e);
  g_free(r->name);
  g_free(r);
}

void engine_room_set_audio_private(EngineRoom *r, bool audio_private) {
  r->audio_private = audio_private;
}

static void slot_free(gpointer d) {
  EngineSlot *s = d;
  g_free(s->e->track_id);
  g_free(s->e);
  g_free(s);
}

EnginePeer *engine_peer_join(EngineRoom *r, const char *id, uint32_t rtcp_ssrc,
                             uint16_t twcc_first_seq, void *user) {
  EnginePeer *p = g_new0(EnginePeer, 1);
  p->room = r;
  p->id = g_strdup(id);
  p->receive_video = 1;
  p->rtcp_ssrc = rtcp_ssrc;
  p->user = user;
  p->slots = g_ptr_array_new_with_free_func(slot_free);
  p->e = g_new0(struct EnginePeerState, 1);
  p->e->bwe = g_new(SubscriberBwe, 1);
  /* The estimate covers the whole downlink: a monitoring wall receives 20
   * tiles and a focused call (~5-6 Mbit/s), above bwe_delay's default
   * 5 Mbit/s ceiling, which made the budget pause tiles. Growth stays bound
   * by what was delivered (1.5x acknowledged) and by probes. */
  BweConfig bc;
  bwe_config_default(&bc);
  bc.max_bps = 50000000;
  subscriber_bwe_init(p->e->bwe, &bc, NULL, twcc_first_seq);
  g_ptr_array_add(r->order, p);
  return p;
}

void engine_peer_set_settings(EnginePeer *p, const EnginePeerSettings *s) {
  p->receive_video = s->receive_video;
  p->hidden = s->hidden;
  p->analyse = s->analyse;
  p->max_video_bps = s->max_video_bps;
}

void engine_peer_set_subscriber_twcc(EnginePeer *p, bool on) { p->e->bwe_on = on; }

void engine_peer_leave(EnginePeer *p) {
  EngineRoom *r = p->room;
  /* Its tracks left and every subscription of its slots: nothing in the
   * router points at it or its slots any more. */
  router_remove_participant(r->router, p->id);
  g_ptr_array_remove(r->order, p);
  g_ptr_array_free(p->slots, TRUE);
  publisher_feedback_free(p);
  g_free(p->e->bwe);
  g_free(p->e);
  g_free(p->id);
  g_free(p);
}

EngineSlot *engine_slot_new(EnginePeer *owner) {
  EngineSlot *s = g_new0(EngineSlot, 1);
  s->owner = owner;
  s->e = g_new0(struct EngineSlotState, 1);
  g_ptr_array_add(owner->slots, s);
  return s;
}

#define ENGINE_TICK_US 20000 /* the finest cadence: NACK and keyframe polls */

int64_t engine_next_timeout(const EngineRoom *r, int64_t now) {
  (void)r;
  return now + ENGINE_TICK_US;
}

void engine_set_wall_offset(EngineRoom *r, int64_t unix_minus_mono_us) {
  r->e->wall_offset_us = unix_minus_mono_us;
}

void engine_peer_set_output(EnginePeer *p, EngineSendFn send, void *io) {
  p->e->send = send;
  p->e->send_io = io;
}

void engine_peer_set_connected(EnginePeer *p, EngineLeg leg, int connected, int64_t now) {
  (void)now;
  if (leg == ENGINE_LEG_PUBLISHER)
    p->e->pub_connected = connected != 0;
  else
    p->e->sub_connected = connected != 0;
}

int engine_peer_connected(const EnginePeer *p, EngineLeg leg) {
  return leg == ENGINE_LEG_PUBLISHER ? p->e->pub_connected : p->e->sub_connected;
}

int engine_send(EnginePeer *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len) {
  if (!p->e->send) return -1;
  return p->e->send(p->e->send_io, leg, kind, buf, len);
}

void engine_input(EnginePeer *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len,
                  int64_t now) {
  if (leg == ENGINE_LEG_PUBLISHER) {
    if (kind == ENGINE_PACKET_RTP)
      engine_on_publisher_rtp(p, buf, len, now);
    else
      engine_on_publisher_rtcp(p, buf, len, now);
  } else if (kind == ENGINE_PACKET_RTCP) {
    engine_on_subscriber_rtcp(p, buf, len, now);
  } else {
    engine_drop(p, ENGINE_DROP_SUBSCRIBER_RTP, now);
  }
}

void engine_room_set_hooks(EngineRoom *r, const EngineHooks *hooks, void *ctx) {
  r->e->hooks = hooks;
  r->e->hooks_ctx = ctx;
}

void engine_log(const EngineRoom *r, EngineLogLevel level, const char *event, const char *fmt, ...) {
  if (!r->e->hooks || !r->e->hooks->log) return;
  va_list ap;
  va_start(ap, fmt);
  r->e->hooks->log(r->e->hooks_ctx, level, event, fmt, ap);
  va_end(ap);
}

void engine_emit(const EngineRoom *r, const EngineEvent *ev) {
  if (r->e->hooks && r->e->hooks->event) r->e->hooks->event(r->e->hooks_ctx, ev);
}

void engine_drop(EnginePeer *p, EngineDrop why, int64_t now) {
  engine_drops_count(&p->room->e->drops, why, now);
  if (engine_drops_count(&p->e->drops, why, now))
    engine_log(p->room, ENGINE_LOG_DEBUG, "packet_dropped", "room=%s participant=%s reason=%s count=%" G_GUINT64_FORMAT,
              p->room->name, p->id, engine_drop_name(why), p->e->drops.count[why]);
}

int engine_peer_may_receive(const EnginePeer *p, const EngineTrack *t) {
  MediaGateKind k = t->kind == SDP_KIND_AUDIO   ? MEDIA_GATE_AUDIO
                    : t->kind == SDP_KIND_VIDEO ? MEDIA_GATE_VIDEO
                                                : MEDIA_GATE_OTHER;
  return media_gate_allows(p->receive_video != 0, k);
}
