/* sfu/core/rtcp: every message type built and parsed back (round trip), exact
 * wire bytes for the feedback messages, hand-made TWCC, compound walking, and
 * hostile input. Parses run on exact-size heap copies (ASan). */
#include <glib.h>
#include <string.h>

#include "core/rtcp.h"

typedef struct {
  RtcpPacket pkts[16];
  size_t n;
  RtcpStatus status;
  uint8_t *copy; /* keeps pkts' data pointers alive */
} Parsed;

static void parse_all(Parsed *p, const uint8_t *bytes, size_t len) {
  memset(p, 0, sizeof *p);
  p->copy = g_memdup2(bytes, len ? len : 1);
  RtcpIter it;
  rtcp_iter_init(&it, p->copy, len);
  while (p->n < 16 && rtcp_iter_next(&it, &p->pkts[p->n])) p->n++;
  p->status = it.status;
}

static void parsed_clear(Parsed *p) { g_free(p->copy); }

static RtcpReportBlock block(uint32_t ssrc, uint8_t frac, int32_t lost) {
  RtcpReportBlock b = {ssrc, frac, lost, 0x0001fffe, 1234, 0xaabbccdd, 65536 * 3};
  return b;
}

static void assert_block_eq(const RtcpReportBlock *a, const RtcpReportBlock *b) {
  g_assert_cmpuint(a->ssrc, ==, b->ssrc);
  g_assert_cmpuint(a->fraction_lost, ==, b->fraction_lost);
  g_assert_cmpint(a->cumulative_lost, ==, b->cumulative_lost);
  g_assert_cmpuint(a->ext_highest_seq, ==, b->ext_highest_seq);
  g_assert_cmpuint(a->jitter, ==, b->jitter);
  g_assert_cmpuint(a->lsr, ==, b->lsr);
  g_assert_cmpuint(a->dlsr, ==, b->dlsr);
}

static void test_sr_rr(void) {
  uint8_t buf[1024];
  RtcpReportBlock blocks[3] = {block(1, 0, 0), block(2, 255, -5), block(3, 64, 8388607)};
  RtcpSenderInfo si = {0x12345678, 0xe0000000c0000000ull, 90000, 42, 4200};
  size_t n = rtcp_build_sr(buf, sizeof buf, &si, blocks, 2);
  g_assert_cmpuint(n, ==, 28 + 48);
  g_assert_cmpuint(buf[0], ==, 0x82);
  g_assert_cmpuint(buf[1], ==, 200);
  g_assert_cmpuint(buf[3], ==, n / 4 - 1);
  size_t m = rtcp_build_rr(buf + n, sizeof buf - n, 0x9abcdef0, blocks, 3);
  g_assert_cmpuint(m, ==, 8 + 72);
  Parsed p;
  parse_all(&p, buf, n + m);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.n, ==, 2);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_SR);
  g_assert_cmpuint(p.pkts[0].u.sr.info.ssrc, ==, si.ssrc);
  g_assert_cmpuint(p.pkts[0].u.sr.info.ntp, ==, si.ntp);
  g_assert_cmpuint(p.pkts[0].u.sr.info.rtp_ts, ==, si.rtp_ts);
  g_assert_cmpuint(p.pkts[0].u.sr.info.packet_count, ==, 42);
  g_assert_cmpuint(p.pkts[0].u.sr.info.octet_count, ==, 4200);
  g_assert_cmpuint(p.pkts[0].count, ==, 2);
  RtcpReportBlock got;
  for (unsigned i = 0; i < 2; i++) {
    g_assert_true(rtcp_report_block(&p.pkts[0], i, &got));
    assert_block_eq(&got, &blocks[i]);
  }
  g_assert_false(rtcp_report_block(&p.pkts[0], 2, &got));
  g_assert_cmpint(p.pkts[1].kind, ==, RTCP_KIND_RR);
  g_assert_cmpuint(p.pkts[1].u.rr.ssrc, ==, 0x9abcdef0);
  g_assert_cmpuint(p.pkts[1].count, ==, 3);
  for (unsigned i = 0; i < 3; i++) {
    g_assert_true(rtcp_report_block(&p.pkts[1], i, &got));
    assert_block_eq(&got, &blocks[i]);
  }
  parsed_clear(&p);
  /* cumulative lost clamps to 24-bit signed */
  RtcpReportBlock huge = block(9, 0, -9000000);
  n = rtcp_build_rr(buf, sizeof buf, 1, &huge, 1);
  parse_all(&p, buf, n);
  g_assert_true(rtcp_report_block(&p.pkts[0], 0, &got));
  g_assert_cmpint(got.cumulative_lost, ==, -8388608);
  parsed_clear(&p);
  /* empty RR (no blocks) is 8 bytes */
  g_assert_cmpuint(rtcp_build_rr(buf, sizeof buf, 7, NULL, 0), ==, 8);
  /* no room / too many blocks */
  g_assert_cmpuint(rtcp_build_rr(buf, 31, 7, blocks, 1), ==, 0);
  g_assert_cmpuint(rtcp_build_sr(buf, 27, &si, NULL, 0), ==, 0);
  g_assert_cmpuint(rtcp_build_rr(buf, sizeof buf, 7, blocks, 32), ==, 0);
}

