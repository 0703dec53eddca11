/* The room's pump side of policy (sfu/room.c, sfu/participant.c): what a
 * control request may make the room negotiate, before the engine sees any
 * of it (the engine's own gate is test_sfu_pipeline's). A real Room, its
 * requests through room_handle as the control API makes them, read back
 * through participant_stats (docs/sfu-control.md). One-way video: a
 * participant added or updated with receive_video false gets no video
 * subscription and an explicit subscribe is refused; a participant_update
 * with nothing to change is bad input; the drop counts are in the stats
 * with every reason. */
#include <glib.h>
#include <string.h>

#include "core/engine_drops.h"
#include "dtls.h"
#include "room.h"

static const char *PUB_OFFER =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=msid-semantic: WMS stream\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab12\r\n"
    "a=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=sendonly\r\n"
    "a=msid:stream vtrack\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 43690 43691\r\n"
    "a=ssrc:43690 cname:x\r\n"
    "a=ssrc:43691 cname:x\r\n";

static Room *room;

static json_t *call(const char *type, json_t *msg) {
  json_t *r = room_handle(room, type, msg);
  json_decref(msg);
  g_assert_nonnull(r);
  return r;
}

static json_t *request(const char *type, json_t *msg) {
  json_t *r = call(type, msg);
  if (g_strcmp0(json_string_value(json_object_get(r, "type")), "result") != 0) {
    char *s = json_dumps(r, 0);
    g_error("%s: %s", type, s);
  }
  return r;
}

static const char *code_of(json_t *r) { return json_string_value(json_object_get(r, "code")); }

/* A participant's subscriptions as participant_stats lists them: how many, and how
 * many carry a track (active). */
static void subs_of(const char *who, unsigned *n, unsigned *active) {
  json_t *st = request("participant_stats", json_pack("{s:s}", "participant", who));
  json_t *subs = json_object_get(st, "subscriptions");
  g_assert_true(json_is_array(subs));
  *n = (unsigned)json_array_size(subs);
  *active = 0;
  for (size_t i = 0; i < json_array_size(subs); i++)
    *active += json_is_true(json_object_get(json_array_get(subs, i), "active"));
  json_decref(st);
}

static void test_one_way_video_policy(void) {
  char err[256];
  DtlsContext *dtls = dtls_context_new(err, sizeof err);
  g_assert_nonnull(dtls);
  static char *addrs[] = {"127.0.0.1", NULL};
  SfuEnv env = {.dtls = dtls, .ice_addresses = addrs, .recording_dir = "/nonexistent"};
  GMainContext *ctx = g_main_context_new(); /* never run */
  room = room_new("policy", 8, 0, 0, &env, ctx);
  json_decref(request("participant_add", json_pack("{s:s}", "participant", "alice")));
  json_decref(request("publish_offer",
                      json_pack("{s:s, s:s}", "participant", "alice", "sdp", PUB_OFFER)));
  json_decref(request("participant_add", json_pack("{s:s}", "participant", "bob")));
  unsigned n, active;
  subs_of("bob", &n, &active);
  g_assert_cmpuint(n, ==, 1);
  g_assert_cmpuint(active, ==, 1);
  /* participant_update receive_video:false: the video subscription goes */
  json_t *u = request("participant_update",
                      json_pack("{s:s, s:b}", "participant", "bob", "receive_video", 0));
  json_decref(u);
  subs_of("bob", &n, &active);
  g_assert_cmpuint(active, ==, 0);
  /* and an explicit subscribe is refused */
  json_t *r = call("subscribe", json_pack("{s:s, s:s}", "participant", "bob", "track", "alice:0"));
  g_assert_cmpstr(code_of(r), ==, "forbidden");
  json_decref(r);
  /* participant_update with nothing to change is bad input */
  r = call("participant_update", json_pack("{s:s}", "participant", "bob"));
  g_assert_cmpstr(code_of(r), ==, "bad_request");
  json_decref(r);
  /* added with receive_video:false: never subscribed to the video track */
  json_decref(request("participant_add",
                      json_pack("{s:s, s:b}", "participant", "dave", "receive_video", 0)));
  subs_of("dave", &n, &active);
  g_assert_cmpuint(n, ==, 0);
  /* and lifted: subscribed again */
  json_decref(request("participant_update",
                      json_pack("{s:s, s:b}", "participant", "dave", "receive_video", 1)));
  subs_of("dave", &n, &active);
  g_assert_cmpuint(active, ==, 1);
  /* the drop counts are in the stats, every reason (stable keys) */
  json_t *st = request("participant_stats", json_pack("{s:s}", "participant", "dave"));
  g_assert_cmpint(json_object_size(json_object_get(st, "drops")), ==, ENGINE_DROP_N);
  json_decref(st);
  st = request("room_stats", json_object());
  g_assert_cmpint(json_object_size(json_object_get(st, "drops")), ==, ENGINE_DROP_N);
  g_assert_cmpint(json_integer_value(json_object_get(st, "tracks")), ==, 1);
  json_decref(st);
  room_free(room, "shutdown");
  g_main_context_unref(ctx);
  dtls_context_free(dtls);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/room_policy/one_way_video", test_one_way_video_policy);
  return g_test_run();
}
