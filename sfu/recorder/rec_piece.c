#include "recorder/rec_piece.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <string.h>

/* Bytes of RTP that may wait inside one appsrc before we drop instead of
 * queueing more: about 10 s of a 6 Mbit/s stream. Only a stalled disk gets
 * there; the drop is counted and never blocks the recorder thread. */
#define REC_PIPE_MAX_BACKLOG (8u * 1024u * 1024u)

typedef struct {
  RecPipeTrack desc;
  GstElement *src;
  GstElement *jb;
  RecPipeTrackStats st;
  int64_t in_offset_ns; /* added to arrival-based input timestamps */
  bool eos;
} PipeTrack;

struct RecPiecePipe {
  GstElement *pipeline;
  GstBus *bus;
  PipeTrack tracks[4];
  unsigned n;
  int64_t base_ns;
  bool started, ended, failed, eos_seen;
};

const char *rec_kind_name(RecKind k) { return k == REC_KIND_AUDIO ? "audio" : "video"; }

const char *rec_codec_name(RecCodec c) {
  switch (c) {
  case REC_CODEC_OPUS: return "opus";
  case REC_CODEC_VP8: return "VP8";
  case REC_CODEC_VP9: return "VP9";
  }
  return "?";
}

/* Muxer input: where the file's per-track times come from. */
static GstPadProbeReturn mux_in_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  PipeTrack *t = user;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!b || !GST_BUFFER_PTS_IS_VALID(b)) return GST_PAD_PROBE_OK;
  int64_t pts = (int64_t)GST_BUFFER_PTS(b);
  int64_t end = pts + (GST_BUFFER_DURATION_IS_VALID(b) ? (int64_t)GST_BUFFER_DURATION(b) : 0);
  if (t->st.first_pts_ns < 0) t->st.first_pts_ns = pts;
  if (end > t->st.end_ns) t->st.end_ns = end;
  t->st.frames++;
  return GST_PAD_PROBE_OK;
}

/* Depayloader input: count rtpjitterbuffer's lost events (gaps). */
static GstPadProbeReturn lost_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  PipeTrack *t = user;
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
  if (ev && GST_EVENT_TYPE(ev) == GST_EVENT_CUSTOM_DOWNSTREAM &&
      gst_event_has_name(ev, "GstRTPPacketLost"))
    t->st.lost_events++;
  return GST_PAD_PROBE_OK;
}

