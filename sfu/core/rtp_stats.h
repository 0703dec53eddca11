/* rtp_stats: receive statistics of one incoming RTP stream, as RFC 3550
 * appendix A.1 (sequence validation, probation, extended highest seq),
 * A.3 (cumulative loss, fraction lost per report interval) and A.8
 * (interarrival jitter in timestamp units), plus the SR bookkeeping (LSR,
 * DLSR) needed to build a report block. And the sender side: packet/octet
 * counts and the RTP timestamp matching an SR's wall-clock time.
 *
 * Contract
 * - Structs are public for embedding; no allocation; time injected as
 *   now_us (a monotonic clock for arrival times and DLSR).
 * - rtp_stats_update() returns false for a packet the A.1 algorithm does
 *   not count (still on probation, or a wild jump that needs confirming).
 *   A jump of more than MAX_DROPOUT (3000) ahead or MAX_MISORDER (100)
 *   behind is taken as a restart when the next packet follows it.
 * - Jitter uses arrival time converted to clock_rate units; it is kept in
 *   the RFC's fixed point (jitter_q4 = 16 * J) and reported as J.
 * - rtp_stats_report_block() fills an RtcpReportBlock for the stream and
 *   starts a new report interval (fraction_lost is per interval).
 *   cumulative_lost is clamped to the 24-bit signed range. LSR/DLSR are 0
 *   until an SR was seen (rtp_stats_on_sr).
 */
#ifndef PARLOUR_SFU_RTP_STATS_H
#define PARLOUR_SFU_RTP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtcp.h"

#define RTP_STATS_MAX_DROPOUT 3000
#define RTP_STATS_MAX_MISORDER 100
#define RTP_STATS_MIN_SEQUENTIAL 2

typedef struct {
  uint32_t ssrc;
  uint32_t clock_rate;
  /* A.1 */
  bool initialised;
  uint16_t max_seq;
  uint32_t cycles;        /* shifted count of seq cycles (multiple of 65536) */
  uint32_t base_seq;
  uint32_t bad_seq;
  uint32_t probation;
  uint32_t received;
  uint32_t expected_prior;
  uint32_t received_prior;
  /* A.8 */
  bool have_transit;
  int64_t transit;        /* last transit, timestamp units */
  uint32_t jitter_q4;     /* 16 * jitter */
  /* SR bookkeeping */
  uint32_t lsr;           /* middle 32 bits of the last SR NTP time; 0 = none */
  int64_t lsr_arrival_us;
  /* totals (all packets, including probation / duplicates) */
  uint64_t packets;
  uint64_t bytes;
} RtpRecvStats;

/* clock_rate in Hz (> 0). */
void rtp_stats_init(RtpRecvStats *s, uint32_t ssrc, uint32_t clock_rate);

/* One received packet: its seq, RTP timestamp, arrival time, payload bytes. */
bool rtp_stats_update(RtpRecvStats *s, uint16_t seq, uint32_t rtp_ts, int64_t arrival_us,
                      size_t payload_len);

/* Extended highest sequence number received (cycles + max_seq). */
uint32_t rtp_stats_ext_highest_seq(const RtpRecvStats *s);
/* Cumulative packets lost (expected - received), may be negative with duplicates. */
int64_t rtp_stats_cumulative_lost(const RtpRecvStats *s);
/* Jitter in timestamp units (J, not 16 J). */
uint32_t rtp_stats_jitter(const RtpRecvStats *s);

/* The publisher's SR for this stream arrived at now_us. */
void rtp_stats_on_sr(RtpRecvStats *s, uint64_t sr_ntp, int64_t now_us);

/* Fill a report block as of now_us; starts a new fraction-lost interval. */
void rtp_stats_report_block(RtpRecvStats *s, int64_t now_us, RtcpReportBlock *rb);

/* ---- sender side (what the SFU sends to a subscriber) ---- */
typedef struct {
  uint32_t ssrc;
  uint32_t clock_rate;
  uint32_t packet_count;
  uint32_t octet_count;   /* payload octets, RFC 3550 s.6.4.1 */
  bool have_last;
  uint32_t last_rtp_ts;   /* timestamp of the newest packet sent */
  int64_t last_sent_us;   /* when (monotonic) */
} RtpSendStats;

void rtp_send_stats_init(RtpSendStats *s, uint32_t ssrc, uint32_t clock_rate);
void rtp_send_stats_update(RtpSendStats *s, uint32_t rtp_ts, size_t payload_len, int64_t now_us);
/* Sender info for an SR sent at now_us (monotonic) whose NTP time is ntp:
 * rtp_ts is extrapolated from the newest packet. False before any packet. */
bool rtp_send_stats_sender_info(const RtpSendStats *s, int64_t now_us, uint64_t ntp, RtcpSenderInfo *si);

#endif
