/* The engine-neutral half of the booking database seam (book_db.h):
 * migrations, the statement cache, transactions and the row helpers. The
 * engines are book_store_sqlite.c and book_store_pg.c. */
#include "book_db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_audit.h"
#include "book_store.h"
#include "log.h"

#define INT8OID 20

/* Every writing transaction on PostgreSQL takes this transaction-scoped
 * advisory lock first (see book_db.h); migrations take it too, so two
 * instances starting together migrate once. */
#define PG_WRITERS_LOCK "SELECT pg_advisory_xact_lock(7411)"

void book_store_fail(BookDb *b, const char *sqlstate, const char *msg) {
  g_strlcpy(b->sqlstate, sqlstate ? sqlstate : "", sizeof b->sqlstate);
  g_strlcpy(b->errmsg, msg ? msg : "unknown error", sizeof b->errmsg);
}

const char *book_db_errmsg(BookDb *b) { return b->errmsg; }
int book_db_changes(BookDb *b) { return b->changes; }
const char *book_db_engine_name(const BookDb *b) {
  return b->engine == BOOK_ENGINE_PG ? "postgresql" : "sqlite";
}

static int exec(BookDb *b, const char *sql, char *err, size_t errsize) {
  return b->engine == BOOK_ENGINE_PG ? book_pg_exec(b, sql, err, errsize)
                                     : book_lite_exec(b, sql, err, errsize);
}

/* First line of a migration that rebuilds a referenced table on sqlite. */
#define FK_OFF_MARKER "-- parlour: foreign_keys off"

static int migrate(BookDb *b, char *err, size_t errsize) {
  int pg = b->engine == BOOK_ENGINE_PG;
  const BookMigration *set = pg ? book_migrations_pg : book_migrations;
  size_t n = pg ? book_n_migrations_pg : book_n_migrations;
  if (pg) {
    /* Serialised across instances: the table is created and read under the
     * writers' lock. */
    if (exec(b, "BEGIN", err, errsize) || exec(b, PG_WRITERS_LOCK, err, errsize) ||
        exec(b,
             "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
             "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
             err, errsize) ||
        exec(b, "COMMIT", err, errsize)) {
      char e2[100];
      exec(b, "ROLLBACK", e2, sizeof e2);
      return -1;
    }
  } else if (exec(b,
                  "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                  err, errsize)) {
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    int version = atoi(set[i].name);
    /* One transaction per migration: a crash mid-way leaves the previous
     * version intact and the migration is simply applied again. The
     * version is read inside it, so a second instance that waited on the
     * lock skips what the first applied. */
    /* A sqlite table rebuild (CREATE new, copy, DROP old, RENAME) of a table
     * others reference needs foreign keys off, and that PRAGMA is a no-op
     * inside a transaction: the marker asks for it around this one
     * migration, and the references are checked before COMMIT instead. */
    int fk_off = !pg && strncmp(set[i].sql, FK_OFF_MARKER, strlen(FK_OFF_MARKER)) == 0;
    if (fk_off && exec(b, "PRAGMA foreign_keys=OFF", err, errsize)) return -1;
    if (exec(b, pg ? "BEGIN" : "BEGIN IMMEDIATE", err, errsize)) {
      if (fk_off) exec(b, "PRAGMA foreign_keys=ON", err, errsize);
      return -1;
    }
    char e2[200];
    if (pg && exec(b, PG_WRITERS_LOCK, e2, sizeof e2)) {
      exec(b, "ROLLBACK", err, errsize);
      snprintf(err, errsize, "migration lock: %s", e2);
      return -1;
    }
    /* Applied is "recorded", not "at most the highest": migrations are
     * numbered by feature and may reach a database in another order than
     * their numbers (a branch merged later), so each runs once by itself. */
    int64_t applied = 0;
    int rc = book_db_scalar(b, "SELECT count(*) FROM schema_migrations WHERE version = ?",
                            &applied, 1, (int64_t)version);
    if (rc < 0) {
      exec(b, "ROLLBACK", e2, sizeof e2);
      snprintf(err, errsize, "migration %s: cannot read schema_migrations", set[i].name);
      return -1;
    }
    if (applied) {
      exec(b, "ROLLBACK", e2, sizeof e2);
      if (fk_off && exec(b, "PRAGMA foreign_keys=ON", err, errsize)) return -1;
      continue;
    }
    if (exec(b, set[i].sql, e2, sizeof e2)) {
      exec(b, "ROLLBACK", err, errsize);
      if (fk_off) exec(b, "PRAGMA foreign_keys=ON", err, errsize);
      snprintf(err, errsize, "migration %s failed: %s", set[i].name, e2);
      return -1;
    }
    if (fk_off) {
      int64_t broken = -1;
      if (book_db_scalar(b, "SELECT count(*) FROM pragma_foreign_key_check", &broken, 0) < 0 ||
          broken != 0) {
        exec(b, "ROLLBACK", e2, sizeof e2);
        exec(b, "PRAGMA foreign_keys=ON", e2, sizeof e2);
        snprintf(err, errsize, "migration %s would break %lld foreign key reference(s)",
                 set[i].name, (long long)broken);
        return -1;
      }
    }
    char rec[300];
    snprintf(rec, sizeof rec,
             "INSERT INTO schema_migrations(version, name, applied_at) VALUES (%d, '%s', %lld)",
             version, set[i].name, (long long)(g_get_real_time() / G_USEC_PER_SEC));
    if (exec(b, rec, e2, sizeof e2) || exec(b, "COMMIT", e2, sizeof e2)) {
      exec(b, "ROLLBACK", e2, sizeof e2);
      if (fk_off) exec(b, "PRAGMA foreign_keys=ON", e2, sizeof e2);
      snprintf(err, errsize, "migration %s could not be recorded", set[i].name);
      return -1;
    }
    if (fk_off && exec(b, "PRAGMA foreign_keys=ON", err, errsize)) return -1;
    log_info("migrated", "version=%d name=%s engine=%s", version, set[i].name,
             book_db_engine_name(b));
  }
  return 0;
}

static void stmt_free(gpointer p) {
  BookStmt *st = p;
  if (st->lite) sqlite3_finalize(st->lite);
  if (st->db->engine == BOOK_ENGINE_PG) {
    book_pg_clear(st);
    g_free(st->vals);
    g_free(st->types);
    g_free(st->prep_types);
    g_free(st->pgsql);
  }
  g_free(st);
}

static BookDb *finish_open(BookDb *b, const char *what, char *err, size_t errsize) {
  if (!b) return NULL;
  b->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stmt_free);
  char e[300];
  if (migrate(b, e, sizeof e)) {
    snprintf(err, errsize, "database %s: %s", what, e);
    book_db_free(b);
    return NULL;
  }
  /* Rows written before the audit chain existed are sealed into it now,
   * before anything can append after them (book_audit.h). */
  if (book_audit_seal(b, g_get_real_time() / G_USEC_PER_SEC)) {
    snprintf(err, errsize, "database %s: the audit log could not be sealed into its chain", what);
    book_db_free(b);
    return NULL;
  }
  return b;
}

