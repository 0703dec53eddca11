/* sfu/core/rtp: valid, truncated and hostile packets, RFC 8285 extensions
 * (find, iterate, id rewriting), in-place setters and RTX. Every parse runs on
 * an exact-size heap copy so ASan catches any read past the end. */
#include <glib.h>
#include <string.h>

#include "core/rtp.h"

static RtpStatus parse_exact(const uint8_t *bytes, size_t len, RtpView *v, uint8_t **copy) {
  uint8_t *b = g_memdup2(bytes, len ? len : 1);
  RtpStatus st = rtp_parse(b, len, v);
  if (copy)
    *copy = b;
  else
    g_free(b);
  return st;
}

/* V=2 P=0 X=0 CC=0, M=1 PT=96, seq 0x1234, ts 0xdeadbeef, ssrc 0x11223344 */
static const uint8_t basic[] = {0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
                                0x11, 0x22, 0x33, 0x44, 0xaa, 0xbb, 0xcc};

static void test_basic(void) {
  RtpView v;
  g_assert_cmpint(parse_exact(basic, sizeof basic, &v, NULL), ==, RTP_OK);
  g_assert_cmpuint(v.version, ==, 2);
  g_assert_false(v.padding);
  g_assert_false(v.extension);
  g_assert_cmpuint(v.csrc_count, ==, 0);
  g_assert_true(v.marker);
  g_assert_cmpuint(v.payload_type, ==, 96);
  g_assert_cmpuint(v.seq, ==, 0x1234);
  g_assert_cmpuint(v.timestamp, ==, 0xdeadbeef);
  g_assert_cmpuint(v.ssrc, ==, 0x11223344);
  g_assert_cmpuint(v.header_len, ==, 12);
  g_assert_cmpuint(v.payload_offset, ==, 12);
  g_assert_cmpuint(v.payload_len, ==, 3);
  g_assert_cmpuint(v.len, ==, sizeof basic);
  g_assert_cmpuint(rtp_peek_seq(basic), ==, 0x1234);
  g_assert_cmpuint(rtp_peek_ssrc(basic), ==, 0x11223344);
  /* header only, empty payload is valid (e.g. padding-only probes use P) */
  g_assert_cmpint(parse_exact(basic, 12, &v, NULL), ==, RTP_OK);
  g_assert_cmpuint(v.payload_len, ==, 0);
}

static void test_csrc_and_padding(void) {
  const uint8_t p[] = {0xa2, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, /* P=1, CC=2 */
                       0xc1, 0xc1, 0xc1, 0xc1, 0xc2, 0xc2, 0xc2, 0xc2, /* CSRCs */
                       0x01, 0x02, 0x03, 0x00, 0x00, 0x03};            /* 3 payload + 3 padding */
  RtpView v;
  g_assert_cmpint(parse_exact(p, sizeof p, &v, NULL), ==, RTP_OK);
  g_assert_cmpuint(v.csrc_count, ==, 2);
  g_assert_cmpuint(rtp_csrc(p, &v, 0), ==, 0xc1c1c1c1);
  g_assert_cmpuint(rtp_csrc(p, &v, 1), ==, 0xc2c2c2c2);
  g_assert_cmpuint(rtp_csrc(p, &v, 2), ==, 0); /* out of range */
  g_assert_true(v.padding);
  g_assert_cmpuint(v.padding_len, ==, 3);
  g_assert_cmpuint(v.payload_offset, ==, 20);
  g_assert_cmpuint(v.payload_len, ==, 3);
}

