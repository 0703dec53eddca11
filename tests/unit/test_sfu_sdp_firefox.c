/* Firefox ESR's RID simulcast publisher offer at the SFU's edge (issue 9):
 * the offer Firefox ESR 153 wrote for sendEncodings q/h/f (recorded by
 * tests/sfu/test-browser-firefox-simulcast, saved in its artifacts as
 * sfu/firefox-simulcast-offer.sdp) parses into three layers in a=simulcast
 * order, and our answer takes them (a=rid ... recv, a=simulcast:recv, the
 * RID and repaired-RID extensions with Firefox's ids). Firefox's shapes that
 * differ from Chromium's: extmap ids with a direction ("a=extmap:9/sendonly
 * urn:...rtp-stream-id"), a bundle-only video section (port 0), a=ssrc lines
 * and one ssrc-group:FID per layer but no ssrc-group:SIM, rtcp-fb for
 * several codecs. Variants: rid order, paused and alternative streams, no
 * a=simulcast, no SSRC lines, bad rid lines, mangled text. */
#include <glib.h>
#include <string.h>

#include "sdp_parse.h"
#include "sdp_write.h"

/* As Firefox ESR 153 wrote it (headless, fake devices, in the test's
 * namespace). */
static const char *FF_OFFER =
    "v=0\r\n"
    "o=mozilla...THIS_IS_SDPARTA-99.0 8469301783162061957 0 IN IP4 0.0.0.0\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=sendrecv\r\n"
    "a=fingerprint:sha-256 E0:ED:B7:51:98:22:36:12:57:9C:38:63:D6:9E:F6:E0:5F:FD:1F:38:36:21:41:4A:B1:A5:77:51:D3:D1:2A:D1\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=ice-options:trickle\r\n"
    "a=msid-semantic:WMS *\r\n"
    "m=audio 37560 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n"
    "c=IN IP4 10.200.0.1\r\n"
    "a=candidate:0 1 UDP 2122252543 10.200.0.1 37560 typ host\r\n"
    "a=candidate:1 1 TCP 2105524479 10.200.0.1 9 typ host tcptype active\r\n"
    "a=candidate:0 2 UDP 2122252542 10.200.0.1 42167 typ host\r\n"
    "a=candidate:1 2 TCP 2105524478 10.200.0.1 9 typ host tcptype active\r\n"
    "a=sendonly\r\n"
    "a=end-of-candidates\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ice-pwd:6ad9f5d43aa5124f524dae5490bfbeb0\r\n"
    "a=ice-ufrag:20f79ba7\r\n"
    "a=mid:0\r\n"
    "a=msid:{42d295ae-9260-43fe-9be1-30c26a669424} {3548807d-6107-43d9-9e35-a6989b97c40f}\r\n"
    "a=rtcp:42167 IN IP4 10.200.0.1\r\n"
    "a=rtcp-fb:109 transport-cc\r\n"
    "a=rtcp-fb:9 transport-cc\r\n"
    "a=rtcp-fb:0 transport-cc\r\n"
    "a=rtcp-fb:8 transport-cc\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:109 opus/48000/2\r\n"
    "a=rtpmap:9 G722/8000/1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=setup:actpass\r\n"
    "a=ssrc:2576686325 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "m=video 0 UDP/TLS/RTP/SAVPF 120 124 121 125 99 100 123 122 119\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=bundle-only\r\n"
    "a=sendonly\r\n"
    "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:5 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:8/sendonly https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension\r\n"
    "a=extmap:9/sendonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:10/sendonly urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:124 apt=120\r\n"
    "a=fmtp:121 max-fs=12288;max-fr=60\r\n"
    "a=fmtp:125 apt=121\r\n"
    "a=fmtp:100 apt=99\r\n"
    "a=fmtp:119 apt=122\r\n"
    "a=ice-pwd:6ad9f5d43aa5124f524dae5490bfbeb0\r\n"
    "a=ice-ufrag:20f79ba7\r\n"
    "a=mid:1\r\n"
    "a=msid:{42d295ae-9260-43fe-9be1-30c26a669424} {aa8272cb-f569-4f4b-8028-d2b945d0c0b7}\r\n"
    "a=rid:q send\r\n"
    "a=rid:h send\r\n"
    "a=rid:f send\r\n"
    "a=rtcp-fb:120 nack\r\n"
    "a=rtcp-fb:120 nack pli\r\n"
    "a=rtcp-fb:120 ccm fir\r\n"
    "a=rtcp-fb:120 goog-remb\r\n"
    "a=rtcp-fb:120 transport-cc\r\n"
    "a=rtcp-fb:121 nack\r\n"
    "a=rtcp-fb:121 nack pli\r\n"
    "a=rtcp-fb:121 ccm fir\r\n"
    "a=rtcp-fb:121 goog-remb\r\n"
    "a=rtcp-fb:121 transport-cc\r\n"
    "a=rtcp-fb:99 nack\r\n"
    "a=rtcp-fb:99 nack pli\r\n"
    "a=rtcp-fb:99 ccm fir\r\n"
    "a=rtcp-fb:99 goog-remb\r\n"
    "a=rtcp-fb:99 transport-cc\r\n"
    "a=rtcp-fb:123 nack\r\n"
    "a=rtcp-fb:123 nack pli\r\n"
    "a=rtcp-fb:123 ccm fir\r\n"
    "a=rtcp-fb:123 goog-remb\r\n"
    "a=rtcp-fb:123 transport-cc\r\n"
    "a=rtcp-fb:122 nack\r\n"
    "a=rtcp-fb:122 nack pli\r\n"
    "a=rtcp-fb:122 ccm fir\r\n"
    "a=rtcp-fb:122 goog-remb\r\n"
    "a=rtcp-fb:122 transport-cc\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:120 VP8/90000\r\n"
    "a=rtpmap:124 rtx/90000\r\n"
    "a=rtpmap:121 VP9/90000\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=rtpmap:99 AV1/90000\r\n"
    "a=rtpmap:100 rtx/90000\r\n"
    "a=rtpmap:123 ulpfec/90000\r\n"
    "a=rtpmap:122 red/90000\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=setup:actpass\r\n"
    "a=simulcast:send q;h;f\r\n"
    "a=ssrc:3582474946 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "a=ssrc:216570533 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "a=ssrc:2663419174 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "a=ssrc:4132902138 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "a=ssrc:2038568861 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "a=ssrc:1295831339 cname:{fc2582f4-d818-4b28-9e22-2a792433b8f4}\r\n"
    "a=ssrc-group:FID 3582474946 216570533\r\n"
    "a=ssrc-group:FID 2663419174 4132902138\r\n"
    "a=ssrc-group:FID 2038568861 1295831339\r\n";

