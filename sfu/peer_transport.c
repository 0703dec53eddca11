#include "peer_transport.h"

#include <agent.h>
#include <arpa/inet.h>
#include <gio/gio.h>
#include <stun/usages/ice.h>
#include <string.h>

#include "log.h"
#include "shared_timer.h"
#include "srtp_session.h"
#include "udp_pump.h"

/* RFC 7983 demultiplexing of what libnice hands us (STUN never reaches us:
 * libnice consumes it). */
#include "core/demux.h"

#define MAX_DGRAM 2048
/* At most this many of the peer's addresses are remembered as checked (a
 * browser has one or two per interface and address family; the oldest
 * gives way). */
#define PT_CHECKED_MAX 16
/* How long the path's remote must be silent before media follows the peer
 * to another checked address it sends from (a browser sends RTCP at least
 * every second, and calls its own pair weak after 2.5 s without a packet). */
#define PT_FOLLOW_US (2 * G_USEC_PER_SEC)

struct PeerTransport {
  GMainContext *ctx;
  NiceAgent *agent;
  guint stream;
  DtlsContext *dtls_ctx;
  DtlsSession *dtls;
  SrtpSession *srtp;
  DtlsSrtpProfile profile;
  GSource *dtls_timer;
  PeerTransportCallbacks cb;
  void *user;
  PeerTransportState state;
  int ice_connected;
  int remote_set;
  int dtls_server;
  char *remote_ufrag, *remote_pwd, *remote_fp;
  GPtrArray *pending_cands; /* char*, before set_remote */
  int pending_done;
  char *ufrag, *pwd;
  int restart_pending; /* local credentials renewed: the next remote ones may differ */
  int gathered;
  PeerTransportStats stats;
  /* Consent (RFC 7675), kept here rather than in libnice. libnice 0.1.21's
   * consent freshness reports the component FAILED after 10 s of unanswered
   * checks (a congested downlink loses them) and then refuses to send on the
   * pair for good; re-selecting the pair to give the consent back aborted
   * the process under load (a component state transition libnice asserts
   * against). So libnice runs without it (its keepalives are binding
   * indications, which never fail a pair) and the transport fails after
   * CONSENT_TIMEOUT_US without authenticated traffic from the peer: SRTP or
   * SRTCP that unprotects, or DTLS during the handshake. A WebRTC peer sends
   * RTCP every few seconds whatever it publishes, so this is proof that the
   * party holding the keys is there at the address media goes to. Junk,
   * even from the peer's address, refreshes nothing. */
  int64_t last_auth_rx_us;  /* last authenticated traffic from the peer */
  uint64_t auth_rx;         /* datagrams of it so far */
  int64_t nice_failed_us;   /* libnice reported FAILED after connecting; 0 if not */
  /* When ICE started (the peer's credentials arrived); 0 before. libnice
   * declares a stream FAILED only once every pair failed and the peer said
   * it has no more candidates; a trickling peer that never sends one more,
   * or whose checks never come back, would hold the transport (and its
   * participant) in checking for ever. The same timer gives up on it. */
  int64_t ice_started_us;
  /* Checked once a second by the context's one shared sweep (shared_timer.h),
   * not a timer source of its own: GLib walks every source on every loop
   * iteration, and 60 transports' timers were most of that walk. */
  SharedTimerEntry *consent_timer;
  /* Fast path (udp_pump.h): once ICE has chosen a host UDP pair and SRTP is
   * keyed, the pair's socket is read with recvmmsg by the context's pump
   * and written with its batched sendmmsg; libnice's socket sources are
   * parked on a context nobody iterates, so libnice neither reads the
   * socket nor takes its agent lock per packet. libnice keeps the agent
   * (its timers, keepalives, restarts, TURN); the peer's consent checks
   * are answered here with libnice's STUN library, from whichever of its
   * addresses they come (one that nominates moves the path's remote there).
   * Anything else STUN (a response to libnice's own checks, a role
   * conflict), an ICE restart, a new selected pair or a state change hands
   * the path back to libnice; a check with other credentials is dropped; a
   * relayed (TURN) or TCP pair never takes the path. */
  UdpPump *pump;
  int controlling;
  int nice_state;         /* last NiceComponentState */
  int fast;               /* on the fast path */
  GSocket *fast_sock;     /* ref held while fast */
  int fast_fd;
  struct sockaddr_storage fast_remote;
  socklen_t fast_remote_len;
  int64_t fast_left_us;   /* when the path was last handed back */
  /* The peer's addresses that sent a check with our credentials since the
   * last ICE restart (or that libnice knows as its candidates when the path
   * is taken: those it signalled, and those libnice learnt from its checks
   * as peer-reflexive): its valid pairs, as far as the fast path can tell. A
   * browser sends media on the pair it chose, which need not be libnice's:
   * libnice (0.1.21, controlled) moves its selected pair only to a
   * nominated pair of higher priority, so a peer that moves the call to a
   * lower-priority pair keeps sending from an address libnice never
   * selected. Chromium does so whenever a pair it ranks better (a cheaper
   * adapter: it ranks loopback below Ethernet whatever the ICE priority)
   * becomes usable after it nominated the first one, which load makes
   * likely. libnice itself accepts data from any valid pair; the fast path
   * did not, and dropped all of it. SRTP authenticates the media whichever
   * address it comes from. */
  struct sockaddr_storage checked[PT_CHECKED_MAX];
  socklen_t checked_len[PT_CHECKED_MAX];
  unsigned checked_n, checked_next;
  /* The address the peer last nominated on the fast path (len 0: none, or
   * libnice selected a pair since): the path's remote when it is taken
   * again after a hand-back. */
  struct sockaddr_storage nominated;
  socklen_t nominated_len;
  /* When authenticated traffic last came from the path's remote. Where we
   * are the controlling agent (the subscriber connection: the SFU offers)
   * the peer cannot nominate, and libnice, whose consent checks are off
   * (see above), never notices that its pair died: a browser whose path
   * went moves to another valid pair by itself and sends from there. Once
   * the remote has been silent for PT_FOLLOW_US while authenticated
   * traffic arrives from another checked address, media follows it, as a
   * controlled Chromium follows the address data comes from. */
  int64_t remote_auth_us;
  unsigned sample_every, sample_count;
  PeerTransportUnverifiedFn on_unverified;
};

