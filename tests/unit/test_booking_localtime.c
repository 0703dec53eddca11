/* Establishment local time (issue 16 part 1): the pure decisions of
 * booking/book_localtime.c, then each rule's local behaviour through the
 * real rules on a real database (sqlite, or PostgreSQL with
 * PARLOUR_DB_ENGINE=pg) across both of 2027's daylight-saving changes in
 * Europe/London: Sunday 28 March (01:00 GMT -> 02:00 BST) and Sunday 31
 * October (02:00 BST -> 01:00 GMT). "now" is an input everywhere. */
#include <glib.h>
#include <string.h>

#include "book_db.h"
#include "book_localtime.h"
#include "book_rules.h"
#include "booking_testdb.h"
#include "log.h"
#include "timeutil.h"

#include "booking_rules_fixture.h"

static int64_t at(const char *iso) {
  int64_t t;
  g_assert_cmpint(time_parse_iso8601(iso, &t), ==, 0);
  return t;
}

static const Tz *london(void) {
  char err[200];
  const Tz *tz = book_local_zone(NULL, err, sizeof err);
  if (!tz) g_error("%s", err);
  g_assert_cmpstr(tz_name(tz), ==, "Europe/London");
  return tz;
}

/* ---- pure ---- */

static void test_today(void) {
  const Tz *tz = london();
  char d[11];
  /* Summer: "today" turns at midnight BST (23:00Z), not at 01:00 BST. */
  book_local_date(tz, at("2027-07-01T22:59:59Z"), d);
  g_assert_cmpstr(d, ==, "2027-07-01");
  book_local_date(tz, at("2027-07-01T23:00:00Z"), d);
  g_assert_cmpstr(d, ==, "2027-07-02");
  /* Winter: at midnight GMT. */
  book_local_date(tz, at("2027-12-01T23:59:59Z"), d);
  g_assert_cmpstr(d, ==, "2027-12-01");
  /* The evening after each change. */
  book_local_date(tz, at("2027-03-28T23:30:00Z"), d);
  g_assert_cmpstr(d, ==, "2027-03-29");
  book_local_date(tz, at("2027-10-30T23:30:00Z"), d);
  g_assert_cmpstr(d, ==, "2027-10-31");
  book_local_date(tz, at("2027-10-31T23:30:00Z"), d);
  g_assert_cmpstr(d, ==, "2027-10-31");
}

static void test_window(void) {
  const Tz *tz = london();
  char first[11], last[11];
  /* 00:30 BST on Monday 29 March: local today is the 29th (UTC says 28th). */
  book_local_window(tz, at("2027-03-28T23:30:00Z"), 2, 28, first, last);
  g_assert_cmpstr(first, ==, "2027-04-01");
  g_assert_cmpstr(last, ==, "2027-04-26");
  /* 00:30 BST on Sunday 31 October, the day the clocks go back. */
  book_local_window(tz, at("2027-10-30T23:30:00Z"), 2, 28, first, last);
  g_assert_cmpstr(first, ==, "2027-11-03");
  g_assert_cmpstr(last, ==, "2027-11-28");
  /* 23:30 GMT the same Sunday: still the 31st. */
  book_local_window(tz, at("2027-10-31T23:30:00Z"), 2, 28, first, last);
  g_assert_cmpstr(first, ==, "2027-11-03");
  /* A window that spans the change counts calendar days. */
  book_local_window(tz, at("2027-03-20T12:00:00Z"), 0, 8, first, last);
  g_assert_cmpstr(first, ==, "2027-03-21");
  g_assert_cmpstr(last, ==, "2027-03-28");
}

