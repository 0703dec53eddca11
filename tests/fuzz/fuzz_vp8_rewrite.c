/* Fuzz harness: VP8 PictureID / TL0PICIDX rewriting across simulcast layer
 * switches (sfu/core/vp8_rewrite.c), on the payload descriptors parsed by
 * sfu/core/codec_keyframe.c. The input is a sequence of packets, each
 * [layer/flags byte][length byte][payload]: the rewriter is stateful, so a
 * sequence reaches the switch logic. Checked: a rewrite never changes the
 * descriptor's shape (rewritten in place, same length, same fields). */
#include "fuzz.h"

#include "core/codec_keyframe.h"
#include "core/vp8_rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Vp8Rewrite w;
  vp8_rewrite_init(&w);
  size_t pos = 0;
  while (size - pos >= 2) {
    uint8_t flags = data[pos], len = data[pos + 1];
    pos += 2;
    size_t n = len <= size - pos ? len : size - pos;
    uint8_t *p = fuzz_memdup(data + pos, n);
    pos += n;
    Vp8Descriptor before, after;
    bool parsed = codec_vp8_parse_descriptor(p, n, &before);
    bool sent = vp8_rewrite_apply(&w, flags & 3, (flags & 4) != 0, p, n);
    if (parsed) {
      FUZZ_CHECK(codec_vp8_parse_descriptor(p, n, &after));
      FUZZ_CHECK(after.descriptor_len == before.descriptor_len);
      FUZZ_CHECK(after.has_picture_id == before.has_picture_id);
      FUZZ_CHECK(after.picture_id_15bit == before.picture_id_15bit);
      FUZZ_CHECK(after.has_tl0picidx == before.has_tl0picidx);
      FUZZ_CHECK(after.tid == before.tid && after.start_of_partition == before.start_of_partition);
      /* The VP8 payload after the descriptor is never touched. */
      FUZZ_CHECK(memcmp(p + before.descriptor_len, data + pos - n + before.descriptor_len,
                        n - before.descriptor_len) == 0);
    } else {
      FUZZ_CHECK(memcmp(p, data + pos - n, n) == 0); /* not VP8: left alone */
    }
    (void)sent;
    free(p);
  }
  return 0;
}
