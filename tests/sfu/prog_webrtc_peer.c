/* prog_webrtc_peer: an independent WebRTC peer (GStreamer webrtcbin) for the
 * SFU integration tests. It is its own little signalling: it speaks the SFU
 * control API (docs/sfu-control.md) over a libsoup websocket.
 *
 *   --publish     send VP8 + Opus test patterns on a publisher connection
 *   --subscribe   receive on a subscriber connection, decode, count frames
 *   --cycles N    join, publish until connected, leave; N times (leak test)
 *
 * Results are one JSON object per line on stdout; the last one is the
 * verdict. Exit 0 when the assertion holds (enough frames/audio before the
 * timeout, or all cycles connected), 1 otherwise, 2 on usage errors.
 *
 * ICE stays on loopback: ice-tcp off and only 127.0.0.1 as local address. */
#define GST_USE_UNSTABLE_API 1
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <jansson.h>
#include <libsoup/soup.h>
#include <nice/agent.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { MODE_NONE, MODE_PUBLISH, MODE_SUBSCRIBE, MODE_CYCLES } Mode;

static struct {
  char *url, *secret_file, *room, *participant;
  Mode mode;
  gboolean create_room;
  gboolean hidden; /* participant_add hidden (a monitor: sight-only tests) */
  int frames_wanted, audio_wanted, timeout_s, duration_s, cycles, expect_tracks, kf_interval;
  double drop_percent;
  char *codec;
  gboolean tamper_fingerprint;
} opt = {.frames_wanted = 60, .audio_wanted = 20, .timeout_s = 30, .expect_tracks = 2,
         .kf_interval = 3000};

static GMainLoop *loop;
static SoupSession *session;
static SoupWebsocketConnection *ws;
static char *secret;
static int next_id = 1;
static GstElement *pipe_, *webrtc;
static gint64 t0_us, connected_us, first_frame_us, offer_sent_us;
static volatile gint frames, audio_buffers, dropped;
static int exit_code = 1;
static int subscribed_requested;
static int cycle_no, cycle_connected;
static json_t *last_stats;
static int stats_pending_exit;
static GRand *rng;

static double ms_since(gint64 t) { return t ? (t - t0_us) / 1000.0 : -1; }

static void out(json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT);
  printf("%s\n", s);
  fflush(stdout);
  free(s);
  json_decref(j);
}

static void send_json(json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT);
  if (ws && soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(ws, s);
  free(s);
  json_decref(j);
}

static int request(const char *type, json_t *fields) {
  int id = next_id++;
  json_object_set_new(fields, "id", json_integer(id));
  json_object_set_new(fields, "type", json_string(type));
  json_object_set_new(fields, "room", json_string(opt.room));
  send_json(fields);
  return id;
}

static void finish(int code, const char *why) {
  exit_code = code;
  json_t *r = json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:f, s:f, s:f}", "result",
                        code == 0 ? "ok" : "fail", "why", why, "ok", code == 0, "frames",
                        g_atomic_int_get(&frames), "audio_buffers",
                        g_atomic_int_get(&audio_buffers), "dropped", g_atomic_int_get(&dropped),
                        "connected_ms", ms_since(connected_us), "first_frame_ms",
                        ms_since(first_frame_us), "first_frame_after_offer_ms",
                        first_frame_us && offer_sent_us ? (first_frame_us - offer_sent_us) / 1000.0
                                                        : -1.0);
  if (opt.mode == MODE_CYCLES) json_object_set_new(r, "cycles_connected", json_integer(cycle_connected));
  if (last_stats) json_object_set(r, "room_stats", last_stats);
  out(r);
  g_main_loop_quit(loop);
}

/* ---- webrtcbin plumbing (its callbacks come on streaming threads: hop to
 * the main loop for anything that touches the websocket) ---- */

typedef struct {
  char *type; /* "offer" / "answer" */
  char *sdp;
} SdpHop;

