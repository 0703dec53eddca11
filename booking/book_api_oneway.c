/* One-way video endpoints (issue 17 part 3, booking/book_oneway.h):
 * POST /prisoners/{id}/one-way-video and POST /visits/{id}/one-way-video,
 * body {"direction","reason"}; "off" lifts. */
#include <string.h>

#include "book_api.h"
#include "book_oneway.h"

static const char *const FIELDS[] = {"direction", "reason", NULL};

/* direction and reason from the body; 0, or -1 with the reply sent. */
static int read_body(ApiCtx *c, json_t **b, const char **dir, const char **reason) {
  *b = api_body(c, FIELDS, 0);
  if (!*b) return -1;
  *dir = *reason = NULL;
  if (api_str(c, *b, "direction", 1, 40, dir) || api_str(c, *b, "reason", 0, 500, reason)) {
    json_decref(*b);
    return -1;
  }
  return 0;
}

static int64_t id_of(const char *s) {
  if (!s || !*s || strlen(s) > 12) return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  return g_ascii_strtoll(s, NULL, 10);
}

void api_prisoner_one_way(ApiCtx *c, const char *id_text) {
  if (api_need_session(c)) return;
  json_t *b;
  const char *dir, *reason;
  if (read_body(c, &b, &dir, &reason)) return;
  int64_t id = id_of(id_text);
  BookError e;
  if (!id) {
    api_error(c, 404, "not_found", "no such prisoner", NULL);
  } else if (book_prisoner_set_one_way(c->app->db, &c->actor, id, dir, reason, c->now, &e)) {
    api_rule_error(c, &e);
  } else {
    json_t *o = book_oneway_prisoner_json(c->app->db, id, 1);
    if (!o)
      api_storage_error(c);
    else
      api_json(c, 200, json_pack("{s:I, s:o}", "prisoner_id", (json_int_t)id, "one_way_video", o));
  }
  json_decref(b);
}

void api_visit_one_way(ApiCtx *c, const char *visit_id) {
  if (api_need_session(c)) return;
  int vis =
      api_visit_id_ok(visit_id) ? book_visit_check_visible(c->app->db, &c->actor, visit_id) : 0;
  if (vis != 1) {
    if (vis < 0)
      api_storage_error(c);
    else
      api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  json_t *b;
  const char *dir, *reason;
  if (read_body(c, &b, &dir, &reason)) return;
  BookError e;
  if (book_visit_set_one_way(c->app->db, &c->actor, visit_id, dir, reason, c->now, &e)) {
    api_rule_error(c, &e);
  } else {
    json_t *v = book_view_visit(c->app->db, visit_id);
    if (!v)
      api_storage_error(c);
    else
      api_json(c, 200, v);
  }
  json_decref(b);
}
