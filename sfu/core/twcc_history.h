/* twcc_history: the send side of transport-wide CC toward one peer (a
 * subscriber's transport). Every RTP packet we send it gets the next
 * transport-wide sequence number (written into its transport-cc header
 * extension with twcc_ext_write_seq); we remember when it left and how big
 * it was. When the peer's transport-cc feedback arrives, the history turns it
 * into per-packet results (send time, arrival time or lost, size) for
 * bwe_delay.
 *
 * Contract: sans-IO, injected clock, struct public and embeddable, no
 * allocation (a ring of TWCC_HISTORY_SIZE entries indexed by seq). A feedback
 * naming seqs we never sent, or sent so long ago the ring has reused the
 * slot, yields no result for them (stats.unknown). Malformed feedback is
 * refused with the rtcp status and changes nothing.
 */
#ifndef PARLOUR_SFU_TWCC_HISTORY_H
#define PARLOUR_SFU_TWCC_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtcp.h"

#define TWCC_HISTORY_SIZE 4096u /* power of two, > 2 s of packets at 2 Mbit/s */

typedef struct {
  int64_t send_us;      /* our clock */
  int64_t recv_us;      /* the peer's clock (reference time origin); -1 = lost */
  uint32_t size;        /* bytes */
  uint16_t seq;         /* transport-wide seq */
  bool probe;           /* sent as probe padding (twcc_history_on_send_probe) */
} TwccResult;

typedef struct {
  uint64_t sent, feedbacks, reported, lost, unknown, malformed;
} TwccHistoryStats;

typedef struct {
  uint16_t next_seq;
  int64_t send_us[TWCC_HISTORY_SIZE];
  uint32_t size[TWCC_HISTORY_SIZE];
  int32_t slot_seq[TWCC_HISTORY_SIZE]; /* seq the slot holds, -1 = empty */
  bool reported[TWCC_HISTORY_SIZE];    /* already given as a result */
  bool probe[TWCC_HISTORY_SIZE];
  TwccHistoryStats stats;
} TwccHistory;

/* first_seq: the first seq to hand out (random or 0). */
void twcc_history_init(TwccHistory *h, uint16_t first_seq);
/* A packet of `size` bytes is about to be sent: returns its transport seq. */
uint16_t twcc_history_on_send(TwccHistory *h, uint32_t size, int64_t now_us);
/* The same for a probe padding packet (bwe_probe): its result is marked, so
 * bwe_delay uses its delay but does not count it as delivered media. */
uint16_t twcc_history_on_send_probe(TwccHistory *h, uint32_t size, int64_t now_us);
/* Results of one feedback packet (pkt->kind == RTCP_KIND_TWCC) into
 * out[0..max), in seq order; *n gets how many. A packet reported twice (in
 * two feedbacks) is given once. Returns RTCP_OK, or the expand error. */
RtcpStatus twcc_history_on_feedback(TwccHistory *h, const RtcpPacket *pkt, TwccResult *out, size_t max,
                                    size_t *n);

#endif
