/* The booking database: migrations compiled in match booking/migrations/,
 * WAL and foreign keys are on, reopening does not migrate twice, the audit
 * log is append-only. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "book_db.h"
#include "log.h"

static char *tmpdb(char **dir) {
  *dir = g_dir_make_tmp("booking-db-XXXXXX", NULL);
  return g_build_filename(*dir, "t.db", NULL);
}

static void cleanup(char *dir, char *path) {
  const char *sfx[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char *p = g_strconcat(path, sfx[i], NULL);
    g_unlink(p);
    g_free(p);
  }
  g_rmdir(dir);
  g_free(dir);
  g_free(path);
}

static void t_embedded_match_files(void) {
  const char *root = g_getenv("PARLOUR_ROOT") ? g_getenv("PARLOUR_ROOT") : ".";
  char *mdir = g_build_filename(root, "booking", "migrations", NULL);
  GDir *d = g_dir_open(mdir, 0, NULL);
  g_assert_nonnull(d);
  size_t files = 0;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_suffix(name, ".sql")) continue;
    files++;
    char *path = g_build_filename(mdir, name, NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    int found = 0;
    for (size_t i = 0; i < book_n_migrations; i++) {
      if (strncmp(book_migrations[i].name, name, strlen(name) - 4) == 0 &&
          strlen(book_migrations[i].name) == strlen(name) - 4) {
        found = 1;
        if (strcmp(book_migrations[i].sql, text) != 0)
          g_error("%s differs from book_migrations.c: run booking/migrations/embed.py", name);
      }
    }
    g_assert_true(found);
    g_free(text);
    g_free(path);
  }
  g_dir_close(d);
  g_free(mdir);
  g_assert_cmpuint(files, ==, book_n_migrations);
  /* numbered in order (numbers are reserved per feature, so a branch may
   * carry 0012 before 0008 has landed: gaps are allowed, reordering not) */
  for (size_t i = 0; i < book_n_migrations; i++)
    g_assert_cmpint(atoi(book_migrations[i].name), >, i ? atoi(book_migrations[i - 1].name) : 0);
}

/* The PostgreSQL set is in step with the sqlite one: the same numbers and
 * names; each pg/NAME.sql (where the text must differ) is what is compiled
 * in, every other entry is the sqlite text itself. */
static void t_pg_set_in_step(void) {
  const char *root = g_getenv("PARLOUR_ROOT") ? g_getenv("PARLOUR_ROOT") : ".";
  g_assert_cmpuint(book_n_migrations_pg, ==, book_n_migrations);
  for (size_t i = 0; i < book_n_migrations; i++) {
    g_assert_cmpstr(book_migrations_pg[i].name, ==, book_migrations[i].name);
    char *f = g_strdup_printf("%s/booking/migrations/pg/%s.sql", root, book_migrations[i].name);
    char *text = NULL;
    if (g_file_get_contents(f, &text, NULL, NULL)) {
      if (strcmp(book_migrations_pg[i].sql, text) != 0)
        g_error("pg/%s.sql differs from book_migrations.c: run booking/migrations/embed.py",
                book_migrations[i].name);
    } else {
      g_assert_cmpstr(book_migrations_pg[i].sql, ==, book_migrations[i].sql);
    }
    g_free(text);
    g_free(f);
  }
  /* no pg/ file without its sqlite counterpart */
  char *pdir = g_strdup_printf("%s/booking/migrations/pg", root);
  GDir *d = g_dir_open(pdir, 0, NULL);
  g_assert_nonnull(d);
  const char *name;
  while ((name = g_dir_read_name(d))) {
    int found = 0;
    for (size_t i = 0; i < book_n_migrations; i++)
      found |= g_str_has_prefix(name, book_migrations[i].name) &&
               strlen(name) == strlen(book_migrations[i].name) + 4;
    if (!found) g_error("pg/%s has no sqlite counterpart", name);
  }
  g_dir_close(d);
  g_free(pdir);
}

static sqlite3_int64 q(BookDb *db, const char *sql) {
  sqlite3_stmt *st;
  g_assert_cmpint(sqlite3_prepare_v2(db->db, sql, -1, &st, NULL), ==, SQLITE_OK);
  sqlite3_int64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return v;
}

static void t_open_pragmas_and_reopen(void) {
  char *dir, *path = tmpdb(&dir);
  char err[256];
  BookDb *db = book_db_open(path, err, sizeof err);
  g_assert_nonnull(db);
  /* the highest number (numbers are reserved per feature, so there may be gaps) */
  g_assert_cmpint(book_db_version(db), ==, atoi(book_migrations[book_n_migrations - 1].name));
  g_assert_cmpint(q(db, "PRAGMA foreign_keys"), ==, 1);
  sqlite3_stmt *st;
  sqlite3_prepare_v2(db->db, "PRAGMA journal_mode", -1, &st, NULL);
  sqlite3_step(st);
  g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "wal");
  sqlite3_finalize(st);
  /* foreign keys are enforced */
  g_assert_cmpint(sqlite3_exec(db->db, "INSERT INTO prisoners(prison_number, name, "
                               "establishment_id, status) VALUES ('A1111AA','x','NOPE','remand')",
                               0, 0, 0), !=, SQLITE_OK);
  /* prison numbers look like A1234BC */
  sqlite3_exec(db->db, "INSERT INTO establishments(id, name) VALUES ('TST','t')", 0, 0, 0);
  g_assert_cmpint(sqlite3_exec(db->db, "INSERT INTO prisoners(prison_number, name, "
                               "establishment_id, status) VALUES ('1234','x','TST','remand')",
                               0, 0, 0), !=, SQLITE_OK);
  book_db_free(db);
  db = book_db_open(path, err, sizeof err);
  g_assert_nonnull(db);
  g_assert_cmpint(q(db, "SELECT count(*) FROM schema_migrations"), ==, (int)book_n_migrations);
  g_assert_cmpint(q(db, "SELECT count(*) FROM establishments"), ==, 1);
  book_db_free(db);
  cleanup(dir, path);
}

