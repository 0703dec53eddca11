/* The visiting-order ledger's I/O (book_vo.h). Thin on purpose: every
 * decision is a book_vo_rules.c function. */
#include "book_vo.h"

#include <string.h>

#include "book_local_today.h"
#include "book_vo_rules.h"
#include "log.h"

/* ---- history ---- */

static int history(BookDb *db, int64_t prisoner_id, int64_t order_id, int64_t now,
                   const char *today, const char *event, const char *kind, const char *visit_id,
                   const char *actor, const char *reason) {
  BookStmt *st = book_db_stmt(db, "INSERT INTO vo_history(prisoner_id, order_id, at, on_date, "
                                  "event, kind, visit_id, actor, reason) VALUES "
                                  "(?,?,?,?,?,?,?,?,?)");
  book_bind_i64(st, 1, prisoner_id);
  if (order_id)
    book_bind_i64(st, 2, order_id);
  else
    book_bind_null(st, 2);
  book_bind_i64(st, 3, now);
  book_bind_text(st, 4, today);
  book_bind_text(st, 5, event);
  book_bind_text(st, 6, kind);
  book_bind_text(st, 7, visit_id);
  book_bind_text(st, 8, actor);
  book_bind_text(st, 9, reason);
  return book_db_step_done(db, st);
}

/* A new order with its history row; *id_out its id (may be NULL). */
static int issue(BookDb *db, int64_t prisoner_id, const char *kind, const char *status,
                 const char *issued_on, const char *expires_on, const char *visit_id, int owed,
                 const char *source, int64_t now, const char *today, const char *event,
                 const char *actor, const char *reason, int64_t *id_out) {
  BookStmt *st = book_db_stmt(db, "INSERT INTO visiting_orders(prisoner_id, kind, status, "
                                  "issued_on, expires_on, visit_id, owed, source) VALUES "
                                  "(?,?,?,?,?,?,?,?) RETURNING id");
  book_bind_i64(st, 1, prisoner_id);
  book_bind_text(st, 2, kind);
  book_bind_text(st, 3, status);
  book_bind_text(st, 4, issued_on);
  book_bind_text(st, 5, expires_on && *expires_on ? expires_on : NULL);
  book_bind_text(st, 6, visit_id);
  book_bind_i64(st, 7, owed);
  book_bind_text(st, 8, source);
  if (book_db_row(db, st) != 1) return -1;
  int64_t id = book_col_i64(st, 0);
  book_stmt_reset(st);
  if (id_out) *id_out = id;
  return history(db, prisoner_id, id, now, today, event, kind, visit_id, actor, reason);
}

static int set_status(BookDb *db, int64_t id, const char *status) {
  BookStmt *st = book_db_stmt(db, "UPDATE visiting_orders SET status = ? WHERE id = ?");
  book_bind_text(st, 1, status);
  book_bind_i64(st, 2, id);
  return book_db_step_done(db, st);
}

/* ---- reading facts ---- */

GArray *book_vo_unused_orders(BookDb *db, int64_t prisoner_id) {
  GArray *a = g_array_new(FALSE, TRUE, sizeof(BookVoOrder));
  BookStmt *st = book_db_stmt(db, "SELECT id, kind, status, issued_on, coalesce(expires_on, '') "
                                  "FROM visiting_orders WHERE prisoner_id = ? AND status IN "
                                  "('available','accumulated') ORDER BY issued_on, id");
  book_bind_i64(st, 1, prisoner_id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    BookVoOrder o = {0};
    o.id = book_col_i64(st, 0);
    g_strlcpy(o.kind, book_col_text(st, 1), sizeof o.kind);
    g_strlcpy(o.status, book_col_text(st, 2), sizeof o.status);
    g_strlcpy(o.issued_on, book_col_text(st, 3), sizeof o.issued_on);
    g_strlcpy(o.expires_on, book_col_text(st, 4), sizeof o.expires_on);
    g_array_append_val(a, o);
  }
  if (row < 0) {
    g_array_free(a, TRUE);
    return NULL;
  }
  return a;
}

