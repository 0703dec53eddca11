/* The visiting-order rules (booking/book_vo_rules.c) as pure functions:
 * facts and a local date in, a plan out. One test per rule: the schedule
 * by incentive level, the 26 cap, PVO expiry, debts paid back, remand,
 * idempotence, oldest PVO then VO, refunds, and bad input. */
#include <glib.h>
#include <string.h>

#include "book_vo_rules.h"

static BookVoOrder order(int64_t id, const char *kind, const char *status, const char *issued) {
  BookVoOrder o = {.id = id};
  g_strlcpy(o.kind, kind, sizeof o.kind);
  g_strlcpy(o.status, status, sizeof o.status);
  g_strlcpy(o.issued_on, issued, sizeof o.issued_on);
  if (!strcmp(kind, "PVO")) book_vo_date_add(issued, BOOK_PVO_LIFE_DAYS, o.expires_on);
  return o;
}

static void t_dates(void) {
  char d[11];
  g_assert_cmpint(book_vo_date_add("2026-02-27", 2, d), ==, 0);
  g_assert_cmpstr(d, ==, "2026-03-01");
  g_assert_cmpint(book_vo_date_add("2028-02-28", 1, d), ==, 0);
  g_assert_cmpstr(d, ==, "2028-02-29");
  g_assert_cmpint(book_vo_date_add("2026-12-31", 1, d), ==, 0);
  g_assert_cmpstr(d, ==, "2027-01-01");
  int n;
  g_assert_cmpint(book_vo_date_diff("2026-10-01", "2026-11-01", &n), ==, 0);
  g_assert_cmpint(n, ==, 31);
  /* not real dates */
  g_assert_cmpint(book_vo_date_add("2026-02-30", 1, d), ==, -1);
  g_assert_cmpint(book_vo_date_add("2026-13-01", 1, d), ==, -1);
  g_assert_cmpint(book_vo_date_add("26-1-1", 1, d), ==, -1);
  g_assert_cmpint(book_vo_date_add(NULL, 1, d), ==, -1);
  g_assert_cmpint(book_vo_date_diff("2026-01-01", "tomorrow", &n), ==, -1);
}

static void t_allowance_by_level(void) {
  int v, p;
  g_assert_cmpint(book_vo_default_allowance("basic", &v, &p), ==, 0);
  g_assert_cmpint(v, ==, 1);
  g_assert_cmpint(p, ==, 0);
  g_assert_cmpint(book_vo_default_allowance("standard", &v, &p), ==, 0);
  g_assert_cmpint(v + p, ==, 2);
  g_assert_cmpint(book_vo_default_allowance("enhanced", &v, &p), ==, 0);
  g_assert_cmpint(p, ==, 2);
  g_assert_cmpint(book_vo_default_allowance("gold", &v, &p), ==, -1);
  g_assert_cmpint(book_vo_default_allowance(NULL, &v, &p), ==, -1);
  /* every level meets Prison Rules r35(2)(b): 2 visits every 4 weeks */
  const char *levels[] = {"basic", "standard", "enhanced"};
  for (int i = 0; i < 3; i++) {
    book_vo_default_allowance(levels[i], &v, &p);
    g_assert_cmpint(v * (28 / BOOK_VO_PERIOD_DAYS), >=, 2);
  }
}

static void t_first_accrual(void) {
  BookVoFacts f = {.status = "convicted", .vos = 1, .pvos = 2, .last_vo_period = "",
                   .last_pvo_period = ""};
  BookVoPlan p;
  g_assert_cmpint(book_vo_plan(&f, "2026-11-23", &p), ==, 0);
  g_assert_cmpint(p.issue_vo, ==, 1);
  g_assert_cmpint(p.issue_pvo, ==, 2);
  g_assert_cmpstr(p.vo_period, ==, "2026-11-23");
  g_assert_cmpstr(p.pvo_period, ==, "2026-11-23");
  g_assert_cmpstr(p.pvo_expires, ==, "2026-12-21");
  book_vo_plan_clear(&p);
}

