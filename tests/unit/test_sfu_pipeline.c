/* The real room engine (sfu/core/engine*.c, behind the seam of
 * sfu/core/engine.h) over two lossy legs, on a simulated clock, driven
 * through engine.h alone: this test is the pump. It makes the room, its
 * peers, the publisher's track and the subscribers' slots with the
 * engine's commands (the values a publisher's offer and a subscriber's
 * answer would give), says when a leg is connected, puts packets in with
 * engine_input and takes the engine's out through the EngineSendFn it
 * registers (a network queue that loses), and runs the timers with
 * engine_tick at the simulated time. A publisher sends VP8-shaped video to
 * two subscribers (one joins late); both legs lose 5% of everything
 * (media, RTX, NACK, PLI).
 *
 * At the end every subscriber must have received every output seq from its
 * first to its last with no hole, in the publisher's order, starting with a
 * keyframe, and never a packet the publisher sent while the track was
 * muted. A second test sends what the engine must drop and reads the
 * counts by reason (engine_stats.h). The pump's side (SDP, control
 * requests) is tests/unit/test_sfu_room_policy.c's. */
#include <glib.h>
#include <string.h>

#include "core/codec_keyframe.h"
#include "core/engine.h"
#include "core/engine_drops.h"
#include "core/engine_stats.h"
#include "core/nack_generator.h"
#include "core/rtcp.h"
#include "core/rtp.h"

#define MS 1000
#define PUB_SSRC 0x0000aaaau
#define PUB_RTX 0x0000aaabu
#define PT 96
#define RTX_PT 97
#define PUB_EXT_ABS 3 /* the publisher's abs-send-time id; subscribers get SFU_EXT_ABS_SEND_TIME */
#define LOSS_PCT 5
#define FRAMES 900 /* 30 s at 30 fps */
#define PKTS_PER_FRAME 3
#define MUTE_FROM 300
#define MUTE_TO 360
#define LATE_JOIN 100
#define T0 1000000000000ll /* the simulated clock's origin (any) */
#define TRACK "alice:0"
#define SUB_EXT_ABS 2 /* the id subscribers' answers accepted for abs-send-time */

/* The publisher's track as its offer would describe it: VP8 96 with RTX 97
 * (its SSRCs announced), NACK, PLI and REMB feedback, abs-send-time as
 * extension 3. */
static EngineTrackDesc pub_track_desc(void) {
  EngineTrackDesc d = {
      .id = TRACK,
      .mid = "0",
      .kind = SDP_KIND_VIDEO,
      .codec = {.name = "VP8", .pt = PT, .clock_rate = 90000, .rtx_pt = RTX_PT, .fb_nack = 1,
                .fb_pli = 1, .fb_remb = 1},
      .codec_id = CODEC_VP8,
      .ext = {.abs_send_time = PUB_EXT_ABS},
      .n_layers = 1,
      .ssrc = PUB_SSRC,
      .rtx_ssrc = PUB_RTX,
  };
  return d;
}

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
  unsigned keyframes, retransmitted, plis, nacks;
} Pub;

typedef struct {
  const char *name;
  EnginePeer *p;
  EngineSlot *slot;
  uint32_t out_ssrc, rtx_ssrc;
  bool joined;
  bool got[65536];
  bool keyframe_at[65536];
  uint16_t in_seq_of[65536];
  NackGenerator *ng;
  bool first_delivered;
  unsigned received, muted_content, bad_ext, rtx;
} Sub;

static Pub pub;
static Sub s1, s2;
static EngineRoom *room;
static EnginePeer *alice;
static EngineTrack *track;

/* ---- the network: what the engine sends, delivered after the call ---- */

typedef struct {
  void *to; /* &pub or a Sub */
  EnginePacketKind kind;
  size_t len;
  uint8_t b[1600];
} Msg;
static GQueue net = G_QUEUE_INIT;
static unsigned engine_sent, engine_sent_rtcp_to_pub;

static int capture(void *io, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len) {
  g_assert_cmpuint(len, <=, 1600);
  /* publisher endpoint: only its publisher leg is used; subscribers only theirs */
  g_assert_cmpint(leg, ==, io == &pub ? ENGINE_LEG_PUBLISHER : ENGINE_LEG_SUBSCRIBER);
  Msg *m = g_new(Msg, 1);
  m->to = io;
  m->kind = kind;
  m->len = len;
  memcpy(m->b, buf, len);
  g_queue_push_tail(&net, m);
  engine_sent++;
  return 0;
}

