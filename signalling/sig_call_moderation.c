/* Moderation rules of a call (see sig_call_moderation.h). */
#include "sig_call_moderation.h"

#include <string.h>

const char *sig_mod_reason(const char *reason) {
  if (!reason || !*reason || strlen(reason) > SIG_MAX_REASON) return "bad_message";
  return NULL;
}

const char *sig_mod_mute(const SigMember *by, const SigMember *target, bool target_named,
                         bool *moderating) {
  if (!target_named) target = by;
  *moderating = target != by;
  if (*moderating && !by->moderate) return "not_moderator";
  if (!target || !target->ready || (target->hidden && target != by)) return "unknown_participant";
  return NULL;
}

const char *sig_mod_unmute_own(const SigMember *by, bool moderating, bool muted,
                               bool any_by_moderator) {
  if (!moderating && !muted && !by->moderate && any_by_moderator) return "muted_by_moderator";
  return NULL;
}

bool sig_mod_sticky(bool moderating, bool muted) { return moderating && muted; }

const char *sig_mod_remove(const SigMember *by, const SigMember *target) {
  if (!by->moderate) return "not_moderator";
  /* Hidden participants are unknown to everyone (and never publish). */
  if (!target || target == by || target->hidden || !target->ready) return "unknown_participant";
  return NULL;
}

const char *sig_mod_end_call(const SigMember *by) { return by->moderate ? NULL : "not_moderator"; }

const char *sig_mod_record(bool policy_requires, bool may_record, bool moderate, bool on,
                           bool *audit) {
  *audit = false;
  if (!policy_requires) {
    /* An attempt to record a call that must not be recorded goes on the
     * visit's audit trail in booking (issue 7: refused and audited). */
    *audit = on;
    return on ? "policy_forbids_recording" : "not_recording";
  }
  if (!may_record && !moderate) return "not_permitted";
  if (!on) return "policy_requires_recording";
  return NULL;
}

const char *sig_mod_public_actor(const SigMember *by) { return by->hidden ? "staff" : by->id; }
