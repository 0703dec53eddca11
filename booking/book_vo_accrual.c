/* The accrual job (book_vo_allocate, declared in book_rules.h for main.c's
 * minute timer): for every prisoner with orders or an entitlement, read the
 * facts, ask book_vo_plan what today brings, write it.
 *
 * Idempotent: one transaction holds the writers' lock for the whole run
 * (sqlite BEGIN IMMEDIATE; PostgreSQL's advisory lock, book_db.h), so two
 * booking instances running it at once run one after the other, and the
 * second reads the first's vo_accruals rows and finds nothing due. The
 * primary key of vo_accruals (prisoner, kind, period) would refuse a
 * double issue even without the lock (the run then fails and is retried). */
#include <string.h>

#include "book_rules.h"
#include "book_local_today.h"
#include "book_vo.h"
#include "book_vo_rules.h"
#include "log.h"

static int hist(BookDb *db, int64_t pid, int64_t oid, int64_t now, const char *today,
                const char *event, const char *kind, const char *reason) {
  BookStmt *st = book_db_stmt(db, "INSERT INTO vo_history(prisoner_id, order_id, at, on_date, "
                                  "event, kind, visit_id, actor, reason) VALUES "
                                  "(?,?,?,?,?,?,NULL,'system',?)");
  book_bind_i64(st, 1, pid);
  if (oid)
    book_bind_i64(st, 2, oid);
  else
    book_bind_null(st, 2);
  book_bind_i64(st, 3, now);
  book_bind_text(st, 4, today);
  book_bind_text(st, 5, event);
  book_bind_text(st, 6, kind);
  book_bind_text(st, 7, reason);
  return book_db_step_done(db, st);
}

/* Latest period start of kind into out ("" none); 0 or -1. */
static int last_period(BookDb *db, int64_t pid, const char *kind, char out[11]) {
  out[0] = '\0';
  BookStmt *st = book_db_stmt(db, "SELECT max(period_start) FROM vo_accruals WHERE prisoner_id "
                                  "= ? AND kind = ?");
  book_bind_i64(st, 1, pid);
  book_bind_text(st, 2, kind);
  int rc = book_db_row(db, st);
  if (rc < 0) return -1;
  if (rc == 1) {
    const char *t = book_col_text(st, 0);
    if (t) g_strlcpy(out, t, 11);
    book_stmt_reset(st);
  }
  return 0;
}

static int record_period(BookDb *db, int64_t pid, const char *kind, const char *period,
                         int64_t now) {
  BookStmt *st = book_db_stmt(db, "INSERT INTO vo_accruals(prisoner_id, kind, period_start, at) "
                                  "VALUES (?,?,?,?)");
  book_bind_i64(st, 1, pid);
  book_bind_text(st, 2, kind);
  book_bind_text(st, 3, period);
  book_bind_i64(st, 4, now);
  return book_db_step_done(db, st);
}

static int issue_n(BookDb *db, int64_t pid, const char *kind, int n, const char *issued,
                   const char *expires, int64_t now, const char *today) {
  for (int i = 0; i < n; i++) {
    BookStmt *st = book_db_stmt(db, "INSERT INTO visiting_orders(prisoner_id, kind, status, "
                                    "issued_on, expires_on, owed, source) VALUES "
                                    "(?,?,'available',?,?,0,'accrual') RETURNING id");
    book_bind_i64(st, 1, pid);
    book_bind_text(st, 2, kind);
    book_bind_text(st, 3, issued);
    book_bind_text(st, 4, expires && *expires ? expires : NULL);
    if (book_db_row(db, st) != 1) return -1;
    int64_t id = book_col_i64(st, 0);
    book_stmt_reset(st);
    if (hist(db, pid, id, now, today, "accrued", kind, NULL)) return -1;
  }
  return 0;
}

