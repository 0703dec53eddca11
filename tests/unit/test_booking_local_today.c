/* The visiting-order ledger's "today" is the establishment's local date
 * (booking/book_local_today.c), on a real sqlite file or PostgreSQL
 * (PARLOUR_DB_ENGINE=pg): at 23:30 UTC on a BST date a prison in England
 * is already on the next day, so the accrual and a refund are dated then;
 * an establishment in UTC is still on the UTC date. */
#include <glib.h>
#include <string.h>

#include "book_db.h"
#include "book_local_today.h"
#include "book_rules.h"
#include "book_vo.h"
#include "booking_testdb.h"
#include "log.h"

#include "booking_rules_fixture.h"

/* Saturday 2027-07-10T23:30:00Z = Sunday 00:30 BST in London. */
#define LATE 1815262200LL

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static void fx_setup(Fx *f, gconstpointer data) {
  (void)data;
  f->place = testdb_place("booking-local-today");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  testdb_exec(f->db, "UPDATE establishments SET time_zone='UTC' WHERE id='OTH'");
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static int64_t q(Fx *f, const char *sql) { return testdb_q(f->db, sql); }

static void t_today_by_zone(Fx *f, gconstpointer d) {
  (void)d;
  char utc[11], t[11];
  book_date_of(LATE, utc);
  g_assert_cmpstr(utc, ==, "2027-07-10");
  g_assert_cmpint(book_today_for_prisoner(f->db, 1, LATE, t), ==, 0);
  g_assert_cmpstr(t, ==, "2027-07-11"); /* TST: Europe/London (BST) */
  g_assert_cmpint(book_today_for_prisoner(f->db, 6, LATE, t), ==, 0);
  g_assert_cmpstr(t, ==, "2027-07-10"); /* OTH: UTC */
  g_assert_cmpint(book_today_for_est(f->db, NULL, LATE, t), ==, 0);
  g_assert_cmpstr(t, ==, "2027-07-11"); /* probation: Europe/London */
  g_assert_cmpint(book_today_for_est(f->db, "NOPE", LATE, t), ==, 0);
  g_assert_cmpstr(t, ==, "2027-07-11");
  g_assert_cmpint(book_today_for_visit(f->db, "no-such-visit", LATE, t), ==, 0);
  g_assert_cmpstr(t, ==, "2027-07-11");
  /* an hour earlier it is still Saturday in London too */
  g_assert_cmpint(book_today_for_prisoner(f->db, 1, LATE - 3600, t), ==, 0);
  g_assert_cmpstr(t, ==, "2027-07-10");
}

static void t_accrual_on_local_date(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_vo_allocate(f->db, LATE), >=, 2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=1 AND "
                       "event='accrued' AND on_date='2027-07-11'"),
                  >=, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=1 AND "
                       "on_date='2027-07-10'"),
                  ==, 0);
  /* the UTC establishment's prisoner: still the 10th */
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=6 AND "
                       "event='accrued' AND on_date='2027-07-10'"),
                  >=, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=6 AND "
                       "on_date='2027-07-11'"),
                  ==, 0);
}

static void t_refund_on_local_date(Fx *f, gconstpointer d) {
  (void)d;
  BookError e;
  BookActor fam = {1, "family", "fam1", NULL};
  g_assert_cmpint(book_vo_allocate(f->db, LATE - 7200), >=, 1);
  BookVisitorSel vs[] = {{1, 1}};
  BookRequest r = {.type = "social", .prisoner_id = 1, .slot_id = "4:2027-07-15",
                   .visitors = vs, .n_visitors = 1};
  char id[BOOK_VISIT_ID_LEN] = "";
  int rc = book_visit_create(f->db, &fam, &r, LATE - 3600, id, &e);
  if (rc) g_test_message("create: %s %s", e.code, e.message);
  g_assert_cmpint(rc, ==, 0);
  /* booked at 22:30 UTC = 23:30 BST: the booking is dated Saturday */
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event='booked' AND "
                       "on_date='2027-07-10'"),
                  ==, 1);
  /* cancelled at 23:30 UTC = 00:30 BST: the refund is dated Sunday */
  g_assert_cmpint(book_visit_cancel(f->db, &fam, id, "ill", LATE, &e), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event='refunded' AND "
                       "on_date='2027-07-11'"),
                  ==, 1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
#define T(name, fn) g_test_add("/booking/local_today/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("today_by_zone", t_today_by_zone);
  T("accrual_on_local_date", t_accrual_on_local_date);
  T("refund_on_local_date", t_refund_on_local_date);
  return g_test_run();
}
