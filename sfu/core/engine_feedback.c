/* engine_feedback: what the engine tells a publisher (the tick and the
 * transport-cc recording of sfu/publisher_feedback.h; its negotiation and
 * stats JSON stay in sfu/publisher_feedback.c, the pump's side). */
#include "engine_feedback.h"

#include <string.h>

#include "engine_internal.h"
#include "rtcp.h"

#define REMB_TICK_US 100000
#define NEW_SUB_GRACE_US 5000000
#define STARTUP_ALL_US 10000000
/* A subscriber's REMB older than this no longer describes its downlink
 * (as forwarder_choose_layer reads it). */
#define SUB_REMB_STALE_US 5000000
/* Audio reserved per forwarded audio track before video (as the layer
 * choice reserves it). */
#define AUDIO_BPS 40000
/* Single layer (forwarder_video_cap's rule, kept): a subscriber cap below
 * this still gets this; uncapped with transport-cc, this ceiling. */
#define SINGLE_FLOOR_BPS 30000
#define SINGLE_TCC_MAX_BPS 5000000
/* Feedback packets built per tick at most (a backlog after a stall). */
#define FB_PER_TICK 8

bool publisher_feedback_record(TwccFeedback *f, uint8_t ext_id, const uint8_t *buf,
                               const RtpView *v, int64_t arrival_us) {
  uint16_t seq;
  if (!f || !ext_id || !buf || !v || !twcc_ext_read_seq(buf, v, ext_id, &seq)) return false;
  f->media_ssrc = v->ssrc;
  twcc_feedback_on_packet(f, seq, arrival_us);
  return true;
}

void publisher_feedback_on_rtp(EnginePeer *p, const uint8_t *buf, const RtpView *v,
                               int64_t arrival_us) {
  if (!p->e->pub_twcc) return;
  if (!publisher_feedback_record(p->e->pub_twcc, p->e->pub_twcc_ext, buf, v, arrival_us))
    p->e->pub_twcc_packets_without++;
}

static void send_twcc(EnginePeer *p, int64_t now) {
  if (!p->e->pub_twcc || !twcc_feedback_due(p->e->pub_twcc, now)) return;
  uint8_t b[TWCC_FB_MAX_PACKET + ENGINE_PACKET_TAILROOM];
  for (int i = 0; i < FB_PER_TICK; i++) {
    size_t n = twcc_feedback_build(p->e->pub_twcc, now, b, TWCC_FB_MAX_PACKET);
    if (!n) break;
    if (engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, n) != 0) {
      p->e->pub_twcc_send_errors++;
      break;
    }
    p->e->pub_twcc_sent++;
    p->e->pub_twcc_bytes += n;
  }
}

/* ---- REMB ---- */

/* The estimate a subscriber's layer choice runs on: ours from its
 * transport-cc feedback once that flows, else its fresh REMB; 0 = none yet
 * (taken as unlimited). */
static uint64_t sub_estimate(const EnginePeer *q, int64_t now) {
  if (q->e->bwe_on && q->e->bwe && q->e->bwe->feedbacks > 0) return subscriber_bwe_estimate(q->e->bwe);
  if (q->e->sub_remb_us && now - q->e->sub_remb_us < SUB_REMB_STALE_US) return q->e->sub_remb_bps;
  return 0;
}

static uint64_t sub_audio(const EnginePeer *q) {
  uint64_t sum = 0;
  for (guint i = 0; i < q->slots->len; i++) {
    const EngineSlot *o = q->slots->pdata[i];
    if (o->rs && o->e->kind == SDP_KIND_AUDIO) sum += AUDIO_BPS;
  }
  return sum;
}

static uint64_t simulcast_remb(EngineTrack *t, bool tcc, int64_t now) {
  PublisherRemb *pr = &t->e->premb;
  for (unsigned l = 0; l < t->n_layers && l < LAYER_MAX; l++)
    publisher_remb_on_layer_rate(pr, l, layer_rate_bps(&t->e->meter, l, now), now);
  publisher_remb_begin(pr);
  size_t n = 0;
  RouterSubscription *const *subs = router_track_subscriptions(t->e->rt, &n);
  int top = (int)t->n_layers - 1;
  for (size_t i = 0; i < n; i++) {
    const EngineSlot *s = subs[i]->user_data;
    if (!s || !s->owner) continue;
    int max_layer = forwarder_slot_cap(s) ? 0 : top;
    const EnginePeer *q = s->owner;
    /* A new subscription: its estimate has not been tried yet (it starts
     * at bwe_delay's 500 kbit/s, below the middle layer with audio), so
     * for NEW_SUB_GRACE_US it may have every layer up to its cap. Asked
     * for the middle layer only, Chromium (its own estimate held at the
     * layer-0 REMB until then) took ~3 s to send it and longer for the
     * top; asked for all, it probes and sends all within ~1 s. */
    uint64_t est = s->e->forward_since_us && now - s->e->forward_since_us < NEW_SUB_GRACE_US
                       ? 0
                       : sub_estimate(q, now);
    int d = publisher_remb_demand(pr, max_layer, s->e->paused, est, sub_audio(q), now);
    /* The layer it is receiving stays on, also until a switch away from
     * it is done (the router waits for the new layer's keyframe):
     * switching it off at once froze the picture for that wait. */
    int fwd = subs[i]->layer < t->n_layers ? (int)subs[i]->layer : 0;
    if (d != LAYER_PAUSED && fwd > d) d = fwd;
    publisher_remb_add_demand(pr, d, 0);
  }
  /* The publisher's first seconds, nobody subscribed yet: every layer, so
   * its own estimate ramps (initial probes) at the rate it will be asked
   * for. Held at the layer-0 REMB from the first packet, Chromium's
   * estimate sat near 173 kbit/s; one dip there (a stall when the
   * subscribers' pages opened) cut it to ~140 kbit/s, and from there it
   * grew ~25 kbit/s per second: the top layer, wanted a second later, came
   * after many seconds (1 run in 3). */
  if (n == 0 && now - t->pub->e->pub_connected_us < STARTUP_ALL_US) publisher_remb_add_demand(pr, top, 0);
  publisher_remb_end(pr, now);
  return publisher_remb_target_bps(pr, tcc ? 0 : t->e->remb_bps, now);
}

