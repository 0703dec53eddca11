/* The loadgen's offer/answer (load_sdp) and its receive statistics
 * (load_stats): our offer reads back with everything a server needs; a
 * server's offer (Janus-shaped, with RTX and inactive sections) is parsed
 * and answered recvonly/active with the same codecs and extension ids;
 * malformed descriptions are refused. Loss, reordering, duplicates,
 * jitter and latency percentiles count what they should. */
#include <glib.h>
#include <string.h>

#include "../load/load_sdp.h"
#include "../load/load_stats.h"

static char *cands[] = {"candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host", NULL};
static const LoadSdpLocal local = {
    .ufrag = "abcd", .pwd = "0123456789abcdefghijkl", .fingerprint = "AA:BB:CC",
    .candidates = cands, .audio_ssrc = 1111, .video_ssrc = 2222, .cname = "p0"};

static void test_offer_roundtrip(void) {
  char *sdp = load_sdp_offer(&local);
  g_assert_nonnull(strstr(sdp, "a=group:BUNDLE 0 1"));
  g_assert_nonnull(strstr(sdp, "a=setup:actpass"));
  g_assert_nonnull(strstr(sdp, "a=rtcp-mux"));
  g_assert_nonnull(strstr(sdp, "a=sendonly"));
  g_assert_nonnull(strstr(sdp, "a=end-of-candidates"));
  char err[128];
  LoadSdpRemote *r = load_sdp_parse(sdp, err, sizeof err);
  g_assert_nonnull(r);
  g_assert_cmpstr(r->ufrag, ==, "abcd");
  g_assert_cmpstr(r->fingerprint, ==, "AA:BB:CC");
  g_assert_cmpstr(r->setup, ==, "actpass");
  g_assert_cmpuint(r->candidates->len, ==, 1); /* same candidate in both sections: once */
  g_assert_cmpstr(r->candidates->pdata[0], ==, cands[0]);
  g_assert_cmpuint(r->media->len, ==, 2);
  LoadSdpMedia *a = r->media->pdata[0], *v = r->media->pdata[1];
  g_assert_false(a->video);
  g_assert_true(v->video);
  g_assert_cmpint(a->pt, ==, LOAD_PT_OPUS);
  g_assert_cmpint(v->pt, ==, LOAD_PT_VP8);
  g_assert_cmpuint(a->ssrc, ==, 1111);
  g_assert_cmpuint(v->ssrc, ==, 2222);
  g_assert_true(a->sends);
  g_assert_false(a->receives);
  g_assert_cmpuint(v->ext.abs_send_time, ==, LOAD_EXT_ABS_SEND);
  g_assert_cmpuint(v->ext.abs_capture_time, ==, LOAD_EXT_ABS_CAPTURE);
  g_assert_cmpuint(v->ext.mid, ==, LOAD_EXT_MID);
  load_sdp_remote_free(r);
  g_free(sdp);
}

/* A server offer shaped like Janus's subscriber offer. */
static const char *server_offer =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
    "a=fingerprint:sha-256 11:22:33\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:0\r\n"
    "a=rtcp-mux\r\na=ice-ufrag:WWl9\r\na=ice-pwd:7VVdPtNYqHTykQdpa546he\r\na=setup:actpass\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=ssrc:3324130280 cname:janus\r\n"
    "a=candidate:1 1 udp 2015363327 127.0.0.2 30578 typ host\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 100 97\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:1\r\n"
    "a=rtcp-mux\r\na=ice-ufrag:WWl9\r\na=ice-pwd:7VVdPtNYqHTykQdpa546he\r\na=setup:actpass\r\n"
    "a=rtpmap:100 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=100\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=ssrc-group:FID 567092745 1800605905\r\na=ssrc:567092745 cname:janus\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 100\r\nc=IN IP4 127.0.0.1\r\na=inactive\r\na=mid:2\r\n"
    "a=rtpmap:100 VP8/90000\r\n";

static void test_answer_server_offer(void) {
  char err[128];
  LoadSdpRemote *r = load_sdp_parse(server_offer, err, sizeof err);
  g_assert_nonnull(r);
  g_assert_cmpstr(r->fingerprint, ==, "11:22:33"); /* session level */
  g_assert_cmpuint(r->media->len, ==, 3);
  LoadSdpMedia *v = r->media->pdata[1], *gone = r->media->pdata[2];
  g_assert_cmpint(v->pt, ==, 100);
  g_assert_cmpuint(v->ssrc, ==, 567092745);
  g_assert_cmpuint(v->ext.abs_send_time, ==, 2);
  g_assert_cmpint(gone->port, ==, 0);
  char *ans = load_sdp_answer(&local, r);
  g_assert_nonnull(strstr(ans, "a=group:BUNDLE 0 1\r\n")); /* the inactive one is left out */
  g_assert_nonnull(strstr(ans, "a=setup:active"));
  g_assert_nonnull(strstr(ans, "a=rtpmap:100 VP8/90000"));
  g_assert_nonnull(strstr(ans, "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"));
  g_assert_nonnull(strstr(ans, "m=video 0 "));
  LoadSdpRemote *back = load_sdp_parse(ans, err, sizeof err);
  g_assert_nonnull(back);
  g_assert_false(((LoadSdpMedia *)back->media->pdata[0])->sends);
  g_assert_true(((LoadSdpMedia *)back->media->pdata[0])->receives);
  load_sdp_remote_free(back);
  g_free(ans);
  load_sdp_remote_free(r);
}

