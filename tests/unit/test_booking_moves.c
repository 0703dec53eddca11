/* Moves, reviews and outcomes (issue 16 parts 5 and 6): the pure decisions
 * (book_change_effect, the outcome mappings) case by case, then each rule
 * against a real database migrated with the real migrations, sqlite or
 * PostgreSQL (PARLOUR_DB_ENGINE=pg; scripts/run-tests runs both). The world
 * is booking_rules_fixture.h's; NOW is Monday 2026-11-23 10:00 UTC. */
#include <glib.h>
#include <string.h>

#include "book_vo.h"
#include "book_db.h"
#include "book_moves.h"
#include "book_outcomes.h"
#include "book_reviews.h"
#include "book_rules.h"
#include "booking_rules_fixture.h"
#include "booking_testdb.h"
#include "log.h"

/* ---- the pure decisions ---- */

#define DAY 86400LL
/* A visit on 2026-12-02 14:00-15:00 UTC. */
#define V_START (NOW + 9 * DAY + 4 * 3600)
#define V_END (V_START + 3600)

static BookEffect effect(BookChangeKind k, const char *from, const char *to, int parlour,
                         const char *status, int involved, int64_t now, const char *today,
                         const char **why) {
  BookChange c = {k, from, to, parlour};
  BookChangeVisit v = {"2026-12-02", status, V_START, V_END, involved};
  return book_change_effect(&c, &v, now, today, why);
}

static void t_effect_release(void) {
  const char *why = NULL;
  g_assert_cmpint(
      effect(BOOK_CHANGE_RELEASE, "2026-11-30", NULL, 0, "booked", 1, NOW, "2026-11-23", &why), ==,
      BOOK_EFFECT_CANCEL);
  g_assert_cmpstr(why, ==, "prisoner_released");
  /* on the day itself too; a requested visit too */
  g_assert_cmpint(
      effect(BOOK_CHANGE_RELEASE, "2026-12-02", NULL, 0, "requested", 1, NOW, "2026-11-23", &why),
      ==, BOOK_EFFECT_CANCEL);
  /* a visit before the release day stays */
  g_assert_cmpint(
      effect(BOOK_CHANGE_RELEASE, "2026-12-03", NULL, 0, "booked", 1, NOW, "2026-11-23", &why), ==,
      BOOK_EFFECT_NONE);
  /* history is history */
  g_assert_cmpint(
      effect(BOOK_CHANGE_RELEASE, "2026-11-30", NULL, 0, "cancelled", 1, NOW, "2026-11-23", &why),
      ==, BOOK_EFFECT_NONE);
  g_assert_cmpint(
      effect(BOOK_CHANGE_RELEASE, "2026-11-30", NULL, 0, "completed", 1, NOW, "2026-11-23", &why),
      ==, BOOK_EFFECT_NONE);
  g_assert_cmpint(
      effect(BOOK_CHANGE_RELEASE, "2026-11-30", NULL, 0, "booked", 1, V_END, "2026-12-02", &why),
      ==, BOOK_EFFECT_NONE);
}

static void t_effect_transfer(void) {
  const char *why = NULL;
  /* outside Parlour: cancelled; to a Parlour establishment: for review */
  g_assert_cmpint(
      effect(BOOK_CHANGE_TRANSFER, "2026-11-30", NULL, 0, "booked", 1, NOW, "2026-11-23", &why), ==,
      BOOK_EFFECT_CANCEL);
  g_assert_cmpstr(why, ==, "prisoner_transferred");
  g_assert_cmpint(
      effect(BOOK_CHANGE_TRANSFER, "2026-11-30", NULL, 1, "booked", 1, NOW, "2026-11-23", &why), ==,
      BOOK_EFFECT_FLAG);
  g_assert_cmpint(
      effect(BOOK_CHANGE_TRANSFER, "2026-12-05", NULL, 1, "booked", 1, NOW, "2026-11-23", &why), ==,
      BOOK_EFFECT_NONE);
  /* a call running now: it ends when the move is today, even within Parlour */
  g_assert_cmpint(effect(BOOK_CHANGE_TRANSFER, "2026-12-02", NULL, 1, "in_progress", 1,
                         V_START + 60, "2026-12-02", &why),
                  ==, BOOK_EFFECT_CANCEL);
  g_assert_cmpint(effect(BOOK_CHANGE_TRANSFER, "2026-12-02", NULL, 0, "booked", 1, V_START + 60,
                         "2026-12-02", &why),
                  ==, BOOK_EFFECT_CANCEL);
  /* ... and not when the move is later */
  g_assert_cmpint(effect(BOOK_CHANGE_TRANSFER, "2026-12-03", NULL, 0, "in_progress", 1,
                         V_START + 60, "2026-12-02", &why),
                  ==, BOOK_EFFECT_NONE);
}