static void test_hostile(void) {
  RtpView v;
  uint8_t p[32];
  memcpy(p, basic, sizeof basic);
  /* versions 0, 1, 3 */
  for (int ver = 0; ver < 4; ver++) {
    if (ver == 2) continue;
    p[0] = (uint8_t)((ver << 6) | 0x00);
    g_assert_cmpint(parse_exact(p, sizeof basic, &v, NULL), ==, RTP_ERR_VERSION);
    g_assert_cmpuint(v.len, ==, 0); /* view zeroed on error */
  }
  /* CC=15 but only 15 bytes */
  memcpy(p, basic, sizeof basic);
  p[0] = 0x8f;
  g_assert_cmpint(parse_exact(p, sizeof basic, &v, NULL), ==, RTP_ERR_TRUNCATED);
  /* padding count 0 */
  memcpy(p, basic, sizeof basic);
  p[0] = 0xa0;
  p[sizeof basic - 1] = 0;
  g_assert_cmpint(parse_exact(p, sizeof basic, &v, NULL), ==, RTP_ERR_PADDING);
  /* padding count larger than the payload */
  p[sizeof basic - 1] = 4;
  g_assert_cmpint(parse_exact(p, sizeof basic, &v, NULL), ==, RTP_ERR_PADDING);
  /* padding count 255 on a header-only packet: last byte is part of the header */
  p[sizeof basic - 1] = 3; /* exactly the payload: OK, payload_len 0 */
  g_assert_cmpint(parse_exact(p, sizeof basic, &v, NULL), ==, RTP_OK);
  g_assert_cmpuint(v.payload_len, ==, 0);
  /* X bit with the extension header missing */
  memcpy(p, basic, sizeof basic);
  p[0] = 0x90;
  g_assert_cmpint(parse_exact(p, 14, &v, NULL), ==, RTP_ERR_TRUNCATED);
  /* extension length 0xffff words */
  const uint8_t big_ext[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff, 0x10, 0x01};
  g_assert_cmpint(parse_exact(big_ext, sizeof big_ext, &v, NULL), ==, RTP_ERR_TRUNCATED);
  /* too short / NULL arguments */
  g_assert_cmpint(parse_exact(basic, 11, &v, NULL), ==, RTP_ERR_TRUNCATED);
  g_assert_cmpint(parse_exact(basic, 0, &v, NULL), ==, RTP_ERR_TRUNCATED);
  g_assert_cmpint(rtp_parse(NULL, 12, &v), ==, RTP_ERR_ARG);
  g_assert_cmpint(rtp_parse(basic, 12, NULL), ==, RTP_ERR_ARG);
  g_assert_cmpstr(rtp_status_str(RTP_ERR_PADDING), ==, "bad_padding");
}

/* One-byte extension: id1 (1 byte), id2 (3 bytes), 2 padding bytes. */
static const uint8_t one_byte_ext[] = {0x90, 0x6f, 0x00, 0x05, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe,
                                       0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00,
                                       0x77, 0x88};
/* Two-byte extension: id 5 (0 bytes), id 200 (3 bytes), 1 padding byte. */
static const uint8_t two_byte_ext[] = {0x90, 0x6f, 0x00, 0x05, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe,
                                       0x10, 0x00, 0x00, 0x02, 0x05, 0x00, 0xc8, 0x03, 0x61, 0x62, 0x63, 0x00,
                                       0x99};

