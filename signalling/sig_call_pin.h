/* Pinning, the call's part of several signalling instances: every
 * participant of one visit must reach the same instance, because a live
 * call's state is in that instance's memory. Each instance knows the full
 * list ([cluster] instances) and ranks it per visit by rendezvous hashing
 * (highest score of hash(instance URL, visit id) first), so every instance
 * computes the same order without talking to the others; the visit's
 * instance is the first in that order that is up, except that an instance
 * already holding the visit's live call keeps it (a returning instance
 * never splits a call that moved while it was away). Pure: facts in, a
 * decision out; sig_cluster.c probes the others and carries it out
 * (docs/contracts.md, "Several signalling instances"). Unit-tested in
 * tests/unit/test_signal_call_pin.c. */
#ifndef PARLOUR_SIG_CALL_PIN_H
#define PARLOUR_SIG_CALL_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many instances ([cluster] instances is checked at start). */
#define SIG_PIN_MAX 64

typedef enum {
  SIG_PEER_UNKNOWN, /* not probed yet (this instance just started) */
  SIG_PEER_UP,      /* its last probe answered */
  SIG_PEER_DOWN,    /* its last probe failed */
} SigPeerState;

typedef struct {
  const char *url;    /* its signalling URL (wss://.../ws) */
  bool self;          /* this instance */
  SigPeerState state; /* self: always taken as up */
  bool holds;         /* its last probe listed the visit's call as live there */
} SigPinPeer;

typedef enum {
  SIG_PIN_HERE,  /* this instance takes the visit */
  SIG_PIN_THERE, /* another instance has it: redirect the client (peer) */
  SIG_PIN_WAIT,  /* an instance ranked before this one has not been probed yet: retry shortly */
} SigPinKind;

typedef struct {
  SigPinKind kind;
  size_t peer; /* SIG_PIN_THERE: index into peers */
} SigPin;

/* The rendezvous score of an instance for a visit (64-bit FNV-1a of
 * url "\n" visit, then a finalising mix). */
uint64_t sig_pin_score(const char *url, const char *visit);
/* order[0..n) = indexes of urls, highest score first (ties by index). */
void sig_pin_rank(size_t n, const char *const *urls, const char *visit, size_t *order);
/* Where a first join for `visit` goes. An instance that is up and holds
 * the call wins; else the first in rank order that is this instance (HERE)
 * or up (THERE), skipping those down; one not yet probed before either
 * means WAIT. */
SigPin sig_pin_owner(size_t n, const SigPinPeer *peers, const char *visit);

#endif