static void test_sdes_bye(void) {
  uint8_t buf[512];
  size_t n = rtcp_build_sdes_cname(buf, sizeof buf, 0x01020304, "parlour-sfu", 11);
  g_assert_cmpuint(n % 4, ==, 0);
  g_assert_cmpuint(n, ==, 8 + 16); /* 2 + 11 + 1 null = 14 -> 16 */
  uint32_t ssrcs[2] = {0xaaaaaaaa, 0xbbbbbbbb};
  size_t m = rtcp_build_bye(buf + n, sizeof buf - n, ssrcs, 2);
  g_assert_cmpuint(m, ==, 12);
  Parsed p;
  parse_all(&p, buf, n + m);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.n, ==, 2);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_SDES);
  g_assert_cmpuint(p.pkts[0].count, ==, 1);
  g_assert_cmpuint(p.pkts[0].u.sdes.first_ssrc, ==, 0x01020304);
  g_assert_cmpuint(p.pkts[0].u.sdes.first_cname_len, ==, 11);
  g_assert_cmpmem(p.pkts[0].u.sdes.first_cname, 11, "parlour-sfu", 11);
  g_assert_cmpint(p.pkts[1].kind, ==, RTCP_KIND_BYE);
  g_assert_cmpuint(p.pkts[1].count, ==, 2);
  g_assert_cmpuint(rtcp_bye_ssrc(&p.pkts[1], 0), ==, 0xaaaaaaaa);
  g_assert_cmpuint(rtcp_bye_ssrc(&p.pkts[1], 1), ==, 0xbbbbbbbb);
  g_assert_null(p.pkts[1].u.bye.reason);
  parsed_clear(&p);
  /* CNAME of length 1 (exact 4-byte boundary case: 2+1+1 = 4) */
  n = rtcp_build_sdes_cname(buf, sizeof buf, 5, "x", 1);
  g_assert_cmpuint(n, ==, 12);
  g_assert_cmpint(rtcp_validate(buf, n), ==, RTCP_OK);
  /* BYE with a reason, hand-made; SDES with two chunks and a NOTE item */
  const uint8_t bye_reason[] = {0x81, 203, 0, 3, 0, 0, 0, 9, 5, 'b', 'y', 'e', '!', 0, 0, 0};
  parse_all(&p, bye_reason, sizeof bye_reason);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.pkts[0].u.bye.reason_len, ==, 5);
  g_assert_cmpmem(p.pkts[0].u.bye.reason, 5, "bye!\0", 5);
  parsed_clear(&p);
  const uint8_t sdes2[] = {0x82, 202, 0, 6, 0, 0, 0, 1, 7, 2, 'h', 'i', 1, 1, 'c', 0,
                           0, 0, 0, 2, 1, 2, 'a', 'b', 0, 0, 0, 0};
  parse_all(&p, sdes2, sizeof sdes2);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.pkts[0].count, ==, 2);
  g_assert_cmpuint(p.pkts[0].u.sdes.first_cname_len, ==, 1);
  g_assert_cmpmem(p.pkts[0].u.sdes.first_cname, 1, "c", 1);
  parsed_clear(&p);
}

