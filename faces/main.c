/* parlour-faces: the unexpected-person analyser (docs/faces.md).
 *
 * The SFU nodes' taps send it the lowest video layer of each analysed
 * visitor's device as RTP over UDP (common/faces_wire.h); one small
 * GStreamer pipeline per device depayloads, decodes, thins to [analyser]
 * fps frames a second and counts faces; every analysed frame becomes one
 * JSON datagram to signalling ({"type":"faces",...}); a frame showing more
 * than one face is also encoded as a JPEG on a thread of its own and sent
 * as {"type":"snapshot",...} (at most every 2 s per device). Signalling decides about alerts
 * (common/faces_rule.h); this process only counts.
 *
 * It holds no state worth keeping: killed and started again, it rebuilds
 * each device's pipeline from the next packet and asks the tap for a
 * keyframe. The SFU never waits for it (the tap drops what it cannot send),
 * so its death touches no call; signalling notices the missing heartbeat
 * and the monitoring wall says analysis is unavailable. */
#include <arpa/inet.h>
#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <jansson.h>
#include <string.h>

#include "daemon.h"
#include "faces_config.h"
#include "faces_detect.h"
#include "faces_wire.h"
#include "log.h"
#include "version.h"

#define MAX_STREAMS 64
#define SNAPSHOT_EVERY_US (2 * G_USEC_PER_SEC)
#define KEYFRAME_EVERY_US (G_USEC_PER_SEC / 2)

typedef struct App App;

typedef struct {
  App *app;
  char *key; /* room/participant */
  char room[FACES_WIRE_MAX_NAME + 1];
  char participant[FACES_WIRE_MAX_NAME + 1];
  GstElement *pipeline;
  GstElement *src;
  GSocketAddress *tap; /* where the stream's packets come from: keyframe requests go there */
  gint64 last_packet_us;
  gint64 created_us;
  gint ready;            /* atomic: the pipeline is built and playing */
  GThread *builder;      /* builds the pipeline off the main loop */
  gint frames;           /* atomic: frames analysed */
  gint snaps_pending;    /* atomic: snapshot jobs queued for this stream */
  gint64 last_kf_us;     /* atomic-ish: only a throttle */
  gint64 last_snap_us;   /* streaming thread only */
} Stream;

struct App {
  FacesConfig cfg;
  GSocket *sock;
  GSocketAddress *report_to;
  GHashTable *streams; /* key -> Stream* */
  FacesDetectOpts det;
  GThreadPool *snapper; /* one thread encoding snapshots, off the detectors' threads */
  guint64 packets, dropped_bad, dropped_full, reports;
};

static void send_json(App *a, json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  if (!s) return;
  GError *err = NULL;
  /* A datagram to a local listener: fails at once (no listener, buffer
   * full) rather than waits; a lost report is one frame less. */
  g_socket_send_to(a->sock, a->report_to, s, strlen(s), NULL, &err);
  g_clear_error(&err);
  free(s);
}

static void request_keyframe(Stream *st) {
  gint64 now = g_get_monotonic_time();
  if (now - st->last_kf_us < KEYFRAME_EVERY_US || !st->tap) return;
  st->last_kf_us = now;
  uint8_t buf[300];
  size_t n = faces_wire_build(buf, sizeof buf, true, st->room, st->participant, NULL, 0);
  GError *err = NULL;
  if (n) g_socket_send_to(st->app->sock, st->tap, (const char *)buf, n, NULL, &err);
  g_clear_error(&err);
  log_debug("keyframe_requested", "room=%s participant=%s", st->room, st->participant);
}

/* Upstream: the depayloader asks for a keyframe (it joined mid-stream or lost
 * one); the tap turns that into a keyframe request to the publisher. */
static GstPadProbeReturn on_upstream_event(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
  if (ev && gst_video_event_is_force_key_unit(ev)) request_keyframe(user);
  return GST_PAD_PROBE_OK;
}

