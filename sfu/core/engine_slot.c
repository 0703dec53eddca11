/* engine_slot: a subscription slot's life in the engine: its own state,
 * and activation (a router subscription once the slot is negotiated and
 * the subscriber's leg connected: numbering, extension map, VP8
 * continuity, send statistics, the first layer choice and a keyframe). */
#include <string.h>

#include "engine_internal.h"

void engine_slot_init(SubSlot *s) { s->e = g_new0(struct EngineSlotState, 1); }

void engine_slot_clear(SubSlot *s) {
  g_free(s->e);
  s->e = NULL;
}

bool engine_slot_started(const SubSlot *s) { return s->rs || s->e->paused; }

void engine_slot_stop(SubSlot *s, bool unsubscribe) {
  if (s->rs && unsubscribe) router_unsubscribe(s->owner->room->router, s->owner->id, s->track_id);
  s->rs = NULL;
  s->e->paused = 0;
}

bool engine_slot_activate(SubSlot *s, PubTrack *t, uint16_t first_seq, uint32_t first_ts,
                          uint16_t rtx_seq, int64_t now) {
  Participant *p = s->owner;
  Room *r = p->room;
  RouterSubscription *rs = NULL;
  RouterStatus st = router_subscribe(r->router, p->id, t->id, s->ssrc, first_seq, first_ts, &rs);
  if (st != ROUTER_OK) {
    engine_log(r, ENGINE_LOG_WARN, "subscribe_failed", "room=%s participant=%s track=%s status=%s",
               r->name, p->id, t->id, router_status_str(st));
    return false;
  }
  rs->user_data = s;
  s->rs = rs;
  vp8_rewrite_init(&s->e->vp8); /* a new numbering from here */
  memset(s->e->ext_map, 0, sizeof s->e->ext_map);
  if (t->ext.abs_send_time && s->ext_abs) s->e->ext_map[t->ext.abs_send_time] = s->ext_abs;
  if (t->ext.audio_level && s->ext_level) s->e->ext_map[t->ext.audio_level] = s->ext_level;
  s->e->rtx_seq = rtx_seq;
  rtp_send_stats_init(&s->e->sstats, s->ssrc, s->codec.clock_rate);
  s->e->forward_since_us = now;
  forwarder_choose_layer(s, now);
  if (t->kind == SDP_KIND_VIDEO) forwarder_request_keyframe(t, "new_subscriber", 1, now);
  return true;
}
