/* The real room engine (sfu/core/engine*.c and sfu/participant.c behind the
 * seam of sfu/core/engine.h) over two lossy legs, on a simulated clock:
 * a publisher sends VP8-shaped video through a real Room (control requests
 * through room_handle, as the control API makes them) to two subscribers
 * (one joins late); both legs lose 5% of everything (media, RTX, NACK, PLI).
 * Packets go in with engine_input, the engine's come out through the
 * EngineSendFn this test registers (a network queue that loses), the
 * timers run with engine_tick at the simulated time. The transports exist
 * (the SDP needs their ICE credentials) but never connect: the test is the
 * pump, it says when a leg is connected.
 *
 * At the end every subscriber must have received every output seq from its
 * first to its last with no hole, in the publisher's order, starting with a
 * keyframe, and never a packet the publisher sent while the track was
 * muted. A second test sends what the engine must drop and reads the
 * counts by reason from participant_stats and room_stats. */
#include <glib.h>
#include <string.h>

#include "core/codec_keyframe.h"
#include "core/engine.h"
#include "core/engine_drops.h"
#include "core/nack_generator.h"
#include "core/rtcp.h"
#include "core/rtp.h"
#include "dtls.h"
#include "room.h"
#include "room_internal.h"
#include "sdp_write.h"

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

