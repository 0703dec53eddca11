#include "vp8_rewrite.h"

#include <string.h>

#include "codec_keyframe.h"

void vp8_rewrite_init(Vp8Rewrite *w) { memset(w, 0, sizeof *w); }

/* a is ahead of b in a space of 2^bits (serial number arithmetic). */
static bool ahead(uint32_t a, uint32_t b, unsigned bits) {
  uint32_t mask = (1u << bits) - 1, d = (a - b) & mask;
  return d != 0 && d < (1u << (bits - 1));
}

/* Offsets of the PictureID and TL0PICIDX bytes in the descriptor (0: none). */
static void field_offsets(const uint8_t *p, const Vp8Descriptor *d, size_t *pid_at,
                          size_t *tl0_at) {
  *pid_at = *tl0_at = 0;
  if (!(p[0] & 0x80)) return;
  size_t i = 2;
  if (d->has_picture_id) {
    *pid_at = i;
    i += d->picture_id_15bit ? 2 : 1;
  }
  if (d->has_tl0picidx) *tl0_at = i;
}

bool vp8_rewrite_apply(Vp8Rewrite *w, unsigned layer, bool switch_ok, uint8_t *payload,
                       size_t len) {
  Vp8Descriptor d;
  if (!payload || !codec_vp8_parse_descriptor(payload, len, &d)) return true;
  if (!d.has_picture_id && !d.has_tl0picidx) return true;
  if (!w->started) {
    w->started = true;
    w->layer = layer;
  } else if (layer != w->layer) {
    if (!switch_ok) return false;
    /* Continue at last + 1 (the first packet of the new layer is the start
     * of its keyframe, see the router). */
    if (d.has_picture_id && w->have_pid)
      w->pid_off = (uint16_t)((w->max_pid + 1u - d.picture_id) & 0x7fff);
    if (d.has_tl0picidx && w->have_tl0) w->tl0_off = (uint8_t)(w->max_tl0 + 1u - d.tl0picidx);
    w->layer = layer;
    w->switches++;
  }
  size_t pid_at, tl0_at;
  field_offsets(payload, &d, &pid_at, &tl0_at);
  if (d.has_picture_id) {
    uint16_t out;
    if (d.picture_id_15bit) {
      out = (uint16_t)((d.picture_id + w->pid_off) & 0x7fff);
      payload[pid_at] = (uint8_t)(0x80 | (out >> 8));
      payload[pid_at + 1] = (uint8_t)(out & 0xff);
      if (!w->have_pid || ahead(out, w->max_pid, 15)) w->max_pid = out;
    } else {
      out = (uint16_t)((d.picture_id + w->pid_off) & 0x7f);
      payload[pid_at] = (uint8_t)out;
      /* Kept in the 15-bit space so a later 15-bit layer continues from it. */
      if (!w->have_pid || ahead(out, w->max_pid & 0x7f, 7))
        w->max_pid = (uint16_t)((w->max_pid & 0x7f80) | out);
    }
    w->have_pid = true;
  }
  if (d.has_tl0picidx) {
    uint8_t out = (uint8_t)(d.tl0picidx + w->tl0_off);
    payload[tl0_at] = out;
    if (!w->have_tl0 || ahead(out, w->max_tl0, 8)) w->max_tl0 = out;
    w->have_tl0 = true;
  }
  return true;
}
