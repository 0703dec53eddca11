#include "load_peer.h"

#include <stdarg.h>
#include <string.h>

#include "core/rtcp.h"
#include "core/rtp.h"
#include "load_app.h"
#include "load_sdp.h"
#include "srtp_session.h"

void load_peer_fail(LoadPeer *p, const char *fmt, ...) {
  if (p->failure || p->app->stopping) return;
  va_list ap;
  va_start(ap, fmt);
  p->failure = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_printerr("loadgen: %s/%s: %s\n", p->call ? p->call->room : "-", p->name, p->failure);
}

static void recv_free(gpointer d) {
  LoadRecvStream *r = d;
  g_free(r->label);
  g_free(r);
}

static uint32_t random_ssrc(void) {
  uint32_t s;
  do s = g_random_int(); while (s == 0);
  return s;
}

LoadPeer *load_peer_new(LoadApp *app, LoadCall *call, const char *name, bool publishes) {
  LoadPeer *p = g_new0(LoadPeer, 1);
  p->app = app;
  p->call = call;
  p->name = g_strdup(name);
  p->publishes = publishes;
  p->join_us = load_now_us();
  p->recv = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, recv_free);
  p->rtcp_ssrc = random_ssrc();
  p->audio.ssrc = random_ssrc();
  p->audio.payload_type = LOAD_PT_OPUS;
  p->audio.seq = (uint16_t)g_random_int();
  p->audio.trailer = true;
  p->ats = g_random_int();
  /* Video: one encoding, or one per simulcast layer, each its own stream
   * (SSRC, sequence, timestamp base) as a browser's layers are. */
  static const char *const rids2[] = {"l", "h"}, *const rids3[] = {"l", "m", "h"};
  p->n_vl = app->n_layers ? app->n_layers : 1;
  for (unsigned k = 0; k < p->n_vl; k++) {
    LoadVideoLayer *l = &p->vl[k];
    do l->rtp.ssrc = random_ssrc();
    while (k && (l->rtp.ssrc == p->vl[0].rtp.ssrc || l->rtp.ssrc == p->vl[k - 1].rtp.ssrc));
    l->rtp.payload_type = LOAD_PT_VP8;
    l->rtp.seq = (uint16_t)g_random_int();
    l->rtp.picture_id = (uint16_t)(g_random_int() & 0x7fff);
    l->rtp.trailer = true;
    l->ts = g_random_int();
    l->track = app->n_layers ? &app->layers[k] : &app->video;
    l->rid = app->n_layers == 2 ? rids2[k] : app->n_layers == 3 ? rids3[k] : NULL;
  }
  p->sub_video_pt = p->sub_audio_pt = -1;
  return p;
}

void load_peer_free(LoadPeer *p) {
  if (!p) return;
  if (p->janus_join_retry) g_source_remove(p->janus_join_retry);
  peer_transport_free(p->pub);
  peer_transport_free(p->sub);
  g_hash_table_destroy(p->recv);
  g_free(p->failure);
  g_free(p->name);
  g_free(p);
}

/* ---- transports ---- */

static void on_pub_state(PeerTransport *t, PeerTransportState st, const char *reason, void *u) {
  LoadPeer *p = u;
  p->pub_state = st;
  if (st == PT_STATE_CONNECTED && !p->pub_connected_us) {
    p->pub_connected_us = load_now_us();
    /* Start sending at once, at a random phase so peers do not all send in
     * the same tick. */
    p->next_v_us = p->pub_connected_us + g_random_int_range(0, 33000);
    p->next_a_us = p->pub_connected_us + g_random_int_range(0, 20000);
  }
  if (st == PT_STATE_FAILED) load_peer_fail(p, "publisher transport failed: %s", reason ? reason : "?");
}

static void on_sub_state(PeerTransport *t, PeerTransportState st, const char *reason, void *u) {
  LoadPeer *p = u;
  p->sub_state = st;
  if (st == PT_STATE_CONNECTED && !p->sub_connected_us) p->sub_connected_us = load_now_us();
  if (st == PT_STATE_FAILED) load_peer_fail(p, "subscriber transport failed: %s", reason ? reason : "?");
}

/* A key frame for the layer with this SSRC; an unknown SSRC (0, or an
 * SSRC we do not send) asks every layer, as an encoder would restart. */
