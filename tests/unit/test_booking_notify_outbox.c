/* The notifications outbox on the real database, sqlite or PostgreSQL
 * (PARLOUR_DB_ENGINE=pg): what a change queues (languages, channels, one
 * message per address, nothing for probation), the claim that never hands
 * one row to two senders (two connections, as two booking instances would
 * hold), the finish guarded by the claim token, a lease that runs out, and
 * the reminder queued once. */
#include <glib.h>
#include <string.h>

#include "book_api.h"
#include "book_notify_outbox.h"
#include "book_rules.h"
#include "booking_testdb.h"

#define NOW 1796738400LL /* 2026-12-08 14:00 UTC */

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static void fx_setup(Fx *f, gconstpointer u) {
  f->place = testdb_place("booking-notify");
  f->db = testdb_open(&f->place);
  g_assert_cmpint(book_demo_seed_if_empty(f->db, 1024, NOW), ==, 1);
  testdb_exec(f->db,
              "UPDATE visitors SET email = 'ann@example.org', mobile = '07700 900123' WHERE id = 1;"
              "UPDATE visitors SET email = 'ann@example.org', language = 'cy' WHERE id = 2;"
              "UPDATE visitors SET email = 'lee@example.org', language = 'cy' WHERE id = 4;"
              "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, date, start_at, "
              "end_at, restriction, status, booked_by, booked_at, updated_at) VALUES "
              "('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1','social','PLR',1,'2026-12-10',1796911200,"
              "1796913000,'open','booked',1,1796000000,1796000000);"
              "INSERT INTO visit_visitors(visit_id, visitor_id, main_contact) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1',1,1),"
              "('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1',2,0);"
              "INSERT INTO visits(id, visit_type, probationer_id, professional_user_id, date, "
              "start_at, end_at, restriction, status, booked_by, booked_at, updated_at) VALUES "
              "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2','probation',1,4,'2026-12-10',1796911200,"
              "1796913000,'open','booked',4,1796000000,1796000000)");
}

static void fx_teardown(Fx *f, gconstpointer u) {
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static long long q(Fx *f, const char *sql) { return testdb_q(f->db, sql); }

static void queue(Fx *f, const char *visit, const char *event) {
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_notify_visit(f->db, visit, event, NOW), ==, 0);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
}

static void test_queue_languages_and_channels(Fx *f, gconstpointer u) {
  queue(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "booked");
  /* Ann: email (en) + text (en); Lily shares Ann's address: no second
   * email; the prisoner (with an account): in-cell, already sent. */
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications"), ==, 3);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE channel='email' AND language='en' "
                       "AND status='queued' AND address='ann@example.org'"), ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE channel='sms' AND "
                       "address='07700 900123' AND status='queued'"), ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE channel='incell' AND prisoner_id=1 "
                       "AND status='sent' AND sent_at IS NOT NULL"), ==, 1);
  char *body = testdb_qs(f->db, "SELECT body FROM notifications WHERE channel='email'");
  g_assert_nonnull(strstr(body, "HMP Parlour (demo)"));
  g_assert_nonnull(strstr(body, "Thursday 10 December 2026, 2pm"));
  g_assert_null(strstr(body, "A1234BC"));
  g_assert_null(strstr(body, "Tom"));
  g_free(body);
  /* Lily alone, with her own address, in Welsh. */
  testdb_exec(f->db, "UPDATE visitors SET email = 'lily@example.org' WHERE id = 2");
  queue(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "cancelled");
  char *cy = testdb_qs(f->db, "SELECT subject FROM notifications WHERE address='lily@example.org'");
  g_assert_cmpstr(cy, ==, "Mae eich ymweliad fideo wedi'i ganslo");
  g_free(cy);
  /* Probation calls have no family to tell; an unknown visit nothing. */
  long long before = q(f, "SELECT count(*) FROM notifications");
  queue(f, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2", "booked");
  queue(f, "cccccccccccccccccccccccccccccccc", "booked");
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications"), ==, before);
  /* An amendment clears the reminder mark. */
  testdb_exec(f->db, "UPDATE visits SET reminder_queued_at = 5 WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  queue(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "amended");
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE reminder_queued_at IS NULL AND id = "
                       "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'"), ==, 1);
}

/* Two connections claim in turn and at once: every due row goes to exactly
 * one of them. */