static void test_ext_one_byte(void) {
  RtpView v;
  uint8_t *b;
  g_assert_cmpint(parse_exact(one_byte_ext, sizeof one_byte_ext, &v, &b), ==, RTP_OK);
  g_assert_true(v.extension);
  g_assert_cmpint(v.ext_form, ==, RTP_EXT_FORM_ONE_BYTE);
  g_assert_cmpuint(v.ext_profile, ==, 0xbede);
  g_assert_cmpuint(v.ext_offset, ==, 16);
  g_assert_cmpuint(v.ext_len, ==, 8);
  g_assert_cmpuint(v.payload_offset, ==, 24);
  g_assert_cmpuint(v.payload_len, ==, 2);
  RtpExtIter it;
  RtpExtElement el;
  rtp_ext_iter_init(&it, b, &v);
  g_assert_true(rtp_ext_iter_next(&it, &el));
  g_assert_cmpuint(el.id, ==, 1);
  g_assert_cmpuint(el.len, ==, 1);
  g_assert_cmpuint(b[el.offset], ==, 0xaa);
  g_assert_true(rtp_ext_iter_next(&it, &el));
  g_assert_cmpuint(el.id, ==, 2);
  g_assert_cmpuint(el.len, ==, 3);
  g_assert_cmpmem(b + el.offset, 3, "\x01\x02\x03", 3);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(it.status, ==, RTP_OK);
  g_assert_true(rtp_ext_find(b, &v, 2, &el));
  g_assert_cmpuint(el.offset, ==, 19);
  g_assert_false(rtp_ext_find(b, &v, 3, &el));
  /* audio level on id 1: 0xaa = V=1, level 42 */
  bool voice;
  uint8_t level;
  g_assert_true(rtp_ext_audio_level(b, &v, 1, &voice, &level));
  g_assert_true(voice);
  g_assert_cmpuint(level, ==, 42);
  g_assert_false(rtp_ext_audio_level(b, &v, 2, &voice, &level)); /* wrong length */
  g_free(b);
}

static void test_ext_two_byte(void) {
  RtpView v;
  uint8_t *b;
  g_assert_cmpint(parse_exact(two_byte_ext, sizeof two_byte_ext, &v, &b), ==, RTP_OK);
  g_assert_cmpint(v.ext_form, ==, RTP_EXT_FORM_TWO_BYTE);
  RtpExtIter it;
  RtpExtElement el;
  rtp_ext_iter_init(&it, b, &v);
  g_assert_true(rtp_ext_iter_next(&it, &el));
  g_assert_cmpuint(el.id, ==, 5);
  g_assert_cmpuint(el.len, ==, 0);
  g_assert_true(rtp_ext_iter_next(&it, &el));
  g_assert_cmpuint(el.id, ==, 200);
  g_assert_cmpuint(el.len, ==, 3);
  g_assert_cmpmem(b + el.offset, 3, "abc", 3);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(it.status, ==, RTP_OK);
  g_free(b);
}

static void test_ext_malformed(void) {
  /* one-byte element claims 16 bytes in a 4-byte block */
  const uint8_t bad1[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x01, 0x1f, 0x01, 0x02, 0x03};
  RtpView v;
  uint8_t *b;
  g_assert_cmpint(parse_exact(bad1, sizeof bad1, &v, &b), ==, RTP_OK); /* block itself is fine */
  RtpExtIter it;
  RtpExtElement el;
  rtp_ext_iter_init(&it, b, &v);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(it.status, ==, RTP_ERR_EXTENSION);
  uint8_t map[256] = {0};
  unsigned dropped = 99;
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_ERR_EXTENSION);
  g_free(b);
  /* two-byte element length past the block */
  const uint8_t bad2[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x01, 0x07, 0x05, 0x00, 0x00};
  g_assert_cmpint(parse_exact(bad2, sizeof bad2, &v, &b), ==, RTP_OK);
  rtp_ext_iter_init(&it, b, &v);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(it.status, ==, RTP_ERR_EXTENSION);
  g_free(b);
  /* two-byte element header cut in half by the block end */
  const uint8_t bad3[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07};
  g_assert_cmpint(parse_exact(bad3, sizeof bad3, &v, &b), ==, RTP_OK);
  rtp_ext_iter_init(&it, b, &v);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(it.status, ==, RTP_ERR_EXTENSION);
  g_free(b);
  /* one-byte id 15 stops processing (what follows is not looked at) */
  const uint8_t stop[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0x00, 0x01, 0x10, 0x01, 0xf0, 0x3f};
  g_assert_cmpint(parse_exact(stop, sizeof stop, &v, &b), ==, RTP_OK);
  rtp_ext_iter_init(&it, b, &v);
  g_assert_true(rtp_ext_iter_next(&it, &el));
  g_assert_cmpuint(el.id, ==, 1);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(it.status, ==, RTP_OK);
  g_free(b);
  /* unknown profile: opaque, empty iteration, rewrite is a no-op */
  const uint8_t other[] = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x12, 0x34, 0x00, 0x01, 0x10, 0x01, 0x02, 0x03};
  g_assert_cmpint(parse_exact(other, sizeof other, &v, &b), ==, RTP_OK);
  g_assert_cmpint(v.ext_form, ==, RTP_EXT_FORM_OTHER);
  rtp_ext_iter_init(&it, b, &v);
  g_assert_false(rtp_ext_iter_next(&it, &el));
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_OK);
  g_assert_cmpmem(b, sizeof other, other, sizeof other);
  g_free(b);
}

