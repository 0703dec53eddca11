#include "sdp_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void media_free(gpointer p) {
  SdpMediaInfo *m = p;
  g_free(m->media);
  g_free(m->mid);
  g_free(m->codec.fmtp);
  g_free(m->msid);
  g_free(m);
}

void sdp_remote_free(SdpRemote *r) {
  if (!r) return;
  if (r->msg) gst_sdp_message_free(r->msg);
  g_free(r->ufrag);
  g_free(r->pwd);
  g_free(r->fingerprint);
  g_free(r->setup);
  if (r->candidates) g_ptr_array_free(r->candidates, TRUE);
  if (r->media) g_ptr_array_free(r->media, TRUE);
  g_free(r);
}

/* Media-level attribute, else session-level. */
static const char *attr(const GstSDPMessage *msg, const GstSDPMedia *m, const char *key) {
  const char *v = m ? gst_sdp_media_get_attribute_val(m, key) : NULL;
  return v ? v : gst_sdp_message_get_attribute_val(msg, key);
}

static int parse_u8(const char *s, uint8_t *out, char **end) {
  char *e;
  long v = strtol(s, &e, 10);
  if (e == s || v < 0 || v > 127) return -1;
  *out = (uint8_t)v;
  if (end) *end = e;
  return 0;
}

/* Our codec preference within a kind: lower is better, -1 unusable. */
static int codec_rank(SdpKind kind, const char *name, const char *fmtp) {
  if (kind == SDP_KIND_AUDIO) return g_ascii_strcasecmp(name, "opus") == 0 ? 0 : -1;
  if (g_ascii_strcasecmp(name, "VP8") == 0) return 0;
  if (g_ascii_strcasecmp(name, "VP9") == 0) {
    /* Profile 0 only: every browser decodes it. */
    if (fmtp && strstr(fmtp, "profile-id=") && !strstr(fmtp, "profile-id=0")) return -1;
    return 1;
  }
  if (g_ascii_strcasecmp(name, "H264") == 0) {
    if (!fmtp || !strstr(fmtp, "packetization-mode=1")) return -1;
    /* Constrained baseline decodes everywhere. */
    return fmtp && (strstr(fmtp, "profile-level-id=42e0") || strstr(fmtp, "profile-level-id=42E0"))
               ? 2
               : 3;
  }
  return -1;
}

static const char *fmtp_of(const GstSDPMedia *m, uint8_t pt) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    if (g_strcmp0(a->key, "fmtp") != 0 || !a->value) continue;
    char *e;
    uint8_t p;
    if (parse_u8(a->value, &p, &e) == 0 && p == pt && *e == ' ') return e + 1;
  }
  return NULL;
}

/* b=TIAS (bit/s) wins over b=AS (kbit/s); 0 when neither is there. */
static uint64_t bandwidth_limit(guint n, const GstSDPBandwidth *(*get)(const void *, guint),
                                const void *owner) {
  uint64_t as = 0, tias = 0;
  for (guint i = 0; i < n; i++) {
    const GstSDPBandwidth *b = get(owner, i);
    if (!b || !b->bwtype) continue;
    if (g_ascii_strcasecmp(b->bwtype, "TIAS") == 0) tias = b->bandwidth;
    if (g_ascii_strcasecmp(b->bwtype, "AS") == 0) as = (uint64_t)b->bandwidth * 1000;
  }
  return tias ? tias : as;
}

static const GstSDPBandwidth *media_bw(const void *m, guint i) {
  return gst_sdp_media_get_bandwidth((const GstSDPMedia *)m, i);
}

static const GstSDPBandwidth *session_bw(const void *msg, guint i) {
  return gst_sdp_message_get_bandwidth((const GstSDPMessage *)msg, i);
}

static int valid_rid(const char *s, size_t n) {
  if (n < 1 || n > SDP_RID_MAX_LEN) return 0;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-') return 0;
  return 1;
}

static int has_send_rid(const GstSDPMedia *m, const char *id) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    if (g_strcmp0(a->key, "rid") != 0 || !a->value) continue;
    gchar **f = g_strsplit(a->value, " ", 3);
    int hit = f[0] && f[1] && strcmp(f[0], id) == 0 && strcmp(f[1], "send") == 0;
    g_strfreev(f);
    if (hit) return 1;
  }
  return 0;
}