static gboolean hop_send_sdp(gpointer data) {
  SdpHop *h = data;
  fprintf(stderr, "--- local %s\n%s\n", h->type, h->sdp);
  if (opt.tamper_fingerprint) {
    /* Lie about our certificate: flip one hex digit of the fingerprint. */
    char *fp = strstr(h->sdp, "a=fingerprint:sha-256 ");
    while (fp) {
      char *c = fp + strlen("a=fingerprint:sha-256 ");
      *c = *c == 'A' ? 'B' : 'A';
      fp = strstr(c, "a=fingerprint:sha-256 ");
    }
  }
  if (strcmp(h->type, "publish") == 0) {
    request("publish_offer", json_pack("{s:s, s:s}", "participant", opt.participant, "sdp", h->sdp));
  } else {
    request("subscriber_answer",
            json_pack("{s:s, s:s}", "participant", opt.participant, "sdp", h->sdp));
  }
  g_free(h->type);
  g_free(h->sdp);
  g_free(h);
  return G_SOURCE_REMOVE;
}

static void on_offer_created(GstPromise *p, gpointer user) {
  const GstStructure *s = gst_promise_get_reply(p);
  GstWebRTCSessionDescription *offer = NULL;
  gst_structure_get(s, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref(p);
  if (!offer) return;
  g_signal_emit_by_name(webrtc, "set-local-description", offer, NULL);
  SdpHop *h = g_new0(SdpHop, 1);
  h->type = g_strdup("publish");
  h->sdp = gst_sdp_message_as_text(offer->sdp);
  gst_webrtc_session_description_free(offer);
  g_idle_add(hop_send_sdp, h);
}

static void on_negotiation_needed(GstElement *w, gpointer user) {
  if (opt.mode == MODE_SUBSCRIBE) return;
  GstPromise *p = gst_promise_new_with_change_func(on_offer_created, NULL, NULL);
  g_signal_emit_by_name(webrtc, "create-offer", NULL, p);
}

static void on_answer_created(GstPromise *p, gpointer user) {
  const GstStructure *s = gst_promise_get_reply(p);
  GstWebRTCSessionDescription *answer = NULL;
  gst_structure_get(s, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref(p);
  if (!answer) return;
  g_signal_emit_by_name(webrtc, "set-local-description", answer, NULL);
  SdpHop *h = g_new0(SdpHop, 1);
  h->type = g_strdup("answer");
  h->sdp = gst_sdp_message_as_text(answer->sdp);
  gst_webrtc_session_description_free(answer);
  g_idle_add(hop_send_sdp, h);
}

static void on_remote_offer_set(GstPromise *p, gpointer user) {
  gst_promise_unref(p);
  GstPromise *p2 = gst_promise_new_with_change_func(on_answer_created, NULL, NULL);
  g_signal_emit_by_name(webrtc, "create-answer", NULL, p2);
}

static int set_remote(const char *text, GstWebRTCSDPType type) {
  GstSDPMessage *sdp = NULL;
  fprintf(stderr, "--- remote %s\n%s\n", type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer", text);
  if (gst_sdp_message_new_from_text(text, &sdp) != GST_SDP_OK) return -1;
  GstWebRTCSessionDescription *d = gst_webrtc_session_description_new(type, sdp);
  GstPromise *p = type == GST_WEBRTC_SDP_TYPE_OFFER
                      ? gst_promise_new_with_change_func(on_remote_offer_set, NULL, NULL)
                      : gst_promise_new();
  g_signal_emit_by_name(webrtc, "set-remote-description", d, p);
  if (type != GST_WEBRTC_SDP_TYPE_OFFER) gst_promise_unref(p);
  gst_webrtc_session_description_free(d);
  return 0;
}

typedef struct {
  guint mline;
  char *cand;
} CandHop;

static gboolean hop_send_cand(gpointer data) {
  CandHop *h = data;
  request("ice_candidate",
          json_pack("{s:s, s:s, s:s, s:n, s:i}", "participant", opt.participant, "transport",
                    opt.mode == MODE_SUBSCRIBE ? "subscriber" : "publisher", "candidate", h->cand,
                    "sdpMid", "sdpMLineIndex", (int)h->mline));
  g_free(h->cand);
  g_free(h);
  return G_SOURCE_REMOVE;
}

static void on_ice_candidate(GstElement *w, guint mline, gchar *cand, gpointer user) {
  CandHop *h = g_new0(CandHop, 1);
  h->mline = mline;
  h->cand = g_strdup(cand);
  g_idle_add(hop_send_cand, h);
}

static gboolean hop_connected(gpointer data) {
  if (!connected_us) connected_us = g_get_monotonic_time();
  out(json_pack("{s:s, s:f}", "event", "connected", "ms", ms_since(connected_us)));
  return G_SOURCE_REMOVE;
}

static void on_ice_state(GObject *o, GParamSpec *ps, gpointer user) {
  GstWebRTCICEConnectionState st;
  g_object_get(o, "ice-connection-state", &st, NULL);
  if (st == GST_WEBRTC_ICE_CONNECTION_STATE_CONNECTED ||
      st == GST_WEBRTC_ICE_CONNECTION_STATE_COMPLETED)
    g_idle_add(hop_connected, NULL);
}

/* Loss: drop a share of the RTP (never RTCP, DTLS or STUN) on the wire. */
static GstPadProbeReturn drop_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  guint8 hdr[2];
  if (!b || gst_buffer_extract(b, 0, hdr, 2) != 2) return GST_PAD_PROBE_OK;
  int rtp = hdr[0] >= 128 && hdr[0] <= 191 && !((hdr[1] & 0x7f) >= 64 && (hdr[1] & 0x7f) <= 95);
  if (rtp && g_rand_double_range(rng, 0, 100) < opt.drop_percent) {
    g_atomic_int_inc(&dropped);
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

static void on_deep_element_added(GstBin *bin, GstBin *sub, GstElement *el, gpointer user) {
  if (opt.drop_percent <= 0) return;
  GstElementFactory *f = gst_element_get_factory(el);
  const char *name = f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : "";
  /* Publisher: loss on the way to the SFU; subscriber: on the way back. */
  const char *want = opt.mode == MODE_SUBSCRIBE ? "nicesrc" : "nicesink";
  if (strcmp(name, want) != 0) return;
  GstPad *pad = gst_element_get_static_pad(el, opt.mode == MODE_SUBSCRIBE ? "src" : "sink");
  if (pad) {
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, drop_probe, NULL, NULL);
    gst_object_unref(pad);
  }
}

static GstPadProbeReturn count_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  int video = GPOINTER_TO_INT(user);
  if (video) {
    if (g_atomic_int_add(&frames, 1) == 0) first_frame_us = g_get_monotonic_time();
  } else {
    g_atomic_int_inc(&audio_buffers);
  }
  return GST_PAD_PROBE_OK;
}

static void on_decoded_pad(GstElement *dec, GstPad *pad, gpointer user) {
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, NULL);
  const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  int video = g_str_has_prefix(name, "video/");
  gst_caps_unref(caps);
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(pipe_), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sp = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sp);
  gst_pad_add_probe(sp, GST_PAD_PROBE_TYPE_BUFFER, count_probe, GINT_TO_POINTER(video), NULL);
  gst_object_unref(sp);
}

