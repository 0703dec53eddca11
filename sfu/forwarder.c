/* forwarder: the packet path of a room, on top of the sans-IO core.
 *
 * Publisher RTP: learn SSRC -> track (mid extension, else payload type),
 * unwrap RTX, count it (rtp_stats, nack_generator), keep it for
 * retransmission (nack_buffer), let the router decide which subscriptions
 * get it with which seq/timestamp, then per subscriber: copy, rewrite SSRC,
 * seq, timestamp, payload type and header extension ids, protect, send.
 *
 * RTCP is terminated per leg: subscribers' PLI/FIR become throttled PLIs to
 * the publisher (keyframe_throttle), their NACKs are answered from the
 * nack_buffer (RTX when negotiated), and once a second we send receiver
 * reports to publishers and sender reports to subscribers (what else a
 * publisher is told, REMB and transport-cc feedback: publisher_feedback.c). */
#include <string.h>

#include "core/codec_keyframe.h"
#include "core/engine.h"
#include "core/layer_selector.h"
#include "core/rtcp.h"
#include "core/rtp.h"
#include "core/twcc_feedback.h"
#include "log.h"
#include "publisher_feedback.h"
#include "room_internal.h"
#include "sdp_write.h"

#define MAX_PKT 1500
/* A forwarded packet may grow by a transport-cc element (rtp_ext_set: at
 * most a new 4-byte block header and one word). */
#define EXT_ROOM 8
#define MAX_OUTS 64
#define NACK_BUFFER_SLOTS 1024
#define NACK_BUFFER_AGE_US 1000000
#define REPORT_INTERVAL_US 1000000
#define REMB_START_BPS 1000000
#define REMB_MIN_BPS 150000
#define REMB_MAX_BPS 2500000

PubTrack *pub_track_new(Participant *p, const SdpMediaInfo *mi) {
  Room *r = p->room;
  PubTrack *t = g_new0(PubTrack, 1);
  t->room = r;
  t->pub = p;
  t->id = g_strdup_printf("%s:%s", p->id, mi->mid);
  t->mid = g_strdup(mi->mid);
  t->kind = mi->kind;
  t->codec = mi->codec;
  t->codec.fmtp = g_strdup(mi->codec.fmtp);
  t->codec_id = codec_from_name(mi->codec.name);
  t->ext = mi->ext;
  t->n_layers = mi->n_rids > 1 ? mi->n_rids : 1;
  layer_rate_init(&t->meter);
  if (t->n_layers > ROUTER_MAX_LAYERS) t->n_layers = ROUTER_MAX_LAYERS;
  for (unsigned l = 0; l < t->n_layers && mi->n_rids; l++)
    g_strlcpy(t->rids[l], mi->rids[l], sizeof t->rids[l]);
  /* About 1 s of packets: video at a few Mbit/s, audio at 50 packets/s. */
  for (unsigned l = 0; l < t->n_layers; l++) {
    t->nack_buf[l] = nack_buffer_new(t->kind == SDP_KIND_VIDEO ? NACK_BUFFER_SLOTS : 64, MAX_PKT,
                                     NACK_BUFFER_AGE_US);
    t->nack_gen[l] = nack_generator_new(NULL);
  }
  for (unsigned l = 0; l < ROUTER_MAX_LAYERS; l++) keyframe_throttle_init(&t->kt[l], 0);
  t->rec_handle = -1;
  t->remb_bps = t->kind == SDP_KIND_VIDEO ? REMB_START_BPS : 0;
  t->remb_sent_bps = t->remb_bps;
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
      .ssrcs = {t->n_layers > 1 ? 0 : mi->ssrc},
      .rtx_ssrcs = {t->n_layers > 1 || !mi->codec.rtx_pt ? 0 : mi->rtx_ssrc},
      .user_data = t,
      .user_destroy = pub_track_free,
  };
  if (t->kind == SDP_KIND_AUDIO && t->ext.audio_level) {
    uint32_t key = ++r->next_speaker_key;
    if (key == 0) key = ++r->next_speaker_key;
    if (speaker_detector_add(&r->speakers, key)) t->speaker_key = key;
  }
  RouterStatus st = router_add_track(r->router, &spec, &t->rt);
  if (st == ROUTER_ERR_SSRC_IN_USE) {
    /* Announced SSRCs clash with another publisher's: learn them from the
     * packets instead. */
    spec.ssrcs[0] = spec.rtx_ssrcs[0] = 0;
    st = router_add_track(r->router, &spec, &t->rt);
  }
  if (st != ROUTER_OK) {
    log_warn("track_refused", "room=%s track=%s status=%s", r->name, t->id, router_status_str(st));
    pub_track_free(t);
    return NULL;
  }
  log_info("track_published", "room=%s track=%s kind=%s codec=%s pt=%u ssrc=%u layers=%u",
           r->name, t->id, sdp_kind_name(t->kind), t->codec.name, t->codec.pt, mi->ssrc,
           t->n_layers);
  room_emit(r, "track_published",
            json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "participant", p->id, "track", "id", t->id,
                      "kind", sdp_kind_name(t->kind), "mid", t->mid, "codec", t->codec.name));
  return t;
}

void pub_track_free(gpointer data) {
  PubTrack *t = data;
  if (!t) return;
  if (t->speaker_key) speaker_detector_remove(&t->room->speakers, t->speaker_key);
  for (unsigned l = 0; l < ROUTER_MAX_LAYERS; l++) {
    nack_buffer_free(t->nack_buf[l]);
    nack_generator_free(t->nack_gen[l]);
  }
  g_free(t->codec.fmtp);
  g_free(t->id);
  g_free(t->mid);
  g_free(t);
}

/* ---- keyframes ---- */