typedef struct {
  Stream *st; /* valid: a stream is freed only after its pipeline stopped, and
                 idle streams get no new frames; see stream_free */
  GstSample *sample;
  int faces;
} SnapJob;

/* The snapshot thread: encoding a JPEG takes a while on a busy machine; the
 * detector must not wait for it (its reports would have gaps). */
static void encode_snapshot(gpointer data, gpointer user) {
  SnapJob *j = data;
  App *a = user;
  char *b64 = faces_snapshot_b64(j->sample);
  log_debug("snapshot", "room=%s participant=%s chars=%zu", j->st->room, j->st->participant,
            b64 ? strlen(b64) : 0);
  if (b64 && strlen(b64) < 60000)
    send_json(a, json_pack("{s:i, s:s, s:s, s:s, s:i, s:I, s:s}", "v", 1, "type", "snapshot",
                           "room", j->st->room, "participant", j->st->participant, "faces", j->faces,
                           "at_ms", (json_int_t)(g_get_real_time() / 1000), "snapshot", b64));
  g_free(b64);
  gst_sample_unref(j->sample);
  g_atomic_int_dec_and_test(&j->st->snaps_pending);
  g_free(j);
}

/* The detector's streaming thread: one analysed frame. */
static GstFlowReturn on_sample(GstAppSink *sink, gpointer user) {
  Stream *st = user;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s) return GST_FLOW_OK;
  int faces = faces_count(gst_sample_get_buffer(s));
  g_atomic_int_inc(&st->frames);
  json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:i, s:I}", "v", 1, "type", "faces", "room",
                        st->room, "participant", st->participant, "faces", faces, "at_ms",
                        (json_int_t)(g_get_real_time() / 1000));
  gint64 now = g_get_monotonic_time();
  /* A picture only when there is something to look at (more than one face),
   * at most every 2 s, encoded on the snapshot thread (dropped when it is
   * busy): signalling keeps one only with an alert. */
  if (faces >= 2 && now - st->last_snap_us >= SNAPSHOT_EVERY_US &&
      g_thread_pool_unprocessed(st->app->snapper) == 0) {
    st->last_snap_us = now;
    SnapJob *sj = g_new0(SnapJob, 1);
    sj->st = st;
    sj->sample = gst_sample_ref(s);
    sj->faces = faces;
    g_atomic_int_inc(&st->snaps_pending);
    g_thread_pool_push(st->app->snapper, sj, NULL);
  }
  gst_sample_unref(s);
  st->app->reports++;
  send_json(st->app, j);
  return GST_FLOW_OK;
}

static void stream_free(gpointer p) {
  Stream *st = p;
  if (st->builder) g_thread_join(st->builder);
  if (st->pipeline) {
    gst_element_set_state(st->pipeline, GST_STATE_NULL);
    gst_object_unref(st->pipeline);
  }
  /* a snapshot job still holds st: wait for it (it takes at most a second or two) */
  while (g_atomic_int_get(&st->snaps_pending) > 0) g_usleep(10000);
  if (st->src) gst_object_unref(st->src);
  if (st->tap) g_object_unref(st->tap);
  g_free(st->key);
  g_free(st);
}

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer user) {
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error(m, &e, NULL);
    log_warn("pipeline_error", "stream=%s error=%s", (char *)user, e ? e->message : "?");
    g_clear_error(&e);
  }
  return G_SOURCE_CONTINUE;
}

/* The builder thread: parsing the pipeline loads the Haar cascade (about
 * 1 MB of XML), which takes a second or more on a busy machine; the main
 * loop must go on reading packets and sending heartbeats meanwhile. */
