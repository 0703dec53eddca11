/* RTP parsing and in-place rewriting; see rtp.h for the contract. */
#include "rtp.h"

#include <string.h>

#include "bytes.h"

const char *rtp_status_str(RtpStatus st) {
  switch (st) {
  case RTP_OK: return "ok";
  case RTP_ERR_ARG: return "bad_argument";
  case RTP_ERR_TRUNCATED: return "truncated";
  case RTP_ERR_VERSION: return "bad_version";
  case RTP_ERR_PADDING: return "bad_padding";
  case RTP_ERR_EXTENSION: return "bad_extension";
  case RTP_ERR_NO_SPACE: return "no_space";
  }
  return "unknown";
}

RtpStatus rtp_parse(const uint8_t *buf, size_t len, RtpView *v) {
  if (v == NULL) return RTP_ERR_ARG;
  memset(v, 0, sizeof *v);
  if (buf == NULL) return RTP_ERR_ARG;
  if (len < RTP_HEADER_MIN) return RTP_ERR_TRUNCATED;
  if ((buf[0] >> 6) != 2) return RTP_ERR_VERSION;
  RtpView r = {0};
  r.version = 2;
  r.padding = (buf[0] & 0x20) != 0;
  r.extension = (buf[0] & 0x10) != 0;
  r.csrc_count = buf[0] & 0x0f;
  r.marker = (buf[1] & 0x80) != 0;
  r.payload_type = buf[1] & 0x7f;
  r.seq = be16(buf + 2);
  r.timestamp = be32(buf + 4);
  r.ssrc = be32(buf + 8);
  size_t hdr = RTP_HEADER_MIN + 4u * r.csrc_count;
  if (len < hdr) return RTP_ERR_TRUNCATED;
  if (r.extension) {
    if (len < hdr + 4) return RTP_ERR_TRUNCATED;
    r.ext_profile = be16(buf + hdr);
    r.ext_len = 4u * be16(buf + hdr + 2);
    r.ext_offset = hdr + 4;
    /* compare without overflow: ext_len <= 262140, len is a size_t */
    if (len - r.ext_offset < r.ext_len) return RTP_ERR_TRUNCATED;
    hdr = r.ext_offset + r.ext_len;
    if (r.ext_profile == RTP_EXT_PROFILE_ONE_BYTE)
      r.ext_form = RTP_EXT_FORM_ONE_BYTE;
    else if ((r.ext_profile & RTP_EXT_PROFILE_TWO_BYTE_MASK) == RTP_EXT_PROFILE_TWO_BYTE)
      r.ext_form = RTP_EXT_FORM_TWO_BYTE;
    else
      r.ext_form = RTP_EXT_FORM_OTHER;
  }
  r.header_len = hdr;
  r.payload_offset = hdr;
  if (r.padding) {
    uint8_t pad = buf[len - 1];
    if (pad == 0 || pad > len - hdr) return RTP_ERR_PADDING;
    r.padding_len = pad;
  }
  r.payload_len = len - hdr - r.padding_len;
  r.len = len;
  *v = r;
  return RTP_OK;
}

uint32_t rtp_csrc(const uint8_t *buf, const RtpView *v, unsigned i) {
  if (buf == NULL || v == NULL || i >= v->csrc_count) return 0;
  return be32(buf + RTP_HEADER_MIN + 4u * i);
}

bool rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc) {
  if (buf == NULL || len < RTP_HEADER_MIN) return false;
  put32(buf + 8, ssrc);
  return true;
}

bool rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq) {
  if (buf == NULL || len < RTP_HEADER_MIN) return false;
  put16(buf + 2, seq);
  return true;
}

bool rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t ts) {
  if (buf == NULL || len < RTP_HEADER_MIN) return false;
  put32(buf + 4, ts);
  return true;
}

bool rtp_set_marker(uint8_t *buf, size_t len, bool marker) {
  if (buf == NULL || len < RTP_HEADER_MIN) return false;
  buf[1] = (uint8_t)((buf[1] & 0x7f) | (marker ? 0x80 : 0));
  return true;
}