static void on_incoming_stream(GstElement *w, GstPad *pad, gpointer user) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstElement *dec = gst_element_factory_make("decodebin", NULL);
  g_signal_connect(dec, "pad-added", G_CALLBACK(on_decoded_pad), NULL);
  gst_bin_add(GST_BIN(pipe_), dec);
  gst_element_sync_state_with_parent(dec);
  GstPad *sink = gst_element_get_static_pad(dec, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
}

/* Receiving transceivers made from the SFU's offer: ask for retransmissions. */
static void on_new_transceiver(GstElement *w, GstWebRTCRTPTransceiver *t, gpointer user) {
  g_object_set(t, "do-nack", TRUE, NULL);
}

static void keep_ice_on_loopback(void) {
  GObject *ice = NULL;
  g_object_get(webrtc, "ice-agent", &ice, NULL);
  if (!ice) return;
  g_object_set(ice, "ice-tcp", FALSE, NULL);
  NiceAgent *agent = NULL;
  g_object_get(ice, "agent", &agent, NULL);
  if (agent) {
    NiceAddress a;
    nice_address_init(&a);
    nice_address_set_from_string(&a, "127.0.0.1");
    nice_agent_add_local_address(agent, &a);
    g_object_unref(agent);
  }
  g_object_unref(ice);
}

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer user) {
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error(m, &e, NULL);
    fprintf(stderr, "gstreamer error: %s\n", e->message);
    g_error_free(e);
    finish(1, "gstreamer error");
  }
  return TRUE;
}

