/* Compound RTCP parsing and building; see rtcp.h for the contract. */
#include "rtcp.h"

#include <string.h>

#include "bytes.h"

const char *rtcp_status_str(RtcpStatus st) {
  switch (st) {
  case RTCP_OK: return "ok";
  case RTCP_ERR_ARG: return "bad_argument";
  case RTCP_ERR_TRUNCATED: return "truncated";
  case RTCP_ERR_VERSION: return "bad_version";
  case RTCP_ERR_LENGTH: return "bad_length";
  case RTCP_ERR_PADDING: return "bad_padding";
  case RTCP_ERR_MALFORMED: return "malformed";
  case RTCP_ERR_EMPTY: return "empty";
  }
  return "unknown";
}

void rtcp_iter_init(RtcpIter *it, const uint8_t *buf, size_t len) {
  it->buf = buf;
  it->len = buf ? len : 0;
  it->pos = 0;
  it->status = RTCP_OK;
}

/* SDES: walk every chunk and item within [p, end); first chunk's CNAME out. */
static RtcpStatus parse_sdes(RtcpPacket *pkt) {
  const uint8_t *d = pkt->data;
  size_t end = pkt->len, p = RTCP_HEADER_LEN;
  for (unsigned c = 0; c < pkt->count; c++) {
    if (end - p < 4) return RTCP_ERR_MALFORMED;
    uint32_t ssrc = be32(d + p);
    if (c == 0) pkt->u.sdes.first_ssrc = ssrc;
    p += 4;
    for (;;) {
      if (p >= end) return RTCP_ERR_MALFORMED;
      uint8_t type = d[p];
      if (type == 0) { /* end of items: skip null octets to the 32-bit boundary */
        p++;
        while (p % 4 != 0) {
          if (p >= end) return RTCP_ERR_MALFORMED;
          p++;
        }
        break;
      }
      if (end - p < 2) return RTCP_ERR_MALFORMED;
      size_t l = d[p + 1];
      if (end - p - 2 < l) return RTCP_ERR_MALFORMED;
      if (c == 0 && type == 1 && pkt->u.sdes.first_cname == NULL) {
        pkt->u.sdes.first_cname = d + p + 2;
        pkt->u.sdes.first_cname_len = (uint8_t)l;
      }
      p += 2 + l;
    }
  }
  return RTCP_OK;
}

static uint64_t remb_bitrate(uint32_t mantissa, unsigned exp) {
  if (mantissa == 0) return 0;
  unsigned bits = 64u - (unsigned)__builtin_clzll(mantissa);
  if (bits + exp > 64) return UINT64_MAX; /* saturate hostile values */
  return (uint64_t)mantissa << exp;
}

