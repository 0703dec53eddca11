/* rtp: parse and rewrite RTP packets (RFC 3550) in place, with RFC 8285
 * header extensions (one-byte 0xBEDE and two-byte 0x100X forms) and RFC 4588
 * RTX (un)wrapping.
 *
 * Contract
 * - rtp_parse() fills an RtpView of offsets into the caller's buffer; it never
 *   reads past len and never allocates. A buffer that is truncated or
 *   inconsistent (CSRC list, extension length, padding count beyond the end,
 *   padding count 0, version != 2) is rejected with an RtpStatus and the view
 *   is left zeroed. The view does not own the buffer; it stays valid while the
 *   buffer is unchanged (the in-place setters below keep it valid).
 * - The extension *block* length is validated by rtp_parse(); the elements
 *   inside are validated lazily by the iterator (a malformed element ends the
 *   iteration with it->status != RTP_OK) and by rtp_ext_rewrite_ids().
 * - All setters modify the buffer in place (no allocation: this is the
 *   per-packet forwarding path) and return false only if the buffer is too
 *   short for an RTP fixed header.
 */
#ifndef PARLOUR_SFU_RTP_H
#define PARLOUR_SFU_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HEADER_MIN 12
#define RTP_EXT_PROFILE_ONE_BYTE 0xBEDEu
/* Two-byte form: profile 0x100X, low 4 bits "appbits" (RFC 8285 s.4.3). */
#define RTP_EXT_PROFILE_TWO_BYTE_MASK 0xFFF0u
#define RTP_EXT_PROFILE_TWO_BYTE 0x1000u
/* One-byte form ids are 1..14 (15 is reserved, stops processing). */
#define RTP_EXT_ONE_BYTE_MAX_ID 14

typedef enum {
  RTP_OK = 0,
  RTP_ERR_ARG,          /* NULL buffer/view or other caller error */
  RTP_ERR_TRUNCATED,    /* shorter than the header/CSRC/extension says */
  RTP_ERR_VERSION,      /* version field is not 2 */
  RTP_ERR_PADDING,      /* padding count 0 or longer than the payload */
  RTP_ERR_EXTENSION,    /* malformed extension element */
  RTP_ERR_NO_SPACE,     /* output would not fit the given capacity */
} RtpStatus;

const char *rtp_status_str(RtpStatus st);

typedef enum {
  RTP_EXT_FORM_NONE = 0,  /* no X bit */
  RTP_EXT_FORM_ONE_BYTE,  /* profile 0xBEDE */
  RTP_EXT_FORM_TWO_BYTE,  /* profile 0x100X */
  RTP_EXT_FORM_OTHER,     /* some other profile: opaque block */
} RtpExtForm;

typedef struct {
  uint8_t version;       /* always 2 after a successful parse */
  bool padding;          /* P bit */
  bool extension;        /* X bit */
  uint8_t csrc_count;    /* CC */
  bool marker;           /* M bit */
  uint8_t payload_type;  /* 0..127 */
  uint16_t seq;
  uint32_t timestamp;
  uint32_t ssrc;
  /* Header extension: when extension is true, ext_profile is the 16-bit
   * "defined by profile" word, ext_offset the offset of the elements (just
   * after the 4-byte block header) and ext_len their length in bytes (a
   * multiple of 4, may be 0). */
  RtpExtForm ext_form;
  uint16_t ext_profile;
  size_t ext_offset;
  size_t ext_len;
  size_t header_len;     /* 12 + 4*CC + (X ? 4 + ext_len : 0) */
  size_t payload_offset; /* == header_len */
  size_t payload_len;    /* excludes padding */
  uint8_t padding_len;   /* trailing padding bytes incl. the count byte */
  size_t len;            /* whole packet length as given */
} RtpView;

/* Parse buf[0..len). On error returns non-OK and zeroes *view. */
RtpStatus rtp_parse(const uint8_t *buf, size_t len, RtpView *view);

/* CSRC i (0 <= i < view->csrc_count). */
uint32_t rtp_csrc(const uint8_t *buf, const RtpView *view, unsigned i);

/* In-place setters on a packet of at least RTP_HEADER_MIN bytes. */
bool rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc);
bool rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq);
bool rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t ts);
bool rtp_set_marker(uint8_t *buf, size_t len, bool marker);
bool rtp_set_payload_type(uint8_t *buf, size_t len, uint8_t pt);
/* Cheap reads without a full parse (caller checked len >= 12). */
uint16_t rtp_peek_seq(const uint8_t *buf);
uint32_t rtp_peek_ssrc(const uint8_t *buf);

