/* SDP at the SFU's edge: reading publisher offers and subscriber answers
 * (strict where the SFU depends on it), writing answers and offers that read
 * back, and never crashing on mangled input. */
#include <glib.h>
#include <string.h>

#include "sdp_parse.h"
#include "sdp_write.h"

/* Shaped like a browser's publisher offer: audio + video, BUNDLE,
 * extensions, RTX, an extra codec we do not take, a candidate. */
static const char *OFFER =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=msid-semantic: WMS stream\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab12\r\n"
    "a=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=msid:stream atrack\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=ssrc:1111 cname:x\r\n"
    "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host generation 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 100 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ab12\r\n"
    "a=ice-pwd:0123456789abcdefghijklmn\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:100 AV1/90000\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 2222 3333\r\n"
    "a=ssrc:2222 cname:x\r\n"
    "a=ssrc:3333 cname:x\r\n";

static void test_parse_offer(void) {
  char err[256] = "";
  SdpRemote *r = sdp_remote_parse(OFFER, 1, err, sizeof err);
  g_assert_nonnull(r);
  g_assert_cmpstr(r->ufrag, ==, "Ab12");
  g_assert_cmpstr(r->setup, ==, "actpass");
  g_assert_cmpuint(strlen(r->fingerprint), ==, 95);
  g_assert_cmpuint(r->candidates->len, ==, 1);
  g_assert_cmpuint(r->media->len, ==, 2);
  SdpMediaInfo *a = r->media->pdata[0], *v = r->media->pdata[1];
  g_assert_cmpint(a->kind, ==, SDP_KIND_AUDIO);
  g_assert_true(a->usable && a->sends && !a->receives);
  g_assert_cmpstr(a->codec.name, ==, "opus");
  g_assert_cmpuint(a->codec.pt, ==, 111);
  g_assert_cmpuint(a->ext.audio_level, ==, 1);
  g_assert_cmpuint(a->ext.mid, ==, 4);
  g_assert_cmpuint(a->ssrc, ==, 1111);
  g_assert_cmpstr(v->codec.name, ==, "VP8"); /* not AV1 */
  g_assert_cmpuint(v->codec.pt, ==, 96);
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_true(v->codec.fb_nack && v->codec.fb_pli && v->codec.fb_remb && v->codec.fb_twcc);
  g_assert_cmpuint(v->ext.abs_send_time, ==, 2);
  g_assert_cmpuint(v->ssrc, ==, 2222);
  g_assert_cmpuint(v->rtx_ssrc, ==, 3333);

  /* The answer we write reads back as a valid answer. */
  char *cands[] = {"candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host", NULL};
  SdpLocal l = {"Sfu1", "sfupasswordsfupassword22", r->fingerprint, "passive", cands, 1, 1, 0};
  int accepted[2] = {1, 1};
  char *ans = sdp_write_publisher_answer(r, &l, accepted);
  g_assert_nonnull(strstr(ans, "a=group:BUNDLE 0 1"));
  g_assert_nonnull(strstr(ans, "a=recvonly"));
  g_assert_null(strstr(ans, "AV1"));
  g_assert_null(strstr(ans, "PCMU"));
  SdpRemote *back = sdp_remote_parse(ans, 0, err, sizeof err);
  g_assert_nonnull(back);
  g_assert_cmpstr(back->setup, ==, "passive");
  g_assert_cmpuint(back->media->len, ==, 2);
  g_assert_cmpuint(((SdpMediaInfo *)back->media->pdata[1])->codec.rtx_pt, ==, 97);
  g_assert_cmpuint(back->candidates->len, ==, 1);
  sdp_remote_free(back);
  g_free(ans);
  sdp_remote_free(r);
}


/* The publisher answer accepts transport-cc (extmap with the offered id and
 * the rtcp-fb) iff the offer's section has both. */
static int answer_has_cfg(const char *offer, const char *needle, int section, int no_twcc) {
  char err[256] = "";
  SdpRemote *r = sdp_remote_parse(offer, 1, err, sizeof err);
  g_assert_nonnull(r);
  char *cands[] = {NULL};
  SdpLocal l = {"Sfu1", "sfupasswordsfupassword22", r->fingerprint, "passive", cands, 1, 1, no_twcc};
  int accepted[2] = {1, 1};
  char *ans = sdp_write_publisher_answer(r, &l, accepted);
  /* the section's text: from its m= line to the next */
  const char *m = ans;
  for (int i = 0; i <= section; i++) m = strstr(m + 1, "\r\nm=");
  g_assert_nonnull(m);
  const char *end = strstr(m + 1, "\r\nm=");
  char *sec = end ? g_strndup(m, (gsize)(end - m)) : g_strdup(m);
  int has = strstr(sec, needle) != NULL;
  if (has) {
    /* and it parses back with the same id */
    SdpRemote *back = sdp_remote_parse(ans, 0, err, sizeof err);
    g_assert_nonnull(back);
    if (strstr(needle, "extmap"))
      g_assert_cmpuint(((SdpMediaInfo *)back->media->pdata[section])->ext.twcc, ==,
                       ((SdpMediaInfo *)r->media->pdata[section])->ext.twcc);
    sdp_remote_free(back);
  }
  g_free(sec);
  g_free(ans);
  sdp_remote_free(r);
  return has;
}

