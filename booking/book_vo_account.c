/* A prisoner's visiting-order account: the balance with its history for
 * staff and family (book_vo_account_json), and staff's changes by hand
 * (book_vo_adjust). */
#include <stdlib.h>
#include <string.h>

#include "book_vo.h"
#include "book_vo_rules.h"

static int efail(BookError *e, int http, const char *code, const char *field, const char *msg) {
  e->http = http;
  g_strlcpy(e->code, code, sizeof e->code);
  g_strlcpy(e->field, field ? field : "", sizeof e->field);
  g_strlcpy(e->message, msg, sizeof e->message);
  return -1;
}

int book_vo_adjust(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *action,
                   const char *kind, int count, const char *reason, int64_t now,
                   const char *today, BookError *e) {
  memset(e, 0, sizeof *e);
  int grant = action && !strcmp(action, "grant");
  if (!grant && !(action && !strcmp(action, "remove")))
    return efail(e, 400, "invalid_field", "action", "action must be grant or remove");
  if (!kind || (strcmp(kind, "VO") && strcmp(kind, "PVO")))
    return efail(e, 400, "invalid_field", "kind", "kind must be VO or PVO");
  if (count < 1 || count > BOOK_VO_CAP)
    return efail(e, 400, "invalid_field", "count", "count must be 1 to 26");
  if (!reason || !*reason)
    return efail(e, 400, "missing_field", "reason", "say why the balance changes");
  if (book_db_begin(db)) return book_error_storage(e);
  int vis = book_prisoner_check_visible(db, a, prisoner_id);
  int rc = 0;
  if (vis < 0)
    rc = book_error_storage(e);
  else if (!vis)
    rc = efail(e, 404, "not_found", NULL, "no such prisoner");
  else if (strcmp(a->role, "booking_staff") && strcmp(a->role, "admin"))
    rc = efail(e, 403, "forbidden", NULL, "only booking staff change a balance");
  int64_t convicted = 0;
  if (!rc && book_db_scalar(db, "SELECT count(*) FROM prisoners WHERE id = ? AND status = "
                                "'convicted'",
                            &convicted, 1, prisoner_id) < 0)
    rc = book_error_storage(e);
  else if (!rc && !convicted)
    rc = efail(e, 422, "not_convicted", NULL,
               "remand prisoners have no visiting orders (their calls are limited per week)");
  if (!rc && book_vo_import_opening(db, prisoner_id, now, today)) rc = book_error_storage(e);
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  int bad = 0;
  if (grant) {
    char expires[11] = "";
    if (!strcmp(kind, "PVO")) book_vo_date_add(today, BOOK_PVO_LIFE_DAYS, expires);
    for (int i = 0; !bad && i < count; i++) {
      BookStmt *st = book_db_stmt(db, "INSERT INTO visiting_orders(prisoner_id, kind, status, "
                                      "issued_on, expires_on, owed, source) VALUES "
                                      "(?,?,'available',?,?,0,'staff') RETURNING id");
      book_bind_i64(st, 1, prisoner_id);
      book_bind_text(st, 2, kind);
      book_bind_text(st, 3, today);
      book_bind_text(st, 4, expires[0] ? expires : NULL);
      if (book_db_row(db, st) != 1) {
        bad = 1;
        break;
      }
      int64_t id = book_col_i64(st, 0);
      book_stmt_reset(st);
      st = book_db_stmt(db, "INSERT INTO vo_history(prisoner_id, order_id, at, on_date, event, "
                            "kind, actor, reason) VALUES (?,?,?,?,'granted',?,?,?)");
      book_bind_i64(st, 1, prisoner_id);
      book_bind_i64(st, 2, id);
      book_bind_i64(st, 3, now);
      book_bind_text(st, 4, today);
      book_bind_text(st, 5, kind);
      book_bind_text(st, 6, a->username);
      book_bind_text(st, 7, reason);
      bad = book_db_step_done(db, st);
    }
  } else {
    int64_t have = 0;
    BookStmt *st = book_db_stmt(db, "SELECT count(*) FROM visiting_orders WHERE prisoner_id = ? "
                                    "AND kind = ? AND status IN ('available','accumulated')");
    book_bind_i64(st, 1, prisoner_id);
    book_bind_text(st, 2, kind);
    int r = book_db_row(db, st);
    if (r == 1) {
      have = book_col_i64(st, 0);
      book_stmt_reset(st);
    }
    if (r < 0) {
      book_db_rollback(db);
      return book_error_storage(e);
    }
    if (have < count) {
      book_db_rollback(db);
      return efail(e, 422, "not_enough_orders", "count",
                   "the prisoner does not have that many unused orders of that kind");
    }
    /* The newest go first: the oldest are the ones that count as saved. */
    for (int i = 0; !bad && i < count; i++) {
      st = book_db_stmt(db, "SELECT id FROM visiting_orders WHERE prisoner_id = ? AND kind = ? "
                            "AND status IN ('available','accumulated') ORDER BY issued_on DESC, "
                            "id DESC LIMIT 1");
      book_bind_i64(st, 1, prisoner_id);
      book_bind_text(st, 2, kind);
      if (book_db_row(db, st) != 1) {
        bad = 1;
        break;
      }
      int64_t id = book_col_i64(st, 0);
      book_stmt_reset(st);
      st = book_db_stmt(db, "UPDATE visiting_orders SET status = 'expired' WHERE id = ?");
      book_bind_i64(st, 1, id);
      bad = book_db_step_done(db, st);
      st = book_db_stmt(db, "INSERT INTO vo_history(prisoner_id, order_id, at, on_date, event, "
                            "kind, actor, reason) VALUES (?,?,?,?,'removed',?,?,?)");
      book_bind_i64(st, 1, prisoner_id);
      book_bind_i64(st, 2, id);
      book_bind_i64(st, 3, now);
      book_bind_text(st, 4, today);
      book_bind_text(st, 5, kind);
      book_bind_text(st, 6, a->username);
      book_bind_text(st, 7, reason);
      if (!bad) bad = book_db_step_done(db, st);
    }
  }
  json_t *d = json_pack("{s:I, s:s, s:s, s:i, s:s}", "prisoner_id", (json_int_t)prisoner_id,
                        "action", action, "kind", kind, "count", count, "reason", reason);
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, NULL, "vo_adjusted", detail);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return book_error_storage(e);
  }
  return 0;
}

