/* The booking database: one seam, two engines.
 *
 *   sqlite (the default): one file in WAL mode with foreign keys on;
 *   PostgreSQL 15 (libpq): one connection per BookDb, any number of booking
 *   instances on the same database.
 *
 * Both are migrated at open from the numbered migrations compiled into the
 * binary (booking/migrations/NNNN_name.sql, and booking/migrations/pg/ for the
 * few whose PostgreSQL text differs; book_migrations.c holds both sets so the
 * daemon never depends on its working directory).
 *
 * SQL is written once, in the dialect common to both, with ? placeholders
 * (or ?N); the PostgreSQL engine numbers them $N. Where a statement must
 * differ the caller asks book_db_engine() (few places: see docs/booking.md).
 *
 * Every write goes through book_db_begin/commit/rollback. sqlite: BEGIN
 * IMMEDIATE, so two writers never both read-then-write. PostgreSQL: BEGIN
 * then one transaction-scoped advisory lock that every writing transaction
 * takes first, which gives the same guarantee across instances (a writer
 * sees every commit made before it got the lock). Statements are prepared
 * once per connection and cached (book_db_stmt).
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
#include <stdint.h>

/* The result must be used: a database or audit call whose failure goes
 * unnoticed lets a booking through unchecked or a token out unaudited. */
#define BOOK_MUST_CHECK __attribute__((warn_unused_result))

typedef struct {
  const char *name; /* "0001_initial" */
  const char *sql;
} BookMigration;

/* The sqlite texts, and the PostgreSQL texts (same names, same count: the
 * PostgreSQL entry is the sqlite one where no pg/ file exists). */
extern const BookMigration book_migrations[];
extern const size_t book_n_migrations;
extern const BookMigration book_migrations_pg[];
extern const size_t book_n_migrations_pg;

typedef enum { BOOK_ENGINE_SQLITE = 0, BOOK_ENGINE_PG = 1 } BookEngine;

/* A prepared statement of either engine (opaque). */
typedef struct BookStmt BookStmt;

typedef struct {
  BookEngine engine;
  sqlite3 *db;     /* sqlite engine only (fault-injection tests reach it) */
  void *pg;        /* PGconn *, PostgreSQL engine only */
  char *conninfo;  /* PostgreSQL: to reconnect after the connection is lost */
  GHashTable *stmts; /* sql text pointer -> BookStmt* (persistent) */
  int in_tx;
  int changes;       /* rows changed by the last statement */
  char sqlstate[6];  /* PostgreSQL: SQLSTATE of the last failure */
  char errmsg[256];  /* the last failure, for logs */
  int faults;        /* PostgreSQL: test-only connection faults on (book_faultvfs.h) */
  unsigned int pg_gen;   /* PostgreSQL: connection generation (prepared statements) */
  unsigned int pg_names; /* PostgreSQL: prepared statement names handed out */
} BookDb;

/* Opens (creating) a sqlite file: WAL, foreign_keys, synchronous=FULL, a
 * busy timeout, then every migration not yet applied, each in its own
 * transaction. NULL with a reason in err. */
BookDb *book_db_open(const char *path, char *err, size_t errsize);
/* Connects to PostgreSQL (a libpq conninfo string or URI) and migrates the
 * same way (migrations serialised across instances by an advisory lock).
 * NULL with a reason in err. */
BookDb *book_db_open_pg(const char *conninfo, char *err, size_t errsize);
/* engine "sqlite" (target = file path) or "postgresql" (target = conninfo).
 * NULL with a reason in err (also for an unknown engine). */
BookDb *book_db_open_engine(const char *engine, const char *target, char *err, size_t errsize);
void book_db_free(BookDb *db);

static inline BookEngine book_db_engine(const BookDb *db) { return db->engine; }
const char *book_db_engine_name(const BookDb *db);

/* full (the default from book_db_open): every commit is fsynced, so a
 * confirmed booking survives power loss. Not full: sqlite's NORMAL in WAL
 * mode (PostgreSQL: synchronous_commit=off for this connection), which
 * survives a killed process but may lose the last commits on power loss or
 * an OS crash (measured in docs/performance.md). */
int book_db_set_synchronous_full(BookDb *db, int full) BOOK_MUST_CHECK;

/* The schema version (highest applied migration number). */
int book_db_version(BookDb *db);

