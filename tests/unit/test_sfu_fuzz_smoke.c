/* Deterministic fuzz smoke test of the sfu/core parsers: 200 000 buffers
 * (random, and seeds with bit flips, truncations, extensions and byte
 * stomps) through demux, RTP (+ extensions, id rewrite, RTX unwrap), RTCP
 * (+ every accessor, TWCC expansion) and keyframe detection, checking the
 * parsers' invariants. Each buffer is a heap allocation of exactly its
 * length, so under ASan any read past the end fails the test. The PRNG is
 * seeded with a constant: a failure reproduces. */
#include <glib.h>
#include <string.h>

#include "core/codec_keyframe.h"
#include "core/demux.h"
#include "core/nack_generator.h"
#include "core/rtcp.h"
#include "core/rtp.h"
#include "core/rtp_stats.h"
#include "core/seq_rewriter.h"

#define ITERATIONS 200000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

typedef struct {
  const uint8_t *b;
  size_t n;
} Seed;

static const uint8_t s_rtp1[] = {0xb1, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x11, 0x22, 0x33, 0x44,
                                 0xc1, 0xc1, 0xc1, 0xc1, 0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x22, 0x01,
                                 0x02, 0x03, 0x00, 0x00, 0x90, 0x80, 0x81, 0x23, 0x50, 0x2d, 0x00, 0x9d,
                                 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0x00, 0x02};
static const uint8_t s_rtp2[] = {0x90, 0x6f, 0x00, 0x05, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe, 0x10, 0x00,
                                 0x00, 0x02, 0x05, 0x00, 0xc8, 0x03, 0x61, 0x62, 0x63, 0x00, 0x78, 0x00,
                                 0x05, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80};
static const uint8_t s_rtp3[] = {0x80, 0x62, 0x00, 0x05, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe, 0xaa, 0x80,
                                 0x05, 0x00, 0x00, 0x18, 0x02, 0x80, 0x01, 0xe0, 0x01, 0x04, 0x82, 0x49};
static const uint8_t s_stun[] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t s_dtls[] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0};
static uint8_t s_rtcp[512];
static size_t s_rtcp_len;
static size_t s_rtcp_off[16]; /* start of each packet in the compound */
static size_t s_rtcp_count;

static void build_rtcp_seed(void) {
  uint8_t *o = s_rtcp;
  size_t cap = sizeof s_rtcp, n = 0;
  RtcpSenderInfo si = {1, 2, 3, 4, 5};
  RtcpReportBlock rb = {7, 10, -3, 70000, 20, 0x12345678, 999};
#define MARK() (s_rtcp_off[s_rtcp_count++] = n)
  MARK();
  n += rtcp_build_sr(o + n, cap - n, &si, &rb, 1);
  MARK();
  n += rtcp_build_sdes_cname(o + n, cap - n, 1, "fuzz", 4);
  const uint16_t seqs[] = {1, 2, 5, 40, 65535};
  MARK();
  n += rtcp_build_nack(o + n, cap - n, 1, 7, seqs, 5);
  const uint32_t ss[] = {7, 8};
  MARK();
  n += rtcp_build_remb(o + n, cap - n, 1, 1500000, ss, 2);
  MARK();
  n += rtcp_build_fir(o + n, cap - n, 1, 7, 3);
  MARK();
  n += rtcp_build_pli(o + n, cap - n, 1, 7);
  const uint8_t twcc[] = {0x8f, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0, 100, 0, 5, 0xff, 0xff, 0xfe, 3,
                          0xd4, 0x90, 4, 8, 0xff, 0xff, 1, 0};
  MARK();
  memcpy(o + n, twcc, sizeof twcc);
  n += sizeof twcc;
  MARK();
  n += rtcp_build_bye(o + n, cap - n, ss, 2);
  s_rtcp_len = n;
}

static uint8_t twcc_status[65536];
static int32_t twcc_delta[65536];

typedef struct {
  uint64_t rtp_ok, rtp_ext_elems, rtcp_pkts, rtcp_ok_compound, keyframes;
  uint64_t kinds[16];
} Counters;