BookDb *book_db_open(const char *path, char *err, size_t errsize) {
  return finish_open(book_lite_open(path, err, errsize), path, err, errsize);
}

BookDb *book_db_open_pg(const char *conninfo, char *err, size_t errsize) {
  return finish_open(book_pg_open(conninfo, err, errsize), "postgresql", err, errsize);
}

BookDb *book_db_open_engine(const char *engine, const char *target, char *err, size_t errsize) {
  if (!engine || !*engine || strcmp(engine, "sqlite") == 0)
    return book_db_open(target, err, errsize);
  if (strcmp(engine, "postgresql") == 0) return book_db_open_pg(target, err, errsize);
  snprintf(err, errsize, "unknown database engine '%s' (sqlite or postgresql)", engine);
  return NULL;
}

int book_db_set_synchronous_full(BookDb *b, int full) {
  char e[200];
  if (b->engine == BOOK_ENGINE_PG)
    return exec(b, full ? "SET synchronous_commit = on" : "SET synchronous_commit = off", e,
                sizeof e);
  return exec(b, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", e, sizeof e);
}

void book_db_free(BookDb *b) {
  if (!b) return;
  if (b->stmts) g_hash_table_destroy(b->stmts);
  if (b->db) sqlite3_close(b->db);
  if (b->pg) book_pg_close(b);
  g_free(b->conninfo);
  g_free(b);
}

int book_db_version(BookDb *b) {
  int64_t v = 0;
  BookStmt *st = book_db_stmt(b, "SELECT coalesce(max(version),0) FROM schema_migrations");
  if (book_db_row(b, st) == 1) {
    v = book_col_i64(st, 0);
    book_stmt_reset(st);
  }
  return (int)v;
}

BookStmt *book_db_stmt(BookDb *b, const char *sql) {
  BookStmt *st = g_hash_table_lookup(b->stmts, sql);
  if (st) {
    if (b->engine == BOOK_ENGINE_PG) {
      book_pg_clear(st);
    } else {
      sqlite3_reset(st->lite);
      sqlite3_clear_bindings(st->lite);
    }
    return st;
  }
  st = g_new0(BookStmt, 1);
  st->db = b;
  st->src = sql;
  if ((b->engine == BOOK_ENGINE_PG ? book_pg_prepare(st) : book_lite_prepare(st)) != 0) {
    char q[300];
    log_error("sql_prepare_failed", "error=%s", log_quote(q, sizeof q, b->errmsg));
    g_free(st);
    return NULL;
  }
  g_hash_table_insert(b->stmts, (gpointer)sql, st);
  return st;
}

void book_bind_text(BookStmt *st, int i, const char *v) {
  if (!st) return;
  if (st->db->engine == BOOK_ENGINE_PG)
    book_pg_bind(st, i, v, 0);
  else if (v)
    sqlite3_bind_text(st->lite, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st->lite, i);
}

void book_bind_i64(BookStmt *st, int i, int64_t v) {
  if (!st) return;
  if (st->db->engine == BOOK_ENGINE_PG) {
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)v);
    book_pg_bind(st, i, s, INT8OID);
  } else {
    sqlite3_bind_int64(st->lite, i, v);
  }
}