/* RFC 7675: consent expires after 30 s without an answer. */
#define CONSENT_TIMEOUT_US (30 * G_USEC_PER_SEC)
/* A first connection gets as long as browsers give theirs before they call
 * it failed (TURN over TLS included, it takes well under a second here). */
#define CONNECT_TIMEOUT_US (30 * G_USEC_PER_SEC)

const char *peer_transport_state_name(PeerTransportState s) {
  switch (s) {
  case PT_STATE_NEW: return "new";
  case PT_STATE_CHECKING: return "checking";
  case PT_STATE_CONNECTED: return "connected";
  case PT_STATE_FAILED: return "failed";
  case PT_STATE_CLOSED: return "closed";
  }
  return "?";
}

static void set_state(PeerTransport *t, PeerTransportState st, const char *reason) {
  if (!t->gathered) return; /* still inside peer_transport_new */
  if (t->state == st || t->state == PT_STATE_FAILED || t->state == PT_STATE_CLOSED) return;
  t->state = st;
  if (t->cb.on_state) t->cb.on_state(t, st, reason, t->user);
}

static void dtls_send(const uint8_t *data, size_t len, void *user) {
  PeerTransport *t = user;
  if (nice_agent_send(t->agent, t->stream, 1, (guint)len, (const gchar *)data) < 0)
    t->stats.send_errors++;
}

static void schedule_dtls_timer(PeerTransport *t);
static void fast_try_enter(PeerTransport *t);

static gboolean on_dtls_timer(gpointer data) {
  PeerTransport *t = data;
  g_source_unref(t->dtls_timer);
  t->dtls_timer = NULL;
  if (!t->dtls) return G_SOURCE_REMOVE;
  DtlsState ds = dtls_session_on_timeout(t->dtls);
  if (ds == DTLS_STATE_FAILED) {
    log_warn("dtls_failed", "reason=%s", "timeout");
    set_state(t, PT_STATE_FAILED, "dtls_failed");
    return G_SOURCE_REMOVE;
  }
  schedule_dtls_timer(t);
  return G_SOURCE_REMOVE;
}

static void schedule_dtls_timer(PeerTransport *t) {
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_source_unref(t->dtls_timer);
    t->dtls_timer = NULL;
  }
  if (!t->dtls) return;
  int ms = dtls_session_timeout_ms(t->dtls);
  if (ms < 0) return;
  t->dtls_timer = g_timeout_source_new((guint)(ms > 0 ? ms : 1));
  g_source_set_callback(t->dtls_timer, on_dtls_timer, t, NULL);
  g_source_attach(t->dtls_timer, t->ctx);
}

static void after_dtls(PeerTransport *t, DtlsState ds) {
  if (ds == DTLS_STATE_FAILED) {
    char q[200];
    log_warn("dtls_failed", "reason=%s", log_quote(q, sizeof q, dtls_session_error(t->dtls)));
    set_state(t, PT_STATE_FAILED, "dtls_failed");
    return;
  }
  if (ds == DTLS_STATE_CLOSED) {
    set_state(t, PT_STATE_CLOSED, NULL);
    return;
  }
  if (ds == DTLS_STATE_CONNECTED && !t->srtp) {
    DtlsSrtpKeys keys;
    char err[128];
    if (dtls_session_srtp_keys(t->dtls, &keys) != 0 ||
        !(t->srtp = srtp_session_new(&keys, err, sizeof err))) {
      memset(&keys, 0, sizeof keys);
      set_state(t, PT_STATE_FAILED, "dtls_failed");
      return;
    }
    t->profile = keys.profile;
    memset(&keys, 0, sizeof keys);
    set_state(t, PT_STATE_CONNECTED, NULL);
    fast_try_enter(t);
  }
  schedule_dtls_timer(t);
}

static void ensure_dtls(PeerTransport *t) {
  if (t->dtls || !t->remote_set) return;
  t->dtls = dtls_session_new(t->dtls_ctx, t->dtls_server, t->remote_fp, dtls_send, t);
}

/* ---- consent ---- */

static int transport_port(PeerTransport *t) { return peer_transport_local_port(t); }

