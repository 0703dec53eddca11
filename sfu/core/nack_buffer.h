/* nack_buffer: per-track retransmission buffer of the packets received from
 * the publisher, keyed by their (input) sequence number, to answer
 * subscribers' NACKs (after seq_rewriter_reverse) without asking the
 * publisher.
 *
 * Contract
 * - Memory follows what the buffer holds: packets are kept at their real
 *   length in a byte ring that starts at 4 KiB and doubles only when the
 *   packet it would overwrite is still wanted (younger than max_age and not
 *   replaced in the index), so it settles near max_age worth of the track's
 *   bytes; after a lap of the ring in which what is wanted would fit in a
 *   quarter of it, it halves (the burst that grew it is over). It never
 *   exceeds about capacity * max_packet_len (the old preallocated size),
 *   plus a 16-byte index entry per slot. Storing allocates only when the
 *   ring grows or shrinks (a copy of the wanted packets).
 * - capacity is rounded up to a power of two; slot = seq mod capacity, so a
 *   newer packet replaces the one capacity seqs older in the index (and its
 *   bytes become reusable). Size capacity for max_age of traffic (video ~
 *   500 pkt/s at a few Mbit/s: 512-1024 for 1 s).
 * - Packets are stored as given (the publisher's bytes, after SRTP unprotect)
 *   with their arrival time; a lookup older than max_age_us is EXPIRED while
 *   its bytes are still in the ring, a MISS once they were reused or dropped
 *   by a shrink.
 * - nack_buffer_get() returns a pointer into the ring, valid until the next
 *   nack_buffer_store() or nack_buffer_clear() (single-threaded use: one room
 *   = one thread). The caller copies it before rewriting/protecting.
 * - Counters: stored, hits, misses (never stored / overwritten / evicted),
 *   expired, too_big (store refused because len > max_packet_len), evicted
 *   (a packet still in the index whose bytes were reused for a newer one).
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
  uint64_t stored, hits, misses, expired, too_big, evicted;
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

/* Forget everything (e.g. the publisher's SSRC changed) and shrink the ring
 * back to its start size; counters kept. */
void nack_buffer_clear(NackBuffer *nb);

size_t nack_buffer_capacity(const NackBuffer *nb);
/* Bytes of packet storage allocated now (the ring, not the index). */
size_t nack_buffer_arena_size(const NackBuffer *nb);
const NackBufferStats *nack_buffer_stats(const NackBuffer *nb);

#endif