static void check_rtp(const uint8_t *b, size_t n, Counters *c, SeqRewriter *rw, NackGenerator *ng,
                      RtpRecvStats *st) {
  RtpView v;
  if (rtp_parse(b, n, &v) != RTP_OK) return;
  c->rtp_ok++;
  g_assert_cmpuint(v.payload_offset + v.payload_len + v.padding_len, ==, n);
  g_assert_cmpuint(v.header_len, <=, n);
  if (v.extension) g_assert_cmpuint(v.ext_offset + v.ext_len, <=, v.header_len);
  RtpExtIter it;
  RtpExtElement el;
  rtp_ext_iter_init(&it, b, &v);
  while (rtp_ext_iter_next(&it, &el)) {
    g_assert_cmpuint(el.offset + el.len, <=, v.ext_offset + v.ext_len);
    c->rtp_ext_elems++;
  }
  bool voice;
  uint8_t level;
  (void)rtp_ext_audio_level(b, &v, 1, &voice, &level);
  /* rewriting ids and RTX unwrap on an exact-size writable copy */
  uint8_t *w = g_memdup2(b, n);
  uint8_t map[256];
  for (int i = 0; i < 256; i++) map[i] = (uint8_t)(rnd() % 20);
  unsigned dropped;
  (void)rtp_ext_rewrite_ids(w, &v, map, &dropped);
  RtpView v2;
  g_assert_cmpint(rtp_parse(w, n, &v2), ==, RTP_OK); /* rewriting never breaks the packet */
  size_t nl;
  if (rtp_rtx_unwrap(w, &v2, 1, 96, &nl) == RTP_OK) {
    g_assert_cmpuint(nl, <=, n);
    RtpView v3;
    g_assert_cmpint(rtp_parse(w, nl, &v3), ==, RTP_OK);
  }
  g_free(w);
  const uint8_t *pl = b + v.payload_offset;
  c->keyframes += codec_keyframe_vp8(pl, v.payload_len);
  c->keyframes += codec_keyframe_vp9(pl, v.payload_len);
  c->keyframes += codec_keyframe_h264(pl, v.payload_len);
  uint16_t os;
  uint32_t ot;
  if (rnd() % 8 == 0)
    seq_rewriter_drop(rw, v.ssrc & 3, v.seq);
  else
    (void)seq_rewriter_forward(rw, v.ssrc & 3, v.seq, v.timestamp, (int64_t)c->rtp_ok * 1000, &os, &ot);
  nack_generator_on_packet(ng, v.seq, (int64_t)c->rtp_ok * 1000);
  uint16_t out[32];
  (void)nack_generator_poll(ng, (int64_t)c->rtp_ok * 1000, out, 32);
  (void)rtp_stats_update(st, v.seq, v.timestamp, (int64_t)c->rtp_ok * 1000, v.payload_len);
}

static void check_rtcp(const uint8_t *b, size_t n, Counters *c) {
  RtcpIter it;
  RtcpPacket p;
  rtcp_iter_init(&it, b, n);
  while (rtcp_iter_next(&it, &p)) {
    c->rtcp_pkts++;
    c->kinds[p.kind & 15]++;
    g_assert_true(p.data >= b);
    g_assert_cmpuint((size_t)(p.data - b) + p.len, <=, n);
    RtcpReportBlock rb;
    uint16_t seqs[64];
    uint32_t s;
    uint8_t q;
    switch (p.kind) {
    case RTCP_KIND_SR:
    case RTCP_KIND_RR:
      for (unsigned i = 0; i < p.count; i++) g_assert_true(rtcp_report_block(&p, i, &rb));
      break;
    case RTCP_KIND_BYE:
      for (unsigned i = 0; i < p.count; i++) (void)rtcp_bye_ssrc(&p, i);
      if (p.u.bye.reason) g_assert_cmpuint((size_t)(p.u.bye.reason - b) + p.u.bye.reason_len, <=, n);
      break;
    case RTCP_KIND_SDES:
      if (p.u.sdes.first_cname)
        g_assert_cmpuint((size_t)(p.u.sdes.first_cname - b) + p.u.sdes.first_cname_len, <=, n);
      break;
    case RTCP_KIND_NACK:
      g_assert_cmpuint(rtcp_nack_seqs(&p, seqs, 64), >=, p.count);
      break;
    case RTCP_KIND_FIR:
      for (unsigned i = 0; i < p.count; i++) rtcp_fir_entry(&p, i, &s, &q);
      break;
    case RTCP_KIND_REMB:
      for (unsigned i = 0; i < p.count; i++) (void)rtcp_remb_ssrc(&p, i);
      break;
    case RTCP_KIND_TWCC:
      (void)rtcp_twcc_expand(&p, twcc_status, twcc_delta, 65536);
      break;
    default:
      break;
    }
  }
  if (it.status == RTCP_OK) c->rtcp_ok_compound++;
}

