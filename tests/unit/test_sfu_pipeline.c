/* The sfu/core modules composed the way the forwarder uses them, over two
 * lossy legs, on a simulated clock (no sockets): a publisher sends VP8-shaped
 * video through the SFU to two subscribers (one joins late); both legs lose
 * 5% of everything (media, RTX, NACK, PLI). The SFU NACKs the publisher
 * (nack_generator -> rtcp_build_nack), unwraps its RTX, stores packets
 * (nack_buffer), routes (router/seq_rewriter), rewrites extension ids, and
 * answers subscribers' NACKs through the reverse mapping; keyframe requests
 * go through keyframe_throttle; the track is muted for two seconds.
 *
 * At the end every subscriber must have received every output seq from its
 * first to its last with no hole, in the publisher's order, starting with a
 * keyframe, and never a packet the publisher sent while the track was
 * muted. */
#include <glib.h>
#include <string.h>

#include "core/codec_keyframe.h"
#include "core/keyframe_throttle.h"
#include "core/nack_buffer.h"
#include "core/nack_generator.h"
#include "core/router.h"
#include "core/rtcp.h"
#include "core/rtp.h"
#include "core/rtp_stats.h"

#define MS 1000
#define PUB_SSRC 0x0000aaaau
#define PUB_RTX 0x0000aaabu
#define PT 96
#define RTX_PT 97
#define LOSS_PCT 5
#define FRAMES 900 /* 30 s at 30 fps */
#define PKTS_PER_FRAME 3
#define MUTE_FROM 300
#define MUTE_TO 360
#define LATE_JOIN 100

static uint64_t rng = 0x1234567887654321ull;
static uint32_t rnd(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}
static bool lose(void) { return rnd() % 100 < LOSS_PCT; }

typedef struct {
  uint8_t b[400];
  size_t len;
  uint16_t seq;
  bool valid;
} Sent;

typedef struct {
  uint16_t seq;
  uint32_t ts;
  uint16_t picture_id;
  uint16_t rtx_seq;
  bool keyframe_next;
  bool muted; /* the SFU has the track muted right now (simulation knowledge) */
  Sent hist[2048];
  unsigned keyframes, retransmitted, plis;
} Pub;

typedef struct {
  const char *name;
  uint32_t out_ssrc;
  uint16_t first_out_seq;
  RouterSubscription *rs;
  bool joined;
  bool got[65536];
  uint16_t in_seq_of[65536];
  bool first_seen_forwarded;
  NackGenerator *ng;
  unsigned received, muted_content, bad_ext;
} Sub;

typedef struct {
  Router *router;
  NackBuffer *nb;
  NackGenerator *ng;
  KeyframeThrottle kt;
  RtpRecvStats stats;
  uint8_t ext_map[256];
  uint32_t ssrc; /* the SFU's own RTCP SSRC */
  unsigned rtx_in, nacks_out, plis_out, retransmissions, first_not_key;
  Sub *subs[2];
} Sfu;

static Pub pub;
static Sfu sfu;
static Sub s1, s2;

/* ---- publisher ---- */

static void pub_on_rtcp(const uint8_t *b, size_t n, int64_t now);
static void sfu_on_rtp(uint8_t *b, size_t n, int64_t now);

static void to_sfu(const uint8_t *b, size_t n, int64_t now) {
  if (lose()) return;
  uint8_t *c = g_memdup2(b, n); /* exact size: ASan sees any overread */
  sfu_on_rtp(c, n, now);
  g_free(c);
}

