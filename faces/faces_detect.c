/* The detector chain of faces_detect.h. */
#include "faces_detect.h"

#include <gst/video/video.h>

char *faces_detect_chain(const FacesDetectOpts *o) {
  /* Only whole faces are counted. The element's nose/mouth/eye cascades are
   * not in opencv-data: it logs that once and goes on without them (an empty
   * name instead would make OpenCV throw). */
  return g_strdup_printf(
      "queue name=faces_queue %s max-size-bytes=0 max-size-time=0 ! "
      "videoconvert ! facedetect display=false updates=none profile=\"%s\" "
      "min-neighbors=%d min-size-width=%d min-size-height=%d scale-factor=%.2f ! "
      "appsink name=faces_sink sync=false %s emit-signals=false",
      o->lossless ? "leaky=no max-size-buffers=0" : "leaky=downstream max-size-buffers=1", o->cascade, o->min_neighbors, o->min_face_px, o->min_face_px,
      o->scale_factor_pct / 100.0, o->lossless ? "max-buffers=0 drop=false" : "max-buffers=1 drop=true");
}

int faces_count(GstBuffer *buf) {
  gpointer state = NULL;
  GstMeta *m;
  int n = 0;
  GQuark face = g_quark_from_static_string("face");
  while ((m = gst_buffer_iterate_meta_filtered(buf, &state,
                                               GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)m;
    if (roi->roi_type == face) n++;
  }
  return n;
}

char *faces_snapshot_b64(GstSample *sample) {
  /* small: a picture for staff to judge by, inside one datagram */
  GstCaps *jpeg = gst_caps_new_simple("image/jpeg", "width", G_TYPE_INT, 240, "height", G_TYPE_INT,
                                      180, NULL);
  GError *err = NULL;
  GstSample *out = gst_video_convert_sample(sample, jpeg, GST_SECOND, &err);
  gst_caps_unref(jpeg);
  if (!out) {
    g_clear_error(&err);
    return NULL;
  }
  GstMapInfo map;
  char *b64 = NULL;
  GstBuffer *b = gst_sample_get_buffer(out);
  if (b && gst_buffer_map(b, &map, GST_MAP_READ)) {
    b64 = g_base64_encode(map.data, map.size);
    gst_buffer_unmap(b, &map);
  }
  gst_sample_unref(out);
  return b64;
}

typedef struct {
  gint64 every_us, last_us;
} Thinning;

/* Frames arrive on the decoder's thread; only that thread touches t. */
static GstPadProbeReturn thin(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  Thinning *t = user;
  gint64 now = g_get_monotonic_time();
  if (t->last_us && now - t->last_us < t->every_us) return GST_PAD_PROBE_DROP;
  t->last_us = now;
  return GST_PAD_PROBE_OK;
}

void faces_detect_thin(GstElement *pipeline, int fps) {
  if (fps <= 0) return;
  GstElement *q = gst_bin_get_by_name(GST_BIN(pipeline), "faces_queue");
  if (!q) return;
  GstPad *pad = gst_element_get_static_pad(q, "sink");
  Thinning *t = g_new0(Thinning, 1);
  /* a little under 1/fps, so arrival jitter does not halve the rate */
  t->every_us = G_USEC_PER_SEC / fps * 9 / 10;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, thin, t, g_free);
  gst_object_unref(pad);
  gst_object_unref(q);
}
