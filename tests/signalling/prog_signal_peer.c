/* prog_signal_peer: a browser stand-in for the end-to-end signalling test.
 * It joins a call through parlour-signal over wss exactly as client-web
 * does (docs/signalling-protocol.md): join with a token, publish a VP8 test
 * pattern on a publisher webrtcbin (publish_offer/publish_answer, trickle
 * ICE), receive on a subscriber webrtcbin (subscriber_offer/_answer,
 * renegotiated as the other participant's tracks arrive), decode, and count
 * the video frames it decodes from the others.
 *
 *   prog_signal_peer --url wss://127.0.0.1:P/ws --ca CERT --origin O
 *                    --room R --token-file F [--frames N] [--timeout S]
 *                    [--no-publish] [--linger S]
 *
 * Prints one JSON object per line; the last is the verdict
 * {"result":"ok"|"fail","frames":N,"width":W,"height":H,"audio_buffers":A,...}
 * (A: decoded audio buffers from the others so far). Exit 0 when
 * N frames were decoded before the timeout, 1 otherwise, 2 on usage errors.
 * --linger keeps publishing for S seconds after success, so the other peer
 * can finish too. --reconnect-after N drops the signalling connection after
 * N frames (a network change, no "leave"), joins again with the same token
 * and needs --frames N more from the new session. --frames-after-reset N
 * waits for a media_reset (the call moved to another SFU node): it prints
 * {"event":"flowing"} after --frames frames, then after the reset
 * {"event":"first_frame_after_reset"} and succeeds on N frames decoded
 * from the new transports (after --resets resets, default 1; each earlier
 * one prints {"event":"frames_after_reset"} instead). --failover (several signalling instances)
 * follows a wrong_instance redirect, and when the signalling connection is
 * lost tries the next URL of joined's instances (every 300 ms); after
 * joining again it counts frames afresh, as after a media reset. --image
 * FILE (a PNG) publishes that still picture instead of the test pattern
 * (tests/faces: a camera showing one or two faces). ICE stays on loopback (ice-tcp off, 127.0.0.1 only)
 * unless --ice-address names the host's address (a namespace test). The first decoded audio
 * since each (re)join prints {"event":"audio","resets":N}.
 * --e2ee announces end-to-end encryption in the join (a participant of a
 * legal or telemedicine call must) without holding any key: with --tap it
 * is the test's tap inside the media path (docs/media.md, "End-to-end
 * encryption"): every second it prints {"event":"tap",...}: the RTP packets
 * and VP8 frame starts the SFU forwarded to it, the SFrame key ids found
 * after each frame's clear prefix (video) or at the payload's start (audio),
 * frames with no SFrame header, and what its decoders made of it all.
 * --progress MS prints {"event":"progress","frames":N,"audio_buffers":A}
 * every MS milliseconds until it exits (lingering included): a test can see
 * media still arriving at some moment of the call. */
#define GST_USE_UNSTABLE_API 1
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include "core/codec_keyframe.h"
#include <jansson.h>
#include <libsoup/soup.h>
#include <nice/agent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
  char *url, *ca, *origin, *room, *token_file, *image, *ice_address;
  int frames_wanted, timeout_s, linger_s, reconnect_after, after_reset, resets_wanted, progress_ms;
  gboolean publish, failover, e2ee, tap;
} opt = {.frames_wanted = 30,
         .timeout_s = 40,
         .publish = TRUE,
         .resets_wanted = 1,
         .ice_address = "127.0.0.1"};

static GMainLoop *loop;
static SoupWebsocketConnection *ws;
static GstElement *pipe_, *pub, *sub;
static gint64 t0_us, joined_us, first_frame_us;
static volatile gint frames;
static volatile gint audio_buffers; /* decoded audio buffers from the others (one-way video: audio both ways) */
static int width, height;
static int exit_code = 1;
static gboolean finished;
static int sub_offers;
static SoupSession *session;
static gboolean reconnecting, reconnected;
/* --frames-after-reset: a media_reset seen (the call moved to another SFU
 * node); frames are counted again from zero from then on. */
static gboolean reset_seen;
static int resets;
/* --failover (several signalling instances): the URL in use, joined's
 * instances list, a redirect to follow, and whether we lost signalling. */
