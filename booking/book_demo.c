/* Demo data for `make run` and the browser tests: one establishment with
 * prisoners, families (one approved, one banned, one child), a probation
 * officer and case, a clinician, a legal adviser, staff and an admin, and a
 * call of each type starting now. Seeded only when [demo] enabled = true and
 * the database has no establishment yet; README.md lists the sign-ins.
 * Every demo account's password is DEMO_PASSWORD. */
#include <stdio.h>
#include <string.h>

#include "book_api.h"
#include "book_localtime.h"
#include "ids.h"
#include "log.h"
#include "timeutil.h"

#define DEMO_PASSWORD "parlour-demo"

static const char *DEMO_SQL =
    "INSERT INTO establishments(id, name, min_days, max_days, max_visitors, max_adults, "
    " max_children, adult_age, remand_weekly_limit, vo_allowance, vo_period_days) VALUES"
    " ('PLR','HMP Parlour (demo)',2,28,4,3,3,18,3,2,28),"
    " ('OTH','HMP Elsewhere (demo)',2,28,4,3,3,18,3,2,28);"
    "INSERT INTO users(id, username, display_name, role, password_hash, establishment_id, "
    " created_at) VALUES"
    " (1,'family.ann','Ann Baker','family','-',NULL,?1),"
    " (2,'family.ben','Ben Carter','family','-',NULL,?1),"
    " (3,'prisoner.tom','Tom Baker','prisoner','-','PLR',?1),"
    " (4,'officer.olu','Olu Adeyemi','probation_officer','-',NULL,?1),"
    " (5,'probationer.pat','Pat Green','probationer','-',NULL,?1),"
    " (6,'clinician.chen','Dr Mei Chen','clinician','-','PLR',?1),"
    " (7,'legal.lee','Lee Shah','legal_adviser','-',NULL,?1),"
    " (8,'staff.booking','Bea Booker','booking_staff','-','PLR',?1),"
    " (9,'staff.monitor','Mo Watts','monitor','-','PLR',?1),"
    " (10,'staff.reviewer','Rae Review','reviewer','-','PLR',?1),"
    " (11,'admin','Ada Admin','admin','-',NULL,?1),"
    " (12,'staff.other','Otto Other','booking_staff','-','OTH',?1),"
    " (13,'family.cara','Cara Doyle','family','-',NULL,?1),"
    " (14,'interpreter.ivy','Ivy Evans','interpreter','-','PLR',?1);"
    /* A BSL interpreter with an account: approved for each demo social call
     * (book_demo_visit), so the demo shows "Interpreter (BSL)" joining. */
    "INSERT INTO interpreters(id, establishment_id, user_id, name, language, organisation, "
    " created_by, created_at) VALUES (1,'PLR',14,'Ivy Evans','BSL','Demo Interpreting',"
    " 'demo',?1);"
    /* vo_balance is an opening balance: the first accrual run (at start-up)
     * moves it into the visiting-order ledger and adds the first period by
     * incentive level (Tom, enhanced: 3 VOs and 2 PVOs; Lee, basic: 3 VOs). */
    "INSERT INTO prisoners(id, prison_number, name, establishment_id, status, incentive_level, "
    " vo_balance, vo_allocated_on, user_id) VALUES"
    " (1,'A1234BC','Tom Baker','PLR','convicted','enhanced',2,date(?1,'unixepoch'),3),"
    " (2,'B2345CD','Sam Jones','PLR','remand','standard',0,NULL,NULL),"
    " (3,'C3456DE','Lee Hart','PLR','convicted','basic',2,date(?1,'unixepoch'),NULL),"
    " (4,'D4567EF','Ray Cole','OTH','convicted','standard',2,date(?1,'unixepoch'),NULL);"
    "INSERT INTO prisoner_restrictions(prisoner_id, type, start_date) VALUES"
    " (3,'CLOSED',date(?1,'unixepoch','-30 days'));"
    "INSERT INTO non_associations VALUES (2,3);"
    "INSERT INTO probationers(id, crn, name, officer_user_id, user_id) VALUES"
    " (1,'X123456','Pat Green',4,5);"
    "INSERT INTO visitors(id, name, date_of_birth, user_id, legal_adviser_verified) VALUES"
    " (1,'Ann Baker','1985-04-12',1,0),"
    " (2,'Lily Baker','2016-06-01',1,0),"
    " (3,'Ben Carter','1979-09-30',2,0),"
    " (4,'Lee Shah','1972-02-14',7,1),"
    " (5,'Cara Doyle','1990-01-01',13,0),"
    " (6,'Rita Cole','1960-01-01',NULL,0);"
    "INSERT INTO contacts(id, prisoner_id, visitor_id, contact_type, relationship, approved) "
    " VALUES (1,1,1,'social','Wife',1),(2,1,2,'social','Daughter',1),"
    " (3,1,3,'social','Brother',1),(4,1,4,'official','Solicitor',1),"
    " (5,2,4,'official','Solicitor',1),(6,3,4,'official','Solicitor',1),"
    " (7,2,5,'social','Partner',1),(8,3,1,'social','Cousin',1),(9,4,6,'social','Mother',1);"
    "INSERT INTO contact_restrictions(contact_id, type, start_date, expiry_date) VALUES"
    " (3,'BAN',date(?1,'unixepoch','-10 days'),NULL);"
    /* Notifications (make run writes them under var/notify): Ann in English
     * by email and text, Cara in Welsh by email. */
    "UPDATE visitors SET email = 'ann.baker@example.org', mobile = '07700 900123' WHERE id = 1;"
    "UPDATE visitors SET email = 'cara.doyle@example.org', language = 'cy' WHERE id = 5;";

