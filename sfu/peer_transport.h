/* peer_transport: one WebRTC transport (one BUNDLEd, rtcp-mux'ed 5-tuple) of
 * a participant: a libnice agent (full ICE, trickle; consent kept here), a
 * DTLS session over it and the SRTP contexts keyed from it.
 *
 * Everything runs on the GMainContext given at creation (a worker's): the
 * agent, its receive callback and the DTLS timers; the caller calls in from
 * that thread only. Callbacks fire on that thread; a callback must not free
 * the transport (defer it to an idle source). Consent and the connect
 * deadline are checked by one sweep per context every
 * PEER_TRANSPORT_SWEEP_MS (shared_timer.h), not a timer per transport. */
#ifndef PARLOUR_SFU_PEER_TRANSPORT_H
#define PARLOUR_SFU_PEER_TRANSPORT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "dtls.h"

typedef struct PeerTransport PeerTransport;

/* The period of the context's consent sweep (shared_timer_run drives it in tests). */
#define PEER_TRANSPORT_SWEEP_MS 1000

typedef enum {
  PT_STATE_NEW,
  PT_STATE_CHECKING,  /* ICE checks or DTLS handshake under way */
  PT_STATE_CONNECTED, /* ICE connected, DTLS done, SRTP keyed */
  PT_STATE_FAILED,
  PT_STATE_CLOSED,
} PeerTransportState;

const char *peer_transport_state_name(PeerTransportState s);

typedef struct {
  /* reason is set for FAILED: "ice_failed" (no pair worked, no pair
   * connected within 30 s of the peer's credentials, or consent
   * lost: 30 s without authenticated traffic from the peer — SRTP/SRTCP
   * that unprotects, or the DTLS handshake; see peer_transport.c for why
   * libnice's consent freshness is not used) or "dtls_failed". */
  void (*on_state)(PeerTransport *t, PeerTransportState st, const char *reason, void *user);
  /* Decrypted packets; buf is writable, len bytes, with SRTP_SESSION_TRAILER
   * spare bytes behind it. */
  void (*on_rtp)(PeerTransport *t, uint8_t *buf, size_t len, void *user);
  void (*on_rtcp)(PeerTransport *t, uint8_t *buf, size_t len, void *user);
  /* A local candidate found after the SDP was written ("candidate:..."). */
  void (*on_candidate)(PeerTransport *t, const char *candidate, void *user);
} PeerTransportCallbacks;

/* With peer_transport_set_rtp_sampling (load generators): an SRTP packet
 * that was NOT authenticated or decrypted. Its RTP header and header
 * extensions are cleartext and usable; its payload and padding are
 * ciphertext. len excludes the authentication tag. */
typedef void (*PeerTransportUnverifiedFn)(PeerTransport *t, uint8_t *buf, size_t len, void *user);

typedef struct {
  const char *const *addresses; /* host candidate addresses */
  int port_min, port_max;
  DtlsContext *dtls;
  int controlling; /* ICE role: the offerer is controlling */
} PeerTransportConfig;

typedef struct {
  uint64_t packets_in, bytes_in, rtcp_in;
  uint64_t packets_out, bytes_out, rtcp_out;
  uint64_t undecryptable, dropped_unknown, send_errors;
  uint64_t unverified; /* RTP handed on unverified (sampling) */
  /* the batched fast path: times taken, times handed back to libnice,
   * consent checks answered on it */
  uint64_t fast_entries, fast_handbacks, stun_answered;
  /* Of stun_answered: checks from another of the peer's addresses (its
   * backup pairs), answered without leaving the fast path. */
  uint64_t stun_answered_other;
  /* Times the path's remote moved to another of the peer's checked
   * addresses: one it nominated, or (the remote silent for 2 s) one it
   * sends authenticated traffic from. */
  uint64_t fast_switches;
  uint64_t fast_follows; /* of fast_switches, the ones followed, not nominated */
  /* Media on the fast path from an address that never sent a check with
   * our credentials (not one of the peer's valid pairs): dropped (also
   * counted in dropped_unknown). */
  uint64_t dropped_unchecked;
  /* Datagrams taken on the fast path from a checked address of the peer's
   * other than the selected pair's (the peer sends on a pair of its own
   * choosing). */
  uint64_t rx_other_pair;
} PeerTransportStats;

PeerTransport *peer_transport_new(GMainContext *ctx, const PeerTransportConfig *cfg,
                                  const PeerTransportCallbacks *cb, void *user, char *err,
                                  size_t errsize);
void peer_transport_free(PeerTransport *t);

const char *peer_transport_ufrag(const PeerTransport *t);
const char *peer_transport_pwd(const PeerTransport *t);
/* The local candidates as "candidate:..." strings; g_strfreev it. */
char **peer_transport_local_candidates(PeerTransport *t);

/* ICE restart (RFC 8445 9): new local ufrag/pwd (peer_transport_ufrag/_pwd
 * return them), checks start again once the next peer_transport_set_remote
 * gives the peer's new credentials and candidates follow. DTLS and SRTP are
 * kept (the state stays connected), as WebRTC does across a restart.
 * -1 with err if libnice refuses. */
int peer_transport_restart_ice(PeerTransport *t, char *err, size_t errsize);
/* 1 when remote credentials are set and these differ (the peer restarts ICE). */
int peer_transport_remote_changed(const PeerTransport *t, const char *ufrag, const char *pwd);
/* Remote ICE credentials, the fingerprint ("sha-256" value) and our DTLS
 * role. The first call starts ICE; later calls with the same credentials
 * change nothing (renegotiation); different credentials are taken only
 * after peer_transport_restart_ice (else -1 with err); a changed
 * fingerprint is always refused. */
int peer_transport_set_remote(PeerTransport *t, const char *ufrag, const char *pwd,
                              const char *fingerprint, int dtls_server, char *err, size_t errsize);
/* "candidate:..." (an "a=" prefix is accepted). Queued until set_remote.
 * 0 ok (mDNS .local candidates are ignored, still 0), -1 unparsable. */
int peer_transport_add_remote_candidate(PeerTransport *t, const char *cand, char *err,
                                        size_t errsize);
void peer_transport_remote_candidates_done(PeerTransport *t);

PeerTransportState peer_transport_state(const PeerTransport *t);
const char *peer_transport_srtp_profile(const PeerTransport *t);
const PeerTransportStats *peer_transport_stats(const PeerTransport *t);
/* The local UDP port of the transport's (first) host candidate, 0 if none. */
int peer_transport_local_port(PeerTransport *t);

/* Receive-side sampling, for load generators that must outrun a server:
 * every_n > 1 authenticates and decrypts only every n-th SRTP packet (on_rtp)
 * and hands the others, unverified, to fn; 0 or 1 verifies
 * all (the default; a server never samples). Consent is proven by the
 * verified ones only. */
void peer_transport_set_rtp_sampling(PeerTransport *t, unsigned every_n,
                                     PeerTransportUnverifiedFn fn);
/* 1 while media goes through the context's batched UDP pump (udp_pump.h). */
int peer_transport_fast_path(const PeerTransport *t);

/* Protect in place and send. buf needs SRTP_SESSION_TRAILER spare bytes.
 * 0 sent, -1 not connected or failed. */
int peer_transport_send_rtp(PeerTransport *t, uint8_t *buf, size_t len);
int peer_transport_send_rtcp(PeerTransport *t, uint8_t *buf, size_t len);

#endif