static int answer_has(const char *offer, const char *needle, int section) {
  return answer_has_cfg(offer, needle, section, 0);
}

static void test_publisher_twcc(void) {
  const char *ext = "a=extmap:5 " SDP_URI_TWCC "\r\n";
  char *with = g_strdup(OFFER);
  /* video: the extmap after abs-send-time (fb transport-cc is there already) */
  char *v = strstr(with, "a=extmap:2 http://www.webrtc.org");
  g_assert_nonnull(v);
  GString *g = g_string_new_len(with, v - with);
  g_string_append(g, ext);
  g_string_append(g, v);
  char *both = g_string_free(g, FALSE);
  /* the offer without the twcc extmap: neither in the answer */
  g_assert_false(answer_has(OFFER, SDP_URI_TWCC, 1));
  g_assert_false(answer_has(OFFER, "transport-cc", 1));
  /* both offered: both accepted, same id */
  g_assert_true(answer_has(both, "a=extmap:5 " SDP_URI_TWCC, 1));
  g_assert_true(answer_has(both, "a=rtcp-fb:96 transport-cc", 1));
  /* the extmap without the rtcp-fb: neither */
  gchar **parts = g_strsplit(both, "a=rtcp-fb:96 transport-cc\r\n", -1);
  char *ext_only = g_strjoinv("", parts);
  g_strfreev(parts);
  g_assert_false(answer_has(ext_only, SDP_URI_TWCC, 1));
  g_assert_false(answer_has(ext_only, "transport-cc", 1));
  /* switched off ([media] publisher_twcc = false): refused though offered */
  g_assert_false(answer_has_cfg(both, SDP_URI_TWCC, 1, 1));
  g_assert_false(answer_has_cfg(both, "transport-cc", 1, 1));
  /* audio never had it offered: never in its section */
  g_assert_false(answer_has(both, "transport-cc", 0));
  g_free(ext_only);
  g_free(both);
  g_free(with);
}

static char *replace(const char *s, const char *from, const char *to) {
  gchar **parts = g_strsplit(s, from, -1);
  char *out = g_strjoinv(to, parts);
  g_strfreev(parts);
  return out;
}

static void refused(const char *sdp, int is_offer, const char *want) {
  char err[256] = "";
  SdpRemote *r = sdp_remote_parse(sdp, is_offer, err, sizeof err);
  if (r) g_error("accepted, wanted refusal \"%s\"", want);
  if (!strstr(err, want)) g_error("reason \"%s\" lacks \"%s\"", err, want);
}