static char *replace(const char *s, const char *from, const char *to) {
  g_assert_nonnull(strstr(s, from)); /* the variant really changes the offer */
  gchar **parts = g_strsplit(s, from, -1);
  char *out = g_strjoinv(to, parts);
  g_strfreev(parts);
  return out;
}

/* Drops every line that starts with prefix. */
static char *drop_lines(const char *s, const char *prefix) {
  gchar **lines = g_strsplit(s, "\r\n", -1);
  GString *g = g_string_new(NULL);
  for (int i = 0; lines[i]; i++) {
    if (!*lines[i] || g_str_has_prefix(lines[i], prefix)) continue;
    g_string_append_printf(g, "%s\r\n", lines[i]);
  }
  g_strfreev(lines);
  return g_string_free(g, FALSE);
}

static SdpRemote *parse_ok(const char *sdp) {
  char err[256] = "";
  SdpRemote *r = sdp_remote_parse(sdp, 1, err, sizeof err);
  if (!r) g_error("refused: %s", err);
  g_assert_cmpuint(r->media->len, ==, 2);
  return r;
}

static SdpMediaInfo *video(SdpRemote *r) { return r->media->pdata[1]; }

/* "q,h,f"; "" without simulcast */
static char *rids(const SdpMediaInfo *v) {
  GString *g = g_string_new(NULL);
  for (unsigned i = 0; i < v->n_rids; i++) g_string_append_printf(g, "%s%s", i ? "," : "", v->rids[i]);
  return g_string_free(g, FALSE);
}

static void assert_rids(const char *sdp, const char *want) {
  SdpRemote *r = parse_ok(sdp);
  char *got = rids(video(r));
  if (strcmp(got, want) != 0) g_error("rids \"%s\", wanted \"%s\"", got, want);
  g_free(got);
  sdp_remote_free(r);
}

