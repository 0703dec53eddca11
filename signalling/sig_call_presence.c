/* Presence rules of a call (see sig_call_presence.h). */
#include "sig_call_presence.h"

SigJoinKind sig_presence_join(const SigJoinFacts *f) {
  if (f->call_ended) return SIG_JOIN_REFUSE_ENDED;
  if (!f->room_live) return SIG_JOIN_NEW_CALL;
  if (f->removed) return SIG_JOIN_REFUSE_REMOVED;
  if (!f->same_policy) return SIG_JOIN_REFUSE_POLICY;
  if (!f->held) return SIG_JOIN_FIRST;
  if (!f->held_ready || !f->room_ready) return SIG_JOIN_TAKE_OVER;
  /* A resume is possible only on the transports the client knows: if the
   * SFU gave the participant new ones since (a media reset while away), the
   * client's peer connections point at transports that are gone. */
  if (f->resume && f->generation_current) return SIG_JOIN_RESUME;
  return SIG_JOIN_RENEW;
}

bool sig_presence_is_rejoin(SigJoinKind k) {
  return k == SIG_JOIN_TAKE_OVER || k == SIG_JOIN_RESUME || k == SIG_JOIN_RENEW;
}

SigAway sig_presence_disconnect(bool ready, int grace_s, int64_t now_ms, int64_t *deadline_ms) {
  if (!ready) {
    *deadline_ms = now_ms;
    return SIG_AWAY_LEAVE_NOW;
  }
  *deadline_ms = now_ms + (int64_t)grace_s * 1000;
  return SIG_AWAY_GRACE;
}

bool sig_presence_grace_over(int64_t deadline_ms, int64_t now_ms) { return now_ms >= deadline_ms; }
