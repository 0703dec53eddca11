/* Booking's decisions that reach live calls (docs/contracts.md, "Decisions
 * reach live calls"): the call_decisions outbox signalling reads in seq
 * order, and the admission check signalling asks at every first join.
 *
 * A decision row is always written inside the caller's open transaction, the
 * one that makes the decision and writes its audit row, so a decision that
 * committed is always in the feed and one that rolled back never is. Every
 * writer here returns 0 (or a count) / -1 and must be checked: on -1 the
 * caller rolls back.
 *
 * A participant is named as the join token names them: "<token role>-<users.id>"
 * (visitor-12, prisoner-3, staff_monitor-9, ...). */
#ifndef PARLOUR_BOOK_DECISIONS_H
#define PARLOUR_BOOK_DECISIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "book_db.h"

#define BOOK_DECISIONS_WUR __attribute__((warn_unused_result))

/* The join token role for an account role (family -> visitor, monitor ->
 * staff_monitor, ...); NULL for roles that never join a call. */
const char *book_token_role(const char *account_role);
/* The account role for a token role; NULL when unknown. */
const char *book_account_role(const char *token_role);

/* Plain words for the person a decision or refusal is about, by reason code
 * (visit_cancelled, terminated_by_staff, removed_by_staff, ...). detail is
 * the staff's own words where the reason carries them (terminated_by_staff),
 * else ignored. Always writes a NUL-terminated message. */
void book_decision_message(const char *reason, const char *detail, char *out, size_t size);

/* Writes one decision inside the caller's open transaction, and an audit row
 * call_decision {seq, action, participant, reason} on its visit. action:
 * end_call, remove_participant (participant required) or update_policy
 * (data_json: {"monitoring","recording"}). detail: see book_decision_message.
 * 0 or -1. */
int book_decision_add(BookDb *db, int64_t now, const char *actor, const char *visit_id,
                      const char *action, const char *participant, const char *reason,
                      const char *detail, const char *data_json) BOOK_DECISIONS_WUR;

/* remove_participant with reason on each booked or running visit of the
 * prisoner that has the visitor on it; the participant is the account that
 * speaks for the visitor (none: nothing to remove). Inside the caller's
 * transaction. The number of decisions written, or -1. */
int book_decisions_for_contact(BookDb *db, int64_t now, const char *actor,
                               int64_t prisoner_id, int64_t visitor_id,
                               const char *reason) BOOK_DECISIONS_WUR;

/* remove_participant with reason on every booked or running visit the
 * account takes part in (a monitor: every call of its establishment open for
 * joining now). Inside the caller's transaction. Count or -1. */
int book_decisions_for_account(BookDb *db, int64_t now, const char *actor, int64_t user_id,
                               const char *reason) BOOK_DECISIONS_WUR;

/* update_policy policy_changed with data {monitoring, recording} on every
 * booked or running visit of the type. Inside the caller's transaction.
 * Count or -1. */
int book_decisions_for_policy(BookDb *db, int64_t now, const char *actor, const char *visit_type,
                              const char *monitoring, const char *recording) BOOK_DECISIONS_WUR;

/* The highest seq (0 when none), or -1 on a storage error. */
int64_t book_decisions_head(BookDb *db);

/* Up to limit decisions with seq > after, in seq order, as the feed's JSON
 * array [{seq, visit_id, action, participant, reason, message, data, at}].
 * NULL on a storage error. */
json_t *book_decisions_after(BookDb *db, int64_t after, int limit);

/* Marks every undelivered decision with seq <= seq delivered at now and
 * audits decision_delivered {seq, action, reason, instance} on its visit,
 * once each, in its own transaction. The number marked, or -1 (nothing
 * changed). */
int book_decisions_ack(BookDb *db, int64_t now, const char *instance,
                       int64_t seq) BOOK_DECISIONS_WUR;

/* ---- the admission check ---- */

typedef struct {
  int admit;
  char code[40];     /* refusal code (docs/contracts.md) when !admit */
  char message[200]; /* plain words when !admit */
  /* booking's view of the visit when it exists */
  char type[16], status[16];
  int64_t start, end;
  char monitoring[16], recording[16];
  char one_way_video[32]; /* the call's direction (book_oneway.h), "off" when none */
} BookAdmission;

/* May participant (token sub) with token role join visit_id now? Reads only.
 * 0 with the answer in out, or -1 when the database could not answer (the
 * caller must then refuse: never admit on an error). role must be a token
 * role (book_account_role != NULL). */
int book_admission_check(BookDb *db, const char *visit_id, const char *participant,
                         const char *role, int64_t now, BookAdmission *out) BOOK_DECISIONS_WUR;

/* 1 when the account is disabled, 0 when not (or no such account), -1 on a
 * storage error. */
int book_user_disabled(BookDb *db, int64_t user_id) BOOK_DECISIONS_WUR;

#endif