static void t_schedule_14_and_28(void) {
  BookVoFacts f = {.status = "convicted", .vos = 1, .pvos = 1, .last_vo_period = "2026-11-01",
                   .last_pvo_period = "2026-11-01"};
  BookVoPlan p;
  /* day 13: nothing due */
  g_assert_cmpint(book_vo_plan(&f, "2026-11-14", &p), ==, 0);
  g_assert_true(book_vo_plan_empty(&p));
  book_vo_plan_clear(&p);
  /* day 14: a VO, no PVO yet */
  book_vo_plan(&f, "2026-11-15", &p);
  g_assert_cmpint(p.issue_vo, ==, 1);
  g_assert_cmpint(p.issue_pvo, ==, 0);
  g_assert_cmpstr(p.vo_period, ==, "2026-11-15");
  g_assert_cmpstr(p.pvo_period, ==, "");
  book_vo_plan_clear(&p);
  /* day 30 with the job down since: two VO periods (anchored, not shifted),
   * one PVO period */
  book_vo_plan(&f, "2026-12-01", &p);
  g_assert_cmpint(p.issue_vo, ==, 2);
  g_assert_cmpstr(p.vo_period, ==, "2026-11-29");
  g_assert_cmpint(p.issue_pvo, ==, 1);
  g_assert_cmpstr(p.pvo_period, ==, "2026-11-29");
  g_assert_cmpstr(p.pvo_expires, ==, "2026-12-27");
  book_vo_plan_clear(&p);
}

static void t_idempotent(void) {
  /* Running again the same day with the recorded periods: nothing. */
  BookVoFacts f = {.status = "convicted", .vos = 1, .pvos = 1, .last_vo_period = "2026-11-23",
                   .last_pvo_period = "2026-11-23"};
  BookVoOrder o[] = {order(1, "VO", "available", "2026-11-23"),
                     order(2, "PVO", "available", "2026-11-23")};
  f.orders = o;
  f.n_orders = 2;
  BookVoPlan p;
  g_assert_cmpint(book_vo_plan(&f, "2026-11-23", &p), ==, 0);
  g_assert_true(book_vo_plan_empty(&p));
  book_vo_plan_clear(&p);
}

static void t_cap_26(void) {
  BookVoOrder o[30];
  /* 26 VOs: 10 accumulated (old), 16 available (recent) */
  for (int i = 0; i < 26; i++) o[i] = order(i + 1, "VO", i < 10 ? "accumulated" : "available",
                                            i < 10 ? "2026-01-01" : "2026-11-20");
  BookVoFacts f = {.status = "convicted", .vos = 2, .pvos = 0, .last_vo_period = "2026-11-09",
                   .last_pvo_period = "2026-11-09", .orders = o, .n_orders = 26};
  BookVoPlan p;
  book_vo_plan(&f, "2026-11-23", &p);
  /* two new, two of the oldest accumulated expire */
  g_assert_cmpint(p.issue_vo, ==, 2);
  g_assert_cmpuint(p.n_expire, ==, 2);
  g_assert_cmpint(p.expire[0].id, ==, 1);
  g_assert_cmpint(p.expire[1].id, ==, 2);
  g_assert_cmpstr(p.expire[0].why, ==, "over_cap");
  book_vo_plan_clear(&p);
  /* 26 all available (none old enough to go): none issued, none expired */
  for (int i = 0; i < 26; i++) o[i] = order(i + 1, "VO", "available", "2026-11-20");
  book_vo_plan(&f, "2026-11-23", &p);
  g_assert_cmpint(p.issue_vo, ==, 0);
  g_assert_cmpuint(p.n_expire, ==, 0);
  g_assert_cmpstr(p.vo_period, ==, "2026-11-23"); /* the period still passes */
  book_vo_plan_clear(&p);
  /* a year with the job down issues at most 26 */
  BookVoFacts g = {.status = "convicted", .vos = 1, .last_vo_period = "2025-01-01",
                   .last_pvo_period = "2025-01-01"};
  book_vo_plan(&g, "2026-11-23", &p);
  g_assert_cmpint(p.issue_vo, ==, 26);
  book_vo_plan_clear(&p);
}

static void t_accumulate_after_28_days(void) {
  BookVoOrder o[] = {order(1, "VO", "available", "2026-10-26"),
                     order(2, "VO", "available", "2026-10-27")};
  BookVoFacts f = {.status = "convicted", .vos = 1, .last_vo_period = "2026-11-20",
                   .last_pvo_period = "2026-11-20", .orders = o, .n_orders = 2};
  BookVoPlan p;
  book_vo_plan(&f, "2026-11-23", &p); /* 28 and 27 days old */
  g_assert_cmpuint(p.n_accumulate, ==, 1);
  g_assert_cmpint(p.accumulate[0], ==, 1);
  g_assert_cmpuint(p.n_expire, ==, 0);
  book_vo_plan_clear(&p);
}