static void test_nack(void) {
  uint8_t buf[256];
  /* 100, 101, 116 share one item (PID 100, bits 0 and 15); 117 starts a new
   * one; 65535 and 0 (wrap) share one */
  const uint16_t seqs[] = {100, 101, 116, 117, 65535, 0};
  size_t n = rtcp_build_nack(buf, sizeof buf, 0x11111111, 0x22222222, seqs, 6);
  g_assert_cmpuint(n, ==, 12 + 3 * 4);
  const uint8_t want[] = {0x81, 205, 0, 5, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
                          0, 100, 0x80, 0x01, 0, 117, 0, 0, 0xff, 0xff, 0x00, 0x01};
  g_assert_cmpmem(buf, n, want, sizeof want);
  Parsed p;
  parse_all(&p, buf, n);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_NACK);
  g_assert_cmpuint(p.pkts[0].sender_ssrc, ==, 0x11111111);
  g_assert_cmpuint(p.pkts[0].media_ssrc, ==, 0x22222222);
  g_assert_cmpuint(p.pkts[0].count, ==, 3);
  uint16_t pid, blp;
  rtcp_nack_item(&p.pkts[0], 0, &pid, &blp);
  g_assert_cmpuint(pid, ==, 100);
  g_assert_cmpuint(blp, ==, 0x8001);
  uint16_t out[64];
  size_t k = rtcp_nack_seqs(&p.pkts[0], out, 64);
  g_assert_cmpuint(k, ==, 6);
  const uint16_t want_seqs[] = {100, 101, 116, 117, 65535, 0};
  g_assert_cmpmem(out, k * 2, want_seqs, sizeof want_seqs);
  /* max smaller than the total: count still right, only max written */
  out[2] = 0x4242;
  g_assert_cmpuint(rtcp_nack_seqs(&p.pkts[0], out, 2), ==, 6);
  g_assert_cmpuint(out[2], ==, 0x4242);
  parsed_clear(&p);
  /* a full window: 17 consecutive seqs in one item */
  uint16_t run[17];
  for (int i = 0; i < 17; i++) run[i] = (uint16_t)(65530 + i);
  n = rtcp_build_nack(buf, sizeof buf, 1, 2, run, 17);
  g_assert_cmpuint(n, ==, 16);
  g_assert_cmpuint(buf[14], ==, 0xff);
  g_assert_cmpuint(buf[15], ==, 0xff);
  /* unsorted and duplicated input still covers everything */
  const uint16_t messy[] = {500, 3, 500, 4, 20, 2};
  n = rtcp_build_nack(buf, sizeof buf, 1, 2, messy, 6);
  parse_all(&p, buf, n);
  k = rtcp_nack_seqs(&p.pkts[0], out, 64);
  for (int i = 0; i < 6; i++) {
    bool found = false;
    for (size_t j = 0; j < k; j++) found |= out[j] == messy[i];
    g_assert_true(found);
  }
  parsed_clear(&p);
  /* capacity: 3 items need 24 bytes */
  g_assert_cmpuint(rtcp_build_nack(buf, 23, 1, 2, seqs, 6), ==, 0);
  g_assert_cmpuint(rtcp_build_nack(buf, sizeof buf, 1, 2, seqs, 0), ==, 0);
}

