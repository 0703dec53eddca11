/* Admission: turns a join token and the room a client asked for into a
 * verified identity, or into exactly one error code the client can act on.
 *
 * Pure: no sockets, no clock of its own (the caller passes now), so every
 * way a token can be wrong is unit-tested (tests/unit/test_signal_join.c).
 *
 * Order of checks, and why:
 *  1. key id: a token whose header names a kid other than our key's
 *     (token_unknown_key) was signed by a key we don't hold — a deployment
 *     problem, told apart from a forged or altered token (token_bad_signature).
 *  2. token_verify (common/token.c): shape, alg (EdDSA only), signature,
 *     iss, aud, exp/nbf.
 *  3. the visit window, from the signed claims visit.start/visit.end, even
 *     when token_verify said expired/not-yet-valid (the signature was good by
 *     then): now < start - early_join_s is too_early (with seconds until it
 *     opens), now >= end is too_late. Only a token whose own exp/nbf is
 *     narrower than the window gets token_expired/token_not_yet_valid.
 *  4. claims: role, grants and policy must be well formed and consistent
 *     (token_invalid_claims); the room asked for must be the token's
 *     (wrong_room); a hidden monitor for a visit whose monitoring is
 *     forbidden is refused (monitoring_forbidden) — booking never issues one,
 *     we refuse it anyway. */
#ifndef PARLOUR_SIG_JOIN_H
#define PARLOUR_SIG_JOIN_H

#include <glib.h>
#include <openssl/evp.h>
#include <stdint.h>

#include "token.h"

typedef struct {
  char *room;        /* visit id */
  char *participant; /* sub */
  char *name;
  char *role;
  char *jti;
  gboolean publish, subscribe, hidden, moderate, may_record;
  char *visit_type;
  int64_t visit_start, visit_end;
  gboolean recording_required; /* recording == "required" */
  gboolean monitoring_allowed; /* monitoring == "allowed" or "video_only" */
  gboolean monitoring_video_only; /* monitoring == "video_only": sight only (sig_sightonly.h) */
  gboolean audio;              /* may receive audio (grants.audio, sig_sight_audio_allowed) */
  gboolean e2ee_required;      /* the call's media is end-to-end encrypted (sig_call_e2ee.h) */
  gboolean e2ee_announced;     /* this participant's join said it can (join's e2ee:true) */
  /* People booked on this participant's device (optional claim `on_device`,
   * 1..6, default 1): the unexpected-person alert compares faces with it
   * (docs/faces.md). */
  int on_device;
  int one_way;                 /* SigOneWay (sig_oneway.h): booking's admission answer */
} SigIdentity;

void sig_identity_free(SigIdentity *id);
SigIdentity *sig_identity_copy(const SigIdentity *id);

typedef struct {
  const char *code; /* static snake_case error code */
  char message[256];
  int64_t seconds; /* too_early: seconds until the window opens; too_late: since it closed */
} SigJoinError;

typedef struct {
  EVP_PKEY *pub;
  const char *kid;    /* our key's id (token_key_id); NULL skips check 1 */
  TokenExpect expect; /* issuer, audience, leeway */
  int early_join_s;   /* the window opens this long before visit.start */
} SigJoinPolicy;

/* Returns the identity (caller frees) or NULL with *err filled. */
SigIdentity *sig_join_check(const SigJoinPolicy *pol, const char *token, const char *room,
                            int64_t now, SigJoinError *err);

/* Role names a token may carry. */
gboolean sig_role_valid(const char *role);

#endif
