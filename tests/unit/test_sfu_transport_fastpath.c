/* sfu/peer_transport's fast path with the real stack: two PeerTransports
 * (libnice ICE, OpenSSL DTLS, libsrtp2) on one context with a UdpPump
 * connect over loopback, both take the batched path, and RTP/RTCP flow both
 * ways through it. Then STUN arriving on it: a check with wrong credentials
 * (even one that looks like ours) is dropped and the path is kept; a check
 * with the right credentials from another address is answered on the path
 * (a browser's backup pair), and media from that address is taken from then
 * on (before the check it is dropped); one that nominates that address is
 * answered on the path too and moves B's media there, which stays so after
 * a hand-back and the path taken again; once that address is silent for 2 s
 * while A's sends, B's media follows A; an ICE restart hands the path back.
 * Without a pump on the context nothing changes. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stun/usages/ice.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dtls.h"
#include "peer_transport.h"
#include "srtp_session.h"
#include "udp_pump.h"

typedef struct {
  PeerTransport *t;
  int rtp, rtcp;
  uint16_t last_seq;
} End;

static void on_state(PeerTransport *t, PeerTransportState st, const char *reason, void *u) {}
static void on_rtp(PeerTransport *t, uint8_t *buf, size_t len, void *u) {
  End *e = u;
  e->rtp++;
  e->last_seq = (uint16_t)(buf[2] << 8 | buf[3]);
}
static void on_rtcp(PeerTransport *t, uint8_t *buf, size_t len, void *u) { ((End *)u)->rtcp++; }

static const char *addrs[] = {"127.0.0.1", NULL};

static PeerTransport *make(GMainContext *ctx, DtlsContext *dtls, int controlling, End *e) {
  PeerTransportConfig cfg = {addrs, 0, 0, dtls, controlling};
  PeerTransportCallbacks cb = {on_state, on_rtp, on_rtcp, NULL};
  char err[128];
  PeerTransport *t = peer_transport_new(ctx, &cfg, &cb, e, err, sizeof err);
  g_assert_nonnull(t);
  e->t = t;
  return t;
}

typedef gboolean (*Cond)(gpointer);
static gboolean spin(GMainContext *ctx, Cond cond, gpointer data, int ms) {
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
  while (!cond(data) && g_get_monotonic_time() < end) g_main_context_iteration(ctx, FALSE);
  return cond(data);
}

typedef struct {
  End *a, *b;
} Pair;

static gboolean both_fast(gpointer d) {
  Pair *p = d;
  return peer_transport_fast_path(p->a->t) && peer_transport_fast_path(p->b->t);
}
static gboolean b_slow(gpointer d) { return !peer_transport_fast_path(((Pair *)d)->b->t); }

static void exchange(PeerTransport *from, PeerTransport *to) {
  char **c = peer_transport_local_candidates(from);
  for (char **x = c; *x; x++) {
    char err[64];
    g_assert_cmpint(peer_transport_add_remote_candidate(to, *x, err, sizeof err), ==, 0);
  }
  g_strfreev(c);
  peer_transport_remote_candidates_done(to);
}

static void connect_pair(GMainContext *ctx, DtlsContext *dtls, Pair *p) {
  const char *fp = dtls_context_fingerprint(dtls);
  char err[128];
  g_assert_cmpint(peer_transport_set_remote(p->a->t, peer_transport_ufrag(p->b->t),
                                            peer_transport_pwd(p->b->t), fp, 0, err, sizeof err),
                  ==, 0);
  g_assert_cmpint(peer_transport_set_remote(p->b->t, peer_transport_ufrag(p->a->t),
                                            peer_transport_pwd(p->a->t), fp, 1, err, sizeof err),
                  ==, 0);
  exchange(p->a->t, p->b->t);
  exchange(p->b->t, p->a->t);
}

static void send_rtp(PeerTransport *t, uint16_t seq) {
  uint8_t buf[200 + SRTP_SESSION_TRAILER];
  memset(buf, 0, sizeof buf);
  buf[0] = 0x80;
  buf[1] = 96;
  buf[2] = (uint8_t)(seq >> 8);
  buf[3] = (uint8_t)seq;
  buf[11] = 7; /* ssrc 7 */
  g_assert_cmpint(peer_transport_send_rtp(t, buf, 200), ==, 0);
}

