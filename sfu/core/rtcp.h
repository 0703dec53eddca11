/* rtcp: parse compound RTCP (RFC 3550, 4585, 5104, draft-alvestrand-rmcat-remb,
 * draft-holmer-rmcat-transport-wide-cc-extensions) and build the messages the
 * SFU sends. Termination per leg (which SSRCs, when) is the caller's job; this
 * module gives the parts.
 *
 * Parsing contract
 * - rtcp_iter_* walks every packet of a compound buffer. Each packet's
 *   version (2), length field (must fit in what remains) and, for the last
 *   packet, padding are checked; per-type minimum sizes are checked before a
 *   field is read. A malformed packet stops the walk with it->status set; the
 *   packets already returned were valid. Never reads past len, no allocation.
 * - Reduced-size RTCP (RFC 5506) is accepted: a compound need not start with
 *   SR/RR. rtcp_validate() additionally reports an empty buffer as an error.
 * - Variable-length lists (report blocks, BYE SSRCs, NACK items, FIR entries,
 *   REMB SSRCs) are exposed by count plus accessor functions reading the
 *   packet bytes, so RtcpPacket stays small; accessors need a packet that
 *   came from the iterator and an index < count.
 *
 * Building contract
 * - rtcp_build_* write one RTCP packet into out[0..cap) and return its length
 *   in bytes (a multiple of 4), or 0 if it does not fit / arguments are
 *   invalid (nothing useful is written then). Concatenate for a compound.
 */
#ifndef PARLOUR_SFU_RTCP_H
#define PARLOUR_SFU_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  RTCP_PT_SR = 200,
  RTCP_PT_RR = 201,
  RTCP_PT_SDES = 202,
  RTCP_PT_BYE = 203,
  RTCP_PT_APP = 204,
  RTCP_PT_RTPFB = 205,
  RTCP_PT_PSFB = 206,
  RTCP_PT_XR = 207,
};
/* FMT values */
enum {
  RTCP_RTPFB_NACK = 1,
  RTCP_RTPFB_TWCC = 15,
  RTCP_PSFB_PLI = 1,
  RTCP_PSFB_FIR = 4,
  RTCP_PSFB_AFB = 15, /* application layer feedback; REMB when it starts "REMB" */
};

#define RTCP_HEADER_LEN 4
#define RTCP_MAX_REPORT_BLOCKS 31
#define RTCP_REMB_MAX_SSRCS 255

typedef enum {
  RTCP_OK = 0,
  RTCP_ERR_ARG,
  RTCP_ERR_TRUNCATED,  /* length field or fixed fields beyond the buffer */
  RTCP_ERR_VERSION,
  RTCP_ERR_LENGTH,     /* length inconsistent with the type (e.g. RC blocks don't fit) */
  RTCP_ERR_PADDING,    /* padding on a non-last packet, count 0 or too big */
  RTCP_ERR_MALFORMED,  /* type-specific content invalid */
  RTCP_ERR_EMPTY,      /* no packet at all */
} RtcpStatus;

const char *rtcp_status_str(RtcpStatus st);

/* One report block (SR/RR). cumulative_lost is the signed 24-bit field. */
typedef struct {
  uint32_t ssrc;
  uint8_t fraction_lost;    /* fixed point /256 */
  int32_t cumulative_lost;  /* -8388608 .. 8388607 */
  uint32_t ext_highest_seq;
  uint32_t jitter;          /* in RTP timestamp units */
  uint32_t lsr;             /* middle 32 bits of the last SR's NTP time */
  uint32_t dlsr;            /* 1/65536 s */
} RtcpReportBlock;

typedef struct {
  uint32_t ssrc;
  uint64_t ntp;             /* 32.32 fixed point seconds since 1900 */
  uint32_t rtp_ts;
  uint32_t packet_count;
  uint32_t octet_count;
} RtcpSenderInfo;

typedef enum {
  RTCP_KIND_UNKNOWN = 0, /* APP, XR, unknown PT or FMT: header fields only */
  RTCP_KIND_SR,
  RTCP_KIND_RR,
  RTCP_KIND_SDES,
  RTCP_KIND_BYE,
  RTCP_KIND_NACK,
  RTCP_KIND_TWCC,
  RTCP_KIND_PLI,
  RTCP_KIND_FIR,
  RTCP_KIND_REMB,
  RTCP_KIND_AFB_OTHER,   /* PSFB FMT 15 that is not REMB */
} RtcpKind;

typedef struct {
  RtcpKind kind;
  uint8_t pt;
  uint8_t fmt;            /* RC / SC / FMT field */
  const uint8_t *data;    /* the packet, header included */
  size_t len;             /* packet length incl. header, excl. trailing padding */
  /* Feedback messages (RTPFB/PSFB): */
  uint32_t sender_ssrc;
  uint32_t media_ssrc;
  /* Count of items in the variable list of this kind (see accessors). */
  unsigned count;
  union {
    struct { RtcpSenderInfo info; } sr;          /* + count report blocks */
    struct { uint32_t ssrc; } rr;                /* + count report blocks */
    struct {                                     /* count = chunks */
      uint32_t first_ssrc;
      const uint8_t *first_cname; /* not NUL-terminated; NULL if none */
      uint8_t first_cname_len;
    } sdes;
    struct { const uint8_t *reason; uint8_t reason_len; } bye; /* count = SSRCs */
    /* nack: count = FCI items (PID+BLP) */
    struct {
      uint16_t base_seq;
      uint16_t status_count;
      int32_t reference_time;  /* signed 24-bit, units of 64 ms */
      uint8_t fb_pkt_count;
    } twcc;
    /* fir: count = FCI entries */
    struct { uint64_t bitrate_bps; } remb;       /* count = SSRCs */
  } u;
} RtcpPacket;

