/* sfu/core against an independent implementation: GStreamer's GstRTPBuffer
 * and GstRTCPBuffer. What our builders write, GStreamer reads back with the
 * same values; what GStreamer writes, our parsers read; an RTP packet whose
 * extension ids we rewrote (dropped elements turned into padding) is read
 * by GStreamer with the new ids and without the dropped ones. */
#include <glib.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#include "core/rtcp.h"
#include "core/rtp.h"

/* ---- our RTCP -> GStreamer ---- */

static void test_rtcp_ours_to_gst(void) {
  uint8_t b[512];
  size_t n = 0;
  RtcpReportBlock rb[2] = {{0xa1a1a1a1, 25, 2, 0x0001fffe, 11, 0x12345678, 32768},
                           {0xb2b2b2b2, 0, -3, 70000, 0, 0, 0}};
  RtcpSenderInfo si = {0x11111111, 0xe1234567890abcdeull, 90000, 42, 4200};
  n += rtcp_build_sr(b + n, sizeof b - n, &si, rb, 2);
  n += rtcp_build_sdes_cname(b + n, sizeof b - n, 0x11111111, "parlour", 7);
  const uint16_t seqs[] = {100, 101, 116, 117};
  n += rtcp_build_nack(b + n, sizeof b - n, 0x11111111, 0x22222222, seqs, 4);
  n += rtcp_build_pli(b + n, sizeof b - n, 0x11111111, 0x22222222);
  n += rtcp_build_fir(b + n, sizeof b - n, 0x11111111, 0x33333333, 9);
  const uint32_t rs[] = {0x22222222};
  n += rtcp_build_remb(b + n, sizeof b - n, 0x11111111, 1000000, rs, 1);
  const uint32_t bye[] = {0x11111111};
  n += rtcp_build_bye(b + n, sizeof b - n, bye, 1);
  g_assert_true(gst_rtcp_buffer_validate_data(b, (guint)n));
  GstBuffer *buf = gst_rtcp_buffer_new_copy_data(b, (guint)n);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  g_assert_true(gst_rtcp_buffer_map(buf, GST_MAP_READ, &rtcp));
  g_assert_cmpuint(gst_rtcp_buffer_get_packet_count(&rtcp), ==, 7);
  GstRTCPPacket p;
  g_assert_true(gst_rtcp_buffer_get_first_packet(&rtcp, &p));
  /* SR */
  g_assert_cmpint(gst_rtcp_packet_get_type(&p), ==, GST_RTCP_TYPE_SR);
  guint32 ssrc, rtptime, pc, oc;
  guint64 ntp;
  gst_rtcp_packet_sr_get_sender_info(&p, &ssrc, &ntp, &rtptime, &pc, &oc);
  g_assert_cmpuint(ssrc, ==, si.ssrc);
  g_assert_cmpuint(ntp, ==, si.ntp);
  g_assert_cmpuint(rtptime, ==, 90000);
  g_assert_cmpuint(pc, ==, 42);
  g_assert_cmpuint(oc, ==, 4200);
  g_assert_cmpuint(gst_rtcp_packet_get_rb_count(&p), ==, 2);
  for (guint i = 0; i < 2; i++) {
    guint32 s, ehs, jit, lsr, dlsr;
    guint8 fl;
    gint32 lost;
    gst_rtcp_packet_get_rb(&p, i, &s, &fl, &lost, &ehs, &jit, &lsr, &dlsr);
    g_assert_cmpuint(s, ==, rb[i].ssrc);
    g_assert_cmpuint(fl, ==, rb[i].fraction_lost);
    g_assert_cmpint(lost, ==, rb[i].cumulative_lost);
    g_assert_cmpuint(ehs, ==, rb[i].ext_highest_seq);
    g_assert_cmpuint(jit, ==, rb[i].jitter);
    g_assert_cmpuint(lsr, ==, rb[i].lsr);
    g_assert_cmpuint(dlsr, ==, rb[i].dlsr);
  }
  /* SDES */
  g_assert_true(gst_rtcp_packet_move_to_next(&p));
  g_assert_cmpint(gst_rtcp_packet_get_type(&p), ==, GST_RTCP_TYPE_SDES);
  g_assert_true(gst_rtcp_packet_sdes_first_item(&p));
  g_assert_cmpuint(gst_rtcp_packet_sdes_get_ssrc(&p), ==, 0x11111111);
  g_assert_true(gst_rtcp_packet_sdes_first_entry(&p));
  GstRTCPSDESType type;
  guint8 len;
  guint8 *data;
  g_assert_true(gst_rtcp_packet_sdes_get_entry(&p, &type, &len, &data));
  g_assert_cmpint(type, ==, GST_RTCP_SDES_CNAME);
  g_assert_cmpmem(data, len, "parlour", 7);
  /* NACK */
  g_assert_true(gst_rtcp_packet_move_to_next(&p));
  g_assert_cmpint(gst_rtcp_packet_get_type(&p), ==, GST_RTCP_TYPE_RTPFB);
  g_assert_cmpint(gst_rtcp_packet_fb_get_type(&p), ==, GST_RTCP_RTPFB_TYPE_NACK);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_sender_ssrc(&p), ==, 0x11111111);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_media_ssrc(&p), ==, 0x22222222);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_fci_length(&p), ==, 2);
  guint8 *fci = gst_rtcp_packet_fb_get_fci(&p);
  g_assert_cmpuint(GST_READ_UINT16_BE(fci), ==, 100);
  g_assert_cmpuint(GST_READ_UINT16_BE(fci + 2), ==, 0x8001);
  g_assert_cmpuint(GST_READ_UINT16_BE(fci + 4), ==, 117);
  /* PLI */
  g_assert_true(gst_rtcp_packet_move_to_next(&p));
  g_assert_cmpint(gst_rtcp_packet_get_type(&p), ==, GST_RTCP_TYPE_PSFB);
  g_assert_cmpint(gst_rtcp_packet_fb_get_type(&p), ==, GST_RTCP_PSFB_TYPE_PLI);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_media_ssrc(&p), ==, 0x22222222);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_fci_length(&p), ==, 0);
  /* FIR */
  g_assert_true(gst_rtcp_packet_move_to_next(&p));
  g_assert_cmpint(gst_rtcp_packet_fb_get_type(&p), ==, GST_RTCP_PSFB_TYPE_FIR);
  g_assert_cmpuint(gst_rtcp_packet_fb_get_fci_length(&p), ==, 2);
  fci = gst_rtcp_packet_fb_get_fci(&p);
  g_assert_cmpuint(GST_READ_UINT32_BE(fci), ==, 0x33333333);
  g_assert_cmpuint(fci[4], ==, 9);
  /* REMB (AFB) */
  g_assert_true(gst_rtcp_packet_move_to_next(&p));
  g_assert_cmpint(gst_rtcp_packet_fb_get_type(&p), ==, GST_RTCP_PSFB_TYPE_AFB);
  fci = gst_rtcp_packet_fb_get_fci(&p);
  g_assert_cmpmem(fci, 4, "REMB", 4);
  guint exp = fci[5] >> 2;
  guint64 mant = ((guint64)(fci[5] & 3) << 16) | GST_READ_UINT16_BE(fci + 6);
  g_assert_cmpuint(mant << exp, ==, 1000000);
  /* BYE */
  g_assert_true(gst_rtcp_packet_move_to_next(&p));
  g_assert_cmpint(gst_rtcp_packet_get_type(&p), ==, GST_RTCP_TYPE_BYE);
  g_assert_cmpuint(gst_rtcp_packet_bye_get_ssrc_count(&p), ==, 1);
  g_assert_cmpuint(gst_rtcp_packet_bye_get_nth_ssrc(&p, 0), ==, 0x11111111);
  g_assert_false(gst_rtcp_packet_move_to_next(&p));
  gst_rtcp_buffer_unmap(&rtcp);
  gst_buffer_unref(buf);
}