/* A packet into the engine as the pump hands it: a writable copy with the
 * tailroom the seam promises. */
static void input(EnginePeer *p, EngineLeg leg, EnginePacketKind kind, const uint8_t *b, size_t n,
                  int64_t now) {
  uint8_t *c = g_malloc(n + ENGINE_PACKET_TAILROOM);
  memcpy(c, b, n);
  engine_input(p, leg, kind, c, n, now);
  g_free(c);
}

static void to_sfu(const uint8_t *b, size_t n, int64_t now) {
  if (!lose()) input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
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
      pub.nacks++;
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
  uint8_t c[1600];
  memcpy(c, b, n);
  RtpView v;
  g_assert_cmpint(rtp_parse(c, n, &v), ==, RTP_OK);
  if (v.ssrc == s->rtx_ssrc) { /* a retransmission (the answer kept RTX) */
    g_assert_cmpuint(v.payload_type, ==, RTX_PT);
    size_t nl;
    g_assert_cmpint(rtp_rtx_unwrap(c, &v, s->out_ssrc, PT, &nl), ==, RTP_OK);
    n = nl;
    g_assert_cmpint(rtp_parse(c, n, &v), ==, RTP_OK);
    s->rtx++;
  }
  g_assert_cmpuint(v.ssrc, ==, s->out_ssrc);
  g_assert_cmpuint(v.payload_type, ==, PT);
  RtpExtElement el;
  if (!rtp_ext_find(c, &v, SUB_EXT_ABS, &el) || rtp_ext_find(c, &v, PUB_EXT_ABS, &el))
    s->bad_ext++;
  const uint8_t *tail = c + v.payload_offset + v.payload_len - 63;
  uint16_t in_seq = (uint16_t)(tail[0] << 8 | tail[1]);
  if (tail[2]) s->muted_content++;
  if (!s->got[v.seq]) s->received++;
  s->got[v.seq] = true;
  s->in_seq_of[v.seq] = in_seq;
  s->keyframe_at[v.seq] = codec_is_keyframe_start(CODEC_VP8, c + v.payload_offset, v.payload_len);
  nack_generator_on_packet(s->ng, v.seq, now);
}

static void sub_on_rtcp(Sub *s, const uint8_t *b, size_t n) {
  RtcpIter it;
  RtcpPacket p;
  rtcp_iter_init(&it, b, n);
  while (rtcp_iter_next(&it, &p)) g_assert_cmpint(p.kind, ==, RTCP_KIND_SR);
  g_assert_cmpint(it.status, ==, RTCP_OK);
  (void)s;
}

static void sub_timers(Sub *s, int64_t now) {
  if (!s->joined) return;
  uint16_t seqs[64];
  size_t k = nack_generator_poll(s->ng, now, seqs, 64);
  uint8_t out[600];
  size_t n = 0;
  if (k) n += rtcp_build_nack(out, sizeof out, 0x5000 + s->out_ssrc, s->out_ssrc, seqs, k);
  if (nack_generator_take_keyframe_wanted(s->ng))
    n += rtcp_build_pli(out + n, sizeof out - n, 0x5000, s->out_ssrc);
  if (n && !lose()) input(s->p, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTCP, out, n, now);
}

/* Every packet may be lost but a subscriber's first: a receiver cannot ask
 * for what came before the first packet it saw (a browser would ask for a
 * keyframe then, which this subscriber does not model). */
static bool lost(const Msg *m) {
  if (m->to != &pub && m->kind == ENGINE_PACKET_RTP && !((Sub *)m->to)->first_delivered) {
    ((Sub *)m->to)->first_delivered = true;
    return false;
  }
  return lose();
}

static void deliver(int64_t now) {
  Msg *m;
  while ((m = g_queue_pop_head(&net))) {
    if (!lost(m)) {
      if (m->to == &pub) {
        g_assert_cmpint(m->kind, ==, ENGINE_PACKET_RTCP);
        engine_sent_rtcp_to_pub++;
        pub_on_rtcp(m->b, m->len, now);
      } else if (m->kind == ENGINE_PACKET_RTP) {
        sub_on_rtp(m->to, m->b, m->len, now);
      } else {
        sub_on_rtcp(m->to, m->b, m->len);
      }
    }
    g_free(m);
  }
}

/* ---- the room, through the engine's commands ---- */

/* A subscriber joins: its peer, one slot with what its answer negotiated
 * (the subscriber's payload types, its SSRCs, RTX kept, abs-send-time
 * accepted as SUB_EXT_ABS); then the pump's part: the leg connects and
 * the slot is activated, numbered from a random start. */
