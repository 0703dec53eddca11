/* engine_slot: a subscription slot's life in the engine: its own state,
 * and activation (a router subscription once the slot is negotiated and
 * the subscriber's leg connected: numbering, extension map, VP8
 * continuity, send statistics, the first layer choice and a keyframe). */
#include <string.h>

#include "engine_internal.h"

void engine_slot_set_desc(EngineSlot *s, const EngineSlotDesc *d) {
  struct EngineSlotState *e = s->e;
  e->kind = d->kind;
  g_free(e->track_id);
  e->track_id = g_strdup(d->track_id);
  e->codec = (SdpCodec){.pt = d->pt, .clock_rate = d->clock_rate};
  e->rtx_pt = d->rtx_pt;
  e->ssrc = d->ssrc;
  e->rtx_ssrc = d->rtx_ssrc;
  e->active = d->active;
  e->rtx_ok = d->rtx_ok;
  e->ext_abs = d->ext_abs;
  e->ext_level = d->ext_level;
  e->ext_twcc = d->ext_twcc;
  e->answer_max_bps = d->answer_max_bps;
}

bool engine_slot_started(const EngineSlot *s) { return s->rs || s->e->paused; }

void engine_slot_stop(EngineSlot *s, bool unsubscribe) {
  if (s->rs && unsubscribe) router_unsubscribe(s->owner->room->router, s->owner->id, s->e->track_id);
  s->rs = NULL;
  s->e->paused = 0;
}

bool engine_slot_activate(EngineSlot *s, EngineTrack *t, uint16_t first_seq, uint32_t first_ts,
                          uint16_t rtx_seq, int64_t now) {
  EnginePeer *p = s->owner;
  EngineRoom *r = p->room;
  RouterSubscription *rs = NULL;
  RouterStatus st = router_subscribe(r->router, p->id, t->id, s->e->ssrc, first_seq, first_ts, &rs);
  if (st != ROUTER_OK) {
    engine_log(r, ENGINE_LOG_WARN, "subscribe_failed", "room=%s participant=%s track=%s status=%s",
               r->name, p->id, t->id, router_status_str(st));
    return false;
  }
  rs->user_data = s;
  s->rs = rs;
  vp8_rewrite_init(&s->e->vp8); /* a new numbering from here */
  memset(s->e->ext_map, 0, sizeof s->e->ext_map);
  if (t->ext.abs_send_time && s->e->ext_abs) s->e->ext_map[t->ext.abs_send_time] = s->e->ext_abs;
  if (t->ext.audio_level && s->e->ext_level) s->e->ext_map[t->ext.audio_level] = s->e->ext_level;
  s->e->rtx_seq = rtx_seq;
  rtp_send_stats_init(&s->e->sstats, s->e->ssrc, s->e->codec.clock_rate);
  s->e->forward_since_us = now;
  forwarder_choose_layer(s, now);
  if (t->kind == SDP_KIND_VIDEO) forwarder_request_keyframe(t, "new_subscriber", 1, now);
  return true;
}