static RtcpStatus parse_body(RtcpPacket *pkt) {
  const uint8_t *d = pkt->data;
  size_t n = pkt->len;
  switch (pkt->pt) {
  case RTCP_PT_SR:
    if (n < 28) return RTCP_ERR_TRUNCATED;
    if (n - 28 < 24u * pkt->fmt) return RTCP_ERR_LENGTH;
    pkt->kind = RTCP_KIND_SR;
    pkt->count = pkt->fmt;
    pkt->u.sr.info.ssrc = be32(d + 4);
    pkt->u.sr.info.ntp = be64(d + 8);
    pkt->u.sr.info.rtp_ts = be32(d + 16);
    pkt->u.sr.info.packet_count = be32(d + 20);
    pkt->u.sr.info.octet_count = be32(d + 24);
    return RTCP_OK;
  case RTCP_PT_RR:
    if (n < 8) return RTCP_ERR_TRUNCATED;
    if (n - 8 < 24u * pkt->fmt) return RTCP_ERR_LENGTH;
    pkt->kind = RTCP_KIND_RR;
    pkt->count = pkt->fmt;
    pkt->u.rr.ssrc = be32(d + 4);
    return RTCP_OK;
  case RTCP_PT_SDES:
    pkt->kind = RTCP_KIND_SDES;
    pkt->count = pkt->fmt;
    return parse_sdes(pkt);
  case RTCP_PT_BYE: {
    size_t need = 4 + 4u * pkt->fmt;
    if (n < need) return RTCP_ERR_LENGTH;
    pkt->kind = RTCP_KIND_BYE;
    pkt->count = pkt->fmt;
    if (n > need) {
      size_t rl = d[need];
      if (n - need - 1 < rl) return RTCP_ERR_MALFORMED;
      pkt->u.bye.reason = d + need + 1;
      pkt->u.bye.reason_len = (uint8_t)rl;
    }
    return RTCP_OK;
  }
  case RTCP_PT_RTPFB:
  case RTCP_PT_PSFB:
    if (n < 12) return RTCP_ERR_TRUNCATED;
    pkt->sender_ssrc = be32(d + 4);
    pkt->media_ssrc = be32(d + 8);
    if (pkt->pt == RTCP_PT_RTPFB) {
      if (pkt->fmt == RTCP_RTPFB_NACK) {
        pkt->kind = RTCP_KIND_NACK;
        pkt->count = (unsigned)((n - 12) / 4);
      } else if (pkt->fmt == RTCP_RTPFB_TWCC) {
        if (n < 20) return RTCP_ERR_TRUNCATED;
        pkt->kind = RTCP_KIND_TWCC;
        pkt->u.twcc.base_seq = be16(d + 12);
        pkt->u.twcc.status_count = be16(d + 14);
        uint32_t rt = be24(d + 16);
        pkt->u.twcc.reference_time = (rt & 0x800000) ? (int32_t)rt - 0x1000000 : (int32_t)rt;
        pkt->u.twcc.fb_pkt_count = d[19];
        pkt->count = pkt->u.twcc.status_count;
      }
      return RTCP_OK;
    }
    if (pkt->fmt == RTCP_PSFB_PLI) {
      pkt->kind = RTCP_KIND_PLI;
    } else if (pkt->fmt == RTCP_PSFB_FIR) {
      pkt->kind = RTCP_KIND_FIR;
      pkt->count = (unsigned)((n - 12) / 8);
    } else if (pkt->fmt == RTCP_PSFB_AFB) {
      if (n >= 16 && memcmp(d + 12, "REMB", 4) == 0) {
        if (n < 20) return RTCP_ERR_TRUNCATED;
        unsigned num = d[16];
        if (n - 20 < 4u * num) return RTCP_ERR_LENGTH;
        pkt->kind = RTCP_KIND_REMB;
        pkt->count = num;
        uint32_t mant = ((uint32_t)(d[17] & 0x03) << 16) | be16(d + 18);
        pkt->u.remb.bitrate_bps = remb_bitrate(mant, d[17] >> 2);
      } else {
        pkt->kind = RTCP_KIND_AFB_OTHER;
      }
    }
    return RTCP_OK;
  default:
    return RTCP_OK; /* APP, XR, unknown: header only */
  }
}

bool rtcp_iter_next(RtcpIter *it, RtcpPacket *pkt) {
  if (it == NULL || pkt == NULL) return false;
  if (it->status != RTCP_OK || it->buf == NULL || it->pos >= it->len) return false;
  memset(pkt, 0, sizeof *pkt);
  size_t rem = it->len - it->pos;
  const uint8_t *d = it->buf + it->pos;
  RtcpStatus st = RTCP_OK;
  size_t plen = 0;
  if (rem < RTCP_HEADER_LEN) {
    st = RTCP_ERR_TRUNCATED;
    goto fail;
  }
  if ((d[0] >> 6) != 2) {
    st = RTCP_ERR_VERSION;
    goto fail;
  }
  plen = ((size_t)be16(d + 2) + 1) * 4;
  if (plen > rem) {
    st = RTCP_ERR_TRUNCATED;
    goto fail;
  }
  size_t content = plen;
  if (d[0] & 0x20) {
    /* RFC 3550 s.6.4.1: only the last packet of a compound may be padded. */
    uint8_t pad = d[plen - 1];
    if (plen != rem || pad == 0 || pad > plen - RTCP_HEADER_LEN) {
      st = RTCP_ERR_PADDING;
      goto fail;
    }
    content = plen - pad;
  }
  pkt->pt = d[1];
  pkt->fmt = d[0] & 0x1f;
  pkt->data = d;
  pkt->len = content;
  st = parse_body(pkt);
  if (st != RTCP_OK) goto fail;
  it->pos += plen;
  return true;
fail:
  memset(pkt, 0, sizeof *pkt);
  it->status = st;
  it->pos = it->len;
  return false;
}

