/* The detector chain of faces_detect.h. */
#include "faces_detect.h"

#include <gst/video/video.h>

char *faces_detect_chain(const FacesDetectOpts *o) {
  char rate[96] = "";
  if (o->fps > 0)
    g_snprintf(rate, sizeof rate, "videorate drop-only=true max-rate=%d ! ", o->fps);
  /* nose/mouth/eye profiles off: only whole faces are counted, and those
   * cascades are not in opencv-data anyway. */
  return g_strdup_printf(
      "%squeue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! "
      "videoconvert ! facedetect display=false updates=none profile=\"%s\" "
      "nose-profile=\"\" mouth-profile=\"\" eyes-profile=\"\" "
      "min-neighbors=%d min-size-width=%d min-size-height=%d scale-factor=%.2f ! "
      "appsink name=faces_sink sync=false max-buffers=1 drop=true emit-signals=false",
      rate, o->cascade, o->min_neighbors, o->min_face_px, o->min_face_px,
      o->scale_factor_pct / 100.0);
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
  GstCaps *jpeg = gst_caps_new_empty_simple("image/jpeg");
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