static const char *PUB_OFFER =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=msid-semantic: WMS stream\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab12\r\n"
    "a=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=sendonly\r\n"
    "a=msid:stream vtrack\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 43690 43691\r\n"
    "a=ssrc:43690 cname:x\r\n"
    "a=ssrc:43691 cname:x\r\n";

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
  Participant *p;
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
static Room *room;
static Participant *alice;
static DtlsContext *dtls;
static GMainContext *ctx;

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
static void input(Participant *p, EngineLeg leg, EnginePacketKind kind, const uint8_t *b, size_t n,
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
  if (!rtp_ext_find(c, &v, SFU_EXT_ABS_SEND_TIME, &el) || rtp_ext_find(c, &v, PUB_EXT_ABS, &el))
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

/* ---- the room, through its control requests ---- */

static json_t *request(const char *type, json_t *msg) {
  json_t *r = room_handle(room, type, msg);
  json_decref(msg);
  g_assert_nonnull(r);
  const char *t = json_string_value(json_object_get(r, "type"));
  if (g_strcmp0(t, "result") != 0) {
    char *s = json_dumps(r, 0);
    g_error("%s: %s", type, s);
  }
  return r;
}

static Participant *participant(const char *id) {
  Participant *p = g_hash_table_lookup(room->participants, id);
  g_assert_nonnull(p);
  return p;
}

/* The subscriber's answer to the SFU's offer: the same sections, receiving,
 * with our ICE credentials and a fingerprint (never checked: nothing
 * connects), RTX and abs-send-time kept. */
static char *answer_of(const char *offer) {
  GString *a = g_string_new(NULL);
  gchar **lines = g_strsplit(offer, "\r\n", -1);
  for (gchar **l = lines; *l; l++) {
    if (!**l || g_str_has_prefix(*l, "a=candidate:") || g_str_has_prefix(*l, "a=ssrc") ||
        g_str_has_prefix(*l, "a=end-of-candidates"))
      continue;
    if (g_str_has_prefix(*l, "a=ice-ufrag:"))
      g_string_append(a, "a=ice-ufrag:Sb34");
    else if (g_str_has_prefix(*l, "a=ice-pwd:"))
      g_string_append(a, "a=ice-pwd:abcdefghijklmn0123456789");
    else if (g_str_has_prefix(*l, "a=fingerprint:"))
      g_string_append(a, "a=fingerprint:sha-256 "
                         "11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00");
    else if (strcmp(*l, "a=setup:actpass") == 0)
      g_string_append(a, "a=setup:active");
    else if (strcmp(*l, "a=sendonly") == 0)
      g_string_append(a, "a=recvonly");
    else
      g_string_append(a, *l);
    g_string_append(a, "\r\n");
  }
  g_strfreev(lines);
  return g_string_free(a, FALSE);
}

/* participant_add, subscriber_offer, subscriber_answer; then the pump's
 * part: the leg connects (engine_peer_set_connected + activation, as the
 * transport's state callback does) and its packets come to this test. */
static void sub_join(Sub *s, int64_t now) {
  json_decref(request("participant_add", json_pack("{s:s}", "participant", s->name)));
  s->p = participant(s->name);
  engine_peer_set_output(s->p, capture, s);
  json_t *o = request("subscriber_offer", json_pack("{s:s}", "participant", s->name));
  char *ans = answer_of(json_string_value(json_object_get(o, "sdp")));
  json_decref(o);
  json_decref(request("subscriber_answer", json_pack("{s:s, s:s}", "participant", s->name, "sdp", ans)));
  g_free(ans);
  g_assert_cmpuint(s->p->slots->len, ==, 1);
  SubSlot *slot = s->p->slots->pdata[0];
  g_assert_true(slot->negotiated && slot->rtx_ok);
  g_assert_null(slot->rs); /* not connected yet: nothing forwarded */
  s->out_ssrc = slot->ssrc;
  s->rtx_ssrc = slot->rtx_ssrc;
  engine_peer_set_connected(s->p, ENGINE_LEG_SUBSCRIBER, 1, now);
  participant_activate_slots(s->p, now);
  g_assert_nonnull(slot->rs);
  s->joined = true;
}

/* The engine's counters as the stats API reads them (engine_stats.c). */
static EngineSlotStats slot_stats(const SubSlot *slot) {
  EngineSlotStats st;
  engine_slot_stats(slot, &st);
  return st;
}

static void check_sub(Sub *s) {
  SubSlot *slot = s->p->slots->pdata[0];
  const SeqRewriter *rw = &slot->rs->rw;
  g_assert_true(rw->started);
  int64_t count = rw->out_ext_max - (int64_t)rw->first_out_seq + 1;
  g_test_message("%s: forwarded %" G_GUINT64_FORMAT ", output span %" G_GINT64_FORMAT
                 ", received %u (%u as RTX), retransmitted %" G_GUINT64_FORMAT,
                 s->name, rw->stats.forwarded, count, s->received, s->rtx, slot_stats(slot).retransmitted);
  g_assert_cmpint(count, >, 1000);
  /* One hole is allowed, at the mute: the last packet before it, lost,
   * is missed only when the next one arrives, after the unmute (2 s),
   * and by then it has left the engine's 1 s retransmission buffer (the
   * subscriber gets the keyframe the unmute asked for anyway). */
  uint16_t prev_in = 0;
  unsigned holes = 0;
  for (int64_t i = 0; i < count; i++) {
    uint16_t q = (uint16_t)(rw->first_out_seq + i);
    if (!s->got[q]) {
      int64_t j = i + 1;
      while (j < count && !s->got[(uint16_t)(rw->first_out_seq + j)]) j++;
      uint16_t next_in = s->in_seq_of[(uint16_t)(rw->first_out_seq + j)];
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
  g_assert_false(s->got[(uint16_t)(rw->first_out_seq + count)]);
  g_assert_true(s->keyframe_at[rw->first_out_seq]); /* it starts with a keyframe */
  g_assert_cmpuint(s->received + holes, ==, count);
  g_assert_cmpuint(s->muted_content, ==, 0);
  g_assert_cmpuint(s->bad_ext, ==, 0);
  g_assert_cmpuint(slot_stats(slot).retransmitted, >, 10);
  g_assert_cmpuint(slot_stats(slot).nacks_received, >, 10);
}

static void room_up(void) {
  char err[256];
  dtls = dtls_context_new(err, sizeof err);
  g_assert_nonnull(dtls);
  static char *addrs[] = {"127.0.0.1", NULL};
  SfuEnv env = {.dtls = dtls, .ice_addresses = addrs, .port_min = 0, .port_max = 0,
                .recording_dir = "/nonexistent"};
  ctx = g_main_context_new(); /* never run: the test is the pump */
  room = room_new("pipe", 8, 0, 0, &env, ctx);
  engine_set_wall_offset(room, 0);
  json_decref(request("participant_add", json_pack("{s:s}", "participant", "alice")));
  alice = participant("alice");
  engine_peer_set_output(alice, capture, &pub);
  json_decref(request("publish_offer", json_pack("{s:s, s:s}", "participant", "alice", "sdp", PUB_OFFER)));
  g_assert_nonnull(room_track(room, TRACK));
}

static void room_down(void) {
  room_free(room, "shutdown");
  g_main_context_unref(ctx);
  dtls_context_free(dtls);
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
  PubTrack *t = room_track(room, TRACK);
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

static json_int_t drops_of(json_t *stats, const char *reason) {
  json_t *d = json_object_get(json_object_get(stats, "drops"), reason);
  g_assert_true(json_is_integer(d));
  return json_integer_value(d);
}

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

  json_t *a = request("participant_stats", json_pack("{s:s}", "participant", "alice"));
  json_t *bob = request("participant_stats", json_pack("{s:s}", "participant", "bob"));
  g_assert_cmpint(json_object_size(json_object_get(a, "drops")), ==, ENGINE_DROP_N);
  g_assert_cmpint(drops_of(a, "oversize"), ==, 1);
  g_assert_cmpint(drops_of(a, "rtp_parse"), ==, 2);
  g_assert_cmpint(drops_of(a, "unknown_ssrc"), ==, 1);
  g_assert_cmpint(drops_of(a, "rtx_padding"), ==, 1);
  g_assert_cmpint(drops_of(a, "rtcp_parse"), ==, 1);
  g_assert_cmpint(drops_of(a, "spoofed_ssrc"), ==, 0);
  g_assert_cmpint(drops_of(bob, "spoofed_ssrc"), ==, 1);
  g_assert_cmpint(drops_of(bob, "subscriber_rtp"), ==, 1);
  g_assert_cmpint(drops_of(bob, "send"), ==, 1);
  g_assert_cmpint(drops_of(bob, "oversize"), ==, 0);
  json_decref(a);
  json_decref(bob);
  /* the room's counts keep those of participants who left */
  json_decref(request("participant_remove", json_pack("{s:s}", "participant", "bob")));
  json_t *rs = request("room_stats", json_object());
  g_assert_cmpint(drops_of(rs, "spoofed_ssrc"), ==, 1);
  g_assert_cmpint(drops_of(rs, "send"), ==, 1);
  g_assert_cmpint(drops_of(rs, "rtp_parse"), ==, 2);
  json_decref(rs);
  nack_generator_free(s1.ng);
  room_down();
}

/* One-way video (core/media_gate.h): a subscriber added or updated with
 * receive_video false gets no video subscription, an explicit subscribe is
 * refused, and a video packet meeting a subscription it still holds is
 * dropped as video_blocked, never sent. */
static void test_one_way_video(void) {
  memset(&pub, 0, sizeof pub);
  room_up();
  memset(&s1, 0, sizeof s1);
  s1.name = "bob";
  s1.ng = nack_generator_new(NULL);
  int64_t now = T0;
  engine_peer_set_connected(alice, ENGINE_LEG_PUBLISHER, 1, now);
  sub_join(&s1, now);
  SubSlot *slot = s1.p->slots->pdata[0];
  uint8_t b[2000];
  const uint8_t vp8_key[] = {0x90, 0x80, 0x80, 0x01, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  /* second layer alone: the subscription exists, the gate is shut */
  s1.p->receive_video = 0;
  size_t n = rtp_packet(b, PT, PUB_SSRC, 1, 100);
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  json_t *st = request("participant_stats", json_pack("{s:s}", "participant", "bob"));
  g_assert_cmpint(drops_of(st, "video_blocked"), ==, 1);
  g_assert_false(json_is_true(json_object_get(st, "receive_video")));
  json_decref(st);
  g_assert_cmpuint(slot_stats(slot).packets, ==, 0);
  for (GList *l = net.head; l; l = l->next)
    g_assert_false(((Msg *)l->data)->to == &s1 && ((Msg *)l->data)->kind == ENGINE_PACKET_RTP);
  /* the gate open again: the next keyframe goes through */
  s1.p->receive_video = 1;
  n = rtp_packet(b, PT, PUB_SSRC, 2, 100);
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  g_assert_cmpuint(slot_stats(slot).packets, ==, 1);
  /* participant_update receive_video:false: the subscription goes too */
  json_t *u = request("participant_update",
                      json_pack("{s:s, s:b}", "participant", "bob", "receive_video", 0));
  g_assert_false(json_is_true(json_object_get(u, "receive_video")));
  json_decref(u);
  g_assert_null(slot->rs);
  n = rtp_packet(b, PT, PUB_SSRC, 3, 100);
  memcpy(b + 12, vp8_key, sizeof vp8_key);
  input(alice, ENGINE_LEG_PUBLISHER, ENGINE_PACKET_RTP, b, n, now);
  g_assert_cmpuint(slot_stats(slot).packets, ==, 1);
  /* a wrong request from signalling is refused */
  json_t *msg = json_pack("{s:s, s:s}", "participant", "bob", "track", TRACK);
  json_t *r = room_handle(room, "subscribe", msg);
  json_decref(msg);
  g_assert_cmpstr(json_string_value(json_object_get(r, "type")), ==, "error");
  g_assert_cmpstr(json_string_value(json_object_get(r, "code")), ==, "forbidden");
  json_decref(r);
  /* participant_update with nothing to change is bad input */
  msg = json_pack("{s:s}", "participant", "bob");
  r = room_handle(room, "participant_update", msg);
  json_decref(msg);
  g_assert_cmpstr(json_string_value(json_object_get(r, "code")), ==, "bad_request");
  json_decref(r);
  /* added with receive_video:false: never subscribed to the video track */
  json_decref(request("participant_add",
                      json_pack("{s:s, s:b}", "participant", "dave", "receive_video", 0)));
  Participant *d = participant("dave");
  g_assert_cmpuint(d->slots->len, ==, 0);
  g_assert_null(router_subscription_find(room->router, "dave", TRACK));
  /* and lifted: subscribed again */
  json_decref(request("participant_update",
                      json_pack("{s:s, s:b}", "participant", "dave", "receive_video", 1)));
  g_assert_cmpuint(d->slots->len, ==, 1);
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
