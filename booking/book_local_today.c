/* "Today" in the establishment's zone for rules given only a prisoner, a
 * visit or an establishment id (book_local_today.h). */
#include "book_local_today.h"

#include <glib.h>

#include "book_localtime.h"

/* Runs sql (one text or integer parameter) whose first column is a zone
 * name or NULL, and writes the local date at now. */
static int today_by(BookDb *db, const char *sql, const char *text, int64_t num, int64_t now,
                    char out[11]) {
  BookStmt *st = book_db_stmt(db, sql);
  if (text)
    book_bind_text(st, 1, text);
  else
    book_bind_i64(st, 1, num);
  char zone[TZ_NAME_MAX + 1] = "";
  int rc = book_db_row(db, st);
  if (rc < 0) return -1;
  if (rc == 1) {
    if (!book_col_null(st, 0)) g_strlcpy(zone, book_col_text(st, 0), sizeof zone);
    book_stmt_reset(st);
  }
  book_local_date(book_local_zone_shown(zone[0] ? zone : NULL), now, out);
  return 0;
}

int book_today_for_est(BookDb *db, const char *est, int64_t now, char out[11]) {
  if (!est || !est[0]) {
    book_local_date(book_local_zone_shown(NULL), now, out);
    return 0;
  }
  return today_by(db, "SELECT time_zone FROM establishments WHERE id = ?", est, 0, now, out);
}

int book_today_for_prisoner(BookDb *db, int64_t prisoner_id, int64_t now, char out[11]) {
  return today_by(db,
                  "SELECT e.time_zone FROM prisoners p LEFT JOIN establishments e ON e.id = "
                  "p.establishment_id WHERE p.id = ?",
                  NULL, prisoner_id, now, out);
}

int book_today_for_visit(BookDb *db, const char *visit_id, int64_t now, char out[11]) {
  return today_by(db,
                  "SELECT e.time_zone FROM visits v LEFT JOIN establishments e ON e.id = "
                  "v.establishment_id WHERE v.id = ?",
                  visit_id ? visit_id : "", 0, now, out);
}