/* Authenticated traffic from the peer: it is there and it consents. */
static void consent_proof(PeerTransport *t, const char *via) {
  t->last_auth_rx_us = g_get_monotonic_time();
  t->auth_rx++;
  if (t->nice_failed_us) {
    log_info("ice_consent_restored", "port=%d via=%s after_ms=%" G_GINT64_FORMAT,
             transport_port(t), via, (t->last_auth_rx_us - t->nice_failed_us) / 1000);
    t->nice_failed_us = 0;
  }
}

/* One datagram from the peer (either path); buf writable with
 * SRTP_SESSION_TRAILER spare bytes. */
static void handle_datagram(PeerTransport *t, uint8_t *buf, size_t n) {
  switch (demux_classify(buf, n)) {
  case DEMUX_DTLS:
    ensure_dtls(t);
    if (!t->dtls) return;
    /* Only the handshake counts as a sign of life: after it, a forged
     * record is dropped silently inside OpenSSL and we could not tell. */
    if (!t->srtp) t->last_auth_rx_us = g_get_monotonic_time();
    after_dtls(t, dtls_session_feed(t->dtls, buf, n));
    return;
  case DEMUX_RTP:
    if (!t->srtp) return;
    if (t->sample_every > 1 && t->on_unverified && ++t->sample_count % t->sample_every) {
      size_t tag = t->profile == DTLS_SRTP_AEAD_AES_128_GCM ? 16 : 10;
      if (n <= 12 + tag) {
        t->stats.dropped_unknown++;
        return;
      }
      t->stats.unverified++;
      t->stats.packets_in++;
      t->stats.bytes_in += n - tag;
      t->on_unverified(t, buf, n - tag, t->user);
      return;
    }
    if (srtp_session_unprotect_rtp(t->srtp, buf, &n) != 0) {
      t->stats.undecryptable++;
      return;
    }
    consent_proof(t, "srtp");
    t->stats.packets_in++;
    t->stats.bytes_in += n;
    if (t->cb.on_rtp) t->cb.on_rtp(t, buf, n, t->user);
    return;
  case DEMUX_RTCP:
    if (!t->srtp) return;
    if (srtp_session_unprotect_rtcp(t->srtp, buf, &n) != 0) {
      t->stats.undecryptable++;
      return;
    }
    consent_proof(t, "srtcp");
    t->stats.rtcp_in++;
    if (t->cb.on_rtcp) t->cb.on_rtcp(t, buf, n, t->user);
    return;
  default:
    t->stats.dropped_unknown++;
    return;
  }
}

static void on_recv(NiceAgent *agent, guint stream, guint comp, guint len, gchar *data,
                    gpointer user) {
  PeerTransport *t = user;
  uint8_t buf[MAX_DGRAM + SRTP_SESSION_TRAILER];
  if (len == 0 || len > MAX_DGRAM) {
    t->stats.dropped_unknown++;
    return;
  }
  memcpy(buf, data, len);
  handle_datagram(t, buf, len);
}

/* ---- fast path ---- */

static void fast_leave(PeerTransport *t, const char *why);

static int same_addr(const struct sockaddr_storage *a, socklen_t alen,
                     const struct sockaddr_storage *b, socklen_t blen) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port &&
           memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return alen == blen && memcmp(a, b, alen) == 0;
}

static int checked_has(const PeerTransport *t, const struct sockaddr_storage *a, socklen_t alen) {
  for (unsigned i = 0; i < t->checked_n; i++)
    if (same_addr(a, alen, &t->checked[i], t->checked_len[i])) return 1;
  return 0;
}

static void checked_add(PeerTransport *t, const struct sockaddr_storage *a, socklen_t alen) {
  if (checked_has(t, a, alen)) return;
  unsigned i = t->checked_n < PT_CHECKED_MAX ? t->checked_n++ : t->checked_next;
  t->checked_next = (i + 1) % PT_CHECKED_MAX;
  t->checked[i] = *a;
  t->checked_len[i] = alen;
}

/* New credentials (an ICE restart, ours or the peer's): what the old ones
 * proved no longer counts. */
static void checked_clear(PeerTransport *t) {
  t->checked_n = t->checked_next = 0;
  t->nominated_len = 0;
}

static const char *addr_text(const struct sockaddr_storage *a, char *buf, size_t cap) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a;
    inet_ntop(AF_INET, &x->sin_addr, host, sizeof host);
    port = ntohs(x->sin_port);
  } else if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a;
    inet_ntop(AF_INET6, &x->sin6_addr, host, sizeof host);
    port = ntohs(x->sin6_port);
  }
  g_snprintf(buf, cap, "%s:%d", host, port);
  return buf;
}

/* Media goes to `to` from now on, also after a hand-back and re-entry (why:
 * "nominated" by the peer, or "followed" to where it sends from). */
static void fast_move_remote(PeerTransport *t, const struct sockaddr_storage *to, socklen_t len,
                             const char *why) {
  char was[64], now[64];
  log_info("fast_path_switch", "port=%d from=%s to=%s why=%s", transport_port(t),
           addr_text(&t->fast_remote, was, sizeof was), addr_text(to, now, sizeof now), why);
  memcpy(&t->fast_remote, to, len);
  t->fast_remote_len = len;
  memcpy(&t->nominated, to, len);
  t->nominated_len = len;
  t->remote_auth_us = g_get_monotonic_time();
  t->stats.fast_switches++;
  if (strcmp(why, "followed") == 0) t->stats.fast_follows++;
}

