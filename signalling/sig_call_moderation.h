/* Moderation, who may do what to whom in a call: mute (oneself, or others
 * with the moderate grant; staff's mute sticks), remove a participant, end
 * the call, and recording control under the visit's policy. Pure: each
 * function takes the people involved and answers NULL (allowed) or the
 * error code the protocol sends (docs/signalling-protocol.md); sig_relay.c
 * parses the messages and carries the decision out. Unit-tested in
 * tests/unit/test_signal_call_moderation.c. */
#ifndef PARLOUR_SIG_CALL_MODERATION_H
#define PARLOUR_SIG_CALL_MODERATION_H

#include <stdbool.h>
#include <stddef.h>

/* A participant as moderation sees them. */
typedef struct {
  const char *id;
  bool ready;    /* announced (joined sent) */
  bool hidden;   /* a hidden monitor: unknown to the others */
  bool moderate; /* the moderate grant */
} SigMember;

#define SIG_MAX_REASON 500

/* A reason a moderator must give (remove, end_call): 1 to 500 bytes.
 * Returns NULL or "bad_message". */
const char *sig_mod_reason(const char *reason);

/* Mute: target is who the message names (NULL: nobody by that id), or `by`
 * itself when it names nobody (target_named false). *moderating is set when
 * the target is someone else. Returns NULL, "not_moderator" or
 * "unknown_participant". */
const char *sig_mod_mute(const SigMember *by, const SigMember *target, bool target_named,
                         bool *moderating);

/* Unmuting one's own tracks of which any was muted by staff
 * (any_by_moderator) is refused unless one moderates: "muted_by_moderator". */
const char *sig_mod_unmute_own(const SigMember *by, bool moderating, bool muted,
                               bool any_by_moderator);

/* Whether a track's mute is staff's after this mute (only staff can undo). */
bool sig_mod_sticky(bool moderating, bool muted);

/* Remove: needs the grant; the target must be another, announced, visible
 * participant. Returns NULL, "not_moderator" or "unknown_participant". */
const char *sig_mod_remove(const SigMember *by, const SigMember *target);

/* End the call for everyone: needs the grant. NULL or "not_moderator". */
const char *sig_mod_end_call(const SigMember *by);

/* Recording control ("record" {on}). The visit's policy comes first: no
 * grant turns on what it forbids. *audit is set when the attempt must go on
 * the visit's audit trail (recording_refused). Returns NULL (answer with the
 * recording state) or "policy_forbids_recording", "not_recording",
 * "not_permitted", "policy_requires_recording". */
const char *sig_mod_record(bool policy_requires, bool may_record, bool moderate, bool on,
                           bool *audit);

/* How `by` is named to the others in "by" fields: hidden staff are never
 * named, only described ("staff"). */
const char *sig_mod_public_actor(const SigMember *by);

#endif
