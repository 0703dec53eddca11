/* The facts of an interpreter's join, read through the storage seam; the
 * decision is book_interp_may_join (pure, unit-tested). */
#include "book_interp_join.h"

#include <glib.h>
#include <string.h>

const char *book_interp_join_check(BookDb *db, const BookActor *a, const char *visit_id,
                                   char *language, size_t lsize, int *storage_failed) {
  *storage_failed = 0;
  if (lsize) language[0] = 0;
  BookInterpJoin f = {.actor_role = a->role, .visit_status = "", .approved = 0, .same_est = 0};
  char status[16] = "";
  /* A live approval of this account's interpreter record for this call;
   * same_est: the record belongs to the visit's establishment. */
  BookStmt *st = book_db_stmt(
      db, "SELECT v.status, i.language, CASE WHEN i.establishment_id = v.establishment_id THEN 1 "
          "ELSE 0 END FROM visit_interpreters x JOIN interpreters i ON i.id = x.interpreter_id "
          "JOIN visits v ON v.id = x.visit_id WHERE x.visit_id = ? AND i.user_id = ? AND "
          "x.removed_at IS NULL");
  if (!st) {
    *storage_failed = 1;
    return "storage";
  }
  book_bind_text(st, 1, visit_id);
  book_bind_i64(st, 2, a->user_id);
  int rc = book_db_row(db, st);
  if (rc < 0) {
    *storage_failed = 1;
    return "storage";
  }
  if (rc == 1) {
    g_strlcpy(status, book_col_text(st, 0), sizeof status);
    g_strlcpy(language, book_col_text(st, 1), lsize);
    f.approved = 1;
    f.same_est = (int)book_col_i64(st, 2);
    book_stmt_reset(st);
  }
  /* A call already running is joined like a booked one. */
  f.visit_status = !strcmp(status, "in_progress") ? "booked" : status;
  return book_interp_may_join(&f);
}

int book_interp_view_visit(BookDb *db, const char *visit_id, json_t *o) {
  /* Only the language: everyone on the call is told an interpreter will
   * join (the pre-call notice), not who they are. */
  BookStmt *st = book_db_stmt(
      db, "SELECT i.language FROM visit_interpreters x JOIN interpreters i ON i.id = "
          "x.interpreter_id WHERE x.visit_id = ? AND x.removed_at IS NULL ORDER BY x.id");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  json_t *arr = json_array();
  int rc;
  while ((rc = book_step(st)) == BOOK_ROW)
    json_array_append_new(arr, json_pack("{s:s}", "language", book_col_text(st, 0)));
  book_stmt_reset(st);
  if (rc != BOOK_DONE) {
    json_decref(arr);
    return -1;
  }
  json_object_set_new(o, "interpreters", arr);
  return 0;
}