RtcpStatus rtcp_validate(const uint8_t *buf, size_t len) {
  if (buf == NULL || len == 0) return RTCP_ERR_EMPTY;
  RtcpIter it;
  RtcpPacket p;
  rtcp_iter_init(&it, buf, len);
  while (rtcp_iter_next(&it, &p)) {
  }
  return it.status;
}

/* ---- accessors ---- */

bool rtcp_report_block(const RtcpPacket *pkt, unsigned i, RtcpReportBlock *out) {
  if (pkt == NULL || out == NULL || i >= pkt->count) return false;
  size_t base;
  if (pkt->kind == RTCP_KIND_SR)
    base = 28;
  else if (pkt->kind == RTCP_KIND_RR)
    base = 8;
  else
    return false;
  const uint8_t *b = pkt->data + base + 24u * i;
  out->ssrc = be32(b);
  out->fraction_lost = b[4];
  uint32_t cl = be24(b + 5);
  out->cumulative_lost = (cl & 0x800000) ? (int32_t)cl - 0x1000000 : (int32_t)cl;
  out->ext_highest_seq = be32(b + 8);
  out->jitter = be32(b + 12);
  out->lsr = be32(b + 16);
  out->dlsr = be32(b + 20);
  return true;
}

uint32_t rtcp_bye_ssrc(const RtcpPacket *pkt, unsigned i) {
  if (pkt == NULL || pkt->kind != RTCP_KIND_BYE || i >= pkt->count) return 0;
  return be32(pkt->data + 4 + 4u * i);
}

void rtcp_nack_item(const RtcpPacket *pkt, unsigned i, uint16_t *pid, uint16_t *blp) {
  uint16_t a = 0, b = 0;
  if (pkt && pkt->kind == RTCP_KIND_NACK && i < pkt->count) {
    a = be16(pkt->data + 12 + 4u * i);
    b = be16(pkt->data + 14 + 4u * i);
  }
  if (pid) *pid = a;
  if (blp) *blp = b;
}

size_t rtcp_nack_seqs(const RtcpPacket *pkt, uint16_t *seqs, size_t max) {
  if (pkt == NULL || pkt->kind != RTCP_KIND_NACK) return 0;
  size_t total = 0;
  for (unsigned i = 0; i < pkt->count; i++) {
    uint16_t pid, blp;
    rtcp_nack_item(pkt, i, &pid, &blp);
    if (seqs && total < max) seqs[total] = pid;
    total++;
    for (unsigned b = 0; b < 16; b++) {
      if (blp & (1u << b)) {
        if (seqs && total < max) seqs[total] = (uint16_t)(pid + b + 1);
        total++;
      }
    }
  }
  return total;
}

void rtcp_fir_entry(const RtcpPacket *pkt, unsigned i, uint32_t *ssrc, uint8_t *seq_nr) {
  uint32_t s = 0;
  uint8_t n = 0;
  if (pkt && pkt->kind == RTCP_KIND_FIR && i < pkt->count) {
    s = be32(pkt->data + 12 + 8u * i);
    n = pkt->data[16 + 8u * i];
  }
  if (ssrc) *ssrc = s;
  if (seq_nr) *seq_nr = n;
}

uint32_t rtcp_remb_ssrc(const RtcpPacket *pkt, unsigned i) {
  if (pkt == NULL || pkt->kind != RTCP_KIND_REMB || i >= pkt->count) return 0;
  return be32(pkt->data + 20 + 4u * i);
}