static void test_ext_rewrite(void) {
  RtpView v;
  uint8_t *b;
  uint8_t map[256] = {0};
  unsigned dropped;
  /* one-byte: 1 -> 3, 2 dropped */
  g_assert_cmpint(parse_exact(one_byte_ext, sizeof one_byte_ext, &v, &b), ==, RTP_OK);
  map[1] = 3;
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_OK);
  g_assert_cmpuint(dropped, ==, 1);
  const uint8_t want_ext[] = {0x30, 0xaa, 0, 0, 0, 0, 0, 0};
  g_assert_cmpmem(b + 16, 8, want_ext, 8);
  g_assert_cmpmem(b + 24, 2, "\x77\x88", 2); /* payload untouched */
  RtpView v2;
  g_assert_cmpint(rtp_parse(b, sizeof one_byte_ext, &v2), ==, RTP_OK);
  RtpExtElement el;
  g_assert_true(rtp_ext_find(b, &v2, 3, &el));
  g_assert_cmpuint(b[el.offset], ==, 0xaa);
  g_assert_false(rtp_ext_find(b, &v2, 1, &el));
  g_assert_false(rtp_ext_find(b, &v2, 2, &el));
  g_free(b);
  /* one-byte: a new id that needs the two-byte form is dropped */
  g_assert_cmpint(parse_exact(one_byte_ext, sizeof one_byte_ext, &v, &b), ==, RTP_OK);
  memset(map, 0, sizeof map);
  map[1] = 15;
  map[2] = 14;
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_OK);
  g_assert_cmpuint(dropped, ==, 1);
  g_assert_cmpuint(b[16], ==, 0);
  g_assert_cmpuint(b[17], ==, 0);
  g_assert_cmpuint(b[18], ==, 0xe2);
  g_free(b);
  /* two-byte: 200 -> 7, 5 dropped */
  g_assert_cmpint(parse_exact(two_byte_ext, sizeof two_byte_ext, &v, &b), ==, RTP_OK);
  memset(map, 0, sizeof map);
  map[200] = 7;
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_OK);
  g_assert_cmpuint(dropped, ==, 1);
  const uint8_t want2[] = {0x00, 0x00, 0x07, 0x03, 0x61, 0x62, 0x63, 0x00};
  g_assert_cmpmem(b + 16, 8, want2, 8);
  g_assert_true(rtp_ext_find(b, &v, 7, &el));
  g_assert_cmpmem(b + el.offset, 3, "abc", 3);
  g_free(b);
  /* no extension at all: OK, nothing dropped */
  g_assert_cmpint(parse_exact(basic, sizeof basic, &v, &b), ==, RTP_OK);
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_OK);
  g_assert_cmpuint(dropped, ==, 0);
  g_free(b);
}