static void add_rid(SdpMediaInfo *mi, const char *id, size_t n) {
  if (mi->n_rids >= SDP_MAX_RIDS || !valid_rid(id, n)) return;
  for (unsigned i = 0; i < mi->n_rids; i++)
    if (strlen(mi->rids[i]) == n && memcmp(mi->rids[i], id, n) == 0) return;
  memcpy(mi->rids[mi->n_rids], id, n);
  mi->rids[mi->n_rids][n] = '\0';
  mi->n_rids++;
}

/* a=simulcast:send a;b;c (alternatives "a,x", paused "~a") restricted to
 * rids declared a=rid:<id> send; else the a=rid send lines in order. */
static void parse_simulcast(const GstSDPMedia *m, SdpMediaInfo *mi) {
  const char *sc = gst_sdp_media_get_attribute_val(m, "simulcast");
  if (sc && g_str_has_prefix(sc, "send ")) {
    gchar **streams = g_strsplit(sc + 5, ";", 8);
    for (int i = 0; streams[i]; i++) {
      gchar *first = g_strstrip(streams[i]);
      char *comma = strchr(first, ',');
      if (comma) *comma = '\0';
      char *sp = strchr(first, ' ');
      if (sp) *sp = '\0'; /* "send a;b recv c" */
      if (*first == '~') first++;
      if (has_send_rid(m, first)) add_rid(mi, first, strlen(first));
    }
    g_strfreev(streams);
  } else {
    for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
      if (g_strcmp0(a->key, "rid") != 0 || !a->value) continue;
      gchar **f = g_strsplit(a->value, " ", 3);
      if (f[0] && f[1] && strcmp(f[1], "send") == 0) add_rid(mi, f[0], strlen(f[0]));
      g_strfreev(f);
    }
  }
  if (mi->n_rids < 2) mi->n_rids = 0; /* one rid is no simulcast */
}