static void test_sessions(void) {
  const Tz *tz = london();
  int64_t s, e;
  /* 09:00 on the day the clocks go forward is 09:00 BST = 08:00Z. */
  g_assert_cmpint(book_local_session(tz, "2027-03-28", "09:00", "10:00", &s, &e), ==, 0);
  g_assert_cmpint(s, ==, at("2027-03-28T08:00:00Z"));
  g_assert_cmpint(e, ==, at("2027-03-28T09:00:00Z"));
  /* A session at 01:30, in the missing hour: moved forward by the gap to
   * 02:30 BST; it keeps its hour. */
  g_assert_cmpint(book_local_session(tz, "2027-03-28", "01:30", "02:30", &s, &e), ==, 0);
  g_assert_cmpint(s, ==, at("2027-03-28T02:30:00+01:00"));
  g_assert_cmpint(e - s, ==, 3600);
  /* In the repeated hour: the first 01:30 (BST), for an hour. */
  g_assert_cmpint(book_local_session(tz, "2027-10-31", "01:30", "02:30", &s, &e), ==, 0);
  g_assert_cmpint(s, ==, at("2027-10-31T01:30:00+01:00"));
  g_assert_cmpint(e, ==, at("2027-10-31T01:30:00Z"));
  /* 09:00 that day is GMT again. */
  g_assert_cmpint(book_local_session(tz, "2027-10-31", "09:00", "10:00", &s, &e), ==, 0);
  g_assert_cmpint(s, ==, at("2027-10-31T09:00:00Z"));
  /* Bad input. */
  g_assert_cmpint(book_local_session(tz, "2027-02-30", "09:00", "10:00", &s, &e), ==, -1);
  g_assert_cmpint(book_local_session(tz, "2027-03-28", "9:00", "10:00", &s, &e), ==, -1);
  g_assert_cmpint(book_local_session(tz, "2027-03-28", "09:00", "25:00", &s, &e), ==, -1);
  g_assert_cmpint(book_local_session(tz, "2027-03-28", "09:60", "10:00", &s, &e), ==, -1);
}

static void test_iso_week(void) {
  char mon[11], sun[11];
  /* Sunday 28 March ends its week; Monday 29th starts the next. */
  g_assert_cmpint(book_local_iso_week("2027-03-28", mon, sun), ==, 0);
  g_assert_cmpstr(mon, ==, "2027-03-22");
  g_assert_cmpstr(sun, ==, "2027-03-28");
  g_assert_cmpint(book_local_iso_week("2027-03-29", mon, sun), ==, 0);
  g_assert_cmpstr(mon, ==, "2027-03-29");
  g_assert_cmpstr(sun, ==, "2027-04-04");
  g_assert_cmpint(book_local_iso_week("2027-01-01", mon, sun), ==, 0); /* a Friday */
  g_assert_cmpstr(mon, ==, "2026-12-28");
  g_assert_cmpint(book_local_iso_week("nope", mon, sun), ==, -1);
}

static void test_describe_and_rfc3339(void) {
  char buf[120];
  g_assert_cmpint(book_local_describe(NULL, at("2027-03-28T08:00:00Z"), at("2027-03-28T09:00:00Z"),
                                      "en", buf, sizeof buf), ==, 0);
  g_assert_cmpstr(buf, ==, "Sunday 28 March 2027, 9am to 10am");
  g_assert_cmpint(book_local_describe("Europe/London", at("2027-10-31T13:30:00Z"),
                                      at("2027-10-31T14:00:00Z"), "cy", buf, sizeof buf), ==, 0);
  g_assert_cmpstr(buf, ==, "Dydd Sul 31 Hydref 2027, 1:30yp i 2yp");
  g_assert_cmpint(book_local_describe("Europe/London", at("2027-07-04T23:00:00Z"),
                                      at("2027-07-04T23:30:00Z"), "en", buf, sizeof buf), ==, 0);
  g_assert_cmpstr(buf, ==, "Monday 5 July 2027, midnight to 12:30am");
  g_assert_cmpint(book_local_describe("Mars/Base", 0, 0, "en", buf, sizeof buf), ==, -1);
  g_assert_cmpint(book_local_describe(NULL, 0, 0, "en", buf, 8), ==, -1);
  char r[40];
  g_assert_cmpstr(book_local_rfc3339(london(), at("2027-03-28T08:00:00Z"), r, sizeof r), ==,
                  "2027-03-28T09:00:00+01:00");
  char err[200];
  g_assert_true(book_local_zone_valid("Asia/Kolkata", err, sizeof err));
  g_assert_false(book_local_zone_valid("Mars/Base", err, sizeof err));
  g_assert_nonnull(strstr(err, "unknown time zone"));
  g_assert_false(book_local_zone_valid("", err, sizeof err));
  g_assert_cmpstr(err, ==, "a time zone name is needed");
  g_assert_cmpstr(tz_name(book_local_zone_shown("Mars/Base")), ==, "UTC");
}