/* Pays back n orders booked on credit, oldest first. */
static int repay_n(BookDb *db, int64_t pid, const char *kind, int n, int64_t now,
                   const char *today) {
  for (int i = 0; i < n; i++) {
    int64_t id = 0;
    int rc = book_db_scalar(db, "SELECT min(id) FROM visiting_orders WHERE prisoner_id = ? AND "
                                "owed = 1 AND repaid_on IS NULL AND status <> 'expired'",
                            &id, 1, pid);
    if (rc < 0) return -1;
    if (rc == 0 || !id) return 0;
    BookStmt *st = book_db_stmt(db, "UPDATE visiting_orders SET repaid_on = ? WHERE id = ?");
    book_bind_text(st, 1, today);
    book_bind_i64(st, 2, id);
    if (book_db_step_done(db, st) ||
        hist(db, pid, id, now, today, "repaid", kind, "paid back from this period's allowance"))
      return -1;
  }
  return 0;
}

typedef struct {
  int64_t id;
  char status[16], level[16], est[16];
} Who;

/* One prisoner: 1 changed, 0 nothing to do, -1 the database failed. */
static int accrue_one(BookDb *db, const Who *w, int64_t now, const char *today) {
  BookVoFacts f = {.status = w->status};
  if (book_vo_default_allowance(w->level, &f.vos, &f.pvos)) f.vos = f.pvos = 0;
  BookStmt *st = book_db_stmt(db, "SELECT vos_per_14_days, pvos_per_28_days FROM vo_allowances "
                                  "WHERE establishment_id = ? AND incentive_level = ?");
  book_bind_text(st, 1, w->est);
  book_bind_text(st, 2, w->level);
  int rc = book_db_row(db, st);
  if (rc < 0) return -1;
  if (rc == 1) {
    f.vos = book_col_int(st, 0);
    f.pvos = book_col_int(st, 1);
    book_stmt_reset(st);
  }
  char last_vo[11], last_pvo[11];
  if (last_period(db, w->id, "VO", last_vo) || last_period(db, w->id, "PVO", last_pvo)) return -1;
  f.last_vo_period = last_vo;
  f.last_pvo_period = last_pvo;
  int64_t owed = 0;
  if (book_db_scalar(db, "SELECT count(*) FROM visiting_orders WHERE prisoner_id = ? AND owed "
                         "= 1 AND repaid_on IS NULL AND status <> 'expired'",
                     &owed, 1, w->id) < 0)
    return -1;
  f.owed = (int)owed;
  GArray *orders = book_vo_unused_orders(db, w->id);
  if (!orders) return -1;
  f.orders = (BookVoOrder *)orders->data;
  f.n_orders = orders->len;
  BookVoPlan p;
  if (book_vo_plan(&f, today, &p)) {
    g_array_free(orders, TRUE);
    log_warn("vo_plan_bad_facts", "prisoner=%lld", (long long)w->id);
    return 0;
  }
  g_array_free(orders, TRUE);
  int changed = !book_vo_plan_empty(&p);
  int bad = 0;
  for (size_t i = 0; !bad && i < p.n_expire; i++) {
    st = book_db_stmt(db, "UPDATE visiting_orders SET status = 'expired' WHERE id = ?");
    book_bind_i64(st, 1, p.expire[i].id);
    bad = book_db_step_done(db, st) ||
          hist(db, w->id, p.expire[i].id, now, today, "expired", p.expire[i].kind,
               p.expire[i].why);
  }
  for (size_t i = 0; !bad && i < p.n_accumulate; i++) {
    st = book_db_stmt(db, "UPDATE visiting_orders SET status = 'accumulated' WHERE id = ?");
    book_bind_i64(st, 1, p.accumulate[i]);
    bad = book_db_step_done(db, st) ||
          hist(db, w->id, p.accumulate[i], now, today, "accumulated", "VO", NULL);
  }
  if (!bad && p.vo_period[0])
    bad = record_period(db, w->id, "VO", p.vo_period, now) ||
          repay_n(db, w->id, "VO", p.repay_vo, now, today) ||
          issue_n(db, w->id, "VO", p.issue_vo, p.vo_period, NULL, now, today);
  if (!bad && p.pvo_period[0])
    bad = record_period(db, w->id, "PVO", p.pvo_period, now) ||
          repay_n(db, w->id, "PVO", p.repay_pvo, now, today) ||
          issue_n(db, w->id, "PVO", p.issue_pvo, p.pvo_period, p.pvo_expires, now, today);
  book_vo_plan_clear(&p);
  return bad ? -1 : changed;
}