RtcpStatus rtcp_twcc_expand(const RtcpPacket *pkt, uint8_t *status, int32_t *delta, size_t max) {
  if (pkt == NULL || pkt->kind != RTCP_KIND_TWCC || status == NULL || delta == NULL) return RTCP_ERR_ARG;
  size_t total = pkt->u.twcc.status_count;
  if (total > max) return RTCP_ERR_ARG;
  const uint8_t *d = pkt->data;
  size_t n = pkt->len, p = 20, k = 0;
  while (k < total) {
    if (n - p < 2) return RTCP_ERR_MALFORMED;
    uint16_t c = be16(d + p);
    p += 2;
    if ((c & 0x8000) == 0) { /* run length chunk */
      uint8_t sym = (c >> 13) & 0x03;
      size_t run = c & 0x1fff;
      if (run == 0) return RTCP_ERR_MALFORMED;
      for (size_t r = 0; r < run && k < total; r++) status[k++] = sym;
    } else if ((c & 0x4000) == 0) { /* 14 one-bit symbols */
      for (int b = 13; b >= 0 && k < total; b--) status[k++] = (c >> b) & 1;
    } else { /* 7 two-bit symbols */
      for (int b = 6; b >= 0 && k < total; b--) status[k++] = (c >> (2 * b)) & 3;
    }
  }
  for (k = 0; k < total; k++) {
    switch (status[k]) {
    case 0:
      delta[k] = 0;
      break;
    case 1:
      if (n - p < 1) return RTCP_ERR_MALFORMED;
      delta[k] = d[p];
      p += 1;
      break;
    case 2:
      if (n - p < 2) return RTCP_ERR_MALFORMED;
      delta[k] = (int16_t)be16(d + p);
      p += 2;
      break;
    default:
      return RTCP_ERR_MALFORMED; /* symbol 3 is reserved */
    }
  }
  return RTCP_OK;
}

/* ---- builders ---- */

static void put_header(uint8_t *out, uint8_t count, uint8_t pt, size_t len) {
  out[0] = (uint8_t)(0x80 | (count & 0x1f));
  out[1] = pt;
  put16(out + 2, (uint16_t)(len / 4 - 1));
}

static void put_report_block(uint8_t *b, const RtcpReportBlock *rb) {
  put32(b, rb->ssrc);
  b[4] = rb->fraction_lost;
  int32_t cl = rb->cumulative_lost;
  if (cl > 0x7fffff) cl = 0x7fffff;
  if (cl < -0x800000) cl = -0x800000;
  put24(b + 5, (uint32_t)cl & 0xffffff);
  put32(b + 8, rb->ext_highest_seq);
  put32(b + 12, rb->jitter);
  put32(b + 16, rb->lsr);
  put32(b + 20, rb->dlsr);
}

size_t rtcp_build_sr(uint8_t *out, size_t cap, const RtcpSenderInfo *si, const RtcpReportBlock *blocks,
                     unsigned n) {
  if (out == NULL || si == NULL || n > RTCP_MAX_REPORT_BLOCKS || (n > 0 && blocks == NULL)) return 0;
  size_t len = 28 + 24u * n;
  if (cap < len) return 0;
  put_header(out, (uint8_t)n, RTCP_PT_SR, len);
  put32(out + 4, si->ssrc);
  put64(out + 8, si->ntp);
  put32(out + 16, si->rtp_ts);
  put32(out + 20, si->packet_count);
  put32(out + 24, si->octet_count);
  for (unsigned i = 0; i < n; i++) put_report_block(out + 28 + 24u * i, &blocks[i]);
  return len;
}

size_t rtcp_build_rr(uint8_t *out, size_t cap, uint32_t sender_ssrc, const RtcpReportBlock *blocks, unsigned n) {
  if (out == NULL || n > RTCP_MAX_REPORT_BLOCKS || (n > 0 && blocks == NULL)) return 0;
  size_t len = 8 + 24u * n;
  if (cap < len) return 0;
  put_header(out, (uint8_t)n, RTCP_PT_RR, len);
  put32(out + 4, sender_ssrc);
  for (unsigned i = 0; i < n; i++) put_report_block(out + 8 + 24u * i, &blocks[i]);
  return len;
}

size_t rtcp_build_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname, size_t cname_len) {
  if (out == NULL || (cname == NULL && cname_len > 0) || cname_len > 255) return 0;
  /* chunk: SSRC, item (type, len, text), at least one null octet, pad to 4 */
  size_t items = (2 + cname_len + 1 + 3) & ~(size_t)3;
  size_t len = 8 + items;
  if (cap < len) return 0;
  memset(out, 0, len);
  put_header(out, 1, RTCP_PT_SDES, len);
  put32(out + 4, ssrc);
  out[8] = 1; /* CNAME */
  out[9] = (uint8_t)cname_len;
  if (cname_len) memcpy(out + 10, cname, cname_len);
  return len;
}

