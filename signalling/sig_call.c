/* The call's timer (see sig_call.h). No clock is read here. */
#include "sig_call.h"

#include "sig_call_presence.h"

static bool away(const SigCallMember *m) { return m->away; }

int64_t sig_call_next(const SigTimeup *t, const SigCallMember *members, size_t n, int64_t now_ms) {
  int64_t next = now_ms + sig_timeup_next_delay_ms(t, now_ms);
  for (size_t i = 0; i < n; i++)
    if (away(&members[i]) && members[i].away_deadline_ms < next)
      next = members[i].away_deadline_ms > now_ms ? members[i].away_deadline_ms : now_ms;
  return next;
}

size_t sig_call_look(const SigTimeup *t, SigCallMember *members, size_t n, int64_t now_ms,
                     SigCallAction *out, int64_t *next_ms) {
  size_t k = 0;
  if (sig_timeup_over(t, now_ms)) {
    out[k++] = (SigCallAction){.kind = SIG_CALL_END};
    *next_ms = 0;
    return k;
  }
  for (size_t i = 0; i < n; i++)
    if (away(&members[i]) && sig_presence_grace_over(members[i].away_deadline_ms, now_ms))
      out[k++] = (SigCallAction){.kind = SIG_CALL_GRACE_OVER, .member = i};
  for (size_t i = 0; i < n; i++) {
    if (!members[i].ready || !members[i].connected) continue;
    SigWarning w[2];
    int due = sig_timeup_due(t, &members[i].warned, now_ms, w);
    for (int j = 0; j < due; j++)
      out[k++] = (SigCallAction){.kind = SIG_CALL_WARN, .member = i, .warning = w[j]};
  }
  /* Members whose grace is over leave now: they no longer hold the timer. */
  int64_t next = now_ms + sig_timeup_next_delay_ms(t, now_ms);
  for (size_t i = 0; i < n; i++)
    if (away(&members[i]) && !sig_presence_grace_over(members[i].away_deadline_ms, now_ms) &&
        members[i].away_deadline_ms < next)
      next = members[i].away_deadline_ms;
  *next_ms = next;
  return k;
}
