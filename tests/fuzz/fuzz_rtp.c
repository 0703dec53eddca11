/* Fuzz harness: RTP packets (sfu/core/rtp.c) as the SFU's forwarding path
 * handles them: parse, walk the RFC 8285 header extensions, read the audio
 * level, rewrite extension ids, stamp a transport-cc seq (rtp_ext_set, which
 * may grow the header), RTX unwrap and wrap. Every step's result is checked
 * against the parser's own contract (rtp.h). The input is the packet. */
#include "fuzz.h"

#include "core/rtp.h"

#define CAP 1600 /* the SFU's receive buffers hold at most this much */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > CAP - 32) return 0;
  uint8_t *b = fuzz_memdup(data, size);
  RtpView v;
  RtpStatus st = rtp_parse(b, size, &v);
  if (st != RTP_OK) {
    free(b);
    return 0;
  }
  FUZZ_CHECK(v.version == 2);
  FUZZ_CHECK(v.header_len <= size && v.payload_offset == v.header_len);
  FUZZ_CHECK(v.payload_offset + v.payload_len + v.padding_len == size);
  if (v.extension) FUZZ_CHECK(v.ext_offset + v.ext_len <= v.header_len);
  for (unsigned i = 0; i < v.csrc_count; i++) (void)rtp_csrc(b, &v, i);

  RtpExtIter it;
  RtpExtElement el;
  rtp_ext_iter_init(&it, b, &v);
  while (rtp_ext_iter_next(&it, &el)) {
    FUZZ_CHECK(el.offset >= v.ext_offset && el.offset + el.len <= v.ext_offset + v.ext_len);
    RtpExtElement found;
    FUZZ_CHECK(rtp_ext_find(b, &v, el.id, &found));
  }
  bool voice;
  uint8_t level;
  (void)rtp_ext_audio_level(b, &v, 1, &voice, &level);

  /* Id rewriting in place never breaks the packet (rtp.h). The map is taken
   * from the packet's own bytes so that the fuzzer steers it too. */
  uint8_t map[256];
  for (int i = 0; i < 256; i++) map[i] = size ? (uint8_t)(b[i % size] % 20) : 0;
  unsigned dropped = 0;
  if (rtp_ext_rewrite_ids(b, &v, map, &dropped) == RTP_OK) {
    RtpView v2;
    FUZZ_CHECK(rtp_parse(b, size, &v2) == RTP_OK);
    FUZZ_CHECK(v2.payload_len == v.payload_len);
  }

  /* The transport-cc seq the SFU stamps on every packet toward a
   * subscriber, into a buffer with room to grow. */
  uint8_t *g = malloc(CAP);
  if (!g) abort();
  memcpy(g, data, size);
  size_t glen = size;
  RtpView gv;
  if (rtp_parse(g, glen, &gv) == RTP_OK) {
    const uint8_t seq[2] = {0x12, 0x34};
    uint8_t id = size ? (uint8_t)(1 + data[size - 1] % 14) : 3;
    size_t payload_before = gv.payload_len;
    if (rtp_ext_set(g, &glen, CAP, &gv, id, seq, 2) == RTP_OK) {
      FUZZ_CHECK(glen <= CAP);
      RtpView gv2;
      FUZZ_CHECK(rtp_parse(g, glen, &gv2) == RTP_OK);
      FUZZ_CHECK(gv2.payload_len == payload_before);
      RtpExtElement e;
      FUZZ_CHECK(rtp_ext_find(g, &gv2, id, &e) && e.len == 2 && memcmp(g + e.offset, seq, 2) == 0);
    }
  }
  free(g);

  /* RTX: wrap the (original) packet, then unwrap it again. */
  RtpView ov;
  if (rtp_parse(data, size, &ov) == RTP_OK) {
    uint8_t *w = malloc(CAP);
    if (!w) abort();
    size_t wlen = 0;
    if (rtp_rtx_wrap(data, &ov, 0x5555, 97, 7, w, CAP, &wlen) == RTP_OK) {
      RtpView wv;
      FUZZ_CHECK(rtp_parse(w, wlen, &wv) == RTP_OK);
      size_t ulen = 0;
      if (rtp_rtx_unwrap(w, &wv, ov.ssrc, ov.payload_type, &ulen) == RTP_OK) {
        RtpView uv;
        FUZZ_CHECK(rtp_parse(w, ulen, &uv) == RTP_OK);
        FUZZ_CHECK(uv.seq == ov.seq && uv.ssrc == ov.ssrc && uv.payload_len == ov.payload_len);
      }
    }
    free(w);
  }
  /* RTX unwrap of the input itself, as if it arrived on an RTX SSRC. */
  uint8_t *u = fuzz_memdup(data, size);
  RtpView uv0;
  size_t nl;
  if (rtp_parse(u, size, &uv0) == RTP_OK && rtp_rtx_unwrap(u, &uv0, 1, 96, &nl) == RTP_OK) {
    FUZZ_CHECK(nl <= size);
    RtpView uv1;
    FUZZ_CHECK(rtp_parse(u, nl, &uv1) == RTP_OK);
  }
  free(u);
  free(b);
  return 0;
}
