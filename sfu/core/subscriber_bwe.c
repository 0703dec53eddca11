/* subscriber_bwe: see subscriber_bwe.h. */
#include "subscriber_bwe.h"

#include <string.h>

#define PROBE_QUIET_US 1000000

void subscriber_bwe_init(SubscriberBwe *s, const BweConfig *cfg, const BweProbeConfig *probe_cfg,
                         uint16_t first_seq) {
  memset(s, 0, sizeof *s);
  twcc_history_init(&s->hist, first_seq);
  bwe_delay_init(&s->bwe, cfg);
  bwe_probe_init(&s->probe, probe_cfg);
}

uint16_t subscriber_bwe_on_send(SubscriberBwe *s, size_t bytes, int64_t now_us) {
  return twcc_history_on_send(&s->hist, (uint32_t)bytes, now_us);
}

uint16_t subscriber_bwe_on_send_padding(SubscriberBwe *s, size_t bytes, int64_t now_us) {
  uint16_t seq = twcc_history_on_send_probe(&s->hist, (uint32_t)bytes, now_us);
  bwe_probe_on_sent(&s->probe, seq, bytes, now_us);
  return seq;
}

static void probe_done(SubscriberBwe *s, uint64_t delivered, bool ok, int64_t now_us) {
  /* Only a probe that proved the rate raises the estimate. A failed one
   * over-states the path when a token bucket lets its first packets through
   * at line rate (tc tbf's burst): measured behind 300 kbit/s, failed probes
   * "delivered" ~500 kbit/s, and the estimate they left let the selector
   * try the next layer up and freeze the picture. */
  if (ok) bwe_delay_on_probe(&s->bwe, delivered, now_us);
  if (ok) {
    s->verified = true;
    s->probes_ok++;
  } else {
    s->probes_failed++;
  }
}

RtcpStatus subscriber_bwe_on_rtcp(SubscriberBwe *s, const RtcpPacket *pkt, int64_t now_us) {
  if (s == NULL || pkt == NULL) return RTCP_ERR_ARG;
  if (pkt->kind == RTCP_KIND_REMB) {
    bwe_delay_on_remb(&s->bwe, pkt->u.remb.bitrate_bps, now_us);
    return RTCP_OK;
  }
  if (pkt->kind != RTCP_KIND_TWCC) return RTCP_OK;
  static _Thread_local TwccResult res[SUBSCRIBER_BWE_MAX_RESULTS];
  size_t n = 0;
  RtcpStatus st = twcc_history_on_feedback(&s->hist, pkt, res, SUBSCRIBER_BWE_MAX_RESULTS, &n);
  if (st != RTCP_OK) {
    s->bad_feedbacks++;
    return st;
  }
  s->feedbacks++;
  bwe_delay_on_feedback(&s->bwe, res, n, now_us);
  uint64_t delivered;
  bool ok;
  if (bwe_probe_on_results(&s->probe, res, n, now_us, &delivered, &ok)) probe_done(s, delivered, ok, now_us);
  return RTCP_OK;
}

void subscriber_bwe_set_rtt(SubscriberBwe *s, int64_t rtt_us) {
  if (s) bwe_delay_set_rtt(&s->bwe, rtt_us);
}

size_t subscriber_bwe_tick(SubscriberBwe *s, uint64_t want_bps, int64_t now_us) {
  if (s == NULL) return 0;
  uint64_t delivered;
  bool ok;
  if (bwe_probe_on_results(&s->probe, NULL, 0, now_us, &delivered, &ok)) probe_done(s, delivered, ok, now_us);
  if (bwe_probe_maybe_start(&s->probe, want_bps, bwe_delay_estimate_bps(&s->bwe), now_us))
    bwe_delay_probe_started(&s->bwe, now_us + PROBE_QUIET_US);
  return bwe_probe_padding_due(&s->probe, now_us);
}

uint64_t subscriber_bwe_estimate(const SubscriberBwe *s) { return s ? bwe_delay_estimate_bps(&s->bwe) : 0; }
uint64_t subscriber_bwe_link_bps(const SubscriberBwe *s) { return s ? bwe_delay_recent_acked_bps(&s->bwe) : 0; }
bool subscriber_bwe_congested(const SubscriberBwe *s, int64_t now_us) {
  return s && bwe_delay_decreased_within(&s->bwe, 500000, now_us);
}

bool subscriber_bwe_take_verified(SubscriberBwe *s) {
  if (!s || !s->verified) return false;
  s->verified = false;
  return true;
}