static gpointer build_pipeline(gpointer user) {
  Stream *st = user;
  App *a = st->app;
  char *chain = faces_detect_chain(&a->det);
  /* No jitter buffer: on a loopback or private link reordering is rare, and
   * a lost packet costs a frame, which the decoder survives (max-errors). */
  char *desc = g_strdup_printf(
      "appsrc name=src is-live=true do-timestamp=true format=time max-bytes=2000000 "
      "leaky-type=downstream caps=\"application/x-rtp,media=video,encoding-name=VP8,"
      "clock-rate=90000\" ! rtpvp8depay request-keyframe=true wait-for-keyframe=true ! "
      "vp8dec max-errors=-1 ! %s",
      chain);
  g_free(chain);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!pipe) {
    log_error("pipeline_failed", "room=%s participant=%s error=%s", st->room, st->participant,
              err ? err->message : "?");
    g_clear_error(&err);
    return NULL;
  }
  st->pipeline = pipe;
  st->src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  faces_detect_thin(pipe, a->cfg.fps);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "faces_sink");
  GstAppSinkCallbacks cb = {.new_sample = on_sample};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, st, NULL);
  gst_object_unref(sink);
  GstPad *pad = gst_element_get_static_pad(st->src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_upstream_event, st, NULL);
  gst_object_unref(pad);
  GstBus *bus = gst_element_get_bus(pipe);
  gst_bus_add_watch(bus, on_bus, st->key); /* attaches to the main loop's context */
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  g_atomic_int_set(&st->ready, 1);
  log_info("stream_started", "room=%s participant=%s", st->room, st->participant);
  return NULL;
}

