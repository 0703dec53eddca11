/* Booking rules, one test per rule, against a real database migrated with
 * the real migrations: a sqlite file, or PostgreSQL with PARLOUR_DB_ENGINE=pg
 * (booking_testdb.h; scripts/run-tests runs both). "now" is fixed: Monday 2026-11-23 10:00 UTC, so the
 * booking window (min 2, max 28 days) runs from Thursday 2026-11-26 to
 * Monday 2026-12-21. */
#include <glib.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "book_db.h"
#include "booking_testdb.h"
#include "book_rules.h"
#include "book_vo.h"
#include "log.h"
#include "timeutil.h"


#include "booking_rules_fixture.h"

/* A prisoner's visiting-order balance (the ledger, book_vo.h). */
#define BAL(id) "SELECT " BOOK_VO_BALANCE_SQL " FROM prisoners p WHERE p.id=" #id
#define VOS(id) "SELECT count(*) FROM visiting_orders WHERE prisoner_id=" #id \
  " AND kind='VO' AND status IN ('available','accumulated')"

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static BookActor actor(sqlite3_int64 id, const char *role, const char *name, const char *est) {
  BookActor a = {id, role, name, est};
  return a;
}
#define FAM1 actor(1, "family", "fam1", NULL)
#define FAM2 actor(2, "family", "fam2", NULL)
#define STAFF actor(3, "booking_staff", "staff", "TST")
#define LEGAL actor(4, "legal_adviser", "legal", NULL)
#define CLIN actor(5, "clinician", "clin", "TST")
#define OFFICER actor(6, "probation_officer", "officer", NULL)
#define LEGAL2 actor(7, "legal_adviser", "legal2", NULL)
#define PRIS1 actor(8, "prisoner", "pris1", NULL)
#define MONITOR actor(9, "monitor", "monitor", "TST")
#define STAFF_OTH actor(11, "booking_staff", "staffoth", "OTH")

static void fx_setup(Fx *f, gconstpointer data) {
  (void)data;
  f->place = testdb_place("booking-rules");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  /* the fixture's rows carry their ids */
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

/* Books and returns "ok" or the error code (static buffer). visitors: "1*,2"
 * where * marks the main contact. */
static char last_id[BOOK_VISIT_ID_LEN];
static const char *bookx(Fx *f, BookActor a, const char *type, sqlite3_int64 prisoner,
                         const char *slot, const char *visitors, int override, int64_t now) {
  static BookError e;
  BookVisitorSel vs[20];
  size_t n = 0;
  if (visitors && *visitors) {
    gchar **parts = g_strsplit(visitors, ",", -1);
    for (gchar **p = parts; *p && n < 20; p++, n++) {
      vs[n].visitor_id = g_ascii_strtoll(*p, NULL, 10);
      vs[n].main_contact = strchr(*p, '*') != NULL;
    }
    g_strfreev(parts);
  }
  BookRequest r = {.type = type, .prisoner_id = prisoner, .slot_id = slot,
                   .visitors = vs, .n_visitors = n, .override_vo = override};
  last_id[0] = '\0';
  if (book_visit_create(f->db, &a, &r, now, last_id, &e) == 0) return "ok";
  return e.code;
}
#define book(f, a, type, p, slot, vis) bookx(f, a, type, p, slot, vis, 0, NOW)

static sqlite3_int64 q(Fx *f, const char *sql) { return testdb_q(f->db, sql); }
static sqlite3_int64 qv(Fx *f, const char *fmt, const char *id) {
  char *sql = g_strdup_printf(fmt, id);
  sqlite3_int64 v = q(f, sql);
  g_free(sql);
  return v;
}

/* ---- the tests ---- */

static void t_happy_social(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-02", "1*,2"), ==, "ok");
  g_assert_cmpint(strlen(last_id), ==, 32);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM visits WHERE id='%s' AND status='booked' AND "
                        "restriction='open' AND vo_used=1", last_id), ==, 1);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM visit_visitors WHERE visit_id='%s'", last_id), ==, 2);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM audit_log WHERE visit_id='%s' AND action='booked' "
                        "AND actor='fam1'", last_id), ==, 1);
  g_assert_cmpint(q(f, BAL(1)), ==, 1);
  g_assert_cmpint(q(f, "SELECT start_at FROM visits"), ==, 1795428000LL + 9 * 86400 + 4 * 3600);
}

