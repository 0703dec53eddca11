/* sfu/publisher_feedback: recording a publisher's packets for transport-cc
 * feedback. Packets with the extension are recorded (any SSRC), those
 * without it, with another id, a wrong length or no id negotiated are not;
 * the 16-bit seq wraps cleanly into the feedback; garbage never crashes. */
#include <glib.h>
#include <string.h>

#include "core/rtcp.h"
#include "core/rtp.h"
#include "core/twcc_feedback.h"
#include "publisher_feedback.h"

/* An RTP packet with a one-byte extension block: element `id` with `elen`
 * data bytes (the seq first when elen >= 2), then a payload. */
static size_t make_pkt(uint8_t *b, uint32_t ssrc, uint16_t rtp_seq, uint8_t id, uint8_t elen,
                       uint16_t twcc_seq) {
  memset(b, 0, 64);
  b[0] = 0x80 | (id ? 0x10 : 0);
  b[1] = 96;
  b[2] = (uint8_t)(rtp_seq >> 8);
  b[3] = (uint8_t)rtp_seq;
  b[8] = (uint8_t)(ssrc >> 24);
  b[9] = (uint8_t)(ssrc >> 16);
  b[10] = (uint8_t)(ssrc >> 8);
  b[11] = (uint8_t)ssrc;
  size_t n = 12;
  if (id) {
    b[12] = 0xbe;
    b[13] = 0xde;
    b[15] = 1; /* one word */
    b[16] = (uint8_t)(id << 4 | (elen - 1));
    b[17] = (uint8_t)(twcc_seq >> 8);
    b[18] = (uint8_t)twcc_seq;
    n = 20;
  }
  memset(b + n, 0xab, 20);
  return n + 20;
}

static void test_record(void) {
  TwccFeedback *f = g_new(TwccFeedback, 1);
  twcc_feedback_init(f, 1, 0, 0);
  uint8_t b[128];
  RtpView v;
  size_t n = make_pkt(b, 1111, 1, 5, 2, 100);
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_true(publisher_feedback_record(f, 5, b, &v, 1000));
  g_assert_cmpuint(f->stats.packets, ==, 1);
  g_assert_cmpuint(f->media_ssrc, ==, 1111);
  /* another SSRC of the BUNDLE (audio, RTX): the same transport sequence */
  n = make_pkt(b, 2222, 9, 5, 2, 101);
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_true(publisher_feedback_record(f, 5, b, &v, 2000));
  g_assert_cmpuint(f->stats.packets, ==, 2);
  /* no id negotiated, another id, no extension, wrong length: not recorded */
  g_assert_false(publisher_feedback_record(f, 0, b, &v, 3000));
  g_assert_false(publisher_feedback_record(f, 6, b, &v, 3000));
  n = make_pkt(b, 2222, 10, 0, 0, 0);
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_false(publisher_feedback_record(f, 5, b, &v, 3000));
  n = make_pkt(b, 2222, 11, 5, 3, 102);
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_false(publisher_feedback_record(f, 5, b, &v, 3000));
  g_assert_false(publisher_feedback_record(NULL, 5, b, &v, 3000));
  g_assert_false(publisher_feedback_record(f, 5, NULL, &v, 3000));
  g_assert_false(publisher_feedback_record(f, 5, b, NULL, 3000));
  g_assert_cmpuint(f->stats.packets, ==, 2);
  g_free(f);
}

/* Sequence numbers across 65535 -> 0: one feedback covers them all, each
 * reported received, in order. */
static void test_seq_wrap(void) {
  TwccFeedback *f = g_new(TwccFeedback, 1);
  twcc_feedback_init(f, 1, 0, 0);
  uint8_t b[128];
  RtpView v;
  for (int i = 0; i < 20; i++) {
    uint16_t seq = (uint16_t)(65526 + i);
    size_t n = make_pkt(b, 1111, (uint16_t)i, 3, 2, seq);
    g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
    g_assert_true(publisher_feedback_record(f, 3, b, &v, 1000 + i * 1000));
  }
  g_assert_true(twcc_feedback_due(f, 30000));
  uint8_t out[TWCC_FB_MAX_PACKET];
  size_t len = twcc_feedback_build(f, 30000, out, sizeof out);
  g_assert_cmpuint(len, >, 0);
  g_assert_cmpuint(f->stats.skipped, ==, 0);
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, out, len);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_TWCC);
  g_assert_cmpuint(pk.u.twcc.base_seq, ==, 65526);
  g_assert_cmpuint(pk.u.twcc.status_count, ==, 20);
  g_assert_cmpuint(twcc_feedback_build(f, 30000, out, sizeof out), ==, 0); /* all reported */
  g_free(f);
}

/* Random bytes and mangled extension blocks: parse, record if it parses,
 * build; nothing crashes, every feedback fits its cap. */
static void test_garbage(void) {
  TwccFeedback *f = g_new(TwccFeedback, 1);
  twcc_feedback_init(f, 1, 0, 0);
  GRand *rnd = g_rand_new_with_seed(9);
  uint8_t b[256], out[TWCC_FB_MAX_PACKET];
  unsigned parsed = 0, recorded = 0;
  for (int i = 0; i < 20000; i++) {
    size_t n;
    if (i % 2) {
      n = (size_t)g_rand_int_range(rnd, 0, sizeof b);
      for (size_t k = 0; k < n; k++) b[k] = (uint8_t)g_rand_int(rnd);
      if (n) b[0] = (uint8_t)((b[0] & 0x3f) | 0x80);
    } else {
      n = make_pkt(b, 1111, (uint16_t)i, 5, 2, (uint16_t)g_rand_int(rnd));
      b[g_rand_int_range(rnd, 12, 20)] = (uint8_t)g_rand_int(rnd);
    }
    RtpView v;
    if (rtp_parse(b, n, &v) != RTP_OK) continue;
    parsed++;
    recorded += publisher_feedback_record(f, (uint8_t)(i % 15), b, &v, i * 500);
    if (i % 50 == 0) {
      size_t len;
      while ((len = twcc_feedback_build(f, i * 500, out, sizeof out)) > 0)
        g_assert_cmpuint(len, <=, sizeof out);
    }
  }
  g_test_message("%u of 20000 parsed, %u recorded", parsed, recorded);
  g_assert_cmpuint(parsed, >, 0);
  g_rand_free(rnd);
  g_free(f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/publisher_feedback/record", test_record);
  g_test_add_func("/sfu/publisher_feedback/seq_wrap", test_seq_wrap);
  g_test_add_func("/sfu/publisher_feedback/garbage", test_garbage);
  return g_test_run();
}
