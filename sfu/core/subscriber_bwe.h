/* subscriber_bwe: everything the forwarder needs to estimate one
 * subscriber's downlink, behind five calls: twcc_history (transport-wide
 * seqs), bwe_delay (the estimate), bwe_probe (proving the next layer's rate
 * with padding). tests/net/prog_bwe_link drives exactly these calls over
 * real emulated links (tests/net/test-bwe-link, test-bwe-lossy).
 *
 *   subscriber_bwe_on_send()         each media/RTX packet to the subscriber:
 *                                    the transport seq to write into it
 *   subscriber_bwe_on_send_padding() each probe padding packet (same)
 *   subscriber_bwe_on_rtcp()         each RTCP packet from the subscriber
 *                                    (TWCC feedback, REMB; others ignored)
 *   subscriber_bwe_tick()            every 5..20 ms with what the next layer
 *                                    up needs: padding bytes due now
 *   subscriber_bwe_estimate()        for layer_selector_update()
 *   subscriber_bwe_take_verified()   true once after a successful probe:
 *                                    call layer_selector_verified()
 *
 * Contract: sans-IO, injected clock, no allocation (struct ~76 kB: allocate
 * it with the participant). A feedback packet reporting more than
 * SUBSCRIBER_BWE_MAX_RESULTS packets gives only the first ones to the
 * estimate (browsers send a few hundred at most). */
#ifndef PARLOUR_SFU_SUBSCRIBER_BWE_H
#define PARLOUR_SFU_SUBSCRIBER_BWE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bwe_delay.h"
#include "bwe_probe.h"
#include "rtcp.h"
#include "twcc_history.h"

#define SUBSCRIBER_BWE_MAX_RESULTS 4096

typedef struct {
  TwccHistory hist;
  BweDelay bwe;
  BweProbe probe;
  bool verified;
  uint64_t feedbacks, bad_feedbacks, probes_ok, probes_failed;
} SubscriberBwe;

/* cfg / probe_cfg may be NULL (defaults). first_seq: random in production. */
void subscriber_bwe_init(SubscriberBwe *s, const BweConfig *cfg, const BweProbeConfig *probe_cfg,
                         uint16_t first_seq);
uint16_t subscriber_bwe_on_send(SubscriberBwe *s, size_t bytes, int64_t now_us);
uint16_t subscriber_bwe_on_send_padding(SubscriberBwe *s, size_t bytes, int64_t now_us);
/* One packet from rtcp_iter. Returns RTCP_OK, or the TWCC expand error
 * (the packet is then ignored). */
RtcpStatus subscriber_bwe_on_rtcp(SubscriberBwe *s, const RtcpPacket *pkt, int64_t now_us);
void subscriber_bwe_set_rtt(SubscriberBwe *s, int64_t rtt_us);
/* A probe that succeeded raises the estimate to 95 % of what it delivered;
 * a failed one leaves it (see probe_done in subscriber_bwe.c).
 * want_bps: total the next layer up needs (its bitrate x 1.25 + audio), 0
 * when nothing higher is wanted. Starts a probe when useful and returns the
 * padding bytes due now (send them as packets of <= 255 padding bytes, or
 * as RTX of recent packets, each through _on_send_padding). */
size_t subscriber_bwe_tick(SubscriberBwe *s, uint64_t want_bps, int64_t now_us);
uint64_t subscriber_bwe_estimate(const SubscriberBwe *s);
/* What the subscriber acknowledged in the last 200 ms (0: nothing yet):
 * while a queue toward it overflows, its link's rate. */
uint64_t subscriber_bwe_link_bps(const SubscriberBwe *s);
/* Over-use or loss lowered the estimate in the last 500 ms. */
bool subscriber_bwe_congested(const SubscriberBwe *s, int64_t now_us);
bool subscriber_bwe_take_verified(SubscriberBwe *s);

#endif