static void t_effect_flags(void) {
  const char *why = NULL;
  g_assert_cmpint(effect(BOOK_CHANGE_RESTRICTION, "2026-12-01", "2026-12-02", 0, "booked", 1, NOW,
                         "2026-11-23", &why),
                  ==, BOOK_EFFECT_FLAG);
  g_assert_cmpstr(why, ==, "restriction_added");
  g_assert_cmpint(
      effect(BOOK_CHANGE_RESTRICTION, "2026-12-03", NULL, 0, "booked", 1, NOW, "2026-11-23", &why),
      ==, BOOK_EFFECT_NONE);
  g_assert_cmpint(effect(BOOK_CHANGE_RESTRICTION, "2026-11-01", "2026-12-01", 0, "booked", 1, NOW,
                         "2026-11-23", &why),
                  ==, BOOK_EFFECT_NONE);
  /* not about anyone on the visit */
  g_assert_cmpint(
      effect(BOOK_CHANGE_RESTRICTION, "2026-12-01", NULL, 0, "booked", 0, NOW, "2026-11-23", &why),
      ==, BOOK_EFFECT_NONE);
  g_assert_cmpint(
      effect(BOOK_CHANGE_CONTACT_UNAPPROVED, NULL, NULL, 0, "booked", 1, NOW, "2026-11-23", &why),
      ==, BOOK_EFFECT_FLAG);
  g_assert_cmpstr(why, ==, "contact_unapproved");
  g_assert_cmpint(effect(BOOK_CHANGE_NON_ASSOCIATION, "2026-12-02", "2026-12-02", 0, "booked", 1,
                         NOW, "2026-11-23", &why),
                  ==, BOOK_EFFECT_FLAG);
  g_assert_cmpstr(why, ==, "non_association");
  g_assert_cmpint(effect(BOOK_CHANGE_DATE_EXCLUDED, "2026-12-02", "2026-12-02", 0, "booked", 1, NOW,
                         "2026-11-23", &why),
                  ==, BOOK_EFFECT_FLAG);
  g_assert_cmpstr(why, ==, "date_excluded");
  g_assert_cmpint(effect(BOOK_CHANGE_DATE_EXCLUDED, "2026-12-09", "2026-12-09", 0, "booked", 1, NOW,
                         "2026-11-23", &why),
                  ==, BOOK_EFFECT_NONE);
}

static void t_outcome_mappings(void) {
  g_assert_cmpstr(book_outcome_for_call_end("time_up"), ==, "completed");
  g_assert_cmpstr(book_outcome_for_call_end(NULL), ==, "completed");
  g_assert_cmpstr(book_outcome_for_call_end("terminated_by_staff"), ==, "terminated_by_staff");
  g_assert_cmpstr(book_outcome_for_call_end("media_failure"), ==, "technical_failure");
  g_assert_null(book_outcome_for_call_end("visit_cancelled"));
  g_assert_null(book_outcome_for_call_end("visit_rescheduled"));
  g_assert_cmpstr(book_outcome_for_no_call(1, 0), ==, "visitor_did_not_arrive");
  g_assert_cmpstr(book_outcome_for_no_call(0, 1), ==, "prisoner_did_not_attend");
  g_assert_cmpstr(book_outcome_for_no_call(0, 0), ==, "visitor_did_not_arrive");
  g_assert_true(book_outcome_valid("visitor_failed_security_checks"));
  g_assert_true(book_outcome_valid("prisoner_refused_to_attend"));
  g_assert_false(book_outcome_valid("Completed"));
  g_assert_false(book_outcome_valid(""));
  g_assert_false(book_outcome_valid(NULL));
  int n = 0;
  for (const char *const *o = BOOK_OUTCOMES; *o; o++) n++;
  g_assert_cmpint(n, >=, 22);
}

