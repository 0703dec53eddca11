/* sfu/core/subscriber_bwe: the forwarder-facing bundle. Over a simulated
 * 5 Mbit/s FIFO link (receiver: twcc_feedback; feedback parsed with rtcp.h)
 * a sender of 190 kbit/s that wants the next layer (665 kbit/s) gets a
 * probe, padding to send, a verified estimate >= the want (once); on a
 * 300 kbit/s link the probe fails and the estimate stays below the want;
 * REMB caps; malformed feedback is counted and ignored; bad input. */
#include <glib.h>
#include <string.h>

#include "core/rtcp.h"
#include "core/subscriber_bwe.h"
#include "core/twcc_feedback.h"

#define MS ((int64_t)1000)

static void run(SubscriberBwe *sb, double cap_bps, uint64_t want, int64_t from, int64_t to, uint64_t *padding) {
  static TwccFeedback fb;
  twcc_feedback_init(&fb, 1, 2, 100 * MS);
  int64_t link_free = 0;
  for (int64_t now = from; now < to; now += MS) {
    size_t due;
    while ((due = subscriber_bwe_tick(sb, want, now)) > 0) {
      size_t sz = due > 1200 ? 1200 : (due < 200 ? 200 : due);
      uint16_t seq = subscriber_bwe_on_send_padding(sb, sz, now);
      int64_t start = MAX(now, link_free);
      link_free = start + (int64_t)(sz * 8 * 1e6 / cap_bps);
      twcc_feedback_on_packet(&fb, seq, link_free + 20 * MS);
      *padding += sz;
    }
    if (now % (33 * MS) == 0) {
      uint16_t seq = subscriber_bwe_on_send(sb, 800, now);
      int64_t start = MAX(now, link_free);
      link_free = start + (int64_t)(800 * 8 * 1e6 / cap_bps);
      twcc_feedback_on_packet(&fb, seq, link_free + 20 * MS);
    }
    if (now % (100 * MS) == 0) {
      uint8_t b[1500];
      size_t len;
      while ((len = twcc_feedback_build(&fb, now, b, sizeof b)) > 0) {
        RtcpIter it;
        RtcpPacket pk;
        rtcp_iter_init(&it, b, len);
        while (rtcp_iter_next(&it, &pk)) g_assert_cmpint(subscriber_bwe_on_rtcp(sb, &pk, now + 20 * MS), ==, RTCP_OK);
      }
    }
  }
}

static void test_wide_and_narrow(void) {
  static SubscriberBwe sb;
  BweConfig c = {.start_bps = 300000};
  subscriber_bwe_init(&sb, &c, NULL, 500);
  uint64_t pad = 0;
  run(&sb, 5000000, 665000, 0, 2000 * MS, &pad);
  g_test_message("wide: estimate %" G_GUINT64_FORMAT ", padding %" G_GUINT64_FORMAT " bytes, probes ok %" G_GUINT64_FORMAT,
                 subscriber_bwe_estimate(&sb), pad, sb.probes_ok);
  g_assert_cmpuint(subscriber_bwe_estimate(&sb), >=, 665000);
  g_assert_cmpuint(pad, >, 5000);
  g_assert_cmpuint(sb.probes_ok, >=, 1);
  g_assert_true(subscriber_bwe_take_verified(&sb));
  g_assert_false(subscriber_bwe_take_verified(&sb)); /* once */
  g_assert_cmpuint(sb.feedbacks, >, 10);

  static SubscriberBwe nb;
  subscriber_bwe_init(&nb, &c, NULL, 500);
  pad = 0;
  run(&nb, 300000, 665000, 0, 6000 * MS, &pad);
  g_test_message("narrow: estimate %" G_GUINT64_FORMAT ", probes failed %" G_GUINT64_FORMAT, subscriber_bwe_estimate(&nb),
                 nb.probes_failed);
  g_assert_cmpuint(subscriber_bwe_estimate(&nb), <, 665000);
  g_assert_cmpuint(nb.probes_failed, >=, 2);
  g_assert_cmpuint(nb.probes_ok, ==, 0);
  g_assert_false(subscriber_bwe_take_verified(&nb));
  /* nothing wanted: no padding at all */
  static SubscriberBwe idle;
  subscriber_bwe_init(&idle, &c, NULL, 0);
  pad = 0;
  run(&idle, 5000000, 0, 0, 2000 * MS, &pad);
  g_assert_cmpuint(pad, ==, 0);
}

static void test_remb_bad_feedback_bad_input(void) {
  static SubscriberBwe sb;
  subscriber_bwe_init(&sb, NULL, NULL, 0);
  uint8_t b[64];
  uint32_t ssrc = 5;
  size_t len = rtcp_build_remb(b, sizeof b, 1, 200000, &ssrc, 1);
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, b, len);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(subscriber_bwe_on_rtcp(&sb, &pk, 0), ==, RTCP_OK);
  g_assert_cmpuint(subscriber_bwe_estimate(&sb), ==, 200000);
  /* TWCC claiming 5 small deltas with 2 delta bytes */
  uint8_t bad[24] = {0x8F, 205, 0, 5, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0x20, 0x05, 0, 0};
  rtcp_iter_init(&it, bad, sizeof bad);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(subscriber_bwe_on_rtcp(&sb, &pk, 0), ==, RTCP_ERR_MALFORMED);
  g_assert_cmpuint(sb.bad_feedbacks, ==, 1);
  /* other RTCP is ignored */
  len = rtcp_build_pli(b, sizeof b, 1, 2);
  rtcp_iter_init(&it, b, len);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(subscriber_bwe_on_rtcp(&sb, &pk, 0), ==, RTCP_OK);
  g_assert_cmpint(subscriber_bwe_on_rtcp(NULL, &pk, 0), ==, RTCP_ERR_ARG);
  g_assert_cmpint(subscriber_bwe_on_rtcp(&sb, NULL, 0), ==, RTCP_ERR_ARG);
  g_assert_cmpuint(subscriber_bwe_tick(NULL, 1, 0), ==, 0);
  g_assert_cmpuint(subscriber_bwe_estimate(NULL), ==, 0);
  g_assert_false(subscriber_bwe_take_verified(NULL));
  subscriber_bwe_set_rtt(&sb, 50000);
  g_assert_cmpint(sb.bwe.rtt_us, ==, 50000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/subscriber_bwe/wide_and_narrow", test_wide_and_narrow);
  g_test_add_func("/sfu/subscriber_bwe/remb_bad_feedback_bad_input", test_remb_bad_feedback_bad_input);
  return g_test_run();
}
