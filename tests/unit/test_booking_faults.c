/* Storage faults against the REAL booking rules: a failing sqlite VFS
 * (booking/book_faultvfs.c wraps the unix VFS) makes the Nth read, write or
 * sync from now on fail, for N = 0, 1, 2, ... until the operation runs
 * through untouched. So every query a rule makes (capacity, double booking,
 * non-association, remand limit, visiting orders, restrictions, contacts...)
 * and every write and commit of every change is failed in turn. Each time:
 *   - the answer is 503 storage_unavailable: never success, never "no
 *     conflict", never a rule refusal (slot_full...) that the error caused;
 *   - the database holds exactly what it held before (read through a second
 *     connection that does not go through the faults): no visit, no
 *     visiting-order change, no audit row.
 * Fixture and "now" as in test_booking_rules.c. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "book_db.h"
#include "book_faultvfs.h"
#include "book_holds.h"
#include "book_reviews.h"
#include "book_rules.h"
#include "book_vo.h"
#include "log.h"


#include "booking_rules_fixture.h"

typedef struct {
  char *dir;
  char *path;
  BookDb *db;
  sqlite3 *plain; /* the same file through the unix VFS: what is really stored */
  char visit[BOOK_VISIT_ID_LEN];
} Fx;

static BookActor actor(sqlite3_int64 id, const char *role, const char *name, const char *est) {
  BookActor a = {id, role, name, est};
  return a;
}
#define FAM1 actor(1, "family", "fam1", NULL)
#define FAM2 actor(2, "family", "fam2", NULL)
#define STAFF actor(3, "booking_staff", "staff", "TST")
#define LEGAL actor(4, "legal_adviser", "legal", NULL)
#define OFFICER actor(6, "probation_officer", "officer", NULL)
#define MONITOR actor(9, "monitor", "monitor", "TST")

static void fx_open(Fx *f) {
  g_assert_cmpint(book_faultvfs_install(), ==, 0);
  book_faultvfs_clear();
  f->dir = g_dir_make_tmp("booking-faults-XXXXXX", NULL);
  f->path = g_build_filename(f->dir, "t.db", NULL);
  char err[256];
  f->db = book_db_open(f->path, err, sizeof err);
  g_assert_nonnull(f->db);
  book_fault_attach(f->db->db);
  char *msg = NULL;
  if (sqlite3_exec(f->db->db, FIXTURE, NULL, NULL, &msg) != SQLITE_OK) g_error("fixture: %s", msg);
  g_assert_cmpint(sqlite3_open_v2(f->path, &f->plain, SQLITE_OPEN_READONLY, "unix"), ==,
                  SQLITE_OK);
}

static void fx_close(Fx *f) {
  book_faultvfs_clear();
  sqlite3_close(f->plain);
  book_db_free(f->db);
  const char *sfx[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char *p = g_strconcat(f->path, sfx[i], NULL);
    g_unlink(p);
    g_free(p);
  }
  g_rmdir(f->dir);
  g_free(f->path);
  g_free(f->dir);
}

/* Every row of every table, as text, read through the plain connection. */
static char *snapshot(Fx *f) {
  GString *out = g_string_new(NULL);
  sqlite3_stmt *tables;
  g_assert_cmpint(sqlite3_prepare_v2(f->plain,
                                     "SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "ORDER BY name",
                                     -1, &tables, NULL),
                  ==, SQLITE_OK);
  while (sqlite3_step(tables) == SQLITE_ROW) {
    char *sql = g_strdup_printf("SELECT * FROM \"%s\"", sqlite3_column_text(tables, 0));
    sqlite3_stmt *st;
    g_assert_cmpint(sqlite3_prepare_v2(f->plain, sql, -1, &st, NULL), ==, SQLITE_OK);
    g_string_append_printf(out, "[%s]\n", sqlite3_column_text(tables, 0));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        g_string_append_printf(out, "%s|", t ? (const char *)t : "NULL");
      }
      g_string_append_c(out, '\n');
    }
    g_assert_cmpint(rc, ==, SQLITE_DONE);
    sqlite3_finalize(st);
    g_free(sql);
  }
  sqlite3_finalize(tables);
  return g_string_free(out, FALSE);
}

