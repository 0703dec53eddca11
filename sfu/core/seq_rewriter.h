/* seq_rewriter: per subscription, map an input RTP stream (SSRC, seq, ts) to
 * the output stream the subscriber sees: its own SSRC, continuous sequence
 * numbers and timestamps.
 *
 * Contract
 * - The struct is public so it can be embedded (no allocation); initialise
 *   with seq_rewriter_init() and never copy it while in use.
 * - out_seq = in_seq + offset (mod 2^16), out_ts = in_ts + ts_offset (mod 2^32).
 * - seq_rewriter_drop(): the SFU decided not to forward an in-order packet
 *   (muted track, simulcast layer not wanted, padding-only probe): the
 *   subscriber sees no gap because later packets are shifted down by one.
 *   Dropping a packet *older* than the newest one seen cannot be hidden
 *   (later ones already went out): it leaves a hole, which is what the
 *   subscriber would see for a real loss anyway.
 * - Out-of-order and retransmitted packets map to the same output seq they
 *   would have had in order, by counting recorded drops after them
 *   (SEQRW_DROP_HISTORY drops are remembered; anything older than the
 *   history or SEQRW_MAX_REORDER behind the newest is refused as TOO_OLD).
 *   A packet that was already forwarded is refused as DUPLICATE, one that was
 *   dropped as DROPPED: the caller then does not send it. A packet older
 *   than the first one forwarded from the current source is TOO_OLD too:
 *   after a source switch its output seq would collide with the previous
 *   source's packets.
 * - Source switch: the caller passes only packets of the source it wants
 *   forwarded. The first *forwarded* packet with a new input SSRC switches:
 *   its output seq is last output seq + 1 and its timestamp is the last output
 *   timestamp + the wall-clock time elapsed since that packet went out, in
 *   clock-rate units (at least 1). A drop with another SSRC than the current
 *   one is ignored (it has no place in the output numbering).
 * - Reverse mapping: the last SEQRW_HISTORY forwarded packets are remembered
 *   (ring indexed by out seq: O(1)) so a subscriber's NACK for an output seq
 *   can be answered from the track's nack_buffer keyed by input seq.
 * - No allocation, no I/O; time is injected (now_us, any monotonic origin).
 */
#ifndef PARLOUR_SFU_SEQ_REWRITER_H
#define PARLOUR_SFU_SEQ_REWRITER_H

#include <stdbool.h>
#include <stdint.h>

#define SEQRW_HISTORY 1024      /* reverse-map entries (power of two) */
#define SEQRW_DROP_HISTORY 256  /* remembered drops (power of two) */
#define SEQRW_MAX_REORDER 1000  /* older than this behind the newest: TOO_OLD */

typedef enum {
  SEQRW_FORWARD = 0, /* send it with the output seq/ts */
  SEQRW_DUPLICATE,   /* already forwarded */
  SEQRW_DROPPED,     /* this input seq was dropped before: keep dropping */
  SEQRW_TOO_OLD,     /* too far behind to map reliably */
} SeqRwResult;

typedef struct {
  uint16_t out_seq;
  uint16_t in_seq;
  uint32_t in_ssrc;
  bool valid;
} SeqRwHistoryEntry;

typedef struct {
  uint64_t forwarded, dropped, duplicates, dropped_again, too_old, switches;
} SeqRwStats;

typedef struct {
  /* configuration */
  uint32_t out_ssrc;
  uint32_t clock_rate;
  /* state */
  bool started;           /* a packet was forwarded since init */
  uint32_t in_ssrc;       /* current source */
  int64_t in_ext_max;     /* highest extended input seq seen (forwarded or dropped) */
  int64_t src_first_ext;  /* extended input seq of the current source's first forwarded packet */
  int64_t seq_offset;     /* ext_out = ext_in + seq_offset for packets after the last drop */
  uint32_t ts_offset;
  int64_t out_ext_max;    /* highest extended output seq sent */
  uint32_t last_out_ts;   /* timestamp of the newest output packet (by ts order) */
  int64_t last_out_us;    /* when that packet was forwarded */
  uint16_t first_out_seq;
  uint32_t first_out_ts;
  int64_t drops[SEQRW_DROP_HISTORY]; /* extended input seqs of recent drops */
  unsigned n_drops;                  /* total recorded for this source (ring) */
  SeqRwHistoryEntry history[SEQRW_HISTORY];
  SeqRwStats stats;
} SeqRewriter;

/* first_out_seq / first_out_ts: what the first forwarded packet gets (use
 * random values in production, RFC 3550 s.5.1). clock_rate > 0 (Hz). */
void seq_rewriter_init(SeqRewriter *rw, uint32_t out_ssrc, uint32_t clock_rate, uint16_t first_out_seq,
                       uint32_t first_out_ts);

/* Map one packet to be forwarded; on SEQRW_FORWARD out_seq and out_ts are set
 * (the caller writes them and rw->out_ssrc into its copy of the packet). */
SeqRwResult seq_rewriter_forward(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq, uint32_t in_ts,
                                 int64_t now_us, uint16_t *out_seq, uint32_t *out_ts);

/* Record that this packet is not forwarded (see contract). */
void seq_rewriter_drop(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq);

/* Like seq_rewriter_drop(), and the seqs missing between the newest one seen
 * and in_seq (lost upstream so far) are dropped as well: should they arrive
 * later (retransmission) they are refused as DROPPED, and the output has no
 * gap for them either. For a muted period this is what we want: nothing sent
 * while muted may reach a subscriber, not even late. (For a drop decision
 * that concerns this packet only, use seq_rewriter_drop.) Only the last
 * SEQRW_DROP_HISTORY seqs of a huge gap are remembered; older ones would be
 * TOO_OLD anyway. */
void seq_rewriter_drop_with_gap(SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq);

/* True if in_seq is newer than every packet seen of the current source (or
 * nothing was forwarded yet, or in_ssrc is another source): the packet would
 * take a new output seq. False for a late/out-of-order packet, whose place is
 * already decided (forward() then says FORWARD into its kept slot, or
 * DROPPED/DUPLICATE/TOO_OLD). Lets a caller that is dropping new packets
 * (mute, keyframe wait) still fill the holes of packets lost before. */
bool seq_rewriter_is_new(const SeqRewriter *rw, uint32_t in_ssrc, uint16_t in_seq);

/* Output seq -> input (ssrc, seq) for one of the last SEQRW_HISTORY
 * forwarded packets; false if unknown or overwritten. */
bool seq_rewriter_reverse(const SeqRewriter *rw, uint16_t out_seq, uint32_t *in_ssrc, uint16_t *in_seq);

/* Map an input timestamp of the current source (e.g. from the publisher's SR)
 * to the output timeline; false before the first forward or for another SSRC. */
bool seq_rewriter_map_ts(const SeqRewriter *rw, uint32_t in_ssrc, uint32_t in_ts, uint32_t *out_ts);

#endif
