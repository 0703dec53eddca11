/* Receive/send statistics after RFC 3550 appendix A; see rtp_stats.h. */
#include "rtp_stats.h"

#include <string.h>

#define SEQ_MOD (1u << 16)

void rtp_stats_init(RtpRecvStats *s, uint32_t ssrc, uint32_t clock_rate) {
  memset(s, 0, sizeof *s);
  s->ssrc = ssrc;
  s->clock_rate = clock_rate ? clock_rate : 90000;
}

static void init_seq(RtpRecvStats *s, uint16_t seq) {
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
  s->cycles = 0;
  s->received = 0;
  s->received_prior = 0;
  s->expected_prior = 0;
}

/* RFC 3550 A.1 update_seq(); returns 1 if counted, 0 if not, and sets
 * *in_order when the packet advanced max_seq. */
static int update_seq(RtpRecvStats *s, uint16_t seq, bool *in_order) {
  uint16_t udelta = (uint16_t)(seq - s->max_seq);
  *in_order = false;
  if (s->probation) {
    if (seq == (uint16_t)(s->max_seq + 1)) {
      s->probation--;
      s->max_seq = seq;
      if (s->probation == 0) {
        init_seq(s, seq);
        s->received++;
        *in_order = true;
        return 1;
      }
    } else {
      s->probation = RTP_STATS_MIN_SEQUENTIAL - 1;
      s->max_seq = seq;
    }
    return 0;
  } else if (udelta < RTP_STATS_MAX_DROPOUT) {
    if (udelta == 0) { /* duplicate of the newest */
      s->received++;
      return 1;
    }
    if (seq < s->max_seq) s->cycles += SEQ_MOD; /* wrapped */
    s->max_seq = seq;
    *in_order = true;
  } else if (udelta <= SEQ_MOD - RTP_STATS_MAX_MISORDER) {
    /* A very large jump: restart if the next packet confirms it. */
    if (seq == s->bad_seq) {
      init_seq(s, seq);
      *in_order = true;
    } else {
      s->bad_seq = (seq + 1) & (SEQ_MOD - 1);
      return 0;
    }
  } else {
    /* duplicate or reordered packet */
  }
  s->received++;
  return 1;
}

/* Arrival time in timestamp units, without overflowing for large clocks. */
static uint32_t arrival_ts(const RtpRecvStats *s, int64_t us) {
  int64_t sec = us / 1000000, rem = us % 1000000;
  return (uint32_t)(sec * (int64_t)s->clock_rate + (rem * (int64_t)s->clock_rate) / 1000000);
}

bool rtp_stats_update(RtpRecvStats *s, uint16_t seq, uint32_t rtp_ts, int64_t arrival_us, size_t payload_len) {
  s->packets++;
  s->bytes += payload_len;
  if (!s->initialised) {
    init_seq(s, seq);
    s->max_seq = (uint16_t)(seq - 1);
    s->probation = RTP_STATS_MIN_SEQUENTIAL;
    s->initialised = true;
  }
  bool in_order;
  if (!update_seq(s, seq, &in_order)) return false;
  /* A.8 jitter, only from packets in order: a retransmission's transit time
   * says nothing about network jitter. */
  if (in_order) {
    uint32_t transit = arrival_ts(s, arrival_us) - rtp_ts;
    if (s->have_transit) {
      /* 64-bit: |INT32_MIN| and 16 * J for hostile timestamps overflow 32 bits */
      int64_t d = (int32_t)(transit - (uint32_t)s->transit);
      if (d < 0) d = -d;
      uint64_t j = (uint64_t)s->jitter_q4 + (uint64_t)d - (((uint64_t)s->jitter_q4 + 8) >> 4);
      s->jitter_q4 = j > UINT32_MAX ? UINT32_MAX : (uint32_t)j;
    }
    s->transit = transit;
    s->have_transit = true;
  }
  return true;
}

static bool valid(const RtpRecvStats *s) { return s->initialised && s->probation == 0; }

uint32_t rtp_stats_ext_highest_seq(const RtpRecvStats *s) { return s->cycles + s->max_seq; }

int64_t rtp_stats_cumulative_lost(const RtpRecvStats *s) {
  if (!valid(s)) return 0;
  int64_t expected = (int64_t)rtp_stats_ext_highest_seq(s) - s->base_seq + 1;
  return expected - s->received;
}

uint32_t rtp_stats_jitter(const RtpRecvStats *s) { return s->jitter_q4 >> 4; }

void rtp_stats_on_sr(RtpRecvStats *s, uint64_t sr_ntp, int64_t now_us) {
  s->lsr = rtcp_ntp_mid32(sr_ntp);
  s->lsr_arrival_us = now_us;
}

void rtp_stats_report_block(RtpRecvStats *s, int64_t now_us, RtcpReportBlock *rb) {
  memset(rb, 0, sizeof *rb);
  rb->ssrc = s->ssrc;
  rb->ext_highest_seq = rtp_stats_ext_highest_seq(s);
  rb->jitter = rtp_stats_jitter(s);
  if (valid(s)) {
    uint32_t expected = rb->ext_highest_seq - s->base_seq + 1;
    int64_t lost = (int64_t)expected - s->received;
    if (lost > 0x7fffff) lost = 0x7fffff;
    if (lost < -0x800000) lost = -0x800000;
    rb->cumulative_lost = (int32_t)lost;
    uint32_t expected_interval = expected - s->expected_prior;
    s->expected_prior = expected;
    uint32_t received_interval = s->received - s->received_prior;
    s->received_prior = s->received;
    int64_t lost_interval = (int64_t)expected_interval - received_interval;
    if (expected_interval != 0 && lost_interval > 0)
      rb->fraction_lost = (uint8_t)((lost_interval << 8) / expected_interval);
  }
  if (s->lsr != 0) {
    rb->lsr = s->lsr;
    int64_t d = now_us - s->lsr_arrival_us;
    if (d < 0) d = 0;
    rb->dlsr = (uint32_t)((d * 65536) / 1000000);
  }
}

void rtp_send_stats_init(RtpSendStats *s, uint32_t ssrc, uint32_t clock_rate) {
  memset(s, 0, sizeof *s);
  s->ssrc = ssrc;
  s->clock_rate = clock_rate ? clock_rate : 90000;
}

void rtp_send_stats_update(RtpSendStats *s, uint32_t rtp_ts, size_t payload_len, int64_t now_us) {
  s->packet_count++;
  s->octet_count += (uint32_t)payload_len;
  if (!s->have_last || (int32_t)(rtp_ts - s->last_rtp_ts) > 0) {
    s->last_rtp_ts = rtp_ts;
    s->last_sent_us = now_us;
    s->have_last = true;
  }
}

bool rtp_send_stats_sender_info(const RtpSendStats *s, int64_t now_us, uint64_t ntp, RtcpSenderInfo *si) {
  if (!s->have_last || si == NULL) return false;
  int64_t d = now_us - s->last_sent_us;
  if (d < 0) d = 0;
  si->ssrc = s->ssrc;
  si->ntp = ntp;
  si->rtp_ts = s->last_rtp_ts + (uint32_t)((d * (int64_t)s->clock_rate) / 1000000);
  si->packet_count = s->packet_count;
  si->octet_count = s->octet_count;
  return true;
}