static void parse_media(const GstSDPMessage *msg, const GstSDPMedia *m, SdpMediaInfo *mi) {
  mi->max_bitrate_bps = bandwidth_limit(gst_sdp_media_bandwidths_len(m), media_bw, m);
  if (!mi->max_bitrate_bps)
    mi->max_bitrate_bps = bandwidth_limit(gst_sdp_message_bandwidths_len(msg), session_bw, msg);
  const char *media = gst_sdp_media_get_media(m);
  mi->media = g_strdup(media ? media : "");
  mi->kind = g_strcmp0(media, "audio") == 0   ? SDP_KIND_AUDIO
             : g_strcmp0(media, "video") == 0 ? SDP_KIND_VIDEO
                                              : SDP_KIND_OTHER;
  mi->port = (int)gst_sdp_media_get_port(m);
  /* RFC 8843: port 0 with a=bundle-only is a live, bundled section. */
  if (mi->port == 0 && gst_sdp_media_get_attribute_val(m, "bundle-only")) mi->port = 9;
  mi->mid = g_strdup(gst_sdp_media_get_attribute_val(m, "mid"));
  const char *dir = "sendrecv";
  static const char *const dirs[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
  for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++)
    if (gst_sdp_media_get_attribute_val(m, dirs[i])) dir = dirs[i];
  mi->sends = strcmp(dir, "sendrecv") == 0 || strcmp(dir, "sendonly") == 0;
  mi->receives = strcmp(dir, "sendrecv") == 0 || strcmp(dir, "recvonly") == 0;
  if (mi->kind == SDP_KIND_OTHER) return;

  /* Codecs in the m-line's order (the remote's preference), ranked by ours. */
  int best_rank = 1000;
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    if (!a->value) continue;
    if (g_strcmp0(a->key, "rtpmap") == 0) {
      char *e;
      uint8_t pt;
      if (parse_u8(a->value, &pt, &e) != 0 || *e != ' ') continue;
      gchar **enc = g_strsplit(e + 1, "/", 3);
      if (enc[0] && enc[1]) {
        const char *fmtp = fmtp_of(m, pt);
        int rank = codec_rank(mi->kind, enc[0], fmtp);
        if (rank >= 0 && rank < best_rank) {
          best_rank = rank;
          g_strlcpy(mi->codec.name, enc[0], sizeof mi->codec.name);
          mi->codec.pt = pt;
          mi->codec.clock_rate = (uint32_t)strtoul(enc[1], NULL, 10);
          mi->codec.channels = enc[2] ? atoi(enc[2]) : 0;
          g_free(mi->codec.fmtp);
          mi->codec.fmtp = g_strdup(fmtp);
          mi->usable = mi->codec.clock_rate > 0;
        }
      }
      g_strfreev(enc);
    } else if (g_strcmp0(a->key, "extmap") == 0) {
      char *e;
      long id = strtol(a->value, &e, 10);
      if (e == a->value || id < 1 || id > 14) continue;
      if (*e == '/') e = strchr(e, ' '); /* direction suffix */
      if (!e) continue;
      while (*e == ' ') e++;
      gchar **parts = g_strsplit(e, " ", 2);
      const char *uri = parts[0] ? parts[0] : ""; /* "a=extmap:1" has no URI */
      if (strcmp(uri, SDP_URI_MID) == 0) mi->ext.mid = (uint8_t)id;
      else if (strcmp(uri, SDP_URI_ABS_SEND_TIME) == 0) mi->ext.abs_send_time = (uint8_t)id;
      else if (strcmp(uri, SDP_URI_AUDIO_LEVEL) == 0) mi->ext.audio_level = (uint8_t)id;
      else if (strcmp(uri, SDP_URI_TWCC) == 0) mi->ext.twcc = (uint8_t)id;
      else if (strcmp(uri, SDP_URI_RID) == 0) mi->ext.rid = (uint8_t)id;
      else if (strcmp(uri, SDP_URI_RRID) == 0) mi->ext.rrid = (uint8_t)id;
      g_strfreev(parts);
    } else if (g_strcmp0(a->key, "ssrc-group") == 0 && g_str_has_prefix(a->value, "FID ")) {
      unsigned long s1 = 0, s2 = 0;
      if (sscanf(a->value + 4, "%lu %lu", &s1, &s2) == 2) {
        mi->ssrc = (uint32_t)s1;
        mi->rtx_ssrc = (uint32_t)s2;
      }
    } else if (g_strcmp0(a->key, "ssrc") == 0 && !mi->ssrc) {
      mi->ssrc = (uint32_t)strtoul(a->value, NULL, 10);
    } else if (g_strcmp0(a->key, "msid") == 0 && !mi->msid) {
      mi->msid = g_strdup(a->value);
    }
  }
  if (!mi->usable) return;
  if (mi->kind == SDP_KIND_VIDEO && mi->ext.rid) parse_simulcast(m, mi);
  /* RTX for the chosen codec, and its feedback. */
  for (guint i = 0; i < gst_sdp_media_attributes_len(m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, i);
    if (!a->value) continue;
    if (g_strcmp0(a->key, "fmtp") == 0) {
      char *e;
      uint8_t pt;
      if (parse_u8(a->value, &pt, &e) != 0) continue;
      char want[16];
      g_snprintf(want, sizeof want, "apt=%u", mi->codec.pt);
      const char *p = strstr(e, want);
      if (p && !g_ascii_isdigit(p[strlen(want)])) {
        /* Check the rtpmap says rtx. */
        for (guint k = 0; k < gst_sdp_media_attributes_len(m); k++) {
          const GstSDPAttribute *b = gst_sdp_media_get_attribute(m, k);
          if (g_strcmp0(b->key, "rtpmap") != 0 || !b->value) continue;
          uint8_t p2;
          char *e2;
          if (parse_u8(b->value, &p2, &e2) == 0 && p2 == pt &&
              g_ascii_strncasecmp(e2, " rtx/", 5) == 0)
            mi->codec.rtx_pt = pt;
        }
      }
    } else if (g_strcmp0(a->key, "rtcp-fb") == 0) {
      char *e;
      uint8_t pt;
      int star = a->value[0] == '*';
      if (!star && (parse_u8(a->value, &pt, &e) != 0 || pt != mi->codec.pt)) continue;
      const char *fb = star ? a->value + 1 : e;
      while (*fb == ' ') fb++;
      if (strcmp(fb, "nack") == 0) mi->codec.fb_nack = 1;
      else if (strcmp(fb, "nack pli") == 0) mi->codec.fb_pli = 1;
      else if (strcmp(fb, "ccm fir") == 0) mi->codec.fb_fir = 1;
      else if (strcmp(fb, "goog-remb") == 0) mi->codec.fb_remb = 1;
      else if (strcmp(fb, "transport-cc") == 0) mi->codec.fb_twcc = 1;
    }
  }
}

