/* Visit endpoints: list, book, read, amend, cancel, terminate, audit. The
 * rules themselves are in book_rules.c; this file turns JSON into requests
 * and results into JSON. */
#include <string.h>

#include "book_api.h"
#include "book_holds.h"
#include "book_localtime.h"
#include "book_recording_failures.h"
#include "log.h"
#include "timeutil.h"

static void reply_visit(ApiCtx *c, int http, const char *id) {
  json_t *v = NULL;
  int found = book_view_visit_read(c->app->db, id, &v);
  if (found < 0) {
    /* A change that committed is not undone by a failed read-back; the
     * caller may read the visit again. */
    api_storage_error(c);
    return;
  }
  if (!found) {
    api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  api_json(c, http, v);
}

static int valid_status(const char *s) {
  static const char *const all[] = {"requested", "booked",     "in_progress", "completed",
                                    "cancelled", "terminated", "missed",      NULL};
  for (const char *const *a = all; *a; a++)
    if (!strcmp(*a, s)) return 1;
  return 0;
}

void api_visits_list(ApiCtx *c) {
  if (api_need_session(c)) return;
  const char *status = http_request_query(c->req, "status");
  const char *from = http_request_query(c->req, "from"), *to = http_request_query(c->req, "to");
  int64_t t;
  if (status && !valid_status(status)) {
    api_error(c, 400, "invalid_field", "unknown status", "status");
    return;
  }
  if (from && time_parse_date(from, &t)) {
    api_error(c, 400, "invalid_field", "from must be a date YYYY-MM-DD", "from");
    return;
  }
  if (to && time_parse_date(to, &t)) {
    api_error(c, 400, "invalid_field", "to must be a date YYYY-MM-DD", "to");
    return;
  }
  BookDb *db = c->app->db;
  /* Staff: their establishment's visits (admin with none: all). Everyone
   * else: the visits they take part in (book_visit_participant, as a list);
   * an interpreter, the calls they are approved for (book_visit_check_visible). */
  BookStmt *st = book_db_stmt(
      db,
      "SELECT vi.id FROM visits vi WHERE (?4 IS NULL OR vi.status = ?4) AND (?5 IS NULL OR "
      "vi.date >= ?5) AND (?6 IS NULL OR vi.date <= ?6) AND ("
      " (?7 = 1 AND ((?2 = 'admin' AND ?8 IS NULL) OR vi.establishment_id = ?8)) OR"
      " (?2 = 'prisoner' AND vi.prisoner_id IN (SELECT id FROM prisoners WHERE user_id = ?3)) OR"
      " (?2 = 'probationer' AND vi.probationer_id IN"
      "    (SELECT id FROM probationers WHERE user_id = ?3)) OR"
      " (?2 = 'family' AND EXISTS (SELECT 1 FROM visit_visitors vv JOIN visitors v ON v.id ="
      "    vv.visitor_id WHERE vv.visit_id = vi.id AND v.user_id = ?3)) OR"
      " (?2 IN ('probation_officer', 'clinician', 'legal_adviser') AND"
      "    vi.professional_user_id = ?3) OR"
      " (?2 = 'interpreter' AND EXISTS (SELECT 1 FROM visit_interpreters x JOIN interpreters i"
      "    ON i.id = x.interpreter_id WHERE x.visit_id = vi.id AND i.user_id = ?3 AND"
      "    x.removed_at IS NULL))) ORDER BY vi.start_at, vi.id LIMIT 500");
  book_bind_null(st, 1);
  book_bind_text(st, 2, c->actor.role);
  book_bind_i64(st, 3, c->actor.user_id);
  if (status) book_bind_text(st, 4, status);
  if (from) book_bind_text(st, 5, from);
  if (to) book_bind_text(st, 6, to);
  book_bind_i64(st, 7, book_is_staff(c->actor.role));
  if (c->actor.establishment_id)
    book_bind_text(st, 8, c->actor.establishment_id);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  int row;
  while ((row = book_db_row(db, st)) == 1)
    g_ptr_array_add(ids, g_strdup(book_col_text(st, 0)));
  json_t *arr = json_array();
  for (guint i = 0; row == 0 && i < ids->len; i++) {
    json_t *v = NULL;
    if (book_view_visit_read(db, ids->pdata[i], &v) < 0) row = -1;
    /* Staff see whether its recording failed (a full disk mid-call): their
     * list says "Recording failed", not "Recorded". Participants are told
     * nothing new (docs/recording.md). */
    int failed = 0;
    if (v && book_is_staff(c->actor.role)) {
      if (book_recfail_failed(db, ids->pdata[i], &failed)) row = -1;
      json_object_set_new(v, "recording_state", json_string(failed ? "failed" : "ok"));
    }
    if (v) json_array_append_new(arr, v);
  }
  g_ptr_array_free(ids, TRUE);
  if (row < 0) {
    /* Never a short list pretending to be the whole one. */
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "visits", arr));
}