bool rtp_set_payload_type(uint8_t *buf, size_t len, uint8_t pt) {
  if (buf == NULL || len < RTP_HEADER_MIN || pt > 127) return false;
  buf[1] = (uint8_t)((buf[1] & 0x80) | pt);
  return true;
}

uint16_t rtp_peek_seq(const uint8_t *buf) { return be16(buf + 2); }
uint32_t rtp_peek_ssrc(const uint8_t *buf) { return be32(buf + 8); }

/* ---- extensions ---- */

void rtp_ext_iter_init(RtpExtIter *it, const uint8_t *buf, const RtpView *v) {
  memset(it, 0, sizeof *it);
  it->buf = buf;
  if (buf == NULL || v == NULL || !v->extension) {
    it->form = RTP_EXT_FORM_NONE;
    return;
  }
  it->form = v->ext_form;
  it->pos = v->ext_offset;
  it->end = v->ext_offset + v->ext_len;
}

/* Decode the element at *pos. Returns 1 with *el set, 0 at the end, -1 on a
 * malformed element. Skips padding bytes. Shared by iteration and rewrite. */
static int ext_next(const uint8_t *buf, RtpExtForm form, size_t *pos, size_t end, RtpExtElement *el,
                    size_t *elem_start) {
  if (form != RTP_EXT_FORM_ONE_BYTE && form != RTP_EXT_FORM_TWO_BYTE) return 0;
  /* Padding: a zero byte. In the one-byte form any byte with id 0 is skipped
   * as one byte whatever its length nibble says (as libwebrtc does). */
  if (form == RTP_EXT_FORM_ONE_BYTE)
    while (*pos < end && (buf[*pos] >> 4) == 0) (*pos)++;
  else
    while (*pos < end && buf[*pos] == 0) (*pos)++;
  if (*pos >= end) return 0;
  size_t p = *pos;
  if (form == RTP_EXT_FORM_ONE_BYTE) {
    uint8_t id = buf[p] >> 4;
    size_t l = (size_t)(buf[p] & 0x0f) + 1;
    if (id == 15) { /* RFC 8285 s.4.2: reserved, stop processing */
      *pos = end;
      return 0;
    }
    if (end - p - 1 < l) return -1;
    el->id = id;
    el->len = (uint8_t)l;
    el->offset = p + 1;
    *elem_start = p;
    *pos = p + 1 + l;
    return 1;
  }
  if (end - p < 2) return -1;
  size_t l = buf[p + 1];
  if (end - p - 2 < l) return -1;
  el->id = buf[p];
  el->len = (uint8_t)l;
  el->offset = p + 2;
  *elem_start = p;
  *pos = p + 2 + l;
  return 1;
}

bool rtp_ext_iter_next(RtpExtIter *it, RtpExtElement *el) {
  if (it == NULL || el == NULL || it->buf == NULL) return false;
  size_t start;
  int r = ext_next(it->buf, it->form, &it->pos, it->end, el, &start);
  if (r < 0) {
    it->status = RTP_ERR_EXTENSION;
    it->pos = it->end;
  }
  return r > 0;
}

bool rtp_ext_find(const uint8_t *buf, const RtpView *v, uint8_t id, RtpExtElement *el) {
  RtpExtIter it;
  RtpExtElement e;
  rtp_ext_iter_init(&it, buf, v);
  while (rtp_ext_iter_next(&it, &e)) {
    if (e.id == id) {
      if (el) *el = e;
      return true;
    }
  }
  return false;
}