static void t_not_approved_contact(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-02", "1,8"), ==, "not_approved_contact");
  g_assert_cmpstr(book(f, STAFF, "social", 1, "1:2026-12-02", "1,999"), ==, "not_approved_contact");
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits"), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log"), ==, 0);
}

static void t_no_date_of_birth(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-02", "1,3"), ==, "no_date_of_birth");
}

static void t_not_social_contact(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, STAFF, "social", 1, "1:2026-12-02", "6"), ==, "not_social_contact");
}

static void t_legal(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, LEGAL, "legal", 1, "2:2026-12-02", "6"), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT professional_user_id FROM visits WHERE id='%s'", last_id), ==, 4);
  g_assert_cmpint(q(f, BAL(1)), ==, 2); /* no VO used */
  g_assert_cmpstr(book(f, LEGAL2, "legal", 1, "2:2026-12-16", "7"), ==,
                  "not_verified_legal_adviser");
  g_assert_cmpstr(book(f, STAFF, "legal", 1, "2:2026-12-16", "1"), ==,
                  "not_verified_legal_adviser");
  /* a legal adviser books only for themselves */
  g_assert_cmpstr(book(f, LEGAL2, "legal", 1, "2:2026-12-16", "6"), ==, "forbidden");
  /* families cannot book legal calls; legal advisers cannot book social ones */
  g_assert_cmpstr(book(f, FAM1, "legal", 1, "2:2026-12-16", "6"), ==, "forbidden");
  g_assert_cmpstr(book(f, LEGAL, "social", 1, "1:2026-12-16", "6"), ==, "forbidden");
  /* a social slot cannot hold a legal call */
  g_assert_cmpstr(book(f, LEGAL, "legal", 1, "1:2026-12-16", "6"), ==, "slot_wrong_type");
}

static void t_banned(Fx *f, gconstpointer d) {
  (void)d;
  /* ban with no expiry: every date */
  g_assert_cmpstr(book(f, FAM2, "social", 1, "4:2026-11-26", "4"), ==, "visitor_banned");
  g_assert_cmpstr(book(f, FAM2, "social", 1, "4:2026-12-17", "4"), ==, "visitor_banned");
  /* ban until 2026-12-01: banned on 11-26, free on 12-03 */
  g_assert_cmpstr(book(f, FAM2, "social", 1, "4:2026-11-26", "5"), ==, "visitor_banned");
  g_assert_cmpstr(book(f, FAM2, "social", 1, "4:2026-12-03", "5"), ==, "ok");
  /* one banned visitor among others blocks the booking */
  g_assert_cmpstr(book(f, STAFF, "social", 1, "4:2026-12-10", "1,4"), ==, "visitor_banned");
}