/* visitor_ids + main_contact_id into selections. -1: replied. */
static int parse_visitors(ApiCtx *c, json_t *b, BookVisitorSel *out, size_t *n, int *given) {
  json_t *arr = json_object_get(b, "visitor_ids");
  long long main_id = 0;
  if (api_int(c, b, "main_contact_id", 0, 1, G_MAXINT64, &main_id)) return -1;
  *n = 0;
  *given = arr != NULL;
  if (!arr) {
    if (main_id) {
      api_error(c, 400, "missing_field", "main_contact_id needs visitor_ids", "visitor_ids");
      return -1;
    }
    return 0;
  }
  if (!json_is_array(arr) || json_array_size(arr) > 20) {
    api_error(c, 400, "invalid_field", "visitor_ids must be an array of at most 20 ids",
              "visitor_ids");
    return -1;
  }
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
      api_error(c, 400, "invalid_field", "visitor_ids must hold positive integers", "visitor_ids");
      return -1;
    }
    out[i].visitor_id = json_integer_value(v);
    out[i].main_contact = out[i].visitor_id == main_id;
  }
  *n = json_array_size(arr);
  if (main_id) {
    int found = 0;
    for (i = 0; i < *n; i++) found |= out[i].main_contact;
    if (!found) {
      api_error(c, 422, "main_contact_not_visitor", "the main contact must be one of the visitors",
                "main_contact_id");
      return -1;
    }
  }
  return 0;
}

static int parse_time(ApiCtx *c, json_t *b, const char *key, int64_t *out) {
  const char *s = NULL;
  if (api_str(c, b, key, 0, 40, &s)) return -1;
  if (!s) return 0;
  if (time_parse_iso8601(s, out)) {
    char msg[120];
    g_snprintf(msg, sizeof msg, "%s must be a time like 2026-11-30T14:00:00Z", key);
    api_error(c, 400, "invalid_field", msg, key);
    return -1;
  }
  return 0;
}

static const char *const BOOK_FIELDS[] = {"type",           "prisoner_id",  "slot_id",
                                          "visitor_ids",    "main_contact_id", "probationer_id",
                                          "clinician_id",   "start",        "end",
                                          "override_vo",    "hold_id",      "one_way_video",
                                          "one_way_reason", NULL};

void api_visits_create(ApiCtx *c) {
  if (api_need_session(c)) return;
  json_t *b = api_body(c, BOOK_FIELDS, 0);
  if (!b) return;
  BookRequest r = {0};
  BookVisitorSel vs[20];
  long long pid = 0, prid = 0, cid = 0;
  int given = 0;
  const char *type = NULL;
  if (api_str(c, b, "type", 1, 20, &type) || api_int(c, b, "prisoner_id", 0, 1, G_MAXINT64, &pid) ||
      api_str(c, b, "slot_id", 0, 40, &r.slot_id) ||
      api_int(c, b, "probationer_id", 0, 1, G_MAXINT64, &prid) ||
      api_int(c, b, "clinician_id", 0, 1, G_MAXINT64, &cid) ||
      parse_visitors(c, b, vs, &r.n_visitors, &given) || parse_time(c, b, "start", &r.start) ||
      parse_time(c, b, "end", &r.end) || api_bool(c, b, "override_vo", &r.override_vo) ||
      api_str(c, b, "hold_id", 0, 40, &r.hold_id) ||
      api_str(c, b, "one_way_video", 0, 40, &r.one_way_video) ||
      api_str(c, b, "one_way_reason", 0, 500, &r.one_way_reason))
    goto out;
  if (r.hold_id && !book_hold_id_ok(r.hold_id)) {
    api_error(c, 400, "invalid_field", "hold_id must be 32 lowercase hex digits", "hold_id");
    goto out;
  }
  if (strcmp(type, "social") && strcmp(type, "legal") && strcmp(type, "probation") &&
      strcmp(type, "telemedicine")) {
    api_error(c, 400, "invalid_field", "type must be social, legal, probation or telemedicine",
              "type");
    goto out;
  }
  r.type = type;
  r.prisoner_id = pid;
  r.probationer_id = prid;
  r.clinician_id = cid;
  r.visitors = vs;
  BookError e;
  char id[BOOK_VISIT_ID_LEN];
  if (book_visit_create(c->app->db, &c->actor, &r, c->now, id, &e))
    api_rule_error(c, &e);
  else
    reply_visit(c, 201, id);
out:
  json_decref(b);
}

