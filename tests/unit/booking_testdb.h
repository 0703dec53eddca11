/* The database a booking unit test runs on: sqlite (a file in a temporary
 * directory) or, with PARLOUR_DB_ENGINE=pg, PostgreSQL: one throwaway
 * cluster per test program (scripts/pg-test-cluster: initdb as the postgres
 * user, Unix socket only), stopped and removed at exit, and a fresh database
 * for each fixture. Header-only: included by the tests that run on both. */
#ifndef PARLOUR_BOOKING_TESTDB_H
#define PARLOUR_BOOKING_TESTDB_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "book_db.h"

typedef struct {
  char *dir;    /* sqlite: the temporary directory */
  char *target; /* sqlite: the file; PostgreSQL: the conninfo */
} TestDbPlace;

static char *testdb_cluster_dir, *testdb_cluster_conninfo;
static int testdb_n;

static inline int testdb_pg(void) {
  const char *e = g_getenv("PARLOUR_DB_ENGINE");
  return e && !strcmp(e, "pg");
}
static inline const char *testdb_engine(void) { return testdb_pg() ? "postgresql" : "sqlite"; }

static inline char *testdb_tool(void) {
  const char *root = g_getenv("PARLOUR_ROOT") ? g_getenv("PARLOUR_ROOT") : ".";
  return g_build_filename(root, "scripts", "pg-test-cluster", NULL);
}

static void testdb_cluster_stop(void) {
  if (!testdb_cluster_dir) return;
  char *tool = testdb_tool();
  char *argv[] = {tool, "stop", testdb_cluster_dir, NULL};
  g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free(tool);
}

static inline void testdb_cluster_start(void) {
  if (testdb_cluster_dir) return;
  char *tool = testdb_tool();
  char *argv[] = {tool, "start", NULL};
  char *out = NULL, *errout = NULL;
  int status = 0;
  GError *e = NULL;
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout, &status, &e) ||
      !g_spawn_check_wait_status(status, NULL))
    g_error("pg-test-cluster start failed: %s %s", e ? e->message : "", errout ? errout : "");
  gchar **lines = g_strsplit(g_strstrip(out), "\n", 2);
  g_assert_nonnull(lines[0]);
  g_assert_nonnull(lines[1]);
  testdb_cluster_dir = g_strdup(lines[0]);
  testdb_cluster_conninfo = g_strdup(lines[1]);
  g_strfreev(lines);
  g_free(out);
  g_free(errout);
  g_free(tool);
  atexit(testdb_cluster_stop);
}

/* A new empty place for a database (not yet opened). */
static inline TestDbPlace testdb_place(const char *prefix) {
  TestDbPlace p = {0};
  if (!testdb_pg()) {
    char *tmpl = g_strdup_printf("%s-XXXXXX", prefix);
    p.dir = g_dir_make_tmp(tmpl, NULL);
    g_free(tmpl);
    g_assert_nonnull(p.dir);
    p.target = g_build_filename(p.dir, "t.db", NULL);
    return p;
  }
  testdb_cluster_start();
  char err[256];
  BookDb *admin = book_db_open_pg(testdb_cluster_conninfo, err, sizeof err);
  if (!admin) g_error("%s", err);
  char *name = g_strdup_printf("unit_%d_%d", (int)getpid(), ++testdb_n);
  char *sql = g_strdup_printf("CREATE DATABASE %s", name);
  g_assert_cmpint(book_db_exec_script(admin, sql, 0, NULL), ==, 0);
  book_db_free(admin);
  GString *ci = g_string_new(testdb_cluster_conninfo);
  char *at = strstr(ci->str, "dbname=");
  g_assert_nonnull(at);
  g_string_truncate(ci, (gsize)(at - ci->str));
  g_string_append_printf(ci, "dbname=%s", name);
  p.target = g_string_free(ci, FALSE);
  g_free(sql);
  g_free(name);
  return p;
}

static inline BookDb *testdb_open(const TestDbPlace *p) {
  char err[256];
  BookDb *db = book_db_open_engine(testdb_engine(), p->target, err, sizeof err);
  if (!db) g_error("open %s: %s", p->target, err);
  return db;
}

static inline void testdb_remove(TestDbPlace *p) {
  if (p->dir) {
    for (const char *sfx = ""; sfx; sfx = !*sfx ? "-wal" : !strcmp(sfx, "-wal") ? "-shm" : NULL) {
      char *f = g_strconcat(p->target, sfx, NULL);
      g_unlink(f);
      g_free(f);
    }
    g_rmdir(p->dir);
  }
  /* PostgreSQL: the database goes with the cluster at exit. */
  g_free(p->dir);
  g_free(p->target);
  memset(p, 0, sizeof *p);
}

/* Runs ;-separated statements (fixtures, test set-up); asserts success. */
static inline void testdb_exec(BookDb *db, const char *sql) {
  if (book_db_exec_script(db, sql, 0, NULL)) g_error("exec failed: %s: %s", book_db_errmsg(db), sql);
}
/* Runs statements; 0 or -1 (for checks that a change is refused). */
static inline int testdb_try(BookDb *db, const char *sql) { return book_db_exec_script(db, sql, 0, NULL); }

/* The first column of the first row as an integer; -1 when no row. */
static inline int64_t testdb_q(BookDb *db, const char *sql) {
  BookStmt *st = book_db_prepare(db, sql);
  g_assert_nonnull(st);
  int64_t v = book_step(st) == BOOK_ROW ? book_col_i64(st, 0) : -1;
  book_stmt_free(st);
  return v;
}
/* The same as text (g_free it); NULL when no row or NULL. */
static inline char *testdb_qs(BookDb *db, const char *sql) {
  BookStmt *st = book_db_prepare(db, sql);
  g_assert_nonnull(st);
  char *v = book_step(st) == BOOK_ROW && book_col_text(st, 0) ? g_strdup(book_col_text(st, 0)) : NULL;
  book_stmt_free(st);
  return v;
}

#endif
