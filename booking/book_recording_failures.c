#include "book_recording_failures.h"

#include <glib.h>
#include <string.h>

static const char *const STAGES[] = {"piece_start", "write", "stop", NULL};

/* An optional string of at most max characters (UTF-8, as the table's
 * CHECK counts them; jansson's strings are valid UTF-8); 0 ok. */
static int opt_str(json_t *data, const char *key, glong max) {
  json_t *v = json_object_get(data, key);
  return !v || json_is_null(v) || (json_is_string(v) && g_utf8_strlen(json_string_value(v), -1) <= max)
             ? 0
             : -1;
}

/* An optional integer in [0, max]; 0 ok. */
static int opt_int(json_t *data, const char *key, json_int_t max) {
  json_t *v = json_object_get(data, key);
  return !v || json_is_null(v) ||
                 (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= max)
             ? 0
             : -1;
}

int book_recfail_check(json_t *data, char *msg, size_t msgsize) {
  const char *stage = json_string_value(json_object_get(data, "stage"));
  const char *error = json_string_value(json_object_get(data, "error"));
  int known = 0;
  for (const char *const *s = STAGES; stage && *s; s++) known |= !strcmp(*s, stage);
  if (!known) {
    g_snprintf(msg, msgsize, "recording_failed needs data.stage: piece_start, write or stop");
    return -1;
  }
  if (!error || !*error || strlen(error) > 40) {
    g_snprintf(msg, msgsize, "recording_failed needs data.error (1 to 40 characters)");
    return -1;
  }
  const char *who = json_string_value(json_object_get(data, "participant"));
  if (opt_str(data, "participant", 128) || (who && !*who)) {
    g_snprintf(msg, msgsize, "data.participant must be 1 to 128 characters");
    return -1;
  }
  if (opt_str(data, "detail", 300)) {
    g_snprintf(msg, msgsize, "data.detail must be at most 300 characters");
    return -1;
  }
  static const char *const ints[] = {"piece", "part", "files_kept", "bytes_kept", "at_ms", NULL};
  for (const char *const *k = ints; *k; k++)
    if (opt_int(data, *k, (json_int_t)1 << 50)) {
      g_snprintf(msg, msgsize, "data.%s must be a whole number from 0", *k);
      return -1;
    }
  return 0;
}

static void bind_opt_int(BookStmt *st, int i, json_t *data, const char *key) {
  json_t *v = json_object_get(data, key);
  if (json_is_integer(v))
    book_bind_i64(st, i, json_integer_value(v));
  else
    book_bind_null(st, i);
}

static void bind_opt_text(BookStmt *st, int i, json_t *data, const char *key) {
  const char *v = json_string_value(json_object_get(data, key));
  if (v)
    book_bind_text(st, i, v);
  else
    book_bind_null(st, i);
}

int book_recfail_store(BookDb *db, const char *event_id, const char *visit_id, json_t *data,
                       int64_t at_s, int64_t now) {
  BookStmt *st = book_db_stmt(
      db, "INSERT OR IGNORE INTO recording_failures(event_id, visit_id, stage, error, "
          "participant, piece, part, detail, files_kept, bytes_kept, failed_at, received_at) "
          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return -1;
  book_bind_text(st, 1, event_id);
  book_bind_text(st, 2, visit_id);
  book_bind_text(st, 3, json_string_value(json_object_get(data, "stage")));
  book_bind_text(st, 4, json_string_value(json_object_get(data, "error")));
  bind_opt_text(st, 5, data, "participant");
  bind_opt_int(st, 6, data, "piece");
  bind_opt_int(st, 7, data, "part");
  bind_opt_text(st, 8, data, "detail");
  bind_opt_int(st, 9, data, "files_kept");
  bind_opt_int(st, 10, data, "bytes_kept");
  json_t *at = json_object_get(data, "at_ms");
  book_bind_i64(st, 11, json_is_integer(at) ? json_integer_value(at) : at_s * 1000);
  book_bind_i64(st, 12, now);
  return book_db_step_done(db, st) ? -1 : 0;
}

static json_t *opt_int_col(BookStmt *st, int i) {
  return book_col_null(st, i) ? json_null() : json_integer(book_col_i64(st, i));
}

static json_t *opt_text_col(BookStmt *st, int i) {
  return book_col_null(st, i) ? json_null() : json_string(book_col_text(st, i));
}

int book_recfail_list(BookDb *db, const char *visit_id, json_t **out) {
  *out = NULL;
  BookStmt *st = book_db_stmt(
      db, "SELECT stage, error, participant, piece, part, detail, files_kept, bytes_kept, "
          "failed_at FROM recording_failures WHERE visit_id = ? ORDER BY failed_at, event_id");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    json_t *o = json_pack("{s:s, s:s}", "stage", book_col_text(st, 0), "error", book_col_text(st, 1));
    json_object_set_new(o, "participant", opt_text_col(st, 2));
    json_object_set_new(o, "piece", opt_int_col(st, 3));
    json_object_set_new(o, "part", opt_int_col(st, 4));
    json_object_set_new(o, "detail", opt_text_col(st, 5));
    json_object_set_new(o, "files_kept", opt_int_col(st, 6));
    json_object_set_new(o, "bytes_kept", opt_int_col(st, 7));
    json_object_set_new(o, "failed_at", json_integer(book_col_i64(st, 8)));
    json_array_append_new(arr, o);
  }
  if (row < 0) {
    json_decref(arr);
    return -1;
  }
  *out = arr;
  return 0;
}

int book_recfail_failed(BookDb *db, const char *visit_id, int *failed) {
  *failed = 0;
  BookStmt *st = book_db_stmt(
      db, "SELECT EXISTS (SELECT 1 FROM recording_failures WHERE visit_id = ?)");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  int row = book_db_row(db, st);
  if (row == 1) *failed = book_col_int(st, 0) != 0;
  book_stmt_reset(st);
  return row == 1 ? 0 : -1;
}