static void test_claim_is_exclusive(Fx *f, gconstpointer u) {
  for (int i = 0; i < 10; i++) queue(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "booked");
  BookDb *other = testdb_open(&f->place);
  GPtrArray *a = g_ptr_array_new_with_free_func(book_notify_job_free);
  GPtrArray *b = g_ptr_array_new_with_free_func(book_notify_job_free);
  int na = 0, nb = 0, r;
  for (int round = 0; round < 10; round++) {
    char ta[16], tb[16]; /* a fresh token per claim, as the sender makes */
    g_snprintf(ta, sizeof ta, "token-a%d", round);
    g_snprintf(tb, sizeof tb, "token-b%d", round);
    r = book_notify_claim(f->db, round ? ta : "token-a", NOW, 300, 3, a);
    g_assert_cmpint(r, >=, 0);
    na += r;
    r = book_notify_claim(other, round ? tb : "token-b", NOW, 300, 4, b);
    g_assert_cmpint(r, >=, 0);
    nb += r;
  }
  g_assert_cmpint(na + nb, ==, 20); /* 10 emails + 10 texts; in-cell rows are never claimed */
  g_assert_cmpint(na, ==, (int)a->len);
  GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
  for (guint i = 0; i < a->len; i++) g_assert_true(g_hash_table_add(seen, &((BookNotifyJob *)a->pdata[i])->id));
  for (guint i = 0; i < b->len; i++) g_assert_true(g_hash_table_add(seen, &((BookNotifyJob *)b->pdata[i])->id));
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE status='sending' AND attempts=1"), ==, 20);
  /* The finish is the claimant's only. */
  BookNotifyJob *j = a->pdata[0];
  BookNotifyPlan sent = {"sent", 0};
  g_assert_cmpint(book_notify_finish(other, j->id, "token-b", &sent, NULL, NULL, NOW), ==, 0);
  g_assert_cmpint(book_notify_finish(f->db, j->id, "token-a", &sent, NULL, "ref-1", NOW), ==, 1);
  g_assert_cmpint(book_notify_finish(f->db, j->id, "token-a", &sent, NULL, NULL, NOW), ==, 0);
  /* A transient failure: back to queued, due later, with the error. */
  BookNotifyJob *k = a->pdata[1];
  BookNotifyPlan again = {"queued", NOW + 60};
  g_assert_cmpint(book_notify_finish(f->db, k->id, "token-a", &again, "451 later", NULL, NOW), ==, 1);
  GPtrArray *c = g_ptr_array_new_with_free_func(book_notify_job_free);
  g_assert_cmpint(book_notify_claim(f->db, "token-c", NOW + 59, 300, 100, c), ==, 0);
  /* At its time it is claimed again (attempt 2); past the lease the rows
   * a dead sender held come back too. */
  g_assert_cmpint(book_notify_claim(f->db, "token-c", NOW + 60, 300, 100, c), ==, 1);
  g_assert_cmpint(((BookNotifyJob *)c->pdata[0])->attempts, ==, 2);
  g_assert_cmpint(book_notify_claim(f->db, "token-d", NOW + 301, 300, 100, c), ==, 18);
  g_assert_cmpint(book_notify_finish(other, ((BookNotifyJob *)b->pdata[0])->id, "token-b", &sent,
                                     NULL, NULL, NOW + 302), ==, 0); /* its lease was lost */
  g_hash_table_destroy(seen);
  g_ptr_array_free(a, TRUE);
  g_ptr_array_free(b, TRUE);
  g_ptr_array_free(c, TRUE);
  book_db_free(other);
}

typedef struct {
  TestDbPlace *place;
  const char *token;
  int claimed;
  GArray *ids;
} Racer;

static gpointer race(gpointer user) {
  Racer *r = user;
  BookDb *db = testdb_open(r->place);
  for (int i = 0; i < 40; i++) {
    GPtrArray *jobs = g_ptr_array_new_with_free_func(book_notify_job_free);
    char token[32];
    g_snprintf(token, sizeof token, "%s-%d", r->token, i);
    int n = book_notify_claim(db, token, NOW, 300, 2, jobs);
    if (n > 0) r->claimed += n;
    for (guint k = 0; k < jobs->len; k++) g_array_append_val(r->ids, ((BookNotifyJob *)jobs->pdata[k])->id);
    g_ptr_array_free(jobs, TRUE);
  }
  book_db_free(db);
  return NULL;
}

