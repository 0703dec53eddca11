/* Visiting orders in the API (docs/openapi.yaml):
 *   GET  /prisoners/{id}/visiting-orders              balance, orders, history
 *   POST /prisoners/{id}/visiting-orders/adjustments  staff grant / remove
 * Staff of the prisoner's establishment see everything; an approved visitor
 * of the prisoner (and the prisoner) see the plain view: no staff names,
 * reasons, order or visit ids (another family's visits stay private). */
#include <string.h>

#include "book_api.h"
#include "book_local_today.h"
#include "book_vo.h"

static int64_t vo_path_id(const char *s) {
  if (!s || !*s || strlen(s) > 12) return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  return g_ascii_strtoll(s, NULL, 10);
}

/* 1 staff view, 2 plain view, 0 replied (404/403), -1 replied 503. */
static int vo_view(ApiCtx *c, int64_t pid) {
  BookDb *db = c->app->db;
  const char *role = c->actor.role;
  int vis;
  if (!strcmp(role, "family")) {
    /* Approved contacts only: being on the list waiting for approval is not enough. */
    int64_t n = 0;
    vis = book_db_scalar(db, "SELECT count(*) FROM contacts c JOIN visitors v ON v.id = "
                             "c.visitor_id WHERE c.prisoner_id = ? AND v.user_id = ? AND "
                             "c.approved = 1",
                         &n, 2, pid, c->actor.user_id);
    if (vis > 0) vis = n > 0;
  } else if (!strcmp(role, "prisoner") || book_is_staff(role)) {
    vis = pid ? book_prisoner_check_visible(db, &c->actor, pid) : 0;
  } else {
    api_error(c, 403, "forbidden", "your role does not see visiting orders", NULL);
    return 0;
  }
  if (vis < 0) {
    api_storage_error(c);
    return -1;
  }
  if (!vis || !pid) {
    api_error(c, 404, "not_found", "no such prisoner", NULL);
    return 0;
  }
  return book_is_staff(role) ? 1 : 2;
}

static void reply_account(ApiCtx *c, int64_t pid, int family, int http) {
  char today[11];
  json_t *o = book_today_for_prisoner(c->app->db, pid, c->now, today)
                  ? NULL
                  : book_vo_account_json(c->app->db, pid, family, today);
  if (!o) {
    api_storage_error(c);
    return;
  }
  api_json(c, http, o);
}

void api_visiting_orders(ApiCtx *c, const char *prisoner_id) {
  if (api_need_session(c)) return;
  int64_t pid = vo_path_id(prisoner_id);
  int view = vo_view(c, pid);
  if (view <= 0) return;
  reply_account(c, pid, view == 2, 200);
}

static const char *const ADJUST_FIELDS[] = {"action", "kind", "count", "reason", NULL};

void api_visiting_orders_adjust(ApiCtx *c, const char *prisoner_id) {
  if (api_need_session(c)) return;
  int64_t pid = vo_path_id(prisoner_id);
  json_t *b = api_body(c, ADJUST_FIELDS, 0);
  if (!b) return;
  const char *action = NULL, *kind = NULL, *reason = NULL;
  long long count = 1;
  if (api_str(c, b, "action", 1, 8, &action) || api_str(c, b, "kind", 1, 4, &kind) ||
      api_int(c, b, "count", 0, 1, 26, &count) || api_str(c, b, "reason", 1, 500, &reason))
    goto out;
  char today[11] = "";
  BookError e;
  if (pid && book_today_for_prisoner(c->app->db, pid, c->now, today)) {
    api_storage_error(c);
  } else if (!pid) {
    api_error(c, 404, "not_found", "no such prisoner", NULL);
  } else if (book_vo_adjust(c->app->db, &c->actor, pid, action, kind, (int)count, reason, c->now,
                            today, &e)) {
    api_rule_error(c, &e);
  } else {
    reply_account(c, pid, 0, 201);
  }
out:
  json_decref(b);
}