static int visible_or_404(ApiCtx *c, const char *id) {
  int vis = api_visit_id_ok(id) ? book_visit_check_visible(c->app->db, &c->actor, id) : 0;
  if (vis == 1) return 0;
  if (vis < 0)
    api_storage_error(c);
  else
    api_error(c, 404, "not_found", "no such visit", NULL);
  return -1;
}

void api_visit_get(ApiCtx *c, const char *id) {
  if (api_need_session(c) || visible_or_404(c, id)) return;
  reply_visit(c, 200, id);
}

static const char *const AMEND_FIELDS[] = {"slot_id", "visitor_ids", "main_contact_id", NULL};

void api_visit_amend(ApiCtx *c, const char *id) {
  if (api_need_session(c) || visible_or_404(c, id)) return;
  json_t *b = api_body(c, AMEND_FIELDS, 0);
  if (!b) return;
  const char *slot = NULL;
  BookVisitorSel vs[20];
  size_t n = 0;
  int given = 0;
  if (api_str(c, b, "slot_id", 0, 40, &slot) || parse_visitors(c, b, vs, &n, &given)) goto out;
  BookError e;
  if (book_visit_amend(c->app->db, &c->actor, id, slot, vs, n, given, c->now, &e))
    api_rule_error(c, &e);
  else
    reply_visit(c, 200, id);
out:
  json_decref(b);
}

static const char *const REASON_FIELDS[] = {"reason", NULL};

void api_visit_cancel(ApiCtx *c, const char *id) {
  if (api_need_session(c) || visible_or_404(c, id)) return;
  json_t *b = api_body(c, REASON_FIELDS, 0);
  if (!b) return;
  const char *reason = NULL;
  if (!api_str(c, b, "reason", 1, 500, &reason)) {
    BookError e;
    if (book_visit_cancel(c->app->db, &c->actor, id, reason, c->now, &e))
      api_rule_error(c, &e);
    else
      reply_visit(c, 200, id);
  }
  json_decref(b);
}

void api_visit_terminate(ApiCtx *c, const char *id) {
  if (api_need_session(c) || visible_or_404(c, id)) return;
  json_t *b = api_body(c, REASON_FIELDS, 0);
  if (!b) return;
  const char *reason = NULL;
  if (!api_str(c, b, "reason", 1, 500, &reason)) {
    BookError e;
    if (book_visit_terminate(c->app->db, &c->actor, id, reason, c->now, &e))
      api_rule_error(c, &e);
    else
      reply_visit(c, 200, id);
  }
  json_decref(b);
}

void api_visit_audit(ApiCtx *c, const char *id) {
  if (api_need_session(c) || visible_or_404(c, id)) return;
  if (!book_is_staff(c->actor.role)) {
    api_error(c, 403, "forbidden", "only staff read the audit trail", NULL);
    return;
  }
  /* Times in the visit's establishment's zone, as the visit's own. */
  BookStmt *st = book_db_stmt(
      c->app->db, "SELECT a.id, a.at, a.actor, a.action, a.detail, e.time_zone FROM audit_log a "
                  "JOIN visits v ON v.id = a.visit_id LEFT JOIN establishments e ON e.id = "
                  "v.establishment_id WHERE a.visit_id = ? ORDER BY a.id");
  book_bind_text(st, 1, id);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(c->app->db, st)) == 1) {
    char buf[40];
    json_t *detail = json_loads(book_col_text(st, 4), 0, NULL);
    if (!json_is_object(detail)) {
      json_decref(detail);
      detail = json_object();
    }
    json_array_append_new(
        arr, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)book_col_i64(st, 0),
                       "at",
                       book_local_rfc3339(book_local_zone_shown(book_col_text(st, 5)),
                                          book_col_i64(st, 1), buf, sizeof buf),
                       "actor", book_col_text(st, 2), "action", book_col_text(st, 3),
                       "detail", detail));
  }
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "entries", arr));
}

void api_visit_decide(ApiCtx *c, const char *id, int approve) {
  if (api_need_session(c) || visible_or_404(c, id)) return;
  static const char *const none[] = {NULL};
  json_t *b = api_body(c, approve ? none : REASON_FIELDS, approve);
  if (!b) return;
  const char *reason = NULL;
  if (approve || !api_str(c, b, "reason", 1, 500, &reason)) {
    BookError e;
    if (book_visit_decide(c->app->db, &c->actor, id, approve, reason, c->now, &e))
      api_rule_error(c, &e);
    else
      reply_visit(c, 200, id);
  }
  json_decref(b);
}