/* One PLI per layer in `mask` (bit l: layer l) in one compound packet.
 * Simulcast layers are separate encoders: a subscriber needs a keyframe of
 * the layer it is on or switching to, and only that. Asking every layer
 * made the publisher send a top-layer keyframe (tens of kB) into the very
 * downlink that was congested, and its throttle window then delayed the
 * low layer's keyframe that the down-switch waited for. */
static void send_pli(PubTrack *t, unsigned mask, const char *reason) {
  Participant *p = t->pub;
  uint8_t b[64 * ROUTER_MAX_LAYERS + ENGINE_PACKET_TAILROOM];
  size_t n = 0;
  for (unsigned l = 0; l < t->rt->n_layers && l < ROUTER_MAX_LAYERS; l++)
    if ((mask >> l & 1u) && t->rt->ssrcs[l])
      n += rtcp_build_pli(b + n, 64, p->rtcp_ssrc, t->rt->ssrcs[l]);
  if (!n || engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, n) != 0) return;
  t->keyframe_requests++;
  room_emit(t->room, "keyframe_requested",
            json_pack("{s:s, s:s, s:s}", "participant", p->id, "track", t->id, "reason", reason));
}

static void request_layers(PubTrack *t, unsigned mask, const char *reason, int force, int64_t now) {
  if (t->kind != SDP_KIND_VIDEO) return;
  unsigned go = 0;
  for (unsigned l = 0; l < t->rt->n_layers && l < ROUTER_MAX_LAYERS; l++) {
    if (!(mask >> l & 1u)) continue;
    if (force ? keyframe_throttle_force(&t->kt[l], now) : keyframe_throttle_request(&t->kt[l], now))
      go |= 1u << l;
  }
  if (go) send_pli(t, go, reason);
}

void forwarder_request_keyframe(PubTrack *t, const char *reason, int force, int64_t now) {
  request_layers(t, ~0u, reason, force, now);
}

void forwarder_request_layer_keyframe(PubTrack *t, unsigned layer, const char *reason, int force,
                                      int64_t now) {
  if (layer < ROUTER_MAX_LAYERS) request_layers(t, 1u << layer, reason, force, now);
}

RouterStatus forwarder_mute_track(PubTrack *t, bool muted, int64_t now) {
  bool need_kf = false;
  RouterStatus st = router_set_muted(t->room->router, t->id, muted, &need_kf);
  if (need_kf) forwarder_request_keyframe(t, "unmute", 1, now);
  return st;
}

/* ---- publisher RTP ---- */

typedef struct {
  Participant *p;
  const uint8_t *buf;
  const RtpView *v;
  PubTrack *found;
  int rtx;
  unsigned layer;
} Learn;

/* The layer a RID (or repaired RID) header extension names; -1 none. */
static int layer_of_rid(const PubTrack *t, const uint8_t *buf, const RtpView *v, uint8_t id) {
  RtpExtElement el;
  if (!id || !rtp_ext_find(buf, v, id, &el)) return -1;
  for (unsigned l = 0; l < t->n_layers; l++)
    if (el.len == strlen(t->rids[l]) && memcmp(buf + el.offset, t->rids[l], el.len) == 0)
      return (int)l;
  return -1;
}

static void learn_one(RouterTrack *rt, void *ud) {
  Learn *l = ud;
  PubTrack *t = rt->user_data;
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

/* Our transport-cc estimate drives the choice once its feedback flows. */
static bool uses_bwe(const Participant *q) { return q->bwe_on && q->bwe && q->bwe->feedbacks > 0; }

/* Give a packet to the subscriber its transport-wide seq (subscriber_bwe
 * remembers size and send time for the feedback): the element is
 * overwritten, or added when the packet has none (the buffer has EXT_ROOM
 * spare bytes before cap). False: leave the packet unsent. */
static bool stamp_twcc(SubSlot *s, uint8_t *b, size_t *len, size_t cap, int64_t now) {
  Participant *q = s->owner;
  if (!s->ext_twcc || !q->bwe) return true;
  RtpView v;
  uint8_t zero[2] = {0, 0};
  if (rtp_ext_set(b, len, cap, &v, s->ext_twcc, zero, 2) != RTP_OK) return false;
  uint16_t seq = subscriber_bwe_on_send(q->bwe, *len, now);
  q->twcc_stamped++;
  return twcc_ext_write_seq(b, &v, s->ext_twcc, seq);
}

/* Simulcast VP8: PictureID/TL0PICIDX continue across the subscription's
 * layer switches (vp8_rewrite.h says why). False: do not send. */
static bool rewrite_vp8(PubTrack *t, SubSlot *s, unsigned layer, bool switch_ok, uint8_t *pkt,
                        const RtpView *v) {
  if (t->codec_id != CODEC_VP8 || t->n_layers < 2 || !v->payload_len) return true;
  return vp8_rewrite_apply(&s->vp8, layer, switch_ok, pkt + v->payload_offset, v->payload_len);
}

static void forward_one(PubTrack *t, unsigned layer, const RouterOutput *o, const uint8_t *buf,
                        size_t len, const RtpView *v, int64_t now) {
  SubSlot *s = o->sub->user_data;
  Participant *q = s ? s->owner : NULL;
  if (!q) return;
  uint8_t ob[MAX_PKT + EXT_ROOM + ENGINE_PACKET_TAILROOM];
  memcpy(ob, buf, len);
  if (!rewrite_vp8(t, s, layer, true, ob, v)) {
    engine_drop(q, ENGINE_DROP_VP8_REWRITE, now);
    return;
  }
  rtp_set_ssrc(ob, len, o->sub->out_ssrc);
  rtp_set_seq(ob, len, o->seq);
  rtp_set_timestamp(ob, len, o->ts);
  rtp_set_payload_type(ob, len, s->codec.pt);
  if (v->extension && rtp_ext_rewrite_ids(ob, v, s->ext_map, NULL) != RTP_OK) {
    engine_drop(q, ENGINE_DROP_EXT_REWRITE, now);
    return;
  }
  if (!stamp_twcc(s, ob, &len, MAX_PKT + EXT_ROOM, now)) {
    engine_drop(q, ENGINE_DROP_TWCC_STAMP, now);
    return;
  }
  if (engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, ob, len) == 0) {
    s->packets++;
    s->bytes += v->payload_len;
    rtp_send_stats_update(&s->sstats, o->ts, v->payload_len, now);
  } else {
    engine_drop(q, ENGINE_DROP_SEND, now);
  }
}