static void test_setters(void) {
  uint8_t *b = g_memdup2(one_byte_ext, sizeof one_byte_ext);
  size_t n = sizeof one_byte_ext;
  g_assert_true(rtp_set_ssrc(b, n, 0x01020304));
  g_assert_true(rtp_set_seq(b, n, 65535));
  g_assert_true(rtp_set_timestamp(b, n, 0xffffffff));
  g_assert_true(rtp_set_marker(b, n, true));
  g_assert_true(rtp_set_payload_type(b, n, 111));
  RtpView v;
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_cmpuint(v.ssrc, ==, 0x01020304);
  g_assert_cmpuint(v.seq, ==, 65535);
  g_assert_cmpuint(v.timestamp, ==, 0xffffffff);
  g_assert_true(v.marker);
  g_assert_cmpuint(v.payload_type, ==, 111);
  g_assert_true(v.extension); /* first byte untouched */
  g_assert_cmpuint(v.ext_len, ==, 8);
  g_assert_true(rtp_set_marker(b, n, false));
  g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
  g_assert_false(v.marker);
  g_assert_cmpuint(v.payload_type, ==, 111);
  g_assert_false(rtp_set_payload_type(b, n, 128));
  g_assert_false(rtp_set_ssrc(b, 11, 1));
  g_assert_false(rtp_set_seq(NULL, 12, 1));
  g_assert_false(rtp_set_timestamp(b, 0, 1));
  g_free(b);
}

static void test_rtx(void) {
  RtpView v;
  /* original with padding: wrap drops it */
  const uint8_t orig[] = {0xa0, 0xe0, 0x12, 0x34, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 0, 2};
  g_assert_cmpint(parse_exact(orig, sizeof orig, &v, NULL), ==, RTP_OK);
  uint8_t rtx[64];
  size_t rtx_len;
  g_assert_cmpint(rtp_rtx_wrap(orig, &v, 0x55555555, 97, 7, rtx, 18, &rtx_len), ==, RTP_ERR_NO_SPACE);
  g_assert_cmpint(rtp_rtx_wrap(orig, &v, 0x55555555, 97, 7, rtx, sizeof rtx, &rtx_len), ==, RTP_OK);
  g_assert_cmpuint(rtx_len, ==, 12 + 2 + 5);
  uint8_t *r = g_memdup2(rtx, rtx_len);
  RtpView rv;
  g_assert_cmpint(rtp_parse(r, rtx_len, &rv), ==, RTP_OK);
  g_assert_cmpuint(rv.ssrc, ==, 0x55555555);
  g_assert_cmpuint(rv.payload_type, ==, 97);
  g_assert_cmpuint(rv.seq, ==, 7);
  g_assert_true(rv.marker);
  g_assert_false(rv.padding);
  g_assert_cmpmem(r + 12, 2, "\x12\x34", 2);
  size_t back_len;
  g_assert_cmpint(rtp_rtx_unwrap(r, &rv, 0xcafebabe, 96, &back_len), ==, RTP_OK);
  g_assert_cmpuint(back_len, ==, 17);
  g_assert_cmpint(rtp_parse(r, back_len, &rv), ==, RTP_OK);
  g_assert_cmpuint(rv.seq, ==, 0x1234);
  g_assert_cmpuint(rv.ssrc, ==, 0xcafebabe);
  g_assert_cmpuint(rv.payload_type, ==, 96);
  g_assert_cmpmem(r + 12, 5, "\x01\x02\x03\x04\x05", 5);
  g_free(r);
  /* RTX with a payload too short for the OSN */
  const uint8_t short_rtx[] = {0x80, 0x61, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x12};
  r = g_memdup2(short_rtx, sizeof short_rtx);
  g_assert_cmpint(rtp_parse(r, sizeof short_rtx, &rv), ==, RTP_OK);
  g_assert_cmpint(rtp_rtx_unwrap(r, &rv, 1, 96, &back_len), ==, RTP_ERR_TRUNCATED);
  g_free(r);
}

/* Every prefix of a packet with CSRC and extension: short ones are refused,
 * the rest parse with every offset inside the prefix. */
