/* The visiting-order ledger through the database (booking/book_vo*.c) on a
 * real sqlite file or PostgreSQL (PARLOUR_DB_ENGINE=pg): the accrual job
 * (idempotent, also with two connections racing), bookings taking the
 * oldest PVO then VO as the template allows, refunds (the same order, or a
 * fresh PVO once it expired), staff adjustments and their refusals, the
 * opening balance moved in, the append-only history. NOW is the fixture's
 * Monday 2026-11-23T10:00Z. */
#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "book_db.h"
#include "book_rules.h"
#include "book_vo.h"
#include "booking_testdb.h"
#include "log.h"

#include "booking_rules_fixture.h"

#define DAY 86400LL
#define BAL(id) "SELECT " BOOK_VO_BALANCE_SQL " FROM prisoners p WHERE p.id=" #id
#define LIVE(id, kind)                                                           \
  "SELECT count(*) FROM visiting_orders WHERE prisoner_id=" #id " AND kind='" kind \
  "' AND status IN ('available','accumulated')"

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static BookActor actor(int64_t id, const char *role, const char *name, const char *est) {
  BookActor a = {id, role, name, est};
  return a;
}
#define FAM1 actor(1, "family", "fam1", NULL)
#define STAFF actor(3, "booking_staff", "staff", "TST")
#define MONITOR actor(9, "monitor", "monitor", "TST")
#define STAFF_OTH actor(11, "booking_staff", "staffoth", "OTH")

static void fx_setup(Fx *f, gconstpointer data) {
  (void)data;
  f->place = testdb_place("booking-vo");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static int64_t q(Fx *f, const char *sql) { return testdb_q(f->db, sql); }

static char last_id[BOOK_VISIT_ID_LEN];
static const char *book_at(Fx *f, BookActor a, int64_t prisoner, const char *slot, int override,
                           int64_t now) {
  static BookError e;
  BookVisitorSel vs[] = {{1, 1}};
  BookRequest r = {.type = "social", .prisoner_id = prisoner, .slot_id = slot, .visitors = vs,
                   .n_visitors = 1, .override_vo = override};
  last_id[0] = '\0';
  if (book_visit_create(f->db, &a, &r, now, last_id, &e) == 0) return "ok";
  return e.code;
}

static const char *used_kind(Fx *f, const char *visit) {
  static char kind[8];
  char *sql = g_strdup_printf("SELECT kind FROM visiting_orders WHERE visit_id='%s'", visit);
  char *k = testdb_qs(f->db, sql);
  g_strlcpy(kind, k ? k : "none", sizeof kind);
  g_free(k);
  g_free(sql);
  return kind;
}

/* ---- accrual ---- */

static void t_accrual_idempotent(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  int64_t orders = q(f, "SELECT count(*) FROM visiting_orders");
  int64_t hist = q(f, "SELECT count(*) FROM vo_history");
  /* the opening balance (2) moved in, then 1 VO + 1 PVO (standard level) */
  g_assert_cmpint(q(f, LIVE(1, "VO")), ==, 3);
  g_assert_cmpint(q(f, LIVE(1, "PVO")), ==, 1);
  g_assert_cmpint(q(f, "SELECT vo_balance FROM prisoners WHERE id=1"), ==, 0);
  /* again the same day, and later that day: nothing */
  g_assert_cmpint(book_vo_allocate(f->db, NOW), ==, 0);
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 3600 * 10), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders"), ==, orders);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history"), ==, hist);
  /* remand prisoner 2: nothing */
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE prisoner_id=2"), ==, 0);
  /* by level: basic gets no PVO, enhanced two */
  testdb_exec(f->db, "UPDATE prisoners SET incentive_level='basic' WHERE id=4;"
                     "UPDATE prisoners SET incentive_level='enhanced' WHERE id=5");
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 28 * DAY), >=, 1);
  g_assert_cmpint(q(f, LIVE(4, "PVO")), ==, 0);
  g_assert_cmpint(q(f, LIVE(5, "PVO")), ==, 2);
  /* the establishment's own table beats the defaults */
  testdb_exec(f->db, "INSERT INTO vo_allowances VALUES ('TST','basic',3,1)");
  int64_t before = q(f, LIVE(4, "VO"));
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 42 * DAY), >=, 1);
  g_assert_cmpint(q(f, LIVE(4, "VO")), ==, before + 3);
  /* the PVO issued on day 0 expired on day 28, with a history row */
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=1 AND event='expired' "
                       "AND reason='pvo_expired'"),
                  ==, 1);
}

