/* sfu/core/codec_keyframe: VP8/VP9/H264 keyframe starts from payloads shaped
 * like what Chrome and Firefox send, inter frames, continuation packets, and
 * truncated descriptors. Exact-size heap copies for ASan. */
#include <glib.h>
#include <string.h>

#include "core/codec_keyframe.h"

static bool kf(CodecId c, const uint8_t *p, size_t n) {
  uint8_t *b = g_memdup2(p, n ? n : 1);
  bool r = codec_is_keyframe_start(c, b, n);
  g_free(b);
  return r;
}

/* VP8: X=1 S=1 PID=0 | I | M=1 picture id 0x0123 | key frame tag, start
 * code, 640x480 */
static const uint8_t vp8_key[] = {0x90, 0x80, 0x81, 0x23, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a,
                                  0x80, 0x02, 0xe0, 0x01, 0x11, 0x22, 0x33};

static void test_vp8(void) {
  g_assert_true(kf(CODEC_VP8, vp8_key, sizeof vp8_key));
  Vp8Descriptor d;
  g_assert_true(codec_vp8_parse_descriptor(vp8_key, sizeof vp8_key, &d));
  g_assert_true(d.start_of_partition);
  g_assert_cmpuint(d.partition_id, ==, 0);
  g_assert_true(d.has_picture_id);
  g_assert_true(d.picture_id_15bit);
  g_assert_cmpuint(d.picture_id, ==, 0x0123);
  g_assert_cmpuint(d.descriptor_len, ==, 4);
  /* inter frame: P bit set */
  uint8_t p[64];
  memcpy(p, vp8_key, sizeof vp8_key);
  p[4] = 0x51;
  g_assert_false(kf(CODEC_VP8, p, sizeof vp8_key));
  /* continuation packet of the key frame: S=0 */
  memcpy(p, vp8_key, sizeof vp8_key);
  p[0] = 0x80;
  g_assert_false(kf(CODEC_VP8, p, sizeof vp8_key));
  /* S=1 but partition 1 */
  p[0] = 0x91;
  g_assert_false(kf(CODEC_VP8, p, sizeof vp8_key));
  /* wrong start code */
  memcpy(p, vp8_key, sizeof vp8_key);
  p[8] = 0x02;
  g_assert_false(kf(CODEC_VP8, p, sizeof vp8_key));
  /* all extension fields: I (7-bit id 5), L (TL0PICIDX 7), T+K (TID 1, Y, KEYIDX 3) */
  const uint8_t full[] = {0x90, 0xf0, 0x05, 0x07, 0x63, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  g_assert_true(kf(CODEC_VP8, full, sizeof full));
  g_assert_true(codec_vp8_parse_descriptor(full, sizeof full, &d));
  g_assert_cmpuint(d.picture_id, ==, 5);
  g_assert_false(d.picture_id_15bit);
  g_assert_true(d.has_tl0picidx);
  g_assert_cmpuint(d.tl0picidx, ==, 7);
  g_assert_true(d.has_tid);
  g_assert_cmpuint(d.tid, ==, 1);
  g_assert_true(d.layer_sync);
  g_assert_true(d.has_keyidx);
  g_assert_cmpuint(d.keyidx, ==, 3);
  g_assert_cmpuint(d.descriptor_len, ==, 5);
  /* no X byte: descriptor is one byte (Firefox without picture id) */
  const uint8_t minimal[] = {0x10, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};
  g_assert_true(kf(CODEC_VP8, minimal, sizeof minimal));
  /* every truncation of the full one is refused, never read past */
  for (size_t n = 0; n < sizeof full; n++) g_assert_false(kf(CODEC_VP8, full, n));
  g_assert_false(codec_vp8_parse_descriptor(vp8_key, 3, &d)); /* M set, 2nd id byte missing */
  g_assert_false(codec_vp8_parse_descriptor(full, 4, &d));    /* T/K byte missing */
}

/* VP9 non-flexible: I=1 P=0 L=1 F=0 B=1 E=0 V=1 | pic id 0x8005 | TID0 SID0 |
 * TL0PICIDX | SS: N_S=0 Y=1 G=1, 640x480, N_G=1, one group (R=0) | data */
static const uint8_t vp9_key[] = {0xaa, 0x80, 0x05, 0x00, 0x00, 0x18, 0x02, 0x80, 0x01, 0xe0,
                                  0x01, 0x04, 0x82, 0x49, 0x83, 0x42, 0x00};

static void test_vp9(void) {
  g_assert_true(kf(CODEC_VP9, vp9_key, sizeof vp9_key));
  for (size_t n = 0; n < 13; n++) g_assert_false(kf(CODEC_VP9, vp9_key, n));
  uint8_t p[64];
  /* inter frame: P=1, no SS */
  const uint8_t inter[] = {0xe8, 0x80, 0x06, 0x00, 0x00, 0x86, 0x00};
  g_assert_false(kf(CODEC_VP9, inter, sizeof inter));
  /* middle packet of the key frame: B=0 */
  memcpy(p, vp9_key, sizeof vp9_key);
  p[0] = 0xa2;
  g_assert_false(kf(CODEC_VP9, p, sizeof vp9_key));
  /* spatial layer 1 of a key picture: not a start for the base layer */
  memcpy(p, vp9_key, sizeof vp9_key);
  p[3] = 0x02;
  g_assert_false(kf(CODEC_VP9, p, sizeof vp9_key));
  /* without layer indices or SS: I=1 B=1 */
  const uint8_t simple[] = {0x88, 0x05, 0x82, 0x49};
  g_assert_true(kf(CODEC_VP9, simple, sizeof simple));
  /* flexible mode inter frame with 3 P_DIFFs chained, and a 4th (invalid) */
  const uint8_t flex3[] = {0xd8, 0x05, 0x03, 0x05, 0x06, 0x00};
  g_assert_false(kf(CODEC_VP9, flex3, sizeof flex3));
  const uint8_t flex_bad[] = {0xd8, 0x05, 0x03, 0x05, 0x07, 0x09, 0x00};
  g_assert_false(kf(CODEC_VP9, flex_bad, sizeof flex_bad));
  /* SS announcing 3 spatial layers' sizes (12 bytes) but cut short */
  const uint8_t ss_short[] = {0x8a, 0x05, 0x50, 0x02, 0x80, 0x01, 0xe0};
  g_assert_false(kf(CODEC_VP9, ss_short, sizeof ss_short));
  /* SS group with R=2 reference diffs */
  const uint8_t ss_group[] = {0x8a, 0x05, 0x08, 0x01, 0x08, 0x01, 0x02, 0x82};
  g_assert_true(kf(CODEC_VP9, ss_group, sizeof ss_group));
  g_assert_false(kf(CODEC_VP9, ss_group, sizeof ss_group - 1)); /* no data left */
}

static void test_h264(void) {
  const uint8_t idr[] = {0x65, 0x88, 0x84, 0x00};
  const uint8_t sps[] = {0x67, 0x42, 0xc0, 0x1f};
  const uint8_t pps[] = {0x68, 0xce, 0x3c, 0x80};
  const uint8_t slice[] = {0x41, 0x9a, 0x00};
  const uint8_t sei[] = {0x06, 0x05, 0x01};
  g_assert_true(kf(CODEC_H264, idr, sizeof idr));
  g_assert_true(kf(CODEC_H264, sps, sizeof sps));
  g_assert_false(kf(CODEC_H264, pps, sizeof pps));
  g_assert_false(kf(CODEC_H264, slice, sizeof slice));
  g_assert_false(kf(CODEC_H264, sei, sizeof sei));
  /* forbidden bit */
  const uint8_t fbit[] = {0xe5, 0x88};
  g_assert_false(kf(CODEC_H264, fbit, sizeof fbit));
  /* STAP-A with SPS + PPS (what Chrome sends before an IDR) */
  const uint8_t stap[] = {0x78, 0x00, 0x05, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80};
  g_assert_true(kf(CODEC_H264, stap, sizeof stap));
  for (size_t n = 0; n < sizeof stap; n++)
    if (n != 8) g_assert_false(kf(CODEC_H264, stap, n)); /* 8 = first NAL complete */
  g_assert_true(kf(CODEC_H264, stap, 8));
  const uint8_t stap_nokey[] = {0x78, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80, 0x00, 0x02, 0x06, 0x05};
  g_assert_false(kf(CODEC_H264, stap_nokey, sizeof stap_nokey));
  const uint8_t stap_zero[] = {0x78, 0x00, 0x00, 0x00, 0x02, 0x65, 0x00};
  g_assert_false(kf(CODEC_H264, stap_zero, sizeof stap_zero));
  const uint8_t stap_over[] = {0x78, 0x00, 0x09, 0x65, 0x00};
  g_assert_false(kf(CODEC_H264, stap_over, sizeof stap_over));
  /* FU-A: start of IDR, middle of IDR, start of a non-IDR slice */
  const uint8_t fu_start[] = {0x7c, 0x85, 0x88, 0x84};
  const uint8_t fu_mid[] = {0x7c, 0x05, 0x11, 0x22};
  const uint8_t fu_slice[] = {0x5c, 0x81, 0x9a, 0x00};
  g_assert_true(kf(CODEC_H264, fu_start, sizeof fu_start));
  g_assert_false(kf(CODEC_H264, fu_mid, sizeof fu_mid));
  g_assert_false(kf(CODEC_H264, fu_slice, sizeof fu_slice));
  g_assert_false(kf(CODEC_H264, fu_start, 2));
  g_assert_false(kf(CODEC_H264, idr, 0));
  /* STAP-B / MTAP / FU-B are not packetization-mode 1 */
  const uint8_t fub[] = {0x7d, 0x85, 0x00, 0x01, 0x88};
  g_assert_false(kf(CODEC_H264, fub, sizeof fub));
}

static void test_names(void) {
  g_assert_cmpint(codec_from_name("VP8"), ==, CODEC_VP8);
  g_assert_cmpint(codec_from_name("vp9"), ==, CODEC_VP9);
  g_assert_cmpint(codec_from_name("h264"), ==, CODEC_H264);
  g_assert_cmpint(codec_from_name("OPUS"), ==, CODEC_OPUS);
  g_assert_cmpint(codec_from_name("AV1"), ==, CODEC_UNKNOWN);
  g_assert_cmpint(codec_from_name(NULL), ==, CODEC_UNKNOWN);
  /* audio never starts a keyframe */
  g_assert_false(kf(CODEC_OPUS, vp8_key, sizeof vp8_key));
  g_assert_false(codec_keyframe_vp8(NULL, 10));
  g_assert_false(codec_keyframe_vp9(NULL, 10));
  g_assert_false(codec_keyframe_h264(NULL, 10));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/codec_keyframe/vp8", test_vp8);
  g_test_add_func("/sfu/codec_keyframe/vp9", test_vp9);
  g_test_add_func("/sfu/codec_keyframe/h264", test_h264);
  g_test_add_func("/sfu/codec_keyframe/names", test_names);
  return g_test_run();
}