static Stream *stream_new(App *a, const FacesWireMsg *m, const char *key, GSocketAddress *from) {
  Stream *st = g_new0(Stream, 1);
  st->app = a;
  st->key = g_strdup(key);
  g_strlcpy(st->room, m->room, sizeof st->room);
  g_strlcpy(st->participant, m->participant, sizeof st->participant);
  st->tap = g_object_ref(from);
  st->created_us = g_get_monotonic_time();
  st->builder = g_thread_try_new("faces-build", build_pipeline, st, NULL);
  if (!st->builder) {
    stream_free(st);
    return NULL;
  }
  return st;
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer user) {
  App *a = user;
  uint8_t buf[2048];
  for (int i = 0; i < 256; i++) {
    GSocketAddress *from = NULL;
    GError *err = NULL;
    gssize n = g_socket_receive_from(sock, &from, (char *)buf, sizeof buf, NULL, &err);
    if (n < 0) {
      g_clear_error(&err);
      break;
    }
    FacesWireMsg m;
    if (!faces_wire_parse(buf, (size_t)n, &m) || m.keyframe) {
      a->dropped_bad++;
      if (from) g_object_unref(from);
      continue;
    }
    a->packets++;
    char key[2 * FACES_WIRE_MAX_NAME + 2];
    g_snprintf(key, sizeof key, "%s/%s", m.room, m.participant);
    Stream *st = g_hash_table_lookup(a->streams, key);
    if (!st && g_hash_table_size(a->streams) < MAX_STREAMS) {
      st = stream_new(a, &m, key, from);
      if (st) g_hash_table_insert(a->streams, st->key, st);
    }
    if (from) g_object_unref(from);
    if (!st) {
      a->dropped_full++;
      continue;
    }
    st->last_packet_us = g_get_monotonic_time();
    if (!g_atomic_int_get(&st->ready)) continue; /* still being built: dropped */
    GstBuffer *b = gst_buffer_new_memdup(m.rtp, m.rtp_len);
    /* leaky appsrc: when the decoder is behind, old packets go, never us */
    gst_app_src_push_buffer(GST_APP_SRC(st->src), b);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean on_second(gpointer user) {
  App *a = user;
  gint64 now = g_get_monotonic_time();
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, a->streams);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    Stream *st = v;
    if (now - st->last_packet_us > (gint64)a->cfg.idle_s * G_USEC_PER_SEC) {
      log_info("stream_idle", "room=%s participant=%s frames=%d", st->room, st->participant,
               g_atomic_int_get(&st->frames));
      g_hash_table_iter_remove(&it);
      continue;
    }
    /* built, nothing decoded yet: ask for a keyframe (again: one may be lost) */
    if (g_atomic_int_get(&st->ready) && g_atomic_int_get(&st->frames) == 0) request_keyframe(st);
  }
  send_json(a, json_pack("{s:i, s:s, s:i, s:I, s:I}", "v", 1, "type", "analyser_alive", "streams",
                         (int)g_hash_table_size(a->streams), "packets", (json_int_t)a->packets,
                         "reports", (json_int_t)a->reports));
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  App a = {0};
  DaemonInfo info = {.name = "parlour-faces",
                     .summary = "counts faces in visitors' video for unexpected-person alerts",
                     .options = faces_config_options,
                     .config = &a.cfg,
                     .validate = faces_config_validate};
  const char *path = daemon_init(argc, argv, &info);
  log_set_level(a.cfg.log_level);
  gst_init(NULL, NULL);
  /* Load the OpenCV plugin and its libraries now (a second or more on a busy
   * machine), not when the first visitor's video arrives. */
  GstElement *warm = gst_element_factory_make("facedetect", NULL);
  if (!warm) daemon_fail("GStreamer's facedetect is missing (apt-get install gstreamer1.0-opencv)");
  gst_object_unref(warm);
  a.det = (FacesDetectOpts){.fps = a.cfg.fps,
                            .cascade = a.cfg.cascade,
                            .min_neighbors = a.cfg.min_neighbors,
                            .min_face_px = a.cfg.min_face_px,
                            .scale_factor_pct = a.cfg.scale_factor_pct};
  GError *err = NULL;
  char *host = g_strdup(a.cfg.report_to);
  char *colon = strrchr(host, ':');
  *colon = 0;
  GInetAddress *rhost = g_inet_address_new_from_string(host);
  if (!rhost) daemon_fail("config %s: [analyser] report_to: not a numeric address", path ? path : "-");
  a.report_to = g_inet_socket_address_new(rhost, (guint16)atoi(colon + 1));
  g_object_unref(rhost);
  g_free(host);
  GInetAddress *lhost = g_inet_address_new_from_string(a.cfg.listen_address);
  if (!lhost) daemon_fail("config %s: [analyser] listen_address: not a numeric address", path ? path : "-");
  a.sock = g_socket_new(g_inet_address_get_family(lhost), G_SOCKET_TYPE_DATAGRAM,
                        G_SOCKET_PROTOCOL_UDP, &err);
  GSocketAddress *la = g_inet_socket_address_new(lhost, (guint16)a.cfg.listen_port);
  g_object_unref(lhost);
  if (!a.sock || !g_socket_bind(a.sock, la, TRUE, &err))
    daemon_fail("config %s: [analyser] listen_port: %s", path ? path : "-", err ? err->message : "?");
  g_object_unref(la);
  g_socket_set_blocking(a.sock, FALSE);
  int rcvbuf = 4 << 20;
  setsockopt(g_socket_get_fd(a.sock), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  a.snapper = g_thread_pool_new(encode_snapshot, &a, 1, FALSE, NULL);
  a.streams = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, stream_free);
  GMainLoop *loop = daemon_loop_new();
  GSource *src = g_socket_create_source(a.sock, G_IO_IN, NULL);
  g_source_set_callback(src, (GSourceFunc)(void (*)(void))on_readable, &a, NULL);
  g_source_attach(src, NULL);
  g_timeout_add_seconds(1, on_second, &a);
  log_info("started", "version=%s port=%d report_to=%s fps=%d min_neighbors=%d min_face_px=%d",
           PARLOUR_VERSION, a.cfg.listen_port, a.cfg.report_to, a.cfg.fps, a.cfg.min_neighbors,
           a.cfg.min_face_px);
  g_main_loop_run(loop);
  g_hash_table_destroy(a.streams);
  g_thread_pool_free(a.snapper, FALSE, TRUE);
  g_source_destroy(src);
  g_source_unref(src);
  g_object_unref(a.sock);
  g_object_unref(a.report_to);
  config_free(faces_config_options, &a.cfg);
  g_main_loop_unref(loop);
  return 0;
}