/* ---- GStreamer RTCP -> ours ---- */

static void test_rtcp_gst_to_ours(void) {
  GstBuffer *buf = gst_rtcp_buffer_new(1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  g_assert_true(gst_rtcp_buffer_map(buf, GST_MAP_READWRITE, &rtcp));
  GstRTCPPacket p;
  g_assert_true(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &p));
  gst_rtcp_packet_rr_set_ssrc(&p, 0x0a0a0a0a);
  g_assert_true(gst_rtcp_packet_add_rb(&p, 0x0b0b0b0b, 64, -7, 123456, 77, 0xdeadbeef, 4242));
  g_assert_true(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SDES, &p));
  g_assert_true(gst_rtcp_packet_sdes_add_item(&p, 0x0a0a0a0a));
  g_assert_true(gst_rtcp_packet_sdes_add_entry(&p, GST_RTCP_SDES_CNAME, 5, (const guint8 *)"gst@x"));
  g_assert_true(gst_rtcp_packet_sdes_add_entry(&p, GST_RTCP_SDES_TOOL, 3, (const guint8 *)"gst"));
  g_assert_true(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RTPFB, &p));
  gst_rtcp_packet_fb_set_type(&p, GST_RTCP_RTPFB_TYPE_NACK);
  gst_rtcp_packet_fb_set_sender_ssrc(&p, 0x0a0a0a0a);
  gst_rtcp_packet_fb_set_media_ssrc(&p, 0x0c0c0c0c);
  g_assert_true(gst_rtcp_packet_fb_set_fci_length(&p, 1));
  guint8 *fci = gst_rtcp_packet_fb_get_fci(&p);
  GST_WRITE_UINT16_BE(fci, 65535);
  GST_WRITE_UINT16_BE(fci + 2, 0x0005); /* +1 and +3: 0 and 2 */
  g_assert_true(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_PSFB, &p));
  gst_rtcp_packet_fb_set_type(&p, GST_RTCP_PSFB_TYPE_PLI);
  gst_rtcp_packet_fb_set_sender_ssrc(&p, 0x0a0a0a0a);
  gst_rtcp_packet_fb_set_media_ssrc(&p, 0x0c0c0c0c);
  g_assert_true(gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_BYE, &p));
  g_assert_true(gst_rtcp_packet_bye_add_ssrc(&p, 0x0a0a0a0a));
  gst_rtcp_buffer_unmap(&rtcp);
  gsize n = gst_buffer_get_size(buf);
  guint8 *b = NULL;
  gst_buffer_extract_dup(buf, 0, n, (gpointer *)&b, &n); /* exact size for ASan */
  gst_buffer_unref(buf);
  RtcpIter it;
  RtcpPacket pk;
  rtcp_iter_init(&it, b, n);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_RR);
  g_assert_cmpuint(pk.u.rr.ssrc, ==, 0x0a0a0a0a);
  RtcpReportBlock rb;
  g_assert_true(rtcp_report_block(&pk, 0, &rb));
  g_assert_cmpuint(rb.ssrc, ==, 0x0b0b0b0b);
  g_assert_cmpuint(rb.fraction_lost, ==, 64);
  g_assert_cmpint(rb.cumulative_lost, ==, -7);
  g_assert_cmpuint(rb.ext_highest_seq, ==, 123456);
  g_assert_cmpuint(rb.jitter, ==, 77);
  g_assert_cmpuint(rb.lsr, ==, 0xdeadbeef);
  g_assert_cmpuint(rb.dlsr, ==, 4242);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_SDES);
  g_assert_cmpuint(pk.u.sdes.first_ssrc, ==, 0x0a0a0a0a);
  g_assert_cmpmem(pk.u.sdes.first_cname, pk.u.sdes.first_cname_len, "gst@x", 5);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_NACK);
  g_assert_cmpuint(pk.media_ssrc, ==, 0x0c0c0c0c);
  uint16_t seqs[8];
  size_t k = rtcp_nack_seqs(&pk, seqs, 8);
  g_assert_cmpuint(k, ==, 3);
  g_assert_cmpuint(seqs[0], ==, 65535);
  g_assert_cmpuint(seqs[1], ==, 0);
  g_assert_cmpuint(seqs[2], ==, 2);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_PLI);
  g_assert_cmpuint(pk.sender_ssrc, ==, 0x0a0a0a0a);
  g_assert_true(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(pk.kind, ==, RTCP_KIND_BYE);
  g_assert_cmpuint(rtcp_bye_ssrc(&pk, 0), ==, 0x0a0a0a0a);
  g_assert_false(rtcp_iter_next(&it, &pk));
  g_assert_cmpint(it.status, ==, RTCP_OK);
  g_free(b);
}

