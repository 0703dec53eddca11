#include "load_rtp.h"

#include <string.h>

#define NTP_UNIX_OFFSET 2208988800ull

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

uint32_t load_abs_send_time(int64_t wall_us) {
  /* seconds in 6.18 fixed point: (us << 18) / 1e6, low 24 bits. */
  uint64_t us = (uint64_t)wall_us;
  return (uint32_t)((((us / 1000000u) << 18) + (((us % 1000000u) << 18) / 1000000u)) &
                    0xFFFFFFu);
}

uint64_t load_ntp_from_wall(int64_t wall_us) {
  uint64_t us = (uint64_t)wall_us;
  uint64_t sec = us / 1000000u + NTP_UNIX_OFFSET;
  uint64_t frac = ((us % 1000000u) << 32) / 1000000u;
  return (sec << 32) | frac;
}

int64_t load_latency_from_abs_send(uint32_t sent24, int64_t now_us) {
  uint32_t now24 = load_abs_send_time(now_us);
  uint32_t d = (now24 - sent24) & 0xFFFFFFu;
  return (int64_t)(((uint64_t)d * 1000000u) >> 18);
}

int64_t load_latency_from_capture(uint64_t ntp, int64_t now_us) {
  uint64_t sec = ntp >> 32;
  if (sec < NTP_UNIX_OFFSET) return -1;
  int64_t sent_us = (int64_t)((sec - NTP_UNIX_OFFSET) * 1000000u +
                              (((ntp & 0xFFFFFFFFu) * 1000000u) >> 32));
  return now_us - sent_us;
}

/* Fixed header + one-byte extension block; returns the header length. */
static size_t write_header(LoadRtpSender *s, bool marker, uint32_t ts, int64_t wall_us,
                           uint8_t *out) {
  out[0] = 0x80;
  out[1] = (uint8_t)((marker ? 0x80 : 0) | (s->payload_type & 0x7f));
  put16(out + 2, s->seq++);
  put32(out + 4, ts);
  put32(out + 8, s->ssrc);
  size_t n = 12;
  uint8_t el[64];
  size_t e = 0;
  if (s->ext.abs_send_time && s->ext.abs_send_time <= 14) {
    uint32_t v = load_abs_send_time(wall_us);
    el[e++] = (uint8_t)(s->ext.abs_send_time << 4 | 2);
    el[e++] = (uint8_t)(v >> 16);
    el[e++] = (uint8_t)(v >> 8);
    el[e++] = (uint8_t)v;
  }
  if (s->ext.abs_capture_time && s->ext.abs_capture_time <= 14) {
    uint64_t v = load_ntp_from_wall(wall_us);
    el[e++] = (uint8_t)(s->ext.abs_capture_time << 4 | 7);
    put32(el + e, (uint32_t)(v >> 32));
    put32(el + e + 4, (uint32_t)v);
    e += 8;
  }
  size_t ml = s->ext.mid_value ? strlen(s->ext.mid_value) : 0;
  if (s->ext.mid && s->ext.mid <= 14 && ml >= 1 && ml <= 16) {
    el[e++] = (uint8_t)(s->ext.mid << 4 | (ml - 1));
    memcpy(el + e, s->ext.mid_value, ml);
    e += ml;
  }
  size_t rl = s->ext.rid_value ? strlen(s->ext.rid_value) : 0;
  if (s->ext.rid && s->ext.rid <= 14 && rl >= 1 && rl <= 16) {
    el[e++] = (uint8_t)(s->ext.rid << 4 | (rl - 1));
    memcpy(el + e, s->ext.rid_value, rl);
    e += rl;
  }
  if (e) {
    while (e % 4) el[e++] = 0;
    out[0] |= 0x10;
    put16(out + 12, 0xBEDE);
    put16(out + 14, (uint16_t)(e / 4));
    memcpy(out + 16, el, e);
    n = 16 + e;
  }
  return n;
}