static void set_err(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_err(char **err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  g_free(*err);
  *err = g_strdup_vprintf(fmt, ap);
  va_end(ap);
}

RecPiecePipe *rec_pipe_new(const char *path, const RecPipeTrack *tracks, unsigned n,
                           unsigned latency_ms, char **err) {
  if (!path || !tracks || n < 1 || n > 4) {
    set_err(err, "bad arguments");
    return NULL;
  }
  bool have_audio = false, have_video = false;
  GString *desc = g_string_new("webmmux name=mux streamable=false writing-app=parlour-sfu "
                               "! filesink name=sink sync=false async=false ");
  for (unsigned i = 0; i < n; i++) {
    const RecPipeTrack *t = &tracks[i];
    const char *enc = NULL, *depay = NULL, *media = NULL, *extra = "";
    if (t->payload_type > 127 || t->clock_rate == 0) goto bad;
    if (t->kind == REC_KIND_AUDIO && t->codec == REC_CODEC_OPUS && !have_audio) {
      enc = "OPUS", depay = "rtpopusdepay", media = "audio";
      /* WebRTC's Opus is always opus/48000/2 (RFC 7587). rtpopusdepay takes
       * the sampling rate only from sprop-maxcapturerate, and webmmux needs
       * one, so state it. */
      extra = ",encoding-params=(string)2,sprop-maxcapturerate=(string)48000";
      have_audio = true;
    } else if (t->kind == REC_KIND_VIDEO && !have_video &&
               (t->codec == REC_CODEC_VP8 || t->codec == REC_CODEC_VP9)) {
      enc = t->codec == REC_CODEC_VP8 ? "VP8" : "VP9";
      depay = t->codec == REC_CODEC_VP8 ? "rtpvp8depay" : "rtpvp9depay";
      media = "video";
      have_video = true;
    } else {
      goto bad;
    }
    /* Only numbers and fixed words go into the description: no id ever does. */
    g_string_append_printf(desc,
                           "appsrc name=src%u format=time is-live=true do-timestamp=false "
                           "block=false max-bytes=%u caps=\"application/x-rtp,media=%s,"
                           "clock-rate=%u,encoding-name=%s,payload=%u%s\" "
                           "! rtpjitterbuffer name=jb%u latency=%u do-lost=true "
                           "! %s name=depay%u ! queue name=q%u ! mux. ",
                           i, REC_PIPE_MAX_BACKLOG * 2, media, t->clock_rate, enc,
                           t->payload_type, extra, i, latency_ms, depay, i, i);
  }
  GError *gerr = NULL;
  GstElement *pipeline = gst_parse_launch(desc->str, &gerr);
  g_string_free(desc, TRUE);
  if (!pipeline || gerr) {
    set_err(err, "pipeline: %s", gerr ? gerr->message : "unknown");
    g_clear_error(&gerr);
    if (pipeline) gst_object_unref(pipeline);
    return NULL;
  }
  RecPiecePipe *p = g_new0(RecPiecePipe, 1);
  p->pipeline = pipeline;
  p->bus = gst_element_get_bus(pipeline);
  p->n = n;
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_object_set(sink, "location", path, NULL);
  gst_object_unref(sink);
  for (unsigned i = 0; i < n; i++) {
    PipeTrack *t = &p->tracks[i];
    t->desc = tracks[i];
    t->st.first_pts_ns = -1;
    t->st.end_ns = -1;
    char name[16];
    g_snprintf(name, sizeof name, "src%u", i);
    t->src = gst_bin_get_by_name(GST_BIN(pipeline), name);
    g_snprintf(name, sizeof name, "jb%u", i);
    t->jb = gst_bin_get_by_name(GST_BIN(pipeline), name);
    g_snprintf(name, sizeof name, "q%u", i);
    GstElement *q = gst_bin_get_by_name(GST_BIN(pipeline), name);
    GstPad *qsrc = gst_element_get_static_pad(q, "src");
    gst_pad_add_probe(qsrc, GST_PAD_PROBE_TYPE_BUFFER, mux_in_probe, t, NULL);
    gst_object_unref(qsrc);
    gst_object_unref(q);
    g_snprintf(name, sizeof name, "depay%u", i);
    GstElement *dp = gst_bin_get_by_name(GST_BIN(pipeline), name);
    GstPad *dsink = gst_element_get_static_pad(dp, "sink");
    gst_pad_add_probe(dsink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, lost_probe, t, NULL);
    gst_object_unref(dsink);
    gst_object_unref(dp);
  }
  return p;
bad:
  g_string_free(desc, TRUE);
  set_err(err, "unsupported track set (one Opus audio and one VP8/VP9 video at most)");
  return NULL;
}

int rec_pipe_start(RecPiecePipe *p, int64_t base_us, char **err) {
  GstClock *clock = gst_system_clock_obtain();
  /* The monotonic system clock is the clock of g_get_monotonic_time, which
   * is what arrival times are measured with. */
  g_object_set(clock, "clock-type", GST_CLOCK_TYPE_MONOTONIC, NULL);
  gst_pipeline_use_clock(GST_PIPELINE(p->pipeline), clock);
  gst_object_unref(clock);
  p->base_ns = base_us * 1000;
  gst_element_set_start_time(p->pipeline, GST_CLOCK_TIME_NONE);
  gst_element_set_base_time(p->pipeline, (GstClockTime)p->base_ns);
  if (gst_element_set_state(p->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    char *m = NULL;
    rec_pipe_poll_error(p, &m);
    set_err(err, "cannot start pipeline: %s", m ? m : "state change failed");
    g_free(m);
    p->failed = true;
    return -1;
  }
  p->started = true;
  return 0;
}

int rec_pipe_push(RecPiecePipe *p, unsigned i, const uint8_t *rtp, size_t len, int64_t at_us) {
  if (p->failed || !p->started || i >= p->n) return -1;
  PipeTrack *t = &p->tracks[i];
  if (t->eos) return -1;
  if (gst_app_src_get_current_level_bytes(GST_APP_SRC(t->src)) > REC_PIPE_MAX_BACKLOG) {
    t->st.dropped++;
    return 1;
  }
  GstBuffer *b = gst_buffer_new_memdup(rtp, len);
  int64_t pts = at_us * 1000 - p->base_ns + t->in_offset_ns;
  if (pts < 0) pts = 0;
  GST_BUFFER_PTS(b) = (GstClockTime)pts;
  GST_BUFFER_DTS(b) = (GstClockTime)pts;
  GstFlowReturn fr = gst_app_src_push_buffer(GST_APP_SRC(t->src), b);
  if (fr != GST_FLOW_OK) {
    p->failed = true;
    return -1;
  }
  return 0;
}

/* Applied to the input timestamps (as if the packets had arrived earlier or
 * later), not through rtpjitterbuffer's ts-offset: in GStreamer 1.22 a
 * ts-offset combined with a gap (a muted camera) made it compute a lost
 * event for hundreds of millions of packets and an invalid GAP event. The
 * jitter buffer's skew estimation absorbs a shift made mid-stream. */
void rec_pipe_set_ts_offset(RecPiecePipe *p, unsigned i, int64_t offset_ns) {
  if (i < p->n) p->tracks[i].in_offset_ns = offset_ns;
}

/* Reads every pending bus message: an error fails the piece, EOS (the file
 * is finalised) is remembered for rec_pipe_finish. (gst_bus_pop_filtered
 * would discard the messages it does not match, EOS among them.) */
bool rec_pipe_poll_error(RecPiecePipe *p, char **msg) {
  bool err = false;
  GstMessage *m;
  while ((m = gst_bus_pop(p->bus))) {
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
      p->eos_seen = true;
    } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR && !err) {
      GError *e = NULL;
      gst_message_parse_error(m, &e, NULL);
      if (msg) *msg = g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)),
                                      e ? e->message : "error");
      g_clear_error(&e);
      p->failed = true;
      err = true;
    }
    gst_message_unref(m);
  }
  return err;
}