typedef struct {
  const char *target;
  int rc;
  GMutex *m;
  GCond *c;
  int *go;
} Racer;

static void *racer(void *p) {
  Racer *r = p;
  char err[256];
  BookDb *db = book_db_open_engine(testdb_engine(), r->target, err, sizeof err);
  g_assert_nonnull(db);
  g_mutex_lock(r->m);
  while (!*r->go) g_cond_wait(r->c, r->m);
  g_mutex_unlock(r->m);
  r->rc = book_vo_allocate(db, NOW);
  book_db_free(db);
  return NULL;
}

/* Two booking instances run the job at the same moment: one issues, the
 * other finds nothing due. */
static void t_accrual_two_instances(Fx *f, gconstpointer d) {
  (void)d;
  for (int round = 0; round < 5; round++) {
    testdb_exec(f->db, "DELETE FROM vo_accruals");
    GMutex m;
    GCond c;
    g_mutex_init(&m);
    g_cond_init(&c);
    int go = 0;
    Racer r1 = {f->place.target, 0, &m, &c, &go}, r2 = r1;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, racer, &r1);
    pthread_create(&t2, NULL, racer, &r2);
    g_mutex_lock(&m);
    go = 1;
    g_cond_broadcast(&c);
    g_mutex_unlock(&m);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    g_assert_cmpint(r1.rc, >=, 0);
    g_assert_cmpint(r2.rc, >=, 0);
    g_assert_true(r1.rc == 0 || r2.rc == 0);
    /* one period each: the accrual rows of this round issued once */
    g_assert_cmpint(q(f, "SELECT count(*) FROM vo_accruals WHERE prisoner_id=1"), ==, 2);
    g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE prisoner_id=1 AND "
                         "source='accrual'"),
                    ==, 2 * (round + 1));
    g_mutex_clear(&m);
    g_cond_clear(&c);
  }
}

/* ---- booking ---- */

static void t_oldest_pvo_then_vo(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_vo_allocate(f->db, NOW - 14 * DAY), >=, 1); /* 2 opening + VO + PVO */
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);            /* + VO */
  g_assert_cmpint(q(f, LIVE(1, "PVO")), ==, 1);
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-03", 0, NOW), ==, "ok");
  g_assert_cmpstr(used_kind(f, last_id), ==, "PVO");
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE status='scheduled'"), ==, 1);
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-10", 0, NOW), ==, "ok");
  g_assert_cmpstr(used_kind(f, last_id), ==, "VO");
  /* the oldest VO: one of the opening balance's, issued 14 days ago */
  char *sql = g_strdup_printf("SELECT issued_on FROM visiting_orders WHERE visit_id='%s'",
                              last_id);
  char *issued = testdb_qs(f->db, sql);
  g_assert_cmpstr(issued, ==, "2026-11-09");
  g_free(issued);
  g_free(sql);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event='booked' AND actor='fam1'"),
                  ==, 2);
}

static void t_template_vo_kind(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  /* a session that needs a VO skips the PVO */
  testdb_exec(f->db, "UPDATE session_templates SET vo_kind='VO' WHERE id=4");
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-03", 0, NOW), ==, "ok");
  g_assert_cmpstr(used_kind(f, last_id), ==, "VO");
  /* one that needs none uses none */
  testdb_exec(f->db, "UPDATE session_templates SET vo_kind='none' WHERE id=4");
  int64_t bal = q(f, BAL(1));
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-10", 0, NOW), ==, "ok");
  g_assert_cmpstr(used_kind(f, last_id), ==, "none");
  g_assert_cmpint(q(f, BAL(1)), ==, bal);
  /* one that needs a PVO, with none left: refused with the usual code */
  testdb_exec(f->db, "UPDATE session_templates SET vo_kind='PVO' WHERE id IN (1,4)");
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-17", 0, NOW), ==, "ok");
  g_assert_cmpstr(used_kind(f, last_id), ==, "PVO");
  g_assert_cmpint(q(f, LIVE(1, "VO")), >, 0);
  g_assert_cmpstr(book_at(f, FAM1, 1, "1:2026-12-16", 0, NOW), ==, "no_vo_balance");
  /* the column refuses other values */
  g_assert_cmpint(testdb_try(f->db, "UPDATE session_templates SET vo_kind='any' WHERE id=4"), ==,
                  -1);
}

