/* The recorder with real media, real GStreamer all the way, no network
 * (a GTest program outside tests/unit because it runs in real time, about
 * a minute: tests/recording/test-rec-media runs it, docs/testing.md):
 * RTP is made in-process (videotestsrc ! vp8enc ! rtpvp8pay, audiotestsrc !
 * opusenc ! rtpopuspay into appsinks), then fed into the recorder exactly as
 * the forwarder would (recorder_piece_begin / recorder_push_rtp /
 * recorder_on_sender_report / recorder_piece_end from one producer thread)
 * at real-time pace, and the files are checked with gst-discoverer-1.0, a
 * demux pipeline (timestamps) and a decode pipeline.
 *
 *  /rec/media/social_call_20s   two participants, 20 s: VP8+Opus, 20±1 s,
 *      hashes and sizes match the manifest, modes 0600/0700; bob's camera
 *      starts 2 s late and is muted from 10 to 13 s, his video arrives
 *      250 ms late but his RTCP sender reports give the truth: A/V offsets
 *      in both files within 100 ms of what was sent, the mute gap kept.
 *  /rec/media/leave_and_rejoin  alice 0-6 s then 9-15 s: two pieces, offsets.
 *  /rec/media/loss_5_percent    5 % RTP loss: still plays, decodes to EOS.
 *  /rec/media/burst_drops_counted a burst far faster than the queue drains:
 *      drops counted, producer never waits, recording still stops cleanly.
 *  /rec/media/silent_tracks_split_files a camera off for long: the file
 *      ends and the piece goes on in new files; a camera never on: an
 *      audio-only file. Also in leave_and_rejoin: a 600 ms stall of the path
 *      is jitter, not a gap. */
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "recorder/recorder.h"

#define MS 1000LL
#define SEC 1000000LL

typedef struct {
  guint8 *data;
  gsize len;
  int64_t t_us; /* media time from the stream's start */
} Pkt;

static void pkt_free(gpointer p) {
  Pkt *k = p;
  g_free(k->data);
  g_free(k);
}

/* Real RTP from real encoders, as fast as they go (timestamps preserved). */
static GPtrArray *gen_rtp(bool video, double seconds) {
  char *desc;
  if (video)
    desc = g_strdup_printf(
        "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
        "! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 target-bitrate=300000 "
        "! rtpvp8pay pt=96 mtu=1200 ! appsink name=sink sync=false",
        (int)(seconds * 30));
  else
    desc = g_strdup_printf("audiotestsrc num-buffers=%d samplesperbuffer=960 wave=sine "
                           "! audio/x-raw,rate=48000,channels=2 ! opusenc "
                           "! rtpopuspay pt=111 ! appsink name=sink sync=false",
                           (int)(seconds * 50));
  GError *e = NULL;
  GstElement *pipe = gst_parse_launch(desc, &e);
  g_assert_no_error(e);
  g_free(desc);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GPtrArray *out = g_ptr_array_new_with_free_func(pkt_free);
  GstSample *s;
  while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
    GstBuffer *b = gst_sample_get_buffer(s);
    Pkt *k = g_new0(Pkt, 1);
    k->len = gst_buffer_get_size(b);
    k->data = g_malloc(k->len);
    gst_buffer_extract(b, 0, k->data, k->len);
    k->t_us = (int64_t)GST_BUFFER_PTS(b) / 1000;
    g_ptr_array_add(out, k);
    gst_sample_unref(s);
  }
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  g_assert_cmpuint(out->len, >=, seconds * 30);
  return out;
}

static uint32_t rtp_ts_of(const Pkt *k) {
  return ((uint32_t)k->data[4] << 24) | ((uint32_t)k->data[5] << 16) |
         ((uint32_t)k->data[6] << 8) | k->data[7];
}

/* One participant piece in a scripted call (times on the call timeline). */
typedef struct {
  const char *participant;
  int64_t begin_us, end_us;
  int64_t video_start_us;           /* camera starts this late in the piece */
  int64_t gap_from_us, gap_to_us;   /* call-time window where no video is fed */
  int64_t video_delay_us;           /* extra network delay of video arrival */
  double loss;
  bool send_sr;
  int64_t sr_at_us;                 /* when the sender reports come; 0: before the video */
  int64_t stall_at_us;              /* the path stalls 600 ms here, then delivers a burst */
  bool no_video;                    /* declares video, never sends it */
  GPtrArray *audio, *video;
  int handles[2];
  int piece;
} Part;

enum { ACT_BEGIN, ACT_PKT, ACT_SR, ACT_END };
typedef struct {
  int64_t at_us;
  int kind;
  Part *part;
  int track; /* 0 audio, 1 video */
  const Pkt *pkt;
  uint64_t ntp;
  uint32_t rtp;
  unsigned order;
} Act;

static gint act_cmp(gconstpointer a, gconstpointer b) {
  const Act *x = a, *y = b;
  if (x->at_us != y->at_us) return x->at_us < y->at_us ? -1 : 1;
  return x->order < y->order ? -1 : (x->order > y->order);
}

static uint64_t us_to_ntp(int64_t us) {
  uint64_t sec = (uint64_t)(us / SEC), frac = (uint64_t)(us % SEC);
  return (sec << 32) | ((frac << 32) / SEC);
}

typedef struct {
  unsigned pushed, refused_or_dropped, lost_injected;
} FeedStats;

