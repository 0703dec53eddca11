/* Interpreters (issue 19 part 5; docs/booking.md "Interpreters"): booking
 * staff create person records for their establishment and approve one for
 * a call; removal is kept and audited, and reaches a live call through the
 * decisions channel (remove_participant). The rules are
 * book_interp_rules.c; this file reads the facts and writes the rows. */
#include <glib.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "book_api.h"
#include "book_decisions.h"
#include "book_interp_rules.h"
#include "log.h"

static const char *const STAFF[] = {"booking_staff", NULL};

static char *dump(json_t *j) {
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return s;
}

static json_t *interp_json(BookStmt *st, int from) {
  return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)book_col_i64(st, from),
                   "establishment_id", book_col_text(st, from + 1), "name",
                   book_col_text(st, from + 2), "language", book_col_text(st, from + 3),
                   "organisation", book_col_text(st, from + 4));
}

static const char *const CREATE_FIELDS[] = {"name", "language", "organisation", NULL};

/* GET/POST /api/v1/interpreters: the establishment's interpreters. */
void api_interpreters(ApiCtx *c, int create) {
  if (api_need_session(c) || api_need_role(c, STAFF)) return;
  const char *est = c->actor.establishment_id;
  if (!est) {
    api_error(c, 403, "forbidden", "only booking staff of an establishment manage interpreters",
              NULL);
    return;
  }
  BookDb *db = c->app->db;
  if (!create) {
    BookStmt *st = book_db_stmt(db, "SELECT id, establishment_id, name, language, organisation "
                                    "FROM interpreters WHERE establishment_id = ? ORDER BY id");
    if (!st) {
      api_storage_error(c);
      return;
    }
    book_bind_text(st, 1, est);
    json_t *arr = json_array();
    int rc;
    while ((rc = book_db_row(db, st)) == 1) json_array_append_new(arr, interp_json(st, 0));
    if (rc < 0) {
      json_decref(arr);
      api_storage_error(c);
      return;
    }
    api_json(c, 200, json_pack("{s:o}", "interpreters", arr));
    return;
  }
  json_t *b = api_body(c, CREATE_FIELDS, 0);
  if (!b) return;
  const char *name = NULL, *language = NULL, *org = NULL;
  if (api_str(c, b, "name", 1, 200, &name) ||
      api_str(c, b, "language", 1, BOOK_INTERP_LANGUAGE_MAX, &language) ||
      api_str(c, b, "organisation", 1, 200, &org))
    goto out;
  if (!book_interp_language_valid(language)) {
    api_error(c, 400, "invalid_field",
              "language is letters, spaces, brackets and hyphens, like BSL or Polish",
              "language");
    goto out;
  }
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookStmt *st = book_db_stmt(db, "INSERT INTO interpreters(establishment_id, name, language, "
                                  "organisation, created_by, created_at) VALUES (?,?,?,?,?,?) "
                                  "RETURNING id");
  int64_t id = 0;
  if (st) {
    book_bind_text(st, 1, est);
    book_bind_text(st, 2, name);
    book_bind_text(st, 3, language);
    book_bind_text(st, 4, org);
    book_bind_text(st, 5, c->actor.username);
    book_bind_i64(st, 6, c->now);
    if (book_db_row(db, st) == 1) {
      id = book_col_i64(st, 0);
      book_stmt_reset(st);
    }
  }
  char *dt = dump(json_pack("{s:I, s:s}", "interpreter", (json_int_t)id, "language", language));
  int bad = !id || !dt ||
            book_audit(db, c->now, c->actor.username, NULL, "interpreter_created", dt) != 0;
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  api_json(c, 201, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
                             "establishment_id", est, "name", name, "language", language,
                             "organisation", org));
out:
  json_decref(b);
}

typedef struct {
  char type[24], status[24], est[16];
  int has_est;
} VisitFacts;