static void test_pli_fir_remb(void) {
  uint8_t buf[256];
  size_t n = rtcp_build_pli(buf, sizeof buf, 0x01010101, 0x02020202);
  const uint8_t want_pli[] = {0x81, 206, 0, 2, 1, 1, 1, 1, 2, 2, 2, 2};
  g_assert_cmpmem(buf, n, want_pli, sizeof want_pli);
  size_t m = rtcp_build_fir(buf + n, sizeof buf - n, 0x01010101, 0x03030303, 7);
  const uint8_t want_fir[] = {0x84, 206, 0, 4, 1, 1, 1, 1, 0, 0, 0, 0, 3, 3, 3, 3, 7, 0, 0, 0};
  g_assert_cmpmem(buf + n, m, want_fir, sizeof want_fir);
  uint32_t ssrcs[2] = {0x0a0a0a0a, 0x0b0b0b0b};
  size_t r = rtcp_build_remb(buf + n + m, sizeof buf - n - m, 0x01010101, 1000000, ssrcs, 2);
  /* 1e6 = 250000 << 2: exp 2, mantissa 0x3d090 */
  const uint8_t want_remb[] = {0x8f, 206, 0, 6, 1, 1, 1, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B',
                               2, 0x0b, 0xd0, 0x90, 0x0a, 0x0a, 0x0a, 0x0a, 0x0b, 0x0b, 0x0b, 0x0b};
  g_assert_cmpmem(buf + n + m, r, want_remb, sizeof want_remb);
  Parsed p;
  parse_all(&p, buf, n + m + r);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.n, ==, 3);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_PLI);
  g_assert_cmpuint(p.pkts[0].media_ssrc, ==, 0x02020202);
  g_assert_cmpint(p.pkts[1].kind, ==, RTCP_KIND_FIR);
  g_assert_cmpuint(p.pkts[1].count, ==, 1);
  uint32_t fs;
  uint8_t fseq;
  rtcp_fir_entry(&p.pkts[1], 0, &fs, &fseq);
  g_assert_cmpuint(fs, ==, 0x03030303);
  g_assert_cmpuint(fseq, ==, 7);
  g_assert_cmpint(p.pkts[2].kind, ==, RTCP_KIND_REMB);
  g_assert_cmpuint(p.pkts[2].u.remb.bitrate_bps, ==, 1000000);
  g_assert_cmpuint(p.pkts[2].count, ==, 2);
  g_assert_cmpuint(rtcp_remb_ssrc(&p.pkts[2], 1), ==, 0x0b0b0b0b);
  g_assert_cmpuint(rtcp_remb_ssrc(&p.pkts[2], 2), ==, 0);
  parsed_clear(&p);
  /* REMB rounding down for a value that needs it; huge values; 0 */
  const uint64_t rates[] = {0, 1, 262143, 262144, 262145, 2500000, 123456789, 1ull << 40};
  for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
    n = rtcp_build_remb(buf, sizeof buf, 1, rates[i], NULL, 0);
    g_assert_cmpuint(n, ==, 20);
    parse_all(&p, buf, n);
    uint64_t got = p.pkts[0].u.remb.bitrate_bps;
    g_assert_cmpuint(got, <=, rates[i]);
    g_assert_cmpuint(got, >=, rates[i] - rates[i] / 131072); /* 17 bits of precision */
    parsed_clear(&p);
  }
  /* hostile exponent 63 with a big mantissa saturates */
  const uint8_t remb_huge[] = {0x8f, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 0, 0xff, 0xff, 0xff};
  parse_all(&p, remb_huge, sizeof remb_huge);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.pkts[0].u.remb.bitrate_bps, ==, UINT64_MAX);
  parsed_clear(&p);
  /* AFB that is not REMB */
  const uint8_t afb[] = {0x8f, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 'X', 'Y', 'Z', 'W'};
  parse_all(&p, afb, sizeof afb);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_AFB_OTHER);
  parsed_clear(&p);
  g_assert_cmpuint(rtcp_build_pli(buf, 11, 1, 2), ==, 0);
  g_assert_cmpuint(rtcp_build_fir(buf, 19, 1, 2, 0), ==, 0);
  g_assert_cmpuint(rtcp_build_remb(buf, 23, 1, 5, ssrcs, 1), ==, 0);
}