static void test_truncations(void) {
  uint8_t p[40];
  const uint8_t hdr[] = {0x91, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xc1, 0xc1, 0xc1, 0xc1,
                         0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00};
  memcpy(p, hdr, sizeof hdr);
  memset(p + sizeof hdr, 0x5a, sizeof p - sizeof hdr);
  for (size_t n = 0; n <= sizeof p; n++) {
    RtpView v;
    RtpStatus st = parse_exact(p, n, &v, NULL);
    if (n < sizeof hdr) {
      g_assert_cmpint(st, ==, RTP_ERR_TRUNCATED);
    } else {
      g_assert_cmpint(st, ==, RTP_OK);
      g_assert_cmpuint(v.payload_offset + v.payload_len, ==, n);
    }
  }
}


/* rtp_ext_set: the transport-cc seq the forwarder stamps on every packet to
 * a subscriber, overwritten or added, with the payload and RTP padding kept
 * byte for byte. */
static void check_payload_kept(const uint8_t *b, size_t len, const RtpView *before_v, const uint8_t *before) {
  RtpView v;
  g_assert_cmpint(rtp_parse(b, len, &v), ==, RTP_OK);
  g_assert_cmpuint(v.payload_len, ==, before_v->payload_len);
  g_assert_cmpuint(v.padding_len, ==, before_v->padding_len);
  g_assert_cmpmem(b + v.payload_offset, v.payload_len + v.padding_len, before + before_v->payload_offset,
                  before_v->payload_len + before_v->padding_len);
  g_assert_cmpuint(v.seq, ==, before_v->seq);
  g_assert_cmpuint(v.ssrc, ==, before_v->ssrc);
}