static void want_keyframe(LoadPeer *p, uint32_t ssrc) {
  bool hit = false;
  for (unsigned k = 0; k < p->n_vl; k++)
    if (p->vl[k].rtp.ssrc == ssrc) p->vl[k].keyframe_requested = hit = true;
  if (!hit)
    for (unsigned k = 0; k < p->n_vl; k++) p->vl[k].keyframe_requested = true;
}

static uint32_t get32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* A NACKed packet of the layer with this SSRC, built again from what we
 * remembered of it (same seq, timestamp, PictureID and bytes) and sent the
 * same way (no RTX negotiated). Gone from the history: nothing. */
static void retransmit(LoadPeer *p, uint32_t ssrc, uint16_t seq) {
  for (unsigned k = 0; k < p->n_vl; k++) {
    LoadVideoLayer *l = &p->vl[k];
    if (l->rtp.ssrc != ssrc) continue;
    const LoadSentRef *r = &l->sent[seq % LOAD_SENT_HISTORY];
    if (!r->used || r->seq != seq || r->frame >= l->track->n_frames) return;
    const LoadFrame *f = &l->track->frames[r->frame];
    LoadRtpSender again = l->rtp;
    again.seq = seq;
    again.picture_id = r->picture_id;
    uint8_t buf[LOAD_RTP_MAX_PACKET + SRTP_SESSION_TRAILER];
    size_t n = load_rtp_build_vp8(&again, f->data, f->len, r->index, r->ts, load_now_us(), buf,
                                  sizeof buf);
    if (n && peer_transport_send_rtp(p->pub, buf, n) == 0) l->retransmitted++;
    return;
  }
}

/* RTCP to the publisher: a PLI (its media SSRC names the layer) or a FIR
 * (one entry per SSRC) asks for a key frame; a generic NACK (with
 * --answer-nacks) for packets again. */
static void on_pub_rtcp(PeerTransport *t, uint8_t *buf, size_t len, void *u) {
  LoadPeer *p = u;
  size_t pos = 0;
  while (len - pos >= 4) {
    uint8_t fmt = buf[pos] & 0x1f, pt = buf[pos + 1];
    size_t plen = 4 * ((size_t)((buf[pos + 2] << 8) | buf[pos + 3]) + 1);
    if (plen > len - pos) break;
    if (pt == 206 && fmt == 1) want_keyframe(p, plen >= 12 ? get32(buf + pos + 8) : 0);
    else if (pt == 206 && fmt == 4) {
      if (plen < 20) want_keyframe(p, 0);
      for (size_t f = 12; f + 8 <= plen; f += 8) want_keyframe(p, get32(buf + pos + f));
    } else if (pt == 205 && fmt == 1 && plen >= 16 && p->app->o.answer_nacks && p->pub) {
      uint32_t ssrc = get32(buf + pos + 8);
      for (size_t f = 12; f + 4 <= plen; f += 4) {
        uint16_t pid = (uint16_t)(buf[pos + f] << 8 | buf[pos + f + 1]);
        uint16_t blp = (uint16_t)(buf[pos + f + 2] << 8 | buf[pos + f + 3]);
        retransmit(p, ssrc, pid);
        for (unsigned b = 0; b < 16; b++)
          if (blp & (1u << b)) retransmit(p, ssrc, (uint16_t)(pid + b + 1));
      }
    }
    pos += plen;
  }
}

/* Cheap checks (--verify-every N): every received packet counts for loss,
 * order, jitter and latency from its cleartext RTP header and abs-send-time
 * extension; only a sample is authenticated and decrypted (that sample
 * also gives the padding trailer's latency and key frames). Until every
 * video stream of the peer has shown a key frame, and for the first
 * VERIFY_ALL_US after the first packet, every packet is verified so join
 * times and first key frames are measured exactly. */
#define VERIFY_ALL_US (3 * G_USEC_PER_SEC)

static void on_sub_rtp_unverified(PeerTransport *t, uint8_t *buf, size_t len, void *u);