static char *cur_url;
static GPtrArray *instances;
static char *redirect_to;
static gboolean lost, ever_joined;
static void connect_signalling(void);

/* ---- --tap: what the SFU forwards, read without keys ---- */
static void out(json_t *j);
#define TAP_KIDS 16
static struct {
  gint video_packets, audio_packets, frame_starts, keyframes, not_sframe, audio_decoded;
  guint64 kids[2][TAP_KIDS]; /* [0] audio, [1] video: distinct key ids seen */
  int nkids[2];
} tap;
static GMutex tap_lock;

/* RFC 9605 section 4.3 header at p: the key id, or -1. */
static gint64 sframe_kid(const guint8 *p, gsize len) {
  if (len < 1) return -1;
  guint8 cfg = p[0];
  guint64 kid = (cfg >> 4) & 7;
  if (cfg & 0x80) {
    gsize n = kid + 1;
    if (len < 1 + n) return -1;
    kid = 0;
    for (gsize i = 0; i < n; i++) kid = (kid << 8) | p[1 + i];
  }
  return (gint64)kid;
}

static void tap_kid(int video, gint64 kid) {
  if (kid < 0) {
    tap.not_sframe++;
    return;
  }
  for (int i = 0; i < tap.nkids[video]; i++)
    if (tap.kids[video][i] == (guint64)kid) return;
  if (tap.nkids[video] < TAP_KIDS) tap.kids[video][tap.nkids[video]++] = (guint64)kid;
}

static GstPadProbeReturn tap_rtp(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  (void)pad;
  int video = GPOINTER_TO_INT(user);
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  GstMapInfo m;
  if (!b || !gst_buffer_map(b, &m, GST_MAP_READ)) return GST_PAD_PROBE_OK;
  const guint8 *d = m.data;
  gsize len = m.size, off = 12;
  if (len >= 12 && (d[0] >> 6) == 2) {
    off += (gsize)(d[0] & 0x0f) * 4;
    if ((d[0] & 0x10) && off + 4 <= len) off += 4 + (gsize)((d[off + 2] << 8) | d[off + 3]) * 4;
    gsize end = len;
    if ((d[0] & 0x20) && len > 12) end -= d[len - 1]; /* padding */
    g_mutex_lock(&tap_lock);
    if (off < end && !video) {
      tap.audio_packets++;
      tap_kid(0, sframe_kid(d + off, end - off));
    } else if (off < end) {
      tap.video_packets++;
      Vp8Descriptor vd;
      if (codec_vp8_parse_descriptor(d + off, end - off, &vd) && vd.start_of_partition &&
          vd.partition_id == 0 && off + vd.descriptor_len < end) {
        const guint8 *f = d + off + vd.descriptor_len;
        gsize flen = end - off - vd.descriptor_len;
        gsize clear = (f[0] & 1) == 0 ? 10 : 3; /* the clear prefix, as sframe.mjs */
        tap.frame_starts++;
        if ((f[0] & 1) == 0) tap.keyframes++;
        tap_kid(1, flen > clear ? sframe_kid(f + clear, flen - clear) : -1);
      }
    }
    g_mutex_unlock(&tap_lock);
  }
  gst_buffer_unmap(b, &m);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn tap_audio_out(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  (void)pad;
  (void)info;
  (void)user;
  g_atomic_int_inc(&tap.audio_decoded);
  return GST_PAD_PROBE_OK;
}

static gboolean tap_report(gpointer d) {
  (void)d;
  g_mutex_lock(&tap_lock);
  json_t *kids[2] = {json_array(), json_array()};
  for (int v = 0; v < 2; v++)
    for (int i = 0; i < tap.nkids[v]; i++) json_array_append_new(kids[v], json_integer((json_int_t)tap.kids[v][i]));
  json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:i, s:i}", "event", "tap",
                        "video_packets", tap.video_packets, "audio_packets", tap.audio_packets,
                        "frame_starts", tap.frame_starts, "keyframes", tap.keyframes, "not_sframe",
                        tap.not_sframe, "audio_kids", kids[0], "video_kids", kids[1],
                        "frames_decoded", g_atomic_int_get(&frames), "audio_decoded",
                        g_atomic_int_get(&tap.audio_decoded));
  g_mutex_unlock(&tap_lock);
  out(j);
  return G_SOURCE_CONTINUE;
}