/* Plays the script against the recorder at real-time pace; t0 is timeline 0. */
static void run_script(Recorder *r, Part *parts, unsigned nparts, int64_t t0, FeedStats *fs) {
  GArray *acts = g_array_new(FALSE, TRUE, sizeof(Act));
  unsigned order = 0;
  GRand *rnd = g_rand_new_with_seed(1234);
  const int64_t sender_clock = 3900000000LL * SEC; /* the publishers' NTP epoch */
  for (unsigned i = 0; i < nparts; i++) {
    Part *p = &parts[i];
    Act a = {.at_us = p->begin_us, .kind = ACT_BEGIN, .part = p, .order = order++};
    g_array_append_val(acts, a);
    for (int tr = 0; tr < 2; tr++) {
      GPtrArray *pk = tr ? p->video : p->audio;
      int64_t start = p->begin_us + (tr ? p->video_start_us : 0);
      for (guint j = 0; j < pk->len; j++) {
        const Pkt *k = g_ptr_array_index(pk, j);
        int64_t at = start + k->t_us + (tr ? p->video_delay_us : 0);
        if (at >= p->end_us) continue;
        if (tr && p->no_video) continue;
        if (p->stall_at_us && at >= p->stall_at_us && at < p->stall_at_us + 600 * MS)
          at = p->stall_at_us + 600 * MS;
        if (tr && at >= p->gap_from_us && at < p->gap_to_us) continue;
        if (p->loss > 0 && g_rand_double(rnd) < p->loss) {
          fs->lost_injected++;
          continue;
        }
        Act x = {.at_us = at, .kind = ACT_PKT, .part = p, .track = tr, .pkt = k, .order = order++};
        g_array_append_val(acts, x);
      }
      if (p->send_sr) {
        /* Sender reports just before the video's first packet, from the
         * sender's own clock (no network delay in them). */
        int64_t at = p->sr_at_us ? p->sr_at_us : p->begin_us + p->video_start_us - 20 * MS;
        const Pkt *first = g_ptr_array_index(pk, 0);
        int64_t media = at - start; /* media time of this track at `at` */
        uint32_t rate = tr ? 90000 : 48000;
        Act x = {.at_us = at, .kind = ACT_SR, .part = p, .track = tr, .order = order++};
        x.ntp = us_to_ntp(sender_clock + at);
        x.rtp = rtp_ts_of(first) + (uint32_t)(int32_t)((media - first->t_us) * rate / SEC);
        g_array_append_val(acts, x);
      }
    }
    Act e = {.at_us = p->end_us, .kind = ACT_END, .part = p, .order = order++};
    g_array_append_val(acts, e);
  }
  g_array_sort(acts, act_cmp);
  for (guint i = 0; i < acts->len; i++) {
    Act *a = &g_array_index(acts, Act, i);
    int64_t wait = t0 + a->at_us - g_get_monotonic_time();
    if (wait > 0) g_usleep((gulong)wait);
    /* The recorder's clock is injected: hand it the scheduled arrival, not
     * the moment g_usleep happened to return, so a loaded machine's
     * oversleeping cannot move where a track is anchored. */
    int64_t now = t0 + a->at_us;
    Part *p = a->part;
    switch (a->kind) {
    case ACT_BEGIN: {
      char aid[64], vid[64];
      g_snprintf(aid, sizeof aid, "%s:0", p->participant);
      g_snprintf(vid, sizeof vid, "%s:1", p->participant);
      RecTrackDesc d[2] = {{aid, REC_KIND_AUDIO, REC_CODEC_OPUS, 111, 48000},
                           {vid, REC_KIND_VIDEO, REC_CODEC_VP8, 96, 90000}};
      RecError err;
      p->piece = recorder_piece_begin(r, p->participant, d, 2, p->handles, &err);
      g_assert_cmpint(p->piece, >=, 1);
      break;
    }
    case ACT_PKT:
      if (recorder_push_rtp(r, p->handles[a->track], a->pkt->data, a->pkt->len, now))
        fs->pushed++;
      else
        fs->refused_or_dropped++;
      break;
    case ACT_SR:
      g_assert_true(recorder_on_sender_report(r, p->handles[a->track], a->ntp, a->rtp, now));
      break;
    case ACT_END:
      g_assert_true(recorder_piece_end(r, p->piece));
      break;
    }
  }
  g_array_free(acts, TRUE);
  g_rand_free(rnd);
}

/* ---- checking the files ---- */

typedef struct {
  int64_t first_ns, last_ns, max_gap_ns, max_gap_at_ns;
  guint64 n;
} StreamTimes;

static GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
  StreamTimes *st = user;
  GstSample *s = gst_app_sink_pull_sample(sink);
  GstBuffer *b = gst_sample_get_buffer(s);
  if (GST_BUFFER_PTS_IS_VALID(b)) {
    int64_t pts = (int64_t)GST_BUFFER_PTS(b);
    if (st->n == 0) st->first_ns = pts;
    else if (pts - st->last_ns > st->max_gap_ns) {
      st->max_gap_ns = pts - st->last_ns;
      st->max_gap_at_ns = st->last_ns;
    }
    st->last_ns = pts;
    st->n++;
  }
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