/* Our answer (transport-cc off, the default) and its video section. */
static char *answer(SdpRemote *r, char **video_sec) {
  char *cands[] = {"candidate:1 1 UDP 2015363327 10.200.0.1 40000 typ host", NULL};
  SdpLocal l = {"Sfu1", "sfupasswordsfupassword22", r->fingerprint, "passive", cands, 1, 1, 1};
  int accepted[2] = {1, 1};
  char *ans = sdp_write_publisher_answer(r, &l, accepted);
  const char *m = strstr(ans, "\r\nm=video");
  g_assert_nonnull(m);
  *video_sec = g_strdup(m);
  return ans;
}

static void test_firefox_offer(void) {
  SdpRemote *r = parse_ok(FF_OFFER);
  SdpMediaInfo *a = r->media->pdata[0], *v = video(r);
  g_assert_cmpstr(a->codec.name, ==, "opus");
  g_assert_cmpuint(a->codec.pt, ==, 109);
  g_assert_cmpuint(a->ext.audio_level, ==, 1);
  g_assert_cmpuint(a->n_rids, ==, 0);
  g_assert_cmpint(v->kind, ==, SDP_KIND_VIDEO);
  g_assert_cmpint(v->port, !=, 0); /* bundle-only: live, not rejected */
  g_assert_true(v->usable && v->sends && !v->receives);
  g_assert_cmpstr(v->codec.name, ==, "VP8");
  g_assert_cmpuint(v->codec.pt, ==, 120);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 124);
  g_assert_true(v->codec.fb_nack && v->codec.fb_pli && v->codec.fb_remb && v->codec.fb_twcc);
  /* extension ids behind Firefox's "/sendonly" direction suffix */
  g_assert_cmpuint(v->ext.mid, ==, 3);
  g_assert_cmpuint(v->ext.rid, ==, 9);
  g_assert_cmpuint(v->ext.rrid, ==, 10);
  g_assert_cmpuint(v->ext.twcc, ==, 7);
  g_assert_cmpuint(v->ext.abs_send_time, ==, 4);
  char *got = rids(v);
  g_assert_cmpstr(got, ==, "q,h,f");
  g_free(got);

  char *sec = NULL;
  char *ans = answer(r, &sec);
  static const char *const want[] = {
      "a=rid:q recv\r\n", "a=rid:h recv\r\n", "a=rid:f recv\r\n", "a=simulcast:recv q;h;f\r\n",
      "a=extmap:9 " SDP_URI_RID "\r\n", "a=extmap:10 " SDP_URI_RRID "\r\n", "a=extmap:3 " SDP_URI_MID "\r\n",
      "a=rtpmap:120 VP8/90000\r\n", "a=rtpmap:124 rtx/90000\r\n", "a=fmtp:124 apt=120\r\n",
      "a=rtcp-fb:120 goog-remb\r\n", "a=rtcp-fb:120 nack pli\r\n", "a=recvonly\r\n",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
    if (!strstr(sec, want[i])) g_error("answer's video section lacks %s:\n%s", want[i], sec);
  g_assert_null(strstr(sec, "VP9"));
  g_assert_null(strstr(sec, "AV1"));
  g_assert_null(strstr(sec, "sendonly")); /* no direction copied onto our extmaps */
  g_assert_null(strstr(sec, "transport-cc")); /* off by default (REMB only) */
  g_assert_null(strstr(sec, "a=ssrc")); /* we send nothing on a publisher connection */
  /* and the answer reads back as an answer */
  char err[256] = "";
  SdpRemote *back = sdp_remote_parse(ans, 0, err, sizeof err);
  if (!back) g_error("our answer to Firefox does not read back: %s", err);
  g_assert_cmpuint(back->media->len, ==, 2);
  g_assert_cmpuint(video(back)->ext.rid, ==, 9);
  g_assert_cmpuint(video(back)->ext.rrid, ==, 10);
  g_assert_cmpstr(back->setup, ==, "passive");
  sdp_remote_free(back);
  g_free(sec);
  g_free(ans);
  sdp_remote_free(r);
}

/* The layer order is a=simulcast's (lowest first, as sendEncodings list
 * them), not the a=rid lines' order. */