static void pipeline_start(void) {
  GError *e = NULL;
  char desc[1024];
  int vp9 = opt.codec && g_ascii_strcasecmp(opt.codec, "vp9") == 0;
  if (opt.mode == MODE_SUBSCRIBE) {
    /* A lone element would come back from gst_parse_launch unwrapped. */
    desc[0] = '\0';
  } else {
    g_snprintf(desc, sizeof desc,
               "webrtcbin name=w bundle-policy=max-bundle "
               "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
               "%s deadline=1 cpu-used=8 keyframe-max-dist=%d target-bitrate=400000 ! "
               "%s pt=96 ! application/x-rtp,media=video,encoding-name=%s,payload=96,clock-rate=90000 ! w. "
               "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! "
               "rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w.",
               vp9 ? "vp9enc" : "vp8enc", opt.kf_interval, vp9 ? "rtpvp9pay" : "rtpvp8pay",
               vp9 ? "VP9" : "VP8");
  }
  if (desc[0]) {
    pipe_ = gst_parse_launch(desc, &e);
  } else {
    pipe_ = gst_pipeline_new(NULL);
    GstElement *w = gst_element_factory_make("webrtcbin", "w");
    gst_util_set_object_arg(G_OBJECT(w), "bundle-policy", "max-bundle");
    gst_bin_add(GST_BIN(pipe_), w);
  }
  if (!pipe_) {
    fprintf(stderr, "pipeline: %s\n", e ? e->message : "?");
    finish(2, "pipeline");
    return;
  }
  webrtc = gst_bin_get_by_name(GST_BIN(pipe_), "w");
  keep_ice_on_loopback();
  g_signal_connect(pipe_, "deep-element-added", G_CALLBACK(on_deep_element_added), NULL);
  g_signal_connect(webrtc, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), NULL);
  g_signal_connect(webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), NULL);
  g_signal_connect(webrtc, "notify::ice-connection-state", G_CALLBACK(on_ice_state), NULL);
  g_signal_connect(webrtc, "pad-added", G_CALLBACK(on_incoming_stream), NULL);
  g_signal_connect(webrtc, "on-new-transceiver", G_CALLBACK(on_new_transceiver), NULL);
  GstBus *bus = gst_element_get_bus(pipe_);
  gst_bus_add_watch(bus, on_bus, NULL);
  gst_object_unref(bus);
  if (opt.mode != MODE_SUBSCRIBE) {
    /* NACK + RTX on our sending transceivers, so the SFU can ask us again. */
    for (int i = 0; i < 2; i++) {
      GstWebRTCRTPTransceiver *t = NULL;
      g_signal_emit_by_name(webrtc, "get-transceiver", i, &t);
      if (t) {
        g_object_set(t, "do-nack", TRUE, NULL);
        gst_object_unref(t);
      }
    }
  }
  gst_element_set_state(pipe_, GST_STATE_PLAYING);
}

static void pipeline_stop(void) {
  if (!pipe_) return;
  gst_element_set_state(pipe_, GST_STATE_NULL);
  GstBus *bus = gst_element_get_bus(pipe_);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_object_unref(webrtc);
  gst_object_unref(pipe_);
  pipe_ = NULL;
  webrtc = NULL;
}

/* ---- control protocol ---- */

static int id_add, id_stats_poll, id_final_stats, id_remove, id_cycle_sub;

/* When the current cycle began (0 once it connected): a cycle that does not
 * connect within CYCLE_CONNECT_S fails the run at once with its number,
 * instead of waiting out --timeout (a cycle under load once never
 * connected and the run sat 13 minutes before saying "timeout"). */
#define CYCLE_CONNECT_S 60
static int64_t cycle_started_us;

static void cycle_begin(void) {
  cycle_no++;
  cycle_started_us = g_get_monotonic_time();
  request("participant_add", json_pack("{s:s}", "participant", opt.participant));
  id_add = next_id - 1;
}