static void sub_maybe_sample(LoadPeer *p, int64_t now) {
  if (p->sampling || p->app->o.verify_every <= 1 || !p->first_rx_us ||
      now - p->first_rx_us < VERIFY_ALL_US)
    return;
  GHashTableIter it;
  gpointer k, val;
  g_hash_table_iter_init(&it, p->recv);
  while (g_hash_table_iter_next(&it, &k, &val)) {
    LoadRecvStream *rs = val;
    if (rs->st.video && !rs->st.first_key_us) return;
  }
  p->sampling = true;
  peer_transport_set_rtp_sampling(p->sub, (unsigned)p->app->o.verify_every,
                                  on_sub_rtp_unverified);
}

static void sub_rtp(LoadPeer *p, uint8_t *buf, size_t len, bool verified) {
  LoadApp *app = p->app;
  int64_t now = load_now_us();
  RtpView v;
  /* Unverified: the payload and padding are ciphertext, so the padding
   * count (the last byte) means nothing: parse the header without it. */
  if (!verified) buf[0] &= (uint8_t)~0x20;
  if (rtp_parse(buf, len, &v) != RTP_OK) {
    p->rtp_unparsable++;
    return;
  }
  bool video;
  if (v.payload_type == p->sub_video_pt) video = true;
  else if (v.payload_type == p->sub_audio_pt) video = false;
  else {
    p->rtp_unknown_pt++;
    return;
  }
  const LoadRtpExtIds *ids = video ? &p->sub_ext_video : &p->sub_ext_audio;
  int64_t lat = -1;
  RtpExtElement el;
  if (ids->abs_capture_time && rtp_ext_find(buf, &v, ids->abs_capture_time, &el) && el.len >= 8) {
    uint64_t ntp = ((uint64_t)buf[el.offset] << 56) | ((uint64_t)buf[el.offset + 1] << 48) |
                   ((uint64_t)buf[el.offset + 2] << 40) | ((uint64_t)buf[el.offset + 3] << 32) |
                   ((uint64_t)buf[el.offset + 4] << 24) | ((uint64_t)buf[el.offset + 5] << 16) |
                   ((uint64_t)buf[el.offset + 6] << 8) | buf[el.offset + 7];
    lat = load_latency_from_capture(ntp, now);
    if (lat >= 0) app->lat_capture++;
  }
  int64_t sent_us;
  if (lat < 0 && verified && load_rtp_trailer_time(buf, len, v.padding_len, &sent_us)) {
    lat = now - sent_us;
    app->lat_trailer++;
  }
  if (ids->abs_send_time && rtp_ext_find(buf, &v, ids->abs_send_time, &el) && el.len == 3) {
    uint32_t a = (uint32_t)buf[el.offset] << 16 | buf[el.offset + 1] << 8 | buf[el.offset + 2];
    int64_t l = load_latency_from_abs_send(a, now);
    if (lat < 0) {
      lat = l;
      app->lat_send++;
    } else {
      /* Both: does the server pass our abs-send-time through (the same
       * latency within 1 ms) or stamp its own? Reported, for the record. */
      app->abs_send_compared++;
      if (l - lat < 1000 && lat - l < 1000) app->abs_send_agreed++;
    }
  }
  LoadRecvStream *rs = g_hash_table_lookup(p->recv, GUINT_TO_POINTER(v.ssrc));
  if (!rs) {
    rs = g_new0(LoadRecvStream, 1);
    rs->peer = p;
    load_recv_init(&rs->st, v.ssrc, video ? 90000 : 48000, video, p->join_us);
    rs->label = g_strdup_printf("%s ssrc=%u", video ? "video" : "audio", v.ssrc);
    g_hash_table_insert(p->recv, GUINT_TO_POINTER(v.ssrc), rs);
  }
  bool key = verified && video &&
             load_vp8_payload_is_keyframe_start(buf + v.payload_offset, v.payload_len);
  load_recv_update(&rs->st, v.seq, v.timestamp, v.payload_len, now, key, lat);
  if (lat >= 0) {
    load_hist_add(&app->lat, lat);
    load_hist_add(&app->lat_interval, lat);
  }
  if (!p->first_rx_us) p->first_rx_us = now;
  if (verified) p->rx_verified++, app->rx_verified++;
  else p->rx_unverified++, app->rx_unverified++;
  sub_maybe_sample(p, now);
}

static void on_sub_rtp(PeerTransport *t, uint8_t *buf, size_t len, void *u) {
  sub_rtp(u, buf, len, true);
}