static void test_twcc(void) {
  /* base 100, 5 packets: small(4) small(8) lost large(-1) small(1), two-bit
   * status vector chunk, then a run-length chunk for 3 more would exceed
   * the count and is not needed */
  const uint8_t pkt[] = {0x8f, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, /* header, sender, media */
                         0, 100, 0, 5, 0xff, 0xff, 0xfe, 3,       /* base, count, ref -2, fb 3 */
                         0xd4, 0x90,                              /* 1 1 0 2 1 0 0 */
                         4, 8, 0xff, 0xff, 1, 0};
  Parsed p;
  parse_all(&p, pkt, sizeof pkt);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_TWCC);
  g_assert_cmpuint(p.pkts[0].u.twcc.base_seq, ==, 100);
  g_assert_cmpuint(p.pkts[0].u.twcc.status_count, ==, 5);
  g_assert_cmpint(p.pkts[0].u.twcc.reference_time, ==, -2);
  g_assert_cmpuint(p.pkts[0].u.twcc.fb_pkt_count, ==, 3);
  uint8_t st[16];
  int32_t d[16];
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 4), ==, RTCP_ERR_ARG);
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 16), ==, RTCP_OK);
  const uint8_t want_st[] = {1, 1, 0, 2, 1};
  const int32_t want_d[] = {4, 8, 0, -1, 1};
  g_assert_cmpmem(st, 5, want_st, 5);
  g_assert_cmpmem(d, sizeof want_d, want_d, sizeof want_d);
  parsed_clear(&p);
  /* run-length chunk (3 x small) + one-bit vector chunk (1 0 1 ...), 5 pkts */
  const uint8_t pkt2[] = {0x8f, 205, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xfe, 0, 5, 0, 0, 1, 0,
                          0x20, 0x03, 0xa0, 0x00, 10, 20, 30, 40, 0, 0, 0, 0};
  parse_all(&p, pkt2, sizeof pkt2);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.pkts[0].u.twcc.base_seq, ==, 65534);
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 16), ==, RTCP_OK);
  const uint8_t want_st2[] = {1, 1, 1, 1, 0};
  const int32_t want_d2[] = {10, 20, 30, 40, 0};
  g_assert_cmpmem(st, 5, want_st2, 5);
  g_assert_cmpmem(d, sizeof want_d2, want_d2, sizeof want_d2);
  parsed_clear(&p);
  /* deltas missing: status says received but no delta bytes */
  const uint8_t bad[] = {0x8f, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 1, 0, 0x20, 0x05, 1, 2};
  parse_all(&p, bad, sizeof bad);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 16), ==, RTCP_ERR_MALFORMED);
  parsed_clear(&p);
  /* chunks missing */
  const uint8_t bad2[] = {0x8f, 205, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 1, 0};
  parse_all(&p, bad2, sizeof bad2);
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 16), ==, RTCP_ERR_MALFORMED);
  parsed_clear(&p);
  /* run length 0 and reserved symbol 3 */
  const uint8_t bad3[] = {0x8f, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 0, 0x60, 0x01, 0, 0};
  parse_all(&p, bad3, sizeof bad3);
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 16), ==, RTCP_ERR_MALFORMED);
  parsed_clear(&p);
  const uint8_t bad4[] = {0x8f, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 1, 0, 0x20, 0x00, 0, 0};
  parse_all(&p, bad4, sizeof bad4);
  g_assert_cmpint(rtcp_twcc_expand(&p.pkts[0], st, d, 16), ==, RTCP_ERR_MALFORMED);
  parsed_clear(&p);
  /* TWCC shorter than its fixed fields */
  const uint8_t bad5[] = {0x8f, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1};
  parse_all(&p, bad5, sizeof bad5);
  g_assert_cmpint(p.status, ==, RTCP_ERR_TRUNCATED);
  parsed_clear(&p);
}