static void t_audit_append_only(void) {
  char *dir, *path = tmpdb(&dir);
  char err[256];
  BookDb *db = book_db_open(path, err, sizeof err);
  g_assert_cmpint(book_db_begin(db), ==, 0);
  g_assert_cmpint(book_audit(db, 1, "tester", NULL, "test", "{\"a\":1}"), ==, 0);
  g_assert_cmpint(book_db_commit(db), ==, 0);
  g_assert_cmpint(sqlite3_exec(db->db, "UPDATE audit_log SET action='x'", 0, 0, 0), !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db->db, "DELETE FROM audit_log", 0, 0, 0), !=, SQLITE_OK);
  g_assert_cmpint(q(db, "SELECT count(*) FROM audit_log WHERE action='test'"), ==, 1);
  book_db_free(db);
  cleanup(dir, path);
}

static void t_rollback_leaves_nothing(void) {
  char *dir, *path = tmpdb(&dir);
  char err[256];
  BookDb *db = book_db_open(path, err, sizeof err);
  g_assert_cmpint(book_db_begin(db), ==, 0);
  g_assert_cmpint(book_audit(db, 1, "tester", NULL, "half", NULL), ==, 0);
  book_db_rollback(db);
  g_assert_cmpint(q(db, "SELECT count(*) FROM audit_log"), ==, 0);
  book_db_free(db);
  cleanup(dir, path);
}

/* Migration 0020 rebuilds users (sqlite cannot alter a CHECK) under the
 * "-- parlour: foreign_keys off" marker: run again on a database with rows,
 * every row stays, the tables that reference users still do, foreign keys
 * are back on; a rebuild that would leave a dangling reference is refused
 * and rolled back. */
static void rerun_0020(BookDb *db) {
  g_assert_cmpint(sqlite3_exec(db->db, "DELETE FROM schema_migrations WHERE version = 20", 0, 0,
                               0), ==, SQLITE_OK);
}

static void t_fk_off_marker_rebuild(void) {
  char *dir, *path = tmpdb(&dir);
  char err[256] = "";
  BookDb *db = book_db_open(path, err, sizeof err);
  g_assert_nonnull(db);
  g_assert_cmpint(sqlite3_exec(db->db,
                               "INSERT INTO users(id, username, display_name, role, password_hash, "
                               "created_at) VALUES (41,'fam','F','family','h',1),"
                               "(42,'int','I','interpreter','h',1);"
                               "INSERT INTO visitors(name, user_id) VALUES ('F', 41);"
                               "INSERT INTO sessions(id_sha256, csrf, user_id, created_at, "
                               "last_seen) VALUES ('s','c',42,1,1)",
                               0, 0, 0), ==, SQLITE_OK);
  rerun_0020(db);
  book_db_free(db);
  db = book_db_open(path, err, sizeof err);
  g_assert_nonnull(db);
  g_assert_cmpint(q(db, "SELECT count(*) FROM schema_migrations WHERE version = 20"), ==, 1);
  g_assert_cmpint(q(db, "SELECT count(*) FROM users WHERE id IN (41, 42)"), ==, 2);
  g_assert_cmpint(q(db, "SELECT count(*) FROM visitors v JOIN users u ON u.id = v.user_id "
                        "WHERE u.username = 'fam'"), ==, 1);
  g_assert_cmpint(q(db, "SELECT count(*) FROM sessions WHERE user_id = 42"), ==, 1);
  g_assert_cmpint(q(db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint(q(db, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
  /* the references still point at users (enforced), and the CHECK is the new one */
  g_assert_cmpint(sqlite3_exec(db->db, "INSERT INTO visitors(name, user_id) VALUES ('x', 999)", 0,
                               0, 0), !=, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db->db,
                               "INSERT INTO users(username, display_name, role, password_hash, "
                               "created_at) VALUES ('b','B','bogus','h',1)",
                               0, 0, 0), !=, SQLITE_OK);
  /* a dangling reference: the rebuild is refused, nothing is recorded */
  g_assert_cmpint(sqlite3_exec(db->db, "PRAGMA foreign_keys=OFF;"
                               "INSERT INTO visitors(name, user_id) VALUES ('x', 999);"
                               "PRAGMA foreign_keys=ON", 0, 0, 0), ==, SQLITE_OK);
  rerun_0020(db);
  book_db_free(db);
  db = book_db_open(path, err, sizeof err);
  g_assert_null(db);
  g_assert_nonnull(strstr(err, "foreign key"));
  cleanup(dir, path);
}

static void t_unopenable(void) {
  char err[256] = "";
  BookDb *db = book_db_open("/nonexistent-dir/x/y.db", err, sizeof err);
  g_assert_null(db);
  g_assert_nonnull(strstr(err, "/nonexistent-dir/x/y.db"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_ERROR);
  g_test_add_func("/booking/db/embedded_migrations_match_files", t_embedded_match_files);
  g_test_add_func("/booking/db/pg_migrations_in_step", t_pg_set_in_step);
  g_test_add_func("/booking/db/pragmas_and_reopen", t_open_pragmas_and_reopen);
  g_test_add_func("/booking/db/audit_append_only", t_audit_append_only);
  g_test_add_func("/booking/db/rollback_leaves_nothing", t_rollback_leaves_nothing);
  g_test_add_func("/booking/db/unopenable_path", t_unopenable);
  g_test_add_func("/booking/db/fk_off_marker_rebuild", t_fk_off_marker_rebuild);
  return g_test_run();
}
