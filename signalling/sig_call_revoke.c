/* Revocation rules of a call (see sig_call_revoke.h). */
#include "sig_call_revoke.h"

SigRevocation sig_revoke_decide(const SigRevokeDecision *d, const SigRevokeFacts *f) {
  SigRevocation r = {.kind = SIG_REVOKE_NOTHING};
  if (!f->live || f->ended) return r;
  switch (d->action) {
    case SIG_BOOKING_END_CALL:
      r.kind = SIG_REVOKE_END_CALL;
      break;
    case SIG_BOOKING_REMOVE_PARTICIPANT:
      if (f->held) r.kind = SIG_REVOKE_REMOVE;
      else if (!f->removed) r.kind = SIG_REVOKE_REMEMBER;
      break;
    case SIG_BOOKING_UPDATE_POLICY:
      r.remove_hidden_monitors = f->monitoring_allowed && d->monitoring_allowed == SIG_POLICY_NO;
      r.stop_recording = f->recording && d->recording_required == SIG_POLICY_NO;
      if (r.remove_hidden_monitors || r.stop_recording) r.kind = SIG_REVOKE_TIGHTEN;
      break;
  }
  return r;
}
