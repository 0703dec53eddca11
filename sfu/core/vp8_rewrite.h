/* vp8_rewrite: one continuous VP8 PictureID / TL0PICIDX sequence per
 * subscription across simulcast layer switches.
 *
 * Why: each simulcast layer is its own encoder with its own PictureID and
 * TL0PICIDX sequences (Chromium starts them at random values). The router
 * already makes sequence numbers and timestamps continuous at a switch, but
 * forwarded unchanged these two fields jump, and the receiver's frame
 * reference finder (libwebrtc keys frames and base-layer references by
 * them) can then file the new layer's delta frames against the old layer's
 * ids: they wait for references that never come until the receiver gives
 * up (~3 s in Chromium) and asks for a keyframe — a freeze after an
 * otherwise clean switch. So at a switch (the first packet of another
 * layer, always a keyframe start: the router switches only there) the
 * offsets are set so the new layer continues at last + 1, and every later
 * packet of that layer is shifted by them.
 *
 * Contract: sans-IO, no allocation; the payload is rewritten in place and
 * never changes length (a 7-bit PictureID stays 7-bit, modulo 128). A
 * packet without PictureID and TL0PICIDX is left alone.
 * vp8_rewrite_apply returns false for a packet of a layer other than the
 * current one (a late retransmission from before the switch: its ids would
 * be wrong; do not send it). */
#ifndef PARLOUR_SFU_VP8_REWRITE_H
#define PARLOUR_SFU_VP8_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  bool started;
  unsigned layer;       /* source layer the offsets belong to */
  uint16_t pid_off;     /* added to PictureID, modulo 2^15 (2^7 for 7-bit) */
  uint8_t tl0_off;      /* added to TL0PICIDX, modulo 2^8 */
  bool have_pid, have_tl0;
  uint16_t max_pid;     /* highest PictureID sent (15-bit space) */
  uint8_t max_tl0;      /* highest TL0PICIDX sent */
  uint64_t switches;
} Vp8Rewrite;

void vp8_rewrite_init(Vp8Rewrite *w);
/* A packet of source `layer` about to be sent: rewrite payload[0..len) in
 * place. switch_ok: this packet may start a new layer (a forwarded packet,
 * not a retransmission). False: do not send it (see above). */
bool vp8_rewrite_apply(Vp8Rewrite *w, unsigned layer, bool switch_ok, uint8_t *payload,
                       size_t len);

#endif
