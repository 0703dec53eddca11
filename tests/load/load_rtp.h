/* load_rtp: RTP packetisation of the sample media and the loadgen's
 * timestamp header extensions.
 *
 * Sender side
 * - VP8 (RFC 7741): a frame is cut into packets of at most max_payload
 *   bytes of frame data, each with a 4-byte payload descriptor (X=1, I=1,
 *   15-bit PictureID, S=1 on the first packet, partition index 0); the
 *   marker bit is set on the frame's last packet.
 * - Opus (RFC 7587): one packet per Opus packet, marker never set.
 * - Every packet carries an RFC 8285 one-byte header extension block with
 *   the elements whose id is non-zero: abs-send-time (3 bytes, 6.18 fixed
 *   point seconds of the sender's wall clock, wraps every 64 s),
 *   abs-capture-time (8 bytes, NTP 32.32 of the sender's wall clock),
 *   sdes:mid and, for a simulcast layer, sdes:rtp-stream-id (the layer's
 *   RID, on every packet as Chromium sends it). The receiver reads
 *   whichever timestamp the server kept to compute the one-way added
 *   latency (sender and receiver are one process, one clock).
 *
 * - When the sender's `trailer` is set, every packet also carries its send
 *   time in RTP padding (RFC 3550 s.5.1): 12 padding octets "PL", the wall
 *   clock µs (8 bytes, big-endian), 0, and the count 12. Servers forward
 *   padding untouched while some (Janus) rewrite abs-send-time with their
 *   own clock, so the trailer is the measure that means the same thing for
 *   every server. Decoders ignore padding.
 *
 * Buffers: load_rtp_build() writes at most LOAD_RTP_MAX_PACKET bytes; the
 * caller gives room for the SRTP trailer beyond that.
 */
#ifndef PARLOUR_LOAD_RTP_H
#define PARLOUR_LOAD_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOAD_RTP_MAX_PACKET 1300
#define LOAD_VP8_MAX_PAYLOAD 1100 /* frame bytes per packet */
#define LOAD_VP8_DESC_LEN 4

#define LOAD_URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define LOAD_URI_ABS_CAPTURE_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
#define LOAD_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define LOAD_URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"

typedef struct {
  uint8_t abs_send_time; /* 0 = not negotiated */
  uint8_t abs_capture_time;
  uint8_t mid;
  const char *mid_value; /* for the mid element (1..16 bytes) */
  uint8_t rid;           /* RID extension id, 0 = none */
  const char *rid_value; /* the layer's RID (1..16 bytes) */
} LoadRtpExtIds;

typedef struct {
  uint32_t ssrc;
  uint8_t payload_type;
  uint16_t seq;          /* next sequence number */
  uint16_t picture_id;   /* VP8 15-bit PictureID of the next frame */
  LoadRtpExtIds ext;
  bool trailer;          /* send-time trailer in RTP padding */
} LoadRtpSender;

#define LOAD_TRAILER_LEN 12

/* Number of packets a VP8 frame of frame_len bytes is cut into. */
unsigned load_vp8_packet_count(size_t frame_len);

/* Build packet `index` (0-based) of a VP8 frame into out (cap bytes); the
 * sequence number is taken from s->seq and advanced. Returns the packet
 * length, 0 if cap is too small or index out of range. Advance
 * s->picture_id yourself after the frame's last packet. */
size_t load_rtp_build_vp8(LoadRtpSender *s, const uint8_t *frame, size_t frame_len,
                          unsigned index, uint32_t rtp_ts, int64_t wall_us, uint8_t *out,
                          size_t cap);
/* Build one Opus packet. */
size_t load_rtp_build_opus(LoadRtpSender *s, const uint8_t *pkt, size_t len, uint32_t rtp_ts,
                           int64_t wall_us, uint8_t *out, size_t cap);

/* Timestamp encodings. */
uint32_t load_abs_send_time(int64_t wall_us);     /* 24-bit 6.18 */
uint64_t load_ntp_from_wall(int64_t wall_us);     /* NTP 32.32 */
/* Latency in µs from the values read back at wall time now_us. The abs-send
 * form is taken modulo its 64 s wrap (a result is always 0..64 s). */
int64_t load_latency_from_abs_send(uint32_t sent24, int64_t now_us);
int64_t load_latency_from_capture(uint64_t ntp, int64_t now_us);

/* The send time from a packet's padding trailer; false when the packet has
 * none (padding_len from rtp_parse()). */
bool load_rtp_trailer_time(const uint8_t *pkt, size_t len, size_t padding_len, int64_t *wall_us);

/* Receiver side: a VP8 RTP payload (descriptor first) starts a key frame:
 * S=1, partition 0, and the frame tag's P bit is 0. */
bool load_vp8_payload_is_keyframe_start(const uint8_t *payload, size_t len);

#endif