static void test_ext_set(void) {
  const uint8_t seq[2] = {0xab, 0xcd};
  uint8_t b[64];
  RtpView v, v0;
  RtpExtElement el;
  size_t len;
  /* No extension: a one-byte block of 4 + 4 bytes is made. */
  memcpy(b, basic, sizeof basic);
  len = sizeof basic;
  g_assert_cmpint(rtp_parse(b, len, &v0), ==, RTP_OK);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, seq, 2), ==, RTP_OK);
  g_assert_cmpuint(len, ==, sizeof basic + 8);
  g_assert_cmpint(v.ext_form, ==, RTP_EXT_FORM_ONE_BYTE);
  g_assert_true(rtp_ext_find(b, &v, 5, &el));
  g_assert_cmpuint(el.len, ==, 2);
  g_assert_cmpmem(b + el.offset, 2, seq, 2);
  check_payload_kept(b, len, &v0, basic);
  /* Present with the same length: overwritten in place. */
  const uint8_t seq2[2] = {0x01, 0x02};
  size_t l2 = len;
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, seq2, 2), ==, RTP_OK);
  g_assert_cmpuint(len, ==, l2);
  g_assert_true(rtp_ext_find(b, &v, 5, &el));
  g_assert_cmpmem(b + el.offset, 2, seq2, 2);
  /* Present with another length: refused, nothing changed. */
  uint8_t keep[64];
  memcpy(keep, b, len);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, seq2, 1), ==, RTP_ERR_EXTENSION);
  g_assert_cmpuint(len, ==, l2);
  g_assert_cmpmem(b, len, keep, len);
  /* Not representable in the one-byte form: refused. */
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 20, seq, 2), ==, RTP_ERR_EXTENSION);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 6, seq, 0), ==, RTP_ERR_EXTENSION);
  g_assert_cmpmem(b, len, keep, len);

  /* One-byte block with 2 bytes of trailing padding: a 3-byte element does
   * not fit, the block grows by one word; the others stay found. */
  memcpy(b, one_byte_ext, sizeof one_byte_ext);
  len = sizeof one_byte_ext;
  g_assert_cmpint(rtp_parse(b, len, &v0), ==, RTP_OK);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 7, seq, 2), ==, RTP_OK);
  g_assert_cmpuint(len, ==, sizeof one_byte_ext + 4);
  g_assert_cmpuint(v.ext_len, ==, v0.ext_len + 4);
  g_assert_true(rtp_ext_find(b, &v, 7, &el));
  g_assert_cmpmem(b + el.offset, 2, seq, 2);
  g_assert_true(rtp_ext_find(b, &v, 2, &el));
  g_assert_cmpmem(b + el.offset, 3, "\x01\x02\x03", 3);
  g_assert_true(rtp_ext_find(b, &v, 1, &el));
  check_payload_kept(b, len, &v0, one_byte_ext);

  /* An element dropped by rtp_ext_rewrite_ids leaves zero padding: the new
   * element goes there and the packet does not grow. */
  memcpy(b, one_byte_ext, sizeof one_byte_ext);
  len = sizeof one_byte_ext;
  g_assert_cmpint(rtp_parse(b, len, &v0), ==, RTP_OK);
  uint8_t map[256] = {0};
  map[1] = 1; /* keep 1, drop 2 */
  g_assert_cmpint(rtp_ext_rewrite_ids(b, &v0, map, NULL), ==, RTP_OK);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 7, seq, 2), ==, RTP_OK);
  g_assert_cmpuint(len, ==, sizeof one_byte_ext);
  g_assert_true(rtp_ext_find(b, &v, 7, &el));
  g_assert_cmpmem(b + el.offset, 2, seq, 2);
  g_assert_true(rtp_ext_find(b, &v, 1, &el));
  g_assert_false(rtp_ext_find(b, &v, 2, &el));
  check_payload_kept(b, len, &v0, one_byte_ext);

  /* Two-byte form: ids above 14 are fine. */
  memcpy(b, two_byte_ext, sizeof two_byte_ext);
  len = sizeof two_byte_ext;
  g_assert_cmpint(rtp_parse(b, len, &v0), ==, RTP_OK);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 201, seq, 2), ==, RTP_OK);
  g_assert_cmpint(v.ext_form, ==, RTP_EXT_FORM_TWO_BYTE);
  g_assert_true(rtp_ext_find(b, &v, 201, &el));
  g_assert_cmpmem(b + el.offset, 2, seq, 2);
  g_assert_true(rtp_ext_find(b, &v, 200, &el));
  g_assert_cmpmem(b + el.offset, 3, "abc", 3);
  /* id 200 is there with 3 bytes: another length is refused. */
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 200, seq, 2), ==, RTP_ERR_EXTENSION);
  check_payload_kept(b, len, &v0, two_byte_ext);

  /* RTP padding and CSRCs move with the payload. */
  const uint8_t p[] = {0xa2, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xc1, 0xc1, 0xc1, 0xc1, 0xc2, 0xc2, 0xc2, 0xc2,
                       0x01, 0x02, 0x03, 0x00, 0x00, 0x03};
  memcpy(b, p, sizeof p);
  len = sizeof p;
  g_assert_cmpint(rtp_parse(b, len, &v0), ==, RTP_OK);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 3, seq, 2), ==, RTP_OK);
  g_assert_cmpuint(v.csrc_count, ==, 2);
  g_assert_cmpuint(rtp_csrc(b, &v, 1), ==, 0xc2c2c2c2);
  check_payload_kept(b, len, &v0, p);

  /* No room: refused, nothing changed. */
  memcpy(b, basic, sizeof basic);
  len = sizeof basic;
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof basic + 7, &v, 5, seq, 2), ==, RTP_ERR_NO_SPACE);
  g_assert_cmpuint(len, ==, sizeof basic);
  g_assert_cmpmem(b, len, basic, sizeof basic);

  /* Malformed element, opaque profile, unparsable packet, bad arguments. */
  const uint8_t bad[] = {0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0x00, 0x01, 0x1f, 0x00, 0x00, 0x00, 0xaa};
  memcpy(b, bad, sizeof bad);
  len = sizeof bad;
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, seq, 2), ==, RTP_ERR_EXTENSION);
  g_assert_cmpmem(b, len, bad, sizeof bad);
  const uint8_t opaque[] = {0x90, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x12, 0x34, 0x00, 0x01, 1, 2, 3, 4, 0xaa};
  memcpy(b, opaque, sizeof opaque);
  len = sizeof opaque;
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, seq, 2), ==, RTP_ERR_EXTENSION);
  len = 5;
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, seq, 2), ==, RTP_ERR_ARG);
  len = sizeof opaque;
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 0, seq, 2), ==, RTP_ERR_ARG);
  g_assert_cmpint(rtp_ext_set(NULL, &len, sizeof b, &v, 5, seq, 2), ==, RTP_ERR_ARG);
  g_assert_cmpint(rtp_ext_set(b, &len, sizeof b, &v, 5, NULL, 2), ==, RTP_ERR_ARG);
}