/* ---- against a database ---- */

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
  f->place = testdb_place("booking-moves");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static int64_t q(Fx *f, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int64_t q(Fx *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *sql = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int64_t v = testdb_q(f->db, sql);
  g_free(sql);
  return v;
}

/* Books prisoner 1 with visitor 1 in slot; the new id into id. */
static void book1(Fx *f, const char *slot, char id[BOOK_VISIT_ID_LEN]) {
  BookVisitorSel vs[1] = {{1, 1}};
  BookRequest r = {
      .type = "social", .prisoner_id = 1, .slot_id = slot, .visitors = vs, .n_visitors = 1};
  BookActor a = STAFF;
  BookError e;
  int rc = book_visit_create(f->db, &a, &r, NOW, id, &e);
  if (rc) g_test_message("book %s: %s", slot, e.code);
  g_assert_cmpint(rc, ==, 0);
}

static const char *move(Fx *f, BookActor a, int64_t pid, const char *kind, const char *to,
                        const char *date, int64_t now, json_t **out) {
  static BookError e;
  json_t *o = NULL;
  if (book_prisoner_move(f->db, &a, pid, kind, to, date, "court order", now, &o, &e)) return e.code;
  if (out)
    *out = o;
  else
    json_decref(o);
  return "ok";
}

static void t_release_cancels(Fx *f, gconstpointer d) {
  (void)d;
  char before[BOOK_VISIT_ID_LEN], after[BOOK_VISIT_ID_LEN];
  book1(f, "4:2026-11-26", before);
  book1(f, "1:2026-12-02", after);
  int64_t vo = q(f, "SELECT " BOOK_VO_BALANCE_SQL " FROM prisoners p WHERE p.id = 1");
  json_t *out = NULL;
  g_assert_cmpstr(move(f, STAFF, 1, "release", NULL, "2026-11-30", NOW, &out), ==, "ok");
  g_assert_cmpint(json_array_size(json_object_get(out, "cancelled")), ==, 1);
  g_assert_cmpint(json_array_size(json_object_get(out, "flagged")), ==, 0);
  json_decref(out);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'cancelled' AND "
                    "outcome = 'prisoner_released'",
                    after),
                  ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'booked'", before),
                  ==, 1);
  /* the staff cancellation's own path: VO back, audit row, end_call */
  g_assert_cmpint(q(f, "SELECT " BOOK_VO_BALANCE_SQL " FROM prisoners p WHERE p.id = 1"), ==, vo + 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM audit_log WHERE visit_id = '%s' AND action = "
                    "'cancelled'",
                    after),
                  ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM call_decisions WHERE visit_id = '%s' AND action = "
                    "'end_call' AND reason = 'visit_cancelled'",
                    after),
                  ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action = 'prisoner_moved'"), ==, 1);
  /* no booking from the release day */
  BookVisitorSel vs[1] = {{1, 1}};
  BookRequest r = {.type = "social",
                   .prisoner_id = 1,
                   .slot_id = "4:2026-12-03",
                   .visitors = vs,
                   .n_visitors = 1};
  BookActor a = STAFF;
  BookError e;
  char id[BOOK_VISIT_ID_LEN];
  g_assert_cmpint(book_visit_create(f->db, &a, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "prisoner_moved");
  r.slot_id = "4:2026-11-26"; /* before it: the move does not refuse (the visit there does) */
  g_assert_cmpint(book_visit_create(f->db, &a, &r, NOW, id, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "prisoner_double_booked");
}

static void t_transfer_within_and_out(Fx *f, gconstpointer d) {
  (void)d;
  char v1[BOOK_VISIT_ID_LEN], v2[BOOK_VISIT_ID_LEN];
  book1(f, "1:2026-12-02", v1);
  json_t *out = NULL;
  /* to OTH (a Parlour establishment): flagged for review, not cancelled */
  g_assert_cmpstr(move(f, STAFF, 1, "transfer", "OTH", "2026-11-30", NOW, &out), ==, "ok");
  g_assert_cmpint(json_array_size(json_object_get(out, "flagged")), ==, 1);
  json_decref(out);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'booked'", v1), ==,
                  1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visit_reviews WHERE visit_id = '%s' AND reason = "
                    "'prisoner_transferred' AND establishment_id = 'TST'",
                    v1),
                  ==, 1);
  /* not moved yet: the scan moves the prisoner on the day */
  g_assert_cmpint(q(f, "SELECT count(*) FROM prisoners WHERE id = 1 AND establishment_id = 'TST'"),
                  ==, 1);
  g_assert_cmpint(book_reviews_scan(f->db, NOW + 7 * DAY, 1), >=, 0);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM prisoners WHERE id = 1 AND establishment_id = 'OTH' "
                    "AND leaving_on IS NULL"),
                  ==, 1);
  /* prisoner 5 to a prison outside Parlour: cancelled */
  BookVisitorSel vs[1] = {{1, 1}};
  BookRequest r = {.type = "social",
                   .prisoner_id = 5,
                   .slot_id = "4:2026-12-03",
                   .visitors = vs,
                   .n_visitors = 1};
  BookActor a = STAFF;
  BookError e;
  g_assert_cmpint(book_visit_create(f->db, &a, &r, NOW, v2, &e), ==, 0);
  g_assert_cmpstr(move(f, STAFF, 5, "transfer", "LEI", "2026-11-30", NOW, NULL), ==, "ok");
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'cancelled' AND "
                    "outcome = 'prisoner_transferred'",
                    v2),
                  ==, 1);
}

