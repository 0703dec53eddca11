/* Fuzz harness: compound RTCP (sfu/core/rtcp.c), every type the SFU reads:
 * SR and RR (report blocks), SDES (CNAME), BYE (SSRCs, reason), NACK (items
 * and the expanded sequence numbers), PLI, FIR (entries), REMB (bit rate,
 * SSRCs) and transport-cc (status chunks and deltas expanded). The walk
 * dispatches on each packet's type, so one input reaches every type; the
 * seed corpus has at least one packet of each. Every pointer a parsed
 * packet gives must lie inside the input (rtcp.h). */
#include "fuzz.h"

#include "core/rtcp.h"

static uint8_t twcc_status[65536];
static int32_t twcc_delta[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  uint8_t *b = fuzz_memdup(data, size);
  const uint8_t *end = b + size;
  RtcpIter it;
  RtcpPacket p;
  rtcp_iter_init(&it, b, size);
  while (rtcp_iter_next(&it, &p)) {
    FUZZ_CHECK(p.data >= b && p.len >= 4 && p.data + p.len <= end);
    RtcpReportBlock rb;
    uint16_t seqs[64];
    uint32_t ssrc;
    uint8_t nr;
    switch (p.kind) {
    case RTCP_KIND_SR:
    case RTCP_KIND_RR:
      FUZZ_CHECK(p.count <= RTCP_MAX_REPORT_BLOCKS);
      for (unsigned i = 0; i < p.count; i++) FUZZ_CHECK(rtcp_report_block(&p, i, &rb));
      break;
    case RTCP_KIND_SDES:
      if (p.u.sdes.first_cname)
        FUZZ_CHECK(p.u.sdes.first_cname >= b && p.u.sdes.first_cname + p.u.sdes.first_cname_len <= end);
      break;
    case RTCP_KIND_BYE:
      for (unsigned i = 0; i < p.count; i++) (void)rtcp_bye_ssrc(&p, i);
      if (p.u.bye.reason) FUZZ_CHECK(p.u.bye.reason >= b && p.u.bye.reason + p.u.bye.reason_len <= end);
      break;
    case RTCP_KIND_NACK: {
      for (unsigned i = 0; i < p.count; i++) {
        uint16_t pid, blp;
        rtcp_nack_item(&p, i, &pid, &blp);
      }
      size_t total = rtcp_nack_seqs(&p, seqs, 64);
      FUZZ_CHECK(total >= p.count && total <= 17u * p.count);
      break;
    }
    case RTCP_KIND_FIR:
      for (unsigned i = 0; i < p.count; i++) rtcp_fir_entry(&p, i, &ssrc, &nr);
      break;
    case RTCP_KIND_REMB:
      FUZZ_CHECK(p.count <= RTCP_REMB_MAX_SSRCS);
      for (unsigned i = 0; i < p.count; i++) (void)rtcp_remb_ssrc(&p, i);
      break;
    case RTCP_KIND_TWCC:
      if (rtcp_twcc_expand(&p, twcc_status, twcc_delta, 65536) == RTCP_OK)
        for (unsigned k = 0; k < p.u.twcc.status_count; k++) FUZZ_CHECK(twcc_status[k] <= 2);
      break;
    case RTCP_KIND_PLI:
    case RTCP_KIND_AFB_OTHER:
    case RTCP_KIND_UNKNOWN:
      break;
    }
  }
  RtcpStatus vs = rtcp_validate(b, size);
  FUZZ_CHECK((vs == RTCP_OK) == (it.status == RTCP_OK && size > 0));
  (void)rtcp_status_str(vs);
  free(b);
  return 0;
}