typedef struct {
  const char *ufrag, *pwd;
} StunCreds;

/* USERNAME is "our-ufrag:their-ufrag"; the key is our password. */
static bool stun_validater(StunAgent *agent, StunMessage *msg, uint8_t *username,
                           uint16_t username_len, uint8_t **password, size_t *password_len,
                           void *user) {
  const StunCreds *c = user;
  size_t ul = strlen(c->ufrag);
  if (username_len <= ul || memcmp(username, c->ufrag, ul) != 0 || username[ul] != ':')
    return false;
  *password = (uint8_t *)c->pwd;
  *password_len = strlen(c->pwd);
  return true;
}

/* A STUN message on the fast path. 1 answered or ignored; 0 not ours (the
 * caller hands the path back to libnice). Only a check that authenticates
 * (or a response to one of libnice's own) can take the path from us: junk
 * sprayed at the port, even from the peer's address, is dropped. */
static int fast_stun(PeerTransport *t, uint8_t *buf, size_t n,
                     const struct sockaddr_storage *from, socklen_t fromlen, int from_peer) {
  if (n < 20) return 1;
  unsigned type = ((unsigned)buf[0] << 8) | buf[1];
  unsigned cls = ((type >> 7) & 2) | ((type >> 4) & 1);
  if (cls == 1) return 1; /* an indication (a keepalive): nothing to answer */
  if (cls != 0) return 0; /* a response: to libnice's own check */
  static const uint16_t known[] = {STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                   STUN_ATTRIBUTE_FINGERPRINT, STUN_ATTRIBUTE_PRIORITY,
                                   STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLED,
                                   STUN_ATTRIBUTE_ICE_CONTROLLING,
                                   STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, 0};
  StunAgent sa;
  stun_agent_init(&sa, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  StunCreds creds = {t->ufrag, t->pwd};
  StunMessage req;
  StunValidationStatus vs = stun_agent_validate(&sa, &req, buf, n, stun_validater, &creds);
  if (vs == STUN_VALIDATION_UNAUTHORIZED || vs == STUN_VALIDATION_UNAUTHORIZED_BAD_REQUEST ||
      vs == STUN_VALIDATION_NOT_STUN) {
    /* Wrong credentials or junk, even from the peer's address: dropped,
     * as libnice drops them; it must not cost us the fast path. */
    t->stats.dropped_unknown++;
    return 1;
  }
  if (vs != STUN_VALIDATION_SUCCESS || stun_message_get_method(&req) != STUN_BINDING) return 0;
  uint8_t out[512];
  size_t outlen = sizeof out;
  StunMessage resp;
  bool control = t->controlling != 0;
  if (stun_usage_ice_conncheck_create_reply(&sa, &req, &resp, out, &outlen, from, fromlen,
                                            &control, 0, STUN_USAGE_ICE_COMPATIBILITY_RFC5245) !=
      STUN_USAGE_ICE_RETURN_SUCCESS)
    return 0; /* role conflict or a malformed check: libnice decides */
  checked_add(t, from, fromlen);
  /* A genuine check from another address: a browser keeps its other pairs
   * (another interface, IPv6) alive with checks every few seconds. Handing
   * the path to libnice for each cost a hand-back and a re-entry ~2 s
   * later (82 in 3 minutes of one Chromium call); the answer is the same
   * either way, so it is given here. A check that nominates (USE-CANDIDATE)
   * is the controlling peer moving the call to that pair: media goes there
   * from now on, as the peer asked. Handing it to libnice instead (as this
   * path once did) moved nothing when the new pair's priority was lower:
   * libnice kept its pair, the path came back on it and the peer's media,
   * sent from the nominated address, was dropped (a CI run's shaped-link
   * call never got its video back). */
  if (!from_peer) {
    t->stats.stun_answered_other++;
    if (stun_message_has_attribute(&req, STUN_ATTRIBUTE_USE_CANDIDATE))
      fast_move_remote(t, from, fromlen, "nominated");
  }
  udp_pump_send(t->pump, t->fast_fd, (const struct sockaddr *)from, fromlen, out, outlen, t,
                &t->stats.send_errors);
  t->stats.stun_answered++;
  return 1;
}

static void fast_readable(void *user) {
  PeerTransport *t = user;
  for (;;) {
    UdpPumpDgram *d = NULL;
    int n = udp_pump_recv(t->pump, t->fast_fd, &d);
    if (n < 0) {
      fast_leave(t, "socket_error");
      return;
    }
    for (int i = 0; i < n && t->fast; i++) {
      if (d[i].len == 0 || d[i].truncated || d[i].len > MAX_DGRAM) {
        t->stats.dropped_unknown++;
        continue;
      }
      int from_peer = same_addr(&d[i].from, d[i].fromlen, &t->fast_remote, t->fast_remote_len);
      if (d[i].buf[0] < 4) { /* STUN (RFC 7983) */
        if (!fast_stun(t, d[i].buf, d[i].len, &d[i].from, d[i].fromlen, from_peer))
          fast_leave(t, from_peer ? "stun" : "stun_other_address");
        continue;
      }
      if (!from_peer) {
        if (!checked_has(t, &d[i].from, d[i].fromlen)) { /* an address ICE never checked */
          t->stats.dropped_unknown++;
          t->stats.dropped_unchecked++;
          continue;
        }
        t->stats.rx_other_pair++; /* another valid pair the peer sends on */
      }
      uint64_t auth0 = t->auth_rx;
      handle_datagram(t, d[i].buf, d[i].len);
      if (t->auth_rx != auth0) {
        int64_t now = t->last_auth_rx_us;
        if (from_peer)
          t->remote_auth_us = now;
        else if (now - t->remote_auth_us >= PT_FOLLOW_US)
          fast_move_remote(t, &d[i].from, d[i].fromlen, "followed");
      }
      if (t->state == PT_STATE_FAILED || t->state == PT_STATE_CLOSED) {
        fast_leave(t, "closed");
        return;
      }
    }
    if (!t->fast || n < UDP_PUMP_RECV_BATCH) return;
  }
}

/* Takes the fast path if everything allows it; else leaves things as they are. */
static void fast_try_enter(PeerTransport *t) {
  if (t->fast || !t->pump || !t->srtp || t->restart_pending || t->state != PT_STATE_CONNECTED)
    return;
  if (t->nice_state != NICE_COMPONENT_STATE_CONNECTED &&
      t->nice_state != NICE_COMPONENT_STATE_READY)
    return;
  /* NULL for a relayed (TURN) or TCP pair: those stay with libnice. */
  GSocket *gs = nice_agent_get_selected_socket(t->agent, t->stream, 1);
  if (!gs) return;
  NiceCandidate *lc = NULL, *rc = NULL;
  if (!nice_agent_get_selected_pair(t->agent, t->stream, 1, &lc, &rc) || !rc) {
    g_object_unref(gs);
    return;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  nice_address_copy_to_sockaddr(&rc->addr, (struct sockaddr *)&ss);
  t->fast_remote = ss;
  t->fast_remote_len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
  t->remote_auth_us = g_get_monotonic_time();
  /* What libnice checked before the path was taken it answered itself: its
   * remote candidates stand for those checks, so a browser that moves to
   * one of them is not cut off until its next check reaches us. */
  GSList *rcs = nice_agent_get_remote_candidates(t->agent, t->stream, 1);
  for (GSList *l = rcs; l; l = l->next) {
    NiceCandidate *c = l->data;
    if (c->transport != NICE_CANDIDATE_TRANSPORT_UDP) continue;
    struct sockaddr_storage cs;
    memset(&cs, 0, sizeof cs);
    nice_address_copy_to_sockaddr(&c->addr, (struct sockaddr *)&cs);
    checked_add(t, &cs, cs.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in));
  }
  g_slist_free_full(rcs, (GDestroyNotify)nice_candidate_free);
  /* The peer moved the call to a pair libnice did not select: that one. */
  if (t->nominated_len && checked_has(t, &t->nominated, t->nominated_len)) {
    t->fast_remote = t->nominated;
    t->fast_remote_len = t->nominated_len;
  }
  t->fast_fd = g_socket_get_fd(gs);
  if (udp_pump_watch(t->pump, t->fast_fd, fast_readable, t) != 0) {
    g_object_unref(gs);
    return;
  }
  gboolean ctl = FALSE;
  g_object_get(t->agent, "controlling-mode", &ctl, NULL);
  t->controlling = ctl ? 1 : 0;
  t->fast_sock = gs;
  t->fast = 1;
  t->stats.fast_entries++;
  /* libnice's socket sources (this component's) move to a context nobody
   * iterates: from now on the pump alone reads the socket. */
  nice_agent_attach_recv(t->agent, t->stream, 1, udp_pump_parked_context(t->pump), on_recv, t);
  log_debug("fast_path_enter", "port=%d", transport_port(t));
}

/* Hands the socket back to libnice (its sources return to our context). */
static void fast_leave(PeerTransport *t, const char *why) {
  if (!t->fast) return;
  t->fast = 0;
  if (strcmp(why, "free") != 0) t->stats.fast_handbacks++;
  t->fast_left_us = g_get_monotonic_time();
  udp_pump_unwatch(t->pump, t->fast_fd);
  udp_pump_forget(t->pump, t);
  nice_agent_attach_recv(t->agent, t->stream, 1, t->ctx, on_recv, t);
  g_object_unref(t->fast_sock);
  t->fast_sock = NULL;
  t->fast_fd = -1;
  /* Leaving for anything but the end of the transport is worth a line. */
  if (strcmp(why, "free") == 0 || strcmp(why, "closed") == 0)
    log_debug("fast_path_leave", "port=%d why=%s", transport_port(t), why);
  else
    log_info("fast_path_leave", "port=%d why=%s", transport_port(t), why);
}

static void on_selected_pair(NiceAgent *agent, guint stream, guint comp, NiceCandidate *l,
                             NiceCandidate *r, gpointer user) {
  PeerTransport *t = user;
  t->nominated_len = 0; /* libnice's choice is the newer one */
  fast_leave(t, "new_pair");
  fast_try_enter(t);
}

static void on_component_state(NiceAgent *agent, guint stream, guint comp, guint state,
                               gpointer user) {
  PeerTransport *t = user;
  t->nice_state = (int)state;
  if (state != NICE_COMPONENT_STATE_CONNECTED && state != NICE_COMPONENT_STATE_READY)
    fast_leave(t, "ice_state");
  switch (state) {
  case NICE_COMPONENT_STATE_GATHERING:
  case NICE_COMPONENT_STATE_CONNECTING:
    /* An ICE restart of a keyed transport: DTLS and SRTP go on over the
     * new pair, so to everyone else it stays connected. */
    if (!t->srtp) set_state(t, PT_STATE_CHECKING, NULL);
    break;
  case NICE_COMPONENT_STATE_CONNECTED:
  case NICE_COMPONENT_STATE_READY:
    if (!t->ice_connected) {
      t->ice_connected = 1;
      t->last_auth_rx_us = g_get_monotonic_time(); /* its checks were answered */
      set_state(t, PT_STATE_CHECKING, NULL);
      ensure_dtls(t);
      if (t->dtls && !t->dtls_server) {
        dtls_session_start(t->dtls);
        after_dtls(t, dtls_session_state(t->dtls));
      }
    }
    fast_try_enter(t);
    break;
  case NICE_COMPONENT_STATE_FAILED:
    if (!t->ice_connected) {
      set_state(t, PT_STATE_FAILED, "ice_failed"); /* no pair ever worked */
    } else if (!t->nice_failed_us) {
      /* After connecting (e.g. an ICE restart whose checks all failed):
       * the consent timer decides, from the peer's own traffic. */
      t->nice_failed_us = g_get_monotonic_time();
      log_info("ice_pair_failed", "port=%d silent_ms=%" G_GINT64_FORMAT, transport_port(t),
               (t->nice_failed_us - t->last_auth_rx_us) / 1000);
    }
    break;
  default:
    break;
  }
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer user) {
  PeerTransport *t = user;
  if (!t->gathered || !t->cb.on_candidate) return;
  gchar *s = nice_agent_generate_local_candidate_sdp(agent, c);
  if (s) t->cb.on_candidate(t, g_str_has_prefix(s, "a=") ? s + 2 : s, t->user);
  g_free(s);
}

static void on_consent_timer(void *data, gint64 now) {
  PeerTransport *t = data;
  if (t->state == PT_STATE_FAILED || t->state == PT_STATE_CLOSED) return;
  if (!t->ice_connected) {
    if (t->ice_started_us && now - t->ice_started_us >= CONNECT_TIMEOUT_US) {
      log_info("ice_connect_timeout", "port=%d waited_ms=%" G_GINT64_FORMAT, transport_port(t),
               (now - t->ice_started_us) / 1000);
      set_state(t, PT_STATE_FAILED, "ice_failed");
    }
    return;
  }
  /* Handed back for a STUN message libnice had to see: take the path again
   * once libnice has had a moment with it. */
  if (!t->fast && t->fast_left_us && now - t->fast_left_us >= 2 * G_USEC_PER_SEC) fast_try_enter(t);
  if (now - t->last_auth_rx_us >= CONSENT_TIMEOUT_US) {
    log_info("ice_consent_lost", "port=%d silent_ms=%" G_GINT64_FORMAT, transport_port(t),
             (now - t->last_auth_rx_us) / 1000);
    set_state(t, PT_STATE_FAILED, "ice_failed");
  }
}

PeerTransport *peer_transport_new(GMainContext *ctx, const PeerTransportConfig *cfg,
                                  const PeerTransportCallbacks *cb, void *user, char *err,
                                  size_t errsize) {
  PeerTransport *t = g_new0(PeerTransport, 1);
  t->ctx = ctx;
  t->cb = *cb;
  t->user = user;
  t->dtls_ctx = cfg->dtls;
  t->pump = udp_pump_for_context(ctx);
  t->fast_fd = -1;
  t->pending_cands = g_ptr_array_new_with_free_func(g_free);
  t->agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245,
                                 NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set(t->agent, "controlling-mode", cfg->controlling ? TRUE : FALSE, "ice-tcp", FALSE,
               "ice-udp", TRUE, "upnp", FALSE, "keepalive-conncheck", FALSE, NULL);
  int n_addr = 0;
  for (const char *const *a = cfg->addresses; a && *a; a++) {
    NiceAddress na;
    nice_address_init(&na);
    if (!nice_address_set_from_string(&na, *a)) {
      g_snprintf(err, errsize, "ice address %s is not an IP address", *a);
      peer_transport_free(t);
      return NULL;
    }
    nice_agent_add_local_address(t->agent, &na);
    n_addr++;
  }
  if (n_addr == 0) {
    g_snprintf(err, errsize, "no ICE address configured");
    peer_transport_free(t);
    return NULL;
  }
  t->stream = nice_agent_add_stream(t->agent, 1);
  if (!t->stream) {
    g_snprintf(err, errsize, "cannot add an ICE stream");
    peer_transport_free(t);
    return NULL;
  }
  nice_agent_set_stream_name(t->agent, t->stream, "video");
  nice_agent_set_port_range(t->agent, t->stream, 1, (guint)cfg->port_min, (guint)cfg->port_max);
  g_signal_connect(t->agent, "component-state-changed", G_CALLBACK(on_component_state), t);
  g_signal_connect(t->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), t);
  g_signal_connect(t->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), t);
  nice_agent_attach_recv(t->agent, t->stream, 1, ctx, on_recv, t);
  if (!nice_agent_gather_candidates(t->agent, t->stream)) {
    g_snprintf(err, errsize, "cannot gather ICE candidates (media ports %d-%d exhausted?)",
               cfg->port_min, cfg->port_max);
    peer_transport_free(t);
    return NULL;
  }
  t->gathered = 1;
  t->consent_timer = shared_timer_add(ctx, PEER_TRANSPORT_SWEEP_MS, on_consent_timer, t);
  nice_agent_get_local_credentials(t->agent, t->stream, &t->ufrag, &t->pwd);
  GSList *cands = nice_agent_get_local_candidates(t->agent, t->stream, 1);
  int nc = (int)g_slist_length(cands);
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
  if (nc == 0) {
    g_snprintf(err, errsize, "no ICE candidate (media ports %d-%d exhausted?)", cfg->port_min,
               cfg->port_max);
    peer_transport_free(t);
    return NULL;
  }
  return t;
}