static double ms_since(gint64 t) { return t ? (t - t0_us) / 1000.0 : -1; }

static void out(json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT);
  printf("%s\n", s);
  fflush(stdout);
  free(s);
  json_decref(j);
}

static void send_msg(const char *type, json_t *fields) {
  json_object_set_new(fields, "v", json_integer(1));
  json_object_set_new(fields, "type", json_string(type));
  char *s = json_dumps(fields, JSON_COMPACT);
  if (ws && soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text(ws, s);
  free(s);
  json_decref(fields);
}

static gboolean progress_report(gpointer d) {
  (void)d;
  out(json_pack("{s:s, s:i, s:i}", "event", "progress", "frames", g_atomic_int_get(&frames),
                "audio_buffers", g_atomic_int_get(&audio_buffers)));
  return G_SOURCE_CONTINUE;
}

static gboolean quit_cb(gpointer d) {
  (void)d;
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static void finish(int code, const char *why) {
  if (finished) return;
  finished = TRUE;
  exit_code = code;
  out(json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:i, s:b, s:i}", "result",
                code == 0 ? "ok" : "fail", "why", why, "frames", g_atomic_int_get(&frames), "width",
                width, "height", height, "joined_ms", ms_since(joined_us), "first_frame_ms",
                ms_since(first_frame_us), "subscriber_offers", sub_offers, "reconnected", reconnected,
                "audio_buffers", g_atomic_int_get(&audio_buffers)));
  if (code == 0 && opt.linger_s > 0)
    g_timeout_add_seconds((guint)opt.linger_s, quit_cb, NULL);
  else
    g_main_loop_quit(loop);
}

/* ---- webrtcbin callbacks come on streaming threads: hop to the main loop
 * for anything that touches the websocket ---- */

typedef struct {
  char *type;
  json_t *fields;
} Hop;

static gboolean hop_send(gpointer data) {
  Hop *h = data;
  send_msg(h->type, h->fields);
  g_free(h->type);
  g_free(h);
  return G_SOURCE_REMOVE;
}

static void hop(const char *type, json_t *fields) {
  Hop *h = g_new0(Hop, 1);
  h->type = g_strdup(type);
  h->fields = fields;
  g_idle_add(hop_send, h);
}

