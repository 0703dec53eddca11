/* The analyser's datagrams (docs/faces.md, "Wire"): tap -> analyser media,
 * analyser -> tap keyframe requests. Pure: build and parse over bytes.
 *
 *   media:    "PFR1" u8 n_room room u8 n_part participant  RTP packet
 *   keyframe: "PFK1" u8 n_room room u8 n_part participant
 *
 * Names are 1..128 bytes of [A-Za-z0-9_.:@-] (the control protocol's ids). */
#ifndef PARLOUR_FACES_WIRE_H
#define PARLOUR_FACES_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FACES_WIRE_MEDIA "PFR1"
#define FACES_WIRE_KEYFRAME "PFK1"
#define FACES_WIRE_MAX_NAME 128

typedef struct {
  bool keyframe;          /* a PFK1 request; else PFR1 media */
  char room[FACES_WIRE_MAX_NAME + 1];
  char participant[FACES_WIRE_MAX_NAME + 1];
  const uint8_t *rtp;     /* media: points into the datagram */
  size_t rtp_len;
} FacesWireMsg;

/* false on anything malformed (bad magic, lengths, names, an RTP part
 * shorter than an RTP header or present on a keyframe request). */
bool faces_wire_parse(const uint8_t *buf, size_t len, FacesWireMsg *out);

/* Writes the header (and for media, copies rtp after it) into out of size
 * cap; returns the length or 0 when it does not fit or a name is bad. */
size_t faces_wire_build(uint8_t *out, size_t cap, bool keyframe, const char *room,
                        const char *participant, const uint8_t *rtp, size_t rtp_len);

/* "a.b.c.d:port" or "[v6]:port" with a numeric address and port 1..65535:
 * the analyser's addresses in the SFU's and signalling's settings. */
bool faces_wire_hostport_ok(const char *s);

#endif
