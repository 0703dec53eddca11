/* load_media: the loadgen's sample media, read from simple containers into
 * memory: VP8 frames from an IVF file, Opus packets from an Ogg file.
 *
 * Contract
 * - The parsers take a whole file image and validate every length against
 *   it: a truncated or malformed container is refused with a reason, never
 *   read past its end. On success the LoadTrack owns a copy of the image and
 *   its frames point into it; load_track_clear() frees both.
 * - Each frame carries its duration in RTP clock units (90 kHz for video from
 *   the IVF time base, 48 kHz for Opus from each packet's TOC byte), so a
 *   sender can loop the file with continuous timestamps.
 */
#ifndef PARLOUR_LOAD_MEDIA_H
#define PARLOUR_LOAD_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *data;
  size_t len;
  uint32_t duration;  /* RTP clock units */
  bool keyframe;      /* VP8: a key frame (decodable on its own); Opus: always */
} LoadFrame;

typedef struct {
  uint8_t *image;     /* the container file, owned */
  size_t image_len;
  LoadFrame *frames;  /* owned array, n_frames long */
  size_t n_frames;
  uint32_t clock_rate;
  uint64_t total_bytes;    /* sum of frame lengths */
  uint64_t total_duration; /* sum of durations, clock units */
  unsigned width, height;  /* video only */
} LoadTrack;

/* Parse an IVF file image holding VP8 ("VP80"). */
bool load_ivf_parse(const uint8_t *data, size_t len, LoadTrack *out, char *err, size_t errsize);
/* Parse an Ogg file image with one Opus logical stream (OpusHead, OpusTags,
 * then audio packets; page CRCs are checked). */
bool load_ogg_opus_parse(const uint8_t *data, size_t len, LoadTrack *out, char *err,
                         size_t errsize);
/* Read a file and parse it by the function above. */
bool load_track_open(const char *path, bool video, LoadTrack *out, char *err, size_t errsize);
void load_track_clear(LoadTrack *t);

/* Duration of one Opus packet in 48 kHz samples from its TOC (RFC 6716
 * s.3.1); 0 for an empty or malformed packet. */
uint32_t load_opus_packet_samples(const uint8_t *pkt, size_t len);
/* A VP8 frame (not RTP payload) is a key frame: bit 0 of byte 0 is 0 and
 * the start code 9d 01 2a follows the 3-byte tag. */
bool load_vp8_frame_is_key(const uint8_t *frame, size_t len);

/* Average bitrate of a track in bits per second. */
double load_track_bitrate(const LoadTrack *t);

#endif