static void t_transfer_ends_live_call(Fx *f, gconstpointer d) {
  (void)d;
  char v[BOOK_VISIT_ID_LEN];
  book1(f, "4:2026-11-26", v);
  int64_t start = q(f, "SELECT start_at FROM visits WHERE id = '%s'", v);
  testdb_exec(f->db, "UPDATE visits SET status = 'in_progress'");
  g_assert_cmpstr(move(f, STAFF, 1, "transfer", "OTH", "2026-11-26", start + 60, NULL), ==, "ok");
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'cancelled'", v),
                  ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM call_decisions WHERE visit_id = '%s' AND action = "
                    "'end_call'",
                    v),
                  ==, 1);
  /* due today: moved at once */
  g_assert_cmpint(q(f, "SELECT count(*) FROM prisoners WHERE id = 1 AND establishment_id = 'OTH'"),
                  ==, 1);
}

static void t_move_bad_input(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(move(f, FAM1, 1, "release", NULL, "2026-11-30", NOW, NULL), ==, "forbidden");
  g_assert_cmpstr(move(f, MONITOR, 1, "release", NULL, "2026-11-30", NOW, NULL), ==, "forbidden");
  g_assert_cmpstr(move(f, STAFF_OTH, 1, "release", NULL, "2026-11-30", NOW, NULL), ==, "not_found");
  g_assert_cmpstr(move(f, STAFF, 1, "escape", NULL, "2026-11-30", NOW, NULL), ==, "invalid_field");
  g_assert_cmpstr(move(f, STAFF, 1, "release", NULL, "30/11/2026", NOW, NULL), ==, "invalid_field");
  g_assert_cmpstr(move(f, STAFF, 1, "release", NULL, "2026-11-01", NOW, NULL), ==, "date_in_past");
  g_assert_cmpstr(move(f, STAFF, 1, "transfer", NULL, "2026-11-30", NOW, NULL), ==,
                  "missing_field");
  g_assert_cmpstr(move(f, STAFF, 1, "transfer", "tst'", "2026-11-30", NOW, NULL), ==,
                  "invalid_field");
  g_assert_cmpstr(move(f, STAFF, 1, "transfer", "TST", "2026-11-30", NOW, NULL), ==,
                  "same_establishment");
  g_assert_cmpstr(move(f, STAFF, 1, "release", "OTH", "2026-11-30", NOW, NULL), ==,
                  "invalid_field");
  g_assert_cmpint(q(f, "SELECT count(*) FROM prisoner_moves"), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log"), ==, 0);
}

static void t_contact_changes_flag(Fx *f, gconstpointer d) {
  (void)d;
  char v1[BOOK_VISIT_ID_LEN], v2[BOOK_VISIT_ID_LEN];
  book1(f, "4:2026-11-26", v1);
  book1(f, "1:2026-12-02", v2);
  BookActor a = STAFF;
  BookError e;
  /* a BAN from 2026-12-01: only the later visit */
  g_assert_cmpint(
      book_contact_add_restriction(f->db, &a, 1, 1, "BAN", "2026-12-01", NULL, "threats", NOW, &e),
      ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visit_reviews WHERE reason = 'restriction_added'"), ==,
                  1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visit_reviews WHERE visit_id = '%s'", v2), ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM audit_log WHERE action = 'review_flagged' AND "
                    "visit_id = '%s'",
                    v2),
                  ==, 1);
  /* un-approved: both */
  g_assert_cmpint(book_contact_set_approved(f->db, &a, 1, 1, 0, NOW, &e), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visit_reviews WHERE reason = 'contact_unapproved'"),
                  ==, 2);
  /* still booked: staff decide */
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE status = 'booked'"), ==, 2);
}