void book_bind_null(BookStmt *st, int i) {
  if (!st) return;
  if (st->db->engine == BOOK_ENGINE_PG)
    book_pg_bind(st, i, NULL, 0);
  else
    sqlite3_bind_null(st->lite, i);
}

const char *book_col_text(BookStmt *st, int i) {
  if (st->db->engine == BOOK_ENGINE_PG) return book_pg_text(st, i);
  return (const char *)sqlite3_column_text(st->lite, i);
}

int64_t book_col_i64(BookStmt *st, int i) {
  if (st->db->engine == BOOK_ENGINE_PG) {
    const char *s = book_pg_text(st, i);
    if (!s) return 0;
    /* A PostgreSQL boolean (sqlite would have answered 1 or 0). */
    if (s[0] == 't' && !s[1]) return 1;
    if (s[0] == 'f' && !s[1]) return 0;
    return strtoll(s, NULL, 10);
  }
  return sqlite3_column_int64(st->lite, i);
}

int book_col_int(BookStmt *st, int i) { return (int)book_col_i64(st, i); }

int book_col_null(BookStmt *st, int i) {
  if (st->db->engine == BOOK_ENGINE_PG) return book_pg_null(st, i);
  return sqlite3_column_type(st->lite, i) == SQLITE_NULL;
}

void book_stmt_reset(BookStmt *st) {
  if (!st) return;
  if (st->db->engine == BOOK_ENGINE_PG)
    book_pg_reset(st);
  else
    sqlite3_reset(st->lite);
}

int book_step(BookStmt *st) {
  if (!st) return BOOK_ERROR; /* book_db_stmt logged why */
  int rc = st->db->engine == BOOK_ENGINE_PG ? book_pg_step(st) : book_lite_step(st);
  if (rc == BOOK_ERROR) {
    char q[300], s[300];
    log_error("sql_step_failed", "error=%s sqlstate=%s sql=%s",
              log_quote(q, sizeof q, st->db->errmsg), st->db->sqlstate[0] ? st->db->sqlstate : "-",
              log_quote(s, sizeof s, st->src));
  }
  return rc;
}

int book_db_begin(BookDb *b) {
  char e[300];
  int rc;
  if (b->engine == BOOK_ENGINE_PG) {
    book_pg_heal(b);
    rc = exec(b, "BEGIN", e, sizeof e);
    if (!rc && exec(b, PG_WRITERS_LOCK, e, sizeof e)) {
      char e2[100];
      exec(b, "ROLLBACK", e2, sizeof e2);
      rc = -1;
    }
  } else {
    BookStmt *st = book_db_stmt(b, "BEGIN IMMEDIATE");
    rc = book_step(st) == BOOK_DONE ? 0 : -1;
    if (st) sqlite3_reset(st->lite);
    g_strlcpy(e, b->errmsg, sizeof e);
  }
  if (rc) {
    char q[300];
    log_error("sql_begin_failed", "error=%s", log_quote(q, sizeof q, e));
    return -1;
  }
  b->in_tx = 1;
  return 0;
}

int book_db_commit(BookDb *b) {
  int rc;
  char e[300];
  if (b->engine == BOOK_ENGINE_PG) {
    rc = book_pg_commit(b, e, sizeof e);
  } else {
    BookStmt *st = book_db_stmt(b, "COMMIT");
    rc = book_step(st) == BOOK_DONE ? 0 : -1;
    if (st) sqlite3_reset(st->lite);
    g_strlcpy(e, b->errmsg, sizeof e);
  }
  if (rc) {
    char q[300];
    log_error("sql_commit_failed", "error=%s", log_quote(q, sizeof q, e));
    book_db_rollback(b);
    return -1;
  }
  b->in_tx = 0;
  return 0;
}

