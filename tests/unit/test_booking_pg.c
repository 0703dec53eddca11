/* The PostgreSQL engine behind book_db.h: the dialect translation (always),
 * and with PARLOUR_DB_ENGINE=pg, on a throwaway cluster (booking_testdb.h):
 * a lost connection is one failure then healed, a COMMIT after a failed
 * statement is a failure (the server answers ROLLBACK), the writers' lock
 * serialises transactions across connections, and parameters keep their
 * types (64-bit integers, NULL in "? IS NULL OR col = ?"). */
#include <glib.h>
#include <string.h>

#include "book_db.h"
#include "book_store.h"
#include "booking_testdb.h"

static void check_tr(const char *in, const char *want, int want_np) {
  int np = -1;
  char *out = book_pg_translate(in, &np);
  g_assert_cmpstr(out, ==, want);
  g_assert_cmpint(np, ==, want_np);
  g_free(out);
}

static void t_translate(void) {
  check_tr("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2", 2);
  check_tr("SELECT ?2, ?1, ?2", "SELECT $2, $1, $2", 2);
  /* a ? inside a literal is text, not a parameter */
  check_tr("SELECT 'why?' || ? FROM t", "SELECT 'why?' || $1 FROM t", 1);
  check_tr("INSERT OR IGNORE INTO t(a) VALUES (?)", "INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING",
           1);
  check_tr("INSERT OR IGNORE INTO t(a) VALUES (?) RETURNING id",
           "INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id", 1);
  check_tr("SELECT 1", "SELECT 1", 0);
}

static int need_pg(void) {
  if (testdb_pg()) return 1;
  g_test_skip("PostgreSQL only (PARLOUR_DB_ENGINE=pg)");
  return 0;
}

static void t_connection_loss_heals(void) {
  if (!need_pg()) return;
  TestDbPlace p = testdb_place("booking-pg");
  BookDb *a = testdb_open(&p), *killer = testdb_open(&p);
  int64_t pid = testdb_q(a, "SELECT pg_backend_pid()");
  g_assert_cmpint(pid, >, 0);
  char *sql = g_strdup_printf("SELECT pg_terminate_backend(%lld)", (long long)pid);
  g_assert_cmpint(testdb_q(killer, sql), ==, 1);
  g_free(sql);
  int64_t v = 0;
  /* the statement that meets the loss fails: never "no row" */
  g_assert_cmpint(book_db_scalar(a, "SELECT count(*) FROM users", &v, 0), ==, -1);
  /* the next one runs on a new connection */
  g_assert_cmpint(book_db_scalar(a, "SELECT count(*) FROM users", &v, 0), ==, 1);
  g_assert_cmpint(v, ==, 0);
  g_assert_cmpint(testdb_q(a, "SELECT pg_backend_pid()"), !=, pid);
  /* inside a transaction: the loss fails the transaction, rollback heals */
  g_assert_cmpint(book_db_begin(a), ==, 0);
  pid = testdb_q(a, "SELECT pg_backend_pid()");
  sql = g_strdup_printf("SELECT pg_terminate_backend(%lld)", (long long)pid);
  g_assert_cmpint(testdb_q(killer, sql), ==, 1);
  g_free(sql);
  g_assert_cmpint(book_audit(a, 1, "t", NULL, "x", NULL), ==, -1);
  g_assert_cmpint(book_db_commit(a), ==, -1);
  g_assert_cmpint(book_db_scalar(a, "SELECT count(*) FROM audit_log", &v, 0), ==, 1);
  g_assert_cmpint(v, ==, 0);
  book_db_free(killer);
  book_db_free(a);
  testdb_remove(&p);
}

static void t_failed_statement_fails_commit(void) {
  if (!need_pg()) return;
  TestDbPlace p = testdb_place("booking-pg");
  BookDb *db = testdb_open(&p);
  g_assert_cmpint(book_db_begin(db), ==, 0);
  g_assert_cmpint(book_audit(db, 1, "t", NULL, "kept?", NULL), ==, 0);
  BookStmt *st = book_db_stmt(db, "INSERT INTO establishments(id, name) VALUES ('X', 'too short')");
  g_assert_cmpint(book_step(st), ==, BOOK_CONSTRAINT);
  book_stmt_reset(st);
  g_assert_cmpint(book_db_commit(db), ==, -1);
  g_assert_false(book_db_in_tx(db));
  g_assert_cmpint(testdb_q(db, "SELECT count(*) FROM audit_log"), ==, 0);
  book_db_free(db);
  testdb_remove(&p);
}

static void t_writers_lock(void) {
  if (!need_pg()) return;
  TestDbPlace p = testdb_place("booking-pg");
  BookDb *a = testdb_open(&p), *b = testdb_open(&p);
  g_assert_cmpint(book_db_begin(a), ==, 0);
  /* while a writes, nobody else may: the same lock is taken by b's begin */
  g_assert_cmpint(testdb_q(b, "SELECT CASE WHEN pg_try_advisory_lock(7411) THEN 1 ELSE 0 END"), ==,
                  0);
  book_db_rollback(a);
  g_assert_cmpint(testdb_q(b, "SELECT CASE WHEN pg_try_advisory_lock(7411) THEN 1 ELSE 0 END"), ==,
                  1);
  g_assert_cmpint(testdb_q(b, "SELECT CASE WHEN pg_advisory_unlock(7411) THEN 1 ELSE 0 END"), ==, 1);
  book_db_free(a);
  book_db_free(b);
  testdb_remove(&p);
}

static void t_parameter_types(void) {
  if (!need_pg()) return;
  TestDbPlace p = testdb_place("booking-pg");
  BookDb *db = testdb_open(&p);
  /* 64-bit values survive both ways, also in arithmetic with a parameter */
  int64_t v = 0;
  g_assert_cmpint(book_db_scalar(db, "SELECT ? + 1", &v, 1, (int64_t)5000000000LL), ==, 1);
  g_assert_cmpint(v, ==, 5000000001LL);
  /* a NULL whose first use gives no type */
  BookStmt *st = book_db_stmt(db, "SELECT count(*) FROM users WHERE (? IS NULL OR username = ?2)");
  book_bind_null(st, 1);
  book_bind_null(st, 2);
  g_assert_cmpint(book_db_row(db, st), ==, 1);
  g_assert_cmpint(book_col_int(st, 0), ==, 0);
  book_stmt_reset(st);
  /* a boolean reads as 1/0, as sqlite's comparisons do */
  st = book_db_stmt(db, "SELECT 1 = 1, 1 = 2, NULL IS NULL");
  g_assert_cmpint(book_db_row(db, st), ==, 1);
  g_assert_cmpint(book_col_int(st, 0), ==, 1);
  g_assert_cmpint(book_col_int(st, 1), ==, 0);
  g_assert_cmpint(book_col_int(st, 2), ==, 1);
  book_stmt_reset(st);
  book_db_free(db);
  testdb_remove(&p);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/pg/translate", t_translate);
  g_test_add_func("/booking/pg/connection_loss_heals", t_connection_loss_heals);
  g_test_add_func("/booking/pg/failed_statement_fails_commit", t_failed_statement_fails_commit);
  g_test_add_func("/booking/pg/writers_lock", t_writers_lock);
  g_test_add_func("/booking/pg/parameter_types", t_parameter_types);
  return g_test_run();
}