int book_vo_import_opening(BookDb *db, int64_t prisoner_id, int64_t now, const char *today) {
  int64_t bal = 0;
  int rc = book_db_scalar(db, "SELECT vo_balance FROM prisoners WHERE id = ? AND status = "
                              "'convicted' AND vo_balance <> 0",
                          &bal, 1, prisoner_id);
  if (rc < 0) return -1;
  if (rc == 0 || bal == 0) return 0;
  /* Set-based (two statements whatever the balance): a bulk-loaded prisoner
   * with a large balance must not make their first booking slow. */
  int64_t n = bal > 0 ? MIN(bal, 1000) : MIN(-bal, 1000);
  /* The rows this insert makes are those above the highest id now (every
   * writer holds the writers' lock, book_db.h). */
  int64_t top = 0;
  if (book_db_scalar(db, "SELECT coalesce(max(id), 0) FROM visiting_orders", &top, 0) < 0)
    return -1;
  BookStmt *ins = book_db_stmt(
      db, "INSERT INTO visiting_orders(prisoner_id, kind, status, issued_on, owed, source) "
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) "
          "SELECT ?1, 'VO', ?3, ?4, ?5, 'migration' FROM n");
  book_bind_i64(ins, 1, prisoner_id);
  book_bind_i64(ins, 2, n);
  book_bind_text(ins, 3, bal > 0 ? "available" : "used");
  book_bind_text(ins, 4, today);
  book_bind_i64(ins, 5, bal < 0);
  if (book_db_step_done(db, ins)) return -1;
  BookStmt *h = book_db_stmt(
      db, "INSERT INTO vo_history(prisoner_id, order_id, at, on_date, event, kind, actor, reason) "
          "SELECT o.prisoner_id, o.id, ?2, ?3, 'migrated', o.kind, 'system', 'opening balance "
          "moved into the ledger' FROM visiting_orders o WHERE o.prisoner_id = ?1 AND o.id > ?4 "
          "ORDER BY o.id");
  book_bind_i64(h, 1, prisoner_id);
  book_bind_i64(h, 4, top);
  book_bind_i64(h, 2, now);
  book_bind_text(h, 3, today);
  if (book_db_step_done(db, h)) return -1;
  BookStmt *st = book_db_stmt(db, "UPDATE prisoners SET vo_balance = 0 WHERE id = ?");
  book_bind_i64(st, 1, prisoner_id);
  return book_db_step_done(db, st);
}

/* ---- booking ---- */

int book_vo_pick(BookDb *db, int64_t prisoner_id, int64_t template_id, const char *today,
                 int64_t now, BookVoPick *pick) {
  memset(pick, 0, sizeof *pick);
  BookStmt *st = book_db_stmt(db, "SELECT vo_kind FROM session_templates WHERE id = ?");
  book_bind_i64(st, 1, template_id);
  int rc = book_db_row(db, st);
  if (rc < 0) return -1;
  g_strlcpy(pick->need, rc == 1 ? book_col_text(st, 0) : "either", sizeof pick->need);
  if (rc == 1) book_stmt_reset(st);
  if (!strcmp(pick->need, "none")) return 0;
  pick->needed = 1;
  if (book_vo_import_opening(db, prisoner_id, now, today)) return -1;
  GArray *orders = book_vo_unused_orders(db, prisoner_id);
  if (!orders) return -1;
  int i = book_vo_choose((BookVoOrder *)orders->data, orders->len, pick->need, today);
  if (i >= 0) {
    BookVoOrder *o = &g_array_index(orders, BookVoOrder, i);
    pick->order_id = o->id;
    g_strlcpy(pick->kind, o->kind, sizeof pick->kind);
  }
  g_array_free(orders, TRUE);
  return 0;
}

int book_vo_take(BookDb *db, const BookVoPick *pick, int64_t prisoner_id, const char *visit_id,
                 const char *actor, int on_credit, int64_t now, const char *today) {
  if (!pick->needed) return 0;
  if (pick->order_id) {
    BookStmt *st = book_db_stmt(db, "UPDATE visiting_orders SET status = 'scheduled', visit_id "
                                    "= ? WHERE id = ? AND status IN ('available','accumulated')");
    book_bind_text(st, 1, visit_id);
    book_bind_i64(st, 2, pick->order_id);
    if (book_db_step_done(db, st) || book_db_changes(db) != 1) return -1;
    return history(db, prisoner_id, pick->order_id, now, today, "booked", pick->kind, visit_id,
                   actor, NULL);
  }
  if (!on_credit) return -1; /* the caller refuses before this */
  return issue(db, prisoner_id, !strcmp(pick->need, "PVO") ? "PVO" : "VO", "scheduled", today,
               NULL, visit_id, 1, "credit", now, today, "override", actor,
               "booked by staff with no visiting order left", NULL);
}