static void t_override_on_credit(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(book_at(f, FAM1, 3, "4:2026-12-03", 0, NOW), ==, "no_vo_balance");
  g_assert_cmpstr(book_at(f, STAFF, 3, "4:2026-12-03", 1, NOW), ==, "ok");
  g_assert_cmpint(q(f, BAL(3)), ==, -1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=3 AND "
                       "event='override' AND actor='staff' AND reason IS NOT NULL"),
                  ==, 1);
  /* the next accrual pays it back first: VO repaid, the PVO issued */
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  g_assert_cmpint(q(f, BAL(3)), ==, 1);
  g_assert_cmpint(q(f, LIVE(3, "VO")), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE prisoner_id=3 AND event='repaid'"),
                  ==, 1);
}

/* ---- cancellation ---- */

static void t_refund(Fx *f, gconstpointer d) {
  (void)d;
  BookError e;
  BookActor fam = FAM1;
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  int64_t bal = q(f, BAL(1));
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-03", 0, NOW), ==, "ok");
  char pvo_visit[BOOK_VISIT_ID_LEN];
  g_strlcpy(pvo_visit, last_id, sizeof pvo_visit);
  g_assert_cmpstr(used_kind(f, pvo_visit), ==, "PVO");
  g_assert_cmpint(q(f, BAL(1)), ==, bal - 1);
  /* cancelled while the PVO is alive: the same order back */
  int64_t pvo_id = q(f, "SELECT id FROM visiting_orders WHERE status='scheduled'");
  g_assert_cmpint(book_visit_cancel(f->db, &fam, pvo_visit, "ill", NOW + 60, &e), ==, 0);
  g_assert_cmpint(q(f, BAL(1)), ==, bal);
  char *sql = g_strdup_printf("SELECT count(*) FROM visiting_orders WHERE id=%lld AND "
                              "status='available' AND visit_id IS NULL", (long long)pvo_id);
  g_assert_cmpint(q(f, sql), ==, 1);
  g_free(sql);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event='refunded'"), ==, 1);
  /* booked again; cancelled after the PVO's expiry (day 28): a fresh PVO */
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-24", 0, NOW + 8 * DAY), ==, "ok");
  g_assert_cmpstr(used_kind(f, last_id), ==, "PVO");
  g_assert_cmpint(book_visit_cancel(f->db, &fam, last_id, "ill", NOW + 29 * DAY, &e), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE kind='PVO' AND "
                       "source='refund' AND status='available' AND issued_on='2026-12-22' AND "
                       "expires_on='2027-01-19'"),
                  ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE kind='PVO' AND "
                       "status='expired'"),
                  ==, 1);
  /* a visit booked before the ledger (vo_used, no order row) gets a fresh VO */
  testdb_exec(f->db, "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, "
                     "template_id, date, start_at, end_at, restriction, status, vo_used, "
                     "booked_by, booked_at, updated_at) VALUES ('00000000000000000000000000000abc',"
                     "'social','TST',1,4,'2026-12-31',1798725600,1798729200,'open','booked',1,1,"
                     "0,0)");
  testdb_exec(f->db, "INSERT INTO visit_visitors(visit_id, visitor_id, main_contact) VALUES "
                     "('00000000000000000000000000000abc',1,1)");
  bal = q(f, BAL(1));
  g_assert_cmpint(book_visit_cancel(f->db, &fam, "00000000000000000000000000000abc", "x",
                                    NOW + 29 * DAY, &e),
                  ==, 0);
  g_assert_cmpint(q(f, BAL(1)), ==, bal + 1);
}

static void t_used_after_the_visit(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-03", 0, NOW), ==, "ok");
  /* the visit passes unattended (missed): its order is 'used' */
  g_assert_cmpint(book_visits_sweep(f->db, NOW + 11 * DAY), >=, 1);
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 11 * DAY), >=, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE status='used'"), ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event='used'"), ==, 1);
}

