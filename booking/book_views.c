/* JSON views of stored rows, shaped as docs/openapi.yaml says. */
#include <string.h>

#include "book_sightonly.h"
#include "book_api.h"
#include "book_localtime.h"
#include "book_interp_join.h"
#include "book_oneway.h"
#include "timeutil.h"

/* An instant in RFC 3339 with the zone's offset there. */
static json_t *iso_local(const Tz *tz, int64_t t) {
  char buf[40];
  return json_string(book_local_rfc3339(tz, t, buf, sizeof buf));
}

static json_t *text_or_null(BookStmt *st, int i) {
  const char *t = book_col_text(st, i);
  return t ? json_string((const char *)t) : json_null();
}

json_t *book_view_me(BookDb *db, const BookSession *s, int idle_timeout_s) {
  json_t *user = json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)s->user_id, "username",
                           s->username, "display_name", s->display_name, "role", s->role,
                           "establishment_id",
                           s->establishment_id ? json_string(s->establishment_id) : json_null());
  int64_t pid = 0, prid = 0;
  if (book_db_scalar(db, "SELECT id FROM prisoners WHERE user_id = ?", &pid, 1, s->user_id) < 0 ||
      book_db_scalar(db, "SELECT id FROM probationers WHERE user_id = ?", &prid, 1,
                     s->user_id) < 0) {
    json_decref(user);
    return NULL;
  }
  json_object_set_new(user, "prisoner_id", pid ? json_integer(pid) : json_null());
  json_object_set_new(user, "probationer_id", prid ? json_integer(prid) : json_null());
  json_t *vids = json_array();
  BookStmt *st = book_db_stmt(db, "SELECT id FROM visitors WHERE user_id = ? ORDER BY id");
  book_bind_i64(st, 1, s->user_id);
  int row;
  while ((row = book_db_row(db, st)) == 1)
    json_array_append_new(vids, json_integer(book_col_i64(st, 0)));
  json_object_set_new(user, "visitor_ids", vids);
  if (row < 0) {
    json_decref(user);
    return NULL;
  }
  return json_pack("{s:o, s:s, s:i}", "user", user, "csrf_token", s->csrf, "idle_timeout_s",
                   idle_timeout_s);
}

json_t *book_view_visit(BookDb *db, const char *id) {
  json_t *o = NULL;
  return book_view_visit_read(db, id, &o) == 1 ? o : NULL;
}