static void on_publisher_rtp(Participant *p, uint8_t *buf, size_t len, int64_t now) {
  Room *r = p->room;
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
    if (router_track_set_ssrc(r->router, l.found->rt, l.layer, l.rtx, v.ssrc) != ROUTER_OK) {
      engine_drop(p, ENGINE_DROP_SSRC_BIND, now);
      return;
    }
    log_info("ssrc_learned", "room=%s track=%s ssrc=%u rtx=%d layer=%u", r->name, l.found->id,
             v.ssrc, l.rtx, l.layer);
    if (!router_lookup_ssrc(r->router, v.ssrc, &info)) {
      engine_drop(p, ENGINE_DROP_SSRC_BIND, now);
      return;
    }
  }
  PubTrack *t = info.track->user_data;
  if (t->pub != p) { /* another participant's SSRC: spoofing or clash */
    engine_drop(p, ENGINE_DROP_SPOOFED_SSRC, now);
    return;
  }
  unsigned L = info.layer < t->n_layers ? info.layer : 0;
  if (info.is_rtx) {
    if (v.payload_len < 2 || !t->rt->ssrcs[L]) { /* padding probe */
      engine_drop(p, ENGINE_DROP_RTX_PADDING, now);
      return;
    }
    size_t nl = 0;
    if (rtp_rtx_unwrap(buf, &v, t->rt->ssrcs[L], t->codec.pt, &nl) != RTP_OK ||
        rtp_parse(buf, nl, &v) != RTP_OK) {
      engine_drop(p, ENGINE_DROP_RTX_UNWRAP, now);
      return;
    }
    len = nl;
    t->rtx_received++;
    /* Browsers probe bandwidth with RTX copies of packets already received.
     * Such a copy is not routed: an old keyframe start would otherwise
     * switch a subscription's layer at a stale sequence number and leave
     * the subscriber a hole it can never fill. */
    const uint8_t *had;
    size_t had_len;
    if (t->nack_buf[L] && nack_buffer_get(t->nack_buf[L], v.seq, now, &had, &had_len) !=
                              NACK_BUFFER_MISS) {
      t->rtx_duplicates++;
      engine_drop(p, ENGINE_DROP_RTX_DUPLICATE, now);
      return;
    }
  }
  t->packets++;
  t->bytes += v.payload_len;
  t->layer_packets[L]++;
  t->last_packet_us[L] = now;
  layer_rate_on_packet(&t->meter, L, len, now);
  if (!t->have_rstats[L]) {
    rtp_stats_init(&t->rstats[L], v.ssrc, t->codec.clock_rate);
    t->have_rstats[L] = 1;
  }
  rtp_stats_update(&t->rstats[L], v.seq, v.timestamp, now, v.payload_len);
  nack_generator_on_packet(t->nack_gen[L], v.seq, now);
  if (t->nack_buf[L]) nack_buffer_store(t->nack_buf[L], v.seq, buf, len, now);
  /* The recorder copies the publisher's packet as it is; a track muted by
   * staff stays a gap in the file. Simulcast: one stream only, the top
   * layer (the recorder takes one SSRC per track). */
  if (r->recorder && t->rec_handle >= 0 && !t->rt->muted && L == t->n_layers - 1)
    recorder_push_rtp(r->recorder, t->rec_handle, buf, len, now);
  bool voice;
  uint8_t level;
  if (t->speaker_key && !t->rt->muted &&
      rtp_ext_audio_level(buf, &v, t->ext.audio_level, &voice, &level))
    speaker_detector_on_level(&r->speakers, t->speaker_key, level, voice, now);
  bool kf = t->kind == SDP_KIND_VIDEO && v.payload_len > 0 &&
            codec_is_keyframe_start(t->codec_id, buf + v.payload_offset, v.payload_len);
  if (kf) keyframe_throttle_on_keyframe(&t->kt[L], now);
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

static void on_publisher_rtcp(Participant *p, uint8_t *buf, size_t len, int64_t now) {
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, buf, len);
  while (rtcp_iter_next(&it, &pk)) {
    if (pk.kind != RTCP_KIND_SR) continue;
    RouterSsrcInfo info;
    if (!router_lookup_ssrc(p->room->router, pk.u.sr.info.ssrc, &info) || info.is_rtx) continue;
    PubTrack *t = info.track->user_data;
    unsigned L = info.layer < t->n_layers ? info.layer : 0;
    if (t->pub == p && t->have_rstats[L]) rtp_stats_on_sr(&t->rstats[L], pk.u.sr.info.ntp, now);
    if (t->pub == p && p->room->recorder && t->rec_handle >= 0 && L == t->n_layers - 1)
      recorder_on_sender_report(p->room->recorder, t->rec_handle, pk.u.sr.info.ntp,
                                pk.u.sr.info.rtp_ts, now);
  }
  if (it.status != RTCP_OK) engine_drop(p, ENGINE_DROP_RTCP_PARSE, now);
}

/* ---- subscriber RTCP ---- */

