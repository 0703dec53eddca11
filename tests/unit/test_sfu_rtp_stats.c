/* sfu/core/rtp_stats: RFC 3550 A.1 probation and wrap, A.3 loss and fraction
 * lost per interval, A.8 jitter, LSR/DLSR and the sender side, all against
 * values computed by hand in the comments. */
#include <glib.h>

#include "core/rtp_stats.h"

static void test_probation_and_loss(void) {
  RtpRecvStats s;
  rtp_stats_init(&s, 0x1234, 90000);
  /* MIN_SEQUENTIAL = 2: the first packet only starts probation */
  g_assert_false(rtp_stats_update(&s, 100, 0, 0, 100));
  g_assert_true(rtp_stats_update(&s, 101, 0, 0, 100));
  g_assert_cmpuint(s.base_seq, ==, 101);
  for (uint16_t q = 102; q <= 110; q++) g_assert_true(rtp_stats_update(&s, q, 0, 0, 100));
  g_assert_cmpuint(rtp_stats_ext_highest_seq(&s), ==, 110);
  g_assert_cmpint(rtp_stats_cumulative_lost(&s), ==, 0);
  /* lose 111 and 112, get 113..120: expected 20, received 18 */
  for (uint16_t q = 113; q <= 120; q++) rtp_stats_update(&s, q, 0, 0, 100);
  RtcpReportBlock rb;
  rtp_stats_report_block(&s, 0, &rb);
  g_assert_cmpuint(rb.ssrc, ==, 0x1234);
  g_assert_cmpuint(rb.ext_highest_seq, ==, 120);
  g_assert_cmpint(rb.cumulative_lost, ==, 2);
  g_assert_cmpuint(rb.fraction_lost, ==, (2 << 8) / 20); /* 25 */
  g_assert_cmpuint(rb.lsr, ==, 0);
  g_assert_cmpuint(rb.dlsr, ==, 0);
  /* next interval: 10 more, none lost; fraction 0, cumulative stays 2 */
  for (uint16_t q = 121; q <= 130; q++) rtp_stats_update(&s, q, 0, 0, 100);
  rtp_stats_report_block(&s, 0, &rb);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  g_assert_cmpint(rb.cumulative_lost, ==, 2);
  /* a late retransmission of 111 counts as received (interval: -1 lost -> 0) */
  g_assert_true(rtp_stats_update(&s, 111, 0, 0, 100));
  rtp_stats_report_block(&s, 0, &rb);
  g_assert_cmpint(rb.cumulative_lost, ==, 1);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
  /* duplicates can make the cumulative loss negative (RFC 3550 A.3) */
  rtp_stats_update(&s, 130, 0, 0, 100);
  rtp_stats_update(&s, 129, 0, 0, 100);
  g_assert_cmpint(rtp_stats_cumulative_lost(&s), ==, -1);
  g_assert_cmpuint(s.packets, ==, 32);
  g_assert_cmpuint(s.bytes, ==, 3200);
}

static void test_wrap_and_restart(void) {
  RtpRecvStats s;
  rtp_stats_init(&s, 1, 48000);
  rtp_stats_update(&s, 65530, 0, 0, 10);
  for (uint32_t q = 65531; q <= 65536 + 5; q++) g_assert_true(rtp_stats_update(&s, (uint16_t)q, 0, 0, 10));
  g_assert_cmpuint(s.cycles, ==, 65536);
  g_assert_cmpuint(rtp_stats_ext_highest_seq(&s), ==, 65536 + 5);
  g_assert_cmpint(rtp_stats_cumulative_lost(&s), ==, 0);
  /* misordered within MAX_MISORDER: counted, no new cycle */
  g_assert_true(rtp_stats_update(&s, 65535, 0, 0, 10));
  g_assert_cmpuint(s.cycles, ==, 65536);
  /* a jump beyond MAX_DROPOUT is not counted until confirmed */
  g_assert_false(rtp_stats_update(&s, 40000, 0, 0, 10));
  g_assert_true(rtp_stats_update(&s, 40001, 0, 0, 10)); /* restart */
  g_assert_cmpuint(s.base_seq, ==, 40001);
  g_assert_cmpuint(s.received, ==, 1);
  g_assert_cmpuint(rtp_stats_ext_highest_seq(&s), ==, 40001);
  /* broken probation restarts it */
  RtpRecvStats p;
  rtp_stats_init(&p, 2, 8000);
  g_assert_false(rtp_stats_update(&p, 10, 0, 0, 1));
  g_assert_false(rtp_stats_update(&p, 20, 0, 0, 1));
  g_assert_true(rtp_stats_update(&p, 21, 0, 0, 1));
  g_assert_cmpuint(p.base_seq, ==, 21);
  /* before validation a report block carries no loss */
  RtpRecvStats q;
  RtcpReportBlock rb;
  rtp_stats_init(&q, 3, 8000);
  rtp_stats_update(&q, 5, 0, 0, 1);
  rtp_stats_report_block(&q, 0, &rb);
  g_assert_cmpint(rb.cumulative_lost, ==, 0);
  g_assert_cmpuint(rb.fraction_lost, ==, 0);
}