static void on_sub_rtp_unverified(PeerTransport *t, uint8_t *buf, size_t len, void *u) {
  sub_rtp(u, buf, len, false);
}

static PeerTransport *make_transport(LoadPeer *p, bool publisher, char *err, size_t errsize) {
  LoadApp *app = p->app;
  PeerTransportConfig cfg = {
      .addresses = app->ice_addrs,
      .port_min = app->o.port_min,
      .port_max = app->o.port_max,
      .dtls = app->dtls,
      .controlling = publisher ? 1 : 0, /* the offerer controls */
  };
  PeerTransportCallbacks cb = {0};
  if (publisher) {
    cb.on_state = on_pub_state;
    cb.on_rtcp = on_pub_rtcp;
  } else {
    cb.on_state = on_sub_state;
    cb.on_rtp = on_sub_rtp;
  }
  return peer_transport_new(app->ctx, &cfg, &cb, p, err, errsize);
}

static void fill_local(LoadPeer *p, PeerTransport *t, LoadSdpLocal *l) {
  l->ufrag = peer_transport_ufrag(t);
  l->pwd = peer_transport_pwd(t);
  l->fingerprint = dtls_context_fingerprint(p->app->dtls);
  l->candidates = peer_transport_local_candidates(t);
  l->audio_ssrc = p->audio.ssrc;
  l->video_ssrc = p->vl[0].rtp.ssrc;
  l->cname = p->name;
  static const char *rids[LOAD_MAX_LAYERS];
  l->n_rids = 0;
  l->rids = rids;
  if (p->n_vl >= 2)
    for (unsigned k = 0; k < p->n_vl; k++) rids[l->n_rids++] = p->vl[k].rid;
}

char *load_peer_publish_offer(LoadPeer *p, char *err, size_t errsize) {
  if (!p->pub && !(p->pub = make_transport(p, true, err, errsize))) return NULL;
  LoadSdpLocal l;
  fill_local(p, p->pub, &l);
  char *sdp = load_sdp_offer(&l);
  g_strfreev(l.candidates);
  return sdp;
}

static bool apply_remote(PeerTransport *t, const LoadSdpRemote *r, bool we_offered, char *err,
                         size_t errsize) {
  /* DTLS role: an answer's "active" makes us the server; an offer's
   * actpass/passive makes us the client (we answer active). */
  int dtls_server = we_offered && g_strcmp0(r->setup, "active") == 0;
  if (!we_offered && g_strcmp0(r->setup, "active") == 0) {
    g_snprintf(err, errsize, "the server's offer says a=setup:active; we only do active");
    return false;
  }
  if (peer_transport_set_remote(t, r->ufrag, r->pwd, r->fingerprint, dtls_server, err, errsize) != 0)
    return false;
  for (guint i = 0; i < r->candidates->len; i++) {
    char e[64];
    if (peer_transport_add_remote_candidate(t, r->candidates->pdata[i], e, sizeof e) != 0)
      g_printerr("loadgen: ignoring a remote candidate: %s\n", e);
  }
  peer_transport_remote_candidates_done(t);
  return true;
}