static void t_scan_flags_idempotent(Fx *f, gconstpointer d) {
  (void)d;
  char v1[BOOK_VISIT_ID_LEN], v5[BOOK_VISIT_ID_LEN];
  book1(f, "1:2026-12-02", v1);
  /* facts change behind booking's back (no hook): a blocked date, a
   * non-associated prisoner's call the same day */
  testdb_exec(f->db,
              "INSERT INTO excluded_dates(establishment_id, template_id, date) VALUES "
              "('TST', 1, '2026-12-02')");
  BookVisitorSel vs[1] = {{1, 1}};
  BookRequest r = {.type = "social",
                   .prisoner_id = 5,
                   .slot_id = "4:2026-12-03",
                   .visitors = vs,
                   .n_visitors = 1};
  BookActor a = STAFF;
  BookError e;
  g_assert_cmpint(book_visit_create(f->db, &a, &r, NOW, v5, &e), ==, 0);
  testdb_exec(f->db, "UPDATE visits SET date = '2026-12-02' WHERE prisoner_id = 5");
  /* the first scan of the day flags; later ones that day do nothing */
  g_assert_cmpint(book_reviews_scan(f->db, NOW, 0), ==, 3);
  g_assert_cmpint(book_reviews_scan(f->db, NOW + 60, 0), ==, 0);
  /* forced: nothing new either (once per visit and reason) */
  g_assert_cmpint(book_reviews_scan(f->db, NOW + 120, 1), ==, 0);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visit_reviews WHERE visit_id = '%s' AND reason = "
                    "'date_excluded'",
                    v1),
                  ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visit_reviews WHERE reason = 'non_association'"), ==,
                  2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM review_scans"), ==, 1);
  /* the next day runs again; a visit beyond 28 days is not looked at */
  g_assert_cmpint(book_reviews_scan(f->db, NOW + DAY, 0), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM review_scans"), ==, 2);
}