static void sub_join(Sub *s, int64_t now) {
  s->p = engine_peer_join(room, s->name, rnd(), (uint16_t)rnd(), NULL);
  engine_peer_set_output(s->p, capture, s);
  s->slot = engine_slot_new(s->p);
  s->out_ssrc = 0x10000000u | rnd();
  s->rtx_ssrc = s->out_ssrc + 1;
  EngineSlotDesc d = {
      .kind = SDP_KIND_VIDEO,
      .track_id = TRACK,
      .pt = PT,
      .clock_rate = 90000,
      .rtx_pt = RTX_PT,
      .ssrc = s->out_ssrc,
      .rtx_ssrc = s->rtx_ssrc,
      .active = true,
      .rtx_ok = true,
      .ext_abs = SUB_EXT_ABS,
  };
  engine_slot_set_desc(s->slot, &d);
  g_assert_false(engine_slot_started(s->slot)); /* not connected yet: nothing forwarded */
  engine_peer_set_connected(s->p, ENGINE_LEG_SUBSCRIBER, 1, now);
  g_assert_true(engine_slot_activate(s->slot, track, (uint16_t)rnd(), rnd(), (uint16_t)rnd(), now));
  g_assert_true(engine_slot_started(s->slot));
  s->joined = true;
}

/* The engine's counters as the stats API reads them (engine_stats.c). */
static EngineSlotStats slot_stats(const EngineSlot *slot) {
  EngineSlotStats st;
  engine_slot_stats(slot, &st);
  return st;
}

static void check_sub(Sub *s) {
  EngineSlotStats st = slot_stats(s->slot);
  g_assert_true(st.forwarding && st.started);
  int64_t count = st.out_ext_max - (int64_t)st.first_out_seq + 1;
  g_test_message("%s: forwarded %" G_GUINT64_FORMAT ", output span %" G_GINT64_FORMAT
                 ", received %u (%u as RTX), retransmitted %" G_GUINT64_FORMAT,
                 s->name, st.forwarded, count, s->received, s->rtx, st.retransmitted);
  g_assert_cmpint(count, >, 1000);
  /* One hole is allowed, at the mute: the last packet before it, lost,
   * is missed only when the next one arrives, after the unmute (2 s),
   * and by then it has left the engine's 1 s retransmission buffer (the
   * subscriber gets the keyframe the unmute asked for anyway). */
  uint16_t prev_in = 0;
  unsigned holes = 0;
  for (int64_t i = 0; i < count; i++) {
    uint16_t q = (uint16_t)(st.first_out_seq + i);
    if (!s->got[q]) {
      int64_t j = i + 1;
      while (j < count && !s->got[(uint16_t)(st.first_out_seq + j)]) j++;
      uint16_t next_in = s->in_seq_of[(uint16_t)(st.first_out_seq + j)];
      if (i == 0 || j >= count || (uint16_t)(next_in - prev_in) < (MUTE_TO - MUTE_FROM) * PKTS_PER_FRAME)
        g_error("%s: output seq %u (#%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT ") never arrived",
                s->name, q, i, count);
      holes++;
      continue;
    }
    if (i > 0) g_assert_cmpint((int16_t)(s->in_seq_of[q] - prev_in), >, 0); /* publisher's order */
    prev_in = s->in_seq_of[q];
  }
  g_assert_cmpuint(holes, <=, PKTS_PER_FRAME);
  g_assert_false(s->got[(uint16_t)(st.first_out_seq + count)]);
  g_assert_true(s->keyframe_at[st.first_out_seq]); /* it starts with a keyframe */
  g_assert_cmpuint(s->received + holes, ==, count);
  g_assert_cmpuint(s->muted_content, ==, 0);
  g_assert_cmpuint(s->bad_ext, ==, 0);
  g_assert_cmpuint(st.retransmitted, >, 10);
  g_assert_cmpuint(st.nacks_received, >, 10);
}

static void room_up(void) {
  room = engine_room_new("pipe");
  engine_set_wall_offset(room, 0);
  alice = engine_peer_join(room, "alice", 0x00a11ce0u, 1, NULL);
  engine_peer_set_output(alice, capture, &pub);
  EngineTrackDesc d = pub_track_desc();
  track = engine_track_new(alice, &d, NULL);
  g_assert_nonnull(track);
}

static void room_down(void) {
  engine_room_free(room); /* its peers leave, its router goes */
  Msg *m;
  while ((m = g_queue_pop_head(&net))) g_free(m);
}