static void test_fuzz(void) {
  build_rtcp_seed();
  /* RTCP seeds: the compound from each of its packets on, so that every
   * type is the first one reached in some buffers */
  Seed seeds[32] = {{s_rtp1, sizeof s_rtp1}, {s_rtp2, sizeof s_rtp2}, {s_rtp3, sizeof s_rtp3},
                    {s_stun, sizeof s_stun}, {s_dtls, sizeof s_dtls}};
  size_t n_seeds = 5;
  for (size_t i = 0; i < s_rtcp_count; i++) {
    seeds[n_seeds].b = s_rtcp + s_rtcp_off[i];
    seeds[n_seeds].n = s_rtcp_len - s_rtcp_off[i];
    n_seeds++;
  }
  Counters c = {0};
  uint64_t kinds[8] = {0};
  SeqRewriter *rw = g_new(SeqRewriter, 1);
  seq_rewriter_init(rw, 1, 90000, 0, 0);
  NackGenerator *ng = nack_generator_new(NULL);
  RtpRecvStats st;
  rtp_stats_init(&st, 1, 90000);
  uint8_t work[1600];
  for (unsigned iter = 0; iter < ITERATIONS; iter++) {
    size_t n;
    unsigned mode = rnd() % 8;
    if (mode == 0) { /* pure random, short or long */
      n = rnd() % ((rnd() & 1) ? 64 : 1500);
      for (size_t i = 0; i < n; i++) work[i] = (uint8_t)rnd();
      if (n && (rnd() & 1)) work[0] = (uint8_t)(0x80 | (work[0] & 0x3f)); /* look like RTP/RTCP */
    } else {
      unsigned si = rnd() % n_seeds;
      const uint8_t *sb = seeds[si].b;
      size_t sn = seeds[si].n;
      memcpy(work, sb, sn);
      n = sn;
      unsigned flips = 1 + rnd() % 6;
      for (unsigned f = 0; f < flips && n; f++) {
        switch (rnd() % 5) {
        case 0:
        case 1: work[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8)); break;
        case 2: work[rnd() % n] = (const uint8_t[]){0x00, 0xff, 0x7f, 0x80, 0x01}[rnd() % 5]; break;
        case 3: n = rnd() % (n + 1); break; /* truncate */
        case 4: { /* extend with random bytes */
          size_t add = rnd() % 32;
          for (size_t i = 0; i < add && n < sizeof work; i++) work[n++] = (uint8_t)rnd();
          break;
        }
        }
      }
    }
    uint8_t *b = g_malloc(n ? n : 1);
    memcpy(b, work, n);
    DemuxKind k = demux_classify(b, n);
    kinds[k & 7]++;
    check_rtp(b, n, &c, rw, ng, &st);
    check_rtcp(b, n, &c);
    c.keyframes += codec_keyframe_vp8(b, n) + codec_keyframe_vp9(b, n) + codec_keyframe_h264(b, n);
    Vp8Descriptor d;
    if (codec_vp8_parse_descriptor(b, n, &d)) g_assert_cmpuint(d.descriptor_len, <=, n);
    g_free(b);
  }
  /* the run reached deep into the parsers, not just their first checks */
  g_test_message("rtp_ok=%" G_GUINT64_FORMAT " ext_elems=%" G_GUINT64_FORMAT " rtcp_pkts=%" G_GUINT64_FORMAT
                 " rtcp_ok=%" G_GUINT64_FORMAT " keyframes=%" G_GUINT64_FORMAT,
                 c.rtp_ok, c.rtp_ext_elems, c.rtcp_pkts, c.rtcp_ok_compound, c.keyframes);
  g_assert_cmpuint(c.rtp_ok, >, 10000);
  g_assert_cmpuint(c.rtp_ext_elems, >, 10000);
  g_assert_cmpuint(c.rtcp_pkts, >, 10000);
  g_assert_cmpuint(c.rtcp_ok_compound, >, 1000);
  g_assert_cmpuint(c.keyframes, >, 1000);
  for (int kind = RTCP_KIND_SR; kind <= RTCP_KIND_REMB; kind++) {
    if (kind == RTCP_KIND_RR) continue; /* no RR seed: random input only */
    g_test_message("rtcp kind %d: %" G_GUINT64_FORMAT, kind, c.kinds[kind]);
    g_assert_cmpuint(c.kinds[kind], >, 100);
  }
  g_assert_cmpuint(kinds[DEMUX_STUN], >, 1000);
  g_assert_cmpuint(kinds[DEMUX_DTLS], >, 1000);
  g_assert_cmpuint(kinds[DEMUX_RTP], >, 1000);
  g_assert_cmpuint(kinds[DEMUX_RTCP], >, 1000);
  nack_generator_free(ng);
  g_free(rw);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/fuzz_smoke/parsers", test_fuzz);
  return g_test_run();
}
