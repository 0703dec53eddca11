/* Call quality reports (book_call_quality.h). */
#include "book_call_quality.h"

#include <glib.h>
#include <string.h>

#include "book_rules.h"
#include "quality_summary.h"

int book_call_quality_check(json_t *data, char *msg, size_t msgsize) {
  const char *who = json_string_value(json_object_get(data, "participant"));
  if (!json_is_object(data) || !who || !*who || strlen(who) > 128) {
    g_strlcpy(msg, "call_quality needs data.participant (1..128 characters)", msgsize);
    return -1;
  }
  json_t *s = json_object_get(data, "samples");
  if (!json_is_array(s) || json_array_size(s) > BOOK_QUALITY_MAX_SAMPLES) {
    g_snprintf(msg, msgsize, "call_quality needs data.samples, an array of at most %d",
               BOOK_QUALITY_MAX_SAMPLES);
    return -1;
  }
  size_t i;
  json_t *v;
  json_array_foreach(s, i, v) {
    if (!json_is_object(v)) {
      g_strlcpy(msg, "each of data.samples must be an object", msgsize);
      return -1;
    }
  }
  char *text = json_dumps(data, JSON_COMPACT);
  size_t len = text ? strlen(text) : (size_t)-1;
  free(text);
  if (len > BOOK_QUALITY_MAX_BYTES) {
    g_strlcpy(msg, "call_quality data is too large", msgsize);
    return -1;
  }
  return 0;
}

int book_call_quality_store(BookDb *db, const char *event_id, const char *visit_id, json_t *data,
                            int64_t now) {
  QualitySummary sum;
  if (quality_summarize_json(data, &sum)) return -1;
  char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
  if (!text) return -1;
  BookStmt *st = book_db_stmt(db, "INSERT OR IGNORE INTO call_quality(event_id, visit_id, "
                                  "participant, received_at, minutes, clear_minutes, drops, "
                                  "report) VALUES (?,?,?,?,?,?,?,?)");
  book_bind_text(st, 1, event_id);
  book_bind_text(st, 2, visit_id);
  book_bind_text(st, 3, json_string_value(json_object_get(data, "participant")));
  book_bind_i64(st, 4, now);
  book_bind_i64(st, 5, sum.minutes);
  book_bind_i64(st, 6, sum.clear_minutes);
  book_bind_i64(st, 7, sum.drops);
  book_bind_text(st, 8, text);
  int bad = book_db_step_done(db, st);
  free(text);
  return bad ? -1 : 0;
}

json_t *book_call_quality_audit_data(json_t *data) {
  QualitySummary sum = {0};
  quality_summarize_json(data, &sum);
  return json_pack("{s:O, s:{s:i, s:i, s:i}}", "participant",
                   json_object_get(data, "participant"), "summary", "minutes", sum.minutes,
                   "clear_minutes", sum.clear_minutes, "drops", sum.drops);
}

void api_visit_quality(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  int vis = api_visit_id_ok(id) ? book_visit_check_visible(db, &c->actor, id) : 0;
  if (vis < 0) {
    api_storage_error(c);
    return;
  }
  if (!vis) {
    api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  int staff = book_is_staff(c->actor.role);
  /* A participant's own signalling name, as in their join token (role-user id). */
  static const char *const roles[][2] = {
      {"prisoner", "prisoner"},       {"family", "visitor"},
      {"probationer", "probationer"}, {"probation_officer", "officer"},
      {"clinician", "clinician"},     {"legal_adviser", "legal_adviser"},
  };
  char self[64] = "";
  for (size_t i = 0; !staff && i < G_N_ELEMENTS(roles); i++)
    if (!strcmp(roles[i][0], c->actor.role))
      g_snprintf(self, sizeof self, "%s-%lld", roles[i][1], (long long)c->actor.user_id);
  if (!staff && !*self) {
    api_error(c, 403, "forbidden", "only staff and the call's participants read its quality",
              NULL);
    return;
  }
#define Q_SELECT                                                                              \
  "SELECT participant, received_at, minutes, clear_minutes, drops, report FROM call_quality " \
  "WHERE visit_id = ?"
#define Q_ORDER " ORDER BY participant, received_at, event_id"
  BookStmt *st = book_db_stmt(db, staff ? Q_SELECT Q_ORDER : Q_SELECT " AND participant = ?" Q_ORDER);
  book_bind_text(st, 1, id);
  if (!staff) book_bind_text(st, 2, self);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    json_t *o = json_pack("{s:s, s:{s:i, s:i, s:i}}", "participant", book_col_text(st, 0),
                          "summary", "minutes", book_col_int(st, 2), "clear_minutes",
                          book_col_int(st, 3), "drops", book_col_int(st, 4));
    if (staff) {
      json_object_set_new(o, "received_at", json_integer(book_col_i64(st, 1)));
      json_t *rep = json_loads(book_col_text(st, 5), 0, NULL);
      json_object_set_new(o, "report", rep ? rep : json_object());
    }
    json_array_append_new(arr, o);
  }
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:s, s:o}", "visit_id", id, "participants", arr));
}
