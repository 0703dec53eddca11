/* The visiting-order ledger in booking's database (tables visiting_orders,
 * vo_history, vo_accruals, vo_allowances: migration 0009). The decisions are
 * book_vo_rules.c's pure functions; this file reads their facts and writes
 * what they say, each change with its vo_history row.
 *
 * Functions marked "in the caller's transaction" run inside a booking's
 * transaction (book_rules.c), so an order is taken or given back together
 * with the visit change or not at all. All return 0 or -1 (the database
 * failed: the caller rolls back and answers 503). today is the
 * establishment's local date "YYYY-MM-DD". */
#ifndef PARLOUR_BOOK_VO_H
#define PARLOUR_BOOK_VO_H

#include <jansson.h>
#include <stdint.h>

#include "book_db.h"
#include "book_rules.h"

typedef struct {
  int needed;        /* 0: the session template's vo_kind is 'none' */
  char need[8];      /* VO, PVO, either */
  int64_t order_id;  /* the order to use; 0: none available */
  char kind[4];      /* its kind */
} BookVoPick;

/* Which order a booking of prisoner_id in a session of template_id would
 * use (oldest PVO, then oldest VO, as the template allows). First moves an
 * opening balance not yet in the ledger into it. In the caller's
 * transaction. */
int book_vo_pick(BookDb *db, int64_t prisoner_id, int64_t template_id, const char *today,
                 int64_t now, BookVoPick *pick) BOOK_MUST_CHECK;

/* Takes the picked order for visit_id (status scheduled, history 'booked');
 * with no order and on_credit (staff override), records an order booked on
 * credit (history 'override' with the actor): the balance goes below zero
 * and the next accruals pay it back. In the caller's transaction. */
int book_vo_take(BookDb *db, const BookVoPick *pick, int64_t prisoner_id, const char *visit_id,
                 const char *actor, int on_credit, int64_t now, const char *today) BOOK_MUST_CHECK;

/* Gives back what visit_id used (book_vo_refund_plan): the same order, a
 * fresh PVO when it expired meanwhile, or a void debt. A visit booked
 * before the ledger (vo_used set, no order row) gets a fresh VO. In the
 * caller's transaction. */
int book_vo_refund_visit(BookDb *db, const char *visit_id, int64_t prisoner_id, int vo_used,
                         const char *actor, int64_t now, const char *today) BOOK_MUST_CHECK;

/* Refunds the orders of requests that lapse at now (book_visits_sweep,
 * before it cancels them). In the caller's transaction. */
int book_vo_refund_lapsed(BookDb *db, int64_t now) BOOK_MUST_CHECK;

/* Staff change a balance by hand: action "grant" (new orders of kind) or
 * "remove" (the newest unused orders of kind expire), count 1..26, a reason
 * (required). Booking staff of the prisoner's establishment (or admin);
 * its own transaction; audited in vo_history and audit_log. 0 or -1 with
 * err filled (404 not_found, 403 forbidden, 400 invalid_field, 422
 * not_enough_orders, 422 not_convicted, 503). */
int book_vo_adjust(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *action,
                   const char *kind, int count, const char *reason, int64_t now,
                   const char *today, BookError *err);

/* The balance, unused orders and history of one prisoner as JSON. family:
 * the plain view (no staff names, reasons, order or visit ids). NULL when
 * the database failed. The caller checked who may see it. */
json_t *book_vo_account_json(BookDb *db, int64_t prisoner_id, int family, const char *today);

/* Inside the ledger (book_vo*.c): a prisoner's unused orders, oldest
 * first (GArray of BookVoOrder; NULL when the database failed), and the
 * move of an opening balance (prisoners.vo_balance, set by the demo, bulk
 * loads or older tools) into the ledger, once: positive as VOs, negative as
 * orders on credit; convicted prisoners only. */
GArray *book_vo_unused_orders(BookDb *db, int64_t prisoner_id);
int book_vo_import_opening(BookDb *db, int64_t prisoner_id, int64_t now, const char *today)
    BOOK_MUST_CHECK;

/* The balance expression for a prisoner row aliased p (SQL text). */
#define BOOK_VO_BALANCE_SQL                                                                  \
  "((SELECT count(*) FROM visiting_orders o WHERE o.prisoner_id = p.id AND o.status IN "    \
  "('available','accumulated')) - (SELECT count(*) FROM visiting_orders o WHERE "           \
  "o.prisoner_id = p.id AND o.owed = 1 AND o.repaid_on IS NULL AND o.status <> 'expired') " \
  "+ CASE WHEN p.status = 'convicted' THEN p.vo_balance ELSE 0 END)"

#endif
