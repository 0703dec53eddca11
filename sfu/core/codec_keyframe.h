/* codec_keyframe: does this RTP payload start a keyframe? Used to start a new
 * subscriber (or a simulcast switch) on a decodable picture and to notice
 * that a keyframe request was answered.
 *
 *   VP8  (RFC 7741): payload descriptor (X, I/M picture id, L, T/K fields),
 *        S=1 and PID=0 (start of partition 0), then the VP8 frame tag with
 *        P=0 (key frame) and the key-frame start code 9d 01 2a.
 *   VP9  (RFC 9628): descriptor P=0 (not inter-predicted) and B=1 (start of
 *        frame) and, when layer indices are present (L), spatial id 0. The
 *        descriptor is walked (I, L, F/P_DIFF, V scalability structure) to
 *        check the packet holds it entirely.
 *   H264 (RFC 6184, packetization-mode 1): single NAL of type 5 (IDR) or 7
 *        (SPS, which precedes an IDR), STAP-A containing one of those, or
 *        FU-A with the S bit whose fragment type is 5 or 7.
 *
 * Pure functions of the bytes; never read past len; malformed => false.
 */
#ifndef PARLOUR_SFU_CODEC_KEYFRAME_H
#define PARLOUR_SFU_CODEC_KEYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  CODEC_UNKNOWN = 0,
  CODEC_VP8,
  CODEC_VP9,
  CODEC_H264,
  CODEC_OPUS,
} CodecId;

/* From an SDP encoding name (rtpmap), case-insensitive: "VP8", "VP9",
 * "H264", "opus"; CODEC_UNKNOWN otherwise (or NULL). */
CodecId codec_from_name(const char *encoding_name);

bool codec_keyframe_vp8(const uint8_t *payload, size_t len);
bool codec_keyframe_vp9(const uint8_t *payload, size_t len);
bool codec_keyframe_h264(const uint8_t *payload, size_t len);
/* Dispatch on codec; false for audio/unknown. */
bool codec_is_keyframe_start(CodecId codec, const uint8_t *payload, size_t len);

/* VP8 payload descriptor fields, for simulcast/temporal layer decisions. */
typedef struct {
  bool start_of_partition;   /* S */
  uint8_t partition_id;      /* PID */
  bool non_reference;        /* N */
  bool has_picture_id;
  uint16_t picture_id;       /* 7 or 15 bits */
  bool picture_id_15bit;
  bool has_tl0picidx;
  uint8_t tl0picidx;
  bool has_tid;
  uint8_t tid;
  bool layer_sync;           /* Y */
  bool has_keyidx;
  uint8_t keyidx;
  size_t descriptor_len;     /* bytes before the VP8 payload */
} Vp8Descriptor;

/* False if the descriptor does not fit in len. */
bool codec_vp8_parse_descriptor(const uint8_t *payload, size_t len, Vp8Descriptor *d);

#endif
