/* Eligibility facts over HTTP (issue 16 part 4): booking staff record a
 * prisoner's location, category and incentive level (PATCH
 * /prisoners/{id}), and read and set which prisoners a session template is
 * open to (GET /session-templates, PUT /session-templates/{id}/filters).
 * Every change is audited. The decision itself is book_eligibility.c. */
#include <string.h>

#include "book_api.h"
#include "book_eligibility.h"

static int64_t path_id(const char *s) {
  if (!s || !*s || strlen(s) > 12) return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  return g_ascii_strtoll(s, NULL, 10);
}

static const char *const BOOKING_STAFF[] = {"booking_staff", "admin", NULL};

static int category_ok(const char *c) {
  static const char *const all[] = {"A", "B", "C", "D", "R", "T", "I", "J", "U", NULL};
  for (const char *const *a = all; *a; a++)
    if (!strcmp(*a, c)) return 1;
  return 0;
}

static int incentive_ok(const char *c) {
  return !strcmp(c, "basic") || !strcmp(c, "standard") || !strcmp(c, "enhanced");
}

/* A location: letters, digits and '-' (HMPPS writes "A-1-012"). */
static int location_ok(const char *l) {
  size_t n = strlen(l);
  if (n < 1 || n > 32 || l[0] == '-' || l[n - 1] == '-') return 0;
  for (const char *p = l; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-') return 0;
  return 1;
}

/* Reads an optional text field that may be null (clear): 0 absent, 1 null,
 * 2 text in *out; -1 replied. */
static int nullable_str(ApiCtx *c, json_t *b, const char *key, size_t max, const char **out) {
  json_t *v = json_object_get(b, key);
  if (!v) return 0;
  if (json_is_null(v)) return 1;
  return api_str(c, b, key, 1, max, out) ? -1 : 2;
}

static const char *const PRISONER_FIELDS[] = {"location", "category", "incentive_level", NULL};

void api_prisoner_patch(ApiCtx *c, const char *id_text) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  int64_t pid = path_id(id_text);
  int vis = pid ? book_prisoner_check_visible(db, &c->actor, pid) : 0;
  if (vis < 0) {
    api_storage_error(c);
    return;
  }
  if (!vis) {
    api_error(c, 404, "not_found", "no such prisoner", NULL);
    return;
  }
  if (api_need_role(c, BOOKING_STAFF)) return;
  json_t *b = api_body(c, PRISONER_FIELDS, 0);
  if (!b) return;
  const char *loc = NULL, *cat = NULL, *inc = NULL;
  int gl = nullable_str(c, b, "location", 32, &loc);
  int gc = gl < 0 ? -1 : nullable_str(c, b, "category", 1, &cat);
  if (gl < 0 || gc < 0 || api_str(c, b, "incentive_level", 0, 16, &inc)) goto out;
  if (gl == 2 && !location_ok(loc)) {
    api_error(c, 400, "invalid_field", "location must look like A-1-012", "location");
    goto out;
  }
  if (gc == 2 && !category_ok(cat)) {
    api_error(c, 400, "invalid_field", "category must be one of A B C D R T I J U", "category");
    goto out;
  }
  if (inc && !incentive_ok(inc)) {
    api_error(c, 400, "invalid_field", "incentive_level must be basic, standard or enhanced",
              "incentive_level");
    goto out;
  }
  if (!gl && !gc && !inc) {
    api_error(c, 400, "missing_field", "give location, category or incentive_level", NULL);
    goto out;
  }
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookStmt *st = book_db_stmt(
      db, "UPDATE prisoners SET location = CASE WHEN ?1 = 1 THEN ?2 ELSE location END, category "
          "= CASE WHEN ?3 = 1 THEN ?4 ELSE category END, incentive_level = coalesce(?5, "
          "incentive_level) WHERE id = ?6");
  book_bind_i64(st, 1, gl > 0);
  book_bind_text(st, 2, gl == 2 ? loc : NULL);
  book_bind_i64(st, 3, gc > 0);
  book_bind_text(st, 4, gc == 2 ? cat : NULL);
  book_bind_text(st, 5, inc);
  book_bind_i64(st, 6, pid);
  int bad = book_db_step_done(db, st);
  json_t *d = json_pack("{s:I}", "prisoner_id", (json_int_t)pid);
  if (gl) json_object_set_new(d, "location", gl == 2 ? json_string(loc) : json_null());
  if (gc) json_object_set_new(d, "category", gc == 2 ? json_string(cat) : json_null());
  if (inc) json_object_set_new(d, "incentive_level", json_string(inc));
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, c->now, c->actor.username, NULL, "prisoner_changed", detail);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  api_prisoners(c, id_text);
out:
  json_decref(b);
}

/* The filters of a template as JSON, or NULL when the database failed. */
static json_t *filters_json(BookDb *db, int64_t tpl) {
  GArray *fs = g_array_new(FALSE, TRUE, sizeof(BookSessionFilter));
  if (book_template_filters_load(db, tpl, fs)) {
    g_array_free(fs, TRUE);
    return NULL;
  }
  json_t *arr = json_array();
  for (guint i = 0; i < fs->len; i++) {
    BookSessionFilter *f = &g_array_index(fs, BookSessionFilter, i);
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "kind",
                                         book_filter_kind_name(f->kind), "mode",
                                         f->exclude ? "exclude" : "include", "value", f->value));
  }
  g_array_free(fs, TRUE);
  return arr;
}