static const char *DEMO_TEMPLATES_SQL =
    "INSERT INTO session_templates(establishment_id, visit_type, day_of_week, start_time, "
    " end_time, open_capacity, closed_capacity, valid_from) VALUES"
    " ('PLR','social',?1,'09:00','09:30',4,1,'2026-01-01'),"
    " ('PLR','social',?1,'14:00','15:00',4,1,'2026-01-01'),"
    " ('PLR','social',?1,'18:00','18:30',4,1,'2026-01-01'),"
    " ('PLR','telemedicine',?1,'13:00','13:30',2,0,'2026-01-01'),"
    " ('OTH','social',?1,'14:00','15:00',3,0,'2026-01-01');";

/* The demo script with ?1 = p1. */
static int exec_bound(BookDb *db, const char *sql, int64_t p1) {
  if (book_db_exec_script(db, sql, 1, &p1)) {
    char q[300];
    log_error("demo_seed_failed", "error=%s", log_quote(q, sizeof q, book_db_errmsg(db)));
    return -1;
  }
  return 0;
}

int book_demo_seed_if_empty(BookDb *db, unsigned long scrypt_n, int64_t now) {
  /* "Could not count" is not "empty": seeding over real data would be worse
   * than not starting. */
  int64_t n_est = 0;
  if (book_db_scalar(db, "SELECT count(*) FROM establishments", &n_est, 0) < 0) return -1;
  if (n_est > 0) return 0;
  /* Hash first: slow work outside the write transaction. */
  char *hash = book_password_hash(DEMO_PASSWORD, scrypt_n);
  if (!hash) return -1;
  if (book_db_begin(db)) {
    g_free(hash);
    return -1;
  }
  int bad = exec_bound(db, DEMO_SQL, now);
  for (int dow = 1; dow <= 7 && !bad; dow++) bad = exec_bound(db, DEMO_TEMPLATES_SQL, dow);
  for (int dow = 1; dow <= 5 && !bad; dow++)
    bad = exec_bound(db,
                     "INSERT INTO session_templates(establishment_id, visit_type, day_of_week, "
                     "start_time, end_time, open_capacity, closed_capacity, valid_from) VALUES "
                     "('PLR','legal',?1,'11:00','12:00',2,0,'2026-01-01')",
                     dow);
  if (!bad) {
    /* One salt for every demo account is fine for demo data only. */
    BookStmt *st = book_db_stmt(db, "UPDATE users SET password_hash = ?");
    book_bind_text(st, 1, hash);
    bad = book_db_step_done(db, st);
  }
  /* The demo rows carry their ids: PostgreSQL's sequences must move past them. */
  if (!bad) bad = book_db_sync_ids(db);
  if (!bad) bad = book_audit(db, now, "system", NULL, "demo_seeded", NULL);
  g_free(hash);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return -1;
  }
  /* A call of each type starting now (rounded down to the minute), and a
   * social call later today, so the demo can be joined straight away. */
  int64_t start = now - now % 60;
  static const struct {
    const char *type;
    int offset_min, length_min;
  } calls[] = {{"social", 0, 60},       {"legal", 0, 60},   {"probation", 0, 60},
               {"telemedicine", 0, 30}, {"social", 120, 30}};
  for (size_t i = 0; i < G_N_ELEMENTS(calls); i++) {
    char id[BOOK_VISIT_ID_LEN];
    BookError e;
    int64_t s = start + calls[i].offset_min * 60;
    if (book_demo_visit(db, calls[i].type, s, s + calls[i].length_min * 60, "system", id, &e))
      return -1;
  }
  log_info("demo_seeded", "password=%s", DEMO_PASSWORD);
  return 1;
}

