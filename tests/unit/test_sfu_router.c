/* sfu/core/router: tracks and subscriptions, SSRC lookups, routing decisions
 * (audio at once, video from a keyframe), server-side mute keeping the
 * output continuous, simulcast layer switch, removal and ownership. */
#include <glib.h>
#include <string.h>

#include "core/router.h"

static int destroyed;
static void count_destroy(gpointer p) {
  destroyed++;
  g_free(p);
}

static RouterTrackSpec audio_spec(const char *id, const char *pub, uint32_t ssrc) {
  RouterTrackSpec s = {0};
  s.id = id;
  s.publisher = pub;
  s.mid = "0";
  s.kind = ROUTER_KIND_AUDIO;
  s.codec = CODEC_OPUS;
  s.clock_rate = 48000;
  s.payload_type = 111;
  s.n_layers = 1;
  s.ssrcs[0] = ssrc;
  return s;
}

static RouterTrackSpec video_spec(const char *id, const char *pub, uint32_t ssrc, uint32_t rtx) {
  RouterTrackSpec s = audio_spec(id, pub, ssrc);
  s.mid = "1";
  s.kind = ROUTER_KIND_VIDEO;
  s.codec = CODEC_VP8;
  s.clock_rate = 90000;
  s.payload_type = 96;
  s.rtx_ssrcs[0] = rtx;
  return s;
}

static size_t route(Router *r, uint32_t ssrc, uint16_t seq, uint32_t ts, bool key, RouterOutput *outs) {
  size_t n = 99;
  g_assert_cmpint(router_route(r, ssrc, seq, ts, key, 0, NULL, outs, 8, &n), ==, ROUTER_OK);
  return n;
}

static void test_tracks(void) {
  Router *r = router_new();
  RouterTrack *t;
  RouterTrackSpec a = audio_spec("alice-a", "alice", 111);
  g_assert_cmpint(router_add_track(r, &a, &t), ==, ROUTER_OK);
  g_assert_cmpstr(t->id, ==, "alice-a");
  g_assert_cmpstr(t->mid, ==, "0");
  g_assert_cmpint(router_add_track(r, &a, NULL), ==, ROUTER_ERR_EXISTS);
  RouterTrackSpec v = video_spec("alice-v", "alice", 111, 223);
  g_assert_cmpint(router_add_track(r, &v, NULL), ==, ROUTER_ERR_SSRC_IN_USE);
  v.ssrcs[0] = 223; /* same as its own RTX */
  g_assert_cmpint(router_add_track(r, &v, NULL), ==, ROUTER_ERR_SSRC_IN_USE);
  v.ssrcs[0] = 222;
  g_assert_cmpint(router_add_track(r, &v, NULL), ==, ROUTER_OK);
  RouterTrackSpec bad = audio_spec("", "alice", 5);
  g_assert_cmpint(router_add_track(r, &bad, NULL), ==, ROUTER_ERR_ARG);
  bad = audio_spec("x", NULL, 5);
  g_assert_cmpint(router_add_track(r, &bad, NULL), ==, ROUTER_ERR_ARG);
  bad = audio_spec("x", "alice", 5);
  bad.n_layers = 4;
  g_assert_cmpint(router_add_track(r, &bad, NULL), ==, ROUTER_ERR_ARG);
  bad.n_layers = 1;
  bad.clock_rate = 0;
  g_assert_cmpint(router_add_track(r, &bad, NULL), ==, ROUTER_ERR_ARG);
  g_assert_cmpuint(router_track_count(r), ==, 2);
  RouterSsrcInfo info;
  g_assert_true(router_lookup_ssrc(r, 223, &info));
  g_assert_cmpstr(info.track->id, ==, "alice-v");
  g_assert_true(info.is_rtx);
  g_assert_true(router_lookup_ssrc(r, 222, &info));
  g_assert_false(info.is_rtx);
  g_assert_false(router_lookup_ssrc(r, 999, &info));
  g_assert_false(router_lookup_ssrc(r, 0, &info));
  g_assert_true(router_track_by_id(r, "alice-a") == t);
  g_assert_null(router_track_by_id(r, "nope"));
  /* an SSRC learnt later (rid-based simulcast) */
  RouterTrackSpec late = video_spec("bob-v", "bob", 0, 0);
  RouterTrack *lt;
  g_assert_cmpint(router_add_track(r, &late, &lt), ==, ROUTER_OK);
  RouterOutput outs[8];
  size_t n;
  g_assert_cmpint(router_route(r, 444, 1, 1, true, 0, NULL, outs, 8, &n), ==, ROUTER_ERR_NOT_FOUND);
  g_assert_cmpint(router_track_set_ssrc(r, lt, 0, false, 222), ==, ROUTER_ERR_SSRC_IN_USE);
  g_assert_cmpint(router_track_set_ssrc(r, lt, 1, false, 444), ==, ROUTER_ERR_ARG);
  g_assert_cmpint(router_track_set_ssrc(r, lt, 0, false, 444), ==, ROUTER_OK);
  g_assert_cmpint(router_route(r, 444, 1, 1, true, 0, NULL, outs, 8, &n), ==, ROUTER_OK);
  g_assert_cmpint(router_track_set_ssrc(r, lt, 0, false, 445), ==, ROUTER_OK); /* rebind */
  g_assert_false(router_lookup_ssrc(r, 444, NULL));
  g_assert_true(router_lookup_ssrc(r, 445, NULL));
  /* removing a track frees its SSRCs */
  g_assert_cmpint(router_remove_track(r, "alice-v"), ==, ROUTER_OK);
  g_assert_cmpint(router_remove_track(r, "alice-v"), ==, ROUTER_ERR_NOT_FOUND);
  g_assert_false(router_lookup_ssrc(r, 222, NULL));
  g_assert_false(router_lookup_ssrc(r, 223, NULL));
  g_assert_cmpstr(router_status_str(ROUTER_ERR_SSRC_IN_USE), ==, "ssrc_in_use");
  router_free(r);
}

