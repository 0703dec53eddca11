/* Held slots over HTTP: POST /holds, GET /holds, DELETE /holds/{id}
 * (book_holds.h holds the rules). A hold is its user's alone. */
#include <string.h>

#include "book_api.h"
#include "book_holds.h"
#include "timeutil.h"

static json_t *view_hold(const BookHold *h) {
  char slot[40], exp[32], made[32];
  g_snprintf(slot, sizeof slot, "%lld:%s", (long long)h->template_id, h->date);
  return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:i}", "id", h->id, "prisoner_id",
                   (json_int_t)h->prisoner_id, "slot_id", slot, "restriction", h->restriction,
                   "created_at", time_format_iso8601(h->created_at, made, sizeof made),
                   "expires_at", time_format_iso8601(h->expires_at, exp, sizeof exp),
                   "hold_seconds", (int)(h->expires_at - h->created_at));
}

static const char *const HOLD_FIELDS[] = {"prisoner_id", "slot_id", "visitor_ids", NULL};

void api_holds_create(ApiCtx *c) {
  if (api_need_session(c)) return;
  json_t *b = api_body(c, HOLD_FIELDS, 0);
  if (!b) return;
  long long pid = 0;
  const char *slot = NULL;
  BookVisitorSel vs[20];
  size_t n = 0;
  if (api_int(c, b, "prisoner_id", 1, 1, G_MAXINT64, &pid) ||
      api_str(c, b, "slot_id", 1, 40, &slot))
    goto out;
  json_t *arr = json_object_get(b, "visitor_ids"), *v;
  if (arr && (!json_is_array(arr) || json_array_size(arr) > 20)) {
    api_error(c, 400, "invalid_field", "visitor_ids must be an array of at most 20 ids",
              "visitor_ids");
    goto out;
  }
  size_t i;
  json_array_foreach(arr, i, v) {
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
      api_error(c, 400, "invalid_field", "visitor_ids must hold positive integers",
                "visitor_ids");
      goto out;
    }
    vs[n++] = (BookVisitorSel){json_integer_value(v), 0};
  }
  BookHold h;
  BookError e;
  if (book_hold_place(c->app->db, &c->actor, pid, slot, vs, n, c->now, &h, &e))
    api_rule_error(c, &e);
  else
    api_json(c, 201, view_hold(&h));
out:
  json_decref(b);
}

void api_holds_list(ApiCtx *c) {
  if (api_need_session(c)) return;
  GArray *hs = g_array_new(FALSE, TRUE, sizeof(BookHold));
  if (book_holds_list(c->app->db, &c->actor, c->now, hs)) {
    g_array_free(hs, TRUE);
    api_storage_error(c);
    return;
  }
  json_t *arr = json_array();
  for (guint i = 0; i < hs->len; i++)
    json_array_append_new(arr, view_hold(&g_array_index(hs, BookHold, i)));
  g_array_free(hs, TRUE);
  api_json(c, 200, json_pack("{s:o}", "holds", arr));
}

void api_hold_release(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  BookError e;
  if (book_hold_release(c->app->db, &c->actor, id, c->now, &e))
    api_rule_error(c, &e);
  else
    api_json(c, 200, json_pack("{s:s, s:b}", "id", id, "released", 1));
}
