/* engine_publisher: a publisher's packets. RTP: learn SSRC -> track (mid
 * extension, else payload type; RID for simulcast), unwrap RTX, count it
 * (rtp_stats, nack_generator), keep it for retransmission (nack_buffer),
 * let the router decide which subscriptions get it with which
 * seq/timestamp, then per subscriber: copy, rewrite SSRC, seq, timestamp,
 * payload type and header extension ids, stamp, send (engine_send). RTCP:
 * its sender reports (lip sync in the recorder, LSR for our reports).
 * Every packet not used is counted (engine_drop). */
#include <string.h>

#include "codec_keyframe.h"
#include "rtcp.h"
#include "twcc_feedback.h"
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"
#include "engine_feedback.h"

#define MAX_OUTS 64

/* ---- publisher RTP ---- */

typedef struct {
  EnginePeer *p;
  const uint8_t *buf;
  const RtpView *v;
  EngineTrack *found;
  int rtx;
  unsigned layer;
} Learn;

/* The layer a RID (or repaired RID) header extension names; -1 none. */
static int layer_of_rid(const EngineTrack *t, const uint8_t *buf, const RtpView *v, uint8_t id) {
  RtpExtElement el;
  if (!id || !rtp_ext_find(buf, v, id, &el)) return -1;
  for (unsigned l = 0; l < t->n_layers; l++)
    if (el.len == strlen(t->rids[l]) && memcmp(buf + el.offset, t->rids[l], el.len) == 0)
      return (int)l;
  return -1;
}

static void learn_one(RouterTrack *rt, void *ud) {
  Learn *l = ud;
  EngineTrack *t = rt->user_data;
  if (l->found || t->pub != l->p) return;
  uint8_t pt = l->v->payload_type;
  int is_rtx = t->codec.rtx_pt && pt == t->codec.rtx_pt;
  if (pt != t->codec.pt && !is_rtx) return;
  RtpExtElement el;
  if (t->ext.mid && rtp_ext_find(l->buf, l->v, t->ext.mid, &el)) {
    if (el.len != strlen(t->mid) || memcmp(l->buf + el.offset, t->mid, el.len) != 0) return;
  } else if (t->n_layers == 1 && (is_rtx ? rt->rtx_ssrcs[0] : rt->ssrcs[0]) != 0) {
    return; /* that track has its SSRC already */
  }
  int layer = 0;
  if (t->n_layers > 1) {
    /* Simulcast: only a packet naming its RID can bind its SSRC. */
    layer = layer_of_rid(t, l->buf, l->v, is_rtx ? t->ext.rrid : t->ext.rid);
    if (layer < 0) return;
  }
  l->found = t;
  l->rtx = is_rtx;
  l->layer = (unsigned)layer;
}

/* Give a packet to the subscriber its transport-wide seq (subscriber_bwe
 * remembers size and send time for the feedback): the element is
 * overwritten, or added when the packet has none (the buffer has EXT_ROOM
 * spare bytes before cap). False: leave the packet unsent. */
bool engine_stamp_twcc(EngineSlot *s, uint8_t *b, size_t *len, size_t cap, int64_t now) {
  EnginePeer *q = s->owner;
  if (!s->e->ext_twcc || !q->e->bwe) return true;
  RtpView v;
  uint8_t zero[2] = {0, 0};
  if (rtp_ext_set(b, len, cap, &v, s->e->ext_twcc, zero, 2) != RTP_OK) return false;
  uint16_t seq = subscriber_bwe_on_send(q->e->bwe, *len, now);
  q->e->twcc_stamped++;
  return twcc_ext_write_seq(b, &v, s->e->ext_twcc, seq);
}

/* Simulcast VP8: PictureID/TL0PICIDX continue across the subscription's
 * layer switches (vp8_rewrite.h says why). False: do not send. */
bool engine_rewrite_vp8(EngineTrack *t, EngineSlot *s, unsigned layer, bool switch_ok, uint8_t *pkt,
                        const RtpView *v) {
  if (t->codec_id != CODEC_VP8 || t->n_layers < 2 || !v->payload_len) return true;
  return vp8_rewrite_apply(&s->e->vp8, layer, switch_ok, pkt + v->payload_offset, v->payload_len);
}

