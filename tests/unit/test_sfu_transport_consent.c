/* The per-context sweep that replaced one 1 s timer source per transport
 * (sfu/shared_timer.c), and peer_transport's consent and connect deadlines
 * driven through it with the time passed in, so 30 s deadlines are checked
 * without waiting for them.
 * shared_timer: registrants of one (context, period) share one group; a
 * round calls each once with the given time; removing entries (one's own,
 * a later one) during a round is safe and skips them; entries added during
 * a round wait for the next; the group goes away with its last entry; the
 * real GLib timer fires the round. peer_transport (real libnice, OpenSSL
 * DTLS, libsrtp2 over loopback): a transport whose ICE never connects
 * fails "ice_failed" once 30 s have passed, not before; a connected pair
 * stays connected 29 s after the peer's last authenticated packet and
 * fails "ice_failed" after 31 s; no sweep group is left once the
 * transports are freed. */
#include <glib.h>
#include <string.h>

#include "dtls.h"
#include "peer_transport.h"
#include "shared_timer.h"
#include "srtp_session.h"

/* ---- shared_timer ---- */

typedef struct {
  int calls;
  gint64 last_now;
  SharedTimerEntry *self, *victim; /* removed on the first call when set */
  GMainContext *add_ctx;           /* adds `added` on the first call when set */
  SharedTimerEntry **added;
  void *added_user;
} Probe;

static void probe_fn(void *user, gint64 now) {
  Probe *p = user;
  p->calls++;
  p->last_now = now;
  if (p->victim) {
    shared_timer_remove(p->victim);
    p->victim = NULL;
  }
  if (p->add_ctx) {
    *p->added = shared_timer_add(p->add_ctx, 1000, probe_fn, p->added_user);
    p->add_ctx = NULL;
  }
  if (p->self) {
    shared_timer_remove(p->self);
    p->self = NULL;
  }
}

static void t_groups(void) {
  GMainContext *a = g_main_context_new(), *b = g_main_context_new();
  Probe p1 = {0}, p2 = {0}, p3 = {0}, q = {0}, r = {0};
  SharedTimerEntry *e1 = shared_timer_add(a, 1000, probe_fn, &p1);
  SharedTimerEntry *e2 = shared_timer_add(a, 1000, probe_fn, &p2);
  SharedTimerEntry *e3 = shared_timer_add(a, 1000, probe_fn, &p3);
  SharedTimerEntry *eq = shared_timer_add(b, 1000, probe_fn, &q);
  SharedTimerEntry *er = shared_timer_add(a, 20, probe_fn, &r);
  g_assert_cmpuint(shared_timer_count(a, 1000), ==, 3);
  g_assert_cmpuint(shared_timer_count(b, 1000), ==, 1);
  g_assert_cmpuint(shared_timer_count(a, 20), ==, 1);
  g_assert_cmpuint(shared_timer_count(b, 20), ==, 0);
  g_assert_cmpuint(shared_timer_run(a, 1000, 12345), ==, 3);
  g_assert_cmpint(p1.calls, ==, 1);
  g_assert_cmpint(p2.calls, ==, 1);
  g_assert_cmpint(p3.calls, ==, 1);
  g_assert_cmpint(p3.last_now, ==, 12345);
  g_assert_cmpint(q.calls, ==, 0);
  g_assert_cmpint(r.calls, ==, 0);
  g_assert_cmpuint(shared_timer_run(b, 20, 1), ==, 0); /* no such group */
  /* Removing outside a round keeps the others (swap with the last). */
  shared_timer_remove(e1);
  g_assert_cmpuint(shared_timer_run(a, 1000, 2), ==, 2);
  g_assert_cmpint(p1.calls, ==, 1);
  g_assert_cmpint(p2.calls, ==, 2);
  g_assert_cmpint(p3.calls, ==, 2);
  shared_timer_remove(NULL); /* harmless */
  shared_timer_remove(e2);
  shared_timer_remove(e3);
  g_assert_cmpuint(shared_timer_count(a, 1000), ==, 0);
  g_assert_cmpuint(shared_timer_run(a, 1000, 3), ==, 0);
  g_assert_cmpuint(shared_timer_count(a, 20), ==, 1);
  shared_timer_remove(er);
  shared_timer_remove(eq);
  g_assert_cmpuint(shared_timer_count(b, 1000), ==, 0);
  g_main_context_unref(a);
  g_main_context_unref(b);
}

