/* The booking database: one sqlite3 connection in WAL mode with foreign keys
 * on, migrated at open from the numbered migrations compiled into the binary
 * (booking/migrations/NNNN_name.sql; book_migrations.c holds the same text so
 * the daemon never depends on its working directory).
 *
 * Every write goes through book_db_begin/commit/rollback (BEGIN IMMEDIATE, so
 * two writers never both read-then-write: the second waits on the busy
 * timeout), and every statement is prepared once and cached (book_db_stmt).
 * Not thread-safe: one BookDb per thread.
 *
 * Errors are values: every helper that can fail says so in its result and
 * the compiler insists that the result is looked at (BOOK_MUST_CHECK). A
 * read that fails is never "no row": book_db_row and book_db_scalar answer
 * 1 (a row), 0 (no row) or -1 (the database failed), and callers turn -1
 * into 503 storage_unavailable, never into "no conflict". */
#ifndef PARLOUR_BOOK_DB_H
#define PARLOUR_BOOK_DB_H

#include <glib.h>
#include <sqlite3.h>
#include <stddef.h>

/* The result must be used: a database or audit call whose failure goes
 * unnoticed lets a booking through unchecked or a token out unaudited. */
#define BOOK_MUST_CHECK __attribute__((warn_unused_result))

typedef struct {
  const char *name; /* "0001_initial" */
  const char *sql;
} BookMigration;

extern const BookMigration book_migrations[];
extern const size_t book_n_migrations;

typedef struct {
  sqlite3 *db;
  GHashTable *stmts; /* sql text pointer -> sqlite3_stmt* (persistent) */
  int in_tx;
} BookDb;

/* Opens (creating) path, sets WAL, foreign_keys, synchronous=FULL and a busy
 * timeout, and applies every migration not yet applied, each in its own
 * transaction. NULL with a reason in err. */
BookDb *book_db_open(const char *path, char *err, size_t errsize);
void book_db_free(BookDb *db);

/* full (the default from book_db_open): every commit is fsynced, so a
 * confirmed booking survives power loss. Not full: sqlite's NORMAL in WAL
 * mode, which survives a killed process but may lose the last commits on
 * power loss or an OS crash (measured in docs/performance.md). */
int book_db_set_synchronous_full(BookDb *db, int full) BOOK_MUST_CHECK;

/* The schema version (highest applied migration number). */
int book_db_version(BookDb *db);

/* A prepared, reset statement for sql (cached by pointer: pass string
 * literals). Bindings are cleared. NULL when it cannot be prepared (a
 * programming error, or the schema could not be read: logged). Binding to
 * NULL is harmless (sqlite answers MISUSE), and book_db_row /
 * book_db_step_done answer -1 for it, so stepping through those helpers is
 * enough to catch it. */
sqlite3_stmt *book_db_stmt(BookDb *db, const char *sql) BOOK_MUST_CHECK;

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (reason logged). */
int book_db_begin(BookDb *db) BOOK_MUST_CHECK;
/* On failure the transaction is rolled back: nothing of it stays. */
int book_db_commit(BookDb *db) BOOK_MUST_CHECK;
void book_db_rollback(BookDb *db);

/* Runs a statement expecting no rows (or ignores them). 0 or -1. */
int book_db_step_done(BookDb *db, sqlite3_stmt *st) BOOK_MUST_CHECK;

/* Steps a query once: 1 with a row (read its columns, then sqlite3_reset),
 * 0 when there are no more rows, -1 when the database failed (logged; also
 * for st NULL). On 0 and -1 the statement is already reset. */
int book_db_row(BookDb *db, sqlite3_stmt *st) BOOK_MUST_CHECK;

/* One integer from a single-row query bound with the given int64
 * parameters: 1 with *out set, 0 when there is no row (or the value is
 * NULL; *out untouched), -1 when the database failed. Use this for any
 * value a decision depends on. */
int book_db_scalar(BookDb *db, const char *sql, sqlite3_int64 *out, int n, ...) BOOK_MUST_CHECK;

/* Convenience for display-only values: def when no row AND when the
 * database failed. Never use it for a rule or an access decision (it cannot
 * tell "none" from "could not read"); use book_db_scalar. */
sqlite3_int64 book_db_scalar_i64(BookDb *db, const char *sql, sqlite3_int64 def, int n, ...);

/* Appends to the audit log (inside the caller's transaction). detail is a
 * JSON object text or NULL. 0 or -1. */
int book_audit(BookDb *db, sqlite3_int64 at, const char *actor, const char *visit_id,
               const char *action, const char *detail_json) BOOK_MUST_CHECK;

#endif