static void test_pipeline(void) {
  memset(&pub, 0, sizeof pub);
  pub.seq = 65000; /* crosses the wrap */
  pub.ts = 0xffff0000u;
  pub.keyframe_next = true;
  room_up();
  Sub *subs[2] = {&s1, &s2};
  memset(&s1, 0, sizeof s1);
  memset(&s2, 0, sizeof s2);
  s1.name = "bob";
  s2.name = "carol";
  for (int i = 0; i < 2; i++) subs[i]->ng = nack_generator_new(NULL);
  int64_t now = T0;
  engine_peer_set_connected(alice, ENGINE_LEG_PUBLISHER, 1, now);
  sub_join(&s1, now);
  deliver(now);
  EngineTrack *t = track;
  for (int f = 0; f < FRAMES; f++) {
    now = T0 + (int64_t)f * 33333;
    if (f == LATE_JOIN) sub_join(&s2, now);
    if (f == MUTE_FROM) {
      g_assert_cmpint(forwarder_mute_track(t, true, now), ==, ROUTER_OK);
      pub.muted = true;
    }
    if (f == MUTE_TO) {
      g_assert_cmpint(forwarder_mute_track(t, false, now), ==, ROUTER_OK);
      pub.muted = false;
    }
    deliver(now);
    pub_send_frame(now);
    deliver(now);
    /* timers every ~11 ms between frames */
    for (int k = 0; k < 3; k++) {
      int64_t tn = now + k * 11111;
      g_assert_cmpint(engine_next_timeout(room, tn), >, tn);
      engine_tick(room, tn);
      deliver(tn);
      for (int i = 0; i < 2; i++) sub_timers(subs[i], tn);
      deliver(tn);
    }
  }
  /* let recovery finish: 3 s of timers, no new media */
  for (int k = 0; k < 300; k++) {
    now += 10 * MS;
    engine_tick(room, now);
    deliver(now);
    for (int i = 0; i < 2; i++) sub_timers(subs[i], now);
    deliver(now);
  }
  EngineTrackStats ts; /* one layer: the NACK counts are layer 0's */
  engine_track_stats(t, now, &ts);
  g_test_message("publisher: keyframes %u, plis %u, nacks %u, retransmitted %u; engine: %u packets "
                 "out, rtx in %" G_GUINT64_FORMAT ", nacks out %" G_GUINT64_FORMAT
                 ", keyframe requests %" G_GUINT64_FORMAT "; missing %" G_GUINT64_FORMAT
                 " recovered %" G_GUINT64_FORMAT,
                 pub.keyframes, pub.plis, pub.nacks, pub.retransmitted, engine_sent, ts.rtx_received,
                 ts.nacks_sent, ts.keyframe_requests, ts.nack_missing, ts.nack_recovered);
  g_assert_cmpuint(ts.nack_missing, >, 50);
  g_assert_cmpuint(ts.nack_recovered, ==, ts.nack_missing); /* every upstream loss repaired */
  g_assert_cmpuint(ts.rtx_received, >, 50);
  g_assert_cmpuint(ts.nacks_sent, >, 10);
  g_assert_cmpuint(pub.keyframes, >=, 3); /* start, late join, unmute */
  for (int i = 0; i < 2; i++) check_sub(subs[i]);
  /* the engine reported to everyone: receiver reports to the publisher,
   * sender reports to the subscribers (sub_on_rtcp checks them) */
  g_assert_cmpuint(engine_sent_rtcp_to_pub, >, 30);
  for (int i = 0; i < 2; i++) nack_generator_free(subs[i]->ng);
  room_down();
}

/* ---- drops, counted by reason ---- */

static size_t rtp_packet(uint8_t *b, uint8_t pt, uint32_t ssrc, uint16_t seq, size_t payload) {
  memset(b, 0, 12 + payload);
  b[0] = 0x80;
  b[1] = pt;
  b[2] = (uint8_t)(seq >> 8);
  b[3] = (uint8_t)seq;
  b[8] = (uint8_t)(ssrc >> 24);
  b[9] = (uint8_t)(ssrc >> 16);
  b[10] = (uint8_t)(ssrc >> 8);
  b[11] = (uint8_t)ssrc;
  return 12 + payload;
}

static uint64_t drops_of(const EngineDrops *d, EngineDrop why) { return d->count[why]; }

