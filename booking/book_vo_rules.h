/* Visiting-order rules as pure functions: facts and a local date in, what to
 * do out. No database, no clock: book_vo.c reads the facts, calls these and
 * writes what they say; tests/unit/test_vo_rules.c drives them directly.
 *
 * HMPPS (../shared/DOMAIN.md, docs/booking.md "Visiting orders"): VOs are
 * issued every 14 days and privileged VOs (PVOs) every 28, the number by
 * incentive level; unused VOs accumulate up to 26; PVOs expire after 28
 * days; a booking uses the oldest PVO first, then the oldest VO. Remand
 * prisoners get no orders (their social calls are limited per week
 * instead).
 *
 * Dates are the establishment's local calendar dates, "YYYY-MM-DD" text:
 * "today" is always a parameter, never computed here. */
#ifndef PARLOUR_BOOK_VO_RULES_H
#define PARLOUR_BOOK_VO_RULES_H

#include <stddef.h>
#include <stdint.h>

#define BOOK_VO_CAP 26          /* unused VOs accumulate up to 26 */
#define BOOK_VO_PERIOD_DAYS 14  /* VOs every 14 days */
#define BOOK_PVO_PERIOD_DAYS 28 /* PVOs every 28 days */
#define BOOK_PVO_LIFE_DAYS 28   /* a PVO expires 28 days after its issue */
#define BOOK_VO_FRESH_DAYS 28   /* a VO unused 28 days after issue is 'accumulated' */

/* Calendar arithmetic on "YYYY-MM-DD": 0 or -1 for a date that is not real. */
int book_vo_date_add(const char *date, int days, char out[11]);
int book_vo_date_diff(const char *from, const char *to, int *days); /* to - from */

/* The allowance per period for an incentive level when the establishment
 * has no vo_allowances row: basic 1 VO, standard 1 VO + 1 PVO, enhanced
 * 1 VO + 2 PVOs (1 VO per 14 days is Prison Rules r35(2)(b)'s 2 visits every
 * 4 weeks). -1 for an unknown level. */
int book_vo_default_allowance(const char *level, int *vos, int *pvos);

/* An order not used yet (available or accumulated). */
typedef struct {
  int64_t id;
  char kind[4];       /* VO, PVO */
  char status[12];    /* available, accumulated */
  char issued_on[11];
  char expires_on[11]; /* "" none */
} BookVoOrder;

typedef struct {
  const char *status;   /* convicted, remand */
  int vos, pvos;        /* allowance per period for the prisoner's level */
  const char *last_vo_period;  /* latest VO period start, "" none yet */
  const char *last_pvo_period; /* latest PVO period start, "" none yet */
  const BookVoOrder *orders;   /* unused orders, oldest first */
  size_t n_orders;
  int owed;                    /* orders booked on credit, not paid back */
} BookVoFacts;

typedef struct {
  int64_t id;
  const char *kind; /* VO, PVO */
  const char *why;  /* "pvo_expired" or "over_cap" */
} BookVoExpiry;

typedef struct {
  int issue_vo, issue_pvo;     /* new orders, after paying back debts */
  int repay_vo, repay_pvo;     /* debts paid from this period's allowance */
  char vo_period[11];          /* new VO period start to record, "" none */
  char pvo_period[11];         /* new PVO period start to record, "" none */
  char pvo_expires[11];        /* expiry of the new PVOs */
  BookVoExpiry *expire;        /* g_new'd; book_vo_plan_clear frees */
  size_t n_expire;
  int64_t *accumulate;         /* VO ids now 'accumulated' */
  size_t n_accumulate;
} BookVoPlan;

/* What the accrual job does for one prisoner today. 0, or -1 for bad facts
 * (a date that is not real): nothing to do then. Idempotent by design: a
 * plan's period starts are recorded, so the same facts with those periods
 * give an empty plan the same day. */
int book_vo_plan(const BookVoFacts *f, const char *today, BookVoPlan *p);
void book_vo_plan_clear(BookVoPlan *p);
/* 1 when the plan changes nothing. */
int book_vo_plan_empty(const BookVoPlan *p);

/* Which order a booking uses: need is VO, PVO or either (a session that
 * needs none uses none: don't call). The oldest PVO first, then the oldest
 * VO; a PVO that reached its expiry is not usable even if the job has not
 * run yet. Index into orders (oldest first), or -1 when none fits. */
int book_vo_choose(const BookVoOrder *orders, size_t n, const char *need, const char *today);

/* 1 when need is a valid session template vo_kind (VO, PVO, either, none). */
int book_vo_kind_valid(const char *need);

/* What a cancellation does with the order the visit used.
 *   RESTORE: the same order back, with status (available, or accumulated
 *            for a VO issued 28 or more days ago);
 *   FRESH:   the PVO expired meanwhile: a fresh PVO issued today, expiring
 *            28 days later (the family is not punished for a cancellation);
 *   CANCEL_DEBT: the visit was booked on credit: the debt is void. */
typedef enum { BOOK_VO_RESTORE = 0, BOOK_VO_FRESH = 1, BOOK_VO_CANCEL_DEBT = 2 } BookVoRefundKind;
typedef struct {
  BookVoRefundKind what;
  char status[12];
  char issued_on[11];  /* FRESH */
  char expires_on[11]; /* FRESH (PVO), "" none */
} BookVoRefund;
int book_vo_refund_plan(const char *kind, const char *issued_on, const char *expires_on,
                        int owed, const char *today, BookVoRefund *r);

#endif