void peer_transport_free(PeerTransport *t) {
  if (!t) return;
  fast_leave(t, "free");
  shared_timer_remove(t->consent_timer);
  if (t->dtls_timer) {
    g_source_destroy(t->dtls_timer);
    g_source_unref(t->dtls_timer);
  }
  if (t->agent) {
    if (t->stream) {
      nice_agent_attach_recv(t->agent, t->stream, 1, t->ctx, NULL, NULL);
      nice_agent_remove_stream(t->agent, t->stream);
    }
    g_signal_handlers_disconnect_by_data(t->agent, t);
    g_object_unref(t->agent);
  }
  dtls_session_free(t->dtls);
  srtp_session_free(t->srtp);
  g_ptr_array_free(t->pending_cands, TRUE);
  g_free(t->remote_ufrag);
  g_free(t->remote_pwd);
  g_free(t->remote_fp);
  g_free(t->ufrag);
  g_free(t->pwd);
  g_free(t);
}

const char *peer_transport_ufrag(const PeerTransport *t) { return t->ufrag; }
const char *peer_transport_pwd(const PeerTransport *t) { return t->pwd; }

char **peer_transport_local_candidates(PeerTransport *t) {
  GSList *cands = nice_agent_get_local_candidates(t->agent, t->stream, 1);
  GPtrArray *out = g_ptr_array_new();
  for (GSList *l = cands; l; l = l->next) {
    gchar *s = nice_agent_generate_local_candidate_sdp(t->agent, l->data);
    if (s) g_ptr_array_add(out, g_strdup(g_str_has_prefix(s, "a=") ? s + 2 : s));
    g_free(s);
  }
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

int peer_transport_local_port(PeerTransport *t) {
  GSList *cands = nice_agent_get_local_candidates(t->agent, t->stream, 1);
  int port = cands ? (int)nice_address_get_port(&((NiceCandidate *)cands->data)->addr) : 0;
  g_slist_free_full(cands, (GDestroyNotify)nice_candidate_free);
  return port;
}

static int add_candidate_now(PeerTransport *t, const char *cand, char *err, size_t errsize) {
  char *line = g_str_has_prefix(cand, "a=") ? g_strdup(cand) : g_strconcat("a=", cand, NULL);
  g_strchomp(line);
  NiceCandidate *c = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream, line);
  g_free(line);
  if (!c) {
    g_snprintf(err, errsize, "candidate does not parse");
    return -1;
  }
  if (c->component_id != 1) { /* rtcp-mux: RTCP candidates are useless */
    nice_candidate_free(c);
    return 0;
  }
  char q[300];
  log_debug("remote_candidate", "candidate=%s", log_quote(q, sizeof q, cand));
  GSList *l = g_slist_append(NULL, c);
  nice_agent_set_remote_candidates(t->agent, t->stream, 1, l);
  g_slist_free_full(l, (GDestroyNotify)nice_candidate_free);
  return 0;
}