static void t_pvo_expiry(void) {
  BookVoOrder o[] = {order(1, "PVO", "available", "2026-10-26"),  /* expires 11-23 */
                     order(2, "PVO", "available", "2026-10-27")}; /* expires 11-24 */
  BookVoFacts f = {.status = "convicted", .vos = 1, .pvos = 1, .last_vo_period = "2026-11-20",
                   .last_pvo_period = "2026-11-20", .orders = o, .n_orders = 2};
  BookVoPlan p;
  book_vo_plan(&f, "2026-11-23", &p);
  g_assert_cmpuint(p.n_expire, ==, 1);
  g_assert_cmpint(p.expire[0].id, ==, 1);
  g_assert_cmpstr(p.expire[0].why, ==, "pvo_expired");
  g_assert_cmpstr(p.expire[0].kind, ==, "PVO");
  g_assert_cmpuint(p.n_accumulate, ==, 0); /* PVOs never accumulate */
  book_vo_plan_clear(&p);
  /* the latest of several missed PVO periods only, and not if already over */
  BookVoFacts g = {.status = "convicted", .pvos = 1, .last_vo_period = "2026-11-23",
                   .last_pvo_period = "2026-08-01"};
  book_vo_plan(&g, "2026-11-23", &p);
  g_assert_cmpint(p.issue_pvo, ==, 1);
  g_assert_cmpstr(p.pvo_period, ==, "2026-11-21");
  book_vo_plan_clear(&p);
}

static void t_debts_repaid_first(void) {
  BookVoFacts f = {.status = "convicted", .vos = 1, .pvos = 1, .last_vo_period = "2026-11-09",
                   .last_pvo_period = "2026-10-26", .owed = 1};
  BookVoPlan p;
  book_vo_plan(&f, "2026-11-23", &p);
  g_assert_cmpint(p.repay_vo, ==, 1);
  g_assert_cmpint(p.issue_vo, ==, 0);
  g_assert_cmpint(p.repay_pvo, ==, 0);
  g_assert_cmpint(p.issue_pvo, ==, 1);
  book_vo_plan_clear(&p);
  f.owed = 3;
  book_vo_plan(&f, "2026-11-23", &p);
  g_assert_cmpint(p.repay_vo + p.repay_pvo, ==, 2);
  g_assert_cmpint(p.issue_vo + p.issue_pvo, ==, 0);
  book_vo_plan_clear(&p);
}

static void t_remand_gets_none(void) {
  BookVoOrder o[] = {order(1, "PVO", "available", "2026-10-01")};
  BookVoFacts f = {.status = "remand", .vos = 1, .pvos = 1, .last_vo_period = "",
                   .last_pvo_period = "", .orders = o, .n_orders = 1};
  BookVoPlan p;
  book_vo_plan(&f, "2026-11-23", &p);
  g_assert_cmpint(p.issue_vo + p.issue_pvo, ==, 0);
  g_assert_cmpstr(p.vo_period, ==, "");
  g_assert_cmpuint(p.n_expire, ==, 1); /* what they hold still expires */
  book_vo_plan_clear(&p);
}

static void t_bad_facts(void) {
  BookVoPlan p;
  BookVoFacts f = {.status = "convicted", .vos = 1, .last_vo_period = "2026-02-30",
                   .last_pvo_period = ""};
  g_assert_cmpint(book_vo_plan(&f, "2026-11-23", &p), ==, -1);
  f.last_vo_period = "";
  g_assert_cmpint(book_vo_plan(&f, "today", &p), ==, -1);
  BookVoOrder o[] = {order(1, "VO", "available", "2026-11-01")};
  g_strlcpy(o[0].issued_on, "garbage", sizeof o[0].issued_on);
  f.orders = o;
  f.n_orders = 1;
  g_assert_cmpint(book_vo_plan(&f, "2026-11-23", &p), ==, -1);
  /* a last period in the future (clock moved back): nothing due, no crash */
  BookVoFacts g = {.status = "convicted", .vos = 1, .last_vo_period = "2027-01-01",
                   .last_pvo_period = "2027-01-01"};
  g_assert_cmpint(book_vo_plan(&g, "2026-11-23", &p), ==, 0);
  g_assert_true(book_vo_plan_empty(&p));
  book_vo_plan_clear(&p);
}