static void t_closed(Fx *f, gconstpointer d) {
  (void)d;
  /* a CLOSED visitor makes the call closed and uses closed capacity */
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-02", "9"), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT restriction='closed' FROM visits WHERE id='%s'", last_id), ==, 1);
  /* a CLOSED prisoner: closed capacity (1) is used up, open (1) is not used */
  g_assert_cmpstr(book(f, FAM1, "social", 4, "1:2026-12-02", "1"), ==, "slot_full");
  g_assert_cmpstr(book(f, FAM1, "social", 4, "1:2026-12-16", "1"), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT restriction='closed' FROM visits WHERE id='%s'", last_id), ==, 1);
  /* the open place of 12-02 is still free for an open call */
  g_assert_cmpstr(book(f, FAM1, "social", 3, "1:2026-12-02", "1"), ==, "no_vo_balance");
  g_assert_cmpstr(book(f, FAM1, "social", 2, "1:2026-12-02", "1"), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT restriction='open' FROM visits WHERE id='%s'", last_id), ==, 1);
}

static void t_visitor_mix(Fx *f, gconstpointer d) {
  (void)d;
  const char *s = "4:2026-12-03";
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, ""), ==, "no_visitors");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "1,2,10,12"), ==, "too_many_visitors");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "1,10,11"), ==, "too_many_adults");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "2,12,13"), ==, "too_many_children");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "2,12"), ==, "no_adult");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "1*,10*"), ==, "multiple_main_contacts");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "1,2*"), ==, "main_contact_not_adult");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "1,1"), ==, "duplicate_visitor");
  /* a family books only for the people on its own account, and an unknown id
   * gets the same answer as someone else's */
  g_assert_cmpstr(book(f, FAM2, "social", 1, s, "1"), ==, "not_your_visitor");
  g_assert_cmpstr(book(f, FAM2, "social", 1, s, "5,1"), ==, "not_your_visitor");
  g_assert_cmpstr(book(f, FAM2, "social", 1, s, "5,9999"), ==, "not_your_visitor");
  /* adult age is judged on the visit date: 18 on 2026-12-01 */
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-11-26", "14"), ==, "no_adult");
  g_assert_cmpstr(book(f, FAM1, "social", 1, s, "14"), ==, "ok");
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits"), ==, 1);
  /* three visitors, one main contact, is fine and counts one call */
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-10", "1*,10,2"), ==, "ok");
}

static void t_window(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-11-25", "1"), ==, "outside_booking_window");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-23", "1"), ==, "outside_booking_window");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-11-26", "1"), ==, "ok"); /* first day */
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-16", "1"), ==, "ok");
  /* the window is data: with max 7 days, 12-16 is refused */
  testdb_exec(f->db, "UPDATE establishments SET max_days = 7 WHERE id='TST'");
  g_assert_cmpstr(book(f, FAM1, "social", 4, "1:2026-12-16", "1"), ==, "outside_booking_window");
  /* min > max is refused by the schema */
  g_assert_cmpint(testdb_try(f->db, "UPDATE establishments SET min_days = 9 WHERE id='TST'"), !=, 0);
}

static void t_slots(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-09", "1"), ==, "date_excluded");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-03", "1"), ==, "slot_not_found");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "5:2026-12-02", "1"), ==, "slot_not_found");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "99:2026-12-02", "1"), ==, "slot_not_found");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "7:2026-12-02", "1"), ==, "slot_not_found");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-02-30", "1"), ==, "invalid_field");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "x:2026-12-02", "1"), ==, "invalid_field");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "6:2026-12-03", "1"), ==, "too_long");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "5:2026-11-25", "1"), ==, "outside_booking_window");
}

static void t_capacity(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-02", "1,10,2"), ==, "ok");
  g_assert_cmpstr(book(f, FAM1, "social", 5, "1:2026-12-02", "1"), ==, "slot_full");
  /* a cancelled call frees its place */
  BookActor a = FAM1;
  BookError e;
  char id[BOOK_VISIT_ID_LEN];
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-16", "1"), ==, "ok");
  g_strlcpy(id, last_id, sizeof id);
  g_assert_cmpstr(book(f, FAM1, "social", 5, "1:2026-12-16", "1"), ==, "slot_full");
  g_assert_cmpint(book_visit_cancel(f->db, &a, id, "ill", NOW, &e), ==, 0);
  g_assert_cmpstr(book(f, FAM1, "social", 5, "1:2026-12-16", "1"), ==, "ok");
}

static void t_double_booked(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  g_assert_cmpstr(book(f, STAFF, "social", 1, "4:2026-12-03", "10"), ==, "prisoner_double_booked");
}

static void t_non_association(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  g_assert_cmpstr(book(f, FAM1, "social", 5, "4:2026-12-03", "1"), ==, "non_association_conflict");
  /* the same day, another slot: still refused; another day is fine */
  g_assert_cmpstr(book(f, CLIN, "telemedicine", 5, "3:2026-12-03", ""), ==,
                  "non_association_conflict");
  g_assert_cmpstr(book(f, FAM1, "social", 5, "4:2026-12-10", "1"), ==, "ok");
}

