/* twcc_feedback: see twcc_feedback.h. */
#include "twcc_feedback.h"

#include <string.h>

#include "bytes.h"
#include "rtcp.h"

#define MASK (TWCC_FB_WINDOW - 1)
#define TICK_US 250          /* delta unit */
#define REF_TICKS 256        /* 64 ms reference unit in 250 us ticks */
#define RUN_MAX 8191

void twcc_feedback_init(TwccFeedback *f, uint32_t sender_ssrc, uint32_t media_ssrc, int64_t interval_us) {
  memset(f, 0, sizeof *f);
  f->sender_ssrc = sender_ssrc;
  f->media_ssrc = media_ssrc;
  f->interval_us = interval_us > 0 ? interval_us : 100000;
  for (unsigned i = 0; i < TWCC_FB_WINDOW; i++) {
    f->slot_seq[i] = -1;
    f->arrival[i] = -1;
  }
}

static bool received(const TwccFeedback *f, int64_t ext) {
  unsigned s = (unsigned)(ext & MASK);
  return f->slot_seq[s] == ext && f->arrival[s] >= 0;
}

void twcc_feedback_on_packet(TwccFeedback *f, uint16_t seq, int64_t arrival_us) {
  if (f == NULL) return;
  f->stats.packets++;
  if (!f->have) {
    f->have = true;
    f->origin_us = arrival_us;
    f->next_base = f->highest = seq;
  }
  int64_t ext = f->highest + (int16_t)(uint16_t)(seq - (uint16_t)f->highest);
  if (ext < f->next_base) {
    f->stats.late++;
    return;
  }
  if (ext - f->next_base >= (int64_t)TWCC_FB_WINDOW) {
    /* Too far ahead to keep what is unreported: restart at this packet. */
    f->stats.skipped += (uint64_t)(ext - f->next_base);
    f->next_base = ext;
  }
  if (ext > f->highest) f->highest = ext;
  unsigned s = (unsigned)(ext & MASK);
  if (f->slot_seq[s] == ext && f->arrival[s] >= 0) {
    f->stats.duplicates++;
    return;
  }
  int64_t rel = arrival_us - f->origin_us;
  f->slot_seq[s] = ext;
  f->arrival[s] = rel < 0 ? 0 : rel;
}

bool twcc_feedback_due(const TwccFeedback *f, int64_t now_us) {
  if (f == NULL || !f->have || f->next_base > f->highest) return false;
  return !f->sent_once || now_us - f->last_sent_us >= f->interval_us;
}

/* Greedy chunk encoding of sym[0..n); writes chunks (if not NULL) and
 * returns how many. */
static size_t encode_chunks(const uint8_t *sym, size_t n, uint16_t *chunks) {
  size_t i = 0, c = 0;
  while (i < n) {
    size_t rem = n - i, run = 1;
    while (i + run < n && run < RUN_MAX && sym[i + run] == sym[i]) run++;
    size_t look = rem < 14 ? rem : 14;
    bool all01 = true;
    for (size_t k = 0; k < look; k++)
      if (sym[i + k] > 1) all01 = false;
    uint16_t ch;
    if (run >= 14 || (run >= 7 && !all01) || run == rem) {
      ch = (uint16_t)((sym[i] << 13) | run);
      i += run;
    } else if (all01) {
      ch = 0x8000;
      for (size_t k = 0; k < 14; k++)
        if (k < look && sym[i + k]) ch |= (uint16_t)(1u << (13 - k));
      i += look;
    } else {
      size_t l7 = rem < 7 ? rem : 7;
      ch = 0xC000;
      for (size_t k = 0; k < l7; k++) ch |= (uint16_t)(sym[i + k] << (2 * (6 - k)));
      i += l7;
    }
    if (chunks) chunks[c] = ch;
    c++;
  }
  return c;
}

static size_t packet_size(const uint8_t *sym, const size_t *delta_bytes_prefix, size_t n) {
  size_t len = 20 + 2 * encode_chunks(sym, n, NULL) + delta_bytes_prefix[n];
  return (len + 3) & ~(size_t)3;
}