/* Runs desc to EOS; NULL on success, else the error text (g_free). */
static char *run_to_eos(GstElement *pipe, unsigned timeout_s) {
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *m = gst_bus_timed_pop_filtered(bus, (GstClockTime)timeout_s * GST_SECOND,
                                             GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  char *err = NULL;
  if (!m) err = g_strdup("timeout");
  else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error(m, &e, NULL);
    err = g_strdup(e->message);
    g_error_free(e);
  }
  if (m) gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  return err;
}

static void file_times(const char *path, StreamTimes *v, StreamTimes *a) {
  memset(v, 0, sizeof *v);
  memset(a, 0, sizeof *a);
  GError *e = NULL;
  GstElement *pipe = gst_parse_launch(
      "filesrc name=src ! matroskademux name=d d.video_0 ! queue ! appsink name=v sync=false async=false "
      "d.audio_0 ! queue ! appsink name=a sync=false async=false",
      &e);
  g_assert_no_error(e);
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  g_object_set(src, "location", path, NULL);
  gst_object_unref(src);
  GstAppSinkCallbacks cb = {.new_sample = on_sample};
  GstElement *vs = gst_bin_get_by_name(GST_BIN(pipe), "v");
  GstElement *as = gst_bin_get_by_name(GST_BIN(pipe), "a");
  gst_app_sink_set_callbacks(GST_APP_SINK(vs), &cb, v, NULL);
  gst_app_sink_set_callbacks(GST_APP_SINK(as), &cb, a, NULL);
  char *err = run_to_eos(pipe, 60);
  g_assert_null(err);
  gst_object_unref(vs);
  gst_object_unref(as);
  gst_object_unref(pipe);
  g_test_message("%s: video first %.3f last %.3f max gap %.3f at %.3f n %" G_GUINT64_FORMAT
                 "; audio first %.3f last %.3f max gap %.3f at %.3f n %" G_GUINT64_FORMAT,
                 path, v->first_ns / 1e9, v->last_ns / 1e9, v->max_gap_ns / 1e9,
                 v->max_gap_at_ns / 1e9, v->n, a->first_ns / 1e9, a->last_ns / 1e9,
                 a->max_gap_ns / 1e9, a->max_gap_at_ns / 1e9, a->n);
}

/* gst-discoverer-1.0, the tool itself: VP8 + Opus in WebM, duration in s. */
static double discover(const char *path) {
  char *argv[] = {"gst-discoverer-1.0", (char *)path, NULL};
  char *out = NULL, *errout = NULL;
  int status = 0;
  GError *e = NULL;
  g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                             &status, &e));
  g_assert_no_error(e);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_assert_nonnull(strstr(out, "container #0: WebM"));
  g_assert_true(g_regex_match_simple("video #[0-9]+: VP8", out, 0, 0));
  g_assert_true(g_regex_match_simple("audio #[0-9]+: Opus", out, 0, 0));
  const char *d = strstr(out, "Duration: ");
  g_assert_nonnull(d);
  int h = 0, m = 0;
  double s = 0;
  g_assert_cmpint(sscanf(d + 10, "%d:%d:%lf", &h, &m, &s), ==, 3);
  double dur = h * 3600 + m * 60 + s;
  g_test_message("gst-discoverer-1.0 %s: WebM VP8+Opus, %.3f s", path, dur);
  g_free(out);
  g_free(errout);
  return dur;
}

static void decodes_to_eos(const char *path) {
  GError *e = NULL;
  GstElement *pipe = gst_parse_launch(
      "filesrc name=src ! matroskademux name=d d.video_0 ! queue ! vp8dec ! fakesink sync=false async=false "
      "d.audio_0 ! queue ! opusdec ! fakesink sync=false async=false",
      &e);
  g_assert_no_error(e);
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  g_object_set(src, "location", path, NULL);
  gst_object_unref(src);
  char *err = run_to_eos(pipe, 60);
  if (err) g_test_message("decode of %s: %s", path, err);
  g_assert_null(err);
  gst_object_unref(pipe);
}

/* Reads manifest.json and checks every file against it: exists under the
 * recording dir, 0600, size and SHA-256 (GLib's, independent of OpenSSL). */
static json_t *check_manifest(const RecResult *res, unsigned want_files) {
  json_error_t je;
  json_t *m = json_load_file(res->manifest_path, 0, &je);
  g_assert_nonnull(m);
  g_assert_cmpint(json_integer_value(json_object_get(m, "version")), ==, 1);
  g_assert_cmpstr(json_string_value(json_object_get(m, "call_id")), ==, res->call_id);
  json_t *files = json_object_get(m, "files");
  g_assert_cmpuint(json_array_size(files), ==, want_files);
  g_assert_cmpuint(res->files->len, ==, want_files);
  struct stat st;
  g_assert_cmpint(stat(res->dir, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0700);
  g_assert_cmpint(stat(res->manifest_path, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0600);
  char *root = g_path_get_dirname(res->dir);
  char *root2 = g_path_get_dirname(root); /* recordings dir */
  size_t i;
  json_t *f;
  json_array_foreach(files, i, f) {
    const char *rel = json_string_value(json_object_get(f, "path"));
    g_assert_nonnull(rel);
    g_assert_true(g_str_has_prefix(rel, res->rel_dir));
    char *abs = g_build_filename(root2, rel, NULL);
    g_assert_cmpint(stat(abs, &st), ==, 0);
    g_assert_cmphex(st.st_mode & 07777, ==, 0600);
    g_assert_cmpint(json_integer_value(json_object_get(f, "size")), ==, st.st_size);
    char *bytes = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(abs, &bytes, &len, NULL));
    char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)bytes, len);
    g_assert_cmpstr(json_string_value(json_object_get(f, "sha256")), ==, sum);
    g_assert_true(json_is_true(json_object_get(f, "complete")));
    g_assert_cmpuint(json_array_size(json_object_get(f, "tracks")), ==, 2);
    const RecFile *rf = g_ptr_array_index(res->files, i);
    g_assert_cmpstr(rf->sha256, ==, sum);
    g_assert_cmpstr(rf->path, ==, abs);
    g_free(sum);
    g_free(bytes);
    g_free(abs);
  }
  g_free(root);
  g_free(root2);
  return m;
}