static void forward_one(EngineTrack *t, unsigned layer, const RouterOutput *o, const uint8_t *buf,
                        size_t len, const RtpView *v, int64_t now) {
  EngineSlot *s = o->sub->user_data;
  EnginePeer *q = s ? s->owner : NULL;
  if (!q) return;
  /* Second layer of one-way video: whatever subscription exists, no video
   * reaches a subscriber that may not see it. */
  if (!engine_peer_may_receive(q, t)) {
    engine_drop(q, ENGINE_DROP_VIDEO_BLOCKED, now);
    return;
  }
  /* The last layer of sight-only monitoring: even a slot that exists (a
   * bug above, a policy changed under it) carries no private audio. */
  if (!sight_policy_may_forward(q->hidden, t->room->audio_private, t->kind == SDP_KIND_AUDIO)) {
    engine_drop(q, ENGINE_DROP_PRIVATE_AUDIO, now);
    return;
  }
  uint8_t ob[MAX_PKT + EXT_ROOM + ENGINE_PACKET_TAILROOM];
  memcpy(ob, buf, len);
  if (!engine_rewrite_vp8(t, s, layer, true, ob, v)) {
    engine_drop(q, ENGINE_DROP_VP8_REWRITE, now);
    return;
  }
  rtp_set_ssrc(ob, len, o->sub->out_ssrc);
  rtp_set_seq(ob, len, o->seq);
  rtp_set_timestamp(ob, len, o->ts);
  rtp_set_payload_type(ob, len, s->e->codec.pt);
  if (v->extension && rtp_ext_rewrite_ids(ob, v, s->e->ext_map, NULL) != RTP_OK) {
    engine_drop(q, ENGINE_DROP_EXT_REWRITE, now);
    return;
  }
  if (!engine_stamp_twcc(s, ob, &len, MAX_PKT + EXT_ROOM, now)) {
    engine_drop(q, ENGINE_DROP_TWCC_STAMP, now);
    return;
  }
  if (engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, ob, len) == 0) {
    s->e->packets++;
    s->e->bytes += v->payload_len;
    rtp_send_stats_update(&s->e->sstats, o->ts, v->payload_len, now);
  } else {
    engine_drop(q, ENGINE_DROP_SEND, now);
  }
}