SdpRemote *sdp_remote_parse(const char *text, int is_offer, char *err, size_t errsize) {
  if (!text || !*text) {
    g_snprintf(err, errsize, "empty SDP");
    return NULL;
  }
  if (strlen(text) > 200000) {
    g_snprintf(err, errsize, "SDP too large");
    return NULL;
  }
  SdpRemote *r = g_new0(SdpRemote, 1);
  r->candidates = g_ptr_array_new_with_free_func(g_free);
  r->media = g_ptr_array_new_with_free_func(media_free);
  if (gst_sdp_message_new_from_text(text, &r->msg) != GST_SDP_OK || !r->msg) {
    g_snprintf(err, errsize, "SDP does not parse");
    goto fail;
  }
  if (g_strcmp0(gst_sdp_message_get_version(r->msg), "0") != 0) {
    g_snprintf(err, errsize, "SDP has no v=0 line");
    goto fail;
  }
  guint nm = gst_sdp_message_medias_len(r->msg);
  if (nm > 64) {
    g_snprintf(err, errsize, "too many media sections (%u)", nm);
    goto fail;
  }
  const char *group = gst_sdp_message_get_attribute_val(r->msg, "group");
  int live = 0;
  for (guint i = 0; i < nm; i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media(r->msg, i);
    SdpMediaInfo *mi = g_new0(SdpMediaInfo, 1);
    mi->index = i;
    parse_media(r->msg, m, mi);
    g_ptr_array_add(r->media, mi);
    if (mi->port == 0) continue;
    live++;
    if (!mi->mid) {
      g_snprintf(err, errsize, "media section %u has no a=mid", i);
      goto fail;
    }
    if (!attr(r->msg, m, "rtcp-mux")) {
      g_snprintf(err, errsize, "media section %u lacks a=rtcp-mux (required)", i);
      goto fail;
    }
    const char *u = attr(r->msg, m, "ice-ufrag"), *p = attr(r->msg, m, "ice-pwd");
    const char *fp = attr(r->msg, m, "fingerprint"), *setup = attr(r->msg, m, "setup");
    if (!r->ufrag && u) r->ufrag = g_strdup(u);
    if (!r->pwd && p) r->pwd = g_strdup(p);
    if (!r->fingerprint && fp) r->fingerprint = g_strdup(fp);
    if (!r->setup && setup) r->setup = g_strdup(setup);
    for (guint k = 0; k < gst_sdp_media_attributes_len(m); k++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute(m, k);
      if (g_strcmp0(a->key, "candidate") == 0 && a->value && r->candidates->len < 64)
        g_ptr_array_add(r->candidates, g_strconcat("candidate:", a->value, NULL));
      else if (g_strcmp0(a->key, "end-of-candidates") == 0)
        r->end_of_candidates = 1;
    }
    /* Every live section must be in the one BUNDLE group. */
    if (!group || !g_str_has_prefix(group, "BUNDLE ")) {
      g_snprintf(err, errsize, "no a=group:BUNDLE (BUNDLE is required)");
      goto fail;
    }
    gchar **mids = g_strsplit(group + 7, " ", -1);
    int found = g_strv_contains((const gchar *const *)mids, mi->mid);
    g_strfreev(mids);
    if (!found) {
      g_snprintf(err, errsize, "mid %s is not in the BUNDLE group", mi->mid);
      goto fail;
    }
  }
  if (live == 0 && nm > 0) {
    g_snprintf(err, errsize, "every media section is rejected");
    goto fail;
  }
  if (live > 0) {
    if (!r->ufrag || !r->pwd || strlen(r->ufrag) < 4 || strlen(r->pwd) < 22) {
      g_snprintf(err, errsize, "missing or too short a=ice-ufrag / a=ice-pwd");
      goto fail;
    }
    if (!r->fingerprint || g_ascii_strncasecmp(r->fingerprint, "sha-256 ", 8) != 0) {
      g_snprintf(err, errsize, "missing a=fingerprint:sha-256");
      goto fail;
    }
    /* Keep only the hash text. */
    char *fp = g_strdup(r->fingerprint + 8);
    g_strstrip(fp);
    g_free(r->fingerprint);
    r->fingerprint = fp;
    if (strlen(fp) != 95) {
      g_snprintf(err, errsize, "a=fingerprint:sha-256 value has the wrong length");
      goto fail;
    }
    if (!r->setup) r->setup = g_strdup(is_offer ? "actpass" : "active");
    int ok_setup = is_offer ? (strcmp(r->setup, "actpass") == 0 || strcmp(r->setup, "active") == 0 ||
                               strcmp(r->setup, "passive") == 0)
                            : (strcmp(r->setup, "active") == 0 || strcmp(r->setup, "passive") == 0);
    if (!ok_setup) {
      g_snprintf(err, errsize, "a=setup:%s is not allowed here", r->setup);
      goto fail;
    }
  }
  return r;
fail:
  sdp_remote_free(r);
  return NULL;
}
