#include "load_media.h"

#include <glib.h>
#include <string.h>

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static bool fail(char *err, size_t errsize, const char *msg, LoadTrack *t) {
  if (err && errsize) g_strlcpy(err, msg, errsize);
  load_track_clear(t);
  return false;
}

void load_track_clear(LoadTrack *t) {
  if (!t) return;
  g_free(t->image);
  g_free(t->frames);
  memset(t, 0, sizeof *t);
}

bool load_vp8_frame_is_key(const uint8_t *f, size_t len) {
  return len >= 10 && (f[0] & 1) == 0 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a;
}

double load_track_bitrate(const LoadTrack *t) {
  if (!t->total_duration || !t->clock_rate) return 0;
  return (double)t->total_bytes * 8.0 * t->clock_rate / (double)t->total_duration;
}

/* Frames are collected in a GArray and handed over at the end. */
static void add_frame(GArray *a, const uint8_t *d, size_t len, uint32_t dur, bool key) {
  LoadFrame f = {.data = d, .len = len, .duration = dur, .keyframe = key};
  g_array_append_val(a, f);
}

static void finish(LoadTrack *t, GArray *a) {
  t->n_frames = a->len;
  t->frames = (LoadFrame *)g_array_free(a, FALSE);
  for (size_t i = 0; i < t->n_frames; i++) {
    t->total_bytes += t->frames[i].len;
    t->total_duration += t->frames[i].duration;
  }
}

bool load_ivf_parse(const uint8_t *data, size_t len, LoadTrack *out, char *err, size_t errsize) {
  memset(out, 0, sizeof *out);
  if (!data || len < 32) return fail(err, errsize, "IVF: shorter than its 32-byte header", out);
  if (memcmp(data, "DKIF", 4) != 0) return fail(err, errsize, "IVF: no DKIF signature", out);
  uint16_t hdr = le16(data + 6);
  if (hdr < 32 || hdr > len) return fail(err, errsize, "IVF: bad header length", out);
  if (memcmp(data + 8, "VP80", 4) != 0) return fail(err, errsize, "IVF: codec is not VP80", out);
  /* Time base: rate (denominator) then scale (numerator); a frame lasts
   * scale/rate seconds. */
  uint32_t rate = le32(data + 16), scale = le32(data + 20);
  if (rate == 0 || scale == 0 || (uint64_t)scale * 90000 / rate == 0 ||
      (uint64_t)scale * 90000 / rate > 90000)
    return fail(err, errsize, "IVF: bad time base", out);
  uint32_t dur = (uint32_t)((uint64_t)scale * 90000 / rate);
  out->image = g_memdup2(data, len);
  out->image_len = len;
  out->clock_rate = 90000;
  out->width = le16(data + 12);
  out->height = le16(data + 14);
  GArray *a = g_array_new(FALSE, FALSE, sizeof(LoadFrame));
  size_t pos = hdr;
  while (pos < len) {
    if (len - pos < 12) {
      g_array_free(a, TRUE);
      return fail(err, errsize, "IVF: truncated frame header", out);
    }
    uint32_t fl = le32(out->image + pos);
    pos += 12;
    if (fl == 0 || fl > len - pos) {
      g_array_free(a, TRUE);
      return fail(err, errsize, "IVF: frame length beyond the end of the file", out);
    }
    const uint8_t *f = out->image + pos;
    add_frame(a, f, fl, dur, load_vp8_frame_is_key(f, fl));
    pos += fl;
  }
  if (a->len == 0) {
    g_array_free(a, TRUE);
    return fail(err, errsize, "IVF: no frames", out);
  }
  if (!g_array_index(a, LoadFrame, 0).keyframe) {
    g_array_free(a, TRUE);
    return fail(err, errsize, "IVF: the first frame is not a VP8 key frame", out);
  }
  finish(out, a);
  return true;
}

uint32_t load_opus_packet_samples(const uint8_t *p, size_t len) {
  if (!p || len < 1) return 0;
  unsigned config = p[0] >> 3;
  uint32_t per_frame; /* samples at 48 kHz */
  if (config < 12) {
    static const uint32_t silk[4] = {480, 960, 1920, 2880};
    per_frame = silk[config & 3];
  } else if (config < 16) {
    per_frame = (config & 1) ? 960 : 480;
  } else {
    static const uint32_t celt[4] = {120, 240, 480, 960};
    per_frame = celt[config & 3];
  }
  unsigned frames;
  switch (p[0] & 3) {
  case 0: frames = 1; break;
  case 1:
  case 2: frames = 2; break;
  default:
    if (len < 2) return 0;
    frames = p[1] & 0x3f;
    break;
  }
  uint32_t total = per_frame * frames;
  if (frames == 0 || total > 5760) return 0; /* RFC 6716: at most 120 ms */
  return total;
}

static uint32_t ogg_crc_table[256];
static void ogg_crc_init(void) {
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t r = i << 24;
      for (int j = 0; j < 8; j++) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
      ogg_crc_table[i] = r;
    }
    g_once_init_leave(&done, 1);
  }
}

static uint32_t ogg_crc(const uint8_t *p, size_t len) {
  uint32_t crc = 0;
  for (size_t i = 0; i < len; i++) {
    /* The CRC field itself (bytes 22..25) counts as zero. */
    uint8_t b = (i >= 22 && i < 26) ? 0 : p[i];
    crc = (crc << 8) ^ ogg_crc_table[((crc >> 24) & 0xff) ^ b];
  }
  return crc;
}