static void retransmit(SubSlot *s, RouterSubscription *rs, uint16_t out_seq, int64_t now) {
  uint32_t in_ssrc;
  uint16_t in_seq;
  PubTrack *t = rs->track->user_data;
  /* Cut over: the old layer is abandoned (its repairs would only join the
   * overflowing queue) and nothing of the new one went out yet. */
  if (rs->cut_over) return;
  if (!seq_rewriter_reverse(&rs->rw, out_seq, &in_ssrc, &in_seq)) return;
  RouterSsrcInfo info;
  if (!router_lookup_ssrc(t->room->router, in_ssrc, &info) || info.track != rs->track ||
      info.is_rtx || info.layer >= t->n_layers || !t->nack_buf[info.layer])
    return;
  const uint8_t *pkt;
  size_t plen;
  if (nack_buffer_get(t->nack_buf[info.layer], in_seq, now, &pkt, &plen) != NACK_BUFFER_HIT) return;
  RtpView v;
  if (rtp_parse(pkt, plen, &v) != RTP_OK || v.ssrc != in_ssrc) return;
  uint32_t out_ts;
  if (!seq_rewriter_map_ts(&rs->rw, in_ssrc, v.timestamp, &out_ts)) return;
  uint8_t ob[MAX_PKT + EXT_ROOM + ENGINE_PACKET_TAILROOM];
  memcpy(ob, pkt, plen);
  if (!rewrite_vp8(t, s, info.layer, false, ob, &v)) return; /* from a layer left behind */
  rtp_set_ssrc(ob, plen, rs->out_ssrc);
  rtp_set_seq(ob, plen, out_seq);
  rtp_set_timestamp(ob, plen, out_ts);
  rtp_set_payload_type(ob, plen, s->codec.pt);
  Participant *q = s->owner;
  if (v.extension && rtp_ext_rewrite_ids(ob, &v, s->ext_map, NULL) != RTP_OK) {
    engine_drop(q, ENGINE_DROP_EXT_REWRITE, now);
    return;
  }
  int sent;
  if (s->rtx_ok) {
    uint8_t rb[MAX_PKT + 2 + EXT_ROOM + ENGINE_PACKET_TAILROOM];
    size_t rl = 0;
    RtpView ov;
    if (rtp_parse(ob, plen, &ov) != RTP_OK ||
        rtp_rtx_wrap(ob, &ov, s->rtx_ssrc, s->rtx_pt, s->rtx_seq++, rb, MAX_PKT + 2, &rl) != RTP_OK)
      return;
    if (!stamp_twcc(s, rb, &rl, MAX_PKT + 2 + EXT_ROOM, now)) return;
    sent = engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, rb, rl) == 0;
  } else {
    if (!stamp_twcc(s, ob, &plen, MAX_PKT + EXT_ROOM, now)) return;
    sent = engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, ob, plen) == 0;
  }
  if (sent)
    s->retransmitted++;
  else
    engine_drop(q, ENGINE_DROP_SEND, now);
}

static RouterSubscription *own_sub(Participant *p, uint32_t media_ssrc, SubSlot **slot) {
  RouterSubscription *rs = router_subscription_by_out_ssrc(p->room->router, media_ssrc);
  if (!rs || !rs->user_data) return NULL;
  SubSlot *s = rs->user_data;
  if (s->owner != p) return NULL;
  *slot = s;
  return rs;
}

static void on_subscriber_rtcp(Participant *p, uint8_t *buf, size_t len, int64_t now) {
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, buf, len);
  uint64_t est_before = p->bwe ? subscriber_bwe_estimate(p->bwe) : 0;
  while (rtcp_iter_next(&it, &pk)) {
    SubSlot *s = NULL;
    RouterSubscription *rs;
    /* transport-cc feedback and REMB go to the estimate (others ignored
     * there); a malformed feedback is counted and changes nothing. */
    if (p->bwe) subscriber_bwe_on_rtcp(p->bwe, &pk, now);
    switch (pk.kind) {
    case RTCP_KIND_RR:
    case RTCP_KIND_SR: {
      /* Round-trip time from its report blocks on our sender reports. */
      RtcpReportBlock rb;
      uint32_t mid = rtcp_ntp_mid32(rtcp_ntp_from_unix_us(now + p->room->wall_offset_us));
      for (unsigned i = 0; i < pk.count && rtcp_report_block(&pk, i, &rb); i++) {
        SubSlot *o = NULL;
        if (!own_sub(p, rb.ssrc, &o)) continue;
        int64_t rtt = rtcp_rtt_us(mid, rb.lsr, rb.dlsr);
        if (rtt > 0 && rtt < 10000000) {
          p->rtt_us = rtt;
          if (p->bwe) subscriber_bwe_set_rtt(p->bwe, rtt);
        }
        break;
      }
      break;
    }
    case RTCP_KIND_PLI:
      if ((rs = own_sub(p, pk.media_ssrc, &s))) {
        s->plis_received++;
        forwarder_request_layer_keyframe(rs->track->user_data, rs->target_layer, "pli", 0, now);
      }
      break;
    case RTCP_KIND_FIR:
      for (unsigned i = 0; i < pk.count; i++) {
        uint32_t ssrc;
        uint8_t seq;
        rtcp_fir_entry(&pk, i, &ssrc, &seq);
        if ((rs = own_sub(p, ssrc, &s))) {
          s->plis_received++;
          forwarder_request_layer_keyframe(rs->track->user_data, rs->target_layer, "fir", 0, now);
        }
      }
      break;
    case RTCP_KIND_REMB:
      /* The subscriber's receive-side estimate of its whole downlink. */
      if (p->sub_remb_us && pk.u.remb.bitrate_bps * 20 < p->sub_remb_bps * 19)
        p->sub_remb_drop_us = now;
      if (!p->sub_remb_us || pk.u.remb.bitrate_bps * 100 > p->sub_remb_bps * 101)
        p->sub_remb_rise_us = now;
      p->sub_remb_bps = pk.u.remb.bitrate_bps;
      p->sub_remb_us = now;
      break;
    case RTCP_KIND_NACK:
      if ((rs = own_sub(p, pk.media_ssrc, &s))) {
        uint16_t seqs[256];
        size_t n = rtcp_nack_seqs(&pk, seqs, G_N_ELEMENTS(seqs));
        if (n > G_N_ELEMENTS(seqs)) n = G_N_ELEMENTS(seqs);
        s->nacks_received += n;
        for (size_t i = 0; i < n; i++) retransmit(s, rs, seqs[i], now);
      }
      break;
    default:
      break;
    }
  }
  if (it.status != RTCP_OK) engine_drop(p, ENGINE_DROP_RTCP_PARSE, now);
  /* A falling estimate is acted on now, not at the next 100 ms choice: every
   * packet of the old layer sent meanwhile joins the queue the low layer's
   * keyframe must wait behind. */
  if (p->bwe && subscriber_bwe_estimate(p->bwe) * 10 < est_before * 9)
    for (guint k = 0; k < p->slots->len; k++) forwarder_choose_layer(p->slots->pdata[k], now);
}