static void test_route_audio_video(void) {
  Router *r = router_new();
  RouterTrackSpec a = audio_spec("alice-a", "alice", 111);
  RouterTrackSpec v = video_spec("alice-v", "alice", 222, 223);
  router_add_track(r, &a, NULL);
  router_add_track(r, &v, NULL);
  RouterSubscription *sa, *sv;
  g_assert_cmpint(router_subscribe(r, "bob", "alice-a", 9001, 100, 5000, &sa), ==, ROUTER_OK);
  g_assert_cmpint(router_subscribe(r, "bob", "alice-v", 9002, 200, 7000, &sv), ==, ROUTER_OK);
  g_assert_cmpint(router_subscribe(r, "bob", "alice-v", 9003, 0, 0, NULL), ==, ROUTER_ERR_EXISTS);
  g_assert_cmpint(router_subscribe(r, "carol", "alice-v", 9002, 0, 0, NULL), ==, ROUTER_ERR_SSRC_IN_USE);
  g_assert_cmpint(router_subscribe(r, "carol", "nope", 9004, 0, 0, NULL), ==, ROUTER_ERR_NOT_FOUND);
  g_assert_cmpint(router_subscribe(r, "carol", "alice-v", 0, 0, 0, NULL), ==, ROUTER_ERR_ARG);
  g_assert_true(router_subscription_by_out_ssrc(r, 9002) == sv);
  g_assert_true(router_subscription_find(r, "bob", "alice-a") == sa);
  g_assert_null(router_subscription_find(r, "carol", "alice-a"));
  RouterOutput outs[8];
  /* audio goes out at once, rewritten */
  g_assert_cmpuint(route(r, 111, 40000, 123456, false, outs), ==, 1);
  g_assert_true(outs[0].sub == sa);
  g_assert_cmpuint(outs[0].sub->out_ssrc, ==, 9001);
  g_assert_cmpuint(outs[0].seq, ==, 100);
  g_assert_cmpuint(outs[0].ts, ==, 5000);
  g_assert_cmpuint(route(r, 111, 40001, 123456 + 960, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 101);
  g_assert_cmpuint(outs[0].ts, ==, 5960);
  /* video waits for a keyframe */
  g_assert_true(sv->waiting_keyframe);
  g_assert_cmpuint(route(r, 222, 10, 900, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 222, 11, 900, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 222, 12, 3900, true, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 200);
  g_assert_cmpuint(outs[0].ts, ==, 7000);
  g_assert_cmpuint(route(r, 222, 13, 3900, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 201);
  /* RTX must be unwrapped first */
  size_t n;
  g_assert_cmpint(router_route(r, 223, 1, 1, false, 0, NULL, outs, 8, &n), ==, ROUTER_ERR_ARG);
  /* a second subscriber; too small an output array changes nothing */
  g_assert_cmpint(router_subscribe(r, "carol", "alice-a", 9005, 300, 0, NULL), ==, ROUTER_OK);
  RouterTrack *tr;
  g_assert_cmpint(router_route(r, 111, 40002, 0, false, 0, &tr, outs, 1, &n), ==, ROUTER_ERR_NO_SPACE);
  g_assert_cmpstr(tr->id, ==, "alice-a");
  g_assert_cmpuint(route(r, 111, 40002, 123456 + 1920, false, outs), ==, 2);
  g_assert_cmpuint(outs[0].seq, ==, 102); /* bob's continues, the refusal did not count */
  g_assert_cmpuint(outs[1].seq, ==, 300);
  size_t ns;
  RouterSubscription *const *subs = router_track_subscriptions(router_track_by_id(r, "alice-a"), &ns);
  g_assert_cmpuint(ns, ==, 2);
  g_assert_true(subs[0] == sa);
  /* unsubscribe */
  g_assert_cmpint(router_unsubscribe(r, "carol", "alice-a"), ==, ROUTER_OK);
  g_assert_cmpint(router_unsubscribe(r, "carol", "alice-a"), ==, ROUTER_ERR_NOT_FOUND);
  g_assert_null(router_subscription_by_out_ssrc(r, 9005));
  g_assert_cmpuint(route(r, 111, 40003, 0, false, outs), ==, 1);
  router_free(r);
}

static void test_mute(void) {
  Router *r = router_new();
  RouterTrackSpec a = audio_spec("a", "alice", 111);
  RouterTrackSpec v = video_spec("v", "alice", 222, 0);
  router_add_track(r, &a, NULL);
  router_add_track(r, &v, NULL);
  router_subscribe(r, "bob", "a", 1, 1000, 0, NULL);
  router_subscribe(r, "bob", "v", 2, 2000, 0, NULL);
  RouterOutput outs[8];
  g_assert_cmpuint(route(r, 111, 1, 0, false, outs), ==, 1);
  g_assert_cmpuint(route(r, 222, 1, 0, true, outs), ==, 1);
  bool need;
  g_assert_cmpint(router_set_muted(r, "a", true, &need), ==, ROUTER_OK);
  g_assert_false(need);
  g_assert_cmpint(router_set_muted(r, "v", true, &need), ==, ROUTER_OK);
  g_assert_true(router_track_by_id(r, "a")->muted);
  for (uint16_t q = 2; q < 200; q++) {
    g_assert_cmpuint(route(r, 111, q, q * 960, false, outs), ==, 0);
    g_assert_cmpuint(route(r, 222, q, q * 3000, q % 50 == 0, outs), ==, 0);
  }
  /* audio unmute: next packet follows the last one sent, no gap */
  g_assert_cmpint(router_set_muted(r, "a", false, &need), ==, ROUTER_OK);
  g_assert_false(need);
  g_assert_cmpuint(route(r, 111, 200, 200 * 960, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 1001);
  g_assert_cmpuint(outs[0].ts, ==, 200 * 960); /* timestamps keep real time */
  /* video unmute: wait for a keyframe, still without a gap */
  g_assert_cmpint(router_set_muted(r, "v", false, &need), ==, ROUTER_OK);
  g_assert_true(need);
  g_assert_cmpuint(route(r, 222, 200, 0, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 222, 201, 0, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 222, 202, 202 * 3000, true, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 2001);
  g_assert_cmpint(router_set_muted(r, "nope", true, NULL), ==, ROUTER_ERR_NOT_FOUND);
  g_assert_cmpint(router_set_muted(r, "v", false, &need), ==, ROUTER_OK); /* no change */
  g_assert_false(need);
  router_free(r);
}

/* Around a mute: a packet lost just before the mute and recovered during or
 * after it fills its slot (pre-mute content); packets sent during the mute
 * and recovered after the unmute are never forwarded. */
static void test_mute_late_packets(void) {
  Router *r = router_new();
  RouterTrackSpec a = audio_spec("a", "alice", 111);
  router_add_track(r, &a, NULL);
  router_subscribe(r, "bob", "a", 1, 1000, 0, NULL);
  RouterOutput outs[8];
  g_assert_cmpuint(route(r, 111, 10, 0, false, outs), ==, 1); /* 1000 */
  /* 11 lost upstream, 12 arrives: slot 1001 kept for 11 */
  g_assert_cmpuint(route(r, 111, 12, 0, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 1002);
  router_set_muted(r, "a", true, NULL);
  /* 13 lost, 14 and 15 arrive muted */
  g_assert_cmpuint(route(r, 111, 14, 0, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 111, 15, 0, false, outs), ==, 0);
  /* 11's retransmission arrives during the mute: pre-mute, fills 1001 */
  g_assert_cmpuint(route(r, 111, 11, 0, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 1001);
  router_set_muted(r, "a", false, NULL);
  g_assert_cmpuint(route(r, 111, 16, 0, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 1003); /* continuous */
  /* 13 (sent while muted) recovered after the unmute: never forwarded */
  g_assert_cmpuint(route(r, 111, 13, 0, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 111, 14, 0, false, outs), ==, 0);
  router_free(r);
}

static void test_simulcast(void) {
  Router *r = router_new();
  RouterTrackSpec v = video_spec("v", "alice", 301, 0);
  v.n_layers = 3;
  v.ssrcs[1] = 302;
  v.ssrcs[2] = 303;
  router_add_track(r, &v, NULL);
  RouterSubscription *s;
  router_subscribe(r, "bob", "v", 77, 500, 0, &s);
  g_assert_cmpuint(s->target_layer, ==, 2);
  RouterSsrcInfo info;
  g_assert_true(router_lookup_ssrc(r, 302, &info));
  g_assert_cmpuint(info.layer, ==, 1);
  RouterOutput outs[8];
  /* low layers are not for bob; the high layer starts at its keyframe */
  g_assert_cmpuint(route(r, 301, 10, 1000, true, outs), ==, 0);
  g_assert_cmpuint(route(r, 303, 50, 1000, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 303, 51, 4000, true, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 500);
  g_assert_cmpuint(route(r, 303, 52, 4000, false, outs), ==, 1);
  /* ask for the lowest layer: the high one continues until layer 0's keyframe */
  g_assert_cmpint(router_set_target_layer(r, s, 3), ==, ROUTER_ERR_ARG);
  g_assert_cmpint(router_set_target_layer(r, s, 0), ==, ROUTER_OK);
  g_assert_cmpuint(route(r, 301, 11, 4000, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 303, 53, 7000, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 502);
  g_assert_cmpuint(route(r, 301, 12, 7000, true, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 503); /* continuous across the switch */
  g_assert_cmpuint(s->layer, ==, 0);
  g_assert_cmpuint(route(r, 303, 54, 10000, true, outs), ==, 0); /* old layer ignored now */
  g_assert_cmpuint(route(r, 301, 13, 7000, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 504);
  /* cut over: up to layer 1 is not a case for it... */
  g_assert_cmpint(router_cut_over(r, s), ==, ROUTER_ERR_ARG); /* target = current */
  g_assert_cmpint(router_set_target_layer(r, s, 1), ==, ROUTER_OK);
  g_assert_cmpint(router_cut_over(r, s), ==, ROUTER_OK);
  /* ...but it works either way: layer 0 stops at once, output continuous */
  g_assert_cmpuint(route(r, 301, 14, 10000, false, outs), ==, 0);
  g_assert_cmpuint(route(r, 301, 15, 10000, true, outs), ==, 0); /* even its keyframe */
  g_assert_cmpuint(route(r, 302, 70, 10000, false, outs), ==, 0); /* not a keyframe */
  g_assert_cmpuint(route(r, 302, 71, 13000, true, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 505);
  g_assert_false(s->cut_over);
  g_assert_cmpuint(route(r, 302, 72, 13000, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 506);
  /* setting the target back to the current layer ends a cut-over */
  g_assert_cmpint(router_set_target_layer(r, s, 0), ==, ROUTER_OK);
  g_assert_cmpint(router_cut_over(r, s), ==, ROUTER_OK);
  g_assert_cmpuint(route(r, 302, 73, 16000, false, outs), ==, 0);
  g_assert_cmpint(router_set_target_layer(r, s, 1), ==, ROUTER_OK);
  g_assert_false(s->cut_over);
  g_assert_cmpuint(route(r, 302, 74, 16000, false, outs), ==, 1);
  g_assert_cmpuint(outs[0].seq, ==, 507);
  g_assert_cmpint(router_cut_over(NULL, s), ==, ROUTER_ERR_ARG);
  g_assert_cmpint(router_cut_over(r, NULL), ==, ROUTER_ERR_ARG);
  router_free(r);
}

static void test_participant_removal_and_ownership(void) {
  destroyed = 0;
  Router *r = router_new();
  RouterTrackSpec a = audio_spec("alice-a", "alice", 1);
  a.user_data = g_strdup("track-state");
  a.user_destroy = count_destroy;
  RouterTrackSpec b = audio_spec("bob-a", "bob", 2);
  b.user_data = g_strdup("track-state");
  b.user_destroy = count_destroy;
  router_add_track(r, &a, NULL);
  router_add_track(r, &b, NULL);
  RouterSubscription *s;
  router_subscribe(r, "bob", "alice-a", 11, 0, 0, &s);
  s->user_data = g_strdup("sub");
  s->user_destroy = count_destroy;
  router_subscribe(r, "alice", "bob-a", 12, 0, 0, &s);
  s->user_data = g_strdup("sub");
  s->user_destroy = count_destroy;
  router_subscribe(r, "carol", "alice-a", 13, 0, 0, NULL);
  router_subscribe(r, "carol", "bob-a", 14, 0, 0, NULL);
  /* alice leaves: her track (with bob's and carol's subscriptions) and her
   * subscription to bob go */
  g_assert_cmpuint(router_remove_participant(r, "alice"), ==, 2);
  g_assert_cmpint(destroyed, ==, 3); /* alice-a state, bob's sub, alice's sub */
  g_assert_null(router_track_by_id(r, "alice-a"));
  g_assert_null(router_subscription_by_out_ssrc(r, 11));
  g_assert_null(router_subscription_by_out_ssrc(r, 12));
  g_assert_null(router_subscription_by_out_ssrc(r, 13));
  g_assert_nonnull(router_subscription_by_out_ssrc(r, 14));
  g_assert_false(router_lookup_ssrc(r, 1, NULL));
  /* the out SSRC of a removed subscription can be reused */
  g_assert_cmpint(router_subscribe(r, "dave", "bob-a", 11, 0, 0, NULL), ==, ROUTER_OK);
  g_assert_cmpuint(router_remove_participant(r, "nobody"), ==, 0);
  router_free(r); /* bob-a's state */
  g_assert_cmpint(destroyed, ==, 4);
  router_free(NULL);
}

static void count_track(RouterTrack *t, void *ud) { (*(int *)ud)++; }

static void test_foreach(void) {
  Router *r = router_new();
  for (int i = 0; i < 5; i++) {
    char id[8];
    g_snprintf(id, sizeof id, "t%d", i);
    RouterTrackSpec s = audio_spec(id, "p", (uint32_t)(100 + i));
    g_assert_cmpint(router_add_track(r, &s, NULL), ==, ROUTER_OK);
  }
  int n = 0;
  router_foreach_track(r, count_track, &n);
  g_assert_cmpint(n, ==, 5);
  router_free(r);
}

/* Property, over a seeded random run: whatever mix of mutes, keyframe
 * waits and simulcast switches happens, every subscriber sees each forwarded
 * packet at exactly the previous output seq + 1 (no gap it would NACK, no
 * repeat) and timestamps that never go backwards. */
static void test_continuity_property(void) {
  Router *r = router_new();
  RouterTrackSpec v = video_spec("v", "alice", 501, 0);
  v.n_layers = 3;
  v.ssrcs[1] = 502;
  v.ssrcs[2] = 503;
  router_add_track(r, &v, NULL);
  enum { NSUB = 4 };
  RouterSubscription *subs[NSUB];
  bool started[NSUB] = {0};
  uint16_t last_seq[NSUB] = {0};
  uint32_t last_ts[NSUB] = {0};
  uint64_t forwarded[NSUB] = {0};
  for (int i = 0; i < NSUB; i++) {
    char name[8];
    g_snprintf(name, sizeof name, "s%d", i);
    g_assert_cmpint(router_subscribe(r, name, "v", (uint32_t)(900 + i), (uint16_t)(65000 + i * 300),
                                     0xfffff000u + (uint32_t)i, &subs[i]),
                    ==, ROUTER_OK);
  }
  GRand *rand = g_rand_new_with_seed(20261121);
  uint16_t seq[3] = {100, 30000, 65500};
  uint32_t ts[3] = {0, 123456789, 0xfff00000u};
  int64_t now = 0;
  for (int step = 0; step < 20000; step++) {
    now += 11000;
    int op = g_rand_int_range(rand, 0, 100);
    if (op == 0) {
      router_set_muted(r, "v", !router_track_by_id(r, "v")->muted, NULL);
      continue;
    }
    if (op == 1) {
      RouterSubscription *x = subs[g_rand_int_range(rand, 0, NSUB)];
      router_set_target_layer(r, x, (unsigned)g_rand_int_range(rand, 0, 3));
      /* continuity must hold with cut-overs too (1 in 4: each one stops the
       * subscriber's video until a keyframe) */
      if (g_rand_int_range(rand, 0, 4) == 0) router_cut_over(r, x);
      continue;
    }
    int layer = g_rand_int_range(rand, 0, 3);
    bool new_frame = g_rand_int_range(rand, 0, 3) == 0;
    if (new_frame) ts[layer] += 3000;
    bool key = new_frame && g_rand_int_range(rand, 0, 40) == 0;
    RouterOutput outs[8];
    size_t n;
    g_assert_cmpint(router_route(r, (uint32_t)(501 + layer), seq[layer]++, ts[layer], key, now, NULL, outs, 8, &n),
                    ==, ROUTER_OK);
    for (size_t k = 0; k < n; k++) {
      int i = 0;
      while (subs[i] != outs[k].sub) i++;
      if (started[i]) {
        g_assert_cmpuint(outs[k].seq, ==, (uint16_t)(last_seq[i] + 1));
        g_assert_cmpint((int32_t)(outs[k].ts - last_ts[i]), >=, 0);
      }
      started[i] = true;
      last_seq[i] = outs[k].seq;
      last_ts[i] = outs[k].ts;
      forwarded[i]++;
    }
  }
  for (int i = 0; i < NSUB; i++) {
    g_test_message("sub %d: forwarded %" G_GUINT64_FORMAT " switches %" G_GUINT64_FORMAT " drops %" G_GUINT64_FORMAT, i,
                   forwarded[i], subs[i]->rw.stats.switches, subs[i]->rw.stats.dropped);
    g_assert_cmpuint(forwarded[i], >, 400); /* the run did forward a lot */
    g_assert_cmpuint(subs[i]->rw.stats.switches, >, 5);
    g_assert_cmpuint(subs[i]->rw.stats.dropped, >, 100);
  }
  g_rand_free(rand);
  router_free(r);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/router/tracks", test_tracks);
  g_test_add_func("/sfu/router/route_audio_video", test_route_audio_video);
  g_test_add_func("/sfu/router/mute", test_mute);
  g_test_add_func("/sfu/router/mute_late_packets", test_mute_late_packets);
  g_test_add_func("/sfu/router/simulcast", test_simulcast);
  g_test_add_func("/sfu/router/participant_removal", test_participant_removal_and_ownership);
  g_test_add_func("/sfu/router/foreach", test_foreach);
  g_test_add_func("/sfu/router/continuity_property", test_continuity_property);
  return g_test_run();
}