static void t_oldest_pvo_then_vo(void) {
  BookVoOrder o[] = {order(1, "VO", "accumulated", "2026-09-01"),
                     order(2, "VO", "available", "2026-11-01"),
                     order(3, "PVO", "available", "2026-11-10"),
                     order(4, "PVO", "available", "2026-11-05")};
  g_assert_cmpint(book_vo_choose(o, 4, "either", "2026-11-23"), ==, 3); /* oldest PVO */
  g_assert_cmpint(book_vo_choose(o, 4, "PVO", "2026-11-23"), ==, 3);
  g_assert_cmpint(book_vo_choose(o, 4, "VO", "2026-11-23"), ==, 0); /* oldest VO */
  /* PVOs past their expiry are not usable even before the job runs */
  g_assert_cmpint(book_vo_choose(o, 4, "either", "2026-12-03"), ==, 2);
  g_assert_cmpint(book_vo_choose(o, 4, "either", "2026-12-08"), ==, 0);
  g_assert_cmpint(book_vo_choose(o, 4, "PVO", "2026-12-08"), ==, -1);
  /* ties on the date: the lower id */
  BookVoOrder t[] = {order(9, "VO", "available", "2026-11-01"),
                     order(7, "VO", "available", "2026-11-01")};
  g_assert_cmpint(book_vo_choose(t, 2, "either", "2026-11-23"), ==, 1);
  g_assert_cmpint(book_vo_choose(o, 0, "either", "2026-11-23"), ==, -1);
  g_assert_cmpint(book_vo_choose(t, 2, "PVO", "2026-11-23"), ==, -1);
  g_assert_true(book_vo_kind_valid("none"));
  g_assert_false(book_vo_kind_valid("vo"));
  g_assert_false(book_vo_kind_valid(NULL));
}

static void t_refund(void) {
  BookVoRefund r;
  /* a recent VO comes back available, an old one accumulated */
  g_assert_cmpint(book_vo_refund_plan("VO", "2026-11-20", "", 0, "2026-11-23", &r), ==, 0);
  g_assert_cmpint(r.what, ==, BOOK_VO_RESTORE);
  g_assert_cmpstr(r.status, ==, "available");
  book_vo_refund_plan("VO", "2026-10-01", "", 0, "2026-11-23", &r);
  g_assert_cmpstr(r.status, ==, "accumulated");
  /* a PVO still alive comes back; one that expired meanwhile is replaced */
  book_vo_refund_plan("PVO", "2026-11-01", "2026-11-29", 0, "2026-11-23", &r);
  g_assert_cmpint(r.what, ==, BOOK_VO_RESTORE);
  book_vo_refund_plan("PVO", "2026-10-01", "2026-10-29", 0, "2026-11-23", &r);
  g_assert_cmpint(r.what, ==, BOOK_VO_FRESH);
  g_assert_cmpstr(r.issued_on, ==, "2026-11-23");
  g_assert_cmpstr(r.expires_on, ==, "2026-12-21");
  g_assert_cmpstr(r.status, ==, "available");
  /* booked on credit: the debt goes */
  book_vo_refund_plan("VO", "2026-11-20", "", 1, "2026-11-23", &r);
  g_assert_cmpint(r.what, ==, BOOK_VO_CANCEL_DEBT);
  /* bad dates refuse */
  g_assert_cmpint(book_vo_refund_plan("VO", "nope", "", 0, "2026-11-23", &r), ==, -1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/vo/dates", t_dates);
  g_test_add_func("/booking/vo/allowance_by_level", t_allowance_by_level);
  g_test_add_func("/booking/vo/first_accrual", t_first_accrual);
  g_test_add_func("/booking/vo/schedule_14_and_28", t_schedule_14_and_28);
  g_test_add_func("/booking/vo/idempotent", t_idempotent);
  g_test_add_func("/booking/vo/cap_26", t_cap_26);
  g_test_add_func("/booking/vo/accumulate_after_28_days", t_accumulate_after_28_days);
  g_test_add_func("/booking/vo/pvo_expiry", t_pvo_expiry);
  g_test_add_func("/booking/vo/debts_repaid_first", t_debts_repaid_first);
  g_test_add_func("/booking/vo/remand_gets_none", t_remand_gets_none);
  g_test_add_func("/booking/vo/bad_facts", t_bad_facts);
  g_test_add_func("/booking/vo/oldest_pvo_then_vo", t_oldest_pvo_then_vo);
  g_test_add_func("/booking/vo/refund", t_refund);
  return g_test_run();
}