/* ---- RTP with header extensions, both ways ---- */

static guint8 *gst_rtp_with_ext(gboolean two_byte, gsize *out_len) {
  GstBuffer *buf = gst_rtp_buffer_new_allocate(5, 0, 1);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  g_assert_true(gst_rtp_buffer_map(buf, GST_MAP_READWRITE, &rtp));
  gst_rtp_buffer_set_ssrc(&rtp, 0x5a5a5a5a);
  gst_rtp_buffer_set_seq(&rtp, 65535);
  gst_rtp_buffer_set_timestamp(&rtp, 0xfffffff0);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  gst_rtp_buffer_set_marker(&rtp, TRUE);
  gst_rtp_buffer_set_csrc(&rtp, 0, 0xc5c5c5c5);
  memcpy(gst_rtp_buffer_get_payload(&rtp), "hello", 5);
  const guint8 lvl = 0x9e, mid[] = {'1'}, tw[] = {0x01, 0x02};
  if (two_byte) {
    g_assert_true(gst_rtp_buffer_add_extension_twobytes_header(&rtp, 0, 1, &lvl, 1));
    g_assert_true(gst_rtp_buffer_add_extension_twobytes_header(&rtp, 0, 20, mid, 1));
    g_assert_true(gst_rtp_buffer_add_extension_twobytes_header(&rtp, 0, 3, tw, 2));
  } else {
    g_assert_true(gst_rtp_buffer_add_extension_onebyte_header(&rtp, 1, &lvl, 1));
    g_assert_true(gst_rtp_buffer_add_extension_onebyte_header(&rtp, 4, mid, 1));
    g_assert_true(gst_rtp_buffer_add_extension_onebyte_header(&rtp, 3, tw, 2));
  }
  gst_rtp_buffer_unmap(&rtp);
  guint8 *b = NULL;
  gsize n = gst_buffer_get_size(buf);
  gst_buffer_extract_dup(buf, 0, n, (gpointer *)&b, &n);
  gst_buffer_unref(buf);
  *out_len = n;
  return b;
}

