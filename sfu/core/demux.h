/* demux: classify one UDP payload received on a BUNDLEd, rtcp-mux'ed media
 * socket by its first byte(s), per RFC 7983 (and RFC 5761 for RTP vs RTCP).
 *
 *   first byte   0..3     STUN         (needs >= 20 bytes, the STUN header)
 *               16..19    ZRTP         (>= 12 bytes; reported, never used by Parlour)
 *               20..63    DTLS         (needs >= 13 bytes, a DTLS record header)
 *               64..79    TURN channel (reported; we are not a TURN server)
 *              128..191   RTP or RTCP  (version 2). RTCP when the second byte
 *                         (marker bit masked off) is 64..95, i.e. packet type
 *                         192..223 (RFC 5761 s.4); RTP needs >= 12 bytes,
 *                         RTCP >= 4.
 *   anything else, or too short for its kind: DEMUX_UNKNOWN (drop it).
 *
 * Sans-IO: pure function of the bytes, no allocation, never reads past len.
 * Classification is not validation: the chosen parser still validates. */
#ifndef PARLOUR_SFU_DEMUX_H
#define PARLOUR_SFU_DEMUX_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  DEMUX_UNKNOWN = 0,
  DEMUX_STUN,
  DEMUX_ZRTP,
  DEMUX_DTLS,
  DEMUX_TURN_CHANNEL,
  DEMUX_RTP,
  DEMUX_RTCP,
} DemuxKind;

/* buf may be NULL only when len == 0. */
DemuxKind demux_classify(const uint8_t *buf, size_t len);

/* Static lower-case name ("stun", "dtls", "rtp", "rtcp", ...), for logs. */
const char *demux_kind_name(DemuxKind kind);

#endif