/* The staff member's establishment's templates (admin without one: all). */
void api_session_templates(ApiCtx *c) {
  if (api_need_session(c)) return;
  if (!book_is_staff(c->actor.role)) {
    api_error(c, 403, "forbidden", "your role may not do this", NULL);
    return;
  }
  BookDb *db = c->app->db;
  BookStmt *st = book_db_stmt(
      db, "SELECT id, establishment_id, visit_type, day_of_week, start_time, end_time, "
          "open_capacity, closed_capacity, valid_from, valid_to FROM session_templates WHERE (?1 "
          "IS NULL AND ?2 = 'admin') OR establishment_id = ?1 ORDER BY establishment_id, "
          "day_of_week, start_time, id");
  book_bind_text(st, 1, c->actor.establishment_id);
  book_bind_text(st, 2, c->actor.role);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    const char *to = book_col_text(st, 9);
    json_array_append_new(
        arr, json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:s, s:o}", "id",
                       (json_int_t)book_col_i64(st, 0), "establishment_id",
                       book_col_text(st, 1), "visit_type", book_col_text(st, 2), "day_of_week",
                       book_col_int(st, 3), "start_time", book_col_text(st, 4), "end_time",
                       book_col_text(st, 5), "open_capacity", book_col_int(st, 6),
                       "closed_capacity", book_col_int(st, 7), "valid_from",
                       book_col_text(st, 8), "valid_to", to ? json_string(to) : json_null()));
  }
  for (size_t i = 0; row == 0 && i < json_array_size(arr); i++) {
    json_t *t = json_array_get(arr, i);
    json_t *f = filters_json(db, json_integer_value(json_object_get(t, "id")));
    if (!f)
      row = -1;
    else
      json_object_set_new(t, "filters", f);
  }
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "templates", arr));
}

static const char *const FILTER_FIELDS[] = {"filters", NULL};

void api_session_template_filters(ApiCtx *c, const char *id_text) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  int64_t tid = path_id(id_text);
  /* Another establishment's template is not found, as for visits. */
  BookStmt *st = book_db_stmt(db, "SELECT establishment_id FROM session_templates WHERE id = ?");
  book_bind_i64(st, 1, tid);
  int found = tid ? book_db_row(db, st) : 0;
  int mine = 0;
  if (found == 1) {
    const char *est = book_col_text(st, 0);
    mine = book_is_staff(c->actor.role) &&
           ((!c->actor.establishment_id && !strcmp(c->actor.role, "admin")) ||
            (c->actor.establishment_id && !strcmp(est, c->actor.establishment_id)));
    book_stmt_reset(st);
  }
  if (found < 0) {
    api_storage_error(c);
    return;
  }
  if (!mine) {
    api_error(c, 404, "not_found", "no such session template", NULL);
    return;
  }
  if (api_need_role(c, BOOKING_STAFF)) return;
  json_t *b = api_body(c, FILTER_FIELDS, 0);
  if (!b) return;
  json_t *arr = json_object_get(b, "filters"), *f;
  size_t i;
  if (!json_is_array(arr) || json_array_size(arr) > 50) {
    api_error(c, 400, "invalid_field", "filters must be an array of at most 50", "filters");
    goto out;
  }
  json_array_foreach(arr, i, f) {
    const char *kind = json_string_value(json_object_get(f, "kind"));
    const char *mode = json_string_value(json_object_get(f, "mode"));
    const char *value = json_string_value(json_object_get(f, "value"));
    int k = book_filter_kind_parse(kind);
    int good = json_is_object(f) && json_object_size(f) == 3 && k >= 0 && mode &&
               (!strcmp(mode, "include") || !strcmp(mode, "exclude")) && value &&
               (k == BOOK_FILTER_LOCATION ? location_ok(value)
                : k == BOOK_FILTER_CATEGORY ? category_ok(value)
                                            : incentive_ok(value));
    for (size_t j = 0; good && j < i; j++) {
      json_t *g = json_array_get(arr, j);
      good = strcmp(kind, json_string_value(json_object_get(g, "kind"))) ||
             strcmp(value, json_string_value(json_object_get(g, "value")));
    }
    if (!good) {
      api_error(c, 400, "invalid_field",
                "each filter is {kind: location|category|incentive_level, mode: "
                "include|exclude, value}, with a valid value, each kind and value once",
                "filters");
      goto out;
    }
  }
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  st = book_db_stmt(db, "DELETE FROM session_template_filters WHERE template_id = ?");
  book_bind_i64(st, 1, tid);
  int bad = book_db_step_done(db, st);
  json_array_foreach(arr, i, f) {
    if (bad) break;
    st = book_db_stmt(db, "INSERT INTO session_template_filters(template_id, kind, mode, value) "
                          "VALUES (?,?,?,?)");
    book_bind_i64(st, 1, tid);
    book_bind_text(st, 2, json_string_value(json_object_get(f, "kind")));
    book_bind_text(st, 3, json_string_value(json_object_get(f, "mode")));
    book_bind_text(st, 4, json_string_value(json_object_get(f, "value")));
    bad = book_db_step_done(db, st);
  }
  json_t *d = json_pack("{s:I, s:O}", "template_id", (json_int_t)tid, "filters", arr);
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad)
    bad = book_audit(db, c->now, c->actor.username, NULL, "template_filters_changed", detail);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  json_t *out = filters_json(db, tid);
  if (!out)
    api_storage_error(c);
  else
    api_json(c, 200, json_pack("{s:I, s:o}", "id", (json_int_t)tid, "filters", out));
out:
  json_decref(b);
}