size_t rtcp_build_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, unsigned n) {
  if (out == NULL || n > 31 || (n > 0 && ssrcs == NULL)) return 0;
  size_t len = 4 + 4u * n;
  if (cap < len) return 0;
  put_header(out, (uint8_t)n, RTCP_PT_BYE, len);
  for (unsigned i = 0; i < n; i++) put32(out + 4 + 4u * i, ssrcs[i]);
  return len;
}

size_t rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t *seqs,
                       size_t n) {
  if (out == NULL || seqs == NULL || n == 0 || cap < 16) return 0;
  size_t items = 0, max_items = (cap - 12) / 4;
  if (max_items > 65535 - 2) max_items = 65535 - 2; /* length field limit */
  for (size_t i = 0; i < n; i++) {
    uint16_t s = seqs[i];
    bool placed = false;
    /* Join an existing item covering s (pid .. pid+16). Items are few. */
    for (size_t k = items; k-- > 0;) {
      uint8_t *it = out + 12 + 4 * k;
      uint16_t diff = (uint16_t)(s - be16(it));
      if (diff == 0) {
        placed = true;
      } else if (diff <= 16) {
        put16(it + 2, (uint16_t)(be16(it + 2) | (1u << (diff - 1))));
        placed = true;
      }
      if (placed) break;
    }
    if (placed) continue;
    if (items == max_items) return 0;
    uint8_t *it = out + 12 + 4 * items++;
    put16(it, s);
    put16(it + 2, 0);
  }
  size_t len = 12 + 4 * items;
  put_header(out, RTCP_RTPFB_NACK, RTCP_PT_RTPFB, len);
  put32(out + 4, sender_ssrc);
  put32(out + 8, media_ssrc);
  return len;
}

size_t rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc) {
  if (out == NULL || cap < 12) return 0;
  put_header(out, RTCP_PSFB_PLI, RTCP_PT_PSFB, 12);
  put32(out + 4, sender_ssrc);
  put32(out + 8, media_ssrc);
  return 12;
}

size_t rtcp_build_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr) {
  if (out == NULL || cap < 20) return 0;
  put_header(out, RTCP_PSFB_FIR, RTCP_PT_PSFB, 20);
  put32(out + 4, sender_ssrc);
  put32(out + 8, 0); /* RFC 5104 s.4.3.1.2: media source SSRC unused, 0 */
  put32(out + 12, media_ssrc);
  out[16] = seq_nr;
  out[17] = out[18] = out[19] = 0;
  return 20;
}

size_t rtcp_build_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps, const uint32_t *ssrcs,
                       unsigned n) {
  if (out == NULL || n > RTCP_REMB_MAX_SSRCS || (n > 0 && ssrcs == NULL)) return 0;
  size_t len = 20 + 4u * n;
  if (cap < len) return 0;
  unsigned exp = 0;
  uint64_t mant = bitrate_bps;
  while (mant > 0x3ffff) {
    mant >>= 1;
    exp++;
  }
  put_header(out, RTCP_PSFB_AFB, RTCP_PT_PSFB, len);
  put32(out + 4, sender_ssrc);
  put32(out + 8, 0);
  memcpy(out + 12, "REMB", 4);
  out[16] = (uint8_t)n;
  out[17] = (uint8_t)((exp << 2) | (mant >> 16));
  put16(out + 18, (uint16_t)mant);
  for (unsigned i = 0; i < n; i++) put32(out + 20 + 4u * i, ssrcs[i]);
  return len;
}

/* ---- time ---- */

#define NTP_UNIX_OFFSET 2208988800ull

uint64_t rtcp_ntp_from_unix_us(int64_t unix_us) {
  if (unix_us < 0) unix_us = 0;
  uint64_t sec = (uint64_t)unix_us / 1000000u + NTP_UNIX_OFFSET;
  uint64_t frac = (((uint64_t)unix_us % 1000000u) << 32) / 1000000u;
  return (sec << 32) | frac;
}

int64_t rtcp_rtt_us(uint32_t now_mid32, uint32_t lsr, uint32_t dlsr) {
  if (lsr == 0) return -1;
  int32_t rtt = (int32_t)(now_mid32 - lsr - dlsr);
  if (rtt < 0) return -1;
  return ((int64_t)rtt * 1000000) / 65536;
}
