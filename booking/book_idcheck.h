/* The visitor ID check's storage side (docs/booking.md "ID check"): a
 * visitor's newest check, who among staff may see it, the admission check's
 * extra step for social calls, the decisions a rejection or an expiry sends
 * to live calls, and the sweep that expires approvals and deletes images.
 * The pure decisions are in book_idcheck_rules.h; the images' encryption in
 * book_idcrypt.h. Every function returns -1 when the database failed. */
#ifndef PARLOUR_BOOK_IDCHECK_H
#define PARLOUR_BOOK_IDCHECK_H

#include <stdint.h>

#include "book_db.h"
#include "book_decisions.h"
#include "book_idcheck_rules.h"
#include "book_rules.h"

#define BOOK_ID_ADULT_AGE 18

typedef struct {
  int64_t id; /* 0: the visitor has no check */
  int64_t visitor_id;
  BookIdFacts facts;
  char document_file[80], selfie_file[80]; /* "" when none or deleted */
  char document_type[16], selfie_type[16];
  char reason[512];
  char decided_by[80];
  int64_t created_at, submitted_at, images_deleted_at;
} BookIdCheck;

/* The visitor's newest check into out (out->id 0: none). 0 or -1. */
int book_idcheck_current(BookDb *db, int64_t visitor_id, BookIdCheck *out) BOOK_MUST_CHECK;
/* Check id into out: 1 found, 0 none, -1. */
int book_idcheck_get(BookDb *db, int64_t check_id, BookIdCheck *out) BOOK_MUST_CHECK;

/* 1 when the actor is booking staff of an establishment holding a prisoner
 * the visitor is a contact of; 0 otherwise (everyone else: not found). */
int book_idcheck_staff_may_see(BookDb *db, const BookActor *a, int64_t visitor_id) BOOK_MUST_CHECK;

/* Age in whole years on today ("YYYY-MM-DD") from a date of birth; a
 * missing or malformed one counts as an adult (the check is then asked for,
 * which is the safe side). */
int book_idcheck_age(const char *dob, const char *today);

/* The admission check's step for a social call: every adult visitor the
 * account uid speaks for on the visit must be verified now. Turns an
 * admitting *a into a refusal (identity_unverified, identity_pending,
 * identity_rejected, identity_expired) with plain words naming the visitor.
 * 0 or -1 (the caller refuses: never admit on an error). */
int book_idcheck_admission(BookDb *db, int valid_days, const char *visit_id, int64_t uid,
                           int64_t now, BookAdmission *a) BOOK_MUST_CHECK;

/* remove_participant with reason (identity_rejected or identity_expired) on
 * every booked or running visit of a prisoner the visitor is a social
 * contact of, with the visitor on it. Inside the caller's transaction.
 * Count or -1. */
int book_idcheck_decisions(BookDb *db, int64_t now, const char *actor, int64_t visitor_id,
                           const char *reason) BOOK_MUST_CHECK;

/* Housekeeping: approvals past valid_days (when required) reach live calls
 * once (identity_expired, audited); images retention_days after a decision
 * are deleted from dir and their names cleared (audited). Each in its own
 * transaction. The number of changes, or -1. */
int book_idcheck_sweep(BookDb *db, const char *dir, int required, int valid_days,
                       int retention_days, int64_t now);

/* Demo mode: every adult demo visitor with a social contact and no check at
 * all gets an approved one (decided_by "demo"), so `make run` and the tests
 * that join social calls keep working. Count or -1. */
int book_idcheck_demo_verify(BookDb *db, int64_t now);

#endif