static void test_drops(void) {
  memset(&pub, 0, sizeof pub);
  room_up();
  memset(&s1, 0, sizeof s1);
  s1.name = "bob";
  s1.ng = nack_generator_new(NULL);
  int64_t now = T0;
  engine_peer_set_connected(alice, ENGINE_LEG_PUBLISHER, 1, now);
  sub_join(&s1, now);
  uint8_t b[2000];
  /* alice: one good packet binds nothing new (the SSRC was announced) */
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, rtp_packet(b, PT, PUB_SSRC, 1, 100), now);
  /* longer than any packet the engine keeps */
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, rtp_packet(b, PT, PUB_SSRC, 2, 1600), now);
  /* not RTP: too short, then version 1 */
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, 5, now);
  rtp_packet(b, PT, PUB_SSRC, 3, 20);
  b[0] = 0x40;
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, 32, now);
  /* an SSRC no track of hers claims (and no mid extension to learn it by) */
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, rtp_packet(b, PT, 0xdead, 4, 100), now);
  /* RTX without an original packet: a padding probe */
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, rtp_packet(b, RTX_PT, PUB_RTX, 5, 0), now);
  /* RTCP the parser stops on */
  const uint8_t bad_rtcp[] = {0x81, 0xc9, 0x00, 0x40, 0, 0, 0, 1};
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTCP, bad_rtcp, sizeof bad_rtcp, now);
  /* bob: alice's SSRC on a publisher leg of his own (spoofing) */
  input(s1.p, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, rtp_packet(b, PT, PUB_SSRC, 6, 100), now);
  /* and RTP on his subscriber leg, which only receives */
  input(s1.p, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTP, b, rtp_packet(b, PT, 0x1234, 7, 100), now);
  /* his leg goes down: what is forwarded to him meanwhile (a keyframe, so
   * that his new subscription starts) is not sent */
  engine_peer_set_output(s1.p, NULL, NULL);
  size_t n = rtp_packet(b, PT, PUB_SSRC, 8, 100);
  const uint8_t vp8_key[] = {0x90, 0x80, 0x80, 0x01, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  engine_peer_set_output(s1.p, capture, &s1);

  const EngineDrops *a = engine_peer_drops(alice), *bob = engine_peer_drops(s1.p);
  g_assert_cmpint(drops_of(a, ENGINE_DROP_OVERSIZE), ==, 1);
  g_assert_cmpint(drops_of(a, ENGINE_DROP_RTP_PARSE), ==, 2);
  g_assert_cmpint(drops_of(a, ENGINE_DROP_UNKNOWN_SSRC), ==, 1);
  g_assert_cmpint(drops_of(a, ENGINE_DROP_RTX_PADDING), ==, 1);
  g_assert_cmpint(drops_of(a, ENGINE_DROP_RTCP_PARSE), ==, 1);
  g_assert_cmpint(drops_of(a, ENGINE_DROP_SPOOFED_SSRC), ==, 0);
  g_assert_cmpint(drops_of(bob, ENGINE_DROP_SPOOFED_SSRC), ==, 1);
  g_assert_cmpint(drops_of(bob, ENGINE_DROP_SUBSCRIBER_RTP), ==, 1);
  g_assert_cmpint(drops_of(bob, ENGINE_DROP_SEND), ==, 1);
  g_assert_cmpint(drops_of(bob, ENGINE_DROP_OVERSIZE), ==, 0);
  g_assert_cmpuint(engine_drops_total(a), ==, 6);
  g_assert_cmpuint(engine_drops_total(bob), ==, 3);
  /* the room's counts keep those of peers who left */
  engine_peer_leave(s1.p);
  const EngineDrops *rs = engine_room_drops(room);
  g_assert_cmpint(drops_of(rs, ENGINE_DROP_SPOOFED_SSRC), ==, 1);
  g_assert_cmpint(drops_of(rs, ENGINE_DROP_SEND), ==, 1);
  g_assert_cmpint(drops_of(rs, ENGINE_DROP_RTP_PARSE), ==, 2);
  g_assert_cmpuint(engine_drops_total(rs), ==, 9);
  nack_generator_free(s1.ng);
  room_down();
}

/* One-way video (core/media_gate.h), the engine's layer: a subscription
 * that exists when the peer's settings say receive_video false forwards
 * nothing (dropped as video_blocked, never sent), and the next keyframe
 * goes through once the setting is lifted. The pump's layer (no video
 * slot is negotiated, subscribe is refused) is test_sfu_room_policy's. */