bool load_ogg_opus_parse(const uint8_t *data, size_t len, LoadTrack *out, char *err,
                         size_t errsize) {
  memset(out, 0, sizeof *out);
  if (!data || len < 27) return fail(err, errsize, "Ogg: shorter than one page header", out);
  ogg_crc_init();
  out->image = g_memdup2(data, len);
  out->image_len = len;
  out->clock_rate = 48000;
  const uint8_t *img = out->image;
  GArray *a = g_array_new(FALSE, FALSE, sizeof(LoadFrame));
  /* Packets are contiguous within a page but may span pages; a spanning
   * packet is copied into `spill` (one owned copy per packet). */
  GByteArray *partial = NULL;
  GPtrArray *spills = g_ptr_array_new_with_free_func(g_free);
  size_t pos = 0;
  unsigned npackets = 0;
  uint32_t serial = 0;
  const char *why = NULL;
  while (pos < len && !why) {
    if (len - pos < 27 || memcmp(img + pos, "OggS", 4) != 0) {
      why = "Ogg: no page capture pattern where a page should start";
      break;
    }
    const uint8_t *pg = img + pos;
    if (pg[4] != 0) { why = "Ogg: unknown page version"; break; }
    uint32_t ser = le32(pg + 14);
    if (pos == 0) serial = ser;
    else if (ser != serial) { why = "Ogg: more than one logical stream"; break; }
    unsigned nseg = pg[26];
    if (len - pos < 27u + nseg) { why = "Ogg: truncated segment table"; break; }
    size_t body = 0;
    for (unsigned i = 0; i < nseg; i++) body += pg[27 + i];
    size_t page_len = 27 + nseg + body;
    if (page_len > len - pos) { why = "Ogg: page body beyond the end of the file"; break; }
    if (ogg_crc(pg, page_len) != le32(pg + 22)) { why = "Ogg: page CRC mismatch"; break; }
    if ((pg[5] & 1) && !partial) { why = "Ogg: continued page without a packet to continue"; break; }
    if (!(pg[5] & 1) && partial) { why = "Ogg: packet left unfinished by the previous page"; break; }
    const uint8_t *seg = pg + 27 + nseg;
    size_t start = 0, off = 0;
    for (unsigned i = 0; i < nseg && !why; i++) {
      off += pg[27 + i];
      if (pg[27 + i] == 255) continue; /* packet goes on */
      const uint8_t *pkt = seg + start;
      size_t plen = off - start;
      if (partial) {
        g_byte_array_append(partial, pkt, (guint)plen);
        plen = partial->len;
        uint8_t *copy = g_byte_array_free(partial, FALSE);
        partial = NULL;
        g_ptr_array_add(spills, copy);
        pkt = copy;
      }
      if (npackets == 0) {
        if (plen < 19 || memcmp(pkt, "OpusHead", 8) != 0) why = "Ogg: first packet is not OpusHead";
      } else if (npackets == 1) {
        if (plen < 8 || memcmp(pkt, "OpusTags", 8) != 0) why = "Ogg: second packet is not OpusTags";
      } else {
        uint32_t dur = load_opus_packet_samples(pkt, plen);
        if (!dur) why = "Ogg: malformed Opus packet (TOC)";
        else add_frame(a, pkt, plen, dur, true);
      }
      npackets++;
      start = off;
    }
    if (!why && start < off) { /* last segment was 255: packet continues */
      partial = g_byte_array_new();
      g_byte_array_append(partial, seg + start, (guint)(off - start));
    }
    pos += page_len;
  }
  if (!why && partial) why = "Ogg: file ends inside a packet";
  if (!why && a->len == 0) why = "Ogg: no Opus audio packets";
  if (partial) g_byte_array_free(partial, TRUE);
  if (why) {
    g_array_free(a, TRUE);
    g_ptr_array_free(spills, TRUE);
    return fail(err, errsize, why, out);
  }
  /* Frames that spanned pages point into `spills`; the track must own one
   * buffer, so build image + spilled packets and re-point every frame. */
  if (spills->len) {
    size_t extra = 0;
    for (guint i = 0; i < spills->len; i++) {
      for (guint j = 0; j < a->len; j++) {
        LoadFrame *f = &g_array_index(a, LoadFrame, j);
        if (f->data == spills->pdata[i]) extra += f->len;
      }
    }
    uint8_t *img2 = g_malloc(len + extra);
    memcpy(img2, out->image, len);
    size_t w = len;
    for (guint j = 0; j < a->len; j++) {
      LoadFrame *f = &g_array_index(a, LoadFrame, j);
      if (f->data >= out->image && f->data < out->image + len) {
        f->data = img2 + (f->data - out->image);
      } else {
        memcpy(img2 + w, f->data, f->len);
        f->data = img2 + w;
        w += f->len;
      }
    }
    g_free(out->image);
    out->image = img2;
  }
  g_ptr_array_free(spills, TRUE);
  finish(out, a);
  return true;
}

bool load_track_open(const char *path, bool video, LoadTrack *out, char *err, size_t errsize) {
  gchar *buf = NULL;
  gsize n = 0;
  GError *ge = NULL;
  memset(out, 0, sizeof *out);
  if (!g_file_get_contents(path, &buf, &n, &ge)) {
    g_snprintf(err, errsize, "%s", ge->message);
    g_error_free(ge);
    return false;
  }
  bool ok = video ? load_ivf_parse((uint8_t *)buf, n, out, err, errsize)
                  : load_ogg_opus_parse((uint8_t *)buf, n, out, err, errsize);
  g_free(buf);
  return ok;
}