/* ---- the rules, on a database ---- */

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

/* Sessions for the DST Sundays and the week after: 20 social Sunday
 * 09:00-10:00, 21 social Sunday 01:30-02:30 (in the missing / repeated
 * hour), 22 social Monday 00:30-01:30 (the first hour of an ISO week), all
 * at TST (Europe/London). */
static const char *const DST_TEMPLATES =
    "INSERT INTO session_templates(id, establishment_id, visit_type, day_of_week, start_time, "
    " end_time, open_capacity, closed_capacity, valid_from, valid_to) VALUES"
    " (20,'TST','social',7,'09:00','10:00',5,0,'2026-01-01',NULL),"
    " (21,'TST','social',7,'01:30','02:30',5,0,'2026-01-01',NULL),"
    " (22,'TST','social',1,'00:30','01:30',5,0,'2026-01-01',NULL);";

static void fx_setup(Fx *f, gconstpointer data) {
  (void)data;
  f->place = testdb_place("booking-localtime");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  testdb_exec(f->db, DST_TEMPLATES);
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static BookActor STAFF = {3, "booking_staff", "staff", "TST"};

static char last_id[BOOK_VISIT_ID_LEN];

/* Staff book a social call for prisoner with Adult One (visitor 1); "ok" or
 * the error code. */
static const char *book_at(Fx *f, int64_t prisoner, const char *slot, int64_t now) {
  static BookError e;
  BookVisitorSel vs[1] = {{1, 1}};
  BookRequest r = {.type = "social", .prisoner_id = prisoner, .slot_id = slot, .visitors = vs,
                   .n_visitors = 1, .override_vo = 1};
  last_id[0] = '\0';
  if (book_visit_create(f->db, &STAFF, &r, now, last_id, &e) == 0) return "ok";
  return e.code;
}

static int64_t visit_col(Fx *f, const char *col) {
  char *sql = g_strdup_printf("SELECT %s FROM visits WHERE id = '%s'", col, last_id);
  int64_t v = testdb_q(f->db, sql);
  g_free(sql);
  return v;
}

/* The session is held at its local wall-clock time on both DST Sundays,
 * including one in the missing hour and one in the repeated hour. */
static void test_rule_sessions_held_local(Fx *f, gconstpointer data) {
  (void)data;
  int64_t march = at("2027-03-20T12:00:00Z"), october = at("2027-10-23T12:00:00Z");
  g_assert_cmpstr(book_at(f, 5, "20:2027-03-28", march), ==, "ok");
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-03-28T09:00:00+01:00"));
  g_assert_cmpint(visit_col(f, "end_at"), ==, at("2027-03-28T10:00:00+01:00"));
  g_assert_cmpstr(book_at(f, 3, "21:2027-03-28", march), ==, "ok"); /* missing hour */
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-03-28T02:30:00+01:00"));
  g_assert_cmpint(visit_col(f, "end_at"), ==, at("2027-03-28T03:30:00+01:00"));
  g_assert_cmpstr(book_at(f, 5, "20:2027-10-31", october), ==, "ok");
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-10-31T09:00:00Z"));
  g_assert_cmpstr(book_at(f, 3, "21:2027-10-31", october), ==, "ok"); /* repeated hour */
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-10-31T01:30:00+01:00"));
  g_assert_cmpint(visit_col(f, "end_at"), ==, at("2027-10-31T01:30:00Z"));
}

/* The window's first day follows the local date: at 00:30 BST on Monday
 * 5 July (23:30Z on the 4th) the first bookable day is Thursday the 8th;
 * in UTC it would be the 7th. */
static void test_rule_window_local(Fx *f, gconstpointer data) {
  (void)data;
  testdb_exec(f->db, "INSERT INTO session_templates(id, establishment_id, visit_type, "
                     "day_of_week, start_time, end_time, open_capacity, closed_capacity, "
                     "valid_from) VALUES (23,'TST','social',3,'09:00','10:00',5,0,'2026-01-01'),"
                     "(24,'TST','social',4,'09:00','10:00',5,0,'2026-01-01')");
  int64_t now = at("2027-07-04T23:30:00Z");
  g_assert_cmpstr(book_at(f, 5, "23:2027-07-07", now), ==, "outside_booking_window");
  g_assert_cmpstr(book_at(f, 5, "24:2027-07-08", now), ==, "ok");
  /* Across the spring change: at 23:30Z on Sunday 28 March (00:30 BST on
   * the 29th) the window starts Thursday 1 April; Wednesday 31 March, which
   * UTC's today would allow, is refused. */
  now = at("2027-03-28T23:30:00Z");
  g_assert_cmpstr(book_at(f, 5, "23:2027-03-31", now), ==, "outside_booking_window");
  g_assert_cmpstr(book_at(f, 5, "24:2027-04-01", now), ==, "ok");
  /* Its last day too: max 28 from local Monday 29 March is 26 April. */
  g_assert_cmpstr(book_at(f, 3, "22:2027-04-26", now), ==, "ok");
  /* Autumn: at 23:30Z on Saturday 30 October (00:30 BST on Sunday 31st),
   * local today is the 31st: Wednesday 3 November is the first day. */
  now = at("2027-10-30T23:30:00Z");
  g_assert_cmpstr(book_at(f, 5, "23:2027-11-03", now), ==, "ok");
  g_assert_cmpstr(book_at(f, 3, "22:2027-11-01", now), ==, "outside_booking_window");
}

/* The remand limit (TST: 1 a week) counts the ISO week of the local date:
 * Monday 00:30 BST is the new week although it is still Sunday in UTC. */
static void test_rule_remand_week_local(Fx *f, gconstpointer data) {
  (void)data;
  int64_t now = at("2027-03-20T12:00:00Z");
  g_assert_cmpstr(book_at(f, 2, "20:2027-03-28", now), ==, "ok"); /* week of 22 March */
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-03-28T08:00:00Z"));
  g_assert_cmpstr(book_at(f, 2, "22:2027-03-29", now), ==, "ok"); /* 23:30Z on the 28th */
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-03-28T23:30:00Z"));
  g_assert_cmpstr(book_at(f, 2, "20:2027-04-04", now), ==, "remand_weekly_limit");
  /* The same in autumn: Sunday 31 October (BST then GMT) and Monday 1
   * November 00:30 GMT. */
  now = at("2027-10-23T12:00:00Z");
  g_assert_cmpstr(book_at(f, 2, "21:2027-10-31", now), ==, "ok");
  g_assert_cmpstr(book_at(f, 2, "20:2027-10-31", now), ==, "remand_weekly_limit");
  g_assert_cmpstr(book_at(f, 2, "22:2027-11-01", now), ==, "ok");
}

/* Another zone, and a zone the server does not know. */
static void test_rule_other_zone(Fx *f, gconstpointer data) {
  (void)data;
  /* OTH (template 7: Wednesday 14:00) in Asia/Kolkata, +05:30. */
  testdb_exec(f->db, "UPDATE establishments SET time_zone = 'Asia/Kolkata' WHERE id = 'OTH'");
  BookActor staff_oth = {11, "booking_staff", "staffoth", "OTH"};
  BookVisitorSel vs[1] = {{1, 1}};
  BookRequest r = {.type = "social", .prisoner_id = 6, .slot_id = "7:2027-03-24", .visitors = vs,
                   .n_visitors = 1};
  BookError e;
  g_assert_cmpint(book_visit_create(f->db, &staff_oth, &r, at("2027-03-20T12:00:00Z"), last_id, &e), ==, 0);
  g_assert_cmpint(visit_col(f, "start_at"), ==, at("2027-03-24T14:00:00+05:30"));
  /* A zone set behind booking's back that this machine does not know:
   * refused (503 time_zone_unavailable), nothing written. */
  testdb_exec(f->db, "UPDATE establishments SET time_zone = 'Mars/Base' WHERE id = 'TST'");
  int64_t before = testdb_q(f->db, "SELECT count(*) FROM visits");
  BookVisitorSel v1[1] = {{1, 1}};
  BookRequest r2 = {.type = "social", .prisoner_id = 5, .slot_id = "20:2027-03-28", .visitors = v1,
                    .n_visitors = 1};
  g_assert_cmpint(book_visit_create(f->db, &STAFF, &r2, at("2027-03-20T12:00:00Z"), last_id, &e), ==, -1);
  g_assert_cmpint(e.http, ==, 503);
  g_assert_cmpstr(e.code, ==, "time_zone_unavailable");
  g_assert_cmpint(testdb_q(f->db, "SELECT count(*) FROM visits"), ==, before);
}

/* A restriction's "in force today" is the prisoner's establishment's
 * local date: a BAN starting on a date that is still tomorrow in UTC but
 * today in London takes the visitor out of the prisoner's calls now (an
 * end-call decision for each booked call); one starting the day after
 * does not. */
static void test_rule_ban_today_local(Fx *f, gconstpointer data) {
  (void)data;
  BookError e;
  BookVisitorSel vs[2] = {{10, 1}, {11, 0}};
  BookRequest r = {.type = "social", .prisoner_id = 1, .slot_id = "20:2027-07-11", .visitors = vs,
                   .n_visitors = 2, .override_vo = 1};
  g_assert_cmpint(book_visit_create(f->db, &STAFF, &r, at("2027-07-01T12:00:00Z"), last_id, &e), ==, 0);
  const char *q = "SELECT count(*) FROM call_decisions";
  int64_t before = testdb_q(f->db, q);
  /* 23:30Z on 1 July 2027 is 00:30 BST on the 2nd. */
  int64_t now = at("2027-07-01T23:30:00Z");
  g_assert_cmpint(book_contact_add_restriction(f->db, &STAFF, 1, 10, "BAN", "2027-07-02", NULL,
                                               "test", now, &e), ==, 0);
  g_assert_cmpint(testdb_q(f->db, q), ==, before + 1);
  g_assert_cmpint(book_contact_add_restriction(f->db, &STAFF, 1, 11, "BAN", "2027-07-03", NULL,
                                               "test", now, &e), ==, 0);
  g_assert_cmpint(testdb_q(f->db, q), ==, before + 1);
  /* The prisoner's establishment with an unknown zone: refused whole. */
  testdb_exec(f->db, "UPDATE establishments SET time_zone = 'Mars/Base' WHERE id = 'TST'");
  g_assert_cmpint(book_contact_add_restriction(f->db, &STAFF, 1, 11, "BAN", "2027-07-02", NULL,
                                               "test", now, &e), ==, -1);
  g_assert_cmpint(e.http, ==, 503);
  g_assert_cmpint(testdb_q(f->db, "SELECT count(*) FROM audit_log WHERE action = "
                                  "'contact_restriction_added'"), ==, 2);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
  g_test_add_func("/localtime/today", test_today);
  g_test_add_func("/localtime/window", test_window);
  g_test_add_func("/localtime/sessions_gap_and_fold", test_sessions);
  g_test_add_func("/localtime/iso_week", test_iso_week);
  g_test_add_func("/localtime/describe_and_rfc3339", test_describe_and_rfc3339);
#define T(name, fn) g_test_add("/localtime/rule/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("sessions_held_local_on_dst_sundays", test_rule_sessions_held_local);
  T("window_counts_local_days", test_rule_window_local);
  T("remand_limit_local_iso_week", test_rule_remand_week_local);
  T("other_zone_and_unknown_zone", test_rule_other_zone);
  T("ban_in_force_local_today", test_rule_ban_today_local);
  return g_test_run();
}
