/* engine_reports: the engine's periodic work per track and participant:
 * NACK and keyframe-request polls toward publishers, receiver reports
 * (with the loss-based estimate behind the publisher's REMB) and sender
 * reports to subscribers, and the speaking / active_speaker events. */
#include "rtcp.h"
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"

#define REMB_MIN_BPS 150000
#define REMB_MAX_BPS 2500000

/* ---- timers ---- */

typedef struct {
  EngineRoom *r;
  int64_t now;
} TickCtx;

static void tick_track(RouterTrack *rt, void *ud) {
  TickCtx *c = ud;
  EngineTrack *t = rt->user_data;
  EnginePeer *p = t->pub;
  if (!p->e->pub_connected) return;
  if (t->kind == SDP_KIND_VIDEO) {
    unsigned due = 0;
    for (unsigned l = 0; l < t->n_layers && l < ROUTER_MAX_LAYERS; l++)
      if (keyframe_throttle_poll(&t->e->kt[l], c->now)) due |= 1u << l;
    if (due) engine_send_pli(t, due, "pli");
  }
  for (unsigned l = 0; l < t->n_layers; l++) {
    uint16_t seqs[64];
    size_t n = nack_generator_poll(t->e->nack_gen[l], c->now, seqs, G_N_ELEMENTS(seqs));
    if (n && t->codec.fb_nack && rt->ssrcs[l]) {
      uint8_t b[600 + ENGINE_PACKET_TAILROOM];
      size_t len = rtcp_build_nack(b, 600, p->rtcp_ssrc, rt->ssrcs[l], seqs, n);
      if (len && engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, len) == 0)
        t->e->nacks_sent += n;
    }
    if (nack_generator_take_keyframe_wanted(t->e->nack_gen[l]))
      forwarder_request_layer_keyframe(t, l, "nack_gave_up", 0, c->now);
  }
}

/* Loss-based estimate (the loss half of GCC): back off under heavy loss,
 * probe up slowly when clean. Enough for the publisher's encoder to adapt. */
static void update_remb(EngineTrack *t, uint8_t fraction_lost) {
  double loss = fraction_lost / 256.0;
  double est = (double)t->e->remb_bps;
  if (loss > 0.10)
    est *= 1.0 - 0.5 * loss;
  else if (loss < 0.02)
    est *= 1.08;
  if (est < REMB_MIN_BPS) est = REMB_MIN_BPS;
  if (est > REMB_MAX_BPS) est = REMB_MAX_BPS;
  t->e->remb_bps = (uint64_t)est;
}

typedef struct {
  EnginePeer *p;
  GPtrArray *out;
} OwnCollect;

static void collect_own(RouterTrack *rt, void *ud) {
  OwnCollect *c = ud;
  EngineTrack *t = rt->user_data;
  if (t->pub == c->p) g_ptr_array_add(c->out, t);
}

void engine_report_publisher(EnginePeer *p, int64_t now) {
  if (!p->e->pub_connected) return;
  RtcpReportBlock blocks[RTCP_MAX_REPORT_BLOCKS];
  unsigned nb = 0;
  OwnCollect c = {p, g_ptr_array_new()};
  router_foreach_track(p->room->router, collect_own, &c);
  for (guint i = 0; i < c.out->len; i++) {
    EngineTrack *t = c.out->pdata[i];
    uint8_t worst = 0;
    int any = 0;
    for (unsigned l = 0; l < t->n_layers && nb < RTCP_MAX_REPORT_BLOCKS; l++) {
      if (!t->e->have_rstats[l]) continue;
      rtp_stats_report_block(&t->e->rstats[l], now, &blocks[nb]);
      if (blocks[nb].fraction_lost > worst) worst = blocks[nb].fraction_lost;
      any = 1;
      nb++;
    }
    /* The loss-based uplink estimate; the REMB itself (this capped by what
     * the subscribers can use) is publisher_feedback's. */
    if (any && t->kind == SDP_KIND_VIDEO && t->codec.fb_remb) update_remb(t, worst);
  }
  g_ptr_array_free(c.out, TRUE);
  uint8_t b[1400 + ENGINE_PACKET_TAILROOM];
  size_t len = rtcp_build_rr(b, 1400, p->rtcp_ssrc, blocks, nb);
  if (len) engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, len);
}


void engine_report_subscriber(EnginePeer *p, int64_t now) {
  uint64_t total = 0;
  for (guint i = 0; i < p->slots->len; i++) total += ((EngineSlot *)p->slots->pdata[i])->e->bytes;
  p->e->sub_rate_bps = (total - p->e->sub_bytes_last) * 8 * 1000000 / REPORT_INTERVAL_US;
  p->e->sub_bytes_last = total;
  if (!p->e->sub_connected) return;
  uint8_t b[1400 + ENGINE_PACKET_TAILROOM];
  size_t len = 0;
  uint64_t ntp = rtcp_ntp_from_unix_us(now + p->room->e->wall_offset_us);
  for (guint i = 0; i < p->slots->len; i++) {
    EngineSlot *s = p->slots->pdata[i];
    RtcpSenderInfo si;
    if (!s->rs || !rtp_send_stats_sender_info(&s->e->sstats, now, ntp, &si)) continue;
    size_t n = rtcp_build_sr(b + len, 1400 - len, &si, NULL, 0);
    if (!n) break;
    len += n;
  }
  if (len) engine_send(p, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTCP, b, len);
}

typedef struct {
  uint32_t key;
  EngineTrack *found;
} SpeakerFind;

static void find_speaker(RouterTrack *rt, void *ud) {
  SpeakerFind *f = ud;
  EngineTrack *t = rt->user_data;
  if (f->key && t->e->speaker_key == f->key) f->found = t;
}

#define SPEAKER_POLL_US 100000

/* speaking / active_speaker events from the audio levels (docs/sfu-control.md). */
void engine_poll_speakers(EngineRoom *r, int64_t now) {
  if (now - r->e->last_speaker_poll_us < SPEAKER_POLL_US) return;
  r->e->last_speaker_poll_us = now;
  SpeakerEvent ev[16];
  size_t n = speaker_detector_poll(&r->e->speakers, now, ev, G_N_ELEMENTS(ev));
  for (size_t i = 0; i < n; i++) {
    SpeakerFind f = {ev[i].key, NULL};
    router_foreach_track(r->router, find_speaker, &f);
    if (ev[i].kind == SPEAKER_EV_ACTIVE_CHANGED) {
      engine_emit(r, &(EngineEvent){.kind = ENGINE_EVENT_ACTIVE_SPEAKER,
                                    .participant = f.found ? f.found->pub->id : NULL});
    } else if (f.found) {
      engine_emit(r, &(EngineEvent){.kind = ENGINE_EVENT_SPEAKING, .participant = f.found->pub->id,
                                    .track = f.found->id,
                                    .on = ev[i].kind == SPEAKER_EV_STARTED});
    }
  }
}


void engine_tick_tracks(EngineRoom *r, int64_t now) {
  TickCtx c = {r, now};
  router_foreach_track(r->router, tick_track, &c);
}