size_t twcc_feedback_build(TwccFeedback *f, int64_t now_us, uint8_t *out, size_t cap) {
  if (f == NULL || out == NULL || !f->have || f->next_base > f->highest || cap < 24) return 0;
  if (cap > TWCC_FB_MAX_PACKET) cap = TWCC_FB_MAX_PACKET;
  /* Bounded by the window (on_packet keeps highest - next_base < window). */
  static _Thread_local uint8_t sym[TWCC_FB_WINDOW];
  static _Thread_local int32_t delta[TWCC_FB_WINDOW];
  static _Thread_local size_t dbytes[TWCC_FB_WINDOW + 1];
  static _Thread_local uint16_t chunks[TWCC_FB_WINDOW];
  int64_t base = f->next_base;
  size_t total = (size_t)(f->highest - base + 1);
  if (total > 0xFFFF) total = 0xFFFF;

  /* Reference time from the first received packet in range. */
  int64_t ref = 0;
  for (size_t k = 0; k < total; k++)
    if (received(f, base + (int64_t)k)) {
      ref = f->arrival[(base + (int64_t)k) & MASK] / (TICK_US * REF_TICKS);
      break;
    }
  int64_t prev = ref * REF_TICKS;
  size_t n = 0;
  dbytes[0] = 0;
  for (; n < total; n++) {
    int64_t e = base + (int64_t)n;
    if (!received(f, e)) {
      sym[n] = 0;
      delta[n] = 0;
      dbytes[n + 1] = dbytes[n];
      continue;
    }
    int64_t ticks = f->arrival[e & MASK] / TICK_US;
    int64_t d = ticks - prev;
    if (d < INT16_MIN || d > INT16_MAX) break; /* next feedback, new reference */
    prev = ticks;
    delta[n] = (int32_t)d;
    sym[n] = (d >= 0 && d <= 255) ? 1 : 2;
    dbytes[n + 1] = dbytes[n] + sym[n];
  }
  if (n == 0) return 0;
  if (packet_size(sym, dbytes, n) > cap) {
    size_t lo = 1, hi = n; /* largest prefix that fits */
    while (lo < hi) {
      size_t mid = lo + (hi - lo + 1) / 2;
      if (packet_size(sym, dbytes, mid) <= cap)
        lo = mid;
      else
        hi = mid - 1;
    }
    n = lo;
    while (n > 1 && packet_size(sym, dbytes, n) > cap) n--;
    if (packet_size(sym, dbytes, n) > cap) return 0;
  }
  size_t nc = encode_chunks(sym, n, chunks);
  size_t len = packet_size(sym, dbytes, n);
  memset(out, 0, len);
  out[0] = 0x80 | RTCP_RTPFB_TWCC;
  out[1] = RTCP_PT_RTPFB;
  put16(out + 2, (uint16_t)(len / 4 - 1));
  put32(out + 4, f->sender_ssrc);
  put32(out + 8, f->media_ssrc);
  put16(out + 12, (uint16_t)base);
  put16(out + 14, (uint16_t)n);
  put24(out + 16, (uint32_t)ref & 0xFFFFFF);
  out[19] = f->fb_count++;
  size_t p = 20;
  for (size_t c = 0; c < nc; c++, p += 2) put16(out + p, chunks[c]);
  for (size_t k = 0; k < n; k++) {
    if (sym[k] == 1) {
      out[p++] = (uint8_t)delta[k];
    } else if (sym[k] == 2) {
      put16(out + p, (uint16_t)(int16_t)delta[k]);
      p += 2;
    }
  }
  f->next_base = base + (int64_t)n;
  f->last_sent_us = now_us;
  f->sent_once = true;
  f->stats.feedbacks++;
  return len;
}

bool twcc_ext_read_seq(const uint8_t *buf, const RtpView *view, uint8_t id, uint16_t *seq) {
  RtpExtElement el;
  if (buf == NULL || view == NULL || seq == NULL || id == 0) return false;
  if (!rtp_ext_find(buf, view, id, &el) || el.len != 2) return false;
  *seq = be16(buf + el.offset);
  return true;
}

bool twcc_ext_write_seq(uint8_t *buf, const RtpView *view, uint8_t id, uint16_t seq) {
  RtpExtElement el;
  if (buf == NULL || view == NULL || id == 0) return false;
  if (!rtp_ext_find(buf, view, id, &el) || el.len != 2) return false;
  put16(buf + el.offset, seq);
  return true;
}
