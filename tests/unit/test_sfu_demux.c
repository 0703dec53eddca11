/* sfu/core/demux: RFC 7983 first-byte ranges, RFC 5761 RTP/RTCP split,
 * minimum lengths, every first byte value. */
#include <glib.h>
#include <string.h>

#include "core/demux.h"

static DemuxKind classify_exact(const uint8_t *bytes, size_t len) {
  uint8_t *b = g_memdup2(bytes, len ? len : 1);
  DemuxKind k = demux_classify(b, len);
  g_free(b);
  return k;
}

static void test_kinds(void) {
  uint8_t b[64] = {0};
  /* STUN binding request header */
  b[0] = 0x00;
  b[1] = 0x01;
  g_assert_cmpint(classify_exact(b, 20), ==, DEMUX_STUN);
  g_assert_cmpint(classify_exact(b, 19), ==, DEMUX_UNKNOWN);
  /* DTLS handshake record */
  b[0] = 22;
  g_assert_cmpint(classify_exact(b, 13), ==, DEMUX_DTLS);
  g_assert_cmpint(classify_exact(b, 12), ==, DEMUX_UNKNOWN);
  b[0] = 20;
  g_assert_cmpint(classify_exact(b, 40), ==, DEMUX_DTLS);
  b[0] = 63;
  g_assert_cmpint(classify_exact(b, 40), ==, DEMUX_DTLS);
  b[0] = 17;
  g_assert_cmpint(classify_exact(b, 40), ==, DEMUX_ZRTP);
  b[0] = 64;
  g_assert_cmpint(classify_exact(b, 40), ==, DEMUX_TURN_CHANNEL);
  /* RTP: PT 96 with and without marker; PT 0 */
  b[0] = 0x80;
  b[1] = 96;
  g_assert_cmpint(classify_exact(b, 12), ==, DEMUX_RTP);
  g_assert_cmpint(classify_exact(b, 11), ==, DEMUX_UNKNOWN);
  b[1] = 0x80 | 96;
  g_assert_cmpint(classify_exact(b, 12), ==, DEMUX_RTP);
  b[1] = 0;
  g_assert_cmpint(classify_exact(b, 12), ==, DEMUX_RTP);
  /* RTCP: SR 200, RR 201, PSFB 206, XR 207, and the range edges 192/223 */
  const uint8_t rtcp_pts[] = {192, 200, 201, 202, 203, 205, 206, 207, 223};
  for (size_t i = 0; i < sizeof rtcp_pts; i++) {
    b[1] = rtcp_pts[i];
    g_assert_cmpint(classify_exact(b, 8), ==, DEMUX_RTCP);
    g_assert_cmpint(classify_exact(b, 4), ==, DEMUX_RTCP);
    g_assert_cmpint(classify_exact(b, 3), ==, DEMUX_UNKNOWN);
  }
  /* 191 and 224 are RTP payload types 63 / 96 with marker */
  b[1] = 191;
  g_assert_cmpint(classify_exact(b, 12), ==, DEMUX_RTP);
  b[1] = 224;
  g_assert_cmpint(classify_exact(b, 12), ==, DEMUX_RTP);
  /* version 2 with padding/extension bits set is still RTP/RTCP */
  b[0] = 0xbf;
  b[1] = 201;
  g_assert_cmpint(classify_exact(b, 8), ==, DEMUX_RTCP);
  g_assert_cmpint(demux_classify(NULL, 0), ==, DEMUX_UNKNOWN);
  g_assert_cmpint(demux_classify(NULL, 20), ==, DEMUX_UNKNOWN);
  g_assert_cmpint(classify_exact(b, 0), ==, DEMUX_UNKNOWN);
  g_assert_cmpstr(demux_kind_name(DEMUX_RTCP), ==, "rtcp");
  g_assert_cmpstr(demux_kind_name(DEMUX_UNKNOWN), ==, "unknown");
}

/* Every first byte: the ranges of RFC 7983 and nothing else. */
static void test_every_first_byte(void) {
  uint8_t b[32];
  memset(b, 0, sizeof b);
  b[1] = 96;
  for (int v = 0; v < 256; v++) {
    b[0] = (uint8_t)v;
    DemuxKind k = classify_exact(b, sizeof b);
    if (v <= 3)
      g_assert_cmpint(k, ==, DEMUX_STUN);
    else if (v >= 16 && v <= 19)
      g_assert_cmpint(k, ==, DEMUX_ZRTP);
    else if (v >= 20 && v <= 63)
      g_assert_cmpint(k, ==, DEMUX_DTLS);
    else if (v >= 64 && v <= 79)
      g_assert_cmpint(k, ==, DEMUX_TURN_CHANNEL);
    else if (v >= 128 && v <= 191)
      g_assert_cmpint(k, ==, DEMUX_RTP);
    else
      g_assert_cmpint(k, ==, DEMUX_UNKNOWN);
    /* one byte alone is never enough for anything */
    g_assert_cmpint(classify_exact(b, 1), ==, DEMUX_UNKNOWN);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/demux/kinds", test_kinds);
  g_test_add_func("/sfu/demux/every_first_byte", test_every_first_byte);
  return g_test_run();
}