static void test_jitter(void) {
  /* 8 kHz: one timestamp unit is 125 us; packets every 20 ms = 160 units.
   * seq 0 is probation. Transit (arrival - ts, in units):
   *   seq1 0; seq2 +100 (12.5 ms late); seq3 0; seq4 0
   * J16 (16*J) with J16 += d - ((J16 + 8) >> 4):
   *   seq2: d=100 -> 100          (J 6)
   *   seq3: d=100 -> 100+100-6 = 194 (J 12)
   *   seq4: d=0   -> 194-12 = 182    (J 11)
   * The floating-point form gives 6.25, 12.11, 11.35. */
  RtpRecvStats s;
  rtp_stats_init(&s, 9, 8000);
  int64_t base = 5000000000; /* arbitrary monotonic origin */
  rtp_stats_update(&s, 0, 1000, base, 160);
  rtp_stats_update(&s, 1, 1160, base + 20000, 160);
  g_assert_cmpuint(s.jitter_q4, ==, 0);
  rtp_stats_update(&s, 2, 1320, base + 40000 + 12500, 160);
  g_assert_cmpuint(s.jitter_q4, ==, 100);
  g_assert_cmpuint(rtp_stats_jitter(&s), ==, 6);
  rtp_stats_update(&s, 3, 1480, base + 60000, 160);
  g_assert_cmpuint(s.jitter_q4, ==, 194);
  rtp_stats_update(&s, 4, 1640, base + 80000, 160);
  g_assert_cmpuint(s.jitter_q4, ==, 182);
  g_assert_cmpuint(rtp_stats_jitter(&s), ==, 11);
  /* a retransmission (old seq) does not feed the jitter */
  rtp_stats_update(&s, 2, 1320, base + 900000, 160);
  g_assert_cmpuint(s.jitter_q4, ==, 182);
  RtcpReportBlock rb;
  rtp_stats_report_block(&s, 0, &rb);
  g_assert_cmpuint(rb.jitter, ==, 11);
  /* steady stream across the RTP timestamp wrap: jitter decays, no spike */
  RtpRecvStats w;
  rtp_stats_init(&w, 10, 90000);
  uint32_t ts = 0xffff0000u;
  for (int i = 0; i < 100; i++) {
    rtp_stats_update(&w, (uint16_t)i, ts, (int64_t)i * 33333 + 7, 1000);
    ts += 3000;
  }
  g_assert_cmpuint(rtp_stats_jitter(&w), <=, 1);
}

/* Hostile timestamps: transit differences of 2^31 every packet. The jitter
 * saturates instead of overflowing (UBSan checks the arithmetic). */
static void test_jitter_hostile(void) {
  RtpRecvStats s;
  rtp_stats_init(&s, 1, 90000);
  for (int i = 0; i < 200; i++)
    rtp_stats_update(&s, (uint16_t)i, (i % 2) ? 0x80000000u : 0, 0, 10);
  g_assert_cmpuint(s.jitter_q4, >, 0x7fffffffu);
  g_assert_cmpuint(rtp_stats_jitter(&s), <=, UINT32_MAX >> 4);
}

static void test_sr_bookkeeping(void) {
  RtpRecvStats s;
  rtp_stats_init(&s, 1, 90000);
  rtp_stats_update(&s, 1, 0, 0, 10);
  rtp_stats_update(&s, 2, 0, 0, 10);
  /* NTP 0x00001234:56780000 -> LSR 0x12345678; 0.5 s later DLSR 32768 */
  rtp_stats_on_sr(&s, 0x0000123456780000ull, 1000000);
  RtcpReportBlock rb;
  rtp_stats_report_block(&s, 1500000, &rb);
  g_assert_cmpuint(rb.lsr, ==, 0x12345678);
  g_assert_cmpuint(rb.dlsr, ==, 32768);
  /* the sender, later computing RTT from that block */
  g_assert_cmpint(rtcp_rtt_us(0x12345678 + 32768 + 6554, rb.lsr, rb.dlsr), ==, 100006);
}

static void test_send_stats(void) {
  RtpSendStats s;
  RtcpSenderInfo si;
  rtp_send_stats_init(&s, 0x77, 90000);
  g_assert_false(rtp_send_stats_sender_info(&s, 0, 1, &si));
  rtp_send_stats_update(&s, 87000, 1000, 900000);
  rtp_send_stats_update(&s, 90000, 1200, 1000000);
  rtp_send_stats_update(&s, 90000, 300, 1010000); /* same frame, later */
  rtp_send_stats_update(&s, 87000, 500, 1020000); /* retransmission of an older one */
  g_assert_true(rtp_send_stats_sender_info(&s, 1500000, 0xabcdef, &si));
  g_assert_cmpuint(si.ssrc, ==, 0x77);
  g_assert_cmpuint(si.ntp, ==, 0xabcdef);
  g_assert_cmpuint(si.rtp_ts, ==, 90000 + 45000); /* 0.5 s at 90 kHz after the newest frame */
  g_assert_cmpuint(si.packet_count, ==, 4);
  g_assert_cmpuint(si.octet_count, ==, 3000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/rtp_stats/probation_loss", test_probation_and_loss);
  g_test_add_func("/sfu/rtp_stats/wrap_restart", test_wrap_and_restart);
  g_test_add_func("/sfu/rtp_stats/jitter", test_jitter);
  g_test_add_func("/sfu/rtp_stats/jitter_hostile", test_jitter_hostile);
  g_test_add_func("/sfu/rtp_stats/sr_bookkeeping", test_sr_bookkeeping);
  g_test_add_func("/sfu/rtp_stats/send_stats", test_send_stats);
  return g_test_run();
}