static void test_refusals(void) {
  char *s;
  refused("", 1, "empty");
  refused("hello", 1, "");
  s = replace(OFFER, "a=group:BUNDLE 0 1\r\n", "");
  refused(s, 1, "BUNDLE");
  g_free(s);
  s = replace(OFFER, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0");
  refused(s, 1, "not in the BUNDLE");
  g_free(s);
  s = replace(OFFER, "a=rtcp-mux\r\n", "");
  refused(s, 1, "rtcp-mux");
  g_free(s);
  s = replace(OFFER, "sha-256", "sha-1");
  refused(s, 1, "fingerprint");
  g_free(s);
  s = replace(OFFER, "a=ice-pwd:0123456789abcdefghijklmn", "a=ice-pwd:short");
  refused(s, 1, "ice-pwd");
  g_free(s);
  s = replace(OFFER, "a=mid:1\r\n", "");
  refused(s, 1, "a=mid");
  g_free(s);
  s = replace(OFFER, "a=setup:actpass", "a=setup:holdconn");
  refused(s, 1, "setup");
  g_free(s);
  refused(OFFER, 0, "setup"); /* actpass is not an answer's */
  s = replace(OFFER, "m=audio 9", "m=audio 0");
  char *s2 = replace(s, "m=video 9", "m=video 0");
  refused(s2, 1, "rejected");
  g_free(s);
  g_free(s2);
}

static void test_unusable_codec_section(void) {
  char err[256];
  char *s = replace(OFFER, "a=rtpmap:96 VP8/90000", "a=rtpmap:96 XYZ/90000");
  SdpRemote *r = sdp_remote_parse(s, 1, err, sizeof err);
  g_assert_nonnull(r);
  g_assert_false(((SdpMediaInfo *)r->media->pdata[1])->usable);
  sdp_remote_free(r);
  g_free(s);
}

static void test_subscriber_offer(void) {
  SdpCodec vp8 = {.name = "VP8", .pt = 96, .clock_rate = 90000};
  SdpCodec opus = {.name = "opus", .pt = 111, .clock_rate = 48000, .channels = 2};
  SdpOfferSection sec[3] = {
      {"0", SDP_KIND_AUDIO, 1, &opus, 0, 10, 0, "alice", "alice:0", "cn"},
      {"1", SDP_KIND_VIDEO, 1, &vp8, 97, 20, 21, "alice", "alice:1", "cn"},
      {"2", SDP_KIND_VIDEO, 0, &vp8, 97, 30, 31, "bob", "2", "cn"},
  };
  char *cands[] = {"candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host", NULL};
  SdpLocal l = {"Sfu1", "sfupasswordsfupassword22",
                "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                "actpass", cands, 5, 3, 0};
  char *o = sdp_write_subscriber_offer(sec, 3, &l);
  g_assert_nonnull(strstr(o, "a=group:BUNDLE 0 1 2"));
  g_assert_nonnull(strstr(o, "a=ssrc-group:FID 20 21"));
  g_assert_nonnull(strstr(o, "a=inactive"));
  g_assert_nonnull(strstr(o, "a=msid:alice alice:1"));
  char err[256];
  SdpRemote *r = sdp_remote_parse(o, 1, err, sizeof err);
  g_assert_nonnull(r);
  g_assert_cmpuint(r->media->len, ==, 3);
  SdpMediaInfo *v = r->media->pdata[1];
  g_assert_cmpuint(v->codec.rtx_pt, ==, 97);
  g_assert_cmpuint(v->ext.abs_send_time, ==, SFU_EXT_ABS_SEND_TIME);
  g_assert_cmpuint(((SdpMediaInfo *)r->media->pdata[0])->ext.audio_level, ==, SFU_EXT_AUDIO_LEVEL);
  g_assert_false(((SdpMediaInfo *)r->media->pdata[2])->sends);
  sdp_remote_free(r);
  g_free(o);
  /* No track yet: an offer without media sections, still valid. */
  o = sdp_write_subscriber_offer(NULL, 0, &l);
  r = sdp_remote_parse(o, 1, err, sizeof err);
  g_assert_nonnull(r);
  g_assert_cmpuint(r->media->len, ==, 0);
  sdp_remote_free(r);
  g_free(o);
}

/* Mangled input: truncations, flipped bytes, duplicated and dropped lines.
 * Whatever the outcome, no crash and no leak (ASan build). */
static void test_mangled(void) {
  GRand *rnd = g_rand_new_with_seed(42);
  size_t len = strlen(OFFER);
  int accepted = 0;
  for (int i = 0; i < 3000; i++) {
    char *s = g_strdup(OFFER);
    int kind = i % 4;
    if (kind == 0) s[g_rand_int_range(rnd, 0, (gint32)len)] = '\0';
    else if (kind == 1)
      for (int k = 0; k < 5; k++) s[g_rand_int_range(rnd, 0, (gint32)len)] = (char)g_rand_int_range(rnd, 1, 256);
    else if (kind == 2) {
      gchar **lines = g_strsplit(s, "\r\n", -1);
      guint n = g_strv_length(lines);
      guint drop = (guint)g_rand_int_range(rnd, 0, (gint32)n);
      g_free(lines[drop]);
      lines[drop] = g_strdup("");
      g_free(s);
      s = g_strjoinv("\r\n", lines);
      g_strfreev(lines);
    } else {
      char *t = g_strconcat(s, s, NULL); /* everything twice */
      g_free(s);
      s = t;
    }
    char err[256];
    SdpRemote *r = sdp_remote_parse(s, 1, err, sizeof err);
    if (r) {
      accepted++;
      char *cands[] = {NULL};
      SdpLocal l = {"u", "p", "AA", "passive", cands, 1, 1, 0};
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
  g_test_message("%d of 3000 mangled offers still acceptable", accepted);
  g_rand_free(rnd);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/edge/sdp_parse_offer_and_answer_back", test_parse_offer);
  g_test_add_func("/sfu/edge/sdp_refusals", test_refusals);
  g_test_add_func("/sfu/edge/sdp_publisher_twcc", test_publisher_twcc);
  g_test_add_func("/sfu/edge/sdp_unusable_codec", test_unusable_codec_section);
  g_test_add_func("/sfu/edge/sdp_subscriber_offer", test_subscriber_offer);
  g_test_add_func("/sfu/edge/sdp_mangled", test_mangled);
  return g_test_run();
}
