/* book_oneway: see book_oneway.h. */
#include "book_oneway.h"

#include <string.h>

#include "book_decisions.h"
#include "timeutil.h"

static const char *const DIRS[] = {"off", "prisoner_sees_no_video", "visitors_see_no_video", NULL};

/* The static name equal to dir, or NULL. */
static const char *canon(const char *dir) {
  for (const char *const *d = DIRS; dir && *d; d++)
    if (!strcmp(*d, dir)) return *d;
  return NULL;
}

int book_oneway_valid(const char *dir) { return canon(dir) != NULL; }

/* Static strings only: callers keep the answer past the rows it came from. */
const char *book_oneway_effective(const char *prisoner_dir, const char *visit_dir) {
  const char *v = canon(visit_dir), *p = canon(prisoner_dir);
  if (v && strcmp(v, "off") != 0) return v;
  return p ? p : DIRS[0];
}

static int fail(BookError *e, int http, const char *code, const char *field, const char *msg) {
  e->http = http;
  g_strlcpy(e->code, code, sizeof e->code);
  g_strlcpy(e->field, field ? field : "", sizeof e->field);
  g_strlcpy(e->message, msg, sizeof e->message);
  return -1;
}

int book_oneway_check_setter(const BookActor *a, const char *dir, const char *reason,
                             BookError *e) {
  memset(e, 0, sizeof *e);
  if (!a->role || (strcmp(a->role, "booking_staff") != 0 && strcmp(a->role, "admin") != 0))
    return fail(e, 403, "forbidden", "one_way_video", "only booking staff set one-way video");
  if (!book_oneway_valid(dir))
    return fail(e, 400, "invalid_field", "direction",
                "direction must be off, prisoner_sees_no_video or visitors_see_no_video");
  if (!reason || !*reason || strlen(reason) > 500)
    return fail(e, 400, "missing_field", "reason", "give a reason (1 to 500 characters)");
  return 0;
}

static int audit(BookDb *db, int64_t now, const char *actor, const char *visit_id,
                 int64_t prisoner_id, const char *dir, const char *previous, const char *reason) {
  json_t *d =
      json_pack("{s:s, s:s, s:s}", "direction", dir, "previous", previous, "reason", reason);
  if (prisoner_id) json_object_set_new(d, "prisoner_id", json_integer(prisoner_id));
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  int bad = book_audit(db, now, actor, visit_id,
                       strcmp(dir, "off") ? "one_way_video_set" : "one_way_video_lifted", detail);
  free(detail);
  return bad ? -1 : 0;
}

/* update_policy one_way_video_changed {one_way_video} on a visit. */
static int decide(BookDb *db, int64_t now, const char *actor, const char *visit_id,
                  const char *eff) {
  char data[96];
  g_snprintf(data, sizeof data, "{\"one_way_video\":\"%s\"}", eff);
  return book_decision_add(db, now, actor, visit_id, "update_policy", NULL, "one_way_video_changed",
                           NULL, data);
}