int peer_transport_restart_ice(PeerTransport *t, char *err, size_t errsize) {
  fast_leave(t, "ice_restart");
  checked_clear(t);
  if (!nice_agent_restart_stream(t->agent, t->stream)) {
    g_snprintf(err, errsize, "ICE restart failed");
    return -1;
  }
  g_free(t->ufrag);
  g_free(t->pwd);
  t->ufrag = t->pwd = NULL;
  nice_agent_get_local_credentials(t->agent, t->stream, &t->ufrag, &t->pwd);
  t->restart_pending = 1;
  log_info("ice_restart", "ufrag=%s", t->ufrag);
  return 0;
}

int peer_transport_remote_changed(const PeerTransport *t, const char *ufrag, const char *pwd) {
  return t->remote_set &&
         (g_strcmp0(ufrag, t->remote_ufrag) != 0 || g_strcmp0(pwd, t->remote_pwd) != 0);
}

int peer_transport_set_remote(PeerTransport *t, const char *ufrag, const char *pwd,
                              const char *fingerprint, int dtls_server, char *err, size_t errsize) {
  if (t->remote_set) {
    if (g_ascii_strcasecmp(fingerprint, t->remote_fp) != 0) {
      g_snprintf(err, errsize, "the fingerprint changed");
      return -1;
    }
    if (g_strcmp0(ufrag, t->remote_ufrag) != 0 || g_strcmp0(pwd, t->remote_pwd) != 0) {
      fast_leave(t, "remote_restart");
      checked_clear(t);
      if (!t->restart_pending) {
        g_snprintf(err, errsize, "ice-ufrag/ice-pwd changed without an ICE restart");
        return -1;
      }
      if (!nice_agent_set_remote_credentials(t->agent, t->stream, ufrag, pwd)) {
        g_snprintf(err, errsize, "bad ICE credentials");
        return -1;
      }
      g_free(t->remote_ufrag);
      g_free(t->remote_pwd);
      t->remote_ufrag = g_strdup(ufrag);
      t->remote_pwd = g_strdup(pwd);
    }
    t->restart_pending = 0;
    return 0;
  }
  if (!nice_agent_set_remote_credentials(t->agent, t->stream, ufrag, pwd)) {
    g_snprintf(err, errsize, "bad ICE credentials");
    return -1;
  }
  t->remote_ufrag = g_strdup(ufrag);
  t->remote_pwd = g_strdup(pwd);
  t->remote_fp = g_strdup(fingerprint);
  t->dtls_server = dtls_server;
  t->remote_set = 1;
  t->ice_started_us = g_get_monotonic_time();
  set_state(t, PT_STATE_CHECKING, NULL);
  for (guint i = 0; i < t->pending_cands->len; i++) {
    char e[64];
    add_candidate_now(t, t->pending_cands->pdata[i], e, sizeof e);
  }
  g_ptr_array_set_size(t->pending_cands, 0);
  if (t->pending_done) nice_agent_peer_candidate_gathering_done(t->agent, t->stream);
  return 0;
}

