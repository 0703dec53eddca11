#include "book_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static int exec(sqlite3 *db, const char *sql, char *err, size_t errsize) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errsize, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static int migrate(BookDb *b, char *err, size_t errsize) {
  if (exec(b->db,
           "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
           "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
           err, errsize))
    return -1;
  int have = book_db_version(b);
  for (size_t i = 0; i < book_n_migrations; i++) {
    int version = atoi(book_migrations[i].name);
    if (version <= have) continue;
    /* One transaction per migration: a crash mid-way leaves the previous
     * version intact and the migration is simply applied again. */
    if (exec(b->db, "BEGIN IMMEDIATE", err, errsize)) return -1;
    char e2[200];
    if (exec(b->db, book_migrations[i].sql, e2, sizeof e2)) {
      exec(b->db, "ROLLBACK", err, errsize);
      snprintf(err, errsize, "migration %s failed: %s", book_migrations[i].name, e2);
      return -1;
    }
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(b->db,
                       "INSERT INTO schema_migrations(version, name, applied_at) VALUES "
                       "(?, ?, strftime('%s','now'))",
                       -1, &st, NULL);
    sqlite3_bind_int(st, 1, version);
    sqlite3_bind_text(st, 2, book_migrations[i].name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE || exec(b->db, "COMMIT", err, errsize)) {
      exec(b->db, "ROLLBACK", e2, sizeof e2);
      snprintf(err, errsize, "migration %s could not be recorded", book_migrations[i].name);
      return -1;
    }
    log_info("migrated", "version=%d name=%s", version, book_migrations[i].name);
  }
  return 0;
}

static void stmt_free(gpointer p) { sqlite3_finalize(p); }

BookDb *book_db_open(const char *path, char *err, size_t errsize) {
  BookDb *b = g_new0(BookDb, 1);
  b->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stmt_free);
  int rc = sqlite3_open_v2(path, &b->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errsize, "cannot open %s: %s", path, b->db ? sqlite3_errmsg(b->db) : "no memory");
    book_db_free(b);
    return NULL;
  }
  sqlite3_busy_timeout(b->db, 5000);
  sqlite3_extended_result_codes(b->db, 1);
  char e[300];
  /* synchronous=FULL: a booking answered 201 survives power loss too, not
   * only a killed process. */
  if (exec(b->db, "PRAGMA journal_mode=WAL", e, sizeof e) ||
      exec(b->db, "PRAGMA foreign_keys=ON", e, sizeof e) ||
      exec(b->db, "PRAGMA synchronous=FULL", e, sizeof e) || migrate(b, e, sizeof e)) {
    snprintf(err, errsize, "database %s: %s", path, e);
    book_db_free(b);
    return NULL;
  }
  return b;
}

int book_db_set_synchronous_full(BookDb *b, int full) {
  char e[200];
  return exec(b->db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", e, sizeof e);
}

void book_db_free(BookDb *b) {
  if (!b) return;
  if (b->stmts) g_hash_table_destroy(b->stmts);
  if (b->db) sqlite3_close(b->db);
  g_free(b);
}

int book_db_version(BookDb *b) {
  sqlite3_stmt *st = NULL;
  int v = 0;
  if (sqlite3_prepare_v2(b->db, "SELECT coalesce(max(version),0) FROM schema_migrations", -1,
                         &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

sqlite3_stmt *book_db_stmt(BookDb *b, const char *sql) {
  sqlite3_stmt *st = g_hash_table_lookup(b->stmts, sql);
  if (st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
  }
  if (sqlite3_prepare_v3(b->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
    char q[300];
    log_error("sql_prepare_failed", "error=%s", log_quote(q, sizeof q, sqlite3_errmsg(b->db)));
    return NULL;
  }
  g_hash_table_insert(b->stmts, (gpointer)sql, st);
  return st;
}

int book_db_begin(BookDb *b) {
  sqlite3_stmt *st = book_db_stmt(b, "BEGIN IMMEDIATE");
  if (!st || sqlite3_step(st) != SQLITE_DONE) {
    char q[300];
    log_error("sql_begin_failed", "error=%s", log_quote(q, sizeof q, sqlite3_errmsg(b->db)));
    if (st) sqlite3_reset(st);
    return -1;
  }
  sqlite3_reset(st);
  b->in_tx = 1;
  return 0;
}

int book_db_commit(BookDb *b) {
  sqlite3_stmt *st = book_db_stmt(b, "COMMIT");
  int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
  if (st) sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    char q[300];
    log_error("sql_commit_failed", "error=%s", log_quote(q, sizeof q, sqlite3_errmsg(b->db)));
    book_db_rollback(b);
    return -1;
  }
  b->in_tx = 0;
  return 0;
}

void book_db_rollback(BookDb *b) {
  if (sqlite3_get_autocommit(b->db)) {
    b->in_tx = 0;
    return;
  }
  sqlite3_stmt *st = book_db_stmt(b, "ROLLBACK");
  if (st) {
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  b->in_tx = 0;
}

int book_db_step_done(BookDb *b, sqlite3_stmt *st) {
  if (!st) return -1; /* book_db_stmt logged why */
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    char q[300], s[300];
    log_error("sql_step_failed", "error=%s sql=%s", log_quote(q, sizeof q, sqlite3_errmsg(b->db)),
              log_quote(s, sizeof s, sqlite3_sql(st)));
    return -1;
  }
  return 0;
}

int book_db_row(BookDb *b, sqlite3_stmt *st) {
  if (!st) return -1; /* book_db_stmt logged why */
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    return 0;
  }
  char q[300], s[300];
  log_error("sql_step_failed", "error=%s sql=%s", log_quote(q, sizeof q, sqlite3_errmsg(b->db)),
            log_quote(s, sizeof s, sqlite3_sql(st)));
  sqlite3_reset(st);
  return -1;
}

int book_db_scalar(BookDb *b, const char *sql, sqlite3_int64 *out, int n, ...) {
  sqlite3_stmt *st = book_db_stmt(b, sql);
  if (!st) return -1;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) sqlite3_bind_int64(st, i + 1, va_arg(ap, sqlite3_int64));
  va_end(ap);
  int rc = book_db_row(b, st);
  if (rc == 1) {
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
      rc = 0;
    else
      *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
  }
  return rc;
}

sqlite3_int64 book_db_scalar_i64(BookDb *b, const char *sql, sqlite3_int64 def, int n, ...) {
  sqlite3_stmt *st = book_db_stmt(b, sql);
  if (!st) return def;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) sqlite3_bind_int64(st, i + 1, va_arg(ap, sqlite3_int64));
  va_end(ap);
  sqlite3_int64 v = def;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return v;
}

int book_audit(BookDb *b, sqlite3_int64 at, const char *actor, const char *visit_id,
               const char *action, const char *detail_json) {
  sqlite3_stmt *st = book_db_stmt(
      b, "INSERT INTO audit_log(at, actor, visit_id, action, detail) VALUES (?,?,?,?,?)");
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, at);
  sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
  if (visit_id)
    sqlite3_bind_text(st, 3, visit_id, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, 3);
  sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, detail_json ? detail_json : "{}", -1, SQLITE_TRANSIENT);
  return book_db_step_done(b, st);
}