static void test_rid_order(void) {
  char *s = replace(FF_OFFER, "a=simulcast:send q;h;f", "a=simulcast:send f;q;h");
  assert_rids(s, "f,q,h");
  g_free(s);
  /* a=rid lines in another order: a=simulcast still decides */
  char *t = replace(FF_OFFER, "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\n",
                    "a=rid:f send\r\na=rid:h send\r\na=rid:q send\r\n");
  assert_rids(t, "q,h,f");
  /* no a=simulcast: the a=rid send lines in their order */
  char *u = drop_lines(t, "a=simulcast");
  assert_rids(u, "f,h,q");
  g_free(t);
  g_free(u);
}

/* RFC 8853 decorations: a paused stream (~h) is still a layer; of
 * alternatives (h,x) the first; a recv part after the send part ignored. */
static void test_simulcast_syntax(void) {
  char *s = replace(FF_OFFER, "a=simulcast:send q;h;f", "a=simulcast:send q;~h;f");
  assert_rids(s, "q,h,f");
  g_free(s);
  s = replace(FF_OFFER, "a=rid:f send\r\n", "a=rid:f send\r\na=rid:x send\r\n");
  char *t = replace(s, "a=simulcast:send q;h;f", "a=simulcast:send q;h,x;f recv r");
  assert_rids(t, "q,h,f");
  g_free(s);
  g_free(t);
}

/* Firefox without SSRC lines (ssrc-less sections are legal with MID/RID
 * extensions): the layers are the same, their SSRCs learned from packets. */
static void test_ssrc_less(void) {
  char *s = drop_lines(FF_OFFER, "a=ssrc");
  SdpRemote *r = parse_ok(s);
  g_assert_cmpuint(video(r)->ssrc, ==, 0);
  g_assert_cmpuint(video(r)->rtx_ssrc, ==, 0);
  g_assert_cmpuint(((SdpMediaInfo *)r->media->pdata[0])->ssrc, ==, 0);
  char *got = rids(video(r));
  g_assert_cmpstr(got, ==, "q,h,f");
  g_free(got);
  char *sec = NULL;
  char *ans = answer(r, &sec);
  g_assert_nonnull(strstr(sec, "a=simulcast:recv q;h;f\r\n"));
  g_free(sec);
  g_free(ans);
  sdp_remote_free(r);
  g_free(s);
}

/* Bad or partial simulcast descriptions: never more than SDP_MAX_RIDS,
 * never a rid that is undeclared or malformed, no simulcast without the
 * RID extension or with one layer; never a refusal of the whole offer. */
static void test_bad_rids(void) {
  char *s, *t;
  /* without the RID extension there is no way to tell layers apart */
  s = drop_lines(FF_OFFER, "a=extmap:9/sendonly");
  SdpRemote *r = parse_ok(s);
  g_assert_cmpuint(video(r)->n_rids, ==, 0);
  char *sec = NULL;
  char *ans = answer(r, &sec);
  g_assert_null(strstr(sec, "a=simulcast"));
  g_assert_null(strstr(sec, "a=rid"));
  g_free(sec);
  g_free(ans);
  sdp_remote_free(r);
  g_free(s);
  /* a=simulcast naming a rid with no a=rid line: left out */
  s = replace(FF_OFFER, "a=simulcast:send q;h;f", "a=simulcast:send q;zz;h;f");
  assert_rids(s, "q,h,f");
  g_free(s);
  /* a rid declared recv, not send: left out */
  s = replace(FF_OFFER, "a=rid:h send", "a=rid:h recv");
  assert_rids(s, "q,f");
  g_free(s);
  /* malformed ids: left out */
  s = replace(FF_OFFER, "a=rid:h send", "a=rid:h! send");
  t = replace(s, "a=simulcast:send q;h;f", "a=simulcast:send q;h!;f");
  assert_rids(t, "q,f");
  g_free(s);
  g_free(t);
  s = replace(FF_OFFER, "a=rid:h send", "a=rid:hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh send");
  t = replace(s, "a=simulcast:send q;h;f", "a=simulcast:send q;hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh;f");
  assert_rids(t, "q,f");
  g_free(s);
  g_free(t);
  /* a fourth layer: the first three */
  s = replace(FF_OFFER, "a=rid:f send\r\n", "a=rid:f send\r\na=rid:u send\r\n");
  t = replace(s, "a=simulcast:send q;h;f", "a=simulcast:send q;h;f;u");
  assert_rids(t, "q,h,f");
  g_free(s);
  g_free(t);
  /* one layer is no simulcast */
  s = replace(FF_OFFER, "a=simulcast:send q;h;f", "a=simulcast:send q");
  assert_rids(s, "");
  g_free(s);
  /* the same rid twice: once */
  s = replace(FF_OFFER, "a=simulcast:send q;h;f", "a=simulcast:send q;q;h");
  assert_rids(s, "q,h");
  g_free(s);
  /* empty and junk simulcast values, an extmap without a URI */
  static const char *const junk[] = {"a=simulcast:send ", "a=simulcast:send ;;;", "a=simulcast:", "a=simulcast:recv q;h;f",
                                     "a=simulcast:send ~;,;~,", "a=simulcast:send q;h;f\r\na=extmap:11/sendonly"};
  for (size_t i = 0; i < G_N_ELEMENTS(junk); i++) {
    s = replace(FF_OFFER, "a=simulcast:send q;h;f", junk[i]);
    char err[256] = "";
    r = sdp_remote_parse(s, 1, err, sizeof err);
    g_assert_nonnull(r); /* the offer is still fine; only the layers change */
    g_assert_cmpuint(video(r)->n_rids, <=, SDP_MAX_RIDS);
    ans = answer(r, &sec);
    g_free(sec);
    g_free(ans);
    sdp_remote_free(r);
    g_free(s);
  }
}

