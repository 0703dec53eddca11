/* Records a short scripted call through the recorder, as the forwarder
 * would feed it, for the shell and browser tests in tests/recording/.
 *
 *   prog_rec_call DIR ROOM SECONDS [recordable|not_recordable]
 *
 * Two participants (alice, bob), real VP8+Opus RTP from GStreamer encoders,
 * fed at real-time pace. Prints "piece_failed=..." at once for a piece that
 * fails (a full disk), then "manifest=<path>", or "files=N" when the
 * manifest could not be written (the files are still reported); exits
 * 0 when every file is complete and the manifest written; with
 * not_recordable prints "refused=<error code>" and exits 3 (nothing may be
 * created). Exit 1 on any other failure. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/recorder.h"

typedef struct {
  GstBuffer *buf;
  int64_t t_us;
  int part, track;
} Pkt;

static gint pkt_cmp(gconstpointer a, gconstpointer b) {
  const Pkt *x = *(Pkt *const *)a, *y = *(Pkt *const *)b;
  return x->t_us < y->t_us ? -1 : x->t_us > y->t_us;
}

static void gen(GPtrArray *out, int part, int track, double seconds) {
  char *desc =
      track ? g_strdup_printf("videotestsrc num-buffers=%d pattern=%s ! "
                              "video/x-raw,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 "
                              "cpu-used=8 keyframe-max-dist=30 ! rtpvp8pay pt=96 mtu=1200 ! "
                              "appsink name=sink sync=false",
                              (int)(seconds * 30), part ? "smpte" : "ball")
            : g_strdup_printf("audiotestsrc num-buffers=%d samplesperbuffer=960 freq=%d ! "
                              "audio/x-raw,rate=48000,channels=2 ! opusenc ! rtpopuspay pt=111 ! "
                              "appsink name=sink sync=false",
                              (int)(seconds * 50), part ? 660 : 440);
  GstElement *pipe = gst_parse_launch(desc, NULL);
  g_free(desc);
  if (!pipe) exit(1);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GstSample *s;
  while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    Pkt *k = g_new0(Pkt, 1);
    k->buf = gst_buffer_ref(gst_sample_get_buffer(s));
    k->t_us = (int64_t)GST_BUFFER_PTS(k->buf) / 1000;
    k->part = part;
    k->track = track;
    g_ptr_array_add(out, k);
    gst_sample_unref(s);
  }
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipe);
}

/* The recorder's mid-call report of a failed piece (what the SFU turns
 * into its recording_failed event): one line each, at once. */
static void on_piece_failed(const RecPieceFailure *f, void *user) {
  (void)user;
  printf("piece_failed=%s piece=%u part=%u files_kept=%u bytes_kept=%lld at_ms=%lld\n",
         f->participant, f->piece, f->part, f->files_kept, (long long)f->bytes_kept,
         (long long)f->at_ms);
  fflush(stdout);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 4) {
    fprintf(stderr, "usage: %s DIR ROOM SECONDS [recordable|not_recordable]\n", argv[0]);
    return 2;
  }
  double seconds = atof(argv[3]);
  RecorderPolicy policy =
      argc > 4 && strcmp(argv[4], "not_recordable") == 0 ? RECORDER_NOT_RECORDABLE : RECORDER_RECORDABLE;
  RecError err;
  RecorderOptions opts = {.on_piece_failed = on_piece_failed};
  Recorder *r = recorder_new(argv[1], argv[2], policy, &opts, &err);
  if (!r) {
    printf("refused=%s\n", recorder_error_code(err));
    return err == REC_ERR_NOT_RECORDABLE ? 3 : 1;
  }
  GPtrArray *pk = g_ptr_array_new();
  for (int p = 0; p < 2; p++)
    for (int t = 0; t < 2; t++) gen(pk, p, t, seconds);
  g_ptr_array_sort(pk, pkt_cmp);
  const char *names[2] = {"alice", "bob"};
  int handles[2][2];
  for (int p = 0; p < 2; p++) {
    char aid[32], vid[32];
    g_snprintf(aid, sizeof aid, "%s:0", names[p]);
    g_snprintf(vid, sizeof vid, "%s:1", names[p]);
    RecTrackDesc d[2] = {{aid, REC_KIND_AUDIO, REC_CODEC_OPUS, 111, 48000},
                         {vid, REC_KIND_VIDEO, REC_CODEC_VP8, 96, 90000}};
    if (recorder_piece_begin(r, names[p], d, 2, handles[p], &err) < 1) return 1;
  }
  int64_t t0 = g_get_monotonic_time();
  for (guint i = 0; i < pk->len; i++) {
    Pkt *k = pk->pdata[i];
    int64_t wait = t0 + k->t_us - g_get_monotonic_time();
    if (wait > 0) g_usleep((gulong)wait);
    GstMapInfo mi;
    gst_buffer_map(k->buf, &mi, GST_MAP_READ);
    recorder_push_rtp(r, handles[k->part][k->track], mi.data, mi.size, g_get_monotonic_time());
    gst_buffer_unmap(k->buf, &mi);
    gst_buffer_unref(k->buf);
    g_free(k);
  }
  g_ptr_array_free(pk, TRUE);
  RecResult *res = recorder_stop(r, &err);
  if (!res) return 1;
  int rc = 0;
  for (guint i = 0; i < res->files->len; i++)
    if (!((RecFile *)res->files->pdata[i])->complete) rc = 1;
  /* Without a manifest (a full disk) the files are still reported. */
  if (res->manifest_path) {
    printf("manifest=%s\n", res->manifest_path);
  } else {
    printf("files=%u\n", res->files->len);
    rc = 1;
  }
  fflush(stdout); /* before anything at exit (a sanitizer's report) can end us */
  rec_result_free(res);
  recorder_free(r);
  return rc;
}
