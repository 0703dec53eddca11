/* GET/PUT /establishments/{id}/legal-sight-monitoring: the establishment's
 * sight-only legal monitoring setting (book_sightonly.h, migration 0015).
 * Read and set by the establishment's own admin or booking staff (an admin
 * of no establishment: any); every change is audited with before and after. */
#include <string.h>

#include "book_api.h"
#include "book_decisions.h"

/* Switched off: every booked or running legal call of the establishment gets
 * an update_policy decision (monitoring forbidden), so signalling removes a
 * monitor already watching one (docs/contracts.md, "Decisions reach live
 * calls"). Switched on, nothing: a call already live keeps the policy its
 * participants were told (a monitor's video_only token no longer matches it
 * and signalling refuses it, policy_mismatch). In the caller's transaction.
 * Count or -1. */
static int forbid_live_legal(BookDb *db, int64_t now, const char *actor, const char *est) {
  BookStmt *st = book_db_stmt(db, "SELECT id FROM visits WHERE visit_type = 'legal' AND "
                                  "establishment_id = ? AND status IN ('booked','in_progress') "
                                  "ORDER BY start_at, id");
  if (!st) return -1;
  book_bind_text(st, 1, est);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  int rc;
  while ((rc = book_db_row(db, st)) == 1) g_ptr_array_add(ids, g_strdup(book_col_text(st, 0)));
  int n = rc < 0 ? -1 : (int)ids->len;
  for (guint i = 0; n >= 0 && i < ids->len; i++)
    if (book_decision_add(db, now, actor, ids->pdata[i], "update_policy", NULL, "policy_changed",
                          NULL, "{\"monitoring\":\"forbidden\",\"recording\":\"forbidden\"}"))
      n = -1;
  g_ptr_array_free(ids, TRUE);
  return n;
}

static const char *const SETTERS[] = {"admin", "booking_staff", NULL};

/* 1 when the actor may see/set this establishment's setting; 0 answered. */
static int own_establishment(ApiCtx *c, const char *id) {
  if (api_need_session(c) || api_need_role(c, SETTERS)) return 0;
  const char *own = c->actor.establishment_id;
  if (own ? strcmp(own, id) != 0 : strcmp(c->actor.role, "admin") != 0) {
    api_error(c, 404, "not_found", "no such establishment", NULL);
    return 0;
  }
  return 1;
}

/* 1 on, 0 off, -1 storage error, -2 no such establishment. */
static int read_setting(BookDb *db, const char *id) {
  BookStmt *st = book_db_stmt(db, "SELECT legal_sight_monitoring FROM establishments WHERE id = ?");
  if (!st) return -1;
  book_bind_text(st, 1, id);
  int found = book_db_row(db, st);
  if (found < 0) return -1;
  if (found == 0) return -2;
  int on = book_col_int(st, 0) == 1;
  book_stmt_reset(st);
  return on;
}

static void answer(ApiCtx *c, const char *id, int on) {
  api_json(c, 200, json_pack("{s:s, s:b}", "establishment_id", id, "legal_sight_monitoring", on));
}

void api_legal_sight_get(ApiCtx *c, const char *id) {
  if (!own_establishment(c, id)) return;
  int on = read_setting(c->app->db, id);
  if (on == -2) {
    api_error(c, 404, "not_found", "no such establishment", NULL);
    return;
  }
  if (on < 0) {
    api_storage_error(c);
    return;
  }
  answer(c, id, on);
}

void api_legal_sight_put(ApiCtx *c, const char *id) {
  if (!own_establishment(c, id)) return;
  static const char *const fields[] = {"legal_sight_monitoring", NULL};
  json_t *b = api_body(c, fields, 0);
  if (!b) return;
  int on = -1;
  int bad = api_bool(c, b, "legal_sight_monitoring", &on);
  json_decref(b);
  if (bad) return;
  if (on < 0) {
    api_error(c, 400, "missing_field", "legal_sight_monitoring (true or false) is required",
              "legal_sight_monitoring");
    return;
  }
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    return;
  }
  int was = read_setting(db, id);
  if (was < 0) {
    book_db_rollback(db);
    if (was == -2)
      api_error(c, 404, "not_found", "no such establishment", NULL);
    else
      api_storage_error(c);
    return;
  }
  BookStmt *st =
      book_db_stmt(db, "UPDATE establishments SET legal_sight_monitoring = ? WHERE id = ?");
  int rc = BOOK_ERROR;
  if (st) {
    book_bind_i64(st, 1, on);
    book_bind_text(st, 2, id);
    rc = book_step(st);
    book_stmt_reset(st);
  }
  int calls = 0;
  if (rc == BOOK_DONE && was && !on) calls = forbid_live_legal(db, c->now, c->actor.username, id);
  char detail[200];
  g_snprintf(detail, sizeof detail,
             "{\"establishment_id\":\"%s\",\"from\":%s,\"to\":%s,\"calls\":%d}", id,
             was ? "true" : "false", on ? "true" : "false", calls);
  if (rc != BOOK_DONE || calls < 0 ||
      book_audit(db, c->now, c->actor.username, NULL, "legal_sight_monitoring_changed", detail) ||
      book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    return;
  }
  answer(c, id, on);
}