static void t_remove_during_round(void) {
  GMainContext *ctx = g_main_context_new();
  Probe p[4] = {{0}};
  SharedTimerEntry *e[4];
  for (int i = 0; i < 4; i++) e[i] = shared_timer_add(ctx, 1000, probe_fn, &p[i]);
  /* The first removes itself and the third (not yet called this round). */
  p[0].self = e[0];
  p[0].victim = e[2];
  g_assert_cmpuint(shared_timer_run(ctx, 1000, 10), ==, 3);
  g_assert_cmpint(p[0].calls, ==, 1);
  g_assert_cmpint(p[1].calls, ==, 1);
  g_assert_cmpint(p[2].calls, ==, 0);
  g_assert_cmpint(p[3].calls, ==, 1);
  g_assert_cmpuint(shared_timer_count(ctx, 1000), ==, 2);
  g_assert_cmpuint(shared_timer_run(ctx, 1000, 11), ==, 2);
  g_assert_cmpint(p[0].calls, ==, 1);
  g_assert_cmpint(p[1].calls, ==, 2);
  g_assert_cmpint(p[3].calls, ==, 2);
  /* The last two leave during one round: the group goes with them. */
  p[1].self = e[1];
  p[1].victim = e[3];
  g_assert_cmpuint(shared_timer_run(ctx, 1000, 12), ==, 1);
  g_assert_cmpuint(shared_timer_count(ctx, 1000), ==, 0);
  g_assert_cmpuint(shared_timer_run(ctx, 1000, 13), ==, 0);
  g_main_context_unref(ctx);
}

static void t_add_during_round(void) {
  GMainContext *ctx = g_main_context_new();
  Probe p = {0}, late = {0};
  SharedTimerEntry *added = NULL;
  SharedTimerEntry *e = shared_timer_add(ctx, 1000, probe_fn, &p);
  p.add_ctx = ctx;
  p.added = &added;
  p.added_user = &late;
  g_assert_cmpuint(shared_timer_run(ctx, 1000, 1), ==, 1);
  g_assert_nonnull(added);
  g_assert_cmpint(late.calls, ==, 0);
  g_assert_cmpuint(shared_timer_run(ctx, 1000, 2), ==, 2);
  g_assert_cmpint(late.calls, ==, 1);
  shared_timer_remove(e);
  shared_timer_remove(added);
  g_main_context_unref(ctx);
}

static gboolean probe_called(gpointer d) { return ((Probe *)d)->calls >= 2; }

/* The group's GLib timer runs the rounds (a short period: no long wait). */
static void t_real_timer(void) {
  GMainContext *ctx = g_main_context_new();
  Probe p = {0}, q = {0};
  SharedTimerEntry *e = shared_timer_add(ctx, 5, probe_fn, &p);
  SharedTimerEntry *f = shared_timer_add(ctx, 5, probe_fn, &q);
  gint64 start = g_get_monotonic_time(), end = start + 5 * G_USEC_PER_SEC;
  while (!probe_called(&q) && g_get_monotonic_time() < end) g_main_context_iteration(ctx, TRUE);
  g_assert_cmpint(p.calls, >=, 2);
  g_assert_cmpint(q.calls, >=, 2);
  g_assert_cmpint(q.last_now, >=, start);
  shared_timer_remove(e);
  shared_timer_remove(f);
  while (g_main_context_iteration(ctx, FALSE)) {
  }
  g_main_context_unref(ctx);
}

/* ---- peer_transport through the sweep ---- */

typedef struct {
  PeerTransport *t;
  int rtp, rtcp, failed;
  char reason[32];
} End;

static void on_state(PeerTransport *t, PeerTransportState st, const char *reason, void *u) {
  End *e = u;
  if (st == PT_STATE_FAILED) {
    e->failed++;
    g_strlcpy(e->reason, reason ? reason : "", sizeof e->reason);
  }
}
static void on_rtp(PeerTransport *t, uint8_t *buf, size_t len, void *u) { ((End *)u)->rtp++; }
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

static void drain_and_unref(GMainContext *ctx) {
  g_main_context_pop_thread_default(ctx);
  while (g_main_context_iteration(ctx, FALSE)) {
  }
  g_main_context_unref(ctx);
}

static void t_connect_deadline(void) {
  g_assert_cmpint(srtp_session_global_init(), ==, 0);
  char err[128];
  DtlsContext *dtls = dtls_context_new(err, sizeof err);
  g_assert_nonnull(dtls);
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  End a = {0};
  make(ctx, dtls, 1, &a);
  g_assert_cmpuint(shared_timer_count(ctx, PEER_TRANSPORT_SWEEP_MS), ==, 1);
  /* Before the peer's credentials there is no deadline to keep. */
  g_assert_cmpuint(shared_timer_run(ctx, PEER_TRANSPORT_SWEEP_MS, g_get_monotonic_time() +
                                                                     (gint64)3600 * G_USEC_PER_SEC),
                   ==, 1);
  g_assert_cmpint(a.failed, ==, 0);
  /* Credentials but never a candidate: ICE cannot connect. */
  gint64 started = g_get_monotonic_time();
  g_assert_cmpint(peer_transport_set_remote(a.t, "peerufrag", "peerpasswordpeerpassword",
                                            dtls_context_fingerprint(dtls), 0, err, sizeof err),
                  ==, 0);
  g_assert_cmpint(peer_transport_state(a.t), ==, PT_STATE_CHECKING);
  shared_timer_run(ctx, PEER_TRANSPORT_SWEEP_MS, started + 29 * G_USEC_PER_SEC);
  g_assert_cmpint(a.failed, ==, 0);
  g_assert_cmpint(peer_transport_state(a.t), ==, PT_STATE_CHECKING);
  shared_timer_run(ctx, PEER_TRANSPORT_SWEEP_MS, g_get_monotonic_time() + 31 * G_USEC_PER_SEC);
  g_assert_cmpint(a.failed, ==, 1);
  g_assert_cmpstr(a.reason, ==, "ice_failed");
  g_assert_cmpint(peer_transport_state(a.t), ==, PT_STATE_FAILED);
  /* Failed stays failed, once. */
  shared_timer_run(ctx, PEER_TRANSPORT_SWEEP_MS, g_get_monotonic_time() + 60 * G_USEC_PER_SEC);
  g_assert_cmpint(a.failed, ==, 1);
  peer_transport_free(a.t);
  g_assert_cmpuint(shared_timer_count(ctx, PEER_TRANSPORT_SWEEP_MS), ==, 0);
  drain_and_unref(ctx);
  dtls_context_free(dtls);
}