RtpStatus rtp_ext_rewrite_ids(uint8_t *buf, const RtpView *v, const uint8_t map[256], unsigned *dropped) {
  if (dropped) *dropped = 0;
  if (buf == NULL || v == NULL || map == NULL) return RTP_ERR_ARG;
  if (!v->extension) return RTP_OK;
  RtpExtForm form = v->ext_form;
  if (form != RTP_EXT_FORM_ONE_BYTE && form != RTP_EXT_FORM_TWO_BYTE) return RTP_OK;
  size_t pos = v->ext_offset, end = v->ext_offset + v->ext_len, start;
  RtpExtElement el;
  unsigned n_dropped = 0;
  int r;
  while ((r = ext_next(buf, form, &pos, end, &el, &start)) > 0) {
    uint8_t nid = map[el.id];
    if (form == RTP_EXT_FORM_ONE_BYTE) {
      if (nid == 0 || nid > RTP_EXT_ONE_BYTE_MAX_ID) {
        memset(buf + start, 0, 1 + (size_t)el.len); /* zero bytes are padding */
        n_dropped++;
      } else {
        buf[start] = (uint8_t)((nid << 4) | (buf[start] & 0x0f));
      }
    } else {
      if (nid == 0) {
        memset(buf + start, 0, 2 + (size_t)el.len);
        n_dropped++;
      } else {
        buf[start] = nid;
      }
    }
  }
  if (dropped) *dropped = n_dropped;
  return r < 0 ? RTP_ERR_EXTENSION : RTP_OK;
}

RtpStatus rtp_ext_set(uint8_t *buf, size_t *len, size_t cap, RtpView *view, uint8_t id, const uint8_t *data,
                      uint8_t dlen) {
  if (buf == NULL || len == NULL || view == NULL || id == 0 || (dlen && data == NULL)) return RTP_ERR_ARG;
  RtpView v;
  if (rtp_parse(buf, *len, &v) != RTP_OK) return RTP_ERR_ARG;
  bool one_ok = id <= RTP_EXT_ONE_BYTE_MAX_ID && dlen >= 1 && dlen <= 16;
  if (!v.extension) {
    /* A new block right after the CSRCs. */
    RtpExtForm form = one_ok ? RTP_EXT_FORM_ONE_BYTE : RTP_EXT_FORM_TWO_BYTE;
    size_t esz = (form == RTP_EXT_FORM_ONE_BYTE ? 1u : 2u) + dlen;
    size_t words = (esz + 3) / 4, grow = 4 + words * 4;
    if (*len + grow > cap) return RTP_ERR_NO_SPACE;
    size_t h = v.header_len;
    memmove(buf + h + grow, buf + h, *len - h);
    put16(buf + h, form == RTP_EXT_FORM_ONE_BYTE ? RTP_EXT_PROFILE_ONE_BYTE : RTP_EXT_PROFILE_TWO_BYTE);
    put16(buf + h + 2, (uint16_t)words);
    uint8_t *e = buf + h + 4;
    memset(e, 0, words * 4);
    if (form == RTP_EXT_FORM_ONE_BYTE) {
      e[0] = (uint8_t)((id << 4) | (dlen - 1));
      memcpy(e + 1, data, dlen);
    } else {
      e[0] = id;
      e[1] = dlen;
      if (dlen) memcpy(e + 2, data, dlen);
    }
    buf[0] |= 0x10;
    *len += grow;
    return rtp_parse(buf, *len, view) == RTP_OK ? RTP_OK : RTP_ERR_EXTENSION;
  }
  if (v.ext_form != RTP_EXT_FORM_ONE_BYTE && v.ext_form != RTP_EXT_FORM_TWO_BYTE) return RTP_ERR_EXTENSION;
  bool one = v.ext_form == RTP_EXT_FORM_ONE_BYTE;
  if (one && !one_ok) return RTP_ERR_EXTENSION;
  size_t pos = v.ext_offset, end = v.ext_offset + v.ext_len, start, used = v.ext_offset;
  RtpExtElement el;
  int r;
  while ((r = ext_next(buf, v.ext_form, &pos, end, &el, &start)) > 0) {
    if (el.id == id) {
      if (el.len != dlen) return RTP_ERR_EXTENSION;
      if (dlen) memcpy(buf + el.offset, data, dlen);
      *view = v;
      return RTP_OK;
    }
    used = el.offset + el.len;
  }
  if (r < 0) return RTP_ERR_EXTENSION;
  /* A one-byte id-15 element stopped parsing (RFC 8285 s.4.2): anything
   * added after it would never be read. */
  if (one)
    for (size_t k = used; k < end; k++)
      if ((buf[k] >> 4) != 0) return RTP_ERR_EXTENSION;
  /* Only zero bytes after the last element are free. */
  for (size_t k = used; k < end; k++)
    if (buf[k] != 0) {
      used = end;
      break;
    }
  size_t esz = (one ? 1u : 2u) + dlen, room = end - used, grow = 0;
  if (esz > room) {
    grow = (esz - room + 3) & ~(size_t)3;
    if (*len + grow > cap) return RTP_ERR_NO_SPACE;
    if ((v.ext_len + grow) / 4 > 0xffff) return RTP_ERR_EXTENSION;
    memmove(buf + end + grow, buf + end, *len - end);
    memset(buf + end, 0, grow);
    put16(buf + v.ext_offset - 2, (uint16_t)((v.ext_len + grow) / 4));
    *len += grow;
  }
  uint8_t *e = buf + used;
  if (one) {
    e[0] = (uint8_t)((id << 4) | (dlen - 1));
    memcpy(e + 1, data, dlen);
  } else {
    e[0] = id;
    e[1] = dlen;
    if (dlen) memcpy(e + 2, data, dlen);
  }
  return rtp_parse(buf, *len, view) == RTP_OK ? RTP_OK : RTP_ERR_EXTENSION;
}