static void test_one_way_video(void) {
  memset(&pub, 0, sizeof pub);
  room_up();
  memset(&s1, 0, sizeof s1);
  s1.name = "bob";
  s1.ng = nack_generator_new(NULL);
  int64_t now = T0;
  engine_peer_set_connected(alice, ENGINE_LEG_PUBLISHER, 1, now);
  sub_join(&s1, now);
  uint8_t b[2000];
  const uint8_t vp8_key[] = {0x90, 0x80, 0x80, 0x01, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  /* the subscription exists, the gate is shut */
  engine_peer_set_settings(s1.p, &(EnginePeerSettings){.receive_video = false});
  size_t n = rtp_packet(b, PT, PUB_SSRC, 1, 100);
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  g_assert_cmpint(drops_of(engine_peer_drops(s1.p), ENGINE_DROP_VIDEO_BLOCKED), ==, 1);
  g_assert_cmpuint(slot_stats(s1.slot).packets, ==, 0);
  for (GList *l = net.head; l; l = l->next)
    g_assert_false(((Msg *)l->data)->to == &s1 && ((Msg *)l->data)->kind == ENGINE_PACKET_RTP);
  /* nor is a NACK of it answered: no repair either */
  uint8_t nack[64];
  uint16_t lost_seq = 0;
  size_t nl = rtcp_build_nack(nack, sizeof nack, 0x5000, s1.out_ssrc, &lost_seq, 1);
  input(s1.p, ENGINE_LEG_SUBSCRIBER, ENGINE_PACKET_RTCP, nack, nl, now);
  g_assert_cmpint(drops_of(engine_peer_drops(s1.p), ENGINE_DROP_VIDEO_BLOCKED), ==, 2);
  for (GList *l = net.head; l; l = l->next)
    g_assert_false(((Msg *)l->data)->to == &s1 && ((Msg *)l->data)->kind == ENGINE_PACKET_RTP);
  /* the gate open again: the next keyframe goes through */
  engine_peer_set_settings(s1.p, &(EnginePeerSettings){.receive_video = true});
  n = rtp_packet(b, PT, PUB_SSRC, 2, 100);
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  g_assert_cmpuint(slot_stats(s1.slot).packets, ==, 1);
  /* the slot stopped (the pump unsubscribed it): nothing more */
  engine_slot_stop(s1.slot, true);
  g_assert_false(engine_slot_started(s1.slot));
  n = rtp_packet(b, PT, PUB_SSRC, 3, 100);
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  g_assert_cmpuint(slot_stats(s1.slot).packets, ==, 1);
  EngineTrackStats ts;
  engine_track_stats(track, now, &ts);
  g_assert_cmpuint(ts.subscribers, ==, 0);
  nack_generator_free(s1.ng);
  room_down();
}

/* The counter itself: every drop counted, a log line for the first of a
 * reason and then at most one per ENGINE_DROP_LOG_US. */
static void test_drop_counter(void) {
  EngineDrops d;
  engine_drops_init(&d);
  g_assert_true(engine_drops_count(&d, ENGINE_DROP_UNKNOWN_SSRC, 5));
  g_assert_false(engine_drops_count(&d, ENGINE_DROP_UNKNOWN_SSRC, 6));
  g_assert_true(engine_drops_count(&d, ENGINE_DROP_SEND, 7)); /* its own reason */
  g_assert_false(engine_drops_count(&d, ENGINE_DROP_UNKNOWN_SSRC, 5 + ENGINE_DROP_LOG_US - 1));
  g_assert_true(engine_drops_count(&d, ENGINE_DROP_UNKNOWN_SSRC, 5 + ENGINE_DROP_LOG_US));
  g_assert_false(engine_drops_count(&d, ENGINE_DROP_N, 0)); /* out of range: not counted */
  g_assert_cmpuint(d.count[ENGINE_DROP_UNKNOWN_SSRC], ==, 4);
  g_assert_cmpuint(engine_drops_total(&d), ==, 5);
  g_assert_cmpstr(engine_drop_name(ENGINE_DROP_SPOOFED_SSRC), ==, "spoofed_ssrc");
  g_assert_null(engine_drop_name(ENGINE_DROP_N));
  for (unsigned i = 0; i < ENGINE_DROP_N; i++) g_assert_nonnull(engine_drop_name((EngineDrop)i));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/pipeline/lossy_legs_mute_late_join", test_pipeline);
  g_test_add_func("/sfu/pipeline/drops_counted_by_reason", test_drops);
  g_test_add_func("/sfu/pipeline/drop_counter", test_drop_counter);
  g_test_add_func("/sfu/pipeline/one_way_video", test_one_way_video);
  return g_test_run();
}