/* 1 found, 0 not, -1 storage. */
static int load_visit(BookDb *db, const char *id, VisitFacts *v) {
  BookStmt *st = book_db_stmt(db, "SELECT visit_type, status, establishment_id FROM visits "
                                  "WHERE id = ?");
  if (!st) return -1;
  book_bind_text(st, 1, id);
  int rc = book_db_row(db, st);
  if (rc == 1) {
    g_strlcpy(v->type, book_col_text(st, 0), sizeof v->type);
    g_strlcpy(v->status, book_col_text(st, 1), sizeof v->status);
    v->has_est = !book_col_null(st, 2);
    if (v->has_est) g_strlcpy(v->est, book_col_text(st, 2), sizeof v->est);
    book_stmt_reset(st);
  }
  return rc;
}

static void rule_error(ApiCtx *c, const char *code) {
  if (!strcmp(code, "forbidden"))
    api_error(c, 403, code, "only booking staff of the call's establishment approve interpreters",
              NULL);
  else if (!strcmp(code, "not_found"))
    api_error(c, 404, code, "no such interpreter", "interpreter_id");
  else if (!strcmp(code, "professional_only"))
    api_error(c, 409, code,
              "on a legal or telemedicine call an interpreter joins only when the professional "
              "who booked the call asked for them",
              "requested_by_professional");
  else if (!strcmp(code, "not_supported"))
    api_error(c, 409, code, "a probation call has no establishment's staff to approve one", NULL);
  else if (!strcmp(code, "already_added"))
    api_error(c, 409, code, "this interpreter is already approved for the call", NULL);
  else
    api_error(c, 409, code, "the call is cancelled or over", NULL);
}

static const char *const ADD_FIELDS[] = {"interpreter_id", "requested_by_professional", NULL};

/* POST /api/v1/visits/{id}/interpreters */
void api_visit_interpreter_add(ApiCtx *c, const char *visit_id) {
  if (api_need_session(c)) return;
  json_t *b = api_body(c, ADD_FIELDS, 0);
  if (!b) return;
  long long iid = 0;
  int by_prof = 0;
  if (api_int(c, b, "interpreter_id", 1, 1, INT64_MAX, &iid) ||
      api_bool(c, b, "requested_by_professional", &by_prof))
    goto out;
  BookDb *db = c->app->db;
  VisitFacts v = {0};
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  int rc = api_visit_id_ok(visit_id) ? load_visit(db, visit_id, &v) : 0;
  char iest[16] = "";
  if (rc == 1) {
    BookStmt *st = book_db_stmt(db, "SELECT establishment_id FROM interpreters WHERE id = ?");
    if (!st) rc = -1;
    else {
      book_bind_i64(st, 1, iid);
      int r = book_db_row(db, st);
      if (r == 1) {
        g_strlcpy(iest, book_col_text(st, 0), sizeof iest);
        book_stmt_reset(st);
      }
      if (r < 0) rc = -1;
    }
  }
  if (rc < 0) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  if (rc == 0) {
    book_db_rollback(db);
    api_error(c, 404, "not_found", "no such visit", NULL);
    goto out;
  }
  BookStmt *chk = book_db_stmt(db, "SELECT count(*) FROM visit_interpreters WHERE visit_id = ? "
                                   "AND interpreter_id = ? AND removed_at IS NULL");
  int already = 0;
  if (chk) {
    book_bind_text(chk, 1, visit_id);
    book_bind_i64(chk, 2, iid);
    int r = book_db_row(db, chk);
    if (r == 1) {
      already = book_col_i64(chk, 0) > 0;
      book_stmt_reset(chk);
    }
    if (r != 1) chk = NULL;
  }
  if (!chk) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  BookInterpAdd f = {.visit_type = v.type, .visit_status = v.status,
                     .visit_est = v.has_est ? v.est : NULL, .actor_role = c->actor.role,
                     .actor_est = c->actor.establishment_id,
                     .interpreter_est = iest[0] ? iest : NULL,
                     .requested_by_professional = by_prof, .already_added = already};
  const char *why = book_interp_may_add(&f);
  if (why) {
    book_db_rollback(db);
    rule_error(c, why);
    goto out;
  }
  BookStmt *st = book_db_stmt(db, "INSERT INTO visit_interpreters(visit_id, interpreter_id, "
                                  "requested_by_professional, added_by, added_at) VALUES "
                                  "(?,?,?,?,?)");
  int bad = !st;
  if (st) {
    book_bind_text(st, 1, visit_id);
    book_bind_i64(st, 2, iid);
    book_bind_i64(st, 3, by_prof);
    book_bind_text(st, 4, c->actor.username);
    book_bind_i64(st, 5, c->now);
    bad = book_db_step_done(db, st);
  }
  char *dt = dump(json_pack("{s:I, s:b}", "interpreter", (json_int_t)iid,
                            "requested_by_professional", by_prof));
  if (!bad) bad = !dt || book_audit(db, c->now, c->actor.username, visit_id,
                                    "interpreter_added", dt) != 0;
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  api_json(c, 201, json_pack("{s:s, s:I, s:b}", "visit_id", visit_id, "interpreter_id",
                             (json_int_t)iid, "requested_by_professional", by_prof));
out:
  json_decref(b);
}