static gboolean stats_poll(gpointer data) {
  if (subscribed_requested) return G_SOURCE_REMOVE;
  id_stats_poll = request("room_stats", json_object());
  return G_SOURCE_CONTINUE;
}

static void on_result(int id, json_t *m) {
  if (id == id_add) {
    if (opt.mode == MODE_SUBSCRIBE) {
      pipeline_start();
      g_timeout_add(200, stats_poll, NULL);
    } else {
      pipeline_start();
    }
    return;
  }
  if (id == id_stats_poll && !subscribed_requested) {
    json_int_t n = json_integer_value(json_object_get(m, "tracks"));
    if (n >= opt.expect_tracks) {
      subscribed_requested = 1;
      offer_sent_us = g_get_monotonic_time();
      request("subscriber_offer", json_pack("{s:s}", "participant", opt.participant));
    }
    return;
  }
  if (id == id_final_stats) {
    json_decref(last_stats);
    last_stats = json_incref(m);
    json_object_del(last_stats, "id");
    json_object_del(last_stats, "type");
    if (stats_pending_exit == 1) finish(0, "done");
    else if (stats_pending_exit == 2) finish(1, "timeout");
    return;
  }
  if (id == id_cycle_sub && opt.mode == MODE_CYCLES) {
    pipeline_stop();
    id_remove = request("participant_remove", json_pack("{s:s}", "participant", opt.participant));
    return;
  }
  if (id == id_remove && opt.mode == MODE_CYCLES) {
    if (cycle_no >= opt.cycles)
      finish(cycle_connected == opt.cycles ? 0 : 1, "cycles done");
    else
      cycle_begin();
    return;
  }
  const char *sdp = json_string_value(json_object_get(m, "sdp"));
  if (sdp) {
    if (opt.mode == MODE_SUBSCRIBE)
      set_remote(sdp, GST_WEBRTC_SDP_TYPE_OFFER);
    else {
      set_remote(sdp, GST_WEBRTC_SDP_TYPE_ANSWER);
      out(json_pack("{s:s}", "event", "published"));
    }
  }
}

static void on_event(json_t *m) {
  const char *ev = json_string_value(json_object_get(m, "event"));
  const char *who = json_string_value(json_object_get(m, "participant"));
  const char *room = json_string_value(json_object_get(m, "room"));
  if (!ev || g_strcmp0(room, opt.room) != 0 || g_strcmp0(who, opt.participant) != 0) return;
  if (strcmp(ev, "subscriber_offer") == 0 && opt.mode == MODE_SUBSCRIBE) {
    set_remote(json_string_value(json_object_get(m, "sdp")), GST_WEBRTC_SDP_TYPE_OFFER);
  } else if (strcmp(ev, "ice_candidate") == 0 && webrtc) {
    const char *c = json_string_value(json_object_get(m, "candidate"));
    if (c) g_signal_emit_by_name(webrtc, "add-ice-candidate", 0, c);
  } else if (strcmp(ev, "transport_state") == 0) {
    const char *st = json_string_value(json_object_get(m, "state"));
    const char *tr = json_string_value(json_object_get(m, "transport"));
    if (opt.mode == MODE_CYCLES && g_strcmp0(st, "connected") == 0 &&
        g_strcmp0(tr, "publisher") == 0) {
      /* Connected: also make the SFU build a subscriber transport and offer
       * (never answered), then leave with everything in place. */
      cycle_connected++;
      cycle_started_us = 0;
      id_cycle_sub = request("subscriber_offer", json_pack("{s:s}", "participant", opt.participant));
    }
  } else if (strcmp(ev, "participant_disconnected") == 0 && opt.mode != MODE_CYCLES) {
    finish(1, "the SFU dropped us");
  }
}

