/* Endpoints for prisoner moves, the review list and outcomes (issue 16
 * parts 5 and 6). The rules are in book_reviews.c; this file turns JSON
 * into calls and results into JSON. */
#include <string.h>

#include "book_api.h"
#include "book_reviews.h"

static int64_t path_id(const char *s) {
  if (!s || !*s || strlen(s) > 12) return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  int64_t v = g_ascii_strtoll(s, NULL, 10);
  return v > 0 ? v : 0;
}

static const char *const MOVE_FIELDS[] = {"kind", "date", "to_establishment", "reason", NULL};

void api_prisoner_move(ApiCtx *c, const char *prisoner_id) {
  if (api_need_session(c)) return;
  int64_t pid = path_id(prisoner_id);
  if (!pid) {
    api_error(c, 404, "not_found", "no such prisoner", NULL);
    return;
  }
  json_t *b = api_body(c, MOVE_FIELDS, 0);
  if (!b) return;
  const char *kind = NULL, *date = NULL, *to = NULL, *reason = NULL;
  if (!api_str(c, b, "kind", 1, 16, &kind) && !api_str(c, b, "date", 1, 10, &date) &&
      !api_str(c, b, "to_establishment", 0, 16, &to) && !api_str(c, b, "reason", 1, 500, &reason)) {
    BookError e;
    json_t *out = NULL;
    if (book_prisoner_move(c->app->db, &c->actor, pid, kind, to, date, reason, c->now, &out, &e))
      api_rule_error(c, &e);
    else
      api_json(c, 201, out);
  }
  json_decref(b);
}

void api_reviews_list(ApiCtx *c) {
  if (api_need_session(c)) return;
  const char *state = http_request_query(c->req, "state");
  if (state && strcmp(state, "open") && strcmp(state, "all")) {
    api_error(c, 400, "invalid_field", "state must be open or all", "state");
    return;
  }
  BookError e;
  json_t *out = NULL;
  if (book_reviews_list(c->app->db, &c->actor, !state || !strcmp(state, "open"), &out, &e))
    api_rule_error(c, &e);
  else
    api_json(c, 200, out);
}

static const char *const RESOLVE_FIELDS[] = {"decision", "reason", NULL};

void api_review_resolve(ApiCtx *c, const char *review_id) {
  if (api_need_session(c)) return;
  int64_t id = path_id(review_id);
  if (!id) {
    api_error(c, 404, "not_found", "no such review", NULL);
    return;
  }
  json_t *b = api_body(c, RESOLVE_FIELDS, 0);
  if (!b) return;
  const char *decision = NULL, *reason = NULL;
  if (!api_str(c, b, "decision", 1, 16, &decision) && !api_str(c, b, "reason", 1, 500, &reason)) {
    BookError e;
    if (book_review_resolve(c->app->db, &c->actor, id, decision, reason, c->now, &e))
      api_rule_error(c, &e);
    else
      api_json(c, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "resolution", decision));
  }
  json_decref(b);
}

void api_reviews_scan(ApiCtx *c) {
  if (api_need_session(c)) return;
  static const char *const roles[] = {"booking_staff", "admin", NULL};
  if (api_need_role(c, roles)) return;
  static const char *const none[] = {NULL};
  json_t *b = api_body(c, none, 1);
  if (!b) return;
  json_decref(b);
  int n = book_reviews_scan(c->app->db, c->now, 1);
  if (n < 0)
    api_storage_error(c);
  else
    api_json(c, 200, json_pack("{s:i}", "flagged", n));
}

static const char *const OUTCOME_FIELDS[] = {"outcome", "reason", NULL};

void api_visit_outcome(ApiCtx *c, const char *visit_id) {
  if (api_need_session(c)) return;
  if (!api_visit_id_ok(visit_id)) {
    api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  json_t *b = api_body(c, OUTCOME_FIELDS, 0);
  if (!b) return;
  const char *outcome = NULL, *reason = NULL;
  if (!api_str(c, b, "outcome", 1, 48, &outcome) && !api_str(c, b, "reason", 1, 500, &reason)) {
    BookError e;
    if (book_visit_set_outcome(c->app->db, &c->actor, visit_id, outcome, reason, c->now, &e)) {
      api_rule_error(c, &e);
    } else {
      json_t *v = NULL;
      if (book_view_visit_read(c->app->db, visit_id, &v) == 1)
        api_json(c, 200, v);
      else
        api_storage_error(c);
    }
  }
  json_decref(b);
}