static uint64_t single_remb(EngineTrack *t, bool tcc) {
  uint64_t base = tcc ? SINGLE_TCC_MAX_BPS : t->e->remb_bps;
  uint64_t cap = forwarder_video_cap(t);
  if (cap && cap < base) return cap > SINGLE_FLOOR_BPS ? cap : SINGLE_FLOOR_BPS;
  return base;
}

typedef struct {
  EnginePeer *p;
  int64_t now;
  uint8_t *b;
  size_t len, cap;
} RembCtx;

static void remb_track(RouterTrack *rt, void *ud) {
  RembCtx *c = ud;
  EngineTrack *t = rt->user_data;
  if (!t || t->pub != c->p || t->kind != SDP_KIND_VIDEO || !t->codec.fb_remb) return;
  uint32_t ssrcs[ROUTER_MAX_LAYERS];
  unsigned ns = 0;
  for (unsigned l = 0; l < t->n_layers && l < ROUTER_MAX_LAYERS; l++)
    if (rt->ssrcs[l]) ssrcs[ns++] = rt->ssrcs[l];
  if (!ns) return; /* nothing received yet: nothing to name */
  if (!t->e->premb.n_layers) {
    publisher_remb_init(&t->e->premb, NULL, t->n_layers);
    t->e->remb_highest = LAYER_PAUSED;
  }
  bool tcc = c->p->e->pub_twcc != NULL;
  uint64_t bps = t->n_layers > 1 ? simulcast_remb(t, tcc, c->now) : single_remb(t, tcc);
  if (!publisher_remb_poll(&t->e->premb, bps, c->now)) return;
  size_t n = rtcp_build_remb(c->b + c->len, c->cap - c->len, c->p->rtcp_ssrc, bps, ssrcs, ns);
  if (!n) return;
  c->len += n;
  if (t->n_layers > 1 && t->e->premb.highest != t->e->remb_highest)
    engine_log(t->room, ENGINE_LOG_INFO, "publisher_remb", "room=%s track=%s bps=%" G_GUINT64_FORMAT " highest=%d from=%d tcc=%d",
             t->room->name, t->id, bps, t->e->premb.highest, t->e->remb_highest, tcc);
  t->e->remb_sent_bps = bps;
  t->e->remb_highest = t->e->premb.highest;
  t->e->rembs_sent++;
}

void publisher_feedback_tick(EnginePeer *p, int64_t now) {
  if (!p->e->pub_connected) return;
  if (!p->e->pub_connected_us) p->e->pub_connected_us = now;
  send_twcc(p, now);
  if (now - p->e->pub_remb_us < REMB_TICK_US) return;
  p->e->pub_remb_us = now;
  uint8_t b[1200 + ENGINE_PACKET_TAILROOM];
  RembCtx c = {p, now, b, 0, 1200};
  router_foreach_track(p->room->router, remb_track, &c);
  if (c.len) engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, c.len);
}

void publisher_feedback_free(EnginePeer *p) {
  g_free(p->e->pub_twcc);
  p->e->pub_twcc = NULL;
}

void engine_peer_set_publisher_twcc(EnginePeer *p, uint8_t id) {
  if (!id) {
    if (p->e->pub_twcc)
      engine_log(p->room, ENGINE_LOG_INFO, "publisher_twcc", "room=%s participant=%s state=off", p->room->name, p->id);
    publisher_feedback_free(p);
    p->e->pub_twcc_ext = 0;
    return;
  }
  if (!p->e->pub_twcc) {
    p->e->pub_twcc = g_new(TwccFeedback, 1);
    twcc_feedback_init(p->e->pub_twcc, p->rtcp_ssrc, 0, 0);
    engine_log(p->room, ENGINE_LOG_INFO, "publisher_twcc", "room=%s participant=%s state=on ext=%u", p->room->name, p->id, id);
  }
  p->e->pub_twcc_ext = id;
}

void engine_publisher_feedback_stats(const EnginePeer *p, EngineFeedbackStats *out) {
  const TwccFeedbackStats *s = p->e->pub_twcc ? &p->e->pub_twcc->stats : NULL;
  *out = (EngineFeedbackStats){
      .transport_cc = p->e->pub_twcc != NULL,
      .ext_id = (int)p->e->pub_twcc_ext,
      .packets = s ? s->packets : 0,
      .packets_without_ext = p->e->pub_twcc_packets_without,
      .feedbacks = p->e->pub_twcc_sent,
      .feedback_bytes = p->e->pub_twcc_bytes,
      .send_errors = p->e->pub_twcc_send_errors,
      .late = s ? s->late : 0,
      .duplicates = s ? s->duplicates : 0,
      .skipped = s ? s->skipped : 0,
  };
}