static void on_ws_message(SoupWebsocketConnection *c, gint type, GBytes *data, gpointer user) {
  gsize n;
  const char *d = g_bytes_get_data(data, &n);
  json_error_t je;
  json_t *m = json_loadb(d, n, 0, &je);
  if (!m) return;
  const char *t = json_string_value(json_object_get(m, "type"));
  if (g_strcmp0(t, "auth_ok") == 0) {
    if (opt.create_room) request("room_create", json_pack("{s:i}", "max_participants", 16));
    if (opt.mode == MODE_CYCLES) cycle_begin();
    else {
      request("participant_add", json_pack("{s:s, s:b}", "participant", opt.participant,
                                           "hidden", opt.hidden));
      id_add = next_id - 1;
    }
  } else if (g_strcmp0(t, "result") == 0) {
    on_result((int)json_integer_value(json_object_get(m, "id")), m);
  } else if (g_strcmp0(t, "error") == 0) {
    const char *code = json_string_value(json_object_get(m, "code"));
    fprintf(stderr, "control error: %.*s\n", (int)n, d);
    if (g_strcmp0(code, "room_exists") != 0) finish(1, "control error");
  } else if (g_strcmp0(t, "event") == 0) {
    on_event(m);
  }
  json_decref(m);
}

static void on_ws_closed(SoupWebsocketConnection *c, gpointer user) {
  if (g_main_loop_is_running(loop)) finish(1, "control socket closed");
}

static void on_ws_connected(GObject *src, GAsyncResult *res, gpointer user) {
  GError *e = NULL;
  ws = soup_session_websocket_connect_finish(session, res, &e);
  if (!ws) {
    fprintf(stderr, "websocket: %s\n", e->message);
    g_error_free(e);
    finish(1, "cannot connect");
    return;
  }
  g_object_set(ws, "max-incoming-payload-size", (guint64)0, "keepalive-interval", 0, NULL);
  g_signal_connect(ws, "message", G_CALLBACK(on_ws_message), NULL);
  g_signal_connect(ws, "closed", G_CALLBACK(on_ws_closed), NULL);
  send_json(json_pack("{s:s, s:s}", "type", "auth", "secret", secret));
}

static gboolean check_progress(gpointer data) {
  if (opt.mode == MODE_CYCLES && cycle_started_us &&
      g_get_monotonic_time() - cycle_started_us > (int64_t)CYCLE_CONNECT_S * G_USEC_PER_SEC) {
    static char why[96];
    g_snprintf(why, sizeof why, "cycle %d not connected in %d s", cycle_no, CYCLE_CONNECT_S);
    cycle_started_us = 0;
    finish(1, why);
    return G_SOURCE_REMOVE;
  }
  if (opt.mode == MODE_SUBSCRIBE && g_atomic_int_get(&frames) >= opt.frames_wanted &&
      g_atomic_int_get(&audio_buffers) >= opt.audio_wanted && !stats_pending_exit) {
    stats_pending_exit = 1;
    id_final_stats = request("room_stats", json_object());
  }
  return G_SOURCE_CONTINUE;
}

static gboolean hard_timeout(gpointer data) {
  finish(1, "timeout");
  return G_SOURCE_REMOVE;
}

static gboolean on_timeout(gpointer data) {
  if (opt.mode == MODE_SUBSCRIBE && ws && !stats_pending_exit) {
    /* Fetch the SFU's view for the report, then fail. */
    stats_pending_exit = 2;
    id_final_stats = request("room_stats", json_object());
    g_timeout_add_seconds(3, hard_timeout, NULL);
  } else if (opt.mode == MODE_PUBLISH && opt.duration_s > 0) {
    finish(connected_us ? 0 : 1, connected_us ? "duration over" : "never connected");
  } else {
    finish(1, "timeout");
  }
  return G_SOURCE_REMOVE;
}