static void test_claim_race(Fx *f, gconstpointer u) {
  for (int i = 0; i < 25; i++) queue(f, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "booked");
  Racer r[3] = {{&f->place, "r1", 0, g_array_new(FALSE, FALSE, sizeof(int64_t))},
                {&f->place, "r2", 0, g_array_new(FALSE, FALSE, sizeof(int64_t))},
                {&f->place, "r3", 0, g_array_new(FALSE, FALSE, sizeof(int64_t))}};
  GThread *t[3];
  for (int i = 0; i < 3; i++) t[i] = g_thread_new("racer", race, &r[i]);
  for (int i = 0; i < 3; i++) g_thread_join(t[i]);
  GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
  int total = 0;
  for (int i = 0; i < 3; i++) {
    total += r[i].claimed;
    for (guint k = 0; k < r[i].ids->len; k++)
      g_assert_true(g_hash_table_add(seen, &g_array_index(r[i].ids, int64_t, k)));
  }
  g_assert_cmpint(total, ==, 50);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE status='sending' AND attempts=1"), ==, 50);
  g_hash_table_destroy(seen);
  for (int i = 0; i < 3; i++) g_array_free(r[i].ids, TRUE);
}

static void test_reminders_once(Fx *f, gconstpointer u) {
  /* The visit starts in 23 hours, booked days ago: reminded once. (The
   * demo's own visits are out of the way.) */
  testdb_exec(f->db, "UPDATE visits SET status = 'completed' WHERE id <> 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  testdb_exec(f->db, "UPDATE visits SET start_at = 1796738400 + 82800, end_at = 1796738400 + 84600 "
                     "WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW, 86400), ==, 1);
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW + 60, 86400), ==, 0);
  BookDb *other = testdb_open(&f->place);
  g_assert_cmpint(book_notify_queue_reminders(other, NOW + 120, 86400), ==, 0);
  book_db_free(other);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE event='reminder'"), ==, 3);
  /* Not for a visit more than a day away, nor one changed within the day,
   * nor a cancelled one. */
  testdb_exec(f->db, "UPDATE visits SET reminder_queued_at = NULL, start_at = 1796738400 + 90000, end_at = 1796738400 + 91800 "
                     "WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW, 86400), ==, 0);
  testdb_exec(f->db, "UPDATE visits SET start_at = 1796738400 + 3600, end_at = 1796738400 + 5400, updated_at = 1796738400 - 60 "
                     "WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW, 86400), ==, 0);
  testdb_exec(f->db, "UPDATE visits SET updated_at = 0, status = 'cancelled' "
                     "WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW, 86400), ==, 0);
  testdb_exec(f->db, "UPDATE visits SET status = 'booked' WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW, 86400), ==, 1);
}

/* A request nobody decided on lapses at its start: the sweep tells the
 * family in the same transaction. */
static void test_lapsed_request(Fx *f, gconstpointer u) {
  testdb_exec(f->db, "UPDATE visits SET status = 'completed' WHERE id <> 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';"
                     "UPDATE visits SET status = 'requested', start_at = 1796738400 - 60 "
                     "WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_visits_sweep(f->db, NOW), >=, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE status = 'cancelled' AND id = "
                       "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'"), ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE event = 'cancelled' AND "
                       "channel = 'email'"), ==, 1);
  g_assert_cmpint(book_visits_sweep(f->db, NOW + 60), >=, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM notifications WHERE event = 'cancelled' AND "
                       "channel = 'email'"), ==, 1);
}

/* A database that fails: -1, nothing half-written. */
static void test_storage_failure(Fx *f, gconstpointer u) {
  testdb_exec(f->db, "DROP TABLE notifications");
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_notify_visit(f->db, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "booked", NOW), ==, -1);
  book_db_rollback(f->db);
  GPtrArray *jobs = g_ptr_array_new_with_free_func(book_notify_job_free);
  g_assert_cmpint(book_notify_claim(f->db, "t", NOW, 300, 10, jobs), ==, -1);
  g_assert_cmpuint(jobs->len, ==, 0);
  g_ptr_array_free(jobs, TRUE);
  testdb_exec(f->db, "UPDATE visits SET start_at = 1796738400 + 3600, end_at = 1796738400 + 5400 WHERE id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1'");
  g_assert_cmpint(book_notify_queue_reminders(f->db, NOW, 86400), ==, -1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM visits WHERE reminder_queued_at IS NOT NULL"), ==, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define T(name, fn) g_test_add("/booking/notify_outbox/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("queue_languages_and_channels", test_queue_languages_and_channels);
  T("claim_is_exclusive", test_claim_is_exclusive);
  T("claim_race", test_claim_race);
  T("reminders_once", test_reminders_once);
  T("lapsed_request", test_lapsed_request);
  T("storage_failure", test_storage_failure);
  return g_test_run();
}