static void test_compound_and_unknown(void) {
  uint8_t buf[512];
  RtcpSenderInfo si = {1, 2, 3, 4, 5};
  size_t n = rtcp_build_sr(buf, sizeof buf, &si, NULL, 0);
  n += rtcp_build_sdes_cname(buf + n, sizeof buf - n, 1, "abc", 3);
  /* APP packet and XR: passed over as UNKNOWN with header fields */
  const uint8_t app[] = {0x85, 204, 0, 2, 0, 0, 0, 1, 'N', 'A', 'M', 'E'};
  memcpy(buf + n, app, sizeof app);
  n += sizeof app;
  const uint8_t xr[] = {0x80, 207, 0, 1, 0, 0, 0, 1};
  memcpy(buf + n, xr, sizeof xr);
  n += sizeof xr;
  /* RTPFB with an unknown FMT */
  const uint8_t fb9[] = {0x89, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
  memcpy(buf + n, fb9, sizeof fb9);
  n += sizeof fb9;
  n += rtcp_build_pli(buf + n, sizeof buf - n, 1, 2);
  Parsed p;
  parse_all(&p, buf, n);
  g_assert_cmpint(p.status, ==, RTCP_OK);
  g_assert_cmpuint(p.n, ==, 6);
  g_assert_cmpint(p.pkts[0].kind, ==, RTCP_KIND_SR);
  g_assert_cmpint(p.pkts[1].kind, ==, RTCP_KIND_SDES);
  g_assert_cmpint(p.pkts[2].kind, ==, RTCP_KIND_UNKNOWN);
  g_assert_cmpuint(p.pkts[2].pt, ==, 204);
  g_assert_cmpuint(p.pkts[2].fmt, ==, 5);
  g_assert_cmpuint(p.pkts[2].len, ==, 12);
  g_assert_cmpint(p.pkts[3].kind, ==, RTCP_KIND_UNKNOWN);
  g_assert_cmpuint(p.pkts[3].pt, ==, 207);
  g_assert_cmpint(p.pkts[4].kind, ==, RTCP_KIND_UNKNOWN);
  g_assert_cmpuint(p.pkts[4].media_ssrc, ==, 2);
  g_assert_cmpint(p.pkts[5].kind, ==, RTCP_KIND_PLI);
  parsed_clear(&p);
  g_assert_cmpint(rtcp_validate(buf, n), ==, RTCP_OK);
  /* every prefix: valid exactly at packet boundaries, never a crash */
  size_t bounds[] = {0, 28, 28 + 16, 28 + 16 + 12, 28 + 16 + 12 + 8, 28 + 16 + 12 + 8 + 12, n};
  for (size_t k = 1; k <= n; k++) {
    uint8_t *c = g_memdup2(buf, k);
    RtcpStatus st = rtcp_validate(c, k);
    bool boundary = false;
    for (size_t b = 1; b < G_N_ELEMENTS(bounds); b++) boundary |= bounds[b] == k;
    if (boundary)
      g_assert_cmpint(st, ==, RTCP_OK);
    else
      g_assert_cmpint(st, !=, RTCP_OK);
    g_free(c);
  }
  g_assert_cmpint(rtcp_validate(buf, 0), ==, RTCP_ERR_EMPTY);
  g_assert_cmpint(rtcp_validate(NULL, 5), ==, RTCP_ERR_EMPTY);
}

static void expect_status(const uint8_t *b, size_t n, RtcpStatus want) {
  Parsed p;
  parse_all(&p, b, n);
  g_assert_cmpint(p.status, ==, want);
  parsed_clear(&p);
}

static void test_hostile(void) {
  /* version 1 */
  const uint8_t v1[] = {0x41, 201, 0, 1, 0, 0, 0, 1};
  expect_status(v1, sizeof v1, RTCP_ERR_VERSION);
  /* length field past the end */
  const uint8_t longlen[] = {0x80, 201, 0, 9, 0, 0, 0, 1};
  expect_status(longlen, sizeof longlen, RTCP_ERR_TRUNCATED);
  const uint8_t maxlen[] = {0x80, 201, 0xff, 0xff, 0, 0, 0, 1};
  expect_status(maxlen, sizeof maxlen, RTCP_ERR_TRUNCATED);
  /* three bytes */
  expect_status(v1, 3, RTCP_ERR_TRUNCATED);
  /* RR with RC=2 but room for one block */
  uint8_t rr[8 + 24] = {0x82, 201, 0, 7};
  expect_status(rr, sizeof rr, RTCP_ERR_LENGTH);
  /* SR shorter than its sender info */
  const uint8_t sr[] = {0x80, 200, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
  expect_status(sr, sizeof sr, RTCP_ERR_TRUNCATED);
  /* RR with length 0 (header only): too short for the SSRC */
  const uint8_t rr0[] = {0x80, 201, 0, 0};
  expect_status(rr0, sizeof rr0, RTCP_ERR_TRUNCATED);
  /* padding on the first of two packets */
  const uint8_t padfirst[] = {0xa0, 201, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4, 0x80, 201, 0, 1, 0, 0, 0, 1};
  expect_status(padfirst, sizeof padfirst, RTCP_ERR_PADDING);
  /* padding count 0 and too large on the last packet; a valid one */
  uint8_t pad[] = {0xa0, 201, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0};
  expect_status(pad, sizeof pad, RTCP_ERR_PADDING);
  pad[11] = 12;
  expect_status(pad, sizeof pad, RTCP_ERR_PADDING);
  pad[11] = 4;
  expect_status(pad, sizeof pad, RTCP_OK);
  /* padding that eats the SSRC */
  pad[11] = 8;
  expect_status(pad, sizeof pad, RTCP_ERR_TRUNCATED);
  /* BYE: SC=3 with two SSRCs; reason length past the end */
  const uint8_t bye[] = {0x83, 203, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
  expect_status(bye, sizeof bye, RTCP_ERR_LENGTH);
  const uint8_t byer[] = {0x81, 203, 0, 2, 0, 0, 0, 1, 9, 'x', 'y', 'z'};
  expect_status(byer, sizeof byer, RTCP_ERR_MALFORMED);
  /* SDES: item length past the chunk; chunk missing its terminator */
  const uint8_t sd1[] = {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 'a', 'b'};
  expect_status(sd1, sizeof sd1, RTCP_ERR_MALFORMED);
  const uint8_t sd2[] = {0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b'};
  expect_status(sd2, sizeof sd2, RTCP_ERR_MALFORMED);
  const uint8_t sd3[] = {0x82, 202, 0, 2, 0, 0, 0, 1, 1, 1, 'a', 0}; /* 2 chunks announced */
  expect_status(sd3, sizeof sd3, RTCP_ERR_MALFORMED);
  /* feedback shorter than sender+media SSRC */
  const uint8_t fb[] = {0x81, 206, 0, 1, 0, 0, 0, 1};
  expect_status(fb, sizeof fb, RTCP_ERR_TRUNCATED);
  /* REMB claiming 5 SSRCs with room for 1; REMB cut before its bitrate */
  const uint8_t remb[] = {0x8f, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 5, 0, 1, 0, 0, 0, 0, 1};
  expect_status(remb, sizeof remb, RTCP_ERR_LENGTH);
  const uint8_t remb2[] = {0x8f, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B'};
  expect_status(remb2, sizeof remb2, RTCP_ERR_TRUNCATED);
  /* A valid packet followed by garbage: the first is returned, then error */
  const uint8_t then_bad[] = {0x80, 201, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 0, 0};
  Parsed p;
  parse_all(&p, then_bad, sizeof then_bad);
  g_assert_cmpuint(p.n, ==, 1);
  g_assert_cmpint(p.status, ==, RTCP_ERR_VERSION);
  parsed_clear(&p);
  /* accessors on the wrong kind are harmless */
  RtcpPacket none = {0};
  RtcpReportBlock rb;
  g_assert_false(rtcp_report_block(&none, 0, &rb));
  g_assert_cmpuint(rtcp_bye_ssrc(&none, 0), ==, 0);
  g_assert_cmpuint(rtcp_nack_seqs(&none, NULL, 0), ==, 0);
  g_assert_cmpstr(rtcp_status_str(RTCP_ERR_PADDING), ==, "bad_padding");
}

static void test_time(void) {
  g_assert_cmpuint(rtcp_ntp_from_unix_us(0), ==, 2208988800ull << 32);
  g_assert_cmpuint(rtcp_ntp_from_unix_us(1500000), ==, ((2208988801ull) << 32) | 0x80000000u);
  uint64_t ntp = rtcp_ntp_from_unix_us(1700000000250000);
  g_assert_cmpuint(ntp >> 32, ==, 1700000000ull + 2208988800ull);
  g_assert_cmpuint(rtcp_ntp_mid32(ntp) & 0xffff, ==, 0x4000); /* 0.25 s */
  /* LSR 0x1000:0000, DLSR 1.5 s, now LSR + 2 s -> RTT 0.5 s */
  g_assert_cmpint(rtcp_rtt_us(0x10020000, 0x10000000, 0x00018000), ==, 500000);
  g_assert_cmpint(rtcp_rtt_us(0x10020000, 0, 0), ==, -1);
  g_assert_cmpint(rtcp_rtt_us(0x10000000, 0x10000000, 0x00018000), ==, -1);
  /* across the 32-bit wrap of the middle bits */
  g_assert_cmpint(rtcp_rtt_us(0x00008000, 0xffff8000, 0x00008000), ==, 500000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/rtcp/sr_rr", test_sr_rr);
  g_test_add_func("/sfu/rtcp/sdes_bye", test_sdes_bye);
  g_test_add_func("/sfu/rtcp/nack", test_nack);
  g_test_add_func("/sfu/rtcp/pli_fir_remb", test_pli_fir_remb);
  g_test_add_func("/sfu/rtcp/twcc", test_twcc);
  g_test_add_func("/sfu/rtcp/compound_unknown", test_compound_and_unknown);
  g_test_add_func("/sfu/rtcp/hostile", test_hostile);
  g_test_add_func("/sfu/rtcp/time", test_time);
  return g_test_run();
}