int book_view_visit_read(BookDb *db, const char *id, json_t **out) {
  *out = NULL;
  BookStmt *st = book_db_stmt(
      db,
      "SELECT v.id, v.visit_type, v.status, v.restriction, v.establishment_id, "
      " p.id, p.name, p.prison_number, pr.id, pr.name, pr.crn, u.id, u.display_name, "
      " v.template_id, v.date, v.start_at, v.end_at, b.username, v.booked_at, v.status_reason, "
      " t.monitoring, t.recording, coalesce(e.adult_age, 18), e.time_zone, "
      " coalesce(e.legal_sight_monitoring, 0) "
      "FROM visits v JOIN visit_types t ON t.code = v.visit_type "
      " JOIN users b ON b.id = v.booked_by "
      " LEFT JOIN prisoners p ON p.id = v.prisoner_id "
      " LEFT JOIN probationers pr ON pr.id = v.probationer_id "
      " LEFT JOIN users u ON u.id = v.professional_user_id "
      " LEFT JOIN establishments e ON e.id = v.establishment_id WHERE v.id = ?");
  book_bind_text(st, 1, id);
  int found = book_db_row(db, st);
  if (found != 1) return found;
  json_t *o = json_object();
  json_object_set_new(o, "id", text_or_null(st, 0));
  json_object_set_new(o, "type", text_or_null(st, 1));
  json_object_set_new(o, "status", text_or_null(st, 2));
  json_object_set_new(o, "restriction", text_or_null(st, 3));
  json_object_set_new(o, "establishment_id", text_or_null(st, 4));
  json_object_set_new(o, "prisoner",
                      book_col_null(st, 5)
                          ? json_null()
                          : json_pack("{s:I, s:s, s:s}", "id",
                                      (json_int_t)book_col_i64(st, 5), "name",
                                      book_col_text(st, 6), "prison_number",
                                      book_col_text(st, 7)));
  json_object_set_new(o, "probationer",
                      book_col_null(st, 8)
                          ? json_null()
                          : json_pack("{s:I, s:s, s:s}", "id",
                                      (json_int_t)book_col_i64(st, 8), "name",
                                      book_col_text(st, 9), "crn",
                                      book_col_text(st, 10)));
  json_object_set_new(o, "professional",
                      book_col_null(st, 11)
                          ? json_null()
                          : json_pack("{s:I, s:s}", "id",
                                      (json_int_t)book_col_i64(st, 11), "name",
                                      book_col_text(st, 12)));
  if (book_col_null(st, 13)) {
    json_object_set_new(o, "slot_id", json_null());
  } else {
    char *slot = g_strdup_printf("%lld:%s", (long long)book_col_i64(st, 13),
                                 book_col_text(st, 14));
    json_object_set_new(o, "slot_id", json_string(slot));
    g_free(slot);
  }
  char date[11];
  g_strlcpy(date, book_col_text(st, 14), sizeof date);
  const Tz *tz = book_local_zone_shown(book_col_text(st, 23));
  json_object_set_new(o, "start", iso_local(tz, book_col_i64(st, 15)));
  json_object_set_new(o, "end", iso_local(tz, book_col_i64(st, 16)));
  json_object_set_new(o, "time_zone", json_string(tz_name(tz)));
  json_object_set_new(o, "booked_by", text_or_null(st, 17));
  json_object_set_new(o, "booked_at", iso_local(tz, book_col_i64(st, 18)));
  json_object_set_new(o, "status_reason", text_or_null(st, 19));
  /* allowed, video_only (sight-only legal monitoring) or forbidden: the
   * call page's notice (book_sightonly.h). */
  json_object_set_new(o, "monitoring",
                      json_string(book_sight_monitoring(book_col_text(st, 1), book_col_text(st, 20),
                                                        book_col_int(st, 24))));
  json_object_set_new(o, "recording", text_or_null(st, 21));
  int adult_age = book_col_int(st, 22);
  book_stmt_reset(st);

  json_t *vis = json_array();
  st = book_db_stmt(db, "SELECT v.id, v.name, vv.main_contact, v.date_of_birth FROM "
                        "visit_visitors vv JOIN visitors v ON v.id = vv.visitor_id WHERE "
                        "vv.visit_id = ? ORDER BY vv.rowid");
  book_bind_text(st, 1, id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    const char *dob = book_col_text(st, 3);
    int adult = !dob || book_age_on(dob, date) >= adult_age;
    json_array_append_new(vis, json_pack("{s:I, s:s, s:b, s:b}", "visitor_id",
                                         (json_int_t)book_col_i64(st, 0), "name",
                                         book_col_text(st, 1), "main_contact",
                                         book_col_int(st, 2), "adult", adult));
  }
  json_object_set_new(o, "visitors", vis);
  /* The outcome (issue 16 part 6): a code from book_outcomes.h, or null
   * while the visit is still to happen. Staff's words for it stay in the
   * audit trail (outcome_set), which only staff read: everyone who sees
   * the visit sees the code, which the pages put in plain words. */
  if (row >= 0) {
    st = book_db_stmt(db, "SELECT outcome, outcome_by FROM visits WHERE id = ?");
    book_bind_text(st, 1, id);
    row = book_db_row(db, st);
    if (row == 1) {
      json_object_set_new(o, "outcome", text_or_null(st, 0));
      json_object_set_new(o, "outcome_by", text_or_null(st, 1));
      book_stmt_reset(st);
    }
  }
  if (row < 0 || book_oneway_view_visit(db, id, o) < 0 || book_interp_view_visit(db, id, o) < 0) {
    json_decref(o);
    return -1;
  }
  *out = o;
  return 1;
}