static void t_vo_balance(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 3, "4:2026-12-03", "1"), ==, "no_vo_balance");
  g_assert_cmpstr(bookx(f, FAM1, "social", 3, "4:2026-12-03", "1", 1, NOW), ==, "forbidden");
  g_assert_cmpstr(bookx(f, STAFF, "social", 3, "4:2026-12-03", "1", 1, NOW), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT count(*) FROM audit_log WHERE visit_id='%s' AND "
                        "action='vo_override' AND actor='staff'", last_id), ==, 1);
  g_assert_cmpint(q(f, BAL(3)), ==, -1);
  /* two VOs: two calls, the third refused */
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-10", "1"), ==, "ok");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-17", "1"), ==, "no_vo_balance");
  /* allocation tops convicted prisoners up once a period */
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  g_assert_cmpint(q(f, BAL(1)), ==, 2);
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 86400), ==, 0);
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 28 * 86400), >=, 1);
  g_assert_cmpint(q(f, BAL(1)), ==, 4);
  g_assert_cmpint(q(f, BAL(2)), ==, 0); /* remand */
  /* unused VOs accumulate up to 26: the oldest accumulated ones expire and
   * fewer are issued; an opening balance set by hand (30, issued today) is
   * kept until it is 28 days old. Standard level: plus one live PVO. */
  testdb_exec(f->db, "UPDATE prisoners SET vo_balance = 25 WHERE id = 1; UPDATE prisoners "
               "SET vo_balance = 30 WHERE id = 4");
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 56 * 86400), >=, 1);
  g_assert_cmpint(q(f, VOS(1)), ==, 26);
  g_assert_cmpint(q(f, BAL(1)), ==, 27);
  g_assert_cmpint(q(f, VOS(4)), ==, 30);
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 84 * 86400), >=, 1);
  g_assert_cmpint(q(f, VOS(4)), ==, 26);
}

static void t_remand_limit(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 2, "1:2026-12-02", "1"), ==, "ok");
  g_assert_cmpstr(book(f, FAM1, "social", 2, "4:2026-12-03", "1"), ==, "remand_weekly_limit");
  g_assert_cmpstr(book(f, FAM1, "social", 2, "4:2026-12-10", "1"), ==, "ok");
}