static sqlite3_int64 q(Fx *f, const char *sql) {
  sqlite3_stmt *st;
  g_assert_cmpint(sqlite3_prepare_v2(f->plain, sql, -1, &st, NULL), ==, SQLITE_OK);
  sqlite3_int64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

/* ---- the operations (each a real rules entry point) ---- */

typedef int (*OpFn)(Fx *f, BookError *e);

static int create(Fx *f, BookActor a, const char *type, sqlite3_int64 prisoner, const char *slot,
                  const BookVisitorSel *vs, size_t n, int override, BookError *e) {
  BookRequest r = {.type = type, .prisoner_id = prisoner, .slot_id = slot, .visitors = vs,
                   .n_visitors = n, .override_vo = override};
  char id[BOOK_VISIT_ID_LEN];
  return book_visit_create(f->db, &a, &r, NOW, id, e);
}

static const BookVisitorSel V1_2[] = {{1, 1}, {2, 0}};
static const BookVisitorSel V1[] = {{1, 1}};
static const BookVisitorSel V4[] = {{4, 1}};
static const BookVisitorSel V6[] = {{6, 1}};

/* Family, social, convicted prisoner with a non-association, two visitors:
 * visibility, establishment, slot, excluded dates, prisoner CLOSED, the
 * family's own visitors, contacts, BAN and CLOSED per visitor, capacity,
 * double booking, non-association, the visiting order; then the visit, its
 * visitors, the VO and the audit row. */
static int op_create_social(Fx *f, BookError *e) {
  return create(f, FAM1, "social", 1, "1:2026-12-02", V1_2, 2, 0, e);
}
/* Remand prisoner: the weekly limit query. */
static int op_create_remand(Fx *f, BookError *e) {
  return create(f, STAFF, "social", 2, "1:2026-12-02", V1, 1, 0, e);
}
/* Staff override of an empty VO balance: two audit rows. */
static int op_create_override(Fx *f, BookError *e) {
  return create(f, STAFF, "social", 3, "1:2026-12-02", V1, 1, 1, e);
}
static int op_create_legal(Fx *f, BookError *e) {
  return create(f, LEGAL, "legal", 1, "2:2026-12-02", V6, 1, 0, e);
}
/* Staff booking telemedicine: the clinician check. */
static int op_create_telemedicine(Fx *f, BookError *e) {
  BookActor a = STAFF;
  BookRequest r = {.type = "telemedicine", .prisoner_id = 1, .slot_id = "3:2026-12-03",
                   .clinician_id = 5};
  char id[BOOK_VISIT_ID_LEN];
  return book_visit_create(f->db, &a, &r, NOW, id, e);
}
/* Probation: the case and the overlap checks. */
static int op_create_probation(Fx *f, BookError *e) {
  BookActor a = OFFICER;
  BookRequest r = {.type = "probation", .probationer_id = 1, .start = NOW + 86400,
                   .end = NOW + 86400 + 1800};
  char id[BOOK_VISIT_ID_LEN];
  return book_visit_create(f->db, &a, &r, NOW, id, e);
}
/* Refusals: the same sweep, and the rule's own answer only when no fault
 * was injected. */
static int op_refused_slot_full(Fx *f, BookError *e) {
  return create(f, STAFF, "social", 5, "1:2026-12-02", V1, 1, 0, e);
}
static int op_refused_remand(Fx *f, BookError *e) {
  return create(f, STAFF, "social", 2, "4:2026-12-03", V1, 1, 0, e);
}
static int op_refused_no_vo(Fx *f, BookError *e) {
  return create(f, FAM1, "social", 3, "4:2026-12-03", V1, 1, 0, e);
}
static int op_refused_banned(Fx *f, BookError *e) {
  return create(f, FAM2, "social", 1, "4:2026-12-03", V4, 1, 0, e);
}
static int op_refused_non_association(Fx *f, BookError *e) {
  return create(f, STAFF, "social", 5, "4:2026-12-03", V1, 1, 0, e);
}
static int op_amend(Fx *f, BookError *e) {
  BookActor a = FAM1;
  return book_visit_amend(f->db, &a, f->visit, "4:2026-12-03", V1, 1, 1, NOW, e);
}
static int op_amend_slot_only(Fx *f, BookError *e) {
  BookActor a = FAM1;
  return book_visit_amend(f->db, &a, f->visit, "4:2026-12-03", NULL, 0, 0, NOW, e);
}
static int op_cancel(Fx *f, BookError *e) {
  BookActor a = FAM1;
  return book_visit_cancel(f->db, &a, f->visit, "ill", NOW, e);
}
static int op_terminate(Fx *f, BookError *e) {
  BookActor a = MONITOR;
  return book_visit_terminate(f->db, &a, f->visit, "abuse", NOW, e);
}
static int op_approve(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_visit_decide(f->db, &a, f->visit, 1, NULL, NOW, e);
}
static int op_reject(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_visit_decide(f->db, &a, f->visit, 0, "no", NOW, e);
}
static int op_contact_approve(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_contact_set_approved(f->db, &a, 1, 8, 1, NOW, e);
}
static int op_restriction_add(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_contact_add_restriction(f->db, &a, 1, 1, "BAN", "2026-11-24", NULL, "threats",
                                      NOW, e);
}
static int op_vo_allocate(Fx *f, BookError *e) {
  memset(e, 0, sizeof *e);
  if (book_vo_allocate(f->db, NOW) < 0) return book_error_storage(e);
  return 0;
}
static int op_vo_adjust(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_vo_adjust(f->db, &a, 1, "grant", "PVO", 2, "compassionate", NOW, "2026-11-23", e);
}
static int op_vo_remove(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_vo_adjust(f->db, &a, 1, "remove", "VO", 1, "entered twice", NOW, "2026-11-23", e);
}
static int op_sweep(Fx *f, BookError *e) {
  memset(e, 0, sizeof *e);
  if (book_visits_sweep(f->db, NOW + 60 * 86400) < 0) return book_error_storage(e);
  return 0;
}

/* Held slots (book_holds.h): placing, releasing, booking with a hold, a
 * booking refused by someone else's hold, the sweep. f->visit carries the
 * hold's id for those that need one. */
static int op_hold(Fx *f, BookError *e) {
  BookActor a = FAM1;
  BookHold h;
  return book_hold_place(f->db, &a, 1, "1:2026-12-02", V1, 1, NOW, &h, e);
}
static int op_hold_release(Fx *f, BookError *e) {
  BookActor a = FAM1;
  return book_hold_release(f->db, &a, f->visit, NOW + 1, e);
}
static int op_create_with_hold(Fx *f, BookError *e) {
  BookActor a = FAM1;
  BookRequest r = {.type = "social", .prisoner_id = 1, .slot_id = "1:2026-12-02",
                   .visitors = V1, .n_visitors = 1, .hold_id = f->visit};
  char id[BOOK_VISIT_ID_LEN];
  return book_visit_create(f->db, &a, &r, NOW + 1, id, e);
}
static int op_refused_slot_held(Fx *f, BookError *e) {
  return create(f, STAFF, "social", 2, "1:2026-12-02", V1, 1, 0, e);
}
static int op_holds_sweep(Fx *f, BookError *e) {
  memset(e, 0, sizeof *e);
  if (book_holds_sweep(f->db, NOW + 7200) < 0) return book_error_storage(e);
  return 0;
}
/* Moves, reviews and outcomes (book_reviews.h). */
static int op_move_release(Fx *f, BookError *e) {
  BookActor a = STAFF;
  json_t *out = NULL;
  int rc = book_prisoner_move(f->db, &a, 1, "release", NULL, "2026-11-30", "court", NOW, &out, e);
  json_decref(out);
  return rc;
}
static int op_move_transfer(Fx *f, BookError *e) {
  BookActor a = STAFF;
  json_t *out = NULL;
  int rc = book_prisoner_move(f->db, &a, 1, "transfer", "OTH", "2026-11-30", "moved", NOW, &out, e);
  json_decref(out);
  return rc;
}
static int op_review_cancel(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_review_resolve(f->db, &a, 1, "cancel", "no room", NOW, e);
}
static int op_reviews_scan(Fx *f, BookError *e) {
  memset(e, 0, sizeof *e);
  if (book_reviews_scan(f->db, NOW, 0) < 0) return book_error_storage(e);
  return 0;
}
static int op_outcome_set(Fx *f, BookError *e) {
  BookActor a = STAFF;
  return book_visit_set_outcome(f->db, &a, f->visit, "prisoner_refused_to_attend", "seen", NOW + 60 * 86400, e);
}
static int op_outcomes_sweep(Fx *f, BookError *e) {
  memset(e, 0, sizeof *e);
  if (book_outcomes_sweep(f->db, NOW + 60 * 86400) < 0) return book_error_storage(e);
  return 0;
}

/* ---- what is there before ---- */

typedef void (*PrepFn)(Fx *f);

static void must(Fx *f, int rc, const BookError *e) {
  if (rc) g_error("preparation failed: %s %s", e->code, e->message);
}
static void prep_none(Fx *f) { (void)f; }
static void prep_booked(Fx *f) {
  BookActor a = FAM1;
  BookRequest r = {.type = "social", .prisoner_id = 1, .slot_id = "1:2026-12-02",
                   .visitors = V1_2, .n_visitors = 2};
  BookError e;
  must(f, book_visit_create(f->db, &a, &r, NOW, f->visit, &e), &e);
}
/* The ledger has rows (the accrual ran) before the booking. */
static void prep_booked_after_accrual(Fx *f) {
  g_assert_cmpint(book_vo_allocate(f->db, NOW), >=, 1);
  prep_booked(f);
}
static void prep_requested(Fx *f) {
  prep_booked(f);
  char *sql = g_strdup_printf("UPDATE visits SET status = 'requested' WHERE id = '%s'", f->visit);
  g_assert_cmpint(sqlite3_exec(f->db->db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_free(sql);
}
static void prep_remand_booked(Fx *f) {
  BookError e;
  must(f, create(f, STAFF, "social", 2, "1:2026-12-02", V1, 1, 0, &e), &e);
}
static void prep_slot1_full(Fx *f) {
  /* slot 1 on Wednesday 2 December has one open place: taken */
  BookError e;
  must(f, create(f, STAFF, "social", 1, "1:2026-12-02", V1, 1, 0, &e), &e);
}
static void prep_held(Fx *f) {
  BookActor a = FAM1;
  BookHold h;
  BookError e;
  must(f, book_hold_place(f->db, &a, 1, "1:2026-12-02", V1, 1, NOW, &h, &e), &e);
  g_strlcpy(f->visit, h.id, sizeof f->visit);
}
static void prep_associate_booked(Fx *f) {
  /* prisoner 1 (non-associated with 5) has a call on Thursday 3 December */
  BookError e;
  must(f, create(f, STAFF, "social", 1, "4:2026-12-03", V1, 1, 0, &e), &e);
}

static void prep_flagged(Fx *f) {
  prep_booked(f);
  BookActor a = STAFF;
  BookError e;
  must(f, book_contact_set_approved(f->db, &a, 1, 1, 0, NOW, &e), &e);
}
static void prep_blocked(Fx *f) {
  prep_booked(f);
  g_assert_cmpint(sqlite3_exec(f->db->db, "INSERT INTO excluded_dates(establishment_id, date) "
                                          "VALUES ('TST', '2026-12-02')", NULL, NULL, NULL),
                  ==, SQLITE_OK);
}
static void prep_missed(Fx *f) {
  prep_booked(f);
  g_assert_cmpint(book_visits_sweep(f->db, NOW + 60 * 86400), ==, 1);
}

typedef struct {
  const char *name;
  PrepFn prep;
  OpFn op;
  const char *expect; /* NULL: succeeds when nothing fails; else the rule's refusal */
  int min_queries;    /* statements it makes at least, BEGIN and COMMIT included, each
                       * failed once: create_social is 25 = type, BEGIN, prisoner,
                       * visibility, establishment, slot, excluded date, prisoner
                       * CLOSED, per visitor (own, contact, BAN, CLOSED) x2,
                       * capacity, double booking, non-association, visit,
                       * visitors x2, VO, audit, COMMIT */
} Scenario;

static const Scenario SCENARIOS[] = {
    {"create_social", prep_none, op_create_social, NULL, 25},
    {"create_remand", prep_none, op_create_remand, NULL, 19},
    {"create_vo_override", prep_none, op_create_override, NULL, 20},
    {"create_legal", prep_none, op_create_legal, NULL, 16},
    {"create_telemedicine", prep_none, op_create_telemedicine, NULL, 14},
    {"create_probation", prep_none, op_create_probation, NULL, 7},
    {"refused_slot_full", prep_slot1_full, op_refused_slot_full, "slot_full", 12},
    {"refused_remand_limit", prep_remand_booked, op_refused_remand, "remand_weekly_limit", 15},
    {"refused_no_vo", prep_none, op_refused_no_vo, "no_vo_balance", 15},
    {"refused_banned", prep_none, op_refused_banned, "visitor_banned", 11},
    {"refused_non_association", prep_associate_booked, op_refused_non_association,
     "non_association_conflict", 14},
    {"amend", prep_booked, op_amend, NULL, 23},
    {"amend_slot_only", prep_booked, op_amend_slot_only, NULL, 26},
    {"cancel", prep_booked, op_cancel, NULL, 7},
    {"terminate", prep_booked, op_terminate, NULL, 6},
    {"decide_approve", prep_requested, op_approve, NULL, 6},
    {"decide_reject", prep_requested, op_reject, NULL, 7},
    {"contact_approve", prep_none, op_contact_approve, NULL, 6},
    {"restriction_add", prep_none, op_restriction_add, NULL, 6},
    {"vo_allocate", prep_none, op_vo_allocate, NULL, 4},
    {"sweep", prep_booked, op_sweep, NULL, 9},
    {"hold", prep_none, op_hold, NULL, 12},
    {"hold_release", prep_held, op_hold_release, NULL, 3},
    {"create_with_hold", prep_held, op_create_with_hold, NULL, 20},
    {"refused_slot_held", prep_held, op_refused_slot_held, "slot_held", 12},
    {"holds_sweep", prep_held, op_holds_sweep, NULL, 3},
    {"vo_adjust_grant", prep_none, op_vo_adjust, NULL, 10},
    {"vo_adjust_remove", prep_none, op_vo_remove, NULL, 10},
    {"cancel_after_accrual", prep_booked_after_accrual, op_cancel, NULL, 8},
    {"move_release", prep_booked, op_move_release, NULL, 12},
    {"move_transfer", prep_booked, op_move_transfer, NULL, 10},
    {"review_cancel", prep_flagged, op_review_cancel, NULL, 10},
    {"reviews_scan", prep_blocked, op_reviews_scan, NULL, 10},
    {"outcome_set", prep_missed, op_outcome_set, NULL, 6},
    {"outcomes_sweep", prep_missed, op_outcomes_sweep, NULL, 5},
};

typedef struct {
  const Scenario *s;
  BookFaultOp kind;
} Case;

/* Fails the Nth operation of c->kind (page read, write, sync, or statement)
 * and all after it, N = 0, 1, 2... until the operation runs without meeting
 * a fault. */
static void t_sweep(gconstpointer data) {
  const Case *c = data;
  Fx f = {0};
  fx_open(&f);
  c->s->prep(&f);
  char *before = snapshot(&f);
  int faulted_runs = 0;
  for (int n = 0;; n++) {
    g_assert_cmpint(n, <, 10000);
    /* Drop cached pages so that every page the operation needs is read
     * (through the VFS) and a read fault can reach every query. */
    sqlite3_db_release_memory(f.db->db);
    book_faultvfs_arm(c->kind, n);
    BookError e;
    memset(&e, 0, sizeof e);
    int rc = c->s->op(&f, &e);
    int hit = book_faultvfs_failed(c->kind);
    book_faultvfs_clear();
    char *after = snapshot(&f);
    if (hit) {
      faulted_runs++;
      if (rc == 0) g_error("%s: fault #%d: succeeded although the database failed", c->s->name, n);
      if (e.http != 503 || strcmp(e.code, "storage_unavailable") != 0)
        g_error("%s: fault #%d: answered %d %s (%s), not 503 storage_unavailable", c->s->name, n,
                e.http, e.code, e.message);
      if (strcmp(before, after) != 0)
        g_error("%s: fault #%d: the database changed although the change was refused",
                c->s->name, n);
      g_free(after);
      continue;
    }
    /* No fault met: the operation ran whole, as it does without faults. */
    if (c->s->expect) {
      g_assert_cmpint(rc, !=, 0);
      g_assert_cmpstr(e.code, ==, c->s->expect);
      g_assert_cmpstr(before, ==, after);
    } else {
      if (rc) g_error("%s: failed without a fault: %s %s", c->s->name, e.code, e.message);
      g_assert_cmpstr(before, !=, after);
    }
    g_free(after);
    break;
  }
  /* Reads and queries: every scenario makes several; writes and syncs only
   * where something is written. */
  if (c->kind == BOOK_FAULT_READ || !c->s->expect) g_assert_cmpint(faulted_runs, >=, 1);
  if (c->kind == BOOK_FAULT_QUERY) g_assert_cmpint(faulted_runs, >=, c->s->min_queries);
  if (g_test_verbose())
    g_printerr("%s/%d: %d faulted runs\n", c->s->name, (int)c->kind, faulted_runs);
  g_free(before);
  fx_close(&f);
}

/* ---- the helpers themselves ---- */

static void t_row_and_scalar_tell_error_from_none(void) {
  Fx f = {0};
  fx_open(&f);
  int64_t v = 42;
  g_assert_cmpint(book_db_scalar(f.db, "SELECT id FROM prisoners WHERE id = ?", &v, 1,
                                 (int64_t)999),
                  ==, 0);
  g_assert_cmpint(v, ==, 42);
  g_assert_cmpint(book_db_scalar(f.db, "SELECT vo_balance FROM prisoners WHERE id = ?", &v, 1,
                                 (int64_t)1),
                  ==, 1);
  g_assert_cmpint(v, ==, 2);
  sqlite3_db_release_memory(f.db->db);
  book_faultvfs_arm(BOOK_FAULT_READ, 0);
  v = 42;
  g_assert_cmpint(book_db_scalar(f.db, "SELECT vo_balance FROM prisoners WHERE id = ?", &v, 1,
                                 (int64_t)1),
                  ==, -1);
  g_assert_cmpint(v, ==, 42);
  BookStmt *st = book_db_stmt(f.db, "SELECT count(*) FROM visits");
  g_assert_cmpint(book_db_row(f.db, st), ==, -1);
  g_assert_cmpint(book_faultvfs_failed(BOOK_FAULT_READ), >=, 2);
  book_faultvfs_clear();
  g_assert_cmpint(book_db_row(f.db, st), ==, 1);
  g_assert_cmpint(book_col_int(st, 0), ==, 0);
  book_stmt_reset(st);
  g_assert_cmpint(book_db_row(f.db, NULL), ==, -1);
  g_assert_cmpint(book_db_step_done(f.db, NULL), ==, -1);
  fx_close(&f);
}

static void t_commit_fails_leaves_nothing(void) {
  Fx f = {0};
  fx_open(&f);
  sqlite3_int64 before = q(&f, "SELECT count(*) FROM audit_log");
  g_assert_cmpint(book_db_begin(f.db), ==, 0);
  g_assert_cmpint(book_audit(f.db, NOW, "tester", NULL, "test", NULL), ==, 0);
  book_faultvfs_arm(BOOK_FAULT_SYNC, 0);
  g_assert_cmpint(book_db_commit(f.db), ==, -1);
  book_faultvfs_clear();
  g_assert_cmpint(f.db->in_tx, ==, 0);
  g_assert_cmpint(sqlite3_get_autocommit(f.db->db), !=, 0);
  g_assert_cmpint(q(&f, "SELECT count(*) FROM audit_log"), ==, before);
  /* and the connection works again */
  g_assert_cmpint(book_db_begin(f.db), ==, 0);
  g_assert_cmpint(book_audit(f.db, NOW, "tester", NULL, "test", NULL), ==, 0);
  g_assert_cmpint(book_db_commit(f.db), ==, 0);
  g_assert_cmpint(q(&f, "SELECT count(*) FROM audit_log"), ==, before + 1);
  fx_close(&f);
}

/* The fold-to-boolean forms fail closed: a read error is "not visible". */
static void t_visibility_fails_closed(void) {
  Fx f = {0};
  fx_open(&f);
  BookActor a = FAM1;
  g_assert_cmpint(book_prisoner_visible(f.db, &a, 1), ==, 1);
  sqlite3_db_release_memory(f.db->db);
  book_faultvfs_arm(BOOK_FAULT_READ, 0);
  g_assert_cmpint(book_prisoner_check_visible(f.db, &a, 1), ==, -1);
  g_assert_cmpint(book_prisoner_visible(f.db, &a, 1), ==, 0);
  g_assert_cmpint(book_visit_check_visible(f.db, &a, "00112233445566778899aabbccddeeff"), ==, -1);
  g_assert_cmpint(book_visit_visible(f.db, &a, "00112233445566778899aabbccddeeff"), ==, 0);
  g_assert_cmpint(book_visit_participant(f.db, &a, "00112233445566778899aabbccddeeff"), ==, 0);
  book_faultvfs_clear();
  fx_close(&f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  /* Every injected fault is logged as sql_step_failed; the assertions say
   * what matters. */
  log_set_level((LogLevel)(LOG_LEVEL_ERROR + 1));
  g_test_add_func("/booking/faults/row_and_scalar", t_row_and_scalar_tell_error_from_none);
  g_test_add_func("/booking/faults/commit_fails_leaves_nothing", t_commit_fails_leaves_nothing);
  g_test_add_func("/booking/faults/visibility_fails_closed", t_visibility_fails_closed);
  static const char *const kinds[] = {"read", "write", "sync", "query"};
  static Case cases[G_N_ELEMENTS(SCENARIOS) * BOOK_FAULT_N];
  size_t k = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(SCENARIOS); i++)
    for (int kind = 0; kind < BOOK_FAULT_N; kind++) {
      cases[k] = (Case){&SCENARIOS[i], (BookFaultOp)kind};
      char *path = g_strdup_printf("/booking/faults/%s/%s", SCENARIOS[i].name, kinds[kind]);
      g_test_add_data_func(path, &cases[k], t_sweep);
      g_free(path);
      k++;
    }
  return g_test_run();
}
