/* Held slots and session eligibility (issue 16 parts 3 and 4): the two pure
 * rules (book_capacity.h, book_eligibility.h) driven directly, then each
 * rule through the real booking functions on a real database (a sqlite
 * file, or PostgreSQL with PARLOUR_DB_ENGINE=pg), with the rules' fixture:
 * now is Monday 2026-11-23 10:00 UTC; template 1 (social, Wednesdays
 * 14:00-15:00) has one open and one closed place; template 4 (social,
 * Thursdays) has five open places. */
#include <glib.h>
#include <pthread.h>
#include <string.h>

#include "book_capacity.h"
#include "book_db.h"
#include "book_eligibility.h"
#include "book_holds.h"
#include "book_rules.h"
#include "booking_testdb.h"
#include "log.h"

#include "booking_rules_fixture.h"

/* ---- the pure rules ---- */

static void t_capacity_rule(void) {
  const int64_t now = 1000;
  g_assert_cmpint(book_capacity_decide(1, 0, NULL, 0, now), ==, BOOK_ROOM);
  g_assert_cmpint(book_capacity_decide(1, 1, NULL, 0, now), ==, BOOK_FULL);
  g_assert_cmpint(book_capacity_decide(0, 0, NULL, 0, now), ==, BOOK_FULL);
  g_assert_cmpint(book_capacity_decide(-3, 0, NULL, 0, now), ==, BOOK_FULL);
  /* a live hold of someone else takes the last place */
  int64_t live[] = {now + 1};
  g_assert_cmpint(book_capacity_decide(1, 0, live, 1, now), ==, BOOK_HELD);
  /* ... until its time: expires_at is the first second it no longer holds */
  int64_t at_expiry[] = {now};
  g_assert_cmpint(book_capacity_decide(1, 0, at_expiry, 1, now), ==, BOOK_ROOM);
  g_assert_cmpint(book_capacity_decide(1, 0, live, 1, now + 1), ==, BOOK_ROOM);
  /* visits and holds add up; expired holds count for nothing */
  int64_t mix[] = {now + 600, now - 1, now + 5, now};
  g_assert_cmpint(book_holds_live_count(mix, 4, now), ==, 2);
  g_assert_cmpint(book_capacity_decide(3, 1, mix, 4, now), ==, BOOK_HELD);
  g_assert_cmpint(book_capacity_decide(4, 1, mix, 4, now), ==, BOOK_ROOM);
  g_assert_cmpint(book_capacity_decide(3, 3, mix, 4, now), ==, BOOK_FULL);
  /* booked visits over capacity (staff overbooking, a cut capacity) stay full */
  g_assert_cmpint(book_capacity_decide(2, 5, NULL, 0, now), ==, BOOK_FULL);
  g_assert_true(book_hold_live(now + 1, now));
  g_assert_false(book_hold_live(now, now));
  g_assert_cmpint(book_hold_expiry(now), ==, now + 600);
}

static void t_location_groups(void) {
  g_assert_true(book_location_in_group("A-1-012", "A"));
  g_assert_true(book_location_in_group("A-1-012", "A-1"));
  g_assert_true(book_location_in_group("A-1-012", "A-1-012"));
  g_assert_false(book_location_in_group("A-10-001", "A-1"));
  g_assert_false(book_location_in_group("AB-1-001", "A"));
  g_assert_false(book_location_in_group("B-1-001", "A"));
  g_assert_false(book_location_in_group("", "A"));
  g_assert_false(book_location_in_group("A-1", ""));
  g_assert_false(book_location_in_group(NULL, "A"));
}

static BookSessionFilter flt(BookFilterKind k, int exclude, const char *v) {
  BookSessionFilter f = {.kind = k, .exclude = exclude};
  g_strlcpy(f.value, v, sizeof f.value);
  return f;
}

static BookPrisonerFacts facts(const char *loc, const char *cat, const char *inc) {
  BookPrisonerFacts p;
  memset(&p, 0, sizeof p);
  g_strlcpy(p.location, loc, sizeof p.location);
  g_strlcpy(p.category, cat, sizeof p.category);
  g_strlcpy(p.incentive_level, inc, sizeof p.incentive_level);
  return p;
}

