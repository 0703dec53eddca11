/* nack_generator: on the publisher leg, detect missing sequence numbers and
 * decide when to ask for them (generic NACK, RFC 4585), with retries.
 *
 * Contract
 * - Feed every received packet's seq (including retransmissions after RTX
 *   unwrap) with nack_generator_on_packet(). A forward jump (mod 2^16) makes
 *   every skipped seq "missing", due immediately after cfg.initial_delay_us.
 *   A packet arriving for a missing seq removes it (counted "recovered").
 * - nack_generator_poll(now) returns the seqs due now, oldest first (ready for
 *   rtcp_build_nack), and reschedules each for now + max(rtt, min_retry_us);
 *   a seq asked max_retries times, or missing for longer than max_age_us, is
 *   given up ("lost").
 * - A jump larger than max_missing (or backwards by more than 0x8000, seen as
 *   a huge jump) is not NACKed: the list is cleared, the stream restarts from
 *   the new seq and keyframe_wanted is raised (counted "resets").
 *   keyframe_wanted is also raised when a seq is given up. The caller reads
 *   and clears it with nack_generator_take_keyframe_wanted() and passes it to
 *   keyframe_throttle.
 * - Memory is bounded by max_missing entries, allocated once in _new().
 *   No I/O; time injected.
 */
#ifndef PARLOUR_SFU_NACK_GENERATOR_H
#define PARLOUR_SFU_NACK_GENERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  unsigned max_retries;      /* default 10 */
  int64_t max_age_us;        /* default 1 s: older missing seqs are given up */
  int64_t initial_delay_us;  /* default 0: first NACK at the first poll */
  int64_t min_retry_us;      /* default 20 ms: floor for retry spacing */
  int64_t default_rtt_us;    /* default 100 ms: until set_rtt() is called */
  size_t max_missing;        /* default 1000: bigger jumps reset */
} NackGeneratorConfig;

typedef struct {
  uint64_t missing;      /* seqs detected missing */
  uint64_t requests;     /* seq requests output by poll (retries included) */
  uint64_t recovered;    /* missing seqs that arrived later */
  uint64_t lost;         /* given up (retries or age) */
  uint64_t late;         /* packets older than the newest, not in the missing list */
  uint64_t resets;       /* jumps too big to NACK */
} NackGeneratorStats;

typedef struct NackGenerator NackGenerator;

/* Fill cfg with the defaults above. */
void nack_generator_config_default(NackGeneratorConfig *cfg);
/* cfg may be NULL (defaults). NULL on invalid cfg. */
NackGenerator *nack_generator_new(const NackGeneratorConfig *cfg);
void nack_generator_free(NackGenerator *ng);

/* Latest RTT estimate toward the publisher (from RR/SR or TWCC). <= 0 ignored. */
void nack_generator_set_rtt(NackGenerator *ng, int64_t rtt_us);

void nack_generator_on_packet(NackGenerator *ng, uint16_t seq, int64_t now_us);

/* Seqs to NACK now into out[0..max); returns the count. Seqs beyond max stay
 * due for the next poll. */
size_t nack_generator_poll(NackGenerator *ng, int64_t now_us, uint16_t *out, size_t max);

/* Earliest time poll() has something to do, or INT64_MAX if nothing is missing. */
int64_t nack_generator_next_due(const NackGenerator *ng);

size_t nack_generator_missing_count(const NackGenerator *ng);
bool nack_generator_take_keyframe_wanted(NackGenerator *ng);
const NackGeneratorStats *nack_generator_stats(const NackGenerator *ng);

#endif