static void on_offer_created(GstPromise *p, gpointer user) {
  (void)user;
  const GstStructure *s = gst_promise_get_reply(p);
  GstWebRTCSessionDescription *offer = NULL;
  gst_structure_get(s, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref(p);
  if (!offer) return;
  g_signal_emit_by_name(pub, "set-local-description", offer, NULL);
  char *text = gst_sdp_message_as_text(offer->sdp);
  hop("publish_offer", json_pack("{s:s}", "sdp", text));
  g_free(text);
  gst_webrtc_session_description_free(offer);
}

static void on_negotiation_needed(GstElement *w, gpointer user) {
  (void)user;
  GstPromise *p = gst_promise_new_with_change_func(on_offer_created, NULL, NULL);
  g_signal_emit_by_name(w, "create-offer", NULL, p);
}

static void on_answer_created(GstPromise *p, gpointer user) {
  (void)user;
  const GstStructure *s = gst_promise_get_reply(p);
  GstWebRTCSessionDescription *answer = NULL;
  gst_structure_get(s, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref(p);
  if (!answer) return;
  g_signal_emit_by_name(sub, "set-local-description", answer, NULL);
  char *text = gst_sdp_message_as_text(answer->sdp);
  hop("subscriber_answer", json_pack("{s:s}", "sdp", text));
  g_free(text);
  gst_webrtc_session_description_free(answer);
}

static void on_remote_offer_set(GstPromise *p, gpointer user) {
  (void)user;
  gst_promise_unref(p);
  GstPromise *p2 = gst_promise_new_with_change_func(on_answer_created, NULL, NULL);
  g_signal_emit_by_name(sub, "create-answer", NULL, p2);
}

static int set_remote(GstElement *w, const char *text, GstWebRTCSDPType type) {
  GstSDPMessage *sdp = NULL;
  if (gst_sdp_message_new_from_text(text, &sdp) != GST_SDP_OK) return -1;
  GstWebRTCSessionDescription *d = gst_webrtc_session_description_new(type, sdp);
  GstPromise *p = type == GST_WEBRTC_SDP_TYPE_OFFER
                      ? gst_promise_new_with_change_func(on_remote_offer_set, NULL, NULL)
                      : gst_promise_new();
  g_signal_emit_by_name(w, "set-remote-description", d, p);
  if (type != GST_WEBRTC_SDP_TYPE_OFFER) gst_promise_unref(p);
  gst_webrtc_session_description_free(d);
  return 0;
}

static void on_ice_candidate(GstElement *w, guint mline, gchar *cand, gpointer user) {
  (void)user;
  hop("ice", json_pack("{s:s, s:s, s:n, s:i}", "transport", w == pub ? "publisher" : "subscriber",
                       "candidate", cand, "sdpMid", "sdpMLineIndex", (int)mline));
}

static gboolean hop_flowing(gpointer d) {
  (void)d;
  out(json_pack("{s:s, s:i, s:i}", "event", reset_seen ? "frames_after_reset" : "flowing", "frames",
                g_atomic_int_get(&frames), "resets", resets));
  return G_SOURCE_REMOVE;
}

static gboolean hop_first_after_reset(gpointer d) {
  (void)d;
  out(json_pack("{s:s, s:f, s:i, s:i, s:i}", "event", "first_frame_after_reset", "ms",
                ms_since(first_frame_us), "width", width, "height", height, "resets", resets));
  return G_SOURCE_REMOVE;
}

static gboolean hop_done(gpointer d) {
  (void)d;
  if (opt.after_reset > 0) {
    if (!reset_seen || g_atomic_int_get(&frames) < opt.after_reset) return G_SOURCE_REMOVE;
    if (resets >= opt.resets_wanted)
      finish(0, "decoded the other's video again after the media reset");
    else
      out(json_pack("{s:s, s:i, s:i}", "event", "frames_after_reset", "frames",
                    g_atomic_int_get(&frames), "resets", resets));
    return G_SOURCE_REMOVE;
  }
  if (g_atomic_int_get(&frames) >= opt.frames_wanted) finish(0, "decoded the other's video");
  return G_SOURCE_REMOVE;
}

/* A network change: drop the signalling connection without "leave", come
 * back with the same token, and set the media up afresh. Frames are counted
 * again from zero for the new session. */
static gboolean reconnect_cb(gpointer d) {
  (void)d;
  connect_signalling();
  return G_SOURCE_REMOVE;
}

static gboolean hop_reconnect(gpointer d) {
  (void)d;
  if (reconnecting || reconnected) return G_SOURCE_REMOVE;
  reconnecting = TRUE;
  out(json_pack("{s:s, s:i}", "event", "dropping_connection", "frames", g_atomic_int_get(&frames)));
  if (ws) {
    g_signal_handlers_disconnect_by_data(ws, NULL);
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    g_object_unref(ws);
    ws = NULL;
  }
  g_timeout_add(700, reconnect_cb, NULL);
  return G_SOURCE_REMOVE;
}

/* Decoded audio: the first buffer since the last (re)join prints
 * {"event":"audio"} with the resets so far, so a test sees audio back both
 * ways after a move as well as video. */
static volatile gint audio_seen;
static gboolean hop_audio(gpointer d) {
  (void)d;
  out(json_pack("{s:s, s:i}", "event", "audio", "resets", resets));
  return G_SOURCE_REMOVE;
}
static GstPadProbeReturn audio_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  (void)pad, (void)info, (void)user;
  g_atomic_int_inc(&audio_buffers);
  if (g_atomic_int_compare_and_exchange(&audio_seen, 0, 1)) g_idle_add(hop_audio, NULL);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn count_probe(GstPad *pad, GstPadProbeInfo *info, gpointer user) {
  (void)info;
  (void)user;
  int n = g_atomic_int_add(&frames, 1) + 1;
  if (n == 1) {
    first_frame_us = g_get_monotonic_time();
    GstCaps *caps = gst_pad_get_current_caps(pad);
    if (caps) {
      GstStructure *s = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(s, "width", &width);
      gst_structure_get_int(s, "height", &height);
      gst_caps_unref(caps);
    }
  }
  if (opt.after_reset > 0) {
    if (n == 1 && reset_seen) g_idle_add(hop_first_after_reset, NULL);
    if (!reset_seen && n == opt.frames_wanted) g_idle_add(hop_flowing, NULL);
    if (reset_seen && n == opt.after_reset) g_idle_add(hop_done, NULL);
    return GST_PAD_PROBE_OK;
  }
  if (opt.reconnect_after > 0 && !reconnected && n == opt.reconnect_after)
    g_idle_add(hop_reconnect, NULL);
  else if (n == opt.frames_wanted && (opt.reconnect_after <= 0 || reconnected))
    g_idle_add(hop_done, NULL);
  return GST_PAD_PROBE_OK;
}

static void on_decoded_pad(GstElement *dec, GstPad *pad, gpointer user) {
  (void)dec;
  (void)user;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, NULL);
  int video = g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/");
  gst_caps_unref(caps);
  GstElement *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add(GST_BIN(pipe_), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad *sp = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sp);
  gst_pad_add_probe(sp, GST_PAD_PROBE_TYPE_BUFFER, video ? count_probe : audio_probe, NULL, NULL);
  if (!video && opt.tap) gst_pad_add_probe(sp, GST_PAD_PROBE_TYPE_BUFFER, tap_audio_out, NULL, NULL);
  gst_object_unref(sp);
}

static void on_incoming_stream(GstElement *w, GstPad *pad, gpointer user) {
  (void)w;
  (void)user;
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  if (opt.tap) {
    GstCaps *caps = gst_pad_get_current_caps(pad);
    const char *media = caps ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "media") : NULL;
    int video = media && strcmp(media, "video") == 0;
    if (caps) gst_caps_unref(caps);
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, tap_rtp, GINT_TO_POINTER(video), NULL);
  }
  GstElement *dec = gst_element_factory_make("decodebin", NULL);
  g_signal_connect(dec, "pad-added", G_CALLBACK(on_decoded_pad), NULL);
  gst_bin_add(GST_BIN(pipe_), dec);
  gst_element_sync_state_with_parent(dec);
  GstPad *sink = gst_element_get_static_pad(dec, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
}

