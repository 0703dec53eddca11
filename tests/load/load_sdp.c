#include "load_sdp.h"

#include <gst/sdp/sdp.h>
#include <stdio.h>
#include <string.h>

static GstSDPMessage *new_message(void) {
  GstSDPMessage *msg;
  gst_sdp_message_new(&msg);
  gst_sdp_message_set_version(msg, "0");
  char id[24];
  g_snprintf(id, sizeof id, "%" G_GUINT32_FORMAT, g_random_int() & 0x7fffffff);
  gst_sdp_message_set_origin(msg, "-", id, "2", "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name(msg, "-");
  gst_sdp_message_add_time(msg, "0", "0", NULL);
  gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS lg");
  return msg;
}

static void add_transport_attrs(GstSDPMedia *m, const LoadSdpLocal *l, const char *setup) {
  gst_sdp_media_add_connection(m, "IN", "IP4", "0.0.0.0", 0, 0);
  gst_sdp_media_add_attribute(m, "ice-ufrag", l->ufrag);
  gst_sdp_media_add_attribute(m, "ice-pwd", l->pwd);
  char fp[160];
  g_snprintf(fp, sizeof fp, "sha-256 %s", l->fingerprint);
  gst_sdp_media_add_attribute(m, "fingerprint", fp);
  gst_sdp_media_add_attribute(m, "setup", setup);
  gst_sdp_media_add_attribute(m, "rtcp-mux", NULL);
  for (char **c = l->candidates; c && *c; c++) gst_sdp_media_add_attribute(m, "candidate", *c + 10);
  gst_sdp_media_add_attribute(m, "end-of-candidates", NULL);
}

static void add_codec(GstSDPMedia *m, bool video, int pt) {
  char fmt[8], v[96];
  g_snprintf(fmt, sizeof fmt, "%d", pt);
  gst_sdp_media_add_format(m, fmt);
  if (video) {
    g_snprintf(v, sizeof v, "%d VP8/90000", pt);
    gst_sdp_media_add_attribute(m, "rtpmap", v);
    const char *fb[] = {"nack", "nack pli", "ccm fir"};
    for (size_t i = 0; i < G_N_ELEMENTS(fb); i++) {
      g_snprintf(v, sizeof v, "%d %s", pt, fb[i]);
      gst_sdp_media_add_attribute(m, "rtcp-fb", v);
    }
  } else {
    g_snprintf(v, sizeof v, "%d opus/48000/2", pt);
    gst_sdp_media_add_attribute(m, "rtpmap", v);
    g_snprintf(v, sizeof v, "%d minptime=10;useinbandfec=1", pt);
    gst_sdp_media_add_attribute(m, "fmtp", v);
  }
}

static void add_ext(GstSDPMedia *m, int id, const char *uri) {
  if (!id) return;
  char v[160];
  g_snprintf(v, sizeof v, "%d %s", id, uri);
  gst_sdp_media_add_attribute(m, "extmap", v);
}

char *load_sdp_offer(const LoadSdpLocal *l) {
  GstSDPMessage *msg = new_message();
  gst_sdp_message_add_attribute(msg, "group", "BUNDLE 0 1");
  for (int i = 0; i < 2; i++) {
    bool video = i == 1;
    GstSDPMedia m;
    memset(&m, 0, sizeof m);
    gst_sdp_media_init(&m);
    gst_sdp_media_set_media(&m, video ? "video" : "audio");
    gst_sdp_media_set_port_info(&m, 9, 1);
    gst_sdp_media_set_proto(&m, "UDP/TLS/RTP/SAVPF");
    add_codec(&m, video, video ? LOAD_PT_VP8 : LOAD_PT_OPUS);
    add_transport_attrs(&m, l, "actpass");
    gst_sdp_media_add_attribute(&m, "mid", video ? "1" : "0");
    gst_sdp_media_add_attribute(&m, "sendonly", NULL);
    add_ext(&m, LOAD_EXT_MID, LOAD_URI_MID);
    add_ext(&m, LOAD_EXT_ABS_SEND, LOAD_URI_ABS_SEND_TIME);
    add_ext(&m, LOAD_EXT_ABS_CAPTURE, LOAD_URI_ABS_CAPTURE_TIME);
    char v[128];
    uint32_t ssrc = video ? l->video_ssrc : l->audio_ssrc;
    g_snprintf(v, sizeof v, "lg %s", video ? "video" : "audio");
    gst_sdp_media_add_attribute(&m, "msid", v);
    if (video && l->n_rids >= 2) {
      /* RID simulcast, as Chromium offers it: no SSRC lines. */
      add_ext(&m, LOAD_EXT_RID, LOAD_URI_RID);
      GString *sc = g_string_new("send ");
      for (unsigned k = 0; k < l->n_rids && k < LOAD_MAX_LAYERS; k++) {
        g_snprintf(v, sizeof v, "%s send", l->rids[k]);
        gst_sdp_media_add_attribute(&m, "rid", v);
        g_string_append_printf(sc, "%s%s", k ? ";" : "", l->rids[k]);
      }
      gst_sdp_media_add_attribute(&m, "simulcast", sc->str);
      g_string_free(sc, TRUE);
      gst_sdp_message_add_media(msg, &m);
      continue;
    }
    g_snprintf(v, sizeof v, "%u cname:%s", ssrc, l->cname);
    gst_sdp_media_add_attribute(&m, "ssrc", v);
    g_snprintf(v, sizeof v, "%u msid:lg %s", ssrc, video ? "video" : "audio");
    gst_sdp_media_add_attribute(&m, "ssrc", v);
    gst_sdp_message_add_media(msg, &m); /* takes the contents of m */
  }
  char *s = gst_sdp_message_as_text(msg);
  gst_sdp_message_free(msg);
  return s;
}

static void media_free(gpointer p) {
  LoadSdpMedia *m = p;
  g_free(m->mid);
  g_free(m->msid);
  for (unsigned k = 0; k < m->n_rids; k++) g_free(m->rids[k]);
  g_free(m);
}

void load_sdp_remote_free(LoadSdpRemote *r) {
  if (!r) return;
  g_free(r->ufrag);
  g_free(r->pwd);
  g_free(r->fingerprint);
  g_free(r->setup);
  if (r->candidates) g_ptr_array_free(r->candidates, TRUE);
  if (r->media) g_ptr_array_free(r->media, TRUE);
  g_free(r);
}

/* Media-level value, else session-level. */
static const char *attr2(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key) {
  const char *v = gst_sdp_media_get_attribute_val(m, key);
  return v ? v : gst_sdp_message_get_attribute_val(msg, key);
}

LoadSdpRemote *load_sdp_parse(const char *text, char *err, size_t errsize) {
  GstSDPMessage *msg;
  gst_sdp_message_new(&msg);
  if (!text || !*text || gst_sdp_message_parse_buffer((const guint8 *)text, (guint)strlen(text), msg) !=
                   GST_SDP_OK ||
      gst_sdp_message_medias_len(msg) == 0) {
    g_snprintf(err, errsize, "SDP does not parse or has no media section");
    gst_sdp_message_free(msg);
    return NULL;
  }
  LoadSdpRemote *r = g_new0(LoadSdpRemote, 1);
  r->candidates = g_ptr_array_new_with_free_func(g_free);
  r->media = g_ptr_array_new_with_free_func(media_free);
  for (guint i = 0; i < gst_sdp_message_medias_len(msg); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
    LoadSdpMedia *lm = g_new0(LoadSdpMedia, 1);
    g_ptr_array_add(r->media, lm);
    lm->video = g_strcmp0(gst_sdp_media_get_media(m), "video") == 0;
    lm->port = (int)gst_sdp_media_get_port(m);
    lm->mid = g_strdup(gst_sdp_media_get_attribute_val(m, "mid"));
    lm->msid = g_strdup(gst_sdp_media_get_attribute_val(m, "msid"));
    lm->pt = -1;
    bool inactive = gst_sdp_media_get_attribute_val(m, "inactive") != NULL;
    bool sendonly = gst_sdp_media_get_attribute_val(m, "sendonly") != NULL;
    bool recvonly = gst_sdp_media_get_attribute_val(m, "recvonly") != NULL;
    lm->sends = !inactive && !recvonly;
    lm->receives = !inactive && !sendonly;
    if (inactive) lm->port = 0;
    /* Transport attributes from the first section that has them (BUNDLE:
     * one transport), even an inactive one: a renegotiation may leave every
     * section inactive. */
    if (!r->ufrag && attr2(msg, m, "ice-ufrag")) {
      r->ufrag = g_strdup(attr2(msg, m, "ice-ufrag"));
      r->pwd = g_strdup(attr2(msg, m, "ice-pwd"));
      r->setup = g_strdup(attr2(msg, m, "setup"));
      const char *fp = attr2(msg, m, "fingerprint");
      if (fp && g_ascii_strncasecmp(fp, "sha-256 ", 8) == 0) r->fingerprint = g_strdup(fp + 8);
    }
    for (guint a = 0; a < gst_sdp_media_attributes_len(m); a++) {
      const GstSDPAttribute *at = gst_sdp_media_get_attribute(m, a);
      if (!at->value) continue;
      if (strcmp(at->key, "candidate") == 0 && lm->port) {
        char *c = g_strconcat("candidate:", at->value, NULL);
        bool dup = false;
        for (guint k = 0; k < r->candidates->len; k++)
          if (strcmp(r->candidates->pdata[k], c) == 0) dup = true;
        if (dup) g_free(c);
        else g_ptr_array_add(r->candidates, c);
      } else if (strcmp(at->key, "rtpmap") == 0 && lm->pt < 0) {
        int pt;
        char name[32];
        if (sscanf(at->value, "%d %31[^/]", &pt, name) == 2 && pt >= 0 && pt < 128 &&
            g_ascii_strcasecmp(name, lm->video ? "VP8" : "opus") == 0)
          lm->pt = pt;
      } else if (strcmp(at->key, "ssrc") == 0 && !lm->ssrc) {
        lm->ssrc = (uint32_t)g_ascii_strtoull(at->value, NULL, 10);
      } else if (strcmp(at->key, "extmap") == 0) {
        int id;
        char uri[200];
        /* "id[/direction] uri" */
        if (sscanf(at->value, "%d%*[^ ] %199s", &id, uri) != 2 &&
            sscanf(at->value, "%d %199s", &id, uri) != 2)
          continue;
        if (id < 1 || id > 14) continue;
        if (strcmp(uri, LOAD_URI_ABS_SEND_TIME) == 0) lm->ext.abs_send_time = (uint8_t)id;
        else if (strcmp(uri, LOAD_URI_ABS_CAPTURE_TIME) == 0) lm->ext.abs_capture_time = (uint8_t)id;
        else if (strcmp(uri, LOAD_URI_MID) == 0) lm->ext.mid = (uint8_t)id;
        else if (strcmp(uri, LOAD_URI_RID) == 0) lm->ext.rid = (uint8_t)id;
      } else if (strcmp(at->key, "rid") == 0 && lm->n_rids < LOAD_MAX_LAYERS) {
        /* "<id> recv[ params]" */
        char id[17], dir[8];
        if (sscanf(at->value, "%16s %7s", id, dir) == 2 && strcmp(dir, "recv") == 0)
          lm->rids[lm->n_rids++] = g_strdup(id);
      }
    }
  }
  gst_sdp_message_free(msg);
  if (!r->ufrag || !r->pwd || !r->fingerprint) {
    g_snprintf(err, errsize, "SDP lacks ice-ufrag, ice-pwd or a sha-256 fingerprint");
    load_sdp_remote_free(r);
    return NULL;
  }
  return r;
}

char *load_sdp_answer(const LoadSdpLocal *l, const LoadSdpRemote *offer) {
  GstSDPMessage *msg = new_message();
  GString *bundle = g_string_new("BUNDLE");
  for (guint i = 0; i < offer->media->len; i++) {
    const LoadSdpMedia *om = offer->media->pdata[i];
    GstSDPMedia m;
    memset(&m, 0, sizeof m);
    gst_sdp_media_init(&m);
    gst_sdp_media_set_media(&m, om->video ? "video" : "audio");
    gst_sdp_media_set_proto(&m, "UDP/TLS/RTP/SAVPF");
    bool take = om->port && om->pt >= 0 && om->sends;
    gst_sdp_media_set_port_info(&m, take ? 9 : 0, 1);
    add_codec(&m, om->video, om->pt >= 0 ? om->pt : (om->video ? LOAD_PT_VP8 : LOAD_PT_OPUS));
    add_transport_attrs(&m, l, "active");
    if (om->mid) {
      gst_sdp_media_add_attribute(&m, "mid", om->mid);
      if (take) g_string_append_printf(bundle, " %s", om->mid);
    }
    gst_sdp_media_add_attribute(&m, take ? "recvonly" : "inactive", NULL);
    add_ext(&m, om->ext.mid, LOAD_URI_MID);
    add_ext(&m, om->ext.abs_send_time, LOAD_URI_ABS_SEND_TIME);
    add_ext(&m, om->ext.abs_capture_time, LOAD_URI_ABS_CAPTURE_TIME);
    gst_sdp_message_add_media(msg, &m); /* takes the contents of m */
  }
  gst_sdp_message_add_attribute(msg, "group", bundle->str);
  g_string_free(bundle, TRUE);
  char *s = gst_sdp_message_as_text(msg);
  gst_sdp_message_free(msg);
  return s;
}