static void test_sdp_malformed(void) {
  char err[128];
  const char *bad[] = {
      NULL, "", "garbage", "v=0\r\n", /* no media */
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n", /* no ICE */
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=x\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
      "a=ice-ufrag:x\r\na=ice-pwd:y\r\na=fingerprint:sha-1 AA\r\n", /* no sha-256 */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    err[0] = 0;
    g_assert_null(load_sdp_parse(bad[i], err, sizeof err));
    g_assert_cmpstr(err, !=, "");
  }
  /* Bytes that are not SDP at all, at random. */
  for (int k = 0; k < 200; k++) {
    char junk[120];
    for (size_t i = 0; i < sizeof junk - 1; i++) junk[i] = (char)g_random_int_range(1, 256);
    junk[sizeof junk - 1] = 0;
    LoadSdpRemote *r = load_sdp_parse(junk, err, sizeof err);
    load_sdp_remote_free(r);
  }
}

static void test_stats_in_order(void) {
  LoadRecv r;
  load_recv_init(&r, 1, 90000, true, 1000000);
  int64_t t = 1000000;
  for (int i = 0; i < 100; i++) {
    load_recv_update(&r, (uint16_t)(65500 + i), (uint32_t)(i * 3000), 1000, t, i == 0, 500);
    t += 33333;
  }
  g_assert_cmpuint(r.received, ==, 100);
  g_assert_cmpuint(load_recv_expected(&r), ==, 100); /* across the seq wrap */
  g_assert_cmpint(load_recv_lost(&r), ==, 0);
  g_assert_cmpuint(r.reordered, ==, 0);
  g_assert_cmpuint(r.keyframes, ==, 1);
  g_assert_cmpint(r.first_key_us, ==, 1000000);
  g_assert_cmpfloat(load_recv_jitter_ms(&r), <, 0.1); /* perfectly paced */
  g_assert_cmpuint(r.lat_count, ==, 100);
}

static void test_stats_loss_reorder_dup(void) {
  LoadRecv r;
  load_recv_init(&r, 1, 48000, false, 0);
  uint16_t seqs[] = {10, 11, 13, 12, 12, 15, 16};
  for (size_t i = 0; i < G_N_ELEMENTS(seqs); i++)
    load_recv_update(&r, seqs[i], seqs[i] * 960u, 50, (int64_t)i * 20000, false, -1);
  g_assert_cmpuint(load_recv_expected(&r), ==, 7); /* 10..16 */
  g_assert_cmpuint(r.received, ==, 6);             /* 14 never came; 12 twice */
  g_assert_cmpint(load_recv_lost(&r), ==, 1);
  g_assert_cmpuint(r.reordered, ==, 1);            /* 12 after 13 */
  g_assert_cmpuint(r.duplicates, ==, 1);           /* its copy */
  g_assert_cmpuint(r.lat_count, ==, 0);
  /* Jitter grows when arrival spacing departs from timestamp spacing. */
  LoadRecv j;
  load_recv_init(&j, 2, 48000, false, 0);
  for (int i = 0; i < 200; i++)
    load_recv_update(&j, (uint16_t)i, (uint32_t)(i * 960), 50, i * 20000 + (i % 2) * 8000, false, -1);
  g_assert_cmpfloat(load_recv_jitter_ms(&j), >, 4.0);
  g_assert_cmpfloat(load_recv_jitter_ms(&j), <, 12.0);
}

static void test_hist(void) {
  LoadHist h;
  load_hist_init(&h);
  g_assert_cmpint(load_hist_percentile(&h, 50), ==, -1);
  for (int i = 1; i <= 1000; i++) load_hist_add(&h, i * 10); /* 10 µs .. 10 ms */
  int64_t p50 = load_hist_percentile(&h, 50), p99 = load_hist_percentile(&h, 99);
  g_assert_cmpint(p50, >=, 4990);
  g_assert_cmpint(p50, <=, 5010);
  g_assert_cmpint(p99, >=, 9890);
  g_assert_cmpint(p99, <=, 9910);
  load_hist_add(&h, 10 * 1000 * 1000); /* 10 s: overflow bucket */
  g_assert_cmpint(load_hist_percentile(&h, 100), ==, 10 * 1000 * 1000);
  load_hist_add(&h, -5); /* clock step: counted as 0 */
  LoadHist m;
  load_hist_init(&m);
  load_hist_merge(&m, &h);
  g_assert_cmpuint(m.count, ==, 1002);
  load_hist_reset(&m);
  g_assert_cmpuint(m.count, ==, 0);
  load_hist_clear(&m);
  load_hist_clear(&h);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/load/sdp/offer_roundtrip", test_offer_roundtrip);
  g_test_add_func("/load/sdp/answer_server_offer", test_answer_server_offer);
  g_test_add_func("/load/sdp/malformed", test_sdp_malformed);
  g_test_add_func("/load/stats/in_order", test_stats_in_order);
  g_test_add_func("/load/stats/loss_reorder_dup", test_stats_loss_reorder_dup);
  g_test_add_func("/load/stats/hist", test_hist);
  return g_test_run();
}