static void exchange(PeerTransport *from, PeerTransport *to) {
  char **c = peer_transport_local_candidates(from);
  for (char **x = c; *x; x++) {
    char err[64];
    g_assert_cmpint(peer_transport_add_remote_candidate(to, *x, err, sizeof err), ==, 0);
  }
  g_strfreev(c);
  peer_transport_remote_candidates_done(to);
}

typedef struct {
  End *a, *b;
} Pair;

static gboolean both_connected(gpointer d) {
  Pair *p = d;
  return peer_transport_state(p->a->t) == PT_STATE_CONNECTED &&
         peer_transport_state(p->b->t) == PT_STATE_CONNECTED;
}
static gboolean both_heard(gpointer d) {
  Pair *p = d;
  return p->b->rtp >= 1 && p->a->rtcp >= 1;
}

static gboolean spin(GMainContext *ctx, GSourceFunc cond, gpointer data, int ms) {
  gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
  while (!cond(data) && g_get_monotonic_time() < end) g_main_context_iteration(ctx, FALSE);
  return cond(data);
}

static void t_consent_lost(void) {
  g_assert_cmpint(srtp_session_global_init(), ==, 0);
  char err[128];
  DtlsContext *dtls = dtls_context_new(err, sizeof err);
  g_assert_nonnull(dtls);
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  End a = {0}, b = {0};
  make(ctx, dtls, 1, &a);
  make(ctx, dtls, 0, &b);
  g_assert_cmpuint(shared_timer_count(ctx, PEER_TRANSPORT_SWEEP_MS), ==, 2);
  const char *fp = dtls_context_fingerprint(dtls);
  g_assert_cmpint(peer_transport_set_remote(a.t, peer_transport_ufrag(b.t),
                                            peer_transport_pwd(b.t), fp, 0, err, sizeof err),
                  ==, 0);
  g_assert_cmpint(peer_transport_set_remote(b.t, peer_transport_ufrag(a.t),
                                            peer_transport_pwd(a.t), fp, 1, err, sizeof err),
                  ==, 0);
  exchange(a.t, b.t);
  exchange(b.t, a.t);
  Pair p = {&a, &b};
  g_assert_true(spin(ctx, both_connected, &p, 15000));
  /* Authenticated traffic both ways: a's RTP proves a to b, b's RR b to a. */
  uint8_t rtp[200 + SRTP_SESSION_TRAILER] = {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7};
  g_assert_cmpint(peer_transport_send_rtp(a.t, rtp, 200), ==, 0);
  uint8_t rr[8 + SRTP_SESSION_TRAILER] = {0x80, 201, 0, 1, 0, 0, 0, 9};
  g_assert_cmpint(peer_transport_send_rtcp(b.t, rr, 8), ==, 0);
  g_assert_true(spin(ctx, both_heard, &p, 3000));
  gint64 heard = g_get_monotonic_time();
  shared_timer_run(ctx, PEER_TRANSPORT_SWEEP_MS, heard + 29 * G_USEC_PER_SEC);
  g_assert_cmpint(a.failed + b.failed, ==, 0);
  g_assert_true(both_connected(&p));
  shared_timer_run(ctx, PEER_TRANSPORT_SWEEP_MS, heard + 31 * G_USEC_PER_SEC);
  g_assert_cmpint(a.failed, ==, 1);
  g_assert_cmpint(b.failed, ==, 1);
  g_assert_cmpstr(a.reason, ==, "ice_failed");
  g_assert_cmpstr(b.reason, ==, "ice_failed");
  peer_transport_free(a.t);
  peer_transport_free(b.t);
  g_assert_cmpuint(shared_timer_count(ctx, PEER_TRANSPORT_SWEEP_MS), ==, 0);
  drain_and_unref(ctx);
  dtls_context_free(dtls);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/shared_timer/groups", t_groups);
  g_test_add_func("/sfu/shared_timer/remove_during_round", t_remove_during_round);
  g_test_add_func("/sfu/shared_timer/add_during_round", t_add_during_round);
  g_test_add_func("/sfu/shared_timer/real_timer", t_real_timer);
  g_test_add_func("/sfu/transport_consent/connect_deadline", t_connect_deadline);
  g_test_add_func("/sfu/transport_consent/consent_lost", t_consent_lost);
  return g_test_run();
}