static void t_cancel_amend(Fx *f, gconstpointer d) {
  (void)d;
  BookActor fam1 = FAM1, fam2 = FAM2, staff = STAFF, pris = PRIS1;
  BookError e;
  char id[BOOK_VISIT_ID_LEN];
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  g_strlcpy(id, last_id, sizeof id);
  g_assert_cmpint(q(f, BAL(1)), ==, 1);
  /* another family cannot see it, so cannot cancel it */
  g_assert_cmpint(book_visit_cancel(f->db, &fam2, id, "x", NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "not_found");
  g_assert_cmpint(book_visit_cancel(f->db, &pris, id, "x", NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
  /* amend: move to a slot, then to a full one (refused, nothing changes) */
  g_assert_cmpint(book_visit_amend(f->db, &fam1, id, "1:2026-12-02", NULL, 0, 0, NOW, &e), ==, 0);
  g_assert_cmpint(qv(f, "SELECT template_id FROM visits WHERE id='%s'", id), ==, 1);
  g_assert_cmpstr(book(f, FAM1, "social", 4, "1:2026-12-16", "1"), ==, "ok"); /* closed */
  g_assert_cmpstr(book(f, FAM1, "social", 2, "1:2026-12-16", "1"), ==, "ok"); /* open */
  g_assert_cmpint(book_visit_amend(f->db, &staff, id, "1:2026-12-16", NULL, 0, 0, NOW, &e), ==,
                  -1);
  g_assert_cmpstr(e.code, ==, "slot_full");
  /* with a CLOSED visitor the call would be closed: closed capacity of 12-16 is used */
  BookVisitorSel vs[] = {{9, 0}};
  g_assert_cmpint(book_visit_amend(f->db, &fam1, id, "1:2026-12-16", vs, 1, 1, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "slot_full");
  BookVisitorSel vs2[] = {{1, 1}, {2, 0}};
  g_assert_cmpint(book_visit_amend(f->db, &fam1, id, NULL, vs2, 2, 1, NOW, &e), ==, 0);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM visit_visitors WHERE visit_id='%s'", id), ==, 2);
  BookVisitorSel vs3[] = {{1, 0}, {4, 0}};
  g_assert_cmpint(book_visit_amend(f->db, &fam1, id, NULL, vs3, 2, 1, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "not_your_visitor");
  g_assert_cmpint(book_visit_amend(f->db, &staff, id, NULL, vs3, 2, 1, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "visitor_banned");
  g_assert_cmpint(qv(f, "SELECT count(*) FROM visit_visitors WHERE visit_id='%s' AND "
                        "visitor_id=2", id), ==, 1);
  /* not after the start */
  int64_t start = qv(f, "SELECT start_at FROM visits WHERE id='%s'", id);
  g_assert_cmpint(book_visit_amend(f->db, &fam1, id, "4:2026-12-10", NULL, 0, 0, start, &e), ==,
                  -1);
  g_assert_cmpstr(e.code, ==, "visit_started");
  g_assert_cmpint(book_visit_cancel(f->db, &fam1, id, "x", start + 1, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "visit_started");
  /* cancel: refunds the VO; twice is an error */
  g_assert_cmpint(book_visit_cancel(f->db, &fam1, id, "changed plans", NOW, &e), ==, 0);
  g_assert_cmpint(q(f, BAL(1)), ==, 2);
  g_assert_cmpint(book_visit_cancel(f->db, &fam1, id, "again", NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "already_cancelled");
  g_assert_cmpint(e.http, ==, 409);
  g_assert_cmpint(q(f, BAL(1)), ==, 2);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM audit_log WHERE visit_id='%s' AND action <> "
                        "'call_decision'", id), ==, 4);
  /* the move and the cancel each ended the call (book_decisions.h) */
  g_assert_cmpint(qv(f, "SELECT count(*) FROM call_decisions WHERE visit_id='%s' AND action = "
                        "'end_call' AND reason IN ('visit_rescheduled','visit_cancelled')", id),
                  ==, 2);
}

static void t_terminate(Fx *f, gconstpointer d) {
  (void)d;
  BookActor fam1 = FAM1, mon = MONITOR, oth = STAFF_OTH;
  BookError e;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  int64_t start = qv(f, "SELECT start_at FROM visits WHERE id='%s'", last_id);
  g_assert_cmpint(book_visit_terminate(f->db, &fam1, last_id, "x", start + 60, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
  g_assert_cmpint(book_visit_terminate(f->db, &oth, last_id, "x", start + 60, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "not_found");
  g_assert_cmpint(book_visit_terminate(f->db, &mon, last_id, "rule broken", start + 60, &e), ==, 0);
  g_assert_cmpint(qv(f, "SELECT status='terminated' AND status_reason='rule broken' FROM visits "
                        "WHERE id='%s'", last_id), ==, 1);
  g_assert_cmpint(book_visit_terminate(f->db, &mon, last_id, "again", start + 60, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "invalid_state");
}

static void t_telemedicine(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, CLIN, "telemedicine", 1, "3:2026-12-03", ""), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT professional_user_id FROM visits WHERE id='%s'", last_id), ==, 5);
  g_assert_cmpstr(book(f, CLIN, "telemedicine", 1, "3:2026-12-10", "1"), ==, "too_many_visitors");
  g_assert_cmpstr(book(f, CLIN, "telemedicine", 6, "3:2026-12-10", ""), ==, "not_found");
  g_assert_cmpstr(book(f, STAFF, "telemedicine", 1, "3:2026-12-10", ""), ==, "missing_field");
  g_assert_cmpstr(book(f, FAM1, "telemedicine", 1, "3:2026-12-10", ""), ==, "forbidden");
}

static void t_probation(Fx *f, gconstpointer d) {
  (void)d;
  BookActor off = OFFICER;
  BookError e;
  char id[BOOK_VISIT_ID_LEN];
  BookRequest r = {.type = "probation", .probationer_id = 1, .start = NOW + 3600,
                   .end = NOW + 2 * 3600};
  g_assert_cmpint(book_visit_create(f->db, &off, &r, NOW, id, &e), ==, 0);
  g_assert_cmpint(book_visit_create(f->db, &off, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "overlapping_visit");
  r.probationer_id = 2; /* not this officer's case */
  g_assert_cmpint(book_visit_create(f->db, &off, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "not_found");
  r.probationer_id = 1;
  r.start = NOW - 60;
  g_assert_cmpint(book_visit_create(f->db, &off, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "bad_time_range");
  r.start = NOW + 86400;
  r.end = r.start - 1;
  g_assert_cmpint(book_visit_create(f->db, &off, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "bad_time_range");
  r.end = r.start + 61 * 60;
  g_assert_cmpint(book_visit_create(f->db, &off, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "too_long");
  BookActor staff = STAFF;
  r.end = r.start + 1800;
  g_assert_cmpint(book_visit_create(f->db, &staff, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
}

static void t_visibility(Fx *f, gconstpointer d) {
  (void)d;
  BookActor fam1 = FAM1, fam2 = FAM2, staff = STAFF, oth = STAFF_OTH, pris = PRIS1, legal = LEGAL;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  g_assert_true(book_visit_visible(f->db, &fam1, last_id));
  g_assert_true(book_visit_visible(f->db, &staff, last_id));
  g_assert_true(book_visit_visible(f->db, &pris, last_id));
  g_assert_false(book_visit_visible(f->db, &fam2, last_id));
  g_assert_false(book_visit_visible(f->db, &oth, last_id));
  g_assert_false(book_visit_visible(f->db, &legal, last_id));
  g_assert_true(book_prisoner_visible(f->db, &fam1, 1));
  g_assert_false(book_prisoner_visible(f->db, &fam2, 2));
  g_assert_false(book_prisoner_visible(f->db, &pris, 2));
  g_assert_false(book_prisoner_visible(f->db, &oth, 1));
  g_assert_true(book_prisoner_visible(f->db, &legal, 5));
  g_assert_false(book_prisoner_visible(f->db, &legal, 2));
}

static void t_sweep(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  int64_t end = qv(f, "SELECT end_at FROM visits WHERE id='%s'", last_id);
  g_assert_cmpint(book_visits_sweep(f->db, end - 1), ==, 0);
  g_assert_cmpint(book_visits_sweep(f->db, end), ==, 1);
  g_assert_cmpint(qv(f, "SELECT status='missed' FROM visits WHERE id='%s'", last_id), ==, 1);
  /* a request nobody decided on lapses at the start, its VO given back */
  testdb_exec(f->db, "UPDATE establishments SET approve_public_bookings = 1");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-10", "1"), ==, "ok");
  g_assert_cmpint(q(f, BAL(1)), ==, 0);
  int64_t start = qv(f, "SELECT start_at FROM visits WHERE id='%s'", last_id);
  g_assert_cmpint(book_visits_sweep(f->db, start - 1), ==, 0);
  g_assert_cmpint(book_visits_sweep(f->db, start), ==, 1);
  g_assert_cmpint(qv(f, "SELECT status='cancelled' FROM visits WHERE id='%s'", last_id), ==, 1);
  g_assert_cmpint(q(f, BAL(1)), ==, 1);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM audit_log WHERE visit_id='%s' AND "
                        "action='request_lapsed'", last_id), ==, 1);
}

static void t_requested_flow(Fx *f, gconstpointer d) {
  (void)d;
  BookActor fam1 = FAM1, staff = STAFF, mon = MONITOR;
  BookError e;
  testdb_exec(f->db, "UPDATE establishments SET approve_public_bookings = 1");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "1:2026-12-02", "1"), ==, "ok");
  char id[BOOK_VISIT_ID_LEN];
  g_strlcpy(id, last_id, sizeof id);
  g_assert_cmpint(qv(f, "SELECT status='requested' FROM visits WHERE id='%s'", id), ==, 1);
  /* a request holds its place */
  g_assert_cmpstr(book(f, STAFF, "social", 2, "1:2026-12-02", "1"), ==, "slot_full");
  /* staff bookings are booked at once */
  g_assert_cmpstr(book(f, STAFF, "social", 1, "4:2026-12-03", "1"), ==, "ok");
  g_assert_cmpint(qv(f, "SELECT status='booked' FROM visits WHERE id='%s'", last_id), ==, 1);
  g_assert_cmpint(book_visit_decide(f->db, &fam1, id, 1, NULL, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
  g_assert_cmpint(book_visit_decide(f->db, &mon, id, 1, NULL, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
  g_assert_cmpint(book_visit_decide(f->db, &staff, id, 1, NULL, NOW, &e), ==, 0);
  g_assert_cmpint(qv(f, "SELECT status='booked' FROM visits WHERE id='%s'", id), ==, 1);
  g_assert_cmpint(book_visit_decide(f->db, &staff, id, 1, NULL, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "invalid_state");
  /* reject: cancelled with the reason, VO given back */
  g_assert_cmpstr(book(f, FAM1, "social", 4, "1:2026-12-16", "1"), ==, "ok");
  g_strlcpy(id, last_id, sizeof id);
  g_assert_cmpint(q(f, BAL(4)), ==, 4);
  g_assert_cmpint(book_visit_decide(f->db, &staff, id, 0, "no staff that day", NOW, &e), ==, 0);
  g_assert_cmpint(qv(f, "SELECT status='cancelled' AND status_reason='no staff that day' FROM "
                        "visits WHERE id='%s'", id), ==, 1);
  g_assert_cmpint(q(f, BAL(4)), ==, 5);
  g_assert_cmpint(qv(f, "SELECT count(*) FROM audit_log WHERE visit_id='%s' AND action IN "
                        "('requested','rejected')", id), ==, 2);
  g_assert_cmpint(book_visit_decide(f->db, &staff, id, 1, NULL, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "already_cancelled");
}

static void t_contacts_by_staff(Fx *f, gconstpointer d) {
  (void)d;
  BookActor staff = STAFF, fam1 = FAM1, oth = STAFF_OTH;
  BookError e;
  /* approving visitor 8 makes them bookable */
  g_assert_cmpstr(book(f, STAFF, "social", 1, "4:2026-12-03", "8"), ==, "not_approved_contact");
  g_assert_cmpint(book_contact_set_approved(f->db, &fam1, 1, 8, 1, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
  g_assert_cmpint(book_contact_set_approved(f->db, &oth, 1, 8, 1, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "not_found");
  g_assert_cmpint(book_contact_set_approved(f->db, &staff, 1, 999, 1, NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "not_found");
  g_assert_cmpint(book_contact_set_approved(f->db, &staff, 1, 8, 1, NOW, &e), ==, 0);
  g_assert_cmpstr(book(f, STAFF, "social", 1, "4:2026-12-03", "8"), ==, "ok");
  /* a ban from 2026-12-05 to 2026-12-12 blocks 12-10 but not 12-17 */
  g_assert_cmpint(book_contact_add_restriction(f->db, &staff, 1, 10, "BAN", "2026-12-05",
                                               "2026-12-12", "smuggling", NOW, &e), ==, 0);
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-10", "10"), ==, "visitor_banned");
  g_assert_cmpstr(book(f, FAM1, "social", 1, "4:2026-12-17", "10"), ==, "ok");
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action IN ('contact_approved', "
                       "'contact_restriction_added') AND actor='staff'"), ==, 2);
  g_assert_cmpint(book_contact_add_restriction(f->db, &staff, 1, 10, "BAN", "2026-12-05",
                                               "2026-12-01", "x", NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "bad_date_range");
  g_assert_cmpint(book_contact_add_restriction(f->db, &staff, 1, 10, "HUG", "2026-12-05", NULL,
                                               "x", NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "invalid_field");
  g_assert_cmpint(book_contact_add_restriction(f->db, &staff, 1, 10, "BAN", "2026-13-05", NULL,
                                               "x", NOW, &e), ==, -1);
  g_assert_cmpstr(e.field, ==, "start_date");
  g_assert_cmpint(book_contact_add_restriction(f->db, &fam1, 1, 10, "BAN", "2026-12-05", NULL,
                                               "x", NOW, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
  /* withdrawing approval blocks new bookings */
  g_assert_cmpint(book_contact_set_approved(f->db, &staff, 1, 8, 0, NOW, &e), ==, 0);
  g_assert_cmpstr(book(f, STAFF, "social", 1, "4:2026-12-10", "8"), ==, "not_approved_contact");
}

/* Two threads, each with its own connection, race for the last place. */
typedef struct {
  const char *target;
  sqlite3_int64 prisoner;
  int ok;
  char code[48];
  GMutex *m;
  GCond *c;
  int *go;
  int *ready; /* racers parked at the start line */
} Racer;

static void *racer(void *p) {
  Racer *r = p;
  char err[256];
  BookDb *db = book_db_open_engine(testdb_engine(), r->target, err, sizeof err);
  g_assert_nonnull(db);
  g_mutex_lock(r->m);
  (*r->ready)++;
  g_cond_broadcast(r->c);
  while (!*r->go) g_cond_wait(r->c, r->m);
  g_mutex_unlock(r->m);
  BookActor a = STAFF;
  BookVisitorSel vs[] = {{1, 0}};
  BookRequest req = {.type = "social", .prisoner_id = r->prisoner, .slot_id = "1:2026-12-02",
                     .visitors = vs, .n_visitors = 1};
  BookError e;
  char id[BOOK_VISIT_ID_LEN];
  r->ok = book_visit_create(db, &a, &req, NOW, id, &e) == 0;
  g_strlcpy(r->code, r->ok ? "ok" : e.code, sizeof r->code);
  book_db_free(db);
  return NULL;
}

static void t_race_last_place(Fx *f, gconstpointer d) {
  (void)d;
  for (int round = 0; round < 20; round++) {
    /* A fresh slot date each round: 2026-12-02 .. only one; cancel in between. */
    testdb_exec(f->db, "UPDATE visits SET status='cancelled'");
    GMutex m;
    GCond c;
    g_mutex_init(&m);
    g_cond_init(&c);
    int go = 0, ready = 0;
    Racer r1 = {f->place.target, 4 + 1, 0, "", &m, &c, &go, &ready}; /* prisoner 5 */
    Racer r2 = {f->place.target, 1, 0, "", &m, &c, &go, &ready};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, racer, &r1);
    pthread_create(&t2, NULL, racer, &r2);
    /* Both open their database and park, then start together. */
    g_mutex_lock(&m);
    while (ready < 2) g_cond_wait(&c, &m);
    go = 1;
    g_cond_broadcast(&c);
    g_mutex_unlock(&m);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    g_assert_cmpint(r1.ok + r2.ok, ==, 1);
    g_assert_cmpstr(r1.ok ? r2.code : r1.code, ==, "slot_full");
    g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE status='booked'"), ==, 1);
    g_mutex_clear(&m);
    g_cond_clear(&c);
    /* VO balances: give them back so every round starts equal */
    testdb_exec(f->db, "UPDATE prisoners SET vo_balance = 5");
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
#define T(name, fn) g_test_add("/booking/rules/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("happy_social", t_happy_social);
  T("not_approved_contact", t_not_approved_contact);
  T("no_date_of_birth", t_no_date_of_birth);
  T("not_social_contact", t_not_social_contact);
  T("legal_needs_verified_adviser", t_legal);
  T("visitor_banned", t_banned);
  T("closed_restriction_uses_closed_capacity", t_closed);
  T("visitor_mix", t_visitor_mix);
  T("booking_window", t_window);
  T("slots_excluded_and_unknown", t_slots);
  T("capacity_counts_calls", t_capacity);
  T("prisoner_double_booked", t_double_booked);
  T("non_association", t_non_association);
  T("vo_balance_and_override", t_vo_balance);
  T("remand_weekly_limit", t_remand_limit);
  T("cancel_and_amend", t_cancel_amend);
  T("terminate_by_staff", t_terminate);
  T("telemedicine", t_telemedicine);
  T("probation", t_probation);
  T("visibility", t_visibility);
  T("sweep_missed", t_sweep);
  T("requested_approve_reject", t_requested_flow);
  T("contacts_approved_and_restricted_by_staff", t_contacts_by_staff);
  T("race_for_last_place", t_race_last_place);
  return g_test_run();
}