int book_prisoner_set_one_way(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *dir,
                              const char *reason, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  int vis = book_prisoner_check_visible(db, a, prisoner_id);
  if (vis < 0) return book_error_storage(e);
  if (!vis) return fail(e, 404, "not_found", NULL, "no such prisoner");
  if (book_oneway_check_setter(a, dir, reason, e)) return -1;
  if (book_db_begin(db)) return book_error_storage(e);
  char previous[32] = "off";
  BookStmt *st = book_db_stmt(db, "SELECT one_way_video FROM prisoners WHERE id = ?");
  book_bind_i64(st, 1, prisoner_id);
  int rc = book_db_row(db, st);
  if (rc == 1) {
    g_strlcpy(previous, book_col_text(st, 0), sizeof previous);
    book_stmt_reset(st);
  }
  int bad = rc != 1;
  if (!bad) {
    st = book_db_stmt(db,
                      "UPDATE prisoners SET one_way_video = ?, one_way_reason = ?, "
                      "one_way_set_by = ?, one_way_set_at = ? WHERE id = ?");
    book_bind_text(st, 1, dir);
    book_bind_text(st, 2, reason);
    book_bind_text(st, 3, a->username);
    book_bind_i64(st, 4, now);
    book_bind_i64(st, 5, prisoner_id);
    bad = book_db_step_done(db, st);
  }
  if (!bad) bad = audit(db, now, a->username, NULL, prisoner_id, dir, previous, reason);
  /* Each call of the prisoner still to come or running whose direction
   * changes: live ones take it at once (signalling), later ones read it at
   * admission anyway. */
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *effs = g_ptr_array_new();
  if (!bad) {
    st = book_db_stmt(db,
                      "SELECT id, one_way_video FROM visits WHERE prisoner_id = ? AND status "
                      "IN ('booked', 'in_progress') AND end_at > ? ORDER BY id");
    book_bind_i64(st, 1, prisoner_id);
    book_bind_i64(st, 2, now);
    int row;
    while ((row = book_db_row(db, st)) == 1) {
      const char *vdir = book_col_text(st, 1);
      const char *was = book_oneway_effective(previous, vdir);
      const char *now_eff = book_oneway_effective(dir, vdir);
      if (strcmp(was, now_eff) != 0) {
        g_ptr_array_add(ids, g_strdup(book_col_text(st, 0)));
        g_ptr_array_add(effs, (gpointer)now_eff); /* a static string (DIRS) */
      }
    }
    bad = row < 0;
  }
  for (guint i = 0; !bad && i < ids->len; i++)
    bad = decide(db, now, a->username, ids->pdata[i], effs->pdata[i]) != 0;
  g_ptr_array_unref(ids);
  g_ptr_array_unref(effs);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return book_error_storage(e);
  }
  return 0;
}

int book_visit_set_one_way(BookDb *db, const BookActor *a, const char *visit_id, const char *dir,
                           const char *reason, int64_t now, BookError *e) {
  if (book_oneway_check_setter(a, dir, reason, e)) return -1;
  if (book_db_begin(db)) return book_error_storage(e);
  BookStmt *st = book_db_stmt(db,
                              "SELECT v.status, v.end_at, v.one_way_video, p.one_way_video "
                              "FROM visits v LEFT JOIN prisoners p ON p.id = v.prisoner_id "
                              "WHERE v.id = ?");
  book_bind_text(st, 1, visit_id);
  int rc = book_db_row(db, st);
  char status[16] = "", vprev[32] = "", pdir[32] = "off";
  int64_t end_at = 0;
  if (rc == 1) {
    g_strlcpy(status, book_col_text(st, 0), sizeof status);
    end_at = book_col_i64(st, 1);
    if (!book_col_null(st, 2)) g_strlcpy(vprev, book_col_text(st, 2), sizeof vprev);
    if (!book_col_null(st, 3)) g_strlcpy(pdir, book_col_text(st, 3), sizeof pdir);
    book_stmt_reset(st);
  }
  if (rc != 1) {
    book_db_rollback(db);
    return rc < 0 ? book_error_storage(e) : fail(e, 404, "not_found", NULL, "no such visit");
  }
  if ((strcmp(status, "booked") && strcmp(status, "in_progress") && strcmp(status, "requested")) ||
      end_at <= now) {
    book_db_rollback(db);
    return fail(e, 409, "visit_not_open", NULL, "this visit is over, cancelled or terminated");
  }
  const char *was = book_oneway_effective(pdir, *vprev ? vprev : NULL);
  const char *stored = strcmp(dir, "off") ? dir : NULL;
  const char *eff = book_oneway_effective(pdir, stored);
  st = book_db_stmt(db, "UPDATE visits SET one_way_video = ?, one_way_reason = ? WHERE id = ?");
  book_bind_text(st, 1, stored);
  book_bind_text(st, 2, reason);
  book_bind_text(st, 3, visit_id);
  int bad = book_db_step_done(db, st);
  if (!bad) bad = audit(db, now, a->username, visit_id, 0, dir, *vprev ? vprev : "off", reason);
  if (!bad && strcmp(was, eff) != 0 && strcmp(status, "requested") != 0)
    bad = decide(db, now, a->username, visit_id, eff) != 0;
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return book_error_storage(e);
  }
  return 0;
}

