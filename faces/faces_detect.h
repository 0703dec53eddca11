/* The detector half of the analyser, shared by parlour-faces and the bench
 * (tests/faces/prog_faces_bench.c): the GStreamer chain from decoded video
 * to counted faces, and what is read off its output.
 *
 * The chain drops, never queues: a probe keeps `fps` frames a second
 * (faces_detect_thin; by arrival time, as live video has no fixed rate)
 * and a one-frame leaky queue in front of the detector throws away a frame
 * the detector is not ready for, so a slow detector costs analysed frames,
 * never memory or delay upstream (and the SFU is a process away anyway). */
#ifndef PARLOUR_FACES_DETECT_H
#define PARLOUR_FACES_DETECT_H

#include <gst/gst.h>

typedef struct {
  int fps;              /* 0: every frame (the bench) */
  const char *cascade;
  int min_neighbors;
  int min_face_px;
  int scale_factor_pct;
  int lossless;         /* the bench: every frame is analysed, none dropped */
} FacesDetectOpts;

/* "queue leaky ... ! facedetect ... ! appsink name=faces_sink"
 * for gst_parse_launch after a decoder. g_free it. */
char *faces_detect_chain(const FacesDetectOpts *o);

/* Keeps at most fps frames a second going into the detector (0: all). */
void faces_detect_thin(GstElement *pipeline, int fps);

/* Faces the detector found in one output buffer (its ROI metas of type
 * "face"). */
int faces_count(GstBuffer *buf);

/* The frame as a base64 JPEG (quality as gst's default), or NULL. g_free it.
 * Blocks for the encoding: call it off the main loop. */
char *faces_snapshot_b64(GstSample *sample);

#endif