static json_t *manifest_file_of(json_t *m, const char *participant, int piece_nth) {
  size_t i;
  json_t *f;
  int seen = 0;
  json_array_foreach(json_object_get(m, "files"), i, f) {
    if (g_strcmp0(json_string_value(json_object_get(f, "participant")), participant) == 0 &&
        seen++ == piece_nth)
      return f;
  }
  return NULL;
}

static json_t *track_of(json_t *file, const char *kind) {
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(file, "tracks"), i, t) {
    if (g_strcmp0(json_string_value(json_object_get(t, "kind")), kind) == 0) return t;
  }
  return NULL;
}

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static char *tmpdir(void) {
  GError *e = NULL;
  char *d = g_dir_make_tmp("rec-media-XXXXXX", &e);
  g_assert_no_error(e);
  return d;
}

static void rm_rf(const char *path) {
  if (g_getenv("REC_TEST_KEEP")) {
    g_test_message("kept %s", path);
    return;
  }
  char *argv[] = {"rm", "-rf", (char *)path, NULL};
  g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static Recorder *new_recorder(const char *root, const char *room, int64_t t0) {
  RecorderOptions o = {.timeline_zero_us = t0};
  RecError err;
  Recorder *r = recorder_new(root, room, RECORDER_RECORDABLE, &o, &err);
  g_assert_nonnull(r);
  return r;
}

static void free_parts(Part *p, unsigned n) {
  for (unsigned i = 0; i < n; i++) {
    g_ptr_array_unref(p[i].audio);
    g_ptr_array_unref(p[i].video);
  }
}

static void test_social_call(void) {
  char *d = tmpdir();
  char *root = g_build_filename(d, "recordings", NULL);
  Part parts[3] = {
      {.participant = "alice", .begin_us = 0, .end_us = 20 * SEC, .gap_from_us = -1,
       .gap_to_us = -1},
      {.participant = "bob", .begin_us = 0, .end_us = 20 * SEC, .video_start_us = 2 * SEC,
       .gap_from_us = 10 * SEC, .gap_to_us = 13 * SEC, .video_delay_us = 250 * MS,
       .send_sr = true},
      /* carol's video path is 250 ms slower than her audio; her first sender
       * reports come 3 s in, after both tracks are being written. */
      {.participant = "carol", .begin_us = 0, .end_us = 20 * SEC, .gap_from_us = -1,
       .gap_to_us = -1, .video_delay_us = 250 * MS, .send_sr = true, .sr_at_us = 3 * SEC},
  };
  parts[0].audio = gen_rtp(false, 20.5);
  parts[0].video = gen_rtp(true, 20.5);
  parts[1].audio = gen_rtp(false, 20.5);
  parts[1].video = gen_rtp(true, 18.5);
  parts[2].audio = gen_rtp(false, 20.5);
  parts[2].video = gen_rtp(true, 20.5);
  int64_t t0 = g_get_monotonic_time() + 200 * MS;
  Recorder *r = new_recorder(root, "social-v1", t0);
  FeedStats fs = {0};
  run_script(r, parts, 3, t0, &fs);
  RecError err;
  RecResult *res = recorder_stop(r, &err);
  g_assert_nonnull(res);
  g_assert_cmpuint(res->stats.queue.dropped_full, ==, 0);
  g_assert_cmpuint(fs.refused_or_dropped, ==, 0);
  json_t *m = check_manifest(res, 3);
  char *text = json_dumps(m, JSON_INDENT(1));
  g_test_message("manifest: %s", text);
  free(text);
  for (unsigned i = 0; i < res->files->len; i++) {
    const RecFile *f = g_ptr_array_index(res->files, i);
    double dur = discover(f->path);
    g_assert_cmpfloat(dur, >=, 19.0);
    g_assert_cmpfloat(dur, <=, 21.0);
    g_assert_cmpint(f->duration_ms, >=, 19000);
    g_assert_cmpint(f->duration_ms, <=, 21000);
    g_assert_cmpint(f->start_offset_ms, >=, 0);
    g_assert_cmpint(f->start_offset_ms, <=, 150);
  }
  /* alice: audio and video start together */
  StreamTimes v, a;
  json_t *fa = manifest_file_of(m, "alice", 0);
  char *pa = g_build_filename(res->dir, strrchr(json_string_value(json_object_get(fa, "path")), '/') + 1, NULL);
  file_times(pa, &v, &a);
  g_assert_cmpint(llabs(v.first_ns - a.first_ns), <=, 100 * 1000000LL);
  g_assert_cmpint(v.max_gap_ns, <, 500 * 1000000LL);
  g_assert_cmpint(v.last_ns, >=, 19 * 1000000000LL);
  g_assert_cmpint(a.last_ns, >=, 19 * 1000000000LL);
  /* bob: the camera started 2.0 s after the microphone (his video arrived
   * 2.25 s after; the sender reports say 2.0), then was off 10-13 s. */
  json_t *fb = manifest_file_of(m, "bob", 0);
  char *pb = g_build_filename(res->dir, strrchr(json_string_value(json_object_get(fb, "path")), '/') + 1, NULL);
  file_times(pb, &v, &a);
  int64_t av = v.first_ns - a.first_ns;
  g_test_message("bob: video starts %.3f s after audio (sent: 2.000)", av / 1e9);
  g_assert_cmpint(llabs(av - 2000 * 1000000LL), <=, 100 * 1000000LL);
  g_assert_true(json_is_string(json_object_get(track_of(fb, "video"), "sync")));
  g_assert_cmpstr(json_string_value(json_object_get(track_of(fb, "video"), "sync")), ==, "rtcp_sr");
  /* the mute gap is kept as a gap (about 3 s), not squeezed out */
  g_assert_cmpint(v.max_gap_ns, >=, 2500 * 1000000LL);
  g_assert_cmpint(v.max_gap_ns, <=, 3500 * 1000000LL);
  g_assert_cmpint(v.last_ns, >=, 19 * 1000000000LL);
  g_assert_cmpint(a.max_gap_ns, <, 200 * 1000000LL);
  /* the manifest places the tracks the same way */
  int64_t off = jint(track_of(fb, "video"), "start_offset_ms") - jint(track_of(fb, "audio"), "start_offset_ms");
  g_assert_cmpint(llabs(off - 2000), <=, 100);
  /* carol: the late sender reports moved her audio 250 ms later (forward
   * only: a ~250 ms audio gap at ~3 s), never her video backwards. */
  json_t *fc = manifest_file_of(m, "carol", 0);
  char *pc = g_build_filename(res->dir, strrchr(json_string_value(json_object_get(fc, "path")), '/') + 1, NULL);
  file_times(pc, &v, &a);
  json_t *ca = track_of(fc, "audio"), *cv = track_of(fc, "video");
  g_test_message("carol: audio correction %" G_GINT64_FORMAT " ms, video %" G_GINT64_FORMAT
                 " ms, audio max gap %.3f s", jint(ca, "sr_correction_ms"),
                 jint(cv, "sr_correction_ms"), a.max_gap_ns / 1e9);
  g_assert_cmpstr(json_string_value(json_object_get(cv, "sync")), ==, "rtcp_sr");
  g_assert_cmpint(llabs(jint(ca, "sr_correction_ms") - 250), <=, 40);
  g_assert_cmpint(jint(cv, "sr_correction_ms"), ==, 0);
  g_assert_cmpint(a.max_gap_ns, >=, 200 * 1000000LL);
  g_assert_cmpint(a.max_gap_ns, <=, 350 * 1000000LL);
  g_assert_cmpint(v.max_gap_ns, <, 100 * 1000000LL);
  decodes_to_eos(pa);
  decodes_to_eos(pb);
  decodes_to_eos(pc);
  g_free(pa);
  g_free(pb);
  g_free(pc);
  json_decref(m);
  rec_result_free(res);
  recorder_free(r);
  free_parts(parts, 3);
  rm_rf(d);
  g_free(root);
  g_free(d);
}

static void test_leave_and_rejoin(void) {
  char *d = tmpdir();
  Part parts[3] = {
      {.participant = "alice", .begin_us = 0, .end_us = 6 * SEC, .gap_from_us = -1, .gap_to_us = -1},
      {.participant = "alice", .begin_us = 9 * SEC, .end_us = 15 * SEC, .gap_from_us = -1, .gap_to_us = -1},
      /* bob's path stalls for 600 ms at 7 s and then delivers the burst */
      {.participant = "bob", .begin_us = 0, .end_us = 15 * SEC, .gap_from_us = -1, .gap_to_us = -1,
       .stall_at_us = 7 * SEC},
  };
  parts[0].audio = gen_rtp(false, 6.5);
  parts[0].video = gen_rtp(true, 6.5);
  parts[1].audio = gen_rtp(false, 6.5); /* a new publisher: new SSRC and sequence */
  parts[1].video = gen_rtp(true, 6.5);
  parts[2].audio = gen_rtp(false, 15.5);
  parts[2].video = gen_rtp(true, 15.5);
  int64_t t0 = g_get_monotonic_time() + 200 * MS;
  Recorder *r = new_recorder(d, "social-v2", t0);
  FeedStats fs = {0};
  run_script(r, parts, 3, t0, &fs);
  RecError err;
  RecResult *res = recorder_stop(r, &err);
  g_assert_nonnull(res);
  json_t *m = check_manifest(res, 3);
  json_t *a1 = manifest_file_of(m, "alice", 0), *a2 = manifest_file_of(m, "alice", 1);
  json_t *b = manifest_file_of(m, "bob", 0);
  g_assert_nonnull(a1);
  g_assert_nonnull(a2);
  g_assert_nonnull(b);
  g_test_message("alice pieces at %" G_GINT64_FORMAT " ms (%" G_GINT64_FORMAT " ms) and %" G_GINT64_FORMAT
                 " ms (%" G_GINT64_FORMAT " ms); bob %" G_GINT64_FORMAT " ms", jint(a1, "start_offset_ms"),
                 jint(a1, "duration_ms"), jint(a2, "start_offset_ms"), jint(a2, "duration_ms"),
                 jint(b, "duration_ms"));
  g_assert_cmpint(jint(a1, "piece"), <, jint(a2, "piece"));
  g_assert_cmpint(jint(a1, "start_offset_ms"), <=, 150);
  g_assert_cmpint(llabs(jint(a2, "start_offset_ms") - 9000), <=, 150);
  g_assert_cmpint(llabs(jint(a1, "duration_ms") - 6000), <=, 500);
  g_assert_cmpint(llabs(jint(a2, "duration_ms") - 6000), <=, 500);
  g_assert_cmpint(llabs(jint(b, "duration_ms") - 15000), <=, 1000);
  g_assert_cmpint(llabs(jint(track_of(a2, "video"), "start_offset_ms") - 9000), <=, 200);
  for (unsigned i = 0; i < res->files->len; i++) {
    const RecFile *f = g_ptr_array_index(res->files, i);
    double dur = discover(f->path);
    g_assert_cmpfloat(fabs(dur * 1000 - f->duration_ms), <=, 1000);
  }
  /* The stall is jitter, not a gap: timestamps come from RTP, so bob's file
   * has no hole and nothing after it is shifted. */
  char *pb = g_build_filename(res->dir, json_string_value(json_object_get(b, "name")), NULL);
  StreamTimes v, a;
  file_times(pb, &v, &a);
  g_assert_cmpint(v.max_gap_ns, <, 100 * 1000000LL);
  g_assert_cmpint(a.max_gap_ns, <, 100 * 1000000LL);
  g_assert_cmpint(llabs(a.last_ns - 14980 * 1000000LL), <, 100 * 1000000LL);
  g_free(pb);
  json_decref(m);
  rec_result_free(res);
  recorder_free(r);
  free_parts(parts, 3);
  rm_rf(d);
  g_free(d);
}

static void test_loss(void) {
  char *d = tmpdir();
  Part parts[1] = {{.participant = "carol", .begin_us = 0, .end_us = 10 * SEC, .gap_from_us = -1,
                    .gap_to_us = -1, .loss = 0.05}};
  parts[0].audio = gen_rtp(false, 10.5);
  parts[0].video = gen_rtp(true, 10.5);
  int64_t t0 = g_get_monotonic_time() + 200 * MS;
  Recorder *r = new_recorder(d, "social-v3", t0);
  FeedStats fs = {0};
  run_script(r, parts, 1, t0, &fs);
  RecError err;
  RecResult *res = recorder_stop(r, &err);
  g_assert_nonnull(res);
  g_test_message("5%% loss: %u packets dropped before the recorder, %u fed", fs.lost_injected, fs.pushed);
  g_assert_cmpuint(fs.lost_injected, >, 0);
  json_t *m = check_manifest(res, 1);
  const RecFile *f = g_ptr_array_index(res->files, 0);
  g_assert_cmpuint(f->tracks[0].lost_events + f->tracks[1].lost_events, >, 0);
  double dur = discover(f->path);
  g_assert_cmpfloat(dur, >=, 9.0);
  g_assert_cmpfloat(dur, <=, 11.0);
  decodes_to_eos(f->path);
  json_decref(m);
  rec_result_free(res);
  recorder_free(r);
  free_parts(parts, 1);
  rm_rf(d);
  g_free(d);
}

/* The recorder-level version of the slow-disk test: a burst of 4 s of media
 * pushed at once into a 64-slot queue. The producer's calls return at once
 * (drop and count; the API has no waiting path), the counts add up, and the
 * recording still stops cleanly with a playable file. */
static void test_burst(void) {
  char *d = tmpdir();
  GPtrArray *audio = gen_rtp(false, 4), *video = gen_rtp(true, 4);
  RecorderOptions o = {.queue_slots = 64};
  RecError err;
  Recorder *r = recorder_new(d, "social-v4", RECORDER_RECORDABLE, &o, &err);
  g_assert_nonnull(r);
  RecTrackDesc td[2] = {{"dave:0", REC_KIND_AUDIO, REC_CODEC_OPUS, 111, 48000},
                        {"dave:1", REC_KIND_VIDEO, REC_CODEC_VP8, 96, 90000}};
  int h[2];
  g_assert_cmpint(recorder_piece_begin(r, "dave", td, 2, h, &err), ==, 1);
  unsigned ok = 0, dropped = 0;
  int64_t t0 = g_get_monotonic_time();
  for (guint i = 0; i < video->len || i < audio->len; i++) {
    for (int tr = 0; tr < 2; tr++) {
      GPtrArray *pk = tr ? video : audio;
      if (i >= pk->len) continue;
      const Pkt *k = g_ptr_array_index(pk, i);
      if (recorder_push_rtp(r, h[tr], k->data, k->len, t0 + k->t_us)) ok++;
      else dropped++;
    }
  }
  RecorderStats s;
  recorder_get_stats(r, &s);
  g_test_message("burst: %u queued, %u dropped (queue full %" G_GUINT64_FORMAT ")", ok, dropped,
                 s.queue.dropped_full);
  g_assert_cmpuint(dropped, >, 0);
  g_assert_cmpuint(s.queue.dropped_full, ==, dropped);
  g_assert_cmpuint(s.queue.pushed, ==, ok);
  RecResult *res = recorder_stop(r, &err);
  g_assert_nonnull(res);
  g_assert_cmpuint(res->stats.queue.dropped_full, ==, dropped);
  json_error_t je;
  json_t *m = json_load_file(res->manifest_path, 0, &je);
  g_assert_nonnull(m);
  g_assert_cmpint(jint(json_object_get(m, "stats"), "dropped_queue_full"), ==, dropped);
  json_decref(m);
  rec_result_free(res);
  recorder_free(r);
  g_ptr_array_unref(audio);
  g_ptr_array_unref(video);
  rm_rf(d);
  g_free(d);
}

/* A track silent for long ends the file and the piece goes on without it;
 * it comes back in a new file; a track that never sends is left out after
 * the wait. Short thresholds (1 s wait, 2 s idle) keep the test short. */
static void test_silent_tracks(void) {
  char *d = tmpdir();
  Part parts[2] = {
      {.participant = "dave", .begin_us = 0, .end_us = 9 * SEC, .gap_from_us = 3 * SEC,
       .gap_to_us = 6 * SEC},
      {.participant = "erin", .begin_us = 0, .end_us = 9 * SEC, .gap_from_us = -1,
       .gap_to_us = -1, .no_video = true},
  };
  for (int i = 0; i < 2; i++) {
    parts[i].audio = gen_rtp(false, 9.5);
    parts[i].video = gen_rtp(true, 9.5);
  }
  int64_t t0 = g_get_monotonic_time() + 200 * MS;
  RecorderOptions o = {.timeline_zero_us = t0, .track_wait_ms = 1000, .track_idle_split_ms = 2000};
  RecError err;
  Recorder *r = recorder_new(d, "social-v5", RECORDER_RECORDABLE, &o, &err);
  g_assert_nonnull(r);
  FeedStats fs = {0};
  run_script(r, parts, 2, t0, &fs);
  RecResult *res = recorder_stop(r, &err);
  g_assert_nonnull(res);
  json_error_t je;
  json_t *m = json_load_file(res->manifest_path, 0, &je);
  g_assert_nonnull(m);
  char *text = json_dumps(json_object_get(m, "files"), JSON_COMPACT);
  g_test_message("files: %s", text);
  free(text);
  /* dave: 0-5 s audio+video (video silent from 3 s, split at 5 s), 5-6 s
   * audio only, 6-9 s audio+video again */
  json_t *d1 = manifest_file_of(m, "dave", 0), *d2 = manifest_file_of(m, "dave", 1),
         *d3 = manifest_file_of(m, "dave", 2);
  g_assert_nonnull(d1);
  g_assert_nonnull(d2);
  g_assert_nonnull(d3);
  g_assert_null(manifest_file_of(m, "dave", 3));
  g_assert_cmpint(jint(d1, "part"), ==, 1);
  g_assert_cmpint(jint(d2, "part"), ==, 2);
  g_assert_cmpint(jint(d3, "part"), ==, 3);
  g_assert_cmpuint(json_array_size(json_object_get(d1, "tracks")), ==, 2);
  g_assert_cmpuint(json_array_size(json_object_get(d2, "tracks")), ==, 1);
  g_assert_nonnull(track_of(d2, "audio"));
  g_assert_cmpuint(json_array_size(json_object_get(d3, "tracks")), ==, 2);
  g_assert_cmpint(jint(d1, "start_offset_ms"), <=, 100);
  g_assert_cmpint(llabs(jint(d2, "start_offset_ms") - 5000), <=, 150);
  g_assert_cmpint(llabs(jint(d3, "start_offset_ms") - 6000), <=, 150);
  g_assert_cmpint(llabs(jint(track_of(d1, "video"), "duration_ms") - 3000), <=, 150);
  g_assert_cmpint(llabs(jint(d3, "duration_ms") - 3000), <=, 200);
  /* erin: one audio-only file covering the whole call */
  json_t *e1 = manifest_file_of(m, "erin", 0);
  g_assert_nonnull(e1);
  g_assert_null(manifest_file_of(m, "erin", 1));
  g_assert_cmpuint(json_array_size(json_object_get(e1, "tracks")), ==, 1);
  g_assert_cmpint(jint(e1, "start_offset_ms"), <=, 100);
  g_assert_cmpint(llabs(jint(e1, "duration_ms") - 9000), <=, 200);
  /* every file plays: discoverer finds what the manifest says */
  for (unsigned i = 0; i < res->files->len; i++) {
    const RecFile *f = g_ptr_array_index(res->files, i);
    g_assert_true(f->complete);
    char *argv[] = {"gst-discoverer-1.0", f->path, NULL};
    char *out = NULL;
    int status = 0;
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, NULL));
    g_assert_true(g_regex_match_simple("audio #[0-9]+: Opus", out, 0, 0));
    g_assert_cmpint(g_regex_match_simple("video #[0-9]+: VP8", out, 0, 0), ==, f->ntracks == 2);
    g_free(out);
  }
  json_decref(m);
  rec_result_free(res);
  recorder_free(r);
  free_parts(parts, 2);
  rm_rf(d);
  g_free(d);
}