bool load_peer_publish_answer(LoadPeer *p, const char *sdp, char *err, size_t errsize) {
  if (!p->pub) {
    g_snprintf(err, errsize, "no publisher offer was made");
    return false;
  }
  LoadSdpRemote *r = load_sdp_parse(sdp, err, errsize);
  if (!r) return false;
  bool ok = true;
  /* Use the extension ids the server accepted, per kind; packets then carry
   * only what the server agreed to. */
  bool have_audio = false, have_video = false;
  for (guint i = 0; i < r->media->len && ok; i++) {
    LoadSdpMedia *m = r->media->pdata[i];
    if (!m->port) continue;
    if (m->pt >= 0 && m->pt != (m->video ? LOAD_PT_VP8 : LOAD_PT_OPUS)) {
      g_snprintf(err, errsize, "the answer changed the %s payload type", m->video ? "video" : "audio");
      ok = false;
    }
    if (m->video && p->n_vl >= 2) {
      /* Simulcast: the server must take every layer, in our order, and
       * the RID extension that tells the layers apart. */
      bool same = m->n_rids == p->n_vl && m->ext.rid;
      for (unsigned k = 0; same && k < p->n_vl; k++) same = strcmp(m->rids[k], p->vl[k].rid) == 0;
      if (!same) {
        g_snprintf(err, errsize,
                   "the answer did not accept our %u simulcast layers (a=rid recv: %u, RID "
                   "extension %s)",
                   p->n_vl, m->n_rids, m->ext.rid ? "kept" : "dropped");
        ok = false;
      }
    }
    unsigned n = m->video ? p->n_vl : 1;
    for (unsigned k = 0; k < n; k++) {
      LoadRtpSender *s = m->video ? &p->vl[k].rtp : &p->audio;
      s->ext.abs_send_time = m->ext.abs_send_time;
      s->ext.abs_capture_time = m->ext.abs_capture_time;
      s->ext.mid = m->ext.mid;
      s->ext.mid_value = m->video ? "1" : "0";
      s->ext.rid = m->video && p->n_vl >= 2 ? m->ext.rid : 0;
      s->ext.rid_value = m->video ? p->vl[k].rid : NULL;
    }
    if (m->video) have_video = true;
    else have_audio = true;
  }
  if (ok && (!have_audio || !have_video)) {
    g_snprintf(err, errsize, "the answer rejected our %s", have_audio ? "video" : "audio");
    ok = false;
  }
  if (ok) ok = apply_remote(p->pub, r, true, err, errsize);
  load_sdp_remote_free(r);
  return ok;
}

char *load_peer_subscriber_offer(LoadPeer *p, const char *sdp, char *err, size_t errsize) {
  if (sdp && !strstr(sdp, "\nm=")) {
    /* No track yet: an answer with no media section. */
    return g_strdup_printf("v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
                           g_random_int() & 0x7fffffff);
  }
  LoadSdpRemote *r = load_sdp_parse(sdp, err, errsize);
  if (!r) return NULL;
  if (!p->sub && !(p->sub = make_transport(p, false, err, errsize))) {
    load_sdp_remote_free(r);
    return NULL;
  }
  for (guint i = 0; i < r->media->len; i++) {
    LoadSdpMedia *m = r->media->pdata[i];
    if (!m->port || m->pt < 0) continue;
    if (m->video) {
      p->sub_video_pt = m->pt;
      p->sub_ext_video = m->ext;
    } else {
      p->sub_audio_pt = m->pt;
      p->sub_ext_audio = m->ext;
    }
  }
  bool any_active = false;
  for (guint i = 0; i < r->media->len; i++)
    if (((LoadSdpMedia *)r->media->pdata[i])->port) any_active = true;
  char *answer = NULL;
  /* Every section inactive (the others left): answer so, touch nothing. */
  if (!any_active || apply_remote(p->sub, r, false, err, errsize)) {
    LoadSdpLocal l;
    fill_local(p, p->sub, &l);
    answer = load_sdp_answer(&l, r);
    g_strfreev(l.candidates);
  }
  load_sdp_remote_free(r);
  return answer;
}

/* ---- sending ---- */

static void send_packet(LoadPeer *p, LoadSend *s, uint8_t *buf, size_t len) {
  if (!len) return;
  if (peer_transport_send_rtp(p->pub, buf, len) != 0) {
    s->send_errors++;
    return;
  }
  s->packets++;
  s->bytes += len;
  p->app->pkts_sent++;
  p->app->bytes_sent += len;
}

/* One frame of one video layer (a key frame first if one was asked for). */
static void send_video_frame(LoadPeer *p, LoadVideoLayer *l, int64_t now, uint8_t *buf,
                             size_t cap) {
  const LoadTrack *tr = l->track;
  if (l->keyframe_requested && now - l->last_pli_us > 300000) {
    /* An encoder answers a PLI with a key frame; we jump back to the
     * newest key frame of the file (timestamps stay continuous). */
    size_t k = l->idx;
    while (k > 0 && !tr->frames[k].keyframe) k--;
    l->idx = k;
    l->last_pli_us = now;
    l->send.keyframes_forced++;
    p->vsend.keyframes_forced++;
  }
  l->keyframe_requested = false;
  const LoadFrame *f = &tr->frames[l->idx];
  unsigned n = load_vp8_packet_count(f->len);
  int64_t wall = load_now_us();
  uint64_t pk = p->vsend.packets, by = p->vsend.bytes;
  for (unsigned i = 0; i < n; i++) {
    LoadSentRef *r = &l->sent[l->rtp.seq % LOAD_SENT_HISTORY];
    *r = (LoadSentRef){.used = true, .seq = l->rtp.seq, .picture_id = l->rtp.picture_id,
                       .index = (uint16_t)i, .frame = (uint32_t)l->idx, .ts = l->ts};
    send_packet(p, &p->vsend, buf,
                load_rtp_build_vp8(&l->rtp, f->data, f->len, i, l->ts, wall, buf, cap));
  }
  l->send.packets += p->vsend.packets - pk;
  l->send.bytes += p->vsend.bytes - by;
  l->send.frames++;
  l->rtp.picture_id = (l->rtp.picture_id + 1) & 0x7fff;
  l->ts += f->duration;
  l->idx = (l->idx + 1) % tr->n_frames;
}