bool rtp_ext_audio_level(const uint8_t *buf, const RtpView *v, uint8_t id, bool *voice, uint8_t *level) {
  RtpExtElement el;
  if (!rtp_ext_find(buf, v, id, &el) || el.len != 1) return false;
  uint8_t b = buf[el.offset];
  if (voice) *voice = (b & 0x80) != 0;
  if (level) *level = b & 0x7f;
  return true;
}

/* ---- RTX ---- */

RtpStatus rtp_rtx_unwrap(uint8_t *buf, const RtpView *v, uint32_t orig_ssrc, uint8_t orig_pt, size_t *new_len) {
  if (buf == NULL || v == NULL || new_len == NULL || orig_pt > 127 || v->len < RTP_HEADER_MIN)
    return RTP_ERR_ARG;
  if (v->payload_len < 2) return RTP_ERR_TRUNCATED;
  uint16_t osn = be16(buf + v->payload_offset);
  memmove(buf + v->payload_offset, buf + v->payload_offset + 2, v->payload_len - 2);
  buf[0] &= (uint8_t)~0x20; /* padding removed */
  put16(buf + 2, osn);
  put32(buf + 8, orig_ssrc);
  buf[1] = (uint8_t)((buf[1] & 0x80) | orig_pt);
  *new_len = v->payload_offset + v->payload_len - 2;
  return RTP_OK;
}

RtpStatus rtp_rtx_wrap(const uint8_t *orig, const RtpView *v, uint32_t rtx_ssrc, uint8_t rtx_pt, uint16_t rtx_seq,
                       uint8_t *out, size_t cap, size_t *out_len) {
  if (orig == NULL || v == NULL || out == NULL || out_len == NULL || rtx_pt > 127 || v->len < RTP_HEADER_MIN)
    return RTP_ERR_ARG;
  size_t need = v->header_len + 2 + v->payload_len;
  if (cap < need) return RTP_ERR_NO_SPACE;
  memcpy(out, orig, v->header_len);
  out[0] &= (uint8_t)~0x20;
  out[1] = (uint8_t)((out[1] & 0x80) | rtx_pt);
  put16(out + 2, rtx_seq);
  put32(out + 8, rtx_ssrc);
  put16(out + v->header_len, v->seq);
  memcpy(out + v->header_len + 2, orig + v->payload_offset, v->payload_len);
  *out_len = need;
  return RTP_OK;
}