int book_oneway_store_new_visit(BookDb *db, const char *actor, const char *visit_id,
                                const char *dir, const char *reason, int64_t now) {
  if (!strcmp(dir, "off")) return 0; /* nothing of its own: the prisoner's applies */
  BookStmt *st =
      book_db_stmt(db, "UPDATE visits SET one_way_video = ?, one_way_reason = ? WHERE id = ?");
  book_bind_text(st, 1, dir);
  book_bind_text(st, 2, reason);
  book_bind_text(st, 3, visit_id);
  if (book_db_step_done(db, st)) return -1;
  return audit(db, now, actor, visit_id, 0, dir, "off", reason);
}

/* 1 with the visit's and its prisoner's settings, 0 none, -1 error. */
static int read_settings(BookDb *db, const char *visit_id, char *vdir, char *pdir, size_t n) {
  BookStmt *st = book_db_stmt(db,
                              "SELECT v.one_way_video, p.one_way_video FROM visits v "
                              "LEFT JOIN prisoners p ON p.id = v.prisoner_id WHERE v.id = ?");
  book_bind_text(st, 1, visit_id);
  int rc = book_db_row(db, st);
  *vdir = *pdir = '\0';
  if (rc == 1) {
    if (!book_col_null(st, 0)) g_strlcpy(vdir, book_col_text(st, 0), n);
    if (!book_col_null(st, 1)) g_strlcpy(pdir, book_col_text(st, 1), n);
    book_stmt_reset(st);
  }
  return rc;
}

int book_oneway_of_visit(BookDb *db, const char *visit_id, char *out, size_t size) {
  char v[32], p[32];
  int rc = read_settings(db, visit_id, v, p, sizeof v);
  if (rc != 1) return rc;
  g_strlcpy(out, book_oneway_effective(*p ? p : NULL, *v ? v : NULL), size);
  return 1;
}

int book_oneway_view_visit(BookDb *db, const char *visit_id, json_t *o) {
  char v[32], p[32];
  int rc = read_settings(db, visit_id, v, p, sizeof v);
  if (rc < 0) return -1;
  const char *eff = book_oneway_effective(*p ? p : NULL, *v ? v : NULL);
  const char *source = !strcmp(eff, "off") ? NULL : *v ? "visit" : "prisoner";
  json_object_set_new(o, "one_way_video",
                      json_pack("{s:s, s:o}", "direction", eff, "source",
                                source ? json_string(source) : json_null()));
  return 0;
}

json_t *book_oneway_prisoner_json(BookDb *db, int64_t prisoner_id, int with_reason) {
  BookStmt *st = book_db_stmt(db,
                              "SELECT one_way_video, one_way_reason, one_way_set_by, "
                              "one_way_set_at FROM prisoners WHERE id = ?");
  book_bind_i64(st, 1, prisoner_id);
  int rc = book_db_row(db, st);
  if (rc < 0) return NULL;
  if (rc == 0) return json_pack("{s:s}", "direction", "off");
  json_t *o = json_pack("{s:s}", "direction", book_col_text(st, 0));
  if (with_reason) {
    const char *r = book_col_text(st, 1), *by = book_col_text(st, 2);
    char buf[40];
    json_object_set_new(o, "reason", r ? json_string(r) : json_null());
    json_object_set_new(o, "set_by", by ? json_string(by) : json_null());
    json_object_set_new(o, "set_at",
                        book_col_null(st, 3) ? json_null()
                                             : json_string(time_format_iso8601(book_col_i64(st, 3),
                                                                               buf, sizeof buf)));
  }
  book_stmt_reset(st);
  return o;
}