/* Append the send-time trailer at out[len] and set the P bit. */
static size_t add_trailer(const LoadRtpSender *s, uint8_t *out, size_t len, int64_t wall_us) {
  if (!s->trailer) return len;
  uint8_t *t = out + len;
  t[0] = 'P';
  t[1] = 'L';
  put32(t + 2, (uint32_t)((uint64_t)wall_us >> 32));
  put32(t + 6, (uint32_t)wall_us);
  t[10] = 0;
  t[11] = LOAD_TRAILER_LEN;
  out[0] |= 0x20;
  return len + LOAD_TRAILER_LEN;
}

bool load_rtp_trailer_time(const uint8_t *pkt, size_t len, size_t padding_len, int64_t *wall_us) {
  if (padding_len != LOAD_TRAILER_LEN || len < LOAD_TRAILER_LEN) return false;
  const uint8_t *t = pkt + len - LOAD_TRAILER_LEN;
  if (t[0] != 'P' || t[1] != 'L' || t[10] != 0) return false;
  uint64_t hi = (uint32_t)t[2] << 24 | (uint32_t)t[3] << 16 | (uint32_t)t[4] << 8 | t[5];
  uint64_t lo = (uint32_t)t[6] << 24 | (uint32_t)t[7] << 16 | (uint32_t)t[8] << 8 | t[9];
  *wall_us = (int64_t)(hi << 32 | lo);
  return true;
}

unsigned load_vp8_packet_count(size_t frame_len) {
  if (frame_len == 0) return 0;
  return (unsigned)((frame_len + LOAD_VP8_MAX_PAYLOAD - 1) / LOAD_VP8_MAX_PAYLOAD);
}

size_t load_rtp_build_vp8(LoadRtpSender *s, const uint8_t *frame, size_t frame_len,
                          unsigned index, uint32_t rtp_ts, int64_t wall_us, uint8_t *out,
                          size_t cap) {
  unsigned n = load_vp8_packet_count(frame_len);
  if (index >= n || cap < LOAD_RTP_MAX_PACKET) return 0;
  /* Even split: the first (len % n) packets carry one byte more. */
  size_t base = frame_len / n, rem = frame_len % n;
  size_t off = index * base + (index < rem ? index : rem);
  size_t chunk = base + (index < rem ? 1 : 0);
  size_t h = write_header(s, index == n - 1, rtp_ts, wall_us, out);
  uint8_t *d = out + h;
  d[0] = (uint8_t)(0x80 | (index == 0 ? 0x10 : 0)); /* X, S, PID 0 */
  d[1] = 0x80;                                      /* I: PictureID present */
  d[2] = (uint8_t)(0x80 | ((s->picture_id >> 8) & 0x7f)); /* M: 15-bit */
  d[3] = (uint8_t)s->picture_id;
  memcpy(d + LOAD_VP8_DESC_LEN, frame + off, chunk);
  return add_trailer(s, out, h + LOAD_VP8_DESC_LEN + chunk, wall_us);
}

size_t load_rtp_build_opus(LoadRtpSender *s, const uint8_t *pkt, size_t len, uint32_t rtp_ts,
                           int64_t wall_us, uint8_t *out, size_t cap) {
  if (cap < LOAD_RTP_MAX_PACKET || len > LOAD_RTP_MAX_PACKET - 60) return 0;
  size_t h = write_header(s, false, rtp_ts, wall_us, out);
  memcpy(out + h, pkt, len);
  return add_trailer(s, out, h + len, wall_us);
}

bool load_vp8_payload_is_keyframe_start(const uint8_t *p, size_t len) {
  if (len < 1) return false;
  size_t i = 1;
  bool start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
  if (p[0] & 0x80) { /* X */
    if (len < 2) return false;
    uint8_t x = p[1];
    i = 2;
    if (x & 0x80) { /* I */
      if (len <= i) return false;
      i += (p[i] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) i++;          /* L: TL0PICIDX */
    if (x & 0x30) i++;          /* T or K: TID/KEYIDX byte */
  }
  if (!start || len <= i) return false;
  return (p[i] & 0x01) == 0;
}