static void keep_ice_on_loopback(GstElement *w) {
  GObject *ice = NULL;
  g_object_get(w, "ice-agent", &ice, NULL);
  if (!ice) return;
  g_object_set(ice, "ice-tcp", FALSE, NULL);
  NiceAgent *agent = NULL;
  g_object_get(ice, "agent", &agent, NULL);
  if (agent) {
    NiceAddress a;
    nice_address_init(&a);
    /* --ice-address: the host's own address in a namespace test
     * (tests/net/test-multihost.mjs); loopback otherwise. */
    nice_address_set_from_string(&a, opt.ice_address);
    nice_agent_add_local_address(agent, &a);
    g_object_unref(agent);
  }
  g_object_unref(ice);
}

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer user) {
  (void)bus;
  (void)user;
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    gst_message_parse_error(m, &e, NULL);
    fprintf(stderr, "gstreamer error: %s\n", e->message);
    g_error_free(e);
    finish(1, "gstreamer error");
  }
  return TRUE;
}

static void pipeline_stop(void) {
  if (!pipe_) return;
  gst_element_set_state(pipe_, GST_STATE_NULL);
  if (pub) gst_object_unref(pub);
  if (sub) gst_object_unref(sub);
  gst_object_unref(pipe_);
  pipe_ = pub = sub = NULL;
}

