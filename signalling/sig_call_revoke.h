/* Revocation: a decision booking took after a join token was issued
 * (docs/contracts.md, "Decisions reach live calls") applied to a call held
 * here. Pure: the decision and the call's facts in, what to do out; the
 * decision feed's I/O (sig_decisions.c) carries it out with sig_room_end /
 * sig_part_leave. Applying a decision twice is harmless: ending an ended
 * call or removing a removed participant does nothing more. Unit-tested in
 * tests/unit/test_signal_call_revoke.c. */
#ifndef PARLOUR_SIG_CALL_REVOKE_H
#define PARLOUR_SIG_CALL_REVOKE_H

#include <stdbool.h>

typedef enum {
  SIG_BOOKING_END_CALL,
  SIG_BOOKING_REMOVE_PARTICIPANT,
  SIG_BOOKING_UPDATE_POLICY,
} SigRevokeAction;

/* A policy value a decision may carry: not said, or said. */
typedef enum { SIG_POLICY_UNSAID = -1, SIG_POLICY_NO = 0, SIG_POLICY_YES = 1 } SigPolicyValue;

typedef struct {
  SigRevokeAction action;
  SigPolicyValue monitoring_allowed; /* update_policy: "allowed" YES, "forbidden" NO */
  SigPolicyValue recording_required; /* update_policy: "required" YES, "forbidden" NO */
} SigRevokeDecision;

/* What the server knows of the call (and, for remove_participant, of the
 * participant the decision names). */
typedef struct {
  bool live;               /* the call is live here */
  bool ended;              /* the call ended here already */
  bool monitoring_allowed; /* the live call's policy */
  bool recording;          /* the live call is being recorded */
  bool held;               /* the named participant is in the live call */
  bool removed;            /* ... or was removed from it already */
} SigRevokeFacts;

typedef enum {
  SIG_REVOKE_NOTHING,      /* not live here, or already done */
  SIG_REVOKE_END_CALL,     /* visit_ended {reason, message} to all, close 4000 */
  SIG_REVOKE_REMEMBER,     /* remember the removal so a rejoin is refused; nobody to tell */
  SIG_REVOKE_REMOVE,       /* remember it, removed {reason, by:"staff", message}, close 4001,
                              the others see them leave */
  SIG_REVOKE_TIGHTEN,      /* the live call's policy tightens: see the flags */
} SigRevokeKind;

typedef struct {
  SigRevokeKind kind;
  bool remove_hidden_monitors; /* TIGHTEN: monitoring now forbidden */
  bool stop_recording;         /* TIGHTEN: recording now forbidden */
} SigRevocation;

/* Loosening never changes a live call (its people were told the old terms
 * before it started): only calls that start afterwards get the new ones. */
SigRevocation sig_revoke_decide(const SigRevokeDecision *d, const SigRevokeFacts *f);

#endif
