/* engine_subscriber: RTCP from a subscriber, terminated here: NACKs are
 * answered from the publisher's nack_buffer (RTX when negotiated), PLI/FIR
 * become throttled keyframe requests of the layer it is on, REMB and
 * transport-cc feedback feed its downlink estimate, receiver reports give
 * the round-trip time. */
#include <string.h>

#include "rtcp.h"
#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"

/* ---- subscriber RTCP ---- */

static void retransmit(EngineSlot *s, RouterSubscription *rs, uint16_t out_seq, int64_t now) {
  uint32_t in_ssrc;
  uint16_t in_seq;
  EngineTrack *t = rs->track->user_data;
  /* Cut over: the old layer is abandoned (its repairs would only join the
   * overflowing queue) and nothing of the new one went out yet. */
  if (rs->cut_over) return;
  if (!engine_peer_may_receive(s->owner, t)) { /* one-way video: no repair either */
    engine_drop(s->owner, ENGINE_DROP_VIDEO_BLOCKED, now);
    return;
  }
  if (!seq_rewriter_reverse(&rs->rw, out_seq, &in_ssrc, &in_seq)) return;
  RouterSsrcInfo info;
  if (!router_lookup_ssrc(t->room->router, in_ssrc, &info) || info.track != rs->track ||
      info.is_rtx || info.layer >= t->n_layers || !t->e->nack_buf[info.layer])
    return;
  const uint8_t *pkt;
  size_t plen;
  if (nack_buffer_get(t->e->nack_buf[info.layer], in_seq, now, &pkt, &plen) != NACK_BUFFER_HIT) return;
  RtpView v;
  if (rtp_parse(pkt, plen, &v) != RTP_OK || v.ssrc != in_ssrc) return;
  uint32_t out_ts;
  if (!seq_rewriter_map_ts(&rs->rw, in_ssrc, v.timestamp, &out_ts)) return;
  uint8_t ob[MAX_PKT + EXT_ROOM + ENGINE_PACKET_TAILROOM];
  memcpy(ob, pkt, plen);
  if (!engine_rewrite_vp8(t, s, info.layer, false, ob, &v)) return; /* from a layer left behind */
  rtp_set_ssrc(ob, plen, rs->out_ssrc);
  rtp_set_seq(ob, plen, out_seq);
  rtp_set_timestamp(ob, plen, out_ts);
  rtp_set_payload_type(ob, plen, s->e->codec.pt);
  EnginePeer *q = s->owner;
  if (v.extension && rtp_ext_rewrite_ids(ob, &v, s->e->ext_map, NULL) != RTP_OK) {
    engine_drop(q, ENGINE_DROP_EXT_REWRITE, now);
    return;
  }
  int sent;
  if (s->e->rtx_ok) {
    uint8_t rb[MAX_PKT + 2 + EXT_ROOM + ENGINE_PACKET_TAILROOM];
    size_t rl = 0;
    RtpView ov;
    if (rtp_parse(ob, plen, &ov) != RTP_OK ||
        rtp_rtx_wrap(ob, &ov, s->e->rtx_ssrc, s->e->rtx_pt, s->e->rtx_seq++, rb, MAX_PKT + 2, &rl) != RTP_OK)
      return;
    if (!engine_stamp_twcc(s, rb, &rl, MAX_PKT + 2 + EXT_ROOM, now)) return;
    sent = engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, rb, rl) == 0;
  } else {
    if (!engine_stamp_twcc(s, ob, &plen, MAX_PKT + EXT_ROOM, now)) return;
    sent = engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, ob, plen) == 0;
  }
  if (sent)
    s->e->retransmitted++;
  else
    engine_drop(q, ENGINE_DROP_SEND, now);
}

static RouterSubscription *own_sub(EnginePeer *p, uint32_t media_ssrc, EngineSlot **slot) {
  RouterSubscription *rs = router_subscription_by_out_ssrc(p->room->router, media_ssrc);
  if (!rs || !rs->user_data) return NULL;
  EngineSlot *s = rs->user_data;
  if (s->owner != p) return NULL;
  *slot = s;
  return rs;
}

void engine_on_subscriber_rtcp(EnginePeer *p, uint8_t *buf, size_t len, int64_t now) {
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, buf, len);
  uint64_t est_before = p->e->bwe ? subscriber_bwe_estimate(p->e->bwe) : 0;
  while (rtcp_iter_next(&it, &pk)) {
    EngineSlot *s = NULL;
    RouterSubscription *rs;
    /* transport-cc feedback and REMB go to the estimate (others ignored
     * there); a malformed feedback is counted and changes nothing. */
    if (p->e->bwe) subscriber_bwe_on_rtcp(p->e->bwe, &pk, now);
    switch (pk.kind) {
    case RTCP_KIND_RR:
    case RTCP_KIND_SR: {
      /* Round-trip time from its report blocks on our sender reports. */
      RtcpReportBlock rb;
      uint32_t mid = rtcp_ntp_mid32(rtcp_ntp_from_unix_us(now + p->room->e->wall_offset_us));
      for (unsigned i = 0; i < pk.count && rtcp_report_block(&pk, i, &rb); i++) {
        EngineSlot *o = NULL;
        if (!own_sub(p, rb.ssrc, &o)) continue;
        int64_t rtt = rtcp_rtt_us(mid, rb.lsr, rb.dlsr);
        if (rtt > 0 && rtt < 10000000) {
          p->e->rtt_us = rtt;
          if (p->e->bwe) subscriber_bwe_set_rtt(p->e->bwe, rtt);
        }
        break;
      }
      break;
    }
    case RTCP_KIND_PLI:
      if ((rs = own_sub(p, pk.media_ssrc, &s))) {
        s->e->plis_received++;
        forwarder_request_layer_keyframe(rs->track->user_data, rs->target_layer, "pli", 0, now);
      }
      break;
    case RTCP_KIND_FIR:
      for (unsigned i = 0; i < pk.count; i++) {
        uint32_t ssrc;
        uint8_t seq;
        rtcp_fir_entry(&pk, i, &ssrc, &seq);
        if ((rs = own_sub(p, ssrc, &s))) {
          s->e->plis_received++;
          forwarder_request_layer_keyframe(rs->track->user_data, rs->target_layer, "fir", 0, now);
        }
      }
      break;
    case RTCP_KIND_REMB:
      /* The subscriber's receive-side estimate of its whole downlink. */
      if (p->e->sub_remb_us && pk.u.remb.bitrate_bps * 20 < p->e->sub_remb_bps * 19)
        p->e->sub_remb_drop_us = now;
      if (!p->e->sub_remb_us || pk.u.remb.bitrate_bps * 100 > p->e->sub_remb_bps * 101)
        p->e->sub_remb_rise_us = now;
      p->e->sub_remb_bps = pk.u.remb.bitrate_bps;
      p->e->sub_remb_us = now;
      break;
    case RTCP_KIND_NACK:
      if ((rs = own_sub(p, pk.media_ssrc, &s))) {
        uint16_t seqs[256];
        size_t n = rtcp_nack_seqs(&pk, seqs, G_N_ELEMENTS(seqs));
        if (n > G_N_ELEMENTS(seqs)) n = G_N_ELEMENTS(seqs);
        s->e->nacks_received += n;
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
  if (p->e->bwe && subscriber_bwe_estimate(p->e->bwe) * 10 < est_before * 9)
    for (guint k = 0; k < p->slots->len; k++) forwarder_choose_layer(p->slots->pdata[k], now);
}