void rec_pipe_end(RecPiecePipe *p) {
  if (p->ended) return;
  p->ended = true;
  for (unsigned i = 0; i < p->n; i++) {
    if (!p->tracks[i].eos) gst_app_src_end_of_stream(GST_APP_SRC(p->tracks[i].src));
    p->tracks[i].eos = true;
  }
}

int rec_pipe_finish(RecPiecePipe *p, unsigned timeout_ms, char **err) {
  int rc = -1;
  if (!p->started) {
    set_err(err, "never started");
  } else if (p->failed) {
    char *m = NULL;
    rec_pipe_poll_error(p, &m);
    set_err(err, "pipeline failed earlier%s%s", m ? ": " : "", m ? m : "");
    g_free(m);
  } else {
    rec_pipe_end(p);
    char *pe = NULL;
    if (rec_pipe_poll_error(p, &pe)) {
      set_err(err, "%s", pe);
      g_free(pe);
      gst_element_set_state(p->pipeline, GST_STATE_NULL);
      return -1;
    }
    if (p->eos_seen) {
      gst_element_set_state(p->pipeline, GST_STATE_NULL);
      return 0;
    }
    GstMessage *m = gst_bus_timed_pop_filtered(p->bus, (GstClockTime)timeout_ms * GST_MSECOND,
                                               GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (!m) {
      set_err(err, "file not finalised within %u ms", timeout_ms);
    } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
      GError *e = NULL;
      gst_message_parse_error(m, &e, NULL);
      set_err(err, "%s", e ? e->message : "error");
      g_clear_error(&e);
    } else {
      rc = 0;
    }
    if (m) gst_message_unref(m);
  }
  gst_element_set_state(p->pipeline, GST_STATE_NULL);
  return rc;
}

void rec_pipe_track_stats(RecPiecePipe *p, unsigned i, RecPipeTrackStats *out) {
  if (i < p->n) *out = p->tracks[i].st;
  else memset(out, 0, sizeof *out);
}

void rec_pipe_free(RecPiecePipe *p) {
  if (!p) return;
  gst_element_set_state(p->pipeline, GST_STATE_NULL);
  for (unsigned i = 0; i < p->n; i++) {
    if (p->tracks[i].src) gst_object_unref(p->tracks[i].src);
    if (p->tracks[i].jb) gst_object_unref(p->tracks[i].jb);
  }
  gst_object_unref(p->bus);
  gst_object_unref(p->pipeline);
  g_free(p);
}
