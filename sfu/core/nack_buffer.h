/* nack_buffer: per-track retransmission buffer of the packets received from
 * the publisher, keyed by their (input) sequence number, to answer
 * subscribers' NACKs (after seq_rewriter_reverse) without asking the
 * publisher.
 *
 * Contract
 * - nack_buffer_new() preallocates everything (capacity slots of
 *   max_packet_len bytes): storing never allocates and memory is bounded by
 *   capacity * max_packet_len. capacity is rounded up to a power of two;
 *   slot = seq mod capacity, so a newer packet overwrites the one capacity
 *   seqs older. Size capacity for max_age of traffic (video ~ 500 pkt/s at
 *   a few Mbit/s: 512-1024 for 1 s).
 * - Packets are stored as given (the publisher's bytes, after SRTP unprotect)
 *   with their arrival time; a lookup older than max_age_us is EXPIRED.
 * - nack_buffer_get() returns a pointer into the ring, valid until the next
 *   nack_buffer_store() (single-threaded use: one room = one thread). The
 *   caller copies it before rewriting/protecting.
 * - Counters: hits, misses (never stored / overwritten), expired, stored,
 *   too_big (store refused because len > max_packet_len).
 */
#ifndef PARLOUR_SFU_NACK_BUFFER_H
#define PARLOUR_SFU_NACK_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct NackBuffer NackBuffer;

typedef enum {
  NACK_BUFFER_HIT = 0,
  NACK_BUFFER_MISS,
  NACK_BUFFER_EXPIRED,
} NackBufferResult;

typedef struct {
  uint64_t stored, hits, misses, expired, too_big;
} NackBufferStats;

/* capacity 1..32768 slots, max_packet_len 12..65535, max_age_us > 0; NULL on
 * bad arguments. Free with nack_buffer_free(). */
NackBuffer *nack_buffer_new(size_t capacity, size_t max_packet_len, int64_t max_age_us);
void nack_buffer_free(NackBuffer *nb);

/* Copy pkt[0..len) in as sequence number seq, arrived at now_us. False
 * (nothing stored) if len is 0 or > max_packet_len. */
bool nack_buffer_store(NackBuffer *nb, uint16_t seq, const uint8_t *pkt, size_t len, int64_t now_us);

NackBufferResult nack_buffer_get(NackBuffer *nb, uint16_t seq, int64_t now_us, const uint8_t **pkt,
                                 size_t *len);

/* Forget everything (e.g. the publisher's SSRC changed); counters kept. */
void nack_buffer_clear(NackBuffer *nb);

size_t nack_buffer_capacity(const NackBuffer *nb);
const NackBufferStats *nack_buffer_stats(const NackBuffer *nb);

#endif