/* Orders of visits that took place (or were missed) are 'used' (the
 * prisoners of establishment est, '' for none, on its local date). */
static int mark_used(BookDb *db, int64_t now, const char *today, const char *est) {
  static const char *const sql[] = {
      "INSERT INTO vo_history(prisoner_id, order_id, at, on_date, event, kind, visit_id, actor) "
      "SELECT o.prisoner_id, o.id, ?1, ?2, 'used', o.kind, o.visit_id, 'system' FROM "
      "visiting_orders o JOIN visits v ON v.id = o.visit_id WHERE o.status = 'scheduled' AND "
      "v.status IN ('completed','missed','terminated') AND o.prisoner_id IN (SELECT id FROM "
      "prisoners WHERE coalesce(establishment_id, '') = ?3)",
      "UPDATE visiting_orders SET status = 'used' WHERE status = 'scheduled' AND visit_id IN "
      "(SELECT id FROM visits WHERE status IN ('completed','missed','terminated')) AND "
      "prisoner_id IN (SELECT id FROM prisoners WHERE coalesce(establishment_id, '') = ?1)",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(sql); i++) {
    BookStmt *st = book_db_stmt(db, sql[i]);
    if (i == 0) { /* PostgreSQL types every parameter it sees, so each binds its own */
      book_bind_i64(st, 1, now);
      book_bind_text(st, 2, today);
      book_bind_text(st, 3, est);
    } else {
      book_bind_text(st, 1, est);
    }
    if (book_db_step_done(db, st)) return -1;
  }
  return 0;
}

/* Loads one prisoner's current facts (inside the batch's transaction, so a
 * change since the candidates were listed is seen): 1, 0 gone, -1. */
static int load_who(BookDb *db, int64_t id, Who *w) {
  BookStmt *st = book_db_stmt(db, "SELECT status, incentive_level, establishment_id FROM "
                                  "prisoners WHERE id = ?");
  book_bind_i64(st, 1, id);
  int rc = book_db_row(db, st);
  if (rc == 1) {
    w->id = id;
    g_strlcpy(w->status, book_col_text(st, 0), sizeof w->status);
    g_strlcpy(w->level, book_col_text(st, 1), sizeof w->level);
    g_strlcpy(w->est, book_col_text(st, 2), sizeof w->est);
    book_stmt_reset(st);
  }
  return rc;
}

/* Prisoners per transaction: the writers' lock is held for one batch at a
 * time, so bookings wait at most that long (measured in docs/booking.md). */
#define VO_BATCH 100

/* One establishment's prisoners (est '' for those with none) with something
 * due on its local date today, appended to ids with the establishment's
 * index in ests. */
typedef struct {
  int64_t id;
  guint est;
} Due;

