/* prog_faces_bench: the face-count detector over the labelled clip set
 * (tests/faces/clips/labels.tsv), at several detector settings, through the
 * same path a call takes: VP8 at a lowest-layer bit rate, decoded, then
 * parlour-faces' own detector chain (faces/faces_detect.c), then the alert
 * rule signalling uses (common/faces_rule.c) on the counts at 4 frames a
 * second. Prints a Markdown report (`make bench-faces` writes it into
 * docs/faces-bench.md).
 *
 *   prog_faces_bench CLIPS_DIR [FRAMES]
 *
 * A "false alert": the rule raised an alert on a clip where no more people
 * are present than booked. A "missed person": it raised none on a clip
 * where more are. Per-frame rates are given too (a frame counting more faces
 * than booked on a clip where that is wrong, or not where it is right). */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faces_detect.h"
#include "faces_rule.h"

typedef struct {
  char name[64], kind[32];
  int people, booked;
} Clip;

typedef struct {
  int min_neighbors, min_face_px;
} Setting;

static const Setting SETTINGS[] = {{3, 24}, {4, 24}, {5, 24}, {6, 24}, {4, 20}, {4, 32}};
#define N_SETTINGS (sizeof SETTINGS / sizeof SETTINGS[0])
#define CASCADE "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

/* Face counts of `frames` frames of one clip; -1 on a pipeline error. */
static int count_faces(const char *dir, const Clip *c, const Setting *s, int frames, int *counts) {
  FacesDetectOpts o = {.fps = 0,
                       .cascade = CASCADE,
                       .min_neighbors = s->min_neighbors,
                       .min_face_px = s->min_face_px,
                       .scale_factor_pct = 120,
                       .lossless = 1};
  char *chain = faces_detect_chain(&o);
  /* the lowest layer of a call: 320x240 VP8 at 150 kbit/s, real time */
  char *desc = g_strdup_printf(
      "filesrc location=%s/%s.png ! pngdec ! videoconvert ! imagefreeze num-buffers=%d ! "
      "videoconvert ! videoscale ! video/x-raw,width=320,height=240,framerate=10/1 ! "
      "vp8enc deadline=1 cpu-used=8 target-bitrate=150000 keyframe-max-dist=30 ! vp8dec ! %s",
      dir, c->name, frames, chain);
  g_free(chain);
  GError *err = NULL;
  GstElement *p = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!p) {
    fprintf(stderr, "pipeline: %s\n", err ? err->message : "?");
    g_clear_error(&err);
    return -1;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "faces_sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  int n = 0;
  GstSample *smp;
  while (n < frames && (smp = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    counts[n++] = faces_count(gst_sample_get_buffer(smp));
    gst_sample_unref(smp);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(p);
  return n;
}

static int load_labels(const char *dir, Clip *out, int max) {
  char *path = g_strdup_printf("%s/labels.tsv", dir);
  FILE *f = fopen(path, "r");
  g_free(path);
  if (!f) return -1;
  char line[512];
  int n = 0;
  while (n < max && fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    char **col = g_strsplit(line, "\t", 5);
    if (g_strv_length(col) >= 4) {
      g_strlcpy(out[n].name, col[0], sizeof out[n].name);
      out[n].people = atoi(col[1]);
      out[n].booked = atoi(col[2]);
      g_strlcpy(out[n].kind, col[3], sizeof out[n].kind);
      n++;
    }
    g_strfreev(col);
  }
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: prog_faces_bench CLIPS_DIR [FRAMES]\n");
    return 2;
  }
  const char *dir = argv[1];
  int frames = argc > 2 ? atoi(argv[2]) : 40;
  if (frames < 12 || frames > 600) frames = 40;
  Clip clips[64];
  int nc = load_labels(dir, clips, 64);
  if (nc <= 0) {
    fprintf(stderr, "no labels in %s/labels.tsv\n", dir);
    return 2;
  }
  FacesRuleConfig rule;
  faces_rule_defaults(&rule);
  int *counts = g_new0(int, frames);
  printf("| min_neighbors | min_face_px | false alerts | missed persons | false-alert frames | "
         "missed-person frames |\n|---|---|---|---|---|---|\n");
  GString *detail = g_string_new("");
  for (size_t si = 0; si < N_SETTINGS; si++) {
    const Setting *s = &SETTINGS[si];
    int neg = 0, pos = 0, fa = 0, mp = 0;
    long negf = 0, posf = 0, faf = 0, mpf = 0;
    g_string_append_printf(detail, "\n**min_neighbors %d, min_face_px %d**\n\n"
                                   "| clip | case | people | booked | faces per frame | alert |\n"
                                   "|---|---|---|---|---|---|\n",
                           s->min_neighbors, s->min_face_px);
    for (int i = 0; i < nc; i++) {
      const Clip *c = &clips[i];
      int n = count_faces(dir, c, s, frames, counts);
      if (n <= 0) {
        fprintf(stderr, "%s: no frames\n", c->name);
        return 1;
      }
      bool should = c->people > c->booked;
      FacesRuleState st;
      faces_rule_init(&st);
      bool alert = false;
      int hist[5] = {0};
      for (int k = 0; k < n; k++) {
        /* the analyser's 4 frames a second */
        if (faces_rule_step(&st, &rule, (int64_t)k * 250, counts[k], c->booked) == FACES_RAISE)
          alert = true;
        bool over = counts[k] > c->booked;
        if (should) {
          posf++;
          if (!over) mpf++;
        } else {
          negf++;
          if (over) faf++;
        }
        hist[counts[k] > 4 ? 4 : counts[k]]++;
      }
      if (should) {
        pos++;
        if (!alert) mp++;
      } else {
        neg++;
        if (alert) fa++;
      }
      GString *h = g_string_new("");
      for (int k = 0; k < 5; k++)
        if (hist[k]) g_string_append_printf(h, "%s%d%s: %d", h->len ? ", " : "", k, k == 4 ? "+" : "", hist[k]);
      g_string_append_printf(detail, "| %s | %s | %d | %d | %s | %s |\n", c->name, c->kind,
                             c->people, c->booked, h->str,
                             alert ? (should ? "yes (right)" : "**yes (false alert)**")
                                   : (should ? "**no (missed)**" : "no (right)"));
      g_string_free(h, TRUE);
    }
    printf("| %d | %d | %d of %d (%.0f%%) | %d of %d (%.0f%%) | %.1f%% | %.1f%% |\n",
           s->min_neighbors, s->min_face_px, fa, neg, neg ? 100.0 * fa / neg : 0, mp, pos,
           pos ? 100.0 * mp / pos : 0, negf ? 100.0 * faf / negf : 0,
           posf ? 100.0 * mpf / posf : 0);
    fflush(stdout);
  }
  printf("\n### Per clip\n%s", detail->str);
  g_string_free(detail, TRUE);
  g_free(counts);
  return 0;
}