static void send_rr(PeerTransport *t) {
  uint8_t buf[8 + SRTP_SESSION_TRAILER] = {0x80, 201, 0, 1, 0, 0, 0, 9};
  g_assert_cmpint(peer_transport_send_rtcp(t, buf, 8), ==, 0);
}

typedef struct {
  End *e;
  int want;
} Count;
static gboolean got_rtp(gpointer d) { return ((Count *)d)->e->rtp >= ((Count *)d)->want; }

/* A Binding request for `to` (its ufrag/pwd) as a peer with ufrag `peer`. */
static size_t make_check_nominating(StunAgent *sa, uint8_t *out, size_t cap, const char *to_ufrag,
                                    const char *peer_ufrag, const char *pwd, bool nominate) {
  static const uint16_t known[] = {STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                   STUN_ATTRIBUTE_FINGERPRINT, STUN_ATTRIBUTE_PRIORITY,
                                   STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_ICE_CONTROLLING,
                                   STUN_ATTRIBUTE_ICE_CONTROLLED, STUN_ATTRIBUTE_USE_CANDIDATE, 0};
  stun_agent_init(sa, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
  char user[256];
  g_snprintf(user, sizeof user, "%s:%s", to_ufrag, peer_ufrag);
  StunMessage msg;
  return stun_usage_ice_conncheck_create(sa, &msg, out, cap, (uint8_t *)user, strlen(user),
                                         (const uint8_t *)pwd, strlen(pwd), nominate, true,
                                         0x6e0001ff, 0x1234, NULL,
                                         STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

static size_t make_check(StunAgent *sa, uint8_t *out, size_t cap, const char *to_ufrag,
                         const char *peer_ufrag, const char *pwd) {
  return make_check_nominating(sa, out, cap, to_ufrag, peer_ufrag, pwd, false);
}

/* The fd of the UDP socket bound to `port` (a transport's, found by port). */
static int port_fd(int port) {
  for (int fd = 3; fd < 1024; fd++) {
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int type = 0;
    socklen_t tl = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_DGRAM &&
        getsockname(fd, (struct sockaddr *)&sin, &sl) == 0 && sin.sin_family == AF_INET &&
        ntohs(sin.sin_port) == port)
      return fd;
  }
  g_assert_not_reached();
  return -1;
}

/* An RTP packet `from` protects with its keys, taken off the receiver's
 * socket `to_fd` before the receiver's pump sees it (it leaves at the flush;
 * loopback delivers it at once). */
static ssize_t take_rtp(UdpPump *pump, PeerTransport *from, int to_fd, uint16_t seq,
                        uint8_t *out, size_t cap) {
  send_rtp(from, seq);
  udp_pump_flush(pump);
  ssize_t n = recv(to_fd, out, cap, MSG_DONTWAIT);
  g_assert_cmpint(n, >, 12);
  g_assert_cmpuint(out[0] >> 6, ==, 2);
  return n;
}

/* A success response to `sa`'s last request, on socket s; its length. */
static ssize_t recv_response(GMainContext *ctx, UdpPump *pump, int s, StunAgent *sa, uint8_t *out,
                             size_t cap) {
  ssize_t n = -1;
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (n <= 0 && g_get_monotonic_time() < end) {
    g_main_context_iteration(ctx, FALSE);
    udp_pump_flush(pump);
    n = recv(s, out, cap, MSG_DONTWAIT);
  }
  g_assert_cmpint(n, >, 20);
  StunMessage m;
  g_assert_cmpint(stun_agent_validate(sa, &m, out, (size_t)n, NULL, NULL), ==,
                  STUN_VALIDATION_SUCCESS);
  g_assert_cmpint(stun_message_get_class(&m), ==, STUN_RESPONSE);
  return n;
}

/* An RTP packet (SRTP: version 2, not STUN or DTLS) arrives on socket s. */
static gboolean recv_rtp_on(GMainContext *ctx, UdpPump *pump, int s) {
  uint8_t buf[512];
  gint64 end = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < end) {
    g_main_context_iteration(ctx, FALSE);
    udp_pump_flush(pump);
    ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 12 && buf[0] >> 6 == 2) return TRUE;
  }
  return FALSE;
}