static const char *resolve(Fx *f, BookActor a, int64_t id, const char *decision) {
  static BookError e;
  if (book_review_resolve(f->db, &a, id, decision, "checked with governor", NOW, &e)) return e.code;
  return "ok";
}

static void t_resolve(Fx *f, gconstpointer d) {
  (void)d;
  char v1[BOOK_VISIT_ID_LEN], v2[BOOK_VISIT_ID_LEN];
  book1(f, "4:2026-11-26", v1);
  book1(f, "1:2026-12-02", v2);
  BookActor a = STAFF;
  BookError e;
  g_assert_cmpint(book_contact_set_approved(f->db, &a, 1, 1, 0, NOW, &e), ==, 0);
  int64_t r1 = q(f, "SELECT id FROM visit_reviews WHERE visit_id = '%s'", v1);
  int64_t r2 = q(f, "SELECT id FROM visit_reviews WHERE visit_id = '%s'", v2);
  g_assert_cmpstr(resolve(f, STAFF_OTH, r1, "keep"), ==, "not_found");
  g_assert_cmpstr(resolve(f, MONITOR, r1, "keep"), ==, "forbidden");
  g_assert_cmpstr(resolve(f, STAFF, r1, "maybe"), ==, "invalid_field");
  g_assert_cmpstr(resolve(f, STAFF, 9999, "keep"), ==, "not_found");
  g_assert_cmpstr(resolve(f, STAFF, r1, "keep"), ==, "ok");
  g_assert_cmpstr(resolve(f, STAFF, r1, "cancel"), ==, "already_resolved");
  g_assert_cmpstr(resolve(f, STAFF, r2, "cancel"), ==, "ok");
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'booked'", v1), ==,
                  1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'cancelled' AND "
                    "outcome = 'establishment_cancelled'",
                    v2),
                  ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action = 'review_resolved'"), ==, 2);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM call_decisions WHERE visit_id = '%s' AND action = "
                    "'end_call'",
                    v2),
                  ==, 1);
  json_t *out = NULL;
  g_assert_cmpint(book_reviews_list(f->db, &a, 1, &out, &e), ==, 0);
  g_assert_cmpint(json_array_size(json_object_get(out, "reviews")), ==, 0);
  json_decref(out);
  g_assert_cmpint(book_reviews_list(f->db, &a, 0, &out, &e), ==, 0);
  g_assert_cmpint(json_array_size(json_object_get(out, "reviews")), ==, 2);
  json_decref(out);
  BookActor oth = STAFF_OTH;
  g_assert_cmpint(book_reviews_list(f->db, &oth, 0, &out, &e), ==, 0);
  g_assert_cmpint(json_array_size(json_object_get(out, "reviews")), ==, 0);
  json_decref(out);
  BookActor fam = FAM1;
  g_assert_cmpint(book_reviews_list(f->db, &fam, 0, &out, &e), ==, -1);
  g_assert_cmpstr(e.code, ==, "forbidden");
}

static const char *outcome(Fx *f, BookActor a, const char *id, const char *code, int64_t now) {
  static BookError e;
  if (book_visit_set_outcome(f->db, &a, id, code, "seen on the wall", now, &e)) return e.code;
  return "ok";
}