/* ---- timers ---- */

typedef struct {
  Room *r;
  int64_t now;
} TickCtx;

static void tick_track(RouterTrack *rt, void *ud) {
  TickCtx *c = ud;
  PubTrack *t = rt->user_data;
  Participant *p = t->pub;
  if (!p->pub_connected) return;
  if (t->kind == SDP_KIND_VIDEO) {
    unsigned due = 0;
    for (unsigned l = 0; l < t->n_layers && l < ROUTER_MAX_LAYERS; l++)
      if (keyframe_throttle_poll(&t->kt[l], c->now)) due |= 1u << l;
    if (due) send_pli(t, due, "pli");
  }
  for (unsigned l = 0; l < t->n_layers; l++) {
    uint16_t seqs[64];
    size_t n = nack_generator_poll(t->nack_gen[l], c->now, seqs, G_N_ELEMENTS(seqs));
    if (n && t->codec.fb_nack && rt->ssrcs[l]) {
      uint8_t b[600 + ENGINE_PACKET_TAILROOM];
      size_t len = rtcp_build_nack(b, 600, p->rtcp_ssrc, rt->ssrcs[l], seqs, n);
      if (len && engine_send(p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, b, len) == 0)
        t->nacks_sent += n;
    }
    if (nack_generator_take_keyframe_wanted(t->nack_gen[l]))
      forwarder_request_layer_keyframe(t, l, "nack_gave_up", 0, c->now);
  }
}

/* Loss-based estimate (the loss half of GCC): back off under heavy loss,
 * probe up slowly when clean. Enough for the publisher's encoder to adapt. */
static void update_remb(PubTrack *t, uint8_t fraction_lost) {
  double loss = fraction_lost / 256.0;
  double est = (double)t->remb_bps;
  if (loss > 0.10)
    est *= 1.0 - 0.5 * loss;
  else if (loss < 0.02)
    est *= 1.08;
  if (est < REMB_MIN_BPS) est = REMB_MIN_BPS;
  if (est > REMB_MAX_BPS) est = REMB_MAX_BPS;
  t->remb_bps = (uint64_t)est;
}

typedef struct {
  Participant *p;
  GPtrArray *out;
} OwnCollect;

static void collect_own(RouterTrack *rt, void *ud) {
  OwnCollect *c = ud;
  PubTrack *t = rt->user_data;
  if (t->pub == c->p) g_ptr_array_add(c->out, t);
}