void book_db_rollback(BookDb *b) {
  if (b->engine == BOOK_ENGINE_PG) {
    if (book_pg_in_tx(b)) {
      char e[100];
      exec(b, "ROLLBACK", e, sizeof e);
    }
    b->in_tx = 0;
    book_pg_heal(b);
    return;
  }
  if (sqlite3_get_autocommit(b->db)) {
    b->in_tx = 0;
    return;
  }
  BookStmt *st = book_db_stmt(b, "ROLLBACK");
  if (st) {
    sqlite3_step(st->lite);
    sqlite3_reset(st->lite);
  }
  b->in_tx = 0;
}

int book_db_step_done(BookDb *b, BookStmt *st) {
  if (!st) return -1; /* book_db_stmt logged why */
  int rc;
  while ((rc = book_step(st)) == BOOK_ROW) {
  }
  book_stmt_reset(st);
  return rc == BOOK_DONE ? 0 : -1;
}

int book_db_row(BookDb *b, BookStmt *st) {
  if (!st) return -1; /* book_db_stmt logged why */
  int rc = book_step(st);
  if (rc == BOOK_ROW) return 1;
  book_stmt_reset(st);
  return rc == BOOK_DONE ? 0 : -1;
}

int book_db_scalar(BookDb *b, const char *sql, int64_t *out, int n, ...) {
  BookStmt *st = book_db_stmt(b, sql);
  if (!st) return -1;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) book_bind_i64(st, i + 1, va_arg(ap, int64_t));
  va_end(ap);
  int rc = book_db_row(b, st);
  if (rc == 1) {
    if (book_col_null(st, 0))
      rc = 0;
    else
      *out = book_col_i64(st, 0);
    book_stmt_reset(st);
  }
  return rc;
}

int64_t book_db_scalar_i64(BookDb *b, const char *sql, int64_t def, int n, ...) {
  BookStmt *st = book_db_stmt(b, sql);
  if (!st) return def;
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) book_bind_i64(st, i + 1, va_arg(ap, int64_t));
  va_end(ap);
  int64_t v = def;
  if (book_step(st) == BOOK_ROW && !book_col_null(st, 0)) v = book_col_i64(st, 0);
  book_stmt_reset(st);
  return v;
}

BookStmt *book_db_prepare(BookDb *b, const char *sql) {
  BookStmt *st = g_new0(BookStmt, 1);
  st->db = b;
  st->src = g_strdup(sql);
  st->owned = 1;
  if ((b->engine == BOOK_ENGINE_PG ? book_pg_prepare(st) : book_lite_prepare(st)) != 0) {
    char q[300];
    log_error("sql_prepare_failed", "error=%s", log_quote(q, sizeof q, b->errmsg));
    g_free((char *)st->src);
    g_free(st);
    return NULL;
  }
  return st;
}

void book_stmt_free(BookStmt *st) {
  if (!st) return;
  if (st->owned) g_free((char *)st->src);
  stmt_free(st);
}

int book_db_in_tx(BookDb *b) {
  return b->engine == BOOK_ENGINE_PG ? book_pg_in_tx(b) : !sqlite3_get_autocommit(b->db);
}

int book_db_exec_script(BookDb *b, const char *sql, int n, const int64_t *params) {
  gchar **parts = g_strsplit(sql, ";", -1);
  int bad = 0;
  for (gchar **p = parts; *p && !bad; p++) {
    if (!*g_strstrip(*p)) continue;
    BookStmt *st = book_db_prepare(b, *p);
    if (!st) {
      bad = 1;
      break;
    }
    int np = b->engine == BOOK_ENGINE_PG ? st->np : sqlite3_bind_parameter_count(st->lite);
    for (int i = 0; i < n && i < np; i++) book_bind_i64(st, i + 1, params[i]);
    int rc;
    while ((rc = book_step(st)) == BOOK_ROW) {
    }
    bad = rc != BOOK_DONE;
    book_stmt_free(st);
  }
  g_strfreev(parts);
  return bad ? -1 : 0;
}

int book_db_sync_ids(BookDb *b) {
  if (b->engine != BOOK_ENGINE_PG) return 0;
  /* Every identity column's sequence moved to its table's largest id. */
  char e[300];
  return exec(b,
              "DO $$ DECLARE r record; BEGIN FOR r IN SELECT table_name, column_name FROM "
              "information_schema.columns WHERE table_schema = current_schema() AND "
              "is_identity = 'YES' LOOP EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, "
              "%L), greatest((SELECT max(%I) FROM %I), 1))', r.table_name, r.column_name, "
              "r.column_name, r.table_name); END LOOP; END $$",
              e, sizeof e);
}

/* The row goes into its establishment's hash chain (book_audit.h). */
int book_audit(BookDb *b, int64_t at, const char *actor, const char *visit_id,
               const char *action, const char *detail_json) {
  return book_audit_append(b, at, actor, visit_id, action, detail_json);
}