int peer_transport_add_remote_candidate(PeerTransport *t, const char *cand, char *err,
                                        size_t errsize) {
  const char *c = g_str_has_prefix(cand, "a=") ? cand + 2 : cand;
  if (!g_str_has_prefix(c, "candidate:")) {
    g_snprintf(err, errsize, "not a candidate attribute");
    return -1;
  }
  /* mDNS names would need a resolver; our peers are told to send IPs. */
  gchar **f = g_strsplit(c, " ", 8);
  int fields = (int)g_strv_length(f);
  int mdns = fields >= 5 && g_str_has_suffix(f[4], ".local");
  g_strfreev(f);
  if (fields < 8) {
    g_snprintf(err, errsize, "candidate has too few fields");
    return -1;
  }
  if (mdns) return 0;
  if (!t->remote_set) {
    /* Validate now so the caller hears about garbage at once. */
    char *line = g_strconcat("a=", c, NULL);
    NiceCandidate *nc = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream, line);
    g_free(line);
    if (!nc) {
      g_snprintf(err, errsize, "candidate does not parse");
      return -1;
    }
    nice_candidate_free(nc);
    if (t->pending_cands->len < 64) g_ptr_array_add(t->pending_cands, g_strdup(c));
    return 0;
  }
  return add_candidate_now(t, c, err, errsize);
}