int book_demo_refresh(BookDb *db, int64_t now) {
  static const char *const types[] = {"social", "legal", "probation", "telemedicine"};
  int made = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(types); i++) {
    /* Joinable for at least the next ten minutes? */
    BookStmt *st = book_db_stmt(
        db, "SELECT count(*) FROM visits WHERE visit_type = ? AND status IN ('booked', "
            "'in_progress') AND start_at <= ? AND end_at > ?");
    book_bind_text(st, 1, types[i]);
    book_bind_i64(st, 2, now + 15 * 60);
    book_bind_i64(st, 3, now + 10 * 60);
    int have = book_db_row(db, st);
    if (have == 1) {
      have = book_col_int(st, 0);
      book_stmt_reset(st);
    }
    if (have) continue; /* some, or the database failed: add nothing */
    char id[BOOK_VISIT_ID_LEN];
    BookError e;
    int64_t start = now - now % 60;
    if (book_demo_visit(db, types[i], start, start + 60 * 60, "system", id, &e) == 0) made++;
  }
  if (made) log_info("demo_calls_added", "count=%d", made);
  return made;
}

int book_demo_visit(BookDb *db, const char *type, int64_t start, int64_t end, const char *actor,
                    char *id_out, BookError *e) {
  memset(e, 0, sizeof *e);
  /* Participants by natural key, so this works whatever the row ids are. */
  const char *prisoner = NULL, *professional = NULL;
  const char *visitors[2] = {NULL, NULL};
  if (!strcmp(type, "social")) {
    prisoner = "A1234BC";
    visitors[0] = "Ann Baker";
    visitors[1] = "Lily Baker";
  } else if (!strcmp(type, "legal")) {
    /* Tom Baker for every prison call: he is the prisoner with a sign-in, so
     * the in-cell device can join each kind of call in the demo. */
    prisoner = "A1234BC";
    visitors[0] = "Lee Shah";
    professional = "legal.lee";
  } else if (!strcmp(type, "telemedicine")) {
    prisoner = "A1234BC";
    professional = "clinician.chen";
  } else {
    professional = "officer.olu";
  }
  char *id = ids_random_hex(16);
  if (!id || book_db_begin(db)) {
    g_free(id);
    goto storage;
  }
  BookStmt *st = book_db_stmt(
      db,
      "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, probationer_id, "
      "professional_user_id, template_id, date, start_at, end_at, restriction, status, "
      "booked_by, booked_at, updated_at) SELECT ?1, ?2, p.establishment_id, p.id, "
      "(SELECT id FROM probationers WHERE crn = 'X123456' AND ?3 IS NULL), "
      "(SELECT id FROM users WHERE username = ?4), NULL, date(?9, 'unixepoch'), ?5, ?6, 'open', "
      "'booked', coalesce((SELECT id FROM users WHERE username = ?7), (SELECT id FROM users WHERE "
      "role = 'admin' ORDER BY id LIMIT 1)), ?8, ?8 FROM (SELECT 1) AS one LEFT JOIN prisoners p ON "
      "p.prison_number = ?3");
  book_bind_text(st, 1, id);
  book_bind_text(st, 2, type);
  if (prisoner)
    book_bind_text(st, 3, prisoner);
  else
    book_bind_null(st, 3);
  if (professional)
    book_bind_text(st, 4, professional);
  else
    book_bind_null(st, 4);
  book_bind_i64(st, 5, start);
  book_bind_i64(st, 6, end);
  book_bind_text(st, 7, actor);
  book_bind_i64(st, 8, time_now_unix());
  /* The visit's date is the demo prison's local date (Europe/London): the
   * wall clock read as if UTC gives it through date(). */
  const Tz *tz = book_local_zone(NULL, NULL, 0);
  book_bind_i64(st, 9, tz ? tz_to_local(tz, start) : start);
  int bad = book_db_step_done(db, st);
  for (int i = 0; i < 2 && visitors[i] && !bad; i++) {
    st = book_db_stmt(db, "INSERT INTO visit_visitors(visit_id, visitor_id, main_contact) "
                          "SELECT ?, id, ? FROM visitors WHERE name = ? ORDER BY id LIMIT 1");
    book_bind_text(st, 1, id);
    book_bind_i64(st, 2, i == 0);
    book_bind_text(st, 3, visitors[i]);
    bad = book_db_step_done(db, st) || book_db_changes(db) != 1;
  }
  if (!bad && !strcmp(type, "social")) {
    /* The demo interpreter (when seeded) is approved for every demo social call. */
    st = book_db_stmt(db, "INSERT INTO visit_interpreters(visit_id, interpreter_id, added_by, "
                          "added_at) SELECT ?, i.id, 'demo', ? FROM interpreters i JOIN users u "
                          "ON u.id = i.user_id WHERE u.username = 'interpreter.ivy'");
    book_bind_text(st, 1, id);
    book_bind_i64(st, 2, time_now_unix());
    bad = book_db_step_done(db, st);
  }
  if (!bad) bad = book_audit(db, time_now_unix(), actor, id, "demo_visit_created", NULL);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    g_free(id);
    goto storage;
  }
  g_strlcpy(id_out, id, BOOK_VISIT_ID_LEN);
  g_free(id);
  return 0;
storage:
  e->http = 409;
  g_strlcpy(e->code, "demo_data_missing", sizeof e->code);
  g_strlcpy(e->message, "the demo people are not in this database", sizeof e->message);
  return -1;
}