void engine_on_publisher_rtp(EnginePeer *p, uint8_t *buf, size_t len, int64_t now) {
  EngineRoom *r = p->room;
  if (len > MAX_PKT) {
    engine_drop(p, ENGINE_DROP_OVERSIZE, now);
    return;
  }
  RtpView v;
  if (rtp_parse(buf, len, &v) != RTP_OK) {
    engine_drop(p, ENGINE_DROP_RTP_PARSE, now);
    return;
  }
  /* Every packet of the BUNDLE (any SSRC, RTX, padding) counts for the
   * transport-cc feedback the publisher's estimate runs on. */
  publisher_feedback_on_rtp(p, buf, &v, now);
  RouterSsrcInfo info;
  if (!router_lookup_ssrc(r->router, v.ssrc, &info)) {
    Learn l = {p, buf, &v, NULL, 0, 0};
    router_foreach_track(r->router, learn_one, &l);
    if (!l.found) {
      engine_drop(p, ENGINE_DROP_UNKNOWN_SSRC, now);
      return;
    }
    if (router_track_set_ssrc(r->router, l.found->e->rt, l.layer, l.rtx, v.ssrc) != ROUTER_OK) {
      engine_drop(p, ENGINE_DROP_SSRC_BIND, now);
      return;
    }
    engine_log(r, ENGINE_LOG_INFO, "ssrc_learned", "room=%s track=%s ssrc=%u rtx=%d layer=%u", r->name, l.found->id,
             v.ssrc, l.rtx, l.layer);
    if (!router_lookup_ssrc(r->router, v.ssrc, &info)) {
      engine_drop(p, ENGINE_DROP_SSRC_BIND, now);
      return;
    }
  }
  EngineTrack *t = info.track->user_data;
  if (t->pub != p) { /* another participant's SSRC: spoofing or clash */
    engine_drop(p, ENGINE_DROP_SPOOFED_SSRC, now);
    return;
  }
  unsigned L = info.layer < t->n_layers ? info.layer : 0;
  if (info.is_rtx) {
    if (v.payload_len < 2 || !t->e->rt->ssrcs[L]) { /* padding probe */
      engine_drop(p, ENGINE_DROP_RTX_PADDING, now);
      return;
    }
    size_t nl = 0;
    if (rtp_rtx_unwrap(buf, &v, t->e->rt->ssrcs[L], t->codec.pt, &nl) != RTP_OK ||
        rtp_parse(buf, nl, &v) != RTP_OK) {
      engine_drop(p, ENGINE_DROP_RTX_UNWRAP, now);
      return;
    }
    len = nl;
    t->e->rtx_received++;
    /* Browsers probe bandwidth with RTX copies of packets already received.
     * Such a copy is not routed: an old keyframe start would otherwise
     * switch a subscription's layer at a stale sequence number and leave
     * the subscriber a hole it can never fill. */
    const uint8_t *had;
    size_t had_len;
    if (t->e->nack_buf[L] && nack_buffer_get(t->e->nack_buf[L], v.seq, now, &had, &had_len) !=
                              NACK_BUFFER_MISS) {
      t->e->rtx_duplicates++;
      engine_drop(p, ENGINE_DROP_RTX_DUPLICATE, now);
      return;
    }
  }
  t->e->packets++;
  t->e->bytes += v.payload_len;
  t->e->layer_packets[L]++;
  t->e->last_packet_us[L] = now;
  layer_rate_on_packet(&t->e->meter, L, len, now);
  if (!t->e->have_rstats[L]) {
    rtp_stats_init(&t->e->rstats[L], v.ssrc, t->codec.clock_rate);
    t->e->have_rstats[L] = 1;
  }
  rtp_stats_update(&t->e->rstats[L], v.seq, v.timestamp, now, v.payload_len);
  nack_generator_on_packet(t->e->nack_gen[L], v.seq, now);
  if (t->e->nack_buf[L]) nack_buffer_store(t->e->nack_buf[L], v.seq, buf, len, now);
  /* The recorder copies the publisher's packet as it is; a track muted by
   * staff stays a gap in the file. Simulcast: one stream only, the top
   * layer (the recorder takes one SSRC per track). */
  if (r->e->hooks && r->e->hooks->record_rtp && !t->e->rt->muted && L == t->n_layers - 1)
    r->e->hooks->record_rtp(r->e->hooks_ctx, t->user, buf, len, now);
  /* The analyser tap takes the lowest layer (docs/faces.md); it drops, never
   * waits. Its keyframe requests are served here, on the worker. */
  unsigned gen = 0;
  if (p->analyse && t->kind == SDP_KIND_VIDEO && !t->e->rt->muted && L == 0 && r->e->hooks &&
      r->e->hooks->analyser_gen && r->e->hooks->analyser_gen(r->e->hooks_ctx, &gen)) {
    if (gen != t->e->faces_kf_gen) {
      t->e->faces_kf_gen = gen;
      forwarder_request_keyframe(t, "analyser", 1, now);
    }
    if (r->e->hooks->analyser_push) r->e->hooks->analyser_push(r->e->hooks_ctx, p->user, buf, len, now);
  }
  bool voice;
  uint8_t level;
  if (t->e->speaker_key && !t->e->rt->muted &&
      rtp_ext_audio_level(buf, &v, t->ext.audio_level, &voice, &level))
    speaker_detector_on_level(&r->e->speakers, t->e->speaker_key, level, voice, now);
  bool kf = t->kind == SDP_KIND_VIDEO && v.payload_len > 0 &&
            codec_is_keyframe_start(t->codec_id, buf + v.payload_offset, v.payload_len);
  if (kf) keyframe_throttle_on_keyframe(&t->e->kt[L], now);
  RouterOutput outs[MAX_OUTS];
  size_t n = 0;
  RouterTrack *rt = NULL;
  if (router_route(r->router, v.ssrc, v.seq, v.timestamp, kf, now, &rt, outs, MAX_OUTS, &n) !=
      ROUTER_OK) {
    engine_drop(p, ENGINE_DROP_ROUTER, now);
    return;
  }
  for (size_t i = 0; i < n; i++) forward_one(t, L, &outs[i], buf, len, &v, now);
}

void engine_on_publisher_rtcp(EnginePeer *p, uint8_t *buf, size_t len, int64_t now) {
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, buf, len);
  while (rtcp_iter_next(&it, &pk)) {
    if (pk.kind != RTCP_KIND_SR) continue;
    RouterSsrcInfo info;
    if (!router_lookup_ssrc(p->room->router, pk.u.sr.info.ssrc, &info) || info.is_rtx) continue;
    EngineTrack *t = info.track->user_data;
    unsigned L = info.layer < t->n_layers ? info.layer : 0;
    if (t->pub == p && t->e->have_rstats[L]) rtp_stats_on_sr(&t->e->rstats[L], pk.u.sr.info.ntp, now);
    const EngineRoom *r = p->room;
    if (t->pub == p && r->e->hooks && r->e->hooks->record_sr && L == t->n_layers - 1)
      r->e->hooks->record_sr(r->e->hooks_ctx, t->user, pk.u.sr.info.ntp, pk.u.sr.info.rtp_ts, now);
  }
  if (it.status != RTCP_OK) engine_drop(p, ENGINE_DROP_RTCP_PARSE, now);
}