/* Firefox's offer mangled (truncated, bytes flipped, lines dropped or
 * repeated): a clear refusal or a parse, never a crash or leak (ASan). */
static void test_mangled(void) {
  GRand *rnd = g_rand_new_with_seed(9);
  size_t len = strlen(FF_OFFER);
  int accepted = 0;
  for (int i = 0; i < 2000; i++) {
    char *s = g_strdup(FF_OFFER);
    int kind = i % 3;
    if (kind == 0) s[g_rand_int_range(rnd, 0, (gint32)len)] = '\0';
    else if (kind == 1)
      for (int k = 0; k < 5; k++) s[g_rand_int_range(rnd, 0, (gint32)len)] = (char)g_rand_int_range(rnd, 1, 256);
    else {
      gchar **lines = g_strsplit(s, "\r\n", -1);
      guint n = g_strv_length(lines);
      guint at = (guint)g_rand_int_range(rnd, 0, (gint32)n);
      char *dup = g_strdup(lines[(guint)g_rand_int_range(rnd, 0, (gint32)n)]);
      g_free(lines[at]);
      lines[at] = dup; /* one line replaced by a copy of another */
      g_free(s);
      s = g_strjoinv("\r\n", lines);
      g_strfreev(lines);
    }
    char err[256] = "";
    SdpRemote *r = sdp_remote_parse(s, 1, err, sizeof err);
    if (r) {
      accepted++;
      for (guint k = 0; k < r->media->len; k++) g_assert_cmpuint(((SdpMediaInfo *)r->media->pdata[k])->n_rids, <=, SDP_MAX_RIDS);
      char *cands[] = {NULL};
      SdpLocal l = {"u", "p", "AA", "passive", cands, 1, 1, 1};
      int *acc = g_new0(int, r->media->len + 1);
      for (guint k = 0; k < r->media->len; k++) acc[k] = 1;
      g_free(sdp_write_publisher_answer(r, &l, acc));
      g_free(acc);
      sdp_remote_free(r);
    } else {
      g_assert_cmpuint(strlen(err), >, 0);
    }
    g_free(s);
  }
  g_test_message("%d of 2000 mangled Firefox offers still acceptable", accepted);
  g_rand_free(rnd);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/sdp_firefox/offer_and_answer", test_firefox_offer);
  g_test_add_func("/sfu/sdp_firefox/rid_order", test_rid_order);
  g_test_add_func("/sfu/sdp_firefox/simulcast_syntax", test_simulcast_syntax);
  g_test_add_func("/sfu/sdp_firefox/ssrc_less", test_ssrc_less);
  g_test_add_func("/sfu/sdp_firefox/bad_rids", test_bad_rids);
  g_test_add_func("/sfu/sdp_firefox/mangled", test_mangled);
  return g_test_run();
}