static void t_fast_path(void) {
  g_assert_cmpint(srtp_session_global_init(), ==, 0);
  char err[128];
  DtlsContext *dtls = dtls_context_new(err, sizeof err);
  g_assert_nonnull(dtls);
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  UdpPump *pump = udp_pump_new(ctx, FALSE);
  End a = {0}, b = {0};
  make(ctx, dtls, 1, &a);
  make(ctx, dtls, 0, &b);
  Pair p = {&a, &b};
  connect_pair(ctx, dtls, &p);
  g_assert_true(spin(ctx, both_fast, &p, 15000));
  g_assert_cmpint(peer_transport_state(a.t), ==, PT_STATE_CONNECTED);
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_entries, ==, 1);

  /* Media both ways through the pump. */
  guint64 sent0 = udp_pump_stats(pump)->send_packets;
  for (uint16_t s = 1; s <= 20; s++) send_rtp(a.t, s);
  send_rr(b.t);
  Count cb = {&b, 20};
  g_assert_true(spin(ctx, got_rtp, &cb, 3000));
  g_assert_cmpuint(b.last_seq, ==, 20);
  while (a.rtcp < 1 && g_main_context_iteration(ctx, FALSE)) {
  }
  spin(ctx, got_rtp, &cb, 10);
  g_assert_cmpuint(udp_pump_stats(pump)->send_packets - sent0, >=, 21);
  g_assert_cmpuint(udp_pump_stats(pump)->recv_packets, >=, 21);

  /* A consent check from the peer's own socket (A's, found by its port) to
   * B: answered by B on the fast path (libnice's STUN library), and the
   * answer, arriving on A's fast path, is a response A did not expect:
   * A hands its path to libnice (whose transaction it would be). */
  int afd = port_fd(peer_transport_local_port(a.t));
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                           .sin_port = htons((uint16_t)peer_transport_local_port(b.t))};
  StunAgent sa;
  uint8_t req[512];
  size_t n = make_check(&sa, req, sizeof req, peer_transport_ufrag(b.t), peer_transport_ufrag(a.t),
                        peer_transport_pwd(b.t));
  g_assert_cmpuint(n, >, 0);
  g_assert_cmpint(sendto(afd, req, n, 0, (struct sockaddr *)&to, sizeof to), ==, (ssize_t)n);
  gint64 until = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (peer_transport_stats(b.t)->stun_answered < 1 && g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, FALSE);
  g_assert_cmpuint(peer_transport_stats(b.t)->stun_answered, ==, 1);
  g_assert_true(peer_transport_fast_path(b.t));
  /* Take B's answer off A's socket before A's pump sees it (it leaves at
   * the flush; loopback delivers it at once) and check it: a success
   * response whose MESSAGE-INTEGRITY is B's password (the agent kept the
   * key the request was made with) and whose mapped address is A's. */
  udp_pump_flush(pump);
  uint8_t ans[512];
  ssize_t an = recv(afd, ans, sizeof ans, MSG_DONTWAIT);
  g_assert_cmpint(an, >, 20);
  StunMessage am;
  g_assert_cmpint(stun_agent_validate(&sa, &am, ans, (size_t)an, NULL, NULL), ==,
                  STUN_VALIDATION_SUCCESS);
  g_assert_cmpint(stun_message_get_class(&am), ==, STUN_RESPONSE);
  struct sockaddr_storage mapped;
  socklen_t ml = sizeof mapped;
  g_assert_cmpint(stun_usage_ice_conncheck_process(&am, &mapped, &ml,
                                                   STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
                  ==, STUN_USAGE_ICE_RETURN_SUCCESS);
  g_assert_cmpuint(ntohs(((struct sockaddr_in *)&mapped)->sin_port), ==,
                   (unsigned)peer_transport_local_port(a.t));
  g_assert_true(peer_transport_fast_path(a.t));
  /* The same check again, answer left to A: a response A never asked for. */
  n = make_check(&sa, req, sizeof req, peer_transport_ufrag(b.t), peer_transport_ufrag(a.t),
                 peer_transport_pwd(b.t));
  g_assert_cmpint(sendto(afd, req, n, 0, (struct sockaddr *)&to, sizeof to), ==, (ssize_t)n);
  until = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (peer_transport_fast_path(a.t) && g_get_monotonic_time() < until)
    g_main_context_iteration(ctx, FALSE);
  g_assert_false(peer_transport_fast_path(a.t));
  g_assert_cmpuint(peer_transport_stats(a.t)->fast_handbacks, ==, 1);
  g_assert_true(spin(ctx, both_fast, &p, 5000)); /* A takes it again ~2 s later */

  /* STUN from a stranger's socket. */
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  g_assert_cmpint(bind(s, (struct sockaddr *)&me, sizeof me), ==, 0);
  /* Wrong password, right-looking username: dropped, path kept. */
  n = make_check(&sa, req, sizeof req, peer_transport_ufrag(b.t), "zzzz", "not-the-password-at-all");
  g_assert_cmpuint(n, >, 0);
  sendto(s, req, n, 0, (struct sockaddr *)&to, sizeof to);
  for (int i = 0; i < 200; i++) g_main_context_iteration(ctx, FALSE);
  g_assert_true(peer_transport_fast_path(b.t));
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_handbacks, ==, 0);
  /* Media from an address that never sent a check (SRTP that would
   * unprotect, taken off B's socket before B's pump saw it): dropped. */
  int bfd = port_fd(peer_transport_local_port(b.t));
  uint8_t pkt[512];
  ssize_t pn = take_rtp(pump, a.t, bfd, 30, pkt, sizeof pkt);
  guint64 dropped0 = peer_transport_stats(b.t)->dropped_unknown;
  int rtp0 = b.rtp;
  sendto(s, pkt, (size_t)pn, 0, (struct sockaddr *)&to, sizeof to);
  gint64 dend = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
  while (peer_transport_stats(b.t)->dropped_unknown == dropped0 && g_get_monotonic_time() < dend)
    g_main_context_iteration(ctx, FALSE);
  g_assert_cmpuint(peer_transport_stats(b.t)->dropped_unknown, ==, dropped0 + 1);
  g_assert_cmpint(b.rtp, ==, rtp0);
  /* Right credentials from another address, not nominating (a browser
   * keeping a backup pair alive): answered on the fast path, which stays. */
  n = make_check(&sa, req, sizeof req, peer_transport_ufrag(b.t), "zzzz", peer_transport_pwd(b.t));
  sendto(s, req, n, 0, (struct sockaddr *)&to, sizeof to);
  uint8_t bk[512];
  ssize_t bn = recv_response(ctx, pump, s, &sa, bk, sizeof bk);
  g_assert_true(peer_transport_fast_path(b.t));
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_handbacks, ==, 0);
  g_assert_cmpuint(peer_transport_stats(b.t)->stun_answered_other, ==, 1);
  /* That address is now one of the peer's valid pairs: the same media from
   * it is taken (libnice takes data from any valid pair too). A has just
   * sent (seq 31), so B's media stays with A. */
  send_rtp(a.t, 31);
  Count c31 = {&b, rtp0 + 1};
  g_assert_true(spin(ctx, got_rtp, &c31, 3000));
  sendto(s, pkt, (size_t)pn, 0, (struct sockaddr *)&to, sizeof to);
  Count c30 = {&b, rtp0 + 2};
  g_assert_true(spin(ctx, got_rtp, &c30, 3000));
  g_assert_cmpuint(b.last_seq, ==, 30);
  g_assert_cmpuint(peer_transport_stats(b.t)->rx_other_pair, ==, 1);
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_switches, ==, 0);
  g_assert_cmpint(recv(s, bk, sizeof bk, MSG_DONTWAIT), <, 0);
  /* The same check nominating (USE-CANDIDATE: the controlling peer moves
   * the call to that pair): answered on the path, no hand-back, and B's
   * media goes there from now on, whatever libnice's own pair (libnice
   * would keep a pair of higher priority, as this one is: the stranger's
   * address is no candidate of A's). */
  n = make_check_nominating(&sa, req, sizeof req, peer_transport_ufrag(b.t), "zzzz",
                            peer_transport_pwd(b.t), true);
  sendto(s, req, n, 0, (struct sockaddr *)&to, sizeof to);
  bn = recv_response(ctx, pump, s, &sa, bk, sizeof bk);
  g_assert_true(peer_transport_fast_path(b.t));
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_handbacks, ==, 0);
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_switches, ==, 1);
  send_rtp(b.t, 40);
  g_assert_true(recv_rtp_on(ctx, pump, s));
  /* A hand-back (a STUN response B never asked for: libnice's business)
   * and the path taken again ~2 s later: the remote is still the address
   * the peer nominated, not libnice's pair. */
  sendto(s, bk, (size_t)bn, 0, (struct sockaddr *)&to, sizeof to);
  g_assert_true(spin(ctx, b_slow, &p, 2000));
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_handbacks, ==, 1);
  g_assert_true(spin(ctx, both_fast, &p, 5000));
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_entries, ==, 2);
  send_rtp(b.t, 41);
  g_assert_true(recv_rtp_on(ctx, pump, s));
  /* The nominated address falls silent and authenticated media comes from
   * A's (checked at the start): after 2 s of that silence B's media follows
   * A, as a controlling SFU must when the browser moved by itself (it
   * cannot nominate; libnice would not notice its pair died). */
  int a_rtp0 = a.rtp;
  uint16_t q = 50;
  gint64 fstart = g_get_monotonic_time();
  gint64 fend = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (peer_transport_stats(b.t)->fast_switches < 2 && g_get_monotonic_time() < fend) {
    send_rtp(a.t, q++);
    gint64 tick = g_get_monotonic_time() + 100 * 1000;
    while (g_get_monotonic_time() < tick) g_main_context_iteration(ctx, FALSE);
  }
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_switches, ==, 2);
  /* Not before 2 s of silence (a lower bound: a slow machine only adds). */
  g_assert_cmpint(g_get_monotonic_time() - fstart, >=, 2 * G_USEC_PER_SEC - 200 * 1000);
  send_rtp(b.t, 42);
  Count ca = {&a, a_rtp0 + 1};
  g_assert_true(spin(ctx, got_rtp, &ca, 3000));
  g_assert_cmpuint(a.last_seq, ==, 42);

  /* An ICE restart hands the path back at once. */
  g_assert_cmpint(peer_transport_restart_ice(b.t, err, sizeof err), ==, 0);
  g_assert_false(peer_transport_fast_path(b.t));
  close(s);
  peer_transport_free(a.t);
  peer_transport_free(b.t);
  udp_pump_free(pump);
  g_main_context_pop_thread_default(ctx);
  while (g_main_context_iteration(ctx, FALSE)) {
  }
  g_main_context_unref(ctx);
  dtls_context_free(dtls);
}

