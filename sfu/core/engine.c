/* engine: the room engine's side of the seam (core/engine.h): packets in
 * (engine_input dispatches by leg and kind), timers (engine_tick), packets
 * out (engine_send, through the peer's EngineSendFn), connection state,
 * the wall clock offset, and the drop counts. The rest of the engine is
 * in the files engine_internal.h lists. */
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"
#include "engine_feedback.h"

#define LAYER_CHOICE_US 100000

void engine_tick(Room *r, int64_t now) {
  engine_tick_tracks(r, now);
  engine_poll_speakers(r, now);
  for (guint i = 0; i < r->order->len; i++) engine_probe_tick(r->order->pdata[i], now);
  for (guint i = 0; i < r->order->len; i++) publisher_feedback_tick(r->order->pdata[i], now);
  if (now - r->e->last_layer_us >= LAYER_CHOICE_US) {
    r->e->last_layer_us = now;
    for (guint i = 0; i < r->order->len; i++) {
      Participant *q = r->order->pdata[i];
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

void engine_room_init(Room *r) {
  r->router = router_new();
  r->e = g_new0(struct EngineRoomState, 1);
  speaker_detector_init(&r->e->speakers, NULL);
}

void engine_room_clear(Room *r) {
  router_free(r->router); /* frees the tracks: pub_track_free needs r->e */
  r->router = NULL;
  g_free(r->e);
  r->e = NULL;
}

void engine_peer_init(Participant *p, uint16_t twcc_first_seq) {
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
}

void engine_peer_set_subscriber_twcc(Participant *p, bool on) { p->e->bwe_on = on; }

void engine_peer_clear(Participant *p) {
  g_free(p->e->bwe);
  g_free(p->e);
  p->e = NULL;
}

#define ENGINE_TICK_US 20000 /* the finest cadence: NACK and keyframe polls */

int64_t engine_next_timeout(const Room *r, int64_t now) {
  (void)r;
  return now + ENGINE_TICK_US;
}

void engine_set_wall_offset(Room *r, int64_t unix_minus_mono_us) {
  r->e->wall_offset_us = unix_minus_mono_us;
}

void engine_peer_set_output(Participant *p, EngineSendFn send, void *io) {
  p->e->send = send;
  p->e->send_io = io;
}

void engine_peer_set_connected(Participant *p, EngineLeg leg, int connected, int64_t now) {
  (void)now;
  if (leg == ENGINE_LEG_PUBLISHER)
    p->e->pub_connected = connected != 0;
  else
    p->e->sub_connected = connected != 0;
}

int engine_peer_connected(const Participant *p, EngineLeg leg) {
  return leg == ENGINE_LEG_PUBLISHER ? p->e->pub_connected : p->e->sub_connected;
}

int engine_send(Participant *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len) {
  if (!p->e->send) return -1;
  return p->e->send(p->e->send_io, leg, kind, buf, len);
}

void engine_input(Participant *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len,
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

void engine_room_set_hooks(Room *r, const EngineHooks *hooks, void *ctx) {
  r->e->hooks = hooks;
  r->e->hooks_ctx = ctx;
}

void engine_log(const Room *r, EngineLogLevel level, const char *event, const char *fmt, ...) {
  if (!r->e->hooks || !r->e->hooks->log) return;
  va_list ap;
  va_start(ap, fmt);
  r->e->hooks->log(r->e->hooks_ctx, level, event, fmt, ap);
  va_end(ap);
}

void engine_emit(const Room *r, const EngineEvent *ev) {
  if (r->e->hooks && r->e->hooks->event) r->e->hooks->event(r->e->hooks_ctx, ev);
}

void engine_drop(Participant *p, EngineDrop why, int64_t now) {
  engine_drops_count(&p->room->e->drops, why, now);
  if (engine_drops_count(&p->e->drops, why, now))
    engine_log(p->room, ENGINE_LOG_DEBUG, "packet_dropped", "room=%s participant=%s reason=%s count=%" G_GUINT64_FORMAT,
              p->room->name, p->id, engine_drop_name(why), p->e->drops.count[why]);
}

int participant_may_receive(const Participant *p, const PubTrack *t) {
  MediaGateKind k = t->kind == SDP_KIND_AUDIO   ? MEDIA_GATE_AUDIO
                    : t->kind == SDP_KIND_VIDEO ? MEDIA_GATE_VIDEO
                                                : MEDIA_GATE_OTHER;
  return media_gate_allows(p->receive_video != 0, k);
}