/* POST /api/v1/visits/{id}/interpreters/{interpreter_id}/remove: the
 * approval ends (kept, with who and when), audited; if the interpreter has
 * an account, a live call drops them (remove_participant
 * interpreter_removed, "interpreter-<users.id>"). */
void api_visit_interpreter_remove(ApiCtx *c, const char *visit_id, const char *iid_text) {
  if (api_need_session(c) || api_need_role(c, STAFF)) return;
  char *end = NULL;
  long long iid = iid_text ? strtoll(iid_text, &end, 10) : 0;
  BookDb *db = c->app->db;
  VisitFacts v = {0};
  if (book_db_begin(db)) {
    api_storage_error(c);
    return;
  }
  int rc = api_visit_id_ok(visit_id) && end && !*end && iid > 0 ? load_visit(db, visit_id, &v)
                                                                 : 0;
  if (rc == 1 && (!v.has_est || !c->actor.establishment_id ||
                  strcmp(v.est, c->actor.establishment_id) != 0))
    rc = 0; /* another establishment's call: not revealed */
  int64_t user_id = 0;
  int found = 0;
  if (rc == 1) {
    BookStmt *st = book_db_stmt(db, "SELECT coalesce(i.user_id, 0) FROM visit_interpreters vi "
                                    "JOIN interpreters i ON i.id = vi.interpreter_id WHERE "
                                    "vi.visit_id = ? AND vi.interpreter_id = ? AND "
                                    "vi.removed_at IS NULL");
    if (!st) rc = -1;
    else {
      book_bind_text(st, 1, visit_id);
      book_bind_i64(st, 2, iid);
      int r = book_db_row(db, st);
      if (r == 1) {
        found = 1;
        user_id = book_col_i64(st, 0);
        book_stmt_reset(st);
      }
      if (r < 0) rc = -1;
    }
  }
  if (rc < 0) {
    book_db_rollback(db);
    api_storage_error(c);
    return;
  }
  if (rc == 0 || !found) {
    book_db_rollback(db);
    api_error(c, 404, "not_found", "no such interpreter on this call", NULL);
    return;
  }
  BookStmt *st = book_db_stmt(db, "UPDATE visit_interpreters SET removed_by = ?, removed_at = ? "
                                  "WHERE visit_id = ? AND interpreter_id = ? AND removed_at IS "
                                  "NULL");
  int bad = !st;
  if (st) {
    book_bind_text(st, 1, c->actor.username);
    book_bind_i64(st, 2, c->now);
    book_bind_text(st, 3, visit_id);
    book_bind_i64(st, 4, iid);
    bad = book_db_step_done(db, st);
  }
  char *dt = dump(json_pack("{s:I}", "interpreter", (json_int_t)iid));
  if (!bad) bad = !dt || book_audit(db, c->now, c->actor.username, visit_id,
                                    "interpreter_removed", dt) != 0;
  free(dt);
  if (!bad && user_id > 0) {
    char participant[48];
    g_snprintf(participant, sizeof participant, "interpreter-%" G_GINT64_FORMAT, user_id);
    bad = book_decision_add(db, c->now, c->actor.username, visit_id, "remove_participant",
                            participant, "interpreter_removed", NULL, NULL) != 0;
  }
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:s, s:I, s:b}", "visit_id", visit_id, "interpreter_id",
                             (json_int_t)iid, "removed", 1));
}