static void pub_send_frame(int64_t now) {
  bool key = pub.keyframe_next;
  pub.keyframe_next = false;
  if (key) pub.keyframes++;
  pub.ts += 3000;
  pub.picture_id = (pub.picture_id + 1) & 0x7fff;
  for (int k = 0; k < PKTS_PER_FRAME; k++) {
    Sent *s = &pub.hist[pub.seq & 2047];
    uint8_t *b = s->b;
    size_t n = 0;
    b[n++] = 0x90; /* V=2, X */
    b[n++] = (uint8_t)(PT | (k == PKTS_PER_FRAME - 1 ? 0x80 : 0));
    b[n++] = (uint8_t)(pub.seq >> 8);
    b[n++] = (uint8_t)pub.seq;
    b[n++] = (uint8_t)(pub.ts >> 24);
    b[n++] = (uint8_t)(pub.ts >> 16);
    b[n++] = (uint8_t)(pub.ts >> 8);
    b[n++] = (uint8_t)pub.ts;
    b[n++] = (uint8_t)(PUB_SSRC >> 24);
    b[n++] = (uint8_t)(PUB_SSRC >> 16);
    b[n++] = (uint8_t)(PUB_SSRC >> 8);
    b[n++] = (uint8_t)PUB_SSRC;
    /* one-byte extension: id 3, 3 bytes (abs-send-time shaped) */
    const uint8_t ext[] = {0xbe, 0xde, 0x00, 0x01, 0x32, 0x01, 0x02, 0x03};
    memcpy(b + n, ext, sizeof ext);
    n += sizeof ext;
    /* VP8 descriptor: X, S on the first packet, I with a 15-bit picture id */
    b[n++] = k == 0 ? 0x90 : 0x80;
    b[n++] = 0x80;
    b[n++] = (uint8_t)(0x80 | (pub.picture_id >> 8));
    b[n++] = (uint8_t)pub.picture_id;
    if (k == 0) {
      const uint8_t kf[] = {0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
      const uint8_t inter[] = {0x31, 0x2d, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
      memcpy(b + n, key ? kf : inter, 10);
      n += 10;
    }
    /* what the subscribers check: our seq and whether we were muted */
    b[n++] = (uint8_t)(pub.seq >> 8);
    b[n++] = (uint8_t)pub.seq;
    b[n++] = pub.muted;
    memset(b + n, 0xab, 60);
    n += 60;
    s->len = n;
    s->seq = pub.seq;
    s->valid = true;
    to_sfu(b, n, now);
    pub.seq++;
  }
}

static void pub_on_rtcp(const uint8_t *b, size_t n, int64_t now) {
  RtcpIter it;
  RtcpPacket p;
  rtcp_iter_init(&it, b, n);
  while (rtcp_iter_next(&it, &p)) {
    if (p.kind == RTCP_KIND_PLI || p.kind == RTCP_KIND_FIR) {
      g_assert_cmpuint(p.kind == RTCP_KIND_PLI ? p.media_ssrc : PUB_SSRC, ==, PUB_SSRC);
      pub.plis++;
      pub.keyframe_next = true;
    } else if (p.kind == RTCP_KIND_NACK) {
      g_assert_cmpuint(p.media_ssrc, ==, PUB_SSRC);
      uint16_t seqs[256];
      size_t k = rtcp_nack_seqs(&p, seqs, 256);
      g_assert_cmpuint(k, <=, 256);
      for (size_t i = 0; i < k; i++) {
        Sent *s = &pub.hist[seqs[i] & 2047];
        if (!s->valid || s->seq != seqs[i]) continue;
        RtpView v;
        g_assert_cmpint(rtp_parse(s->b, s->len, &v), ==, RTP_OK);
        uint8_t rtx[512];
        size_t rl;
        g_assert_cmpint(rtp_rtx_wrap(s->b, &v, PUB_RTX, RTX_PT, pub.rtx_seq++, rtx, sizeof rtx, &rl), ==, RTP_OK);
        pub.retransmitted++;
        to_sfu(rtx, rl, now);
      }
    }
  }
  g_assert_cmpint(it.status, ==, RTCP_OK);
}

/* ---- subscribers ---- */

static void sub_on_rtp(Sub *s, const uint8_t *b, size_t n, int64_t now) {
  RtpView v;
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_cmpuint(v.ssrc, ==, s->out_ssrc);
  RtpExtElement el;
  if (!rtp_ext_find(b, &v, 5, &el) || rtp_ext_find(b, &v, 3, &el)) s->bad_ext++;
  const uint8_t *tail = b + v.payload_offset + v.payload_len - 63;
  uint16_t in_seq = (uint16_t)(tail[0] << 8 | tail[1]);
  if (tail[2]) s->muted_content++;
  if (!s->got[v.seq]) s->received++;
  s->got[v.seq] = true;
  s->in_seq_of[v.seq] = in_seq;
  nack_generator_on_packet(s->ng, v.seq, now);
}

static void sfu_on_sub_rtcp(Sub *s, const uint8_t *b, size_t n, int64_t now);

static void sub_timers(Sub *s, int64_t now) {
  if (!s->joined) return;
  uint16_t seqs[64];
  size_t k = nack_generator_poll(s->ng, now, seqs, 64);
  uint8_t out[600];
  size_t n = 0;
  if (k) n += rtcp_build_nack(out, sizeof out, 0x5000 + s->out_ssrc, s->out_ssrc, seqs, k);
  if (nack_generator_take_keyframe_wanted(s->ng)) n += rtcp_build_pli(out + n, sizeof out - n, 0x5000, s->out_ssrc);
  if (n && !lose()) sfu_on_sub_rtcp(s, out, n, now);
}

/* ---- SFU ---- */

static void sfu_send_rtcp_to_pub(const uint8_t *b, size_t n, int64_t now) {
  if (n && !lose()) pub_on_rtcp(b, n, now);
}

static void sfu_request_keyframe(bool force, int64_t now) {
  bool go = force ? keyframe_throttle_force(&sfu.kt, now) : keyframe_throttle_request(&sfu.kt, now);
  if (!go) return;
  uint8_t b[32];
  sfu.plis_out++;
  sfu_send_rtcp_to_pub(b, rtcp_build_pli(b, sizeof b, sfu.ssrc, PUB_SSRC), now);
}

static void sfu_send_to_sub(Sub *s, const uint8_t *pkt, size_t len, const RtpView *v, uint16_t seq, uint32_t ts,
                            int64_t now) {
  uint8_t *ob = g_memdup2(pkt, len);
  g_assert_true(rtp_set_ssrc(ob, len, s->out_ssrc));
  rtp_set_seq(ob, len, seq);
  rtp_set_timestamp(ob, len, ts);
  g_assert_cmpint(rtp_ext_rewrite_ids(ob, v, sfu.ext_map, NULL), ==, RTP_OK);
  if (!lose()) sub_on_rtp(s, ob, len, now);
  g_free(ob);
}

static Sub *sub_of(RouterSubscription *rs) { return rs->user_data; }

static void sfu_on_rtp(uint8_t *b, size_t n, int64_t now) {
  RtpView v;
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  RouterSsrcInfo info;
  g_assert_true(router_lookup_ssrc(sfu.router, v.ssrc, &info));
  if (info.is_rtx) {
    size_t nl;
    g_assert_cmpint(rtp_rtx_unwrap(b, &v, PUB_SSRC, PT, &nl), ==, RTP_OK);
    n = nl;
    g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
    sfu.rtx_in++;
  }
  rtp_stats_update(&sfu.stats, v.seq, v.timestamp, now, v.payload_len);
  nack_generator_on_packet(sfu.ng, v.seq, now);
  g_assert_true(nack_buffer_store(sfu.nb, v.seq, b, n, now));
  bool kf = codec_is_keyframe_start(CODEC_VP8, b + v.payload_offset, v.payload_len);
  if (kf) keyframe_throttle_on_keyframe(&sfu.kt, now);
  RouterOutput outs[4];
  size_t k;
  g_assert_cmpint(router_route(sfu.router, v.ssrc, v.seq, v.timestamp, kf, now, NULL, outs, 4, &k), ==, ROUTER_OK);
  for (size_t i = 0; i < k; i++) {
    Sub *s = sub_of(outs[i].sub);
    if (outs[i].seq == s->first_out_seq && !s->first_seen_forwarded) {
      s->first_seen_forwarded = true;
      if (!kf) sfu.first_not_key++;
    }
    sfu_send_to_sub(s, b, n, &v, outs[i].seq, outs[i].ts, now);
  }
}

static void sfu_on_sub_rtcp(Sub *s, const uint8_t *b, size_t n, int64_t now) {
  RtcpIter it;
  RtcpPacket p;
  rtcp_iter_init(&it, b, n);
  while (rtcp_iter_next(&it, &p)) {
    RouterSubscription *rs = router_subscription_by_out_ssrc(sfu.router, p.media_ssrc);
    g_assert_true(rs == s->rs);
    if (p.kind == RTCP_KIND_PLI) {
      sfu_request_keyframe(false, now);
    } else if (p.kind == RTCP_KIND_NACK) {
      uint16_t seqs[256];
      size_t k = rtcp_nack_seqs(&p, seqs, 256);
      for (size_t i = 0; i < k; i++) {
        uint32_t in_ssrc;
        uint16_t in_seq;
        if (!seq_rewriter_reverse(&rs->rw, seqs[i], &in_ssrc, &in_seq)) continue;
        const uint8_t *pkt;
        size_t plen;
        if (nack_buffer_get(sfu.nb, in_seq, now, &pkt, &plen) != NACK_BUFFER_HIT) continue;
        RtpView v;
        g_assert_cmpint(rtp_parse(pkt, plen, &v), ==, RTP_OK);
        g_assert_cmpuint(v.seq, ==, in_seq);
        uint32_t ots;
        g_assert_true(seq_rewriter_map_ts(&rs->rw, in_ssrc, v.timestamp, &ots));
        sfu.retransmissions++;
        sfu_send_to_sub(s, pkt, plen, &v, seqs[i], ots, now);
      }
    }
  }
  g_assert_cmpint(it.status, ==, RTCP_OK);
}

static void sfu_timers(int64_t now) {
  uint16_t seqs[128];
  size_t k = nack_generator_poll(sfu.ng, now, seqs, 128);
  if (k) {
    uint8_t b[600];
    size_t n = rtcp_build_nack(b, sizeof b, sfu.ssrc, PUB_SSRC, seqs, k);
    g_assert_cmpuint(n, >, 0);
    sfu.nacks_out++;
    sfu_send_rtcp_to_pub(b, n, now);
  }
  if (nack_generator_take_keyframe_wanted(sfu.ng)) sfu_request_keyframe(false, now);
  if (keyframe_throttle_poll(&sfu.kt, now)) {
    uint8_t b[32];
    sfu.plis_out++;
    sfu_send_rtcp_to_pub(b, rtcp_build_pli(b, sizeof b, sfu.ssrc, PUB_SSRC), now);
  }
}

static void sub_join(Sub *s, int64_t now) {
  g_assert_cmpint(router_subscribe(sfu.router, s->name, "alice-video", s->out_ssrc, s->first_out_seq, 1000, &s->rs),
                  ==, ROUTER_OK);
  s->rs->user_data = s;
  s->joined = true;
  sfu_request_keyframe(true, now);
}

static void check_sub(Sub *s) {
  const SeqRewriter *rw = &s->rs->rw;
  g_assert_true(rw->started);
  /* the first forwarded packet got out_ext == first_out_seq */
  int64_t count = rw->out_ext_max - (int64_t)s->first_out_seq + 1;
  g_test_message("%s: forwarded %" G_GUINT64_FORMAT ", output span %" G_GINT64_FORMAT ", received %u, drops %" G_GUINT64_FORMAT,
                 s->name, rw->stats.forwarded, count, s->received, rw->stats.dropped);
  g_assert_cmpint(count, >, 1000);
  uint16_t prev_in = 0;
  for (int64_t i = 0; i < count; i++) {
    uint16_t q = (uint16_t)(s->first_out_seq + i);
    if (!s->got[q]) g_error("%s: output seq %u never arrived", s->name, q);
    if (i > 0) g_assert_cmpint((int16_t)(s->in_seq_of[q] - prev_in), >, 0); /* publisher's order */
    prev_in = s->in_seq_of[q];
  }
  g_assert_false(s->got[(uint16_t)(s->first_out_seq + count)]);
  g_assert_cmpuint(s->received, ==, count);
  g_assert_cmpuint(s->muted_content, ==, 0);
  g_assert_cmpuint(s->bad_ext, ==, 0);
  g_assert_true(s->first_seen_forwarded);
}

static void test_pipeline(void) {
  memset(&pub, 0, sizeof pub);
  memset(&sfu, 0, sizeof sfu);
  pub.seq = 65000; /* crosses the wrap */
  pub.ts = 0xffff0000u;
  pub.keyframe_next = true;
  sfu.router = router_new();
  sfu.nb = nack_buffer_new(1024, 1500, 1000000);
  sfu.ng = nack_generator_new(NULL);
  keyframe_throttle_init(&sfu.kt, 0);
  rtp_stats_init(&sfu.stats, PUB_SSRC, 90000);
  sfu.ext_map[3] = 5;
  sfu.ssrc = 0x5f00;
  RouterTrackSpec spec = {.id = "alice-video", .publisher = "alice", .mid = "1", .kind = ROUTER_KIND_VIDEO,
                          .codec = CODEC_VP8, .clock_rate = 90000, .payload_type = PT, .n_layers = 1,
                          .ssrcs = {PUB_SSRC}, .rtx_ssrcs = {PUB_RTX}};
  g_assert_cmpint(router_add_track(sfu.router, &spec, NULL), ==, ROUTER_OK);
  Sub *subs[2] = {&s1, &s2};
  memset(&s1, 0, sizeof s1);
  memset(&s2, 0, sizeof s2);
  s1 = (Sub){.name = "bob", .out_ssrc = 0x1001, .first_out_seq = 65500};
  s2 = (Sub){.name = "carol", .out_ssrc = 0x1002, .first_out_seq = 7};
  for (int i = 0; i < 2; i++) subs[i]->ng = nack_generator_new(NULL);
  int64_t now = 0;
  sub_join(&s1, now);
  for (int f = 0; f < FRAMES; f++) {
    now = (int64_t)f * 33333;
    if (f == LATE_JOIN) sub_join(&s2, now);
    if (f == MUTE_FROM) {
      g_assert_cmpint(router_set_muted(sfu.router, "alice-video", true, NULL), ==, ROUTER_OK);
      pub.muted = true;
    }
    if (f == MUTE_TO) {
      bool need;
      g_assert_cmpint(router_set_muted(sfu.router, "alice-video", false, &need), ==, ROUTER_OK);
      pub.muted = false;
      g_assert_true(need);
      sfu_request_keyframe(false, now);
    }
    pub_send_frame(now);
    /* timers every ~11 ms between frames */
    for (int t = 0; t < 3; t++) {
      int64_t tn = now + t * 11111;
      sfu_timers(tn);
      for (int i = 0; i < 2; i++) sub_timers(subs[i], tn);
    }
  }
  /* let recovery finish: 3 s of timers, no new media */
  for (int t = 0; t < 300; t++) {
    now += 10 * MS;
    sfu_timers(now);
    for (int i = 0; i < 2; i++) sub_timers(subs[i], now);
  }
  g_test_message("publisher: keyframes %u, plis %u, retransmitted %u; sfu: rtx in %u, nacks out %u, "
                 "plis out %u, retransmissions to subscribers %u",
                 pub.keyframes, pub.plis, pub.retransmitted, sfu.rtx_in, sfu.nacks_out, sfu.plis_out,
                 sfu.retransmissions);
  const NackGeneratorStats *ns = nack_generator_stats(sfu.ng);
  g_test_message("sfu nack generator: missing %" G_GUINT64_FORMAT " recovered %" G_GUINT64_FORMAT " lost %" G_GUINT64_FORMAT,
                 ns->missing, ns->recovered, ns->lost);
  g_assert_cmpuint(ns->missing, >, 50);
  g_assert_cmpuint(ns->recovered, ==, ns->missing); /* every upstream loss repaired */
  g_assert_cmpuint(sfu.rtx_in, >, 50);
  g_assert_cmpuint(sfu.retransmissions, >, 50);
  g_assert_cmpuint(sfu.first_not_key, ==, 0);
  g_assert_cmpuint(pub.keyframes, >=, 3); /* start, late join, unmute */
  for (int i = 0; i < 2; i++) check_sub(subs[i]);
  g_assert_cmpuint(nack_buffer_stats(sfu.nb)->hits, >, 50);
  for (int i = 0; i < 2; i++) nack_generator_free(subs[i]->ng);
  nack_generator_free(sfu.ng);
  nack_buffer_free(sfu.nb);
  router_free(sfu.router);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/pipeline/lossy_legs_mute_late_join", test_pipeline);
  return g_test_run();
}