/* ---- RFC 8285 header extensions ---- */

typedef struct {
  uint8_t id;       /* 1..14 (one-byte) or 1..255 (two-byte) */
  uint8_t len;      /* data length in bytes: 1..16 (one-byte), 0..255 (two-byte) */
  size_t offset;    /* offset of the data in the packet buffer */
} RtpExtElement;

typedef struct {
  const uint8_t *buf;
  size_t pos, end;
  RtpExtForm form;
  RtpStatus status; /* RTP_ERR_EXTENSION if iteration stopped on bad data */
} RtpExtIter;

/* Iterate the elements of a parsed packet, skipping padding bytes. For
 * RTP_EXT_FORM_NONE/OTHER the iteration is empty. */
void rtp_ext_iter_init(RtpExtIter *it, const uint8_t *buf, const RtpView *view);
/* Returns true and fills *el for each element; false at the end or on a
 * malformed element (then it->status says which). */
bool rtp_ext_iter_next(RtpExtIter *it, RtpExtElement *el);

/* First element with this id; false if absent or malformed before it. */
bool rtp_ext_find(const uint8_t *buf, const RtpView *view, uint8_t id, RtpExtElement *el);

/* Rewrite extension ids in place: map[old_id] is the new id, 0 means drop.
 * A dropped element (and one whose new id cannot be represented in the
 * packet's form, i.e. > 14 in one-byte form) is overwritten with zero bytes,
 * which RFC 8285 defines as padding, so the packet length and every other
 * offset stay the same: no allocation, no memmove on the forward path. The
 * count of dropped elements goes to *dropped (may be NULL). Returns
 * RTP_ERR_EXTENSION (buffer possibly partly rewritten: drop the packet) when
 * an element is malformed. Packets without RFC 8285 extensions: RTP_OK. */
RtpStatus rtp_ext_rewrite_ids(uint8_t *buf, const RtpView *view, const uint8_t map[256],
                              unsigned *dropped);

/* Set element `id` to data[0..dlen), adding it when the packet lacks it
 * (the transport-cc seq the SFU stamps on every packet toward a subscriber:
 * a publisher's packet rarely carries one to overwrite). In place; *len is
 * the packet length, cap the buffer's capacity, and *view is re-parsed.
 * - present with the same length: overwritten, nothing moves;
 * - absent: written into the zero padding at the end of the extension
 *   block when it fits (elements dropped by rtp_ext_rewrite_ids are such
 *   padding), else the block grows by whole 32-bit words (payload and RTP
 *   padding move up); a packet without extensions gets a one-byte (0xBEDE)
 *   block, or a two-byte one when id > 14 or dlen is 0 or > 16.
 * Errors change nothing: RTP_ERR_NO_SPACE (cap too small),
 * RTP_ERR_EXTENSION (malformed block, present with another length, an
 * opaque profile, or id/dlen not representable in the packet's one-byte
 * form), RTP_ERR_ARG (NULLs, id 0, an unparsable packet). */
RtpStatus rtp_ext_set(uint8_t *buf, size_t *len, size_t cap, RtpView *view, uint8_t id, const uint8_t *data,
                      uint8_t dlen);

/* RFC 6464 audio level element (one data byte): V flag and level in -dBov
 * (0 loudest .. 127 silence). False if absent or of the wrong length. */
bool rtp_ext_audio_level(const uint8_t *buf, const RtpView *view, uint8_t id, bool *voice,
                         uint8_t *level);

/* ---- RFC 4588 RTX ---- */

/* Turn an RTX packet (payload starts with the 2-byte original sequence
 * number) back into the original packet in place: seq := OSN, ssrc :=
 * orig_ssrc, pt := orig_pt, payload moved down 2 bytes. *new_len gets the
 * new length. Padding is dropped (P bit cleared). The view is stale after. */
RtpStatus rtp_rtx_unwrap(uint8_t *buf, const RtpView *view, uint32_t orig_ssrc, uint8_t orig_pt,
                         size_t *new_len);

/* Build an RTX packet from an original one into out (cap bytes): same header
 * with rtx_ssrc/rtx_pt/rtx_seq, OSN inserted before the payload, padding
 * dropped. Returns RTP_ERR_NO_SPACE if cap < orig payload+header+2. */
RtpStatus rtp_rtx_wrap(const uint8_t *orig, const RtpView *view, uint32_t rtx_ssrc, uint8_t rtx_pt,
                       uint16_t rtx_seq, uint8_t *out, size_t cap, size_t *out_len);

#endif