static void t_lapsed_request_refunded(Fx *f, gconstpointer d) {
  (void)d;
  testdb_exec(f->db, "UPDATE establishments SET approve_public_bookings=1 WHERE id='TST'");
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  int64_t bal = q(f, BAL(1));
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-03", 0, NOW), ==, "ok");
  g_assert_cmpint(q(f, BAL(1)), ==, bal - 1);
  g_assert_cmpint(book_visits_sweep(f->db, NOW + 11 * DAY), >=, 1);
  g_assert_cmpint(q(f, BAL(1)), ==, bal);
}

/* ---- staff ---- */

static void t_adjust(Fx *f, gconstpointer d) {
  (void)d;
  BookError e;
  BookActor staff = STAFF, mon = MONITOR, oth = STAFF_OTH, fam = FAM1;
  g_assert_cmpint(book_vo_adjust(f->db, &staff, 1, "grant", "PVO", 2, "compassionate",
                                 NOW, "2026-11-23", &e), ==, 0);
  g_assert_cmpint(q(f, LIVE(1, "PVO")), ==, 2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event='granted' AND "
                       "actor='staff' AND reason='compassionate'"),
                  ==, 2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action='vo_adjusted'"), ==, 1);
  g_assert_cmpint(book_vo_adjust(f->db, &staff, 1, "remove", "VO", 1, "entered twice", NOW,
                                 "2026-11-23", &e), ==, 0);
  g_assert_cmpint(q(f, BAL(1)), ==, 3); /* 2 opening - 1 + 2 */
  /* refusals */
  struct {
    BookActor *a;
    int64_t pid;
    const char *action, *kind;
    int count;
    const char *reason, *code;
  } bad[] = {
      {&mon, 1, "grant", "VO", 1, "r", "forbidden"},
      {&fam, 1, "grant", "VO", 1, "r", "forbidden"},
      {&oth, 1, "grant", "VO", 1, "r", "not_found"},      /* other establishment's staff */
      {&staff, 6, "grant", "VO", 1, "r", "not_found"},    /* prisoner elsewhere */
      {&staff, 999, "grant", "VO", 1, "r", "not_found"},
      {&staff, 1, "give", "VO", 1, "r", "invalid_field"},
      {&staff, 1, "grant", "XVO", 1, "r", "invalid_field"},
      {&staff, 1, "grant", "VO", 0, "r", "invalid_field"},
      {&staff, 1, "grant", "VO", 27, "r", "invalid_field"},
      {&staff, 1, "grant", "VO", 1, "", "missing_field"},
      {&staff, 1, "grant", "VO", 1, NULL, "missing_field"},
      {&staff, 1, "remove", "PVO", 3, "r", "not_enough_orders"},
      {&staff, 2, "grant", "VO", 1, "r", "not_convicted"},
  };
  int64_t hist = q(f, "SELECT count(*) FROM vo_history");
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_cmpint(book_vo_adjust(f->db, bad[i].a, bad[i].pid, bad[i].action, bad[i].kind,
                                   bad[i].count, bad[i].reason, NOW, "2026-11-23", &e),
                    ==, -1);
    g_assert_cmpstr(e.code, ==, bad[i].code);
  }
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history"), ==, hist);
}