/* A prepared, reset statement for sql (cached by pointer: pass string
 * literals). Bindings are cleared. NULL when it cannot be prepared (a
 * programming error, or the schema could not be read: logged). Binding to
 * NULL is harmless, and book_db_row / book_db_step_done / book_step answer
 * an error for it, so stepping through those helpers is enough to catch it. */
BookStmt *book_db_stmt(BookDb *db, const char *sql) BOOK_MUST_CHECK;

/* Parameters are numbered from 1. Text is copied; NULL text binds NULL. */
void book_bind_text(BookStmt *st, int i, const char *v);
void book_bind_i64(BookStmt *st, int i, int64_t v);
void book_bind_null(BookStmt *st, int i);

/* Columns of the current row, numbered from 0. Text is NULL for NULL and
 * valid until the next step or reset; integers are 0 for NULL (and 1/0 for
 * a PostgreSQL boolean). */
const char *book_col_text(BookStmt *st, int i);
int64_t book_col_i64(BookStmt *st, int i);
int book_col_int(BookStmt *st, int i);
int book_col_null(BookStmt *st, int i);

/* Forgets the current result so the statement can run again (bindings kept). */
void book_stmt_reset(BookStmt *st);

/* One raw step, for callers that must tell a constraint violation from a
 * failure: BOOK_ROW, BOOK_DONE, BOOK_CONSTRAINT or BOOK_ERROR (logged;
 * also for st NULL). Not reset on any answer. */
enum { BOOK_ERROR = -1, BOOK_CONSTRAINT = -2, BOOK_ROW = 100, BOOK_DONE = 101 };
int book_step(BookStmt *st) BOOK_MUST_CHECK;

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int book_db_changes(BookDb *db);
/* The last failure's text (for logs). */
const char *book_db_errmsg(BookDb *db);

/* BEGIN (sqlite: IMMEDIATE; PostgreSQL: the writers' lock) / COMMIT /
 * ROLLBACK. 0 or -1 (reason logged). */
int book_db_begin(BookDb *db) BOOK_MUST_CHECK;
/* On failure the transaction is rolled back: nothing of it stays. */
int book_db_commit(BookDb *db) BOOK_MUST_CHECK;
void book_db_rollback(BookDb *db);

/* Runs a statement expecting no rows (or ignores them). 0 or -1. */
int book_db_step_done(BookDb *db, BookStmt *st) BOOK_MUST_CHECK;

/* Steps a query once: 1 with a row (read its columns, then book_stmt_reset),
 * 0 when there are no more rows, -1 when the database failed (logged; also
 * for st NULL). On 0 and -1 the statement is already reset. */
int book_db_row(BookDb *db, BookStmt *st) BOOK_MUST_CHECK;

/* One integer from a single-row query bound with the given int64
 * parameters: 1 with *out set, 0 when there is no row (or the value is
 * NULL; *out untouched), -1 when the database failed. Use this for any
 * value a decision depends on. */
int book_db_scalar(BookDb *db, const char *sql, int64_t *out, int n, ...) BOOK_MUST_CHECK;

/* Convenience for display-only values: def when no row AND when the
 * database failed. Never use it for a rule or an access decision (it cannot
 * tell "none" from "could not read"); use book_db_scalar. */
int64_t book_db_scalar_i64(BookDb *db, const char *sql, int64_t def, int n, ...);

/* An uncached statement for sql built at run time (tests, tools): free it
 * with book_stmt_free. NULL when it cannot be prepared (logged). */
BookStmt *book_db_prepare(BookDb *db, const char *sql) BOOK_MUST_CHECK;
void book_stmt_free(BookStmt *st);

/* Whether a transaction is open on the connection (the engine's own view). */
int book_db_in_tx(BookDb *db);

/* Runs a script of ;-separated statements (no ; inside literals), each
 * bound with the same integer parameters ?1..?n (uncached). 0 or -1. */
int book_db_exec_script(BookDb *db, const char *sql, int n, const int64_t *params) BOOK_MUST_CHECK;

/* After rows were inserted with explicit ids: PostgreSQL's identity
 * sequences moved past them (sqlite needs nothing). 0 or -1. */
int book_db_sync_ids(BookDb *db) BOOK_MUST_CHECK;

/* Appends to the audit log (inside the caller's transaction). detail is a
 * JSON object text or NULL. 0 or -1. */
int book_audit(BookDb *db, int64_t at, const char *actor, const char *visit_id,
               const char *action, const char *detail_json) BOOK_MUST_CHECK;

#endif
