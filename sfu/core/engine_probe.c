/* engine_probe: padding toward a subscriber whose downlink estimate is ours
 * (transport-cc), so that a probe proves the rate of the next layer up
 * before the layer choice steps up to it. */
#include <string.h>

#include "engine.h"
#include "engine_internal.h"
#include "engine_state.h"

/* ---- probing toward subscribers ---- */

/* A padding-only RTP packet on the subscription's RTX SSRC (RTX payload
 * type; receivers count it for bandwidth estimation and discard it): RTP
 * header, a one-byte extension block with our transport-wide seq, `pad`
 * bytes of RTP padding (<= 255). */
#define PAD_MAX 255
#define PAD_MIN 200
#define PAD_HDR (RTP_HEADER_MIN + 8)

static bool send_padding(EngineSlot *s, size_t pad, int64_t now) {
  EnginePeer *q = s->owner;
  uint8_t b[PAD_HDR + PAD_MAX + ENGINE_PACKET_TAILROOM];
  uint32_t ts = s->rs ? (s->rs->rw.started ? s->rs->rw.last_out_ts : s->rs->rw.first_out_ts) : s->e->resume_ts;
  memset(b, 0, sizeof b);
  b[0] = 0x80 | 0x20 | 0x10; /* V=2, P, X */
  b[1] = s->e->rtx_pt & 0x7f;
  size_t len = PAD_HDR + pad;
  rtp_set_seq(b, len, s->e->rtx_seq);
  rtp_set_timestamp(b, len, ts);
  rtp_set_ssrc(b, len, s->e->rtx_ssrc);
  b[12] = 0xbe;
  b[13] = 0xde;
  b[15] = 1; /* one word */
  b[16] = (uint8_t)((s->e->ext_twcc << 4) | 1);
  b[len - 1] = (uint8_t)pad;
  uint16_t seq = subscriber_bwe_on_send_padding(q->e->bwe, len, now);
  b[17] = (uint8_t)(seq >> 8);
  b[18] = (uint8_t)seq;
  if (engine_send(q, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, b, len) != 0) return false;
  s->e->rtx_seq++;
  q->e->padding_packets++;
  q->e->padding_bytes += len;
  return true;
}

/* Every tick for a subscriber whose estimate is ours: a successful probe
 * lets its selectors step up after the short hold; subscriber_bwe_tick is
 * told what the cheapest step up needs (that layer's rate x 1.25 plus what
 * the rest of the downlink carries, the selector's own margin) and asks
 * for probe padding, sent on a video subscription's RTX SSRC. */
void engine_probe_tick(EnginePeer *q, int64_t now) {
  if (!engine_uses_bwe(q) || !q->e->sub_connected) return;
  bool verified = subscriber_bwe_take_verified(q->e->bwe);
  uint64_t want = 0;
  EngineSlot *pad = NULL;
  for (guint i = 0; i < q->slots->len; i++) {
    EngineSlot *s = q->slots->pdata[i];
    if (s->e->kind != SDP_KIND_VIDEO || !s->e->active || !s->e->track_id || (!s->rs && !s->e->paused)) continue;
    if (!pad && s->e->rtx_ok && s->e->ext_twcc) pad = s;
    if (!s->e->sel_ready) continue;
    if (verified) layer_selector_verified(&s->e->sel, now);
    EngineTrack *t = s->rs ? s->rs->track->user_data : engine_room_track(q->room, s->e->track_id);
    if (!t || t->n_layers < 2) continue;
    int next = s->e->sel.target == LAYER_PAUSED ? 0 : s->e->sel.target + 1;
    if (next > s->e->sel.max_layer || next >= (int)t->n_layers) continue;
    uint64_t b = layer_rate_bps(&t->e->meter, (unsigned)next, now);
    if (!b) continue;
    uint64_t w = (uint64_t)((double)b * 1.25) + engine_others_bps(q, s, now);
    if (!want || w < want) want = w;
  }
  if (!pad) want = 0;
  size_t due;
  for (int n = 0; (due = subscriber_bwe_tick(q->e->bwe, want, now)) > 0 && pad && n < 64; n++) {
    size_t p = due < PAD_MIN ? PAD_MIN : due > PAD_MAX ? PAD_MAX : due;
    if (!send_padding(pad, p, now)) break;
  }
}