static int select_due(BookDb *db, const char *est, guint est_index, const char *today,
                      GArray *due) {
  /* Only prisoners with something due today: an opening balance to move
   * in, a VO or PVO period over (or none yet), a VO turning 28 days old, a
   * PVO reaching its expiry. The job runs every minute; everyone else costs
   * one index look-up (book_vo_plan would find an empty plan for them). */
  char vo_cut[11], pvo_cut[11];
  if (book_vo_date_add(today, -BOOK_VO_PERIOD_DAYS, vo_cut) ||
      book_vo_date_add(today, -BOOK_PVO_PERIOD_DAYS, pvo_cut))
    return -1;
  BookStmt *st = book_db_stmt(
      db, "SELECT p.id FROM prisoners p WHERE coalesce(p.establishment_id, '') = ?4 AND ("
          "(p.status = 'convicted' AND (p.vo_balance <> 0 OR coalesce((SELECT max(period_start) "
          "FROM vo_accruals a WHERE a.prisoner_id = p.id AND a.kind = 'VO'), '') <= ?1 OR "
          "coalesce((SELECT max(period_start) FROM vo_accruals a WHERE a.prisoner_id = p.id AND "
          "a.kind = 'PVO'), '') <= ?2)) OR EXISTS (SELECT 1 FROM visiting_orders o WHERE "
          "o.prisoner_id = p.id AND ((o.kind = 'VO' AND o.status = 'available' AND o.issued_on "
          "<= ?2) OR (o.kind = 'PVO' AND o.status IN ('available','accumulated') AND "
          "o.expires_on <= ?3)))) ORDER BY p.id");
  book_bind_text(st, 1, vo_cut);
  book_bind_text(st, 2, pvo_cut);
  book_bind_text(st, 3, today);
  book_bind_text(st, 4, est);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    Due d = {book_col_i64(st, 0), est_index};
    g_array_append_val(due, d);
  }
  return row < 0 ? -1 : 0;
}

/* "Today" is each establishment's local date (book_local_today.h): at
 * 23:30 UTC on a BST date a prison in England is already on the next day,
 * and its prisoners' periods turn then, not an hour later. Batches cross
 * establishments: each batch is whole or not at all (a failed batch stops
 * the run; the batches before it stand, complete per prisoner, and the
 * next minute's run carries on), so a run that fits in one batch changes
 * everything or nothing. The first batch also marks orders of past visits
 * used, per establishment on its own date. */
int book_vo_allocate(BookDb *db, int64_t now) {
  GPtrArray *ests = g_ptr_array_new_with_free_func(g_free);
  BookStmt *st = book_db_stmt(db, "SELECT DISTINCT coalesce(establishment_id, '') FROM "
                                  "prisoners ORDER BY 1");
  int row;
  while ((row = book_db_row(db, st)) == 1) g_ptr_array_add(ests, g_strdup(book_col_text(st, 0)));
  int bad = row < 0;
  typedef char Date[11];
  Date *today = g_malloc0(sizeof(Date) * (ests->len ? ests->len : 1));
  GArray *due = g_array_new(FALSE, TRUE, sizeof(Due));
  for (guint i = 0; !bad && i < ests->len; i++)
    bad = book_today_for_est(db, g_ptr_array_index(ests, i), now, today[i]) ||
          select_due(db, g_ptr_array_index(ests, i), i, today[i], due);
  int n = 0;
  for (guint from = 0; !bad && (from == 0 || from < due->len); from += VO_BATCH) {
    if (book_db_begin(db)) {
      bad = 1;
      break;
    }
    int changed = 0;
    for (guint e = 0; from == 0 && !bad && e < ests->len; e++)
      bad = mark_used(db, now, today[e], g_ptr_array_index(ests, e));
    for (guint i = from; !bad && i < due->len && i < from + VO_BATCH; i++) {
      const Due *d = &g_array_index(due, Due, i);
      Who w = {0};
      int rc = load_who(db, d->id, &w);
      if (rc == 1) rc = book_vo_import_opening(db, w.id, now, today[d->est]);
      if (rc == 0 && w.id) rc = accrue_one(db, &w, now, today[d->est]);
      if (rc < 0) bad = 1;
      changed += rc > 0;
    }
    if (!bad && changed > 0) {
      char detail[64];
      g_snprintf(detail, sizeof detail, "{\"prisoners\":%d}", changed);
      bad = book_audit(db, now, "system", NULL, "vo_allocated", detail);
    }
    if (bad) {
      book_db_rollback(db);
      break;
    }
    if (book_db_commit(db)) {
      bad = 1;
      break;
    }
    n += changed;
  }
  g_array_free(due, TRUE);
  g_free(today);
  g_ptr_array_free(ests, TRUE);
  return bad ? -1 : n;
}