/* Random packets: whenever rtp_ext_set succeeds the element reads back and
 * payload + padding are unchanged; when it fails nothing changed. */
static void test_ext_set_random(void) {
  GRand *rnd = g_rand_new_with_seed(9);
  for (int i = 0; i < 20000; i++) {
    uint8_t b[96], orig[96];
    size_t len = 12 + (size_t)g_rand_int_range(rnd, 0, 40);
    for (size_t k = 0; k < len; k++) b[k] = (uint8_t)g_rand_int(rnd);
    b[0] = (uint8_t)(0x80 | (b[0] & 0x3f)); /* V=2, random P/X/CC */
    if (g_rand_boolean(rnd) && len >= 16) { /* a plausible extension header */
      size_t h = 12 + 4u * (b[0] & 0x0f);
      if (h + 4 <= len) {
        b[h] = g_rand_boolean(rnd) ? 0xbe : 0x10;
        b[h + 1] = b[h] == 0xbe ? 0xde : 0x00;
        b[h + 2] = 0;
        b[h + 3] = (uint8_t)g_rand_int_range(rnd, 0, 4);
        b[0] |= 0x10;
      }
    }
    memcpy(orig, b, len);
    RtpView v0, v;
    bool parsed = rtp_parse(b, len, &v0) == RTP_OK;
    size_t nl = len;
    uint8_t d[2] = {(uint8_t)i, (uint8_t)(i >> 8)};
    uint8_t id = (uint8_t)g_rand_int_range(rnd, 1, 16);
    RtpStatus st = rtp_ext_set(b, &nl, sizeof b, &v, id, d, 2);
    if (!parsed) g_assert_cmpint(st, ==, RTP_ERR_ARG);
    if (st != RTP_OK) {
      g_assert_cmpuint(nl, ==, len);
      g_assert_cmpmem(b, len, orig, len);
      continue;
    }
    RtpExtElement el;
    g_assert_true(rtp_ext_find(b, &v, id, &el));
    g_assert_cmpuint(el.len, ==, 2);
    g_assert_cmpmem(b + el.offset, 2, d, 2);
    check_payload_kept(b, nl, &v0, orig);
  }
  g_rand_free(rnd);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/rtp/basic", test_basic);
  g_test_add_func("/sfu/rtp/csrc_padding", test_csrc_and_padding);
  g_test_add_func("/sfu/rtp/hostile", test_hostile);
  g_test_add_func("/sfu/rtp/truncations", test_truncations);
  g_test_add_func("/sfu/rtp/ext_one_byte", test_ext_one_byte);
  g_test_add_func("/sfu/rtp/ext_two_byte", test_ext_two_byte);
  g_test_add_func("/sfu/rtp/ext_malformed", test_ext_malformed);
  g_test_add_func("/sfu/rtp/ext_rewrite", test_ext_rewrite);
  g_test_add_func("/sfu/rtp/setters", test_setters);
  g_test_add_func("/sfu/rtp/rtx", test_rtx);
  g_test_add_func("/sfu/rtp/ext_set", test_ext_set);
  g_test_add_func("/sfu/rtp/ext_set_random", test_ext_set_random);
  return g_test_run();
}