static void t_eligibility_rule(void) {
  BookPrisonerFacts p = facts("A-1-012", "C", "standard");
  g_assert_cmpint(book_eligibility_decide(NULL, 0, &p), ==, BOOK_ELIGIBLE);
  /* include: one of the listed groups */
  BookSessionFilter inc_ab[] = {flt(BOOK_FILTER_LOCATION, 0, "B"), flt(BOOK_FILTER_LOCATION, 0, "A")};
  g_assert_cmpint(book_eligibility_decide(inc_ab, 2, &p), ==, BOOK_ELIGIBLE);
  BookSessionFilter inc_b[] = {flt(BOOK_FILTER_LOCATION, 0, "B")};
  g_assert_cmpint(book_eligibility_decide(inc_b, 1, &p), ==, BOOK_INELIGIBLE_LOCATION);
  /* exclude: a matching group refuses, others pass */
  BookSessionFilter exc_a1[] = {flt(BOOK_FILTER_LOCATION, 1, "A-1")};
  g_assert_cmpint(book_eligibility_decide(exc_a1, 1, &p), ==, BOOK_INELIGIBLE_LOCATION);
  BookPrisonerFacts p2 = facts("A-2-001", "C", "standard");
  g_assert_cmpint(book_eligibility_decide(exc_a1, 1, &p2), ==, BOOK_ELIGIBLE);
  /* include A but exclude A-1: wing A except landing 1 */
  BookSessionFilter both[] = {flt(BOOK_FILTER_LOCATION, 0, "A"), flt(BOOK_FILTER_LOCATION, 1, "A-1")};
  g_assert_cmpint(book_eligibility_decide(both, 2, &p), ==, BOOK_INELIGIBLE_LOCATION);
  g_assert_cmpint(book_eligibility_decide(both, 2, &p2), ==, BOOK_ELIGIBLE);
  /* category and incentive level */
  BookSessionFilter cat_d[] = {flt(BOOK_FILTER_CATEGORY, 0, "D")};
  g_assert_cmpint(book_eligibility_decide(cat_d, 1, &p), ==, BOOK_INELIGIBLE_CATEGORY);
  BookSessionFilter cat_not_c[] = {flt(BOOK_FILTER_CATEGORY, 1, "C")};
  g_assert_cmpint(book_eligibility_decide(cat_not_c, 1, &p), ==, BOOK_INELIGIBLE_CATEGORY);
  BookSessionFilter enh[] = {flt(BOOK_FILTER_INCENTIVE, 0, "enhanced")};
  g_assert_cmpint(book_eligibility_decide(enh, 1, &p), ==, BOOK_INELIGIBLE_INCENTIVE);
  BookSessionFilter not_basic[] = {flt(BOOK_FILTER_INCENTIVE, 1, "basic")};
  g_assert_cmpint(book_eligibility_decide(not_basic, 1, &p), ==, BOOK_ELIGIBLE);
  /* a fact not recorded matches no include (fail safe) and no exclude */
  BookPrisonerFacts unknown = facts("", "", "standard");
  g_assert_cmpint(book_eligibility_decide(inc_b, 1, &unknown), ==, BOOK_INELIGIBLE_LOCATION);
  g_assert_cmpint(book_eligibility_decide(cat_d, 1, &unknown), ==, BOOK_INELIGIBLE_CATEGORY);
  g_assert_cmpint(book_eligibility_decide(exc_a1, 1, &unknown), ==, BOOK_ELIGIBLE);
  /* several kinds: the first refusal (location, category, incentive) is the reason */
  BookSessionFilter all[] = {flt(BOOK_FILTER_INCENTIVE, 0, "enhanced"), flt(BOOK_FILTER_CATEGORY, 0, "D"),
                             flt(BOOK_FILTER_LOCATION, 0, "A")};
  g_assert_cmpint(book_eligibility_decide(all, 3, &p), ==, BOOK_INELIGIBLE_CATEGORY);
  BookPrisonerFacts d_enh = facts("A-3-001", "D", "enhanced");
  g_assert_cmpint(book_eligibility_decide(all, 3, &d_enh), ==, BOOK_ELIGIBLE);
  /* codes and kind names */
  g_assert_cmpstr(book_eligibility_code(BOOK_INELIGIBLE_LOCATION), ==, "ineligible_location");
  g_assert_cmpstr(book_eligibility_code(BOOK_INELIGIBLE_CATEGORY), ==, "ineligible_category");
  g_assert_cmpstr(book_eligibility_code(BOOK_INELIGIBLE_INCENTIVE), ==,
                  "ineligible_incentive_level");
  g_assert_cmpint(book_filter_kind_parse("incentive_level"), ==, BOOK_FILTER_INCENTIVE);
  g_assert_cmpint(book_filter_kind_parse("wing"), ==, -1);
  g_assert_cmpint(book_filter_kind_parse(NULL), ==, -1);
  g_assert_cmpstr(book_filter_kind_name(BOOK_FILTER_LOCATION), ==, "location");
}