/* The disk fails mid-call (file size limit: EFBIG, as a full disk gives
 * ENOSPC): the recorder neither hangs nor crashes, drops and counts what
 * follows, still stops, and the manifest says the file is not complete and
 * why, with the hash of what is on disk. */
/* What the recorder told its owner of a failed piece (recorder thread). */
typedef struct {
  GMutex lock;
  unsigned calls, files_kept, piece;
  int64_t bytes_kept, at_ms, seen_us;
  char participant[64], error[256];
} FailSeen;

static void on_fail(const RecPieceFailure *f, void *user) {
  FailSeen *s = user;
  g_mutex_lock(&s->lock);
  if (s->calls++ == 0) {
    g_strlcpy(s->participant, f->participant, sizeof s->participant);
    g_strlcpy(s->error, f->error ? f->error : "", sizeof s->error);
    s->files_kept = f->files_kept;
    s->bytes_kept = f->bytes_kept;
    s->piece = f->piece;
    s->at_ms = f->at_ms;
    s->seen_us = g_get_monotonic_time();
  }
  g_mutex_unlock(&s->lock);
}

static void test_disk_error(void) {
  char *d = tmpdir();
  Part parts[1] = {{.participant = "frank", .begin_us = 0, .end_us = 4 * SEC, .gap_from_us = -1,
                    .gap_to_us = -1}};
  parts[0].audio = gen_rtp(false, 4.5);
  parts[0].video = gen_rtp(true, 4.5);
  struct rlimit old, lim;
  g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &old), ==, 0);
  lim = old;
  lim.rlim_cur = 40000;
  signal(SIGXFSZ, SIG_IGN);
  int64_t t0 = g_get_monotonic_time() + 200 * MS;
  FailSeen seen = {0};
  g_mutex_init(&seen.lock);
  RecorderOptions o = {.timeline_zero_us = t0, .on_piece_failed = on_fail, .on_piece_failed_user = &seen};
  RecError err;
  Recorder *r = recorder_new(d, "social-v6", RECORDER_RECORDABLE, &o, &err);
  g_assert_nonnull(r);
  g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &lim), ==, 0);
  FeedStats fs = {0};
  run_script(r, parts, 1, t0, &fs);
  int64_t fed_us = g_get_monotonic_time();
  RecResult *res = recorder_stop(r, &err);
  g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &old), ==, 0);
  g_assert_nonnull(res);
  g_assert_cmpuint(res->files->len, ==, 1);
  const RecFile *f = g_ptr_array_index(res->files, 0);
  g_test_message("disk error: complete=%d error=%s size=%" G_GINT64_FORMAT " dropped_failed=%" G_GUINT64_FORMAT,
                 f->complete, f->error, f->size, res->stats.dropped_failed);
  g_assert_false(f->complete);
  g_assert_nonnull(f->error);
  g_assert_cmpint(f->size, <=, 40000);
  g_assert_cmpuint(res->stats.pieces_failed, ==, 1);
  g_assert_cmpuint(res->stats.dropped_failed, >, 0);
  /* The owner was told once, mid-call (before the feed ended, not at stop),
   * with the file and the bytes on disk then. */
  g_test_message("told: %s piece %u files_kept=%u bytes_kept=%" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                 " ms before the end of the feed: %s",
                 seen.participant, seen.piece, seen.files_kept, seen.bytes_kept,
                 (fed_us - seen.seen_us) / 1000, seen.error);
  g_assert_cmpuint(seen.calls, ==, 1);
  g_assert_cmpstr(seen.participant, ==, "frank");
  g_assert_cmpuint(seen.piece, ==, 1);
  g_assert_cmpuint(seen.files_kept, ==, 1);
  g_assert_cmpint(seen.bytes_kept, >, 0);
  g_assert_cmpint(seen.bytes_kept, <=, 40000);
  g_assert_cmpint(seen.seen_us, >, 0);
  g_assert_cmpint(seen.seen_us, <, fed_us);
  g_assert_cmpint(seen.at_ms, >, 0);
  g_assert_cmpstr(seen.error, !=, "");
  g_mutex_clear(&seen.lock);
  json_error_t je;
  json_t *m = json_load_file(res->manifest_path, 0, &je);
  g_assert_nonnull(m);
  json_t *jf = json_array_get(json_object_get(m, "files"), 0);
  g_assert_true(json_is_false(json_object_get(jf, "complete")));
  g_assert_true(json_is_string(json_object_get(jf, "error")));
  char *bytes = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(f->path, &bytes, &len, NULL));
  char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)bytes, len);
  g_assert_cmpstr(json_string_value(json_object_get(jf, "sha256")), ==, sum);
  g_free(sum);
  g_free(bytes);
  json_decref(m);
  rec_result_free(res);
  recorder_free(r);
  free_parts(parts, 1);
  rm_rf(d);
  g_free(d);
}

/* Under ASan: GLib deliberately drops its first quark block when a process
 * passes 2048 quarks (GStreamer with these plugins does), a block allocated
 * in GLib's constructor. tests/lsan.supp suppresses leaks allocated under
 * _dl_init, but the fast unwinder stops inside GLib (no frame pointers), so
 * ask for full stacks in this program. Ignored without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "fast_unwind_on_malloc=0"; }

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  gst_init(&argc, &argv);
  g_test_add_func("/rec/media/social_call_20s", test_social_call);
  g_test_add_func("/rec/media/leave_and_rejoin", test_leave_and_rejoin);
  g_test_add_func("/rec/media/loss_5_percent", test_loss);
  g_test_add_func("/rec/media/burst_drops_counted", test_burst);
  g_test_add_func("/rec/media/silent_tracks_split_files", test_silent_tracks);
  g_test_add_func("/rec/media/disk_error_reported", test_disk_error);
  return g_test_run();
}