static void t_history_append_only(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  g_assert_cmpint(testdb_try(f->db, "UPDATE vo_history SET actor='someone'"), ==, -1);
  g_assert_cmpint(testdb_try(f->db, "DELETE FROM vo_history"), ==, -1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE actor='someone'"), ==, 0);
}

static void t_account_views(Fx *f, gconstpointer d) {
  (void)d;
  BookError e;
  BookActor staff = STAFF;
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  g_assert_cmpint(book_vo_adjust(f->db, &staff, 1, "grant", "VO", 1, "staff note", NOW,
                                 "2026-11-23", &e), ==, 0);
  g_assert_cmpstr(book_at(f, FAM1, 1, "4:2026-12-03", 0, NOW), ==, "ok");
  json_t *s = book_vo_account_json(f->db, 1, 0, "2026-11-23");
  json_t *p = book_vo_account_json(f->db, 1, 1, "2026-11-23");
  g_assert_nonnull(s);
  g_assert_nonnull(p);
  json_t *sb = json_object_get(s, "balance");
  g_assert_cmpint(json_integer_value(json_object_get(sb, "total")), ==, q(f, BAL(1)));
  g_assert_cmpint(json_integer_value(json_object_get(sb, "pvo")), ==, 0);
  g_assert_cmpstr(json_string_value(json_object_get(s, "next_vo_on")), ==, "2026-12-07");
  /* staff see who and why; the family's plain view carries neither, nor ids */
  char *st = json_dumps(s, 0), *pt = json_dumps(p, 0);
  g_assert_nonnull(strstr(st, "staff note"));
  g_assert_nonnull(strstr(st, last_id));
  g_assert_null(strstr(pt, "staff note"));
  g_assert_null(strstr(pt, last_id));
  g_assert_null(strstr(pt, "\"actor\""));
  g_assert_cmpuint(json_array_size(json_object_get(p, "history")), ==,
                   json_array_size(json_object_get(s, "history")));
  free(st);
  free(pt);
  json_decref(s);
  json_decref(p);
}

/* Migration 0009 on a database that already has balances: the schema taken
 * back to before 0009 (the ledger's tables and column dropped, 0009 no
 * longer recorded), prisoners given the old single numbers, then reopened so
 * 0009 runs for real. */
static void t_migration_moves_balances(Fx *f, gconstpointer d) {
  (void)d;
  testdb_exec(f->db,
              "DROP TABLE vo_history; DROP TABLE vo_accruals; DROP TABLE vo_allowances; "
              "DROP TABLE visiting_orders; ALTER TABLE session_templates DROP COLUMN vo_kind; "
              "DELETE FROM schema_migrations WHERE version = 9; "
              "UPDATE prisoners SET vo_balance = 3, vo_allocated_on = '2026-11-10' WHERE id = 1; "
              "UPDATE prisoners SET vo_balance = -2, vo_allocated_on = NULL WHERE id = 3; "
              "UPDATE prisoners SET vo_balance = 7 WHERE id = 2");
  if (testdb_pg()) testdb_exec(f->db, "DROP FUNCTION vo_history_append_only()");
  book_db_free(f->db);
  f->db = testdb_open(&f->place);
  g_assert_cmpint(book_db_version(f->db), >=, 9);
  g_assert_cmpint(q(f, LIVE(1, "VO")), ==, 3);
  g_assert_cmpint(q(f, BAL(1)), ==, 3);
  g_assert_cmpint(q(f, BAL(3)), ==, -2); /* owed */
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE prisoner_id = 2"), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM prisoners WHERE vo_balance <> 0"), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM vo_history WHERE event = 'migrated'"), ==, 3 + 2 + 3 * 5);
  char *anchor = testdb_qs(f->db, "SELECT period_start FROM vo_accruals WHERE prisoner_id = 1");
  g_assert_cmpstr(anchor, ==, "2026-11-10");
  g_free(anchor);
  g_assert_cmpint(q(f, "SELECT count(*) FROM session_templates WHERE vo_kind = 'either'"), ==,
                  q(f, "SELECT count(*) FROM session_templates"));
  /* the next VO period is 14 days after the old allocation: nothing before */
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1); /* PVO (none yet), owed repaid... */
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE prisoner_id = 1 AND kind = 'VO' "
                       "AND source = 'accrual'"),
                  ==, 0);
  g_assert_cmpint(book_vo_allocate(f->db, NOW + 1 * DAY), >=, 1); /* 2026-11-24 = +14 */
  g_assert_cmpint(q(f, "SELECT count(*) FROM visiting_orders WHERE prisoner_id = 1 AND kind = 'VO' "
                       "AND source = 'accrual'"),
                  ==, 1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
#define T(name, fn) g_test_add("/booking/vo/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("accrual_idempotent", t_accrual_idempotent);
  T("accrual_two_instances", t_accrual_two_instances);
  T("oldest_pvo_then_vo", t_oldest_pvo_then_vo);
  T("template_vo_kind", t_template_vo_kind);
  T("override_on_credit", t_override_on_credit);
  T("refund", t_refund);
  T("used_after_the_visit", t_used_after_the_visit);
  T("lapsed_request_refunded", t_lapsed_request_refunded);
  T("adjust", t_adjust);
  T("history_append_only", t_history_append_only);
  T("account_views", t_account_views);
  T("migration_moves_balances", t_migration_moves_balances);
  return g_test_run();
}