int book_vo_refund_visit(BookDb *db, const char *visit_id, int64_t prisoner_id, int vo_used,
                         const char *actor, int64_t now, const char *today) {
  typedef struct {
    int64_t id;
    char kind[4], issued[11], expires[11];
    int owed;
  } Used;
  GArray *used = g_array_new(FALSE, TRUE, sizeof(Used));
  BookStmt *st = book_db_stmt(db, "SELECT id, kind, issued_on, coalesce(expires_on, ''), owed "
                                  "FROM visiting_orders WHERE visit_id = ? AND status = "
                                  "'scheduled' ORDER BY id");
  book_bind_text(st, 1, visit_id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    Used u = {0};
    u.id = book_col_i64(st, 0);
    g_strlcpy(u.kind, book_col_text(st, 1), sizeof u.kind);
    g_strlcpy(u.issued, book_col_text(st, 2), sizeof u.issued);
    g_strlcpy(u.expires, book_col_text(st, 3), sizeof u.expires);
    u.owed = book_col_int(st, 4);
    g_array_append_val(used, u);
  }
  int bad = row < 0;
  /* Booked before the ledger existed: the order it used has no row. */
  if (!bad && used->len == 0 && vo_used)
    bad = issue(db, prisoner_id, "VO", "available", today, NULL, NULL, 0, "refund", now, today,
                "refunded", actor, "visit cancelled (booked before the ledger)", NULL);
  for (guint i = 0; !bad && i < used->len; i++) {
    Used *u = &g_array_index(used, Used, i);
    BookVoRefund r;
    if (book_vo_refund_plan(u->kind, u->issued, u->expires, u->owed, today, &r)) {
      bad = 1;
      break;
    }
    if (r.what == BOOK_VO_RESTORE) {
      st = book_db_stmt(db, "UPDATE visiting_orders SET status = ?, visit_id = NULL WHERE id = ?");
      book_bind_text(st, 1, r.status);
      book_bind_i64(st, 2, u->id);
      bad = book_db_step_done(db, st) ||
            history(db, prisoner_id, u->id, now, today, "refunded", u->kind, visit_id, actor,
                    "visit cancelled");
    } else if (r.what == BOOK_VO_FRESH) {
      bad = set_status(db, u->id, "expired") ||
            history(db, prisoner_id, u->id, now, today, "expired", u->kind, visit_id, "system",
                    "pvo_expired") ||
            issue(db, prisoner_id, u->kind, r.status, r.issued_on, r.expires_on, NULL, 0,
                  "refund", now, today, "refunded", actor,
                  "visit cancelled; the order it used had expired, so a new one", NULL);
    } else {
      st = book_db_stmt(db, "UPDATE visiting_orders SET status = 'expired', repaid_on = ? "
                            "WHERE id = ?");
      book_bind_text(st, 1, today);
      book_bind_i64(st, 2, u->id);
      bad = book_db_step_done(db, st) ||
            history(db, prisoner_id, u->id, now, today, "refunded", u->kind, visit_id, actor,
                    "visit booked on credit cancelled: nothing owed");
    }
  }
  g_array_free(used, TRUE);
  return bad ? -1 : 0;
}

int book_vo_refund_lapsed(BookDb *db, int64_t now) {
  typedef struct {
    char id[40];
    int64_t prisoner;
  } Lapsed;
  GArray *l = g_array_new(FALSE, TRUE, sizeof(Lapsed));
  BookStmt *st = book_db_stmt(db, "SELECT id, prisoner_id FROM visits WHERE status = "
                                  "'requested' AND vo_used = 1 AND start_at <= ? ORDER BY id");
  book_bind_i64(st, 1, now);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    Lapsed x = {0};
    g_strlcpy(x.id, book_col_text(st, 0), sizeof x.id);
    x.prisoner = book_col_i64(st, 1);
    g_array_append_val(l, x);
  }
  int bad = row < 0;
  for (guint i = 0; !bad && i < l->len; i++) {
    Lapsed *x = &g_array_index(l, Lapsed, i);
    char today[11]; /* each visit's establishment's local date */
    bad = book_today_for_visit(db, x->id, now, today) ||
          book_vo_refund_visit(db, x->id, x->prisoner, 1, "system", now, today);
  }
  g_array_free(l, TRUE);
  return bad ? -1 : 0;
}