static gboolean on_sigterm(gpointer data) {
  finish(opt.mode == MODE_PUBLISH && connected_us ? 0 : 1, "signal");
  return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
  gboolean publish = FALSE, subscribe = FALSE;
  char *mode_unused = NULL;
  GOptionEntry entries[] = {
      {"url", 0, 0, G_OPTION_ARG_STRING, &opt.url, "ws://127.0.0.1:PORT/control", NULL},
      {"secret-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.secret_file, "control secret file", NULL},
      {"room", 0, 0, G_OPTION_ARG_STRING, &opt.room, "room", NULL},
      {"participant", 0, 0, G_OPTION_ARG_STRING, &opt.participant, "participant id", NULL},
      {"create-room", 0, 0, G_OPTION_ARG_NONE, &opt.create_room, "room_create first", NULL},
      {"hidden", 0, 0, G_OPTION_ARG_NONE, &opt.hidden, "join as a hidden participant", NULL},
      {"publish", 0, 0, G_OPTION_ARG_NONE, &publish, "publish test patterns", NULL},
      {"subscribe", 0, 0, G_OPTION_ARG_NONE, &subscribe, "subscribe and count", NULL},
      {"cycles", 0, 0, G_OPTION_ARG_INT, &opt.cycles, "join/publish/leave N times", NULL},
      {"frames", 0, 0, G_OPTION_ARG_INT, &opt.frames_wanted, "video frames to decode", NULL},
      {"audio", 0, 0, G_OPTION_ARG_INT, &opt.audio_wanted, "audio buffers to decode", NULL},
      {"expect-tracks", 0, 0, G_OPTION_ARG_INT, &opt.expect_tracks, "tracks before subscribing", NULL},
      {"timeout", 0, 0, G_OPTION_ARG_INT, &opt.timeout_s, "seconds", NULL},
      {"duration", 0, 0, G_OPTION_ARG_INT, &opt.duration_s, "publish: seconds, then exit 0", NULL},
      {"drop-percent", 0, 0, G_OPTION_ARG_DOUBLE, &opt.drop_percent, "drop RTP on the wire", NULL},
      {"keyframe-interval", 0, 0, G_OPTION_ARG_INT, &opt.kf_interval, "vp8 keyframe-max-dist", NULL},
      {"tamper-fingerprint", 0, 0, G_OPTION_ARG_NONE, &opt.tamper_fingerprint, "send a wrong a=fingerprint", NULL},
      {"codec", 0, 0, G_OPTION_ARG_STRING, &opt.codec, "publish: vp8 (default) or vp9", NULL},
      {"mode", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &mode_unused, "", NULL},
      {NULL}};
  GOptionContext *oc = g_option_context_new("- webrtcbin test peer for parlour-sfu");
  g_option_context_add_main_entries(oc, entries, NULL);
  g_option_context_add_group(oc, gst_init_get_option_group());
  GError *e = NULL;
  if (!g_option_context_parse(oc, &argc, &argv, &e)) {
    fprintf(stderr, "%s\n", e->message);
    return 2;
  }
  g_option_context_free(oc);
  opt.mode = opt.cycles > 0 ? MODE_CYCLES : publish ? MODE_PUBLISH : subscribe ? MODE_SUBSCRIBE : MODE_NONE;
  if (!opt.url || !opt.secret_file || !opt.room || !opt.participant || opt.mode == MODE_NONE) {
    fprintf(stderr, "usage: prog_webrtc_peer --url URL --secret-file F --room R --participant P "
                    "(--publish|--subscribe|--cycles N) [options]\n");
    return 2;
  }
  if (!g_file_get_contents(opt.secret_file, &secret, NULL, &e)) {
    fprintf(stderr, "%s\n", e->message);
    return 2;
  }
  g_strstrip(secret);
  gst_init(NULL, NULL);
  rng = g_rand_new();
  loop = g_main_loop_new(NULL, FALSE);
  t0_us = g_get_monotonic_time();
  session = soup_session_new();
  SoupMessage *msg = soup_message_new("GET", opt.url);
  if (!msg) {
    fprintf(stderr, "bad url %s\n", opt.url);
    return 2;
  }
  soup_session_websocket_connect_async(session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_ws_connected, NULL);
  g_timeout_add(100, check_progress, NULL);
  g_timeout_add_seconds(opt.mode == MODE_PUBLISH && opt.duration_s > 0 ? opt.duration_s : opt.timeout_s,
                        on_timeout, NULL);
  g_unix_signal_add(SIGTERM, on_sigterm, NULL);
  g_unix_signal_add(SIGINT, on_sigterm, NULL);
  g_main_loop_run(loop);
  pipeline_stop();
  if (ws) {
    soup_websocket_connection_close(ws, 1000, NULL);
    g_object_unref(ws);
  }
  g_object_unref(msg);
  g_object_unref(session);
  json_decref(last_stats);
  g_free(secret);
  g_rand_free(rng);
  g_main_loop_unref(loop);
  return exit_code;
}
