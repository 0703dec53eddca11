/* Keyframe-start detection for VP8, VP9 and H264 payloads; see codec_keyframe.h. */
#include "codec_keyframe.h"

#include <string.h>
#include <strings.h>

CodecId codec_from_name(const char *name) {
  if (name == NULL) return CODEC_UNKNOWN;
  if (strcasecmp(name, "VP8") == 0) return CODEC_VP8;
  if (strcasecmp(name, "VP9") == 0) return CODEC_VP9;
  if (strcasecmp(name, "H264") == 0) return CODEC_H264;
  if (strcasecmp(name, "opus") == 0) return CODEC_OPUS;
  return CODEC_UNKNOWN;
}

bool codec_vp8_parse_descriptor(const uint8_t *p, size_t len, Vp8Descriptor *d) {
  if (p == NULL || d == NULL) return false;
  memset(d, 0, sizeof *d);
  if (len < 1) return false;
  size_t i = 1;
  d->non_reference = (p[0] & 0x20) != 0;
  d->start_of_partition = (p[0] & 0x10) != 0;
  d->partition_id = p[0] & 0x07;
  if (p[0] & 0x80) { /* X: extension byte */
    if (len < 2) return false;
    uint8_t x = p[1];
    i = 2;
    if (x & 0x80) { /* I: picture id */
      if (i >= len) return false;
      d->has_picture_id = true;
      if (p[i] & 0x80) { /* M: 15-bit */
        if (i + 1 >= len) return false;
        d->picture_id = (uint16_t)(((p[i] & 0x7f) << 8) | p[i + 1]);
        d->picture_id_15bit = true;
        i += 2;
      } else {
        d->picture_id = p[i] & 0x7f;
        i += 1;
      }
    }
    if (x & 0x40) { /* L: TL0PICIDX */
      if (i >= len) return false;
      d->has_tl0picidx = true;
      d->tl0picidx = p[i++];
    }
    if (x & 0x30) { /* T or K: TID/Y/KEYIDX byte */
      if (i >= len) return false;
      if (x & 0x20) {
        d->has_tid = true;
        d->tid = p[i] >> 6;
        d->layer_sync = (p[i] & 0x20) != 0;
      }
      if (x & 0x10) {
        d->has_keyidx = true;
        d->keyidx = p[i] & 0x1f;
      }
      i++;
    }
  }
  d->descriptor_len = i;
  return true;
}

bool codec_keyframe_vp8(const uint8_t *p, size_t len) {
  Vp8Descriptor d;
  if (!codec_vp8_parse_descriptor(p, len, &d)) return false;
  if (!d.start_of_partition || d.partition_id != 0) return false;
  /* VP8 key frame header: 3-byte frame tag, start code, 4 bytes of size. */
  if (len - d.descriptor_len < 10) return false;
  const uint8_t *h = p + d.descriptor_len;
  if (h[0] & 0x01) return false; /* P=1: inter frame */
  return h[3] == 0x9d && h[4] == 0x01 && h[5] == 0x2a;
}

bool codec_keyframe_vp9(const uint8_t *p, size_t len) {
  if (p == NULL || len < 1) return false;
  uint8_t b0 = p[0];
  bool I = b0 & 0x80, P = b0 & 0x40, L = b0 & 0x20, F = b0 & 0x10, B = b0 & 0x08, V = b0 & 0x02;
  size_t i = 1;
  uint8_t sid = 0;
  if (I) {
    if (i >= len) return false;
    i += (p[i] & 0x80) ? 2 : 1;
    if (i > len) return false;
  }
  if (L) {
    if (i >= len) return false;
    sid = (p[i] >> 1) & 0x07;
    i++;
    if (!F) { /* non-flexible mode: TL0PICIDX */
      if (i >= len) return false;
      i++;
    }
  }
  if (F && P) { /* up to 3 reference P_DIFFs, N bit chains */
    for (int k = 0; k < 3; k++) {
      if (i >= len) return false;
      bool more = p[i++] & 0x01;
      if (!more) break;
      if (k == 2) return false;
    }
  }
  if (V) { /* scalability structure */
    if (i >= len) return false;
    uint8_t ss = p[i++];
    unsigned n_s = (ss >> 5) + 1;
    bool Y = ss & 0x10, G = ss & 0x08;
    if (Y) {
      if (len - i < 4u * n_s) return false;
      i += 4u * n_s;
    }
    if (G) {
      if (i >= len) return false;
      unsigned n_g = p[i++];
      for (unsigned g = 0; g < n_g; g++) {
        if (i >= len) return false;
        unsigned r = (p[i++] >> 2) & 0x03;
        if (len - i < r) return false;
        i += r;
      }
    }
  }
  if (i >= len) return false; /* no VP9 data at all */
  return !P && B && sid == 0;
}

static bool h264_key_nal(uint8_t type) { return type == 5 || type == 7; }

bool codec_keyframe_h264(const uint8_t *p, size_t len) {
  if (p == NULL || len < 1) return false;
  if (p[0] & 0x80) return false; /* forbidden_zero_bit */
  uint8_t type = p[0] & 0x1f;
  if (type >= 1 && type <= 23) return h264_key_nal(type);
  if (type == 24) { /* STAP-A: (16-bit size, NAL)*; validate all, then decide */
    bool key = false;
    size_t i = 1;
    if (i >= len) return false;
    while (i < len) {
      if (len - i < 2) return false;
      size_t sz = ((size_t)p[i] << 8) | p[i + 1];
      i += 2;
      if (sz == 0 || len - i < sz) return false;
      if (h264_key_nal(p[i] & 0x1f)) key = true;
      i += sz;
    }
    return key;
  }
  if (type == 28) { /* FU-A: indicator, header S|E|R|type */
    if (len < 3) return false;
    return (p[1] & 0x80) && h264_key_nal(p[1] & 0x1f);
  }
  return false;
}

bool codec_is_keyframe_start(CodecId codec, const uint8_t *payload, size_t len) {
  switch (codec) {
  case CODEC_VP8: return codec_keyframe_vp8(payload, len);
  case CODEC_VP9: return codec_keyframe_vp9(payload, len);
  case CODEC_H264: return codec_keyframe_h264(payload, len);
  default: return false;
  }
}