uint64_t forwarder_slot_cap(const SubSlot *s) {
  uint64_t a = s->owner ? s->owner->max_video_bps : 0, b = s->answer_max_bps;
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

uint64_t forwarder_video_cap(const PubTrack *t) {
  if (t->n_layers > 1) return 0; /* limited subscribers get the low layer instead */
  size_t n = 0;
  RouterSubscription *const *subs = router_track_subscriptions(t->rt, &n);
  uint64_t cap = 0;
  size_t counted = 0;
  for (size_t i = 0; i < n; i++) {
    const SubSlot *s = subs[i]->user_data;
    if (!s) continue;
    uint64_t c = forwarder_slot_cap(s);
    if (!c) return 0; /* one subscriber takes all the publisher sends */
    if (c > cap) cap = c;
    counted++;
  }
  return counted ? cap : 0;
}

static void report_publisher(Participant *p, int64_t now) {
  if (!p->pub_connected) return;
  RtcpReportBlock blocks[RTCP_MAX_REPORT_BLOCKS];
  unsigned nb = 0;
  OwnCollect c = {p, g_ptr_array_new()};
  router_foreach_track(p->room->router, collect_own, &c);
  for (guint i = 0; i < c.out->len; i++) {
    PubTrack *t = c.out->pdata[i];
    uint8_t worst = 0;
    int any = 0;
    for (unsigned l = 0; l < t->n_layers && nb < RTCP_MAX_REPORT_BLOCKS; l++) {
      if (!t->have_rstats[l]) continue;
      rtp_stats_report_block(&t->rstats[l], now, &blocks[nb]);
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

/* A REMB older than this no longer describes the downlink. */
#define REMB_STALE_US 5000000
#define REMB_CEILING_US 5000000
#define REMB_FLAT_US 2500000
#define RESUME_TRY_US 5000000
#define AUDIO_BUDGET_BPS 40000
#define NO_ESTIMATE_BPS 1000000000ull

/* Pause: remember where the output numbering stands and drop the router
 * subscription (nothing of the track reaches the subscriber; its audio
 * subscriptions are untouched). */
static void pause_video(SubSlot *s, PubTrack *t, int64_t now) {
  RouterSubscription *rs = s->rs;
  Participant *q = s->owner;
  s->resume_seq = (uint16_t)(rs->rw.started ? rs->rw.out_ext_max + 1 : rs->rw.first_out_seq);
  s->resume_ts = rs->rw.started ? rs->rw.last_out_ts : rs->rw.first_out_ts;
  s->paused_us = rs->rw.started ? rs->rw.last_out_us : now;
  router_unsubscribe(t->room->router, q->id, t->id);
  s->rs = NULL;
  s->paused = 1;
  s->pauses++;
  log_info("video_paused", "room=%s subscriber=%s track=%s", t->room->name, q->id, t->id);
  room_emit(t->room, "video_paused",
            json_pack("{s:s, s:s, s:b}", "participant", q->id, "track", t->id, "paused", 1));
}

/* Resume: a new router subscription with the same out SSRC, numbering on
 * from the pause (sequence + 1, timestamp advanced by the time paused); it
 * waits for a keyframe of the target layer, which we ask for. */
static void resume_video(SubSlot *s, PubTrack *t, unsigned layer, int64_t now) {
  Participant *q = s->owner;
  uint32_t ts = s->resume_ts + (uint32_t)((now - s->paused_us) * (int64_t)t->codec.clock_rate / 1000000);
  RouterSubscription *rs = NULL;
  if (router_subscribe(t->room->router, q->id, t->id, s->ssrc, s->resume_seq, ts, &rs) != ROUTER_OK)
    return;
  rs->user_data = s;
  s->rs = rs;
  s->paused = 0;
  router_set_target_layer(t->room->router, rs, layer);
  log_info("video_resumed", "room=%s subscriber=%s track=%s layer=%u", t->room->name, q->id, t->id,
           layer);
  room_emit(t->room, "video_paused",
            json_pack("{s:s, s:s, s:b}", "participant", q->id, "track", t->id, "paused", 0));
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
static uint64_t others_bps(const Participant *q, const SubSlot *self, int64_t now) {
  (void)self;
  (void)now;
  uint64_t sum = 0;
  for (guint i = 0; i < q->slots->len; i++) {
    const SubSlot *o = q->slots->pdata[i];
    if (o->rs && o->kind == SDP_KIND_AUDIO) sum += AUDIO_BUDGET_BPS;
  }
  return sum;
}


void forwarder_choose_layer(SubSlot *s, int64_t now) {
  if (!s->active || !s->track_id || (!s->rs && !s->paused)) return;
  RouterSubscription *rs = s->rs;
  PubTrack *t = rs ? rs->track->user_data : room_track(s->owner->room, s->track_id);
  if (!t || t->n_layers < 2) return;
  Participant *q = s->owner;
  int top = (int)t->n_layers - 1;
  /* A limit (wall tile) caps the choice at the lowest layer; the estimate
   * (the subscriber's REMB) picks among the rest, audio first. */
  int max_layer = forwarder_slot_cap(s) ? 0 : top;
  if (!s->sel_ready) {
    layer_selector_init(&s->sel, NULL, max_layer, max_layer);
    s->sel_ready = 1;
  }
  layer_selector_set_max_layer(&s->sel, max_layer);
  uint64_t bps[LAYER_MAX] = {0};
  for (unsigned l = 0; l < t->n_layers && l < LAYER_MAX; l++)
    bps[l] = layer_rate_bps(&t->meter, l, now);
  /* audio: reserved before this subscription's video (others_bps). */
  uint64_t audio = others_bps(q, s, now);
  int fwd_layer = rs ? (int)rs->layer : LAYER_PAUSED;
  /* With transport-cc our send-side estimate: it reacts to a queue in
   * ~100 ms, and probes (bwe_tick) prove the next layer up. Else the
   * subscriber's REMB, read as below. */
  bool bwe = uses_bwe(q);
  uint64_t est = bwe ? subscriber_bwe_estimate(q->bwe)
                 : q->sub_remb_us && now - q->sub_remb_us < REMB_STALE_US ? q->sub_remb_bps
                                                                         : NO_ESTIMATE_BPS;
  /* A receive-side REMB says about 1.5x what arrives and climbs slowly
   * behind it (~8 %/s): taken as a ceiling it would keep a subscriber on a
   * low layer for good, or drop it right after an up-switch. It is a
   * ceiling only when the receiver saw over-use: it fell in the last
   * REMB_CEILING_US, or it has stopped rising for REMB_FLAT_US while below
   * what we send. Otherwise the estimate allows one layer up from the one
   * forwarded (the selector's hold and back-off keep a link that cannot
   * carry it from flapping). */
  if (!bwe && est != NO_ESTIMATE_BPS) {
    bool fell = q->sub_remb_drop_us && now - q->sub_remb_drop_us < REMB_CEILING_US;
    bool flat = now - q->sub_remb_rise_us > REMB_FLAT_US && est < q->sub_rate_bps;
    if (fell || flat) {
      /* On over-use a receiver's REMB is ~0.85x what arrived: the link
       * carried that much. */
      est = est * 100 / 85;
    } else {
      unsigned next = fwd_layer < 0 ? 0 : (unsigned)fwd_layer + 1 < t->n_layers ? (unsigned)fwd_layer + 1 : (unsigned)fwd_layer;
      uint64_t step = (uint64_t)((double)(bps[next] + audio) * 1.3) + 1;
      if (step > est) est = step;
    }
  }
  /* While paused the receiver's REMB cannot grow (no video reaches it to
   * measure): after a while (5 s, doubling with each pause up to 40 s) let
   * the selector try the lowest layer again. (Our own estimate gets there
   * by probing, unless there is no RTX to carry the padding.) */
  if (!rs && (!bwe || !s->rtx_ok)) {
    unsigned shift = s->pauses > 1 ? (unsigned)(s->pauses - 1 < 3 ? s->pauses - 1 : 3) : 0;
    if (now - s->paused_us >= (RESUME_TRY_US << shift)) {
      uint64_t step = (uint64_t)((double)(bps[0] + audio) * 1.3) + 1;
      if (step > est || est == NO_ESTIMATE_BPS) est = step;
    }
  }
  /* Going down, the link's own rate picks the layer: while the queue toward
   * the subscriber overflows it delivers exactly what the link carries
   * (the last 200 ms acknowledged), whereas the estimate's first decrease
   * straddles the rate from before (and halves at most): it chose the
   * middle layer on a 300 kbit/s link, whose keyframe alone takes a second
   * to drain, then the lowest (a 1.3 s freeze). Never below the lowest
   * layer on this account: pausing is the estimate's call. */
  if (bwe && rs && fwd_layer >= 0 && fwd_layer < (int)t->n_layers && bps[fwd_layer] + audio > est &&
      subscriber_bwe_congested(q->bwe, now)) {
    uint64_t link = subscriber_bwe_link_bps(q->bwe), low = bps[0] + audio;
    if (link && link < est) est = link > low ? link : low < est ? low : est;
  }
  LayerDecision d = layer_selector_update(&s->sel, bps, t->n_layers, est, audio, fwd_layer, now);
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
      uint64_t link = subscriber_bwe_link_bps(q->bwe);
      if (link && link < bps[fwd_layer] + audio && subscriber_bwe_congested(q->bwe, now) &&
          router_cut_over(t->room->router, rs) == ROUTER_OK)
        log_info("layer_cut_over", "room=%s subscriber=%s track=%s from=%d to=%d link=%" G_GUINT64_FORMAT,
                 t->room->name, q->id, t->id, fwd_layer, pick, link);
    }
    log_info("layer_target",
             "room=%s subscriber=%s track=%s layer=%d from=%u estimate=%" G_GUINT64_FORMAT
             " link=%" G_GUINT64_FORMAT,
             t->room->name, q->id, t->id, pick, rs->layer, est == NO_ESTIMATE_BPS ? 0 : est,
             bwe ? subscriber_bwe_link_bps(q->bwe) : 0);
  }
  if ((d.request_keyframe || d.changed) && (unsigned)pick != rs->layer)
    forwarder_request_layer_keyframe(t, (unsigned)pick, "layer_switch", 1, now);
}

static void report_subscriber(Participant *p, int64_t now) {
  uint64_t total = 0;
  for (guint i = 0; i < p->slots->len; i++) total += ((SubSlot *)p->slots->pdata[i])->bytes;
  p->sub_rate_bps = (total - p->sub_bytes_last) * 8 * 1000000 / REPORT_INTERVAL_US;
  p->sub_bytes_last = total;
  if (!p->sub_connected) return;
  uint8_t b[1400 + ENGINE_PACKET_TAILROOM];
  size_t len = 0;
  uint64_t ntp = rtcp_ntp_from_unix_us(now + p->room->wall_offset_us);
  for (guint i = 0; i < p->slots->len; i++) {
    SubSlot *s = p->slots->pdata[i];
    RtcpSenderInfo si;
    if (!s->rs || !rtp_send_stats_sender_info(&s->sstats, now, ntp, &si)) continue;
    size_t n = rtcp_build_sr(b + len, 1400 - len, &si, NULL, 0);
    if (!n) break;
    len += n;
  }
  if (len) engine_send(p, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTCP, b, len);
}

typedef struct {
  uint32_t key;
  PubTrack *found;
} SpeakerFind;

static void find_speaker(RouterTrack *rt, void *ud) {
  SpeakerFind *f = ud;
  PubTrack *t = rt->user_data;
  if (f->key && t->speaker_key == f->key) f->found = t;
}

#define SPEAKER_POLL_US 100000
#define LAYER_CHOICE_US 100000

/* speaking / active_speaker events from the audio levels (docs/sfu-control.md). */
static void poll_speakers(Room *r, int64_t now) {
  if (now - r->last_speaker_poll_us < SPEAKER_POLL_US) return;
  r->last_speaker_poll_us = now;
  SpeakerEvent ev[16];
  size_t n = speaker_detector_poll(&r->speakers, now, ev, G_N_ELEMENTS(ev));
  for (size_t i = 0; i < n; i++) {
    SpeakerFind f = {ev[i].key, NULL};
    router_foreach_track(r->router, find_speaker, &f);
    if (ev[i].kind == SPEAKER_EV_ACTIVE_CHANGED) {
      room_emit(r, "active_speaker",
                json_pack("{s:o}", "participant",
                          f.found ? json_string(f.found->pub->id) : json_null()));
    } else if (f.found) {
      room_emit(r, "speaking",
                json_pack("{s:s, s:s, s:b}", "participant", f.found->pub->id, "track",
                          f.found->id, "speaking", ev[i].kind == SPEAKER_EV_STARTED));
    }
  }
}

/* ---- probing toward subscribers ---- */

/* A padding-only RTP packet on the subscription's RTX SSRC (RTX payload
 * type; receivers count it for bandwidth estimation and discard it): RTP
 * header, a one-byte extension block with our transport-wide seq, `pad`
 * bytes of RTP padding (<= 255). */
#define PAD_MAX 255
#define PAD_MIN 200
#define PAD_HDR (RTP_HEADER_MIN + 8)

static bool send_padding(SubSlot *s, size_t pad, int64_t now) {
  Participant *q = s->owner;
  uint8_t b[PAD_HDR + PAD_MAX + ENGINE_PACKET_TAILROOM];
  uint32_t ts = s->rs ? (s->rs->rw.started ? s->rs->rw.last_out_ts : s->rs->rw.first_out_ts) : s->resume_ts;
  memset(b, 0, sizeof b);
  b[0] = 0x80 | 0x20 | 0x10; /* V=2, P, X */
  b[1] = s->rtx_pt & 0x7f;
  size_t len = PAD_HDR + pad;
  rtp_set_seq(b, len, s->rtx_seq);
  rtp_set_timestamp(b, len, ts);
  rtp_set_ssrc(b, len, s->rtx_ssrc);
  b[12] = 0xbe;
  b[13] = 0xde;
  b[15] = 1; /* one word */
  b[16] = (uint8_t)((s->ext_twcc << 4) | 1);
  b[len - 1] = (uint8_t)pad;
  uint16_t seq = subscriber_bwe_on_send_padding(q->bwe, len, now);
  b[17] = (uint8_t)(seq >> 8);
  b[18] = (uint8_t)seq;
  if (engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, b, len) != 0) return false;
  s->rtx_seq++;
  q->padding_packets++;
  q->padding_bytes += len;
  return true;
}

/* Every tick for a subscriber whose estimate is ours: a successful probe
 * lets its selectors step up after the short hold; subscriber_bwe_tick is
 * told what the cheapest step up needs (that layer's rate x 1.25 plus what
 * the rest of the downlink carries, the selector's own margin) and asks
 * for probe padding, sent on a video subscription's RTX SSRC. */
static void bwe_tick(Participant *q, int64_t now) {
  if (!uses_bwe(q) || !q->sub_connected) return;
  bool verified = subscriber_bwe_take_verified(q->bwe);
  uint64_t want = 0;
  SubSlot *pad = NULL;
  for (guint i = 0; i < q->slots->len; i++) {
    SubSlot *s = q->slots->pdata[i];
    if (s->kind != SDP_KIND_VIDEO || !s->active || !s->track_id || (!s->rs && !s->paused)) continue;
    if (!pad && s->rtx_ok && s->ext_twcc) pad = s;
    if (!s->sel_ready) continue;
    if (verified) layer_selector_verified(&s->sel, now);
    PubTrack *t = s->rs ? s->rs->track->user_data : room_track(q->room, s->track_id);
    if (!t || t->n_layers < 2) continue;
    int next = s->sel.target == LAYER_PAUSED ? 0 : s->sel.target + 1;
    if (next > s->sel.max_layer || next >= (int)t->n_layers) continue;
    uint64_t b = layer_rate_bps(&t->meter, (unsigned)next, now);
    if (!b) continue;
    uint64_t w = (uint64_t)((double)b * 1.25) + others_bps(q, s, now);
    if (!want || w < want) want = w;
  }
  if (!pad) want = 0;
  size_t due;
  for (int n = 0; (due = subscriber_bwe_tick(q->bwe, want, now)) > 0 && pad && n < 64; n++) {
    size_t p = due < PAD_MIN ? PAD_MIN : due > PAD_MAX ? PAD_MAX : due;
    if (!send_padding(pad, p, now)) break;
  }
}

void engine_tick(Room *r, int64_t now) {
  TickCtx c = {r, now};
  router_foreach_track(r->router, tick_track, &c);
  poll_speakers(r, now);
  for (guint i = 0; i < r->order->len; i++) bwe_tick(r->order->pdata[i], now);
  for (guint i = 0; i < r->order->len; i++) publisher_feedback_tick(r->order->pdata[i], now);
  if (now - r->last_layer_us >= LAYER_CHOICE_US) {
    r->last_layer_us = now;
    for (guint i = 0; i < r->order->len; i++) {
      Participant *q = r->order->pdata[i];
      for (guint k = 0; k < q->slots->len; k++) forwarder_choose_layer(q->slots->pdata[k], now);
    }
  }
  if (now - r->last_report_us < REPORT_INTERVAL_US) return;
  r->last_report_us = now;
  for (guint i = 0; i < r->order->len; i++) {
    report_publisher(r->order->pdata[i], now);
    report_subscriber(r->order->pdata[i], now);
  }
}

/* ---- the seam (core/engine.h) ---- */

#define ENGINE_TICK_US 20000 /* the finest cadence: NACK and keyframe polls */

int64_t engine_next_timeout(const Room *r, int64_t now) {
  (void)r;
  return now + ENGINE_TICK_US;
}

void engine_set_wall_offset(Room *r, int64_t unix_minus_mono_us) {
  r->wall_offset_us = unix_minus_mono_us;
}

void engine_peer_set_output(Participant *p, EngineSendFn send, void *io) {
  p->send = send;
  p->send_io = io;
}

void engine_peer_set_connected(Participant *p, EngineLeg leg, int connected, int64_t now) {
  (void)now;
  if (leg == ENGINE_LEG_PUBLISHER)
    p->pub_connected = connected != 0;
  else
    p->sub_connected = connected != 0;
}

int engine_send(Participant *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len) {
  if (!p->send) return -1;
  return p->send(p->send_io, leg, kind, buf, len);
}

void engine_input(Participant *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len,
                  int64_t now) {
  if (leg == ENGINE_LEG_PUBLISHER) {
    if (kind == ENGINE_PACKET_RTP)
      on_publisher_rtp(p, buf, len, now);
    else
      on_publisher_rtcp(p, buf, len, now);
  } else if (kind == ENGINE_PACKET_RTCP) {
    on_subscriber_rtcp(p, buf, len, now);
  } else {
    engine_drop(p, ENGINE_DROP_SUBSCRIBER_RTP, now);
  }
}

void engine_drop(Participant *p, EngineDrop why, int64_t now) {
  engine_drops_count(&p->room->drops, why, now);
  if (engine_drops_count(&p->drops, why, now))
    log_debug("packet_dropped", "room=%s participant=%s reason=%s count=%" G_GUINT64_FORMAT,
              p->room->name, p->id, engine_drop_name(why), p->drops.count[why]);
}

json_t *engine_drops_json(const EngineDrops *d) {
  json_t *j = json_object();
  for (unsigned i = 0; i < ENGINE_DROP_N; i++)
    json_object_set_new(j, engine_drop_name((EngineDrop)i), json_integer((json_int_t)d->count[i]));
  return j;
}