static gboolean both_connected(gpointer d) {
  Pair *p = d;
  return peer_transport_state(p->a->t) == PT_STATE_CONNECTED &&
         peer_transport_state(p->b->t) == PT_STATE_CONNECTED;
}

static void t_no_pump(void) {
  g_assert_cmpint(srtp_session_global_init(), ==, 0);
  char err[128];
  DtlsContext *dtls = dtls_context_new(err, sizeof err);
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  End a = {0}, b = {0};
  make(ctx, dtls, 1, &a);
  make(ctx, dtls, 0, &b);
  Pair p = {&a, &b};
  connect_pair(ctx, dtls, &p);
  g_assert_true(spin(ctx, both_connected, &p, 15000));
  for (uint16_t s = 1; s <= 5; s++) send_rtp(a.t, s);
  Count cb = {&b, 5};
  g_assert_true(spin(ctx, got_rtp, &cb, 3000));
  g_assert_false(peer_transport_fast_path(a.t));
  g_assert_false(peer_transport_fast_path(b.t));
  g_assert_cmpuint(peer_transport_stats(b.t)->fast_entries, ==, 0);
  peer_transport_free(a.t);
  peer_transport_free(b.t);
  g_main_context_pop_thread_default(ctx);
  while (g_main_context_iteration(ctx, FALSE)) {
  }
  g_main_context_unref(ctx);
  dtls_context_free(dtls);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/transport_fastpath/pump", t_fast_path);
  g_test_add_func("/sfu/transport_fastpath/no_pump", t_no_pump);
  return g_test_run();
}
