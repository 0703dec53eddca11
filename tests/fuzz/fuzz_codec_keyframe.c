/* Fuzz harness: RTP payload descriptors (sfu/core/codec_keyframe.c): the
 * VP8 payload descriptor parser, and the keyframe detectors for VP8, VP9
 * (its descriptor walk: I, L, F/P_DIFF, the V scalability structure) and
 * H264 (single NAL, STAP-A, FU-A). Input: first byte picks the codec the
 * dispatcher is asked about, the rest is the payload. */
#include "fuzz.h"

#include "core/codec_keyframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const CodecId codecs[] = {CODEC_VP8, CODEC_VP9, CODEC_H264, CODEC_OPUS, CODEC_UNKNOWN};
  CodecId codec = codecs[data[0] % 5];
  size_t n = size - 1;
  uint8_t *p = fuzz_memdup(data + 1, n);
  Vp8Descriptor d;
  if (codec_vp8_parse_descriptor(p, n, &d)) {
    FUZZ_CHECK(d.descriptor_len >= 1 && d.descriptor_len <= n);
    if (!d.picture_id_15bit && d.has_picture_id) FUZZ_CHECK(d.picture_id < 128);
    FUZZ_CHECK(d.picture_id < 32768);
    if (d.has_tid) FUZZ_CHECK(d.tid < 4);
  }
  bool k8 = codec_keyframe_vp8(p, n);
  bool k9 = codec_keyframe_vp9(p, n);
  bool k264 = codec_keyframe_h264(p, n);
  /* The dispatcher agrees with the detector it dispatches to. */
  bool k = codec_is_keyframe_start(codec, p, n);
  switch (codec) {
  case CODEC_VP8: FUZZ_CHECK(k == k8); break;
  case CODEC_VP9: FUZZ_CHECK(k == k9); break;
  case CODEC_H264: FUZZ_CHECK(k == k264); break;
  default: FUZZ_CHECK(!k); break;
  }
  if (k8) FUZZ_CHECK(codec_vp8_parse_descriptor(p, n, &d) && d.start_of_partition && d.partition_id == 0);
  free(p);
  /* The encoding-name lookup, on the payload as text. */
  char *name = fuzz_strndup(data + 1, n < 32 ? n : 32);
  (void)codec_from_name(name);
  free(name);
  return 0;
}