static void test_rtp_interop(void) {
  for (int two = 0; two < 2; two++) {
    gsize n;
    guint8 *b = gst_rtp_with_ext(two, &n);
    RtpView v;
    g_assert_cmpint(rtp_parse(b, n, &v), ==, RTP_OK);
    g_assert_cmpuint(v.ssrc, ==, 0x5a5a5a5a);
    g_assert_cmpuint(v.seq, ==, 65535);
    g_assert_cmpuint(v.timestamp, ==, 0xfffffff0);
    g_assert_true(v.marker);
    g_assert_cmpuint(v.csrc_count, ==, 1);
    g_assert_cmpuint(rtp_csrc(b, &v, 0), ==, 0xc5c5c5c5);
    g_assert_cmpint(v.ext_form, ==, two ? RTP_EXT_FORM_TWO_BYTE : RTP_EXT_FORM_ONE_BYTE);
    g_assert_cmpmem(b + v.payload_offset, v.payload_len, "hello", 5);
    bool voice;
    uint8_t level;
    g_assert_true(rtp_ext_audio_level(b, &v, 1, &voice, &level));
    g_assert_true(voice);
    g_assert_cmpuint(level, ==, 30);
    uint8_t mid_id = two ? 20 : 4;
    RtpExtElement el;
    g_assert_true(rtp_ext_find(b, &v, mid_id, &el));
    g_assert_cmpmem(b + el.offset, el.len, "1", 1);
    g_assert_true(rtp_ext_find(b, &v, 3, &el));
    g_assert_cmpuint(el.len, ==, 2);
    /* rewrite: level 1 -> 10, mid -> 5, transport-cc (3) dropped; set the
     * subscriber's SSRC/seq/ts; GStreamer must read the result */
    uint8_t map[256] = {0};
    map[1] = 10;
    map[mid_id] = 5;
    unsigned dropped;
    g_assert_cmpint(rtp_ext_rewrite_ids(b, &v, map, &dropped), ==, RTP_OK);
    g_assert_cmpuint(dropped, ==, 1);
    rtp_set_ssrc(b, n, 0x77777777);
    rtp_set_seq(b, n, 0);
    rtp_set_timestamp(b, n, 5);
    GstBuffer *buf = gst_buffer_new_wrapped(g_memdup2(b, n), n);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    g_assert_true(gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp));
    g_assert_cmpuint(gst_rtp_buffer_get_ssrc(&rtp), ==, 0x77777777);
    g_assert_cmpuint(gst_rtp_buffer_get_seq(&rtp), ==, 0);
    g_assert_cmpuint(gst_rtp_buffer_get_timestamp(&rtp), ==, 5);
    gpointer d;
    guint sz;
    guint8 appbits;
    if (two) {
      g_assert_true(gst_rtp_buffer_get_extension_twobytes_header(&rtp, &appbits, 10, 0, &d, &sz));
      g_assert_cmpuint(*(guint8 *)d, ==, 0x9e);
      g_assert_true(gst_rtp_buffer_get_extension_twobytes_header(&rtp, &appbits, 5, 0, &d, &sz));
      g_assert_cmpmem(d, sz, "1", 1);
      g_assert_false(gst_rtp_buffer_get_extension_twobytes_header(&rtp, &appbits, 3, 0, &d, &sz));
      g_assert_false(gst_rtp_buffer_get_extension_twobytes_header(&rtp, &appbits, 1, 0, &d, &sz));
    } else {
      g_assert_true(gst_rtp_buffer_get_extension_onebyte_header(&rtp, 10, 0, &d, &sz));
      g_assert_cmpuint(*(guint8 *)d, ==, 0x9e);
      g_assert_true(gst_rtp_buffer_get_extension_onebyte_header(&rtp, 5, 0, &d, &sz));
      g_assert_cmpmem(d, sz, "1", 1);
      g_assert_false(gst_rtp_buffer_get_extension_onebyte_header(&rtp, 3, 0, &d, &sz));
      g_assert_false(gst_rtp_buffer_get_extension_onebyte_header(&rtp, 1, 0, &d, &sz));
    }
    g_assert_cmpmem(gst_rtp_buffer_get_payload(&rtp), gst_rtp_buffer_get_payload_len(&rtp), "hello", 5);
    gst_rtp_buffer_unmap(&rtp);
    gst_buffer_unref(buf);
    g_free(b);
  }
}

int main(int argc, char **argv) {
  gst_init(NULL, NULL);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/interop_gst/rtcp_ours_to_gst", test_rtcp_ours_to_gst);
  g_test_add_func("/sfu/interop_gst/rtcp_gst_to_ours", test_rtcp_gst_to_ours);
  g_test_add_func("/sfu/interop_gst/rtp_extensions", test_rtp_interop);
  return g_test_run();
}
