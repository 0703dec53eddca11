/* Booking's later decisions on live calls (docs/contracts.md, "Decisions
 * reach live calls"): what booking's answers mean, and what a decision
 * does to a call.
 *
 * The first half is pure (no sockets, no clock, no server state) so every
 * case is unit-tested (tests/unit/test_signal_decisions.c):
 *  - sig_admit_parse: booking's answer to POST /internal/admit, strictly;
 *    anything not well formed is "unavailable" (the join fails closed).
 *  - sig_decisions_parse: one page of GET /internal/decisions.
 *  - sig_decision_plan: given a decision and the facts of the call this
 *    instance holds, the actions to take. Applying a decision twice plans
 *    nothing the second time (an ended call, a removed participant).
 *
 * The second half (sig_decisions_apply, sig_admit_effective) carries the
 * plan out on the live state with the existing entry points (sig_room_end,
 * sig_part_leave, sig_send, sig_conn_close). */
#ifndef PARLOUR_SIG_DECISIONS_H
#define PARLOUR_SIG_DECISIONS_H

#include <glib.h>
#include <stddef.h>

#include "sig_join.h"

/* ---- admission ---- */

typedef enum {
  SIG_ADMIT_YES,
  SIG_ADMIT_NO,          /* booking refused: code and message */
  SIG_ADMIT_UNAVAILABLE, /* no well-formed answer: fail closed */
} SigAdmitOutcome;

typedef struct {
  SigAdmitOutcome outcome;
  char code[64];      /* SIG_ADMIT_NO: booking's code; UNAVAILABLE: why, for the log */
  char message[256];  /* SIG_ADMIT_NO: plain words for the person */
  char visit_type[64];
  gint64 start, end;
  gboolean recording_required; /* policy.recording == "required" */
  gboolean monitoring_allowed; /* policy.monitoring == "allowed" or "video_only" */
  int one_way;                 /* SigOneWay: policy.one_way_video (absent: off) */
  gboolean monitoring_video_only; /* policy.monitoring == "video_only" (sig_sightonly.h) */
  gboolean audio;              /* this participant's audio grant (absent: true) */
} SigAdmitAnswer;

/* status: the HTTP status (0: no answer at all). body may be NULL. */
void sig_admit_parse(guint status, const char *body, size_t len, SigAdmitAnswer *out);

/* ---- decisions ---- */

typedef enum {
  SIG_DEC_END_CALL,
  SIG_DEC_REMOVE_PARTICIPANT,
  SIG_DEC_UPDATE_POLICY,
  SIG_DEC_UNKNOWN, /* an action this signalling does not know: logged, skipped */
} SigDecisionAction;

typedef struct {
  gint64 seq;
  char *visit_id;
  SigDecisionAction action;
  char *action_name;
  char *participant; /* remove_participant */
  char *reason;
  char *message;     /* never NULL after parsing ("" when booking sent none) */
  int monitoring;    /* update_policy: 1 allowed, 0 forbidden, -1 not said */
  int recording;     /* update_policy: 1 required, 0 forbidden, -1 not said */
  int one_way;       /* update_policy: SigOneWay, -1 not said (or a word unknown here) */
} SigDecision;

void sig_decision_free(gpointer d);

/* One page of the feed. Fills out (SigDecision*, owned; give it
 * sig_decision_free as its free func) in seq order and *head. Refuses
 * (returns -1 with err) anything malformed: no head, a decision without seq,
 * visit_id or reason, seqs not increasing or not above after. after < 0:
 * the head-only answer (decisions may be absent). */
int sig_decisions_parse(const char *body, size_t len, gint64 after, GPtrArray *out,
                        gint64 *head, char *err, size_t errsize);

/* What this instance knows of the call a decision is about. */
typedef struct {
  const char *id;
  gboolean hidden; /* a staff monitor */
} SigPartFact;

typedef struct {
  gboolean live;  /* a room this instance holds */
  gboolean ended; /* in the ended table already */
  gboolean monitoring_allowed, recording_required, recording_on; /* the live room's */
  int one_way;    /* the live room's SigOneWay */
  const SigPartFact *parts;
  size_t n_parts;
  /* Is this participant already in room->removed? (user: caller's) */
  gboolean (*is_removed)(const char *participant, void *user);
  void *user;
} SigCallFacts;

typedef enum {
  SIG_ACT_END_CALL,          /* visit_ended to all, close 4000, room ended */
  SIG_ACT_MARK_ENDED,        /* no live room: remember the end (rejoins refused) */
  SIG_ACT_REMOVE,            /* removed to the participant, close 4001, others told */
  SIG_ACT_MARK_REMOVED,      /* not here now: remember it (a rejoin is refused) */
  SIG_ACT_FORBID_MONITORING, /* the room's policy: monitoring forbidden from now */
  SIG_ACT_FORBID_RECORDING,  /* the room's policy: recording forbidden from now */
  SIG_ACT_STOP_RECORDING,    /* SFU record_stop; participants told recording is off */
  SIG_ACT_SET_ONE_WAY,       /* one-way video changed: value; each participant's receive_video */
} SigActionKind;

typedef struct {
  SigActionKind kind;
  const char *participant; /* REMOVE / MARK_REMOVED: borrowed from d or facts */
  const char *reason;      /* borrowed from d ("policy_changed" for policy removals) */
  int value;               /* SET_ONE_WAY: the new SigOneWay */
} SigAction;

#define SIG_MAX_ACTIONS 64

/* Fills out[0..n) and returns n (at most max). */
size_t sig_decision_plan(const SigDecision *d, const SigCallFacts *f, SigAction *out,
                         size_t max);

/* ---- on the live state (not pure) ---- */

typedef struct SigServer SigServer;

/* Carries one decision out on s (logged). */
void sig_decisions_apply(SigServer *s, const SigDecision *d);

/* An admitted identity takes booking's window and policy (an amended
 * visit, a tightened policy) over the token's; joining a live room, the
 * room's recording/monitoring stay unless booking's are stricter (a
 * loosening reaches only calls that start later). */
void sig_admit_effective(SigIdentity *id, const SigAdmitAnswer *a, const SigIdentity *room);
/* A participant the live call already holds rejoins on the call's current
 * terms (decisions applied since they were admitted), not their token's. */
void sig_admit_effective_room(SigIdentity *id, const SigIdentity *room);

#endif