void peer_transport_remote_candidates_done(PeerTransport *t) {
  if (t->remote_set)
    nice_agent_peer_candidate_gathering_done(t->agent, t->stream);
  else
    t->pending_done = 1;
}

PeerTransportState peer_transport_state(const PeerTransport *t) { return t->state; }
const char *peer_transport_srtp_profile(const PeerTransport *t) {
  return dtls_srtp_profile_name(t->profile);
}
const PeerTransportStats *peer_transport_stats(const PeerTransport *t) { return &t->stats; }
void peer_transport_set_rtp_sampling(PeerTransport *t, unsigned every_n,
                                     PeerTransportUnverifiedFn fn) {
  t->sample_every = every_n;
  t->on_unverified = fn;
}
int peer_transport_fast_path(const PeerTransport *t) { return t->fast; }

int peer_transport_send_rtp(PeerTransport *t, uint8_t *buf, size_t len) {
  if (t->state != PT_STATE_CONNECTED || !t->srtp) return -1;
  size_t n = len;
  if (srtp_session_protect_rtp(t->srtp, buf, &n) != 0) {
    t->stats.send_errors++;
    return -1;
  }
  if (t->fast) {
    udp_pump_send(t->pump, t->fast_fd, (const struct sockaddr *)&t->fast_remote,
                  t->fast_remote_len, buf, n, t, &t->stats.send_errors);
  } else if (nice_agent_send(t->agent, t->stream, 1, (guint)n, (const gchar *)buf) < 0) {
    t->stats.send_errors++;
    return -1;
  }
  t->stats.packets_out++;
  t->stats.bytes_out += len;
  return 0;
}

int peer_transport_send_rtcp(PeerTransport *t, uint8_t *buf, size_t len) {
  if (t->state != PT_STATE_CONNECTED || !t->srtp) return -1;
  size_t n = len;
  if (srtp_session_protect_rtcp(t->srtp, buf, &n) != 0) {
    t->stats.send_errors++;
    return -1;
  }
  if (t->fast) {
    udp_pump_send(t->pump, t->fast_fd, (const struct sockaddr *)&t->fast_remote,
                  t->fast_remote_len, buf, n, t, &t->stats.send_errors);
  } else if (nice_agent_send(t->agent, t->stream, 1, (guint)n, (const gchar *)buf) < 0) {
    t->stats.send_errors++;
    return -1;
  }
  t->stats.rtcp_out++;
  return 0;
}