typedef struct {
  const uint8_t *buf;
  size_t len, pos;
  RtcpStatus status;
} RtcpIter;

void rtcp_iter_init(RtcpIter *it, const uint8_t *buf, size_t len);
/* Next packet into *pkt; false at the end (status RTCP_OK) or on error. */
bool rtcp_iter_next(RtcpIter *it, RtcpPacket *pkt);
/* Walk everything; RTCP_OK if the whole compound is well-formed and non-empty. */
RtcpStatus rtcp_validate(const uint8_t *buf, size_t len);

/* Accessors (i < pkt->count). */
bool rtcp_report_block(const RtcpPacket *pkt, unsigned i, RtcpReportBlock *out); /* SR, RR */
uint32_t rtcp_bye_ssrc(const RtcpPacket *pkt, unsigned i);
/* NACK item i as PID and BLP. */
void rtcp_nack_item(const RtcpPacket *pkt, unsigned i, uint16_t *pid, uint16_t *blp);
/* All sequence numbers requested by a NACK, in packet order (PID, then BLP
 * bits low to high), into seqs[0..max). Returns how many there are in total
 * (may exceed max: then only max were written). */
size_t rtcp_nack_seqs(const RtcpPacket *pkt, uint16_t *seqs, size_t max);
void rtcp_fir_entry(const RtcpPacket *pkt, unsigned i, uint32_t *ssrc, uint8_t *seq_nr);
uint32_t rtcp_remb_ssrc(const RtcpPacket *pkt, unsigned i);

/* TWCC: expand packet statuses and receive deltas. status[k] is
 * 0 not received, 1 small delta, 2 large/negative delta; delta_250us[k] is the
 * receive delta in 250 us units (0 when not received). k runs over
 * pkt->u.twcc.status_count packets from base_seq. Returns RTCP_OK or
 * RTCP_ERR_MALFORMED (chunks/deltas don't fit); arrays must hold max entries,
 * RTCP_ERR_ARG if status_count > max. */
RtcpStatus rtcp_twcc_expand(const RtcpPacket *pkt, uint8_t *status, int32_t *delta_250us, size_t max);

/* ---- builders ---- */
size_t rtcp_build_sr(uint8_t *out, size_t cap, const RtcpSenderInfo *si, const RtcpReportBlock *blocks,
                     unsigned n_blocks);
size_t rtcp_build_rr(uint8_t *out, size_t cap, uint32_t sender_ssrc, const RtcpReportBlock *blocks,
                     unsigned n_blocks);
/* SDES with one chunk holding one CNAME item (cname_len <= 255). */
size_t rtcp_build_sdes_cname(uint8_t *out, size_t cap, uint32_t ssrc, const char *cname, size_t cname_len);
size_t rtcp_build_bye(uint8_t *out, size_t cap, const uint32_t *ssrcs, unsigned n_ssrcs);
/* Generic NACK covering every seq in seqs[0..n). Consecutive runs within
 * 17 of a PID share one item; any order is accepted (ascending mod 2^16, as
 * nack_generator gives, is the most compact). Duplicates are harmless. */
size_t rtcp_build_nack(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n);
size_t rtcp_build_pli(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc);
/* FIR (RFC 5104): media SSRC field 0, one FCI entry for media_ssrc. The
 * caller increments seq_nr per new request (not on repetitions). */
size_t rtcp_build_fir(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr);
/* REMB: bitrate encoded as 18-bit mantissa and 6-bit exponent, rounded down. */
size_t rtcp_build_remb(uint8_t *out, size_t cap, uint32_t sender_ssrc, uint64_t bitrate_bps,
                       const uint32_t *ssrcs, unsigned n_ssrcs);

/* ---- time helpers for SR/RR ---- */
/* NTP 32.32 time from a wall-clock time in microseconds since the Unix epoch. */
uint64_t rtcp_ntp_from_unix_us(int64_t unix_us);
/* Middle 32 bits of an NTP time (the LSR/DLSR unit base, 1/65536 s). */
static inline uint32_t rtcp_ntp_mid32(uint64_t ntp) { return (uint32_t)(ntp >> 16); }
/* Round-trip time from a report block we received (RFC 3550 s.6.4.1):
 * now_mid32 - lsr - dlsr, in microseconds; -1 if lsr is 0 (no SR yet) or
 * the result is negative (clock trouble). */
int64_t rtcp_rtt_us(uint32_t now_mid32, uint32_t lsr, uint32_t dlsr);

#endif