/* A receiver report for every stream received, as a browser's receiver
 * sends one about every second. Besides its figures it is the receiving
 * side's sign of life: without any authenticated packet from us on the
 * subscriber connection, the SFU has only STUN consent answers to go by,
 * which a loaded machine can fall behind on (it then drops the peer after
 * 30 s). */
static void send_receiver_report(LoadPeer *p) {
  RtcpReportBlock b[31];
  unsigned n = 0;
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, p->recv);
  while (n < G_N_ELEMENTS(b) && g_hash_table_iter_next(&it, NULL, &v)) {
    const LoadRecv *r = &((LoadRecvStream *)v)->st;
    if (!r->started) continue;
    int64_t lost = load_recv_lost(r);
    if (lost > 8388607) lost = 8388607;
    if (lost < -8388608) lost = -8388608;
    b[n++] = (RtcpReportBlock){.ssrc = r->ssrc,
                               .cumulative_lost = (int32_t)lost,
                               .ext_highest_seq = r->cycles + r->max_seq,
                               .jitter = (uint32_t)(r->jitter_q4 >> 4)};
  }
  uint8_t buf[8 + 24 * G_N_ELEMENTS(b) + SRTP_SESSION_TRAILER];
  size_t len = rtcp_build_rr(buf, sizeof buf - SRTP_SESSION_TRAILER, p->rtcp_ssrc, b, n);
  if (len) peer_transport_send_rtcp(p->sub, buf, len);
}

int64_t load_peer_send_due(LoadPeer *p, int64_t now) {
  if (p->sub && p->sub_state == PT_STATE_CONNECTED && now >= p->next_rr_us) {
    if (p->next_rr_us) send_receiver_report(p);
    p->next_rr_us = now + 900000 + g_random_int_range(0, 200000);
  }
  if (!p->publishes || p->pub_state != PT_STATE_CONNECTED) return 0;
  LoadApp *app = p->app;
  uint8_t buf[LOAD_RTP_MAX_PACKET + SRTP_SESSION_TRAILER];
  int64_t late = 0;
  /* Far behind (the loop stalled): skip ahead instead of bursting. */
  if (now - p->next_v_us > 1000000) p->next_v_us = now;
  if (now - p->next_a_us > 1000000) p->next_a_us = now;
  while (p->next_v_us <= now) {
    if (now - p->next_v_us > late) late = now - p->next_v_us;
    /* The layers share the frame clock (their files have one frame rate,
     * checked at start), like one camera feeding several encoders. */
    uint32_t dur = p->vl[0].track->frames[p->vl[0].idx].duration;
    for (unsigned k = 0; k < p->n_vl; k++) send_video_frame(p, &p->vl[k], now, buf, sizeof buf);
    p->vsend.frames++;
    p->next_v_us += (int64_t)dur * 1000000 / 90000;
  }
  while (p->next_a_us <= now) {
    if (now - p->next_a_us > late) late = now - p->next_a_us;
    const LoadFrame *f = &app->audio.frames[p->aidx];
    send_packet(p, &p->asend, buf,
                load_rtp_build_opus(&p->audio, f->data, f->len, p->ats, load_now_us(), buf,
                                    sizeof buf));
    p->asend.frames++;
    p->ats += f->duration;
    p->next_a_us += (int64_t)f->duration * 1000000 / 48000;
    p->aidx = (p->aidx + 1) % app->audio.n_frames;
  }
  return late;
}