static int pipeline_start(void) {
  GError *e = NULL;
  if (!opt.publish) {
    /* One element alone would not be given a bin by gst_parse_launch. */
    pipe_ = gst_pipeline_new("peer");
    GstElement *w = gst_element_factory_make("webrtcbin", "sub");
    g_object_set(w, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
    gst_bin_add(GST_BIN(pipe_), w);
  }
  char *source = opt.image
      ? g_strdup_printf("filesrc location=\"%s\" ! pngdec ! videoconvert ! imagefreeze is-live=true ! "
                        "videoconvert ! videoscale ! video/x-raw,width=320,height=240,framerate=30/1", opt.image)
      : g_strdup("videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1");
  char *descbuf = g_strdup_printf(
            "webrtcbin name=pub bundle-policy=max-bundle "
            "%s ! "
            "vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 target-bitrate=300000 ! "
            "rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! pub. "
            "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! opusenc ! "
            "rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! pub. "
            "webrtcbin name=sub bundle-policy=max-bundle", source);
  const char *desc = opt.publish ? descbuf : NULL;
  if (desc) pipe_ = gst_parse_launch(desc, &e);
  g_free(source);
  g_free(descbuf);
  if (!pipe_) {
    fprintf(stderr, "pipeline: %s\n", e ? e->message : "?");
    return -1;
  }
  sub = gst_bin_get_by_name(GST_BIN(pipe_), "sub");
  keep_ice_on_loopback(sub);
  g_signal_connect(sub, "on-ice-candidate", G_CALLBACK(on_ice_candidate), NULL);
  g_signal_connect(sub, "pad-added", G_CALLBACK(on_incoming_stream), NULL);
  if (opt.publish) {
    pub = gst_bin_get_by_name(GST_BIN(pipe_), "pub");
    keep_ice_on_loopback(pub);
    g_signal_connect(pub, "on-negotiation-needed", G_CALLBACK(on_negotiation_needed), NULL);
    g_signal_connect(pub, "on-ice-candidate", G_CALLBACK(on_ice_candidate), NULL);
  }
  GstBus *bus = gst_element_get_bus(pipe_);
  gst_bus_add_watch(bus, on_bus, NULL);
  gst_object_unref(bus);
  gst_element_set_state(pipe_, GST_STATE_PLAYING);
  return 0;
}

/* ---- signalling ---- */

static void on_message(SoupWebsocketConnection *c, gint type, GBytes *bytes, gpointer user) {
  (void)c;
  (void)user;
  (void)type;
  gsize len = 0;
  const char *text = g_bytes_get_data(bytes, &len);
  json_t *m = json_loadb(text, len, 0, NULL);
  const char *t = json_string_value(json_object_get(m, "type"));
  if (!t) {
    json_decref(m);
    return;
  }
  if (strcmp(t, "joined") == 0) {
    joined_us = g_get_monotonic_time();
    json_t *inst = json_object_get(m, "instances");
    if (opt.failover && json_is_array(inst) && json_array_size(inst) > 0) {
      g_ptr_array_set_size(instances, 0);
      size_t i;
      json_t *u;
      json_array_foreach(inst, i, u) if (json_is_string(u))
          g_ptr_array_add(instances, g_strdup(json_string_value(u)));
    }
    if (lost) {
      /* Joined again on a surviving instance: fresh transports, so the
       * frames from now on are the new ones'. */
      lost = FALSE;
      if (pipe_) pipeline_stop();
      reset_seen = TRUE;
      resets++;
      g_atomic_int_set(&frames, 0);
      g_atomic_int_set(&audio_seen, 0);
      first_frame_us = 0;
      width = height = 0;
    }
    ever_joined = TRUE;
    out(json_pack("{s:s, s:f, s:O, s:O}", "event", "joined", "ms", ms_since(joined_us),
                  "recording", json_object_get(m, "recording"), "participants",
                  json_object_get(m, "participants")));
    /* A media_reset (the SFU lost our media) is followed by a new joined:
     * set both peer connections up afresh, as a browser page would. */
    if (reconnecting && json_is_true(json_object_get(m, "reconnected"))) {
      reconnecting = FALSE;
      reconnected = TRUE;
      g_atomic_int_set(&frames, 0);
      g_atomic_int_set(&audio_seen, 0);
      first_frame_us = 0;
      width = height = 0;
    }
    if (pipe_) pipeline_stop();
    if (pipeline_start() != 0) finish(2, "pipeline");
  } else if (strcmp(t, "media_reset") == 0) {
    out(json_pack("{s:s, s:O}", "event", "media_reset", "reason", json_object_get(m, "reason")));
    if (opt.after_reset > 0) {
      /* The old transports are gone: frames from now on are the new ones'. */
      reset_seen = TRUE;
      resets++;
      if (pipe_) pipeline_stop();
      g_atomic_int_set(&frames, 0);
      g_atomic_int_set(&audio_seen, 0);
      first_frame_us = 0;
      width = height = 0;
    }
  } else if (strcmp(t, "publish_answer") == 0 && pub) {
    set_remote(pub, json_string_value(json_object_get(m, "sdp")), GST_WEBRTC_SDP_TYPE_ANSWER);
  } else if (strcmp(t, "subscriber_offer") == 0 && sub) {
    sub_offers++;
    set_remote(sub, json_string_value(json_object_get(m, "sdp")), GST_WEBRTC_SDP_TYPE_OFFER);
  } else if (strcmp(t, "ice") == 0) {
    const char *tr = json_string_value(json_object_get(m, "transport"));
    const char *cand = json_string_value(json_object_get(m, "candidate"));
    GstElement *w = tr && strcmp(tr, "publisher") == 0 ? pub : sub;
    if (w && cand && *cand)
      g_signal_emit_by_name(w, "add-ice-candidate",
                            (guint)json_integer_value(json_object_get(m, "sdpMLineIndex")), cand);
  } else if (strcmp(t, "error") == 0) {
    out(json_pack("{s:s, s:O}", "event", "error", "error", m));
    const char *re = json_string_value(json_object_get(m, "re"));
    const char *code = json_string_value(json_object_get(m, "code"));
    if (opt.failover && code && strcmp(code, "wrong_instance") == 0) {
      g_free(redirect_to);
      redirect_to = g_strdup(json_string_value(json_object_get(m, "signal_url")));
      json_decref(m);
      return; /* the close follows */
    }
    if (opt.failover && code && (strcmp(code, "instance_starting") == 0 ||
                                 strcmp(code, "admission_unavailable") == 0)) {
      json_decref(m);
      return;
    }
    if (re && strcmp(re, "join") == 0) finish(1, "join refused");
  } else if (strcmp(t, "visit_ended") == 0) {
    finish(g_atomic_int_get(&frames) >= opt.frames_wanted ? 0 : 1, "visit ended");
  } else {
    out(json_pack("{s:s, s:s}", "event", "message", "type", t));
  }
  json_decref(m);
}

/* --failover: the next instance to try: a redirect, else the next in
 * joined's list after the one that failed. */
static void next_url(void) {
  if (redirect_to) {
    g_free(cur_url);
    cur_url = redirect_to;
    redirect_to = NULL;
    return;
  }
  if (!instances || instances->len < 2) return;
  guint i = 0;
  while (i < instances->len && strcmp(instances->pdata[i], cur_url) != 0) i++;
  g_free(cur_url);
  cur_url = g_strdup(instances->pdata[i < instances->len ? (i + 1) % instances->len : 0]);
}

static gboolean failover_cb(gpointer d) {
  (void)d;
  connect_signalling();
  return G_SOURCE_REMOVE;
}

static void failover(const char *why) {
  gboolean redirected = redirect_to != NULL;
  if (ever_joined && !lost && !redirected) {
    lost = TRUE;
    out(json_pack("{s:s, s:s, s:s}", "event", "signalling_lost", "url", cur_url, "why", why));
  }
  next_url();
  out(json_pack("{s:s, s:s}", "event", "trying", "url", cur_url));
  g_timeout_add(redirected ? 0 : 300, failover_cb, NULL);
}

static void on_closed(SoupWebsocketConnection *c, gpointer user) {
  (void)user;
  if (finished || reconnecting) return;
  if (opt.failover) {
    if (c == ws) {
      g_signal_handlers_disconnect_by_data(ws, NULL);
      g_object_unref(ws);
      ws = NULL;
    }
    failover("closed");
    return;
  }
  finish(1, "signalling connection closed");
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer user) {
  (void)user;
  GError *e = NULL;
  ws = soup_session_websocket_connect_finish(SOUP_SESSION(src), res, &e);
  if (!ws) {
    fprintf(stderr, "connect %s: %s\n", cur_url, e->message);
    g_error_free(e);
    if (opt.failover && !finished) {
      failover("connect failed");
      return;
    }
    finish(1, "cannot connect to signalling");
    return;
  }
  soup_websocket_connection_set_max_incoming_payload_size(ws, 1 << 20);
  g_signal_connect(ws, "message", G_CALLBACK(on_message), NULL);
  g_signal_connect(ws, "closed", G_CALLBACK(on_closed), NULL);
  char *token = NULL;
  if (!g_file_get_contents(opt.token_file, &token, NULL, NULL)) {
    finish(2, "cannot read the token file");
    return;
  }
  g_strstrip(token);
  json_t *join = json_pack("{s:s, s:s}", "token", token, "room", opt.room);
  if (opt.e2ee) json_object_set_new(join, "e2ee", json_true());
  send_msg("join", join);
  g_free(token);
}

static void connect_signalling(void) {
  if (!cur_url) cur_url = g_strdup(opt.url);
  SoupMessage *msg = soup_message_new("GET", cur_url);
  soup_session_websocket_connect_async(session, msg, opt.origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_connected, NULL);
  g_object_unref(msg);
}

static gboolean on_timeout(gpointer d) {
  (void)d;
  finish(1, "timeout");
  return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  instances = g_ptr_array_new_with_free_func(g_free);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--url") == 0 && val) opt.url = argv[++i];
    else if (strcmp(a, "--ca") == 0 && val) opt.ca = argv[++i];
    else if (strcmp(a, "--origin") == 0 && val) opt.origin = argv[++i];
    else if (strcmp(a, "--room") == 0 && val) opt.room = argv[++i];
    else if (strcmp(a, "--token-file") == 0 && val) opt.token_file = argv[++i];
    else if (strcmp(a, "--frames") == 0 && val) opt.frames_wanted = atoi(argv[++i]);
    else if (strcmp(a, "--timeout") == 0 && val) opt.timeout_s = atoi(argv[++i]);
    else if (strcmp(a, "--linger") == 0 && val) opt.linger_s = atoi(argv[++i]);
    else if (strcmp(a, "--reconnect-after") == 0 && val) opt.reconnect_after = atoi(argv[++i]);
    else if (strcmp(a, "--frames-after-reset") == 0 && val) opt.after_reset = atoi(argv[++i]);
    else if (strcmp(a, "--failover") == 0) opt.failover = TRUE;
    else if (strcmp(a, "--ice-address") == 0 && val) opt.ice_address = argv[++i];
    else if (strcmp(a, "--resets") == 0 && val) opt.resets_wanted = atoi(argv[++i]);
    else if (strcmp(a, "--no-publish") == 0) opt.publish = FALSE;
    else if (strcmp(a, "--e2ee") == 0) opt.e2ee = TRUE;
    else if (strcmp(a, "--tap") == 0) opt.tap = TRUE;
    else if (strcmp(a, "--image") == 0 && val) opt.image = argv[++i];
    else if (strcmp(a, "--progress") == 0 && val) opt.progress_ms = atoi(argv[++i]);
    else {
      fprintf(stderr, "prog_signal_peer: bad argument %s\n", a);
      return 2;
    }
  }
  if (!opt.url || !opt.room || !opt.token_file || opt.frames_wanted < 1) {
    fprintf(stderr, "usage: prog_signal_peer --url wss://... --ca CERT --origin O --room R "
                    "--token-file F [--frames N] [--timeout S] [--no-publish] [--linger S] "
                    "[--reconnect-after N] [--frames-after-reset N] [--resets N] [--failover] [--e2ee] "
                    "[--tap] [--ice-address A]\n");
    return 2;
  }
  t0_us = g_get_monotonic_time();
  loop = g_main_loop_new(NULL, FALSE);
  session = soup_session_new();
  if (opt.ca) {
    GError *e = NULL;
    GTlsDatabase *db = g_tls_file_database_new(opt.ca, &e);
    if (!db) {
      fprintf(stderr, "ca: %s\n", e->message);
      return 2;
    }
    soup_session_set_tls_database(session, db);
    g_object_unref(db);
  }
  if (!g_str_has_prefix(opt.url, "wss://") && !g_str_has_prefix(opt.url, "ws://")) {
    fprintf(stderr, "bad url %s\n", opt.url);
    return 2;
  }
  connect_signalling();
  g_timeout_add_seconds((guint)opt.timeout_s, on_timeout, NULL);
  if (opt.tap) g_timeout_add_seconds(1, tap_report, NULL);
  if (opt.progress_ms > 0) g_timeout_add((guint)opt.progress_ms, progress_report, NULL);
  g_main_loop_run(loop);
  if (ws) {
    if (soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_object_unref(ws);
  }
  pipeline_stop();
  g_object_unref(session);
  g_main_loop_unref(loop);
  return exit_code;
}
