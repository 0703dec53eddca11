/* signalling's rules for pinning a visit to one of several instances
 * (signalling/sig_call_pin.c): the rendezvous order is the same wherever it
 * is computed and spreads visits; the owner is the first up instance in
 * that order, an instance holding the call keeps it, an unprobed instance
 * ranked first means wait. */
#include <glib.h>

#include "sig_call_pin.h"

static const char *const URLS[] = {"wss://s1.test/ws", "wss://s2.test/ws", "wss://s3.test/ws"};

static void test_rank(void) {
  size_t o1[3], o2[3];
  sig_pin_rank(3, URLS, "visit-1", o1);
  sig_pin_rank(3, URLS, "visit-1", o2);
  g_assert_cmpmem(o1, sizeof o1, o2, sizeof o2); /* stable */
  /* a permutation */
  g_assert_cmpuint(o1[0] + o1[1] + o1[2], ==, 3);
  g_assert_true(o1[0] != o1[1] && o1[1] != o1[2] && o1[0] != o1[2]);
  /* the order of the configured list does not matter */
  const char *const rev[] = {URLS[2], URLS[1], URLS[0]};
  size_t o3[3];
  sig_pin_rank(3, rev, "visit-1", o3);
  g_assert_cmpstr(rev[o3[0]], ==, URLS[o1[0]]);
  /* visits spread over the instances: each is first for some of 300 */
  int first[3] = {0};
  for (int i = 0; i < 300; i++) {
    char v[32];
    g_snprintf(v, sizeof v, "visit-%d", i);
    size_t o[3];
    sig_pin_rank(3, URLS, v, o);
    first[o[0]]++;
  }
  for (int i = 0; i < 3; i++) {
    g_test_message("instance %d first for %d of 300", i, first[i]);
    g_assert_cmpint(first[i], >, 60);
  }
  g_assert_cmpuint(sig_pin_score("a", "b"), !=, sig_pin_score("a\nb", ""));
}

/* Which instance is first for visit-1, and which second. */
static void order_of(size_t *o) { sig_pin_rank(3, URLS, "visit-1", o); }

static void peers_init(SigPinPeer *p, size_t self, SigPeerState s) {
  for (size_t i = 0; i < 3; i++) p[i] = (SigPinPeer){URLS[i], i == self, s, false};
}

static void test_owner(void) {
  size_t o[3];
  order_of(o);
  SigPinPeer p[3];
  /* all up: the first ranked is the owner, wherever asked */
  for (size_t self = 0; self < 3; self++) {
    peers_init(p, self, SIG_PEER_UP);
    SigPin pin = sig_pin_owner(3, p, "visit-1");
    if (self == o[0]) {
      g_assert_cmpint(pin.kind, ==, SIG_PIN_HERE);
    } else {
      g_assert_cmpint(pin.kind, ==, SIG_PIN_THERE);
      g_assert_cmpuint(pin.peer, ==, o[0]);
    }
  }
  /* the first is down: the second takes it, the third redirects there */
  peers_init(p, o[1], SIG_PEER_UP);
  p[o[0]].state = SIG_PEER_DOWN;
  g_assert_cmpint(sig_pin_owner(3, p, "visit-1").kind, ==, SIG_PIN_HERE);
  peers_init(p, o[2], SIG_PEER_UP);
  p[o[0]].state = SIG_PEER_DOWN;
  SigPin pin = sig_pin_owner(3, p, "visit-1");
  g_assert_cmpint(pin.kind, ==, SIG_PIN_THERE);
  g_assert_cmpuint(pin.peer, ==, o[1]);
  /* the first came back but the second holds the call: it stays there */
  peers_init(p, o[0], SIG_PEER_UP);
  p[o[1]].holds = true;
  pin = sig_pin_owner(3, p, "visit-1");
  g_assert_cmpint(pin.kind, ==, SIG_PIN_THERE);
  g_assert_cmpuint(pin.peer, ==, o[1]);
  /* ... unless the holder is down now */
  p[o[1]].state = SIG_PEER_DOWN;
  g_assert_cmpint(sig_pin_owner(3, p, "visit-1").kind, ==, SIG_PIN_HERE);
  /* not probed yet, ranked before this one: wait */
  peers_init(p, o[1], SIG_PEER_UNKNOWN);
  pin = sig_pin_owner(3, p, "visit-1");
  g_assert_cmpint(pin.kind, ==, SIG_PIN_WAIT);
  g_assert_cmpuint(pin.peer, ==, o[0]);
  /* not probed, ranked after this one: no matter */
  peers_init(p, o[0], SIG_PEER_UNKNOWN);
  g_assert_cmpint(sig_pin_owner(3, p, "visit-1").kind, ==, SIG_PIN_HERE);
  /* every other instance down: here */
  peers_init(p, o[2], SIG_PEER_DOWN);
  g_assert_cmpint(sig_pin_owner(3, p, "visit-1").kind, ==, SIG_PIN_HERE);
  /* one instance alone */
  SigPinPeer one = {URLS[0], true, SIG_PEER_UNKNOWN, false};
  g_assert_cmpint(sig_pin_owner(1, &one, "visit-1").kind, ==, SIG_PIN_HERE);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/pin/rank", test_rank);
  g_test_add_func("/signal/pin/owner", test_owner);
  return g_test_run();
}
