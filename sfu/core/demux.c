/* RFC 7983 first-byte demultiplexing; see demux.h. */
#include "demux.h"

DemuxKind demux_classify(const uint8_t *buf, size_t len) {
  if (buf == NULL || len == 0) return DEMUX_UNKNOWN;
  uint8_t b = buf[0];
  if (b <= 3) return len >= 20 ? DEMUX_STUN : DEMUX_UNKNOWN;
  if (b >= 16 && b <= 19) return len >= 12 ? DEMUX_ZRTP : DEMUX_UNKNOWN;
  if (b >= 20 && b <= 63) return len >= 13 ? DEMUX_DTLS : DEMUX_UNKNOWN;
  if (b >= 64 && b <= 79) return len >= 4 ? DEMUX_TURN_CHANNEL : DEMUX_UNKNOWN;
  if (b >= 128 && b <= 191) {
    if (len < 2) return DEMUX_UNKNOWN;
    /* RFC 5761 s.4: RTCP packet types 192..223 are the RTP payload types
     * 64..95 with the marker bit set, which rtcp-mux forbids for RTP. */
    uint8_t pt = buf[1] & 0x7f;
    if (pt >= 64 && pt <= 95) return len >= 4 ? DEMUX_RTCP : DEMUX_UNKNOWN;
    return len >= 12 ? DEMUX_RTP : DEMUX_UNKNOWN;
  }
  return DEMUX_UNKNOWN;
}

const char *demux_kind_name(DemuxKind kind) {
  switch (kind) {
  case DEMUX_STUN: return "stun";
  case DEMUX_ZRTP: return "zrtp";
  case DEMUX_DTLS: return "dtls";
  case DEMUX_TURN_CHANNEL: return "turn_channel";
  case DEMUX_RTP: return "rtp";
  case DEMUX_RTCP: return "rtcp";
  case DEMUX_UNKNOWN: break;
  }
  return "unknown";
}
