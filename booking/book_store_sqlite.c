/* The sqlite engine behind book_db.h: one file, WAL, BEGIN IMMEDIATE. */
#include <stdio.h>
#include <string.h>

#include "book_store.h"
#include "log.h"

int book_lite_exec(BookDb *b, const char *sql, char *err, size_t errsize) {
  char *msg = NULL;
  if (sqlite3_exec(b->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errsize, "%s", msg ? msg : sqlite3_errmsg(b->db));
    book_store_fail(b, NULL, err);
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

BookDb *book_lite_open(const char *path, char *err, size_t errsize) {
  BookDb *b = g_new0(BookDb, 1);
  b->engine = BOOK_ENGINE_SQLITE;
  int rc = sqlite3_open_v2(path, &b->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errsize, "cannot open %s: %s", path, b->db ? sqlite3_errmsg(b->db) : "no memory");
    if (b->db) sqlite3_close(b->db);
    g_free(b);
    return NULL;
  }
  sqlite3_busy_timeout(b->db, 5000);
  sqlite3_extended_result_codes(b->db, 1);
  char e[300];
  /* synchronous=FULL: a booking answered 201 survives power loss too, not
   * only a killed process. */
  if (book_lite_exec(b, "PRAGMA journal_mode=WAL", e, sizeof e) ||
      book_lite_exec(b, "PRAGMA foreign_keys=ON", e, sizeof e) ||
      book_lite_exec(b, "PRAGMA synchronous=FULL", e, sizeof e)) {
    snprintf(err, errsize, "database %s: %s", path, e);
    sqlite3_close(b->db);
    g_free(b);
    return NULL;
  }
  return b;
}

int book_lite_prepare(BookStmt *st) {
  if (sqlite3_prepare_v3(st->db->db, st->src, -1, SQLITE_PREPARE_PERSISTENT, &st->lite, NULL) !=
      SQLITE_OK) {
    book_store_fail(st->db, NULL, sqlite3_errmsg(st->db->db));
    return -1;
  }
  return 0;
}

int book_lite_step(BookStmt *st) {
  int rc = sqlite3_step(st->lite);
  if (rc == SQLITE_ROW) return BOOK_ROW;
  if (rc == SQLITE_DONE) {
    st->db->changes = sqlite3_changes(st->db->db);
    return BOOK_DONE;
  }
  book_store_fail(st->db, NULL, sqlite3_errmsg(st->db->db));
  return (rc & 0xff) == SQLITE_CONSTRAINT ? BOOK_CONSTRAINT : BOOK_ERROR;
}