json_t *book_vo_account_json(BookDb *db, int64_t prisoner_id, int family, const char *today) {
  BookStmt *st = book_db_stmt(
      db, "SELECT p.status, p.incentive_level, p.establishment_id, " BOOK_VO_BALANCE_SQL
          ", (SELECT count(*) FROM visiting_orders o WHERE o.prisoner_id = p.id AND o.kind = "
          "'VO' AND o.status IN ('available','accumulated')), (SELECT count(*) FROM "
          "visiting_orders o WHERE o.prisoner_id = p.id AND o.kind = 'PVO' AND o.status IN "
          "('available','accumulated')), (SELECT count(*) FROM visiting_orders o WHERE "
          "o.prisoner_id = p.id AND o.owed = 1 AND o.repaid_on IS NULL AND o.status <> "
          "'expired'), (SELECT max(period_start) FROM vo_accruals a WHERE a.prisoner_id = p.id "
          "AND a.kind = 'VO'), (SELECT max(period_start) FROM vo_accruals a WHERE "
          "a.prisoner_id = p.id AND a.kind = 'PVO'), (SELECT vos_per_14_days FROM vo_allowances "
          "w WHERE w.establishment_id = p.establishment_id AND w.incentive_level = "
          "p.incentive_level), (SELECT pvos_per_28_days FROM vo_allowances w WHERE "
          "w.establishment_id = p.establishment_id AND w.incentive_level = p.incentive_level) "
          "FROM prisoners p WHERE p.id = ?");
  book_bind_i64(st, 1, prisoner_id);
  int rc = book_db_row(db, st);
  if (rc != 1) return NULL;
  int convicted = !strcmp(book_col_text(st, 0), "convicted");
  char level[16];
  g_strlcpy(level, book_col_text(st, 1), sizeof level);
  int vos = 0, pvos = 0;
  book_vo_default_allowance(level, &vos, &pvos);
  if (!book_col_null(st, 9)) vos = book_col_int(st, 9);
  if (!book_col_null(st, 10)) pvos = book_col_int(st, 10);
  char next_vo[11] = "", next_pvo[11] = "";
  const char *lv = book_col_text(st, 7), *lp = book_col_text(st, 8);
  if (convicted && lv) book_vo_date_add(lv, BOOK_VO_PERIOD_DAYS, next_vo);
  if (convicted && lp) book_vo_date_add(lp, BOOK_PVO_PERIOD_DAYS, next_pvo);
  json_t *o = json_pack(
      "{s:I, s:s, s:s, s:b, s:{s:I, s:I, s:I, s:I}, s:{s:i, s:i}, s:o, s:o}", "prisoner_id",
      (json_int_t)prisoner_id, "incentive_level", level, "today", today, "entitled", convicted,
      "balance", "total", (json_int_t)book_col_i64(st, 3), "vo", (json_int_t)book_col_i64(st, 4),
      "pvo", (json_int_t)book_col_i64(st, 5), "owed", (json_int_t)book_col_i64(st, 6),
      "allowance", "vos_per_14_days", convicted ? vos : 0, "pvos_per_28_days",
      convicted ? pvos : 0, "next_vo_on", next_vo[0] ? json_string(next_vo) : json_null(),
      "next_pvo_on", next_pvo[0] ? json_string(next_pvo) : json_null());
  book_stmt_reset(st);

  json_t *orders = json_array();
  st = book_db_stmt(db, "SELECT id, kind, status, issued_on, expires_on, visit_id FROM "
                        "visiting_orders WHERE prisoner_id = ? AND status IN "
                        "('available','accumulated','scheduled') ORDER BY issued_on, id");
  book_bind_i64(st, 1, prisoner_id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    const char *exp = book_col_text(st, 4), *vid = book_col_text(st, 5);
    json_t *x = json_pack("{s:s, s:s, s:s, s:o}", "kind", book_col_text(st, 1), "status",
                          book_col_text(st, 2), "issued_on", book_col_text(st, 3),
                          "expires_on", exp ? json_string(exp) : json_null());
    if (!family) {
      json_object_set_new(x, "id", json_integer(book_col_i64(st, 0)));
      json_object_set_new(x, "visit_id", vid ? json_string(vid) : json_null());
    }
    json_array_append_new(orders, x);
  }
  json_object_set_new(o, "orders", orders);
  if (row < 0) {
    json_decref(o);
    return NULL;
  }

  /* Newest first, the last 200 changes. */
  json_t *hist = json_array();
  st = book_db_stmt(db, "SELECT at, on_date, event, kind, visit_id, actor, reason, order_id FROM "
                        "vo_history WHERE prisoner_id = ? ORDER BY id DESC LIMIT 200");
  book_bind_i64(st, 1, prisoner_id);
  while ((row = book_db_row(db, st)) == 1) {
    const char *kind = book_col_text(st, 3);
    json_t *x = json_pack("{s:I, s:s, s:s, s:o}", "at", (json_int_t)book_col_i64(st, 0), "date",
                          book_col_text(st, 1), "event", book_col_text(st, 2), "kind",
                          kind ? json_string(kind) : json_null());
    if (!family) {
      const char *vid = book_col_text(st, 4), *why = book_col_text(st, 6);
      json_object_set_new(x, "visit_id", vid ? json_string(vid) : json_null());
      json_object_set_new(x, "actor", json_string(book_col_text(st, 5)));
      json_object_set_new(x, "reason", why ? json_string(why) : json_null());
      json_object_set_new(x, "order_id", book_col_null(st, 7) ? json_null()
                                                             : json_integer(book_col_i64(st, 7)));
    }
    json_array_append_new(hist, x);
  }
  json_object_set_new(o, "history", hist);
  if (row < 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}
