#include "sdp_write.h"

#include <glib.h>
#include <string.h>

static GstSDPMessage *session_new(const SdpLocal *l) {
  GstSDPMessage *msg;
  gst_sdp_message_new(&msg);
  gst_sdp_message_set_version(msg, "0");
  char id[32], ver[32];
  g_snprintf(id, sizeof id, "%" G_GUINT64_FORMAT, l->session_id);
  g_snprintf(ver, sizeof ver, "%" G_GUINT64_FORMAT, l->session_version);
  gst_sdp_message_set_origin(msg, "-", id, ver, "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name(msg, "parlour-sfu");
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  gst_sdp_message_add_attribute(msg, "ice-options", "trickle");
  gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS *");
  return msg;
}

static void add_transport(GstSDPMedia *m, const SdpLocal *l) {
  gst_sdp_media_add_attribute(m, "ice-ufrag", l->ufrag);
  gst_sdp_media_add_attribute(m, "ice-pwd", l->pwd);
  gst_sdp_media_add_attribute(m, "ice-options", "trickle");
  char *fp = g_strconcat("sha-256 ", l->fingerprint, NULL);
  gst_sdp_media_add_attribute(m, "fingerprint", fp);
  g_free(fp);
  gst_sdp_media_add_attribute(m, "setup", l->setup);
}

static void add_candidates(GstSDPMedia *m, const SdpLocal *l) {
  for (char **c = l->candidates; c && *c; c++) {
    const char *v = g_str_has_prefix(*c, "candidate:") ? *c + 10 : *c;
    gst_sdp_media_add_attribute(m, "candidate", v);
  }
  gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
}

static void add_codec(GstSDPMedia *m, const SdpCodec *c, uint8_t rtx_pt, int fb_remb, int fb_twcc) {
  char buf[512];
  g_snprintf(buf, sizeof buf, "%u", c->pt);
  gst_sdp_media_add_format(m, buf);
  if (rtx_pt) {
    g_snprintf(buf, sizeof buf, "%u", rtx_pt);
    gst_sdp_media_add_format(m, buf);
  }
  if (c->channels > 0)
    g_snprintf(buf, sizeof buf, "%u %s/%u/%d", c->pt, c->name, c->clock_rate, c->channels);
  else
    g_snprintf(buf, sizeof buf, "%u %s/%u", c->pt, c->name, c->clock_rate);
  gst_sdp_media_add_attribute(m, "rtpmap", buf);
  if (c->fmtp) {
    g_snprintf(buf, sizeof buf, "%u %s", c->pt, c->fmtp);
    gst_sdp_media_add_attribute(m, "fmtp", buf);
  }
  const char *fbs_video[] = {"nack", "nack pli", "ccm fir", fb_remb ? "goog-remb" : NULL,
                             fb_twcc ? "transport-cc" : NULL};
  const char *fbs_audio[] = {fb_twcc ? "transport-cc" : NULL, NULL, NULL, NULL, NULL};
  const char **fbs = g_ascii_strcasecmp(c->name, "opus") == 0 ? fbs_audio : fbs_video;
  for (int i = 0; i < 5; i++) {
    if (!fbs[i]) continue;
    g_snprintf(buf, sizeof buf, "%u %s", c->pt, fbs[i]);
    gst_sdp_media_add_attribute(m, "rtcp-fb", buf);
  }
  if (rtx_pt) {
    g_snprintf(buf, sizeof buf, "%u rtx/%u", rtx_pt, c->clock_rate);
    gst_sdp_media_add_attribute(m, "rtpmap", buf);
    g_snprintf(buf, sizeof buf, "%u apt=%u", rtx_pt, c->pt);
    gst_sdp_media_add_attribute(m, "fmtp", buf);
  }
}

static void add_extmap(GstSDPMedia *m, uint8_t id, const char *uri) {
  if (!id) return;
  char buf[160];
  g_snprintf(buf, sizeof buf, "%u %s", id, uri);
  gst_sdp_media_add_attribute(m, "extmap", buf);
}

static char *finish(GstSDPMessage *msg) {
  gchar *t = gst_sdp_message_as_text(msg);
  gst_sdp_message_free(msg);
  return t;
}

int sdp_write_accepts_twcc(const SdpMediaInfo *mi) {
  return mi && mi->ext.twcc && mi->codec.fb_twcc;
}

char *sdp_write_publisher_answer(const SdpRemote *offer, const SdpLocal *local,
                                 const int *accepted) {
  GstSDPMessage *msg = session_new(local);
  GString *bundle = g_string_new("BUNDLE");
  int first_live = 1;
  for (guint i = 0; i < offer->media->len; i++) {
    const SdpMediaInfo *mi = offer->media->pdata[i];
    const GstSDPMedia *om = gst_sdp_message_get_media(offer->msg, i);
    GstSDPMedia m;
    memset(&m, 0, sizeof m); /* _init frees what it finds */
    gst_sdp_media_init(&m);
    gst_sdp_media_set_media(&m, mi->media);
    gst_sdp_media_set_proto(&m, gst_sdp_media_get_proto(om) ? gst_sdp_media_get_proto(om)
                                                             : "UDP/TLS/RTP/SAVPF");
    gst_sdp_media_add_connection(&m, "IN", "IP4", "0.0.0.0", 0, 0);
    int live = mi->port != 0 && mi->usable && mi->kind != SDP_KIND_OTHER;
    if (!live) {
      gst_sdp_media_set_port_info(&m, 0, 1);
      gst_sdp_media_add_format(&m, gst_sdp_media_formats_len(om) ? gst_sdp_media_get_format(om, 0)
                                                                 : "0");
      if (mi->mid) gst_sdp_media_add_attribute(&m, "mid", mi->mid);
      gst_sdp_message_add_media(msg, &m);
      continue;
    }
    gst_sdp_media_set_port_info(&m, 9, 1);
    g_string_append_printf(bundle, " %s", mi->mid);
    add_transport(&m, local);
    gst_sdp_media_add_attribute(&m, "mid", mi->mid);
    add_extmap(&m, mi->ext.mid, SDP_URI_MID);
    add_extmap(&m, mi->ext.abs_send_time, SDP_URI_ABS_SEND_TIME);
    if (mi->kind == SDP_KIND_AUDIO) add_extmap(&m, mi->ext.audio_level, SDP_URI_AUDIO_LEVEL);
    int twcc = !local->no_publisher_twcc && sdp_write_accepts_twcc(mi);
    if (twcc) add_extmap(&m, mi->ext.twcc, SDP_URI_TWCC);
    if (mi->n_rids) {
      /* Receive RID simulcast: the rids we take, in the offer's order. */
      add_extmap(&m, mi->ext.rid, SDP_URI_RID);
      if (mi->codec.rtx_pt) add_extmap(&m, mi->ext.rrid, SDP_URI_RRID);
      GString *sc = g_string_new("recv ");
      for (unsigned k = 0; k < mi->n_rids; k++) {
        char *rid = g_strdup_printf("%s recv", mi->rids[k]);
        gst_sdp_media_add_attribute(&m, "rid", rid);
        g_free(rid);
        g_string_append_printf(sc, "%s%s", k ? ";" : "", mi->rids[k]);
      }
      gst_sdp_media_add_attribute(&m, "simulcast", sc->str);
      g_string_free(sc, TRUE);
    }
    /* We receive only, and only what the client sends. */
    gst_sdp_media_add_attribute(&m, accepted[i] ? "recvonly" : "inactive", NULL);
    gst_sdp_media_add_attribute(&m, "rtcp-mux", NULL);
    if (mi->kind == SDP_KIND_VIDEO) gst_sdp_media_add_attribute(&m, "rtcp-rsize", NULL);
    add_codec(&m, &mi->codec, mi->codec.rtx_pt, mi->kind == SDP_KIND_VIDEO, twcc);
    if (first_live) add_candidates(&m, local);
    first_live = 0;
    gst_sdp_message_add_media(msg, &m);
  }
  if (bundle->len > 6) gst_sdp_message_add_attribute(msg, "group", bundle->str);
  g_string_free(bundle, TRUE);
  return finish(msg);
}

char *sdp_write_subscriber_offer(const SdpOfferSection *s, size_t n, const SdpLocal *local) {
  GstSDPMessage *msg = session_new(local);
  GString *bundle = g_string_new("BUNDLE");
  for (size_t i = 0; i < n; i++) g_string_append_printf(bundle, " %s", s[i].mid);
  if (n) gst_sdp_message_add_attribute(msg, "group", bundle->str);
  g_string_free(bundle, TRUE);
  for (size_t i = 0; i < n; i++) {
    const SdpOfferSection *o = &s[i];
    GstSDPMedia m;
    memset(&m, 0, sizeof m); /* _init frees what it finds */
    gst_sdp_media_init(&m);
    gst_sdp_media_set_media(&m, o->kind == SDP_KIND_AUDIO ? "audio" : "video");
    gst_sdp_media_set_proto(&m, "UDP/TLS/RTP/SAVPF");
    /* Sections of departed tracks stay (m-lines are never removed) but
     * inactive, and stay bundled so the BUNDLE tag never moves. */
    gst_sdp_media_set_port_info(&m, 9, 1);
    gst_sdp_media_add_connection(&m, "IN", "IP4", "0.0.0.0", 0, 0);
    add_transport(&m, local);
    gst_sdp_media_add_attribute(&m, "mid", o->mid);
    add_extmap(&m, SFU_EXT_ABS_SEND_TIME, SDP_URI_ABS_SEND_TIME);
    if (o->kind == SDP_KIND_AUDIO) add_extmap(&m, SFU_EXT_AUDIO_LEVEL, SDP_URI_AUDIO_LEVEL);
    /* transport-cc on every section (audio too): the feedback must cover
     * every packet we send, or the unreported ones look lost. */
    add_extmap(&m, SFU_EXT_TWCC, SDP_URI_TWCC);
    gst_sdp_media_add_attribute(&m, o->active ? "sendonly" : "inactive", NULL);
    gst_sdp_media_add_attribute(&m, "rtcp-mux", NULL);
    if (o->kind == SDP_KIND_VIDEO) gst_sdp_media_add_attribute(&m, "rtcp-rsize", NULL);
    /* transport-cc feedback drives our send-side estimate (subscriber_bwe);
     * goog-remb (the subscriber's receive-side estimate, with abs-send-time)
     * is the fallback for a subscriber that does not negotiate it. */
    add_codec(&m, o->codec, o->kind == SDP_KIND_VIDEO ? o->rtx_pt : 0, o->kind == SDP_KIND_VIDEO, 1);
    if (o->active) {
      char buf[256];
      g_snprintf(buf, sizeof buf, "%s %s", o->stream_id, o->track_id);
      gst_sdp_media_add_attribute(&m, "msid", buf);
      if (o->rtx_ssrc && o->kind == SDP_KIND_VIDEO && o->rtx_pt) {
        g_snprintf(buf, sizeof buf, "FID %u %u", o->ssrc, o->rtx_ssrc);
        gst_sdp_media_add_attribute(&m, "ssrc-group", buf);
      }
      g_snprintf(buf, sizeof buf, "%u cname:%s", o->ssrc, o->cname);
      gst_sdp_media_add_attribute(&m, "ssrc", buf);
      g_snprintf(buf, sizeof buf, "%u msid:%s %s", o->ssrc, o->stream_id, o->track_id);
      gst_sdp_media_add_attribute(&m, "ssrc", buf);
      if (o->rtx_ssrc && o->kind == SDP_KIND_VIDEO && o->rtx_pt) {
        g_snprintf(buf, sizeof buf, "%u cname:%s", o->rtx_ssrc, o->cname);
        gst_sdp_media_add_attribute(&m, "ssrc", buf);
        g_snprintf(buf, sizeof buf, "%u msid:%s %s", o->rtx_ssrc, o->stream_id, o->track_id);
        gst_sdp_media_add_attribute(&m, "ssrc", buf);
      }
    }
    if (i == 0) add_candidates(&m, local);
    gst_sdp_message_add_media(msg, &m);
  }
  return finish(msg);
}
