/* twcc_history: see twcc_history.h. */
#include "twcc_history.h"

#include <string.h>

#define MASK (TWCC_HISTORY_SIZE - 1)

void twcc_history_init(TwccHistory *h, uint16_t first_seq) {
  memset(h, 0, sizeof *h);
  h->next_seq = first_seq;
  for (unsigned i = 0; i < TWCC_HISTORY_SIZE; i++) h->slot_seq[i] = -1;
}

uint16_t twcc_history_on_send(TwccHistory *h, uint32_t size, int64_t now_us) {
  uint16_t seq = h->next_seq++;
  unsigned s = seq & MASK;
  h->slot_seq[s] = seq;
  h->send_us[s] = now_us;
  h->size[s] = size;
  h->reported[s] = false;
  h->probe[s] = false;
  h->stats.sent++;
  return seq;
}

uint16_t twcc_history_on_send_probe(TwccHistory *h, uint32_t size, int64_t now_us) {
  uint16_t seq = twcc_history_on_send(h, size, now_us);
  h->probe[seq & MASK] = true;
  return seq;
}

RtcpStatus twcc_history_on_feedback(TwccHistory *h, const RtcpPacket *pkt, TwccResult *out, size_t max,
                                    size_t *n) {
  if (n) *n = 0;
  if (h == NULL || pkt == NULL || n == NULL || (out == NULL && max > 0) || pkt->kind != RTCP_KIND_TWCC)
    return RTCP_ERR_ARG;
  static _Thread_local uint8_t status[0x10000];
  static _Thread_local int32_t delta[0x10000];
  RtcpStatus st = rtcp_twcc_expand(pkt, status, delta, 0x10000);
  if (st != RTCP_OK) {
    h->stats.malformed++;
    return st;
  }
  h->stats.feedbacks++;
  int64_t t = (int64_t)pkt->u.twcc.reference_time * 64000;
  size_t k = 0;
  for (unsigned i = 0; i < pkt->u.twcc.status_count; i++) {
    uint16_t seq = (uint16_t)(pkt->u.twcc.base_seq + i);
    if (status[i] != 0) t += (int64_t)delta[i] * 250;
    unsigned s = seq & MASK;
    if (h->slot_seq[s] != (int32_t)seq) {
      h->stats.unknown++;
      continue;
    }
    if (h->reported[s]) continue;
    if (status[i] == 0) {
      /* Not received (yet): libwebrtc may report it again later as
       * received; count it lost now, which is what the estimate needs. */
      h->stats.lost++;
    }
    h->reported[s] = true;
    h->stats.reported++;
    if (k < max) {
      out[k].seq = seq;
      out[k].send_us = h->send_us[s];
      out[k].recv_us = status[i] ? t : -1;
      out[k].size = h->size[s];
      out[k].probe = h->probe[s];
      k++;
    }
  }
  *n = k;
  return RTCP_OK;
}
