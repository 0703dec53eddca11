/* The booking database: one sqlite3 connection in WAL mode with foreign keys
 * on, migrated at open from the numbered migrations compiled into the binary
 * (booking/migrations/NNNN_name.sql; book_migrations.c holds the same text so
 * the daemon never depends on its working directory).
 *
 * Every write goes through book_db_begin/commit/rollback (BEGIN IMMEDIATE, so
 * two writers never both read-then-write: the second waits on the busy
 * timeout), and every statement is prepared once and cached (book_db_stmt).
 * Not thread-safe: one BookDb per thread. */
#ifndef PARLOUR_BOOK_DB_H
#define PARLOUR_BOOK_DB_H

#include <glib.h>
#include <sqlite3.h>
#include <stddef.h>

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
int book_db_set_synchronous_full(BookDb *db, int full);

/* The schema version (highest applied migration number). */
int book_db_version(BookDb *db);

/* A prepared, reset statement for sql (cached by pointer: pass string
 * literals). Bindings are cleared. NULL only on a programming error (logged). */
sqlite3_stmt *book_db_stmt(BookDb *db, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 (reason logged). */
int book_db_begin(BookDb *db);
int book_db_commit(BookDb *db);
void book_db_rollback(BookDb *db);

/* Runs a statement expecting no rows (or ignores them). 0 or -1. */
int book_db_step_done(BookDb *db, sqlite3_stmt *st);

/* Convenience: one integer from a single-row query bound with the given
 * int64 parameters; def when no row. */
sqlite3_int64 book_db_scalar_i64(BookDb *db, const char *sql, sqlite3_int64 def, int n, ...);

/* Appends to the audit log (inside the caller's transaction). detail is a
 * JSON object text or NULL. 0 or -1. */
int book_audit(BookDb *db, sqlite3_int64 at, const char *actor, const char *visit_id,
               const char *action, const char *detail_json);

#endif