static void t_outcomes(Fx *f, gconstpointer d) {
  (void)d;
  char v1[BOOK_VISIT_ID_LEN], v2[BOOK_VISIT_ID_LEN];
  book1(f, "4:2026-11-26", v1);
  book1(f, "1:2026-12-02", v2);
  int64_t end1 = q(f, "SELECT end_at FROM visits WHERE id = '%s'", v1);
  g_assert_cmpstr(outcome(f, STAFF, v1, "completed", NOW), ==, "visit_not_started");
  /* the time passes with no call: missed, then the outcome sweep */
  g_assert_cmpint(book_visits_sweep(f->db, end1 + 1), ==, 1);
  g_assert_cmpint(book_outcomes_sweep(f->db, end1 + 1), ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND status = 'missed' AND "
                    "outcome = 'visitor_did_not_arrive' AND outcome_by = 'system'",
                    v1),
                  ==, 1);
  g_assert_cmpint(book_outcomes_sweep(f->db, end1 + 2), ==, 0);
  /* staff correct it */
  g_assert_cmpstr(outcome(f, STAFF, v1, "prisoner_refused_to_attend", end1 + 5), ==, "ok");
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND outcome = "
                    "'prisoner_refused_to_attend' AND outcome_by = 'staff'",
                    v1),
                  ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM audit_log WHERE visit_id = '%s' AND action = "
                    "'outcome_set' AND actor = 'staff'",
                    v1),
                  ==, 1);
  /* bad input */
  g_assert_cmpstr(outcome(f, STAFF, v1, "lost_in_space", end1 + 5), ==, "invalid_field");
  g_assert_cmpstr(outcome(f, FAM1, v1, "completed", end1 + 5), ==, "forbidden");
  g_assert_cmpstr(outcome(f, STAFF_OTH, v1, "completed", end1 + 5), ==, "not_found");
  /* who joined decides: a visitor came, the prisoner did not */
  int64_t end2 = q(f, "SELECT end_at FROM visits WHERE id = '%s'", v2);
  char *sql = g_strdup_printf(
      "INSERT INTO audit_log(at, actor, visit_id, action, detail) VALUES "
      "(1, 'signalling', '%s', 'event_participant_joined', "
      "'{\"data\":{\"participant\":\"visitor-1\"}}')",
      v2);
  testdb_exec(f->db, sql);
  g_free(sql);
  g_assert_cmpint(book_visits_sweep(f->db, end2 + 1), ==, 1);
  g_assert_cmpint(book_outcomes_sweep(f->db, end2 + 1), ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND outcome = "
                    "'prisoner_did_not_attend'",
                    v2),
                  ==, 1);
}

static void t_cancelled_outcomes(Fx *f, gconstpointer d) {
  (void)d;
  char v1[BOOK_VISIT_ID_LEN], v2[BOOK_VISIT_ID_LEN];
  book1(f, "4:2026-11-26", v1);
  book1(f, "1:2026-12-02", v2);
  BookActor s = STAFF, fam = FAM1;
  BookError e;
  g_assert_cmpint(book_visit_cancel(f->db, &s, v1, "staff shortage", NOW, &e), ==, 0);
  g_assert_cmpint(book_visit_cancel(f->db, &fam, v2, "ill", NOW, &e), ==, 0);
  /* an outcome once its time has come */
  g_assert_cmpint(book_outcomes_sweep(f->db, NOW), ==, 0);
  g_assert_cmpint(book_outcomes_sweep(f->db, NOW + 20 * DAY), ==, 2);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND outcome = "
                    "'establishment_cancelled'",
                    v1),
                  ==, 1);
  g_assert_cmpint(q(f,
                    "SELECT count(*) FROM visits WHERE id = '%s' AND outcome = "
                    "'booker_cancelled'",
                    v2),
                  ==, 1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
  g_test_add_func("/booking/moves/effect_release", t_effect_release);
  g_test_add_func("/booking/moves/effect_transfer", t_effect_transfer);
  g_test_add_func("/booking/moves/effect_flags", t_effect_flags);
  g_test_add_func("/booking/moves/outcome_mappings", t_outcome_mappings);
#define T(name, fn) g_test_add("/booking/moves/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("release_cancels", t_release_cancels);
  T("transfer_within_and_out", t_transfer_within_and_out);
  T("transfer_ends_live_call", t_transfer_ends_live_call);
  T("move_bad_input", t_move_bad_input);
  T("contact_changes_flag", t_contact_changes_flag);
  T("scan_flags_idempotent", t_scan_flags_idempotent);
  T("resolve", t_resolve);
  T("outcomes", t_outcomes);
  T("cancelled_outcomes", t_cancelled_outcomes);
  return g_test_run();
}