static void t_hold_id_ok(void) {
  g_assert_true(book_hold_id_ok("0123456789abcdef0123456789abcdef"));
  g_assert_false(book_hold_id_ok("0123456789ABCDEF0123456789abcdef"));
  g_assert_false(book_hold_id_ok("0123456789abcdef"));
  g_assert_false(book_hold_id_ok("0123456789abcdef0123456789abcdeg"));
  g_assert_false(book_hold_id_ok(NULL));
  g_assert_false(book_hold_id_ok("'; DROP TABLE slot_holds; --xxxxxx"));
}

/* ---- through the database ---- */

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static BookActor actor(int64_t id, const char *role, const char *name, const char *est) {
  BookActor a = {id, role, name, est};
  return a;
}
#define FAM1 actor(1, "family", "fam1", NULL)
#define FAM2 actor(2, "family", "fam2", NULL)
#define STAFF actor(3, "booking_staff", "staff", "TST")
#define PRIS1 actor(8, "prisoner", "pris1", NULL)
#define MONITOR actor(9, "monitor", "monitor", "TST")

#define SLOT "1:2026-12-02" /* Wednesday, one open place */

static void fx_setup(Fx *f, gconstpointer data) {
  (void)data;
  f->place = testdb_place("booking-slots");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static BookHold last_hold;
static const char *hold(Fx *f, BookActor a, int64_t prisoner, const char *slot, int64_t now) {
  static BookError e;
  BookVisitorSel vs[] = {{1, 0}};
  if (book_hold_place(f->db, &a, prisoner, slot, vs, 1, now, &last_hold, &e) == 0) return "ok";
  return e.code;
}

static const char *book_with(Fx *f, BookActor a, int64_t prisoner, const char *slot,
                             const char *hold_id, int64_t now) {
  static BookError e;
  BookVisitorSel vs[] = {{1, 1}};
  BookRequest r = {.type = "social", .prisoner_id = prisoner, .slot_id = slot, .visitors = vs,
                   .n_visitors = 1, .hold_id = hold_id};
  char id[BOOK_VISIT_ID_LEN];
  if (book_visit_create(f->db, &a, &r, now, id, &e) == 0) return "ok";
  return e.code;
}

static const char *release(Fx *f, BookActor a, const char *id, int64_t now) {
  static BookError e;
  return book_hold_release(f->db, &a, id, now, &e) == 0 ? "ok" : e.code;
}

static int64_t holds_rows(Fx *f) { return testdb_q(f->db, "SELECT count(*) FROM slot_holds"); }

static void t_hold_counts_in_capacity(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(hold(f, FAM1, 1, SLOT, NOW), ==, "ok");
  g_assert_cmpint(last_hold.expires_at, ==, NOW + BOOK_HOLD_SECONDS);
  g_assert_cmpstr(last_hold.restriction, ==, "open");
  char id[BOOK_HOLD_ID_LEN];
  g_strlcpy(id, last_hold.id, sizeof id);
  /* someone else: neither a hold nor a booking without one gets the place */
  g_assert_cmpstr(hold(f, STAFF, 2, SLOT, NOW + 1), ==, "slot_held");
  g_assert_cmpstr(book_with(f, STAFF, 2, SLOT, NULL, NOW + 1), ==, "slot_held");
  /* the holder books with the hold: the hold becomes the visit */
  g_assert_cmpstr(book_with(f, FAM1, 1, SLOT, id, NOW + 60), ==, "ok");
  g_assert_cmpint(holds_rows(f), ==, 0);
  g_assert_cmpstr(hold(f, STAFF, 2, SLOT, NOW + 61), ==, "slot_full");
  /* the closed place is separate: prisoner 4 has a CLOSED restriction */
  g_assert_cmpstr(hold(f, STAFF, 4, SLOT, NOW + 62), ==, "ok");
  g_assert_cmpstr(last_hold.restriction, ==, "closed");
}

static void t_hold_expires_by_itself(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(hold(f, FAM1, 1, SLOT, NOW), ==, "ok");
  char id[BOOK_HOLD_ID_LEN];
  g_strlcpy(id, last_hold.id, sizeof id);
  g_assert_cmpstr(hold(f, STAFF, 2, SLOT, NOW + BOOK_HOLD_SECONDS - 1), ==, "slot_held");
  /* ten minutes on, with no sweep run, the place is free again */
  g_assert_cmpstr(book_with(f, STAFF, 2, SLOT, NULL, NOW + BOOK_HOLD_SECONDS), ==, "ok");
  g_assert_cmpint(holds_rows(f), ==, 1);
  /* the late holder is told the hold ran out, not that the slot is full */
  g_assert_cmpstr(book_with(f, FAM1, 1, SLOT, id, NOW + BOOK_HOLD_SECONDS + 5), ==,
                  "hold_expired");
  g_assert_cmpstr(release(f, FAM1, id, NOW + BOOK_HOLD_SECONDS + 5), ==, "hold_not_found");
  /* the sweep tidies rows an hour past their expiry, not before */
  g_assert_cmpint(book_holds_sweep(f->db, NOW + BOOK_HOLD_SECONDS + 60), ==, 0);
  g_assert_cmpint(book_holds_sweep(f->db, NOW + BOOK_HOLD_SECONDS + 3600), ==, 1);
  g_assert_cmpint(holds_rows(f), ==, 0);
}

static void t_hold_one_per_prisoner(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(hold(f, FAM1, 1, SLOT, NOW), ==, "ok");
  char first[BOOK_HOLD_ID_LEN];
  g_strlcpy(first, last_hold.id, sizeof first);
  g_assert_cmpstr(hold(f, FAM1, 1, "4:2026-11-26", NOW + 10), ==, "ok");
  g_assert_cmpint(holds_rows(f), ==, 1);
  /* the first place is free again for others; the first hold is gone */
  g_assert_cmpstr(hold(f, STAFF, 2, SLOT, NOW + 20), ==, "ok");
  g_assert_cmpstr(book_with(f, FAM1, 1, SLOT, first, NOW + 30), ==, "hold_not_found");
  /* holding the same slot again is a fresh hold, not a clash with oneself */
  g_assert_cmpstr(hold(f, FAM1, 1, "4:2026-11-26", NOW + 40), ==, "ok");
  g_assert_cmpint(last_hold.expires_at, ==, NOW + 40 + BOOK_HOLD_SECONDS);
  /* a hold for another prisoner is a second hold */
  g_assert_cmpstr(hold(f, FAM1, 3, "4:2026-11-26", NOW + 50), ==, "ok");
  g_assert_cmpint(testdb_q(f->db, "SELECT count(*) FROM slot_holds WHERE user_id = 1"), ==, 2);
  GArray *mine = g_array_new(FALSE, TRUE, sizeof(BookHold));
  BookActor fam1 = FAM1, fam2 = FAM2;
  g_assert_cmpint(book_holds_list(f->db, &fam1, NOW + 60, mine), ==, 0);
  g_assert_cmpint(mine->len, ==, 2);
  g_assert_cmpint(book_holds_list(f->db, &fam2, NOW + 60, mine), ==, 0);
  g_assert_cmpint(mine->len, ==, 0);
  /* expired holds are not listed */
  g_assert_cmpint(book_holds_list(f->db, &fam1, NOW + 50 + BOOK_HOLD_SECONDS, mine), ==, 0);
  g_assert_cmpint(mine->len, ==, 0);
  g_array_free(mine, TRUE);
}

static void t_hold_is_its_users_alone(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(hold(f, FAM1, 1, SLOT, NOW), ==, "ok");
  char id[BOOK_HOLD_ID_LEN];
  g_strlcpy(id, last_hold.id, sizeof id);
  /* fam2 also visits prisoner 1, but cannot release or use fam1's hold */
  g_assert_cmpstr(release(f, FAM2, id, NOW + 1), ==, "hold_not_found");
  g_assert_cmpstr(book_with(f, STAFF, 1, SLOT, id, NOW + 1), ==, "hold_not_found");
  g_assert_cmpstr(release(f, FAM1, "not-a-hold", NOW + 1), ==, "hold_not_found");
  g_assert_cmpstr(book_with(f, FAM1, 1, "4:2026-11-26", id, NOW + 2), ==, "hold_mismatch");
  g_assert_cmpint(holds_rows(f), ==, 1);
  g_assert_cmpstr(release(f, FAM1, id, NOW + 3), ==, "ok");
  g_assert_cmpstr(release(f, FAM1, id, NOW + 4), ==, "hold_not_found");
  g_assert_cmpint(holds_rows(f), ==, 0);
  g_assert_cmpstr(hold(f, STAFF, 2, SLOT, NOW + 5), ==, "ok");
}

static void t_hold_bad_input(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpstr(hold(f, PRIS1, 1, SLOT, NOW), ==, "forbidden");
  g_assert_cmpstr(hold(f, MONITOR, 1, SLOT, NOW), ==, "forbidden");
  g_assert_cmpstr(hold(f, FAM1, 1, "1:2026-13-02", NOW), ==, "invalid_field");
  g_assert_cmpstr(hold(f, FAM1, 1, "x:2026-12-02", NOW), ==, "invalid_field");
  g_assert_cmpstr(hold(f, FAM1, 1, NULL, NOW), ==, "missing_field");
  g_assert_cmpstr(hold(f, FAM1, 0, SLOT, NOW), ==, "missing_field");
  g_assert_cmpstr(hold(f, FAM1, 1, "99:2026-12-02", NOW), ==, "slot_not_found");
  g_assert_cmpstr(hold(f, FAM1, 1, "1:2026-12-03", NOW), ==, "slot_not_found");
  g_assert_cmpstr(hold(f, FAM1, 1, "1:2026-11-25", NOW), ==, "outside_booking_window");
  g_assert_cmpstr(hold(f, FAM1, 1, "1:2026-12-09", NOW), ==, "date_excluded");
  g_assert_cmpstr(hold(f, FAM1, 1, "7:2026-12-02", NOW), ==, "slot_not_found");
  g_assert_cmpstr(hold(f, FAM1, 1, "2:2026-12-02", NOW), ==, "forbidden"); /* a legal slot */
  g_assert_cmpstr(hold(f, FAM2, 2, SLOT, NOW), ==, "not_found"); /* not fam2's prisoner */
  g_assert_cmpint(holds_rows(f), ==, 0);
}

static void t_eligibility_in_booking(Fx *f, gconstpointer d) {
  (void)d;
  testdb_exec(f->db, "UPDATE prisoners SET location = 'B-2-003', category = 'C', "
                     "incentive_level = 'standard' WHERE id = 1;"
                     "INSERT INTO session_template_filters(template_id, kind, mode, value) "
                     "VALUES (4, 'location', 'include', 'A')");
  g_assert_cmpstr(hold(f, FAM1, 1, "4:2026-11-26", NOW), ==, "ineligible_location");
  g_assert_cmpstr(book_with(f, FAM1, 1, "4:2026-11-26", NULL, NOW), ==, "ineligible_location");
  testdb_exec(f->db, "UPDATE prisoners SET location = 'A-1-001' WHERE id = 1;"
                     "INSERT INTO session_template_filters(template_id, kind, mode, value) "
                     "VALUES (4, 'category', 'exclude', 'C')");
  g_assert_cmpstr(book_with(f, FAM1, 1, "4:2026-11-26", NULL, NOW), ==, "ineligible_category");
  testdb_exec(f->db, "UPDATE prisoners SET category = 'D' WHERE id = 1;"
                     "INSERT INTO session_template_filters(template_id, kind, mode, value) "
                     "VALUES (4, 'incentive_level', 'include', 'enhanced')");
  g_assert_cmpstr(hold(f, FAM1, 1, "4:2026-11-26", NOW), ==, "ineligible_incentive_level");
  /* staff are refused too: the session is not the prisoner's */
  g_assert_cmpstr(book_with(f, STAFF, 1, "4:2026-11-26", NULL, NOW), ==,
                  "ineligible_incentive_level");
  testdb_exec(f->db, "UPDATE prisoners SET incentive_level = 'enhanced' WHERE id = 1");
  g_assert_cmpstr(hold(f, FAM1, 1, "4:2026-11-26", NOW), ==, "ok");
  g_assert_cmpstr(book_with(f, FAM1, 1, "4:2026-11-26", last_hold.id, NOW + 1), ==, "ok");
  /* other templates have no filters: open to everyone */
  g_assert_cmpstr(book_with(f, FAM1, 1, SLOT, NULL, NOW + 2), ==, "ok");
}

/* Two threads, each with its own connection, race to hold the last place. */
typedef struct {
  const char *target;
  BookActor a;
  int64_t prisoner;
  int ok;
  char code[48];
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
  BookError e;
  BookHold h;
  BookVisitorSel vs[] = {{1, 0}};
  r->ok = book_hold_place(db, &r->a, r->prisoner, SLOT, vs, 1, NOW, &h, &e) == 0;
  g_strlcpy(r->code, r->ok ? "ok" : e.code, sizeof r->code);
  book_db_free(db);
  return NULL;
}

static void t_race_to_hold(Fx *f, gconstpointer d) {
  (void)d;
  for (int round = 0; round < 20; round++) {
    testdb_exec(f->db, "DELETE FROM slot_holds");
    GMutex m;
    GCond c;
    g_mutex_init(&m);
    g_cond_init(&c);
    int go = 0;
    Racer r1 = {f->place.target, FAM1, 1, 0, "", &m, &c, &go};
    Racer r2 = {f->place.target, STAFF, 2, 0, "", &m, &c, &go};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, racer, &r1);
    pthread_create(&t2, NULL, racer, &r2);
    g_mutex_lock(&m);
    go = 1;
    g_cond_broadcast(&c);
    g_mutex_unlock(&m);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    g_assert_cmpint(r1.ok + r2.ok, ==, 1);
    g_assert_cmpstr(r1.ok ? r2.code : r1.code, ==, "slot_held");
    g_assert_cmpint(holds_rows(f), ==, 1);
    g_mutex_clear(&m);
    g_cond_clear(&c);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
  g_test_add_func("/booking/slots/capacity_rule", t_capacity_rule);
  g_test_add_func("/booking/slots/location_groups", t_location_groups);
  g_test_add_func("/booking/slots/eligibility_rule", t_eligibility_rule);
  g_test_add_func("/booking/slots/hold_id_ok", t_hold_id_ok);
#define T(name, fn) g_test_add("/booking/slots/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("hold_counts_in_capacity", t_hold_counts_in_capacity);
  T("hold_expires_by_itself", t_hold_expires_by_itself);
  T("hold_one_per_prisoner", t_hold_one_per_prisoner);
  T("hold_is_its_users_alone", t_hold_is_its_users_alone);
  T("hold_bad_input", t_hold_bad_input);
  T("eligibility_in_booking", t_eligibility_in_booking);
  T("race_to_hold_last_place", t_race_to_hold);
  return g_test_run();
}
