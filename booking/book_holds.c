#include "book_holds.h"

#include <stdio.h>
#include <string.h>

#include "book_capacity.h"
#include "book_eligibility.h"
#include "ids.h"
#include "log.h"

static int fail(BookError *e, int http, const char *code, const char *field, const char *msg) {
  e->http = http;
  g_strlcpy(e->code, code, sizeof e->code);
  g_strlcpy(e->field, field ? field : "", sizeof e->field);
  g_strlcpy(e->message, msg, sizeof e->message);
  return -1;
}

int book_hold_id_ok(const char *text) {
  if (!text || strlen(text) != 32) return 0;
  for (const char *p = text; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
  return 1;
}

int book_slot_room(BookDb *db, int64_t template_id, const char *date, const char *restriction,
                   int capacity, const char *exclude_visit, int64_t user_id,
                   int64_t prisoner_id, int64_t now, BookError *e) {
  int64_t booked = 0;
  BookStmt *st = book_db_stmt(
      db, "SELECT count(*) FROM visits WHERE template_id = ? AND date = ? AND restriction = ? "
          "AND status <> 'cancelled' AND id <> ?");
  book_bind_i64(st, 1, template_id);
  book_bind_text(st, 2, date);
  book_bind_text(st, 3, restriction);
  book_bind_text(st, 4, exclude_visit ? exclude_visit : "");
  int rc = book_db_row(db, st);
  if (rc < 0) return book_error_storage(e);
  if (rc == 1) {
    booked = book_col_i64(st, 0);
    book_stmt_reset(st);
  }
  /* Every hold row of others on the slot, expired or not: the rule, not
   * the query, decides which still hold a place. */
  GArray *exp = g_array_new(FALSE, FALSE, sizeof(int64_t));
  st = book_db_stmt(db, "SELECT expires_at FROM slot_holds WHERE template_id = ?1 AND date = ?2 "
                        "AND restriction = ?3 AND NOT (user_id = ?4 AND prisoner_id = ?5)");
  book_bind_i64(st, 1, template_id);
  book_bind_text(st, 2, date);
  book_bind_text(st, 3, restriction);
  book_bind_i64(st, 4, user_id);
  book_bind_i64(st, 5, prisoner_id);
  while ((rc = book_db_row(db, st)) == 1) {
    int64_t x = book_col_i64(st, 0);
    g_array_append_val(exp, x);
  }
  BookRoom room = rc < 0 ? BOOK_ROOM
                         : book_capacity_decide(capacity, (int)booked, (int64_t *)exp->data,
                                                exp->len, now);
  g_array_free(exp, TRUE);
  if (rc < 0) return book_error_storage(e);
  if (room == BOOK_FULL) {
    e->http = 422;
    g_strlcpy(e->code, "slot_full", sizeof e->code);
    g_strlcpy(e->field, "slot_id", sizeof e->field);
    g_snprintf(e->message, sizeof e->message, "no %s places left in that slot", restriction);
    return -1;
  }
  if (room == BOOK_HELD)
    return fail(e, 422, "slot_held", "slot_id",
                "the last place at that time is being held by someone else just now; choose "
                "another time, or try again in a few minutes");
  return 0;
}

/* 1 when a CLOSED restriction makes this a closed place, 0 not, -1 failed. */
static int closed_place(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *date,
                        const BookVisitorSel *vs, size_t n) {
  BookStmt *st = book_db_stmt(
      db, "SELECT count(*) FROM prisoner_restrictions WHERE prisoner_id = ? AND type = 'CLOSED' "
          "AND start_date <= ? AND (expiry_date IS NULL OR expiry_date >= ?)");
  book_bind_i64(st, 1, prisoner_id);
  book_bind_text(st, 2, date);
  book_bind_text(st, 3, date);
  int rc = book_db_row(db, st);
  if (rc < 0) return -1;
  int closed = rc == 1 && book_col_int(st, 0) > 0;
  if (rc == 1) book_stmt_reset(st);
  /* A family names only the people on its own account; staff any contact. */
  int family = !strcmp(a->role, "family");
  for (size_t i = 0; !closed && i < n; i++) {
    st = book_db_stmt(
        db, "SELECT count(*) FROM contact_restrictions r JOIN contacts c ON c.id = r.contact_id "
            "JOIN visitors v ON v.id = c.visitor_id WHERE c.prisoner_id = ?1 AND c.visitor_id = "
            "?2 AND (?3 = 0 OR v.user_id = ?4) AND r.type = 'CLOSED' AND r.start_date <= ?5 AND "
            "(r.expiry_date IS NULL OR r.expiry_date >= ?5)");
    book_bind_i64(st, 1, prisoner_id);
    book_bind_i64(st, 2, vs[i].visitor_id);
    book_bind_i64(st, 3, family);
    book_bind_i64(st, 4, a->user_id);
    book_bind_text(st, 5, date);
    rc = book_db_row(db, st);
    if (rc < 0) return -1;
    closed = rc == 1 && book_col_int(st, 0) > 0;
    if (rc == 1) book_stmt_reset(st);
  }
  return closed;
}

int book_holds_drop_for(BookDb *db, int64_t user_id, int64_t prisoner_id) {
  BookStmt *st =
      book_db_stmt(db, "DELETE FROM slot_holds WHERE user_id = ? AND prisoner_id = ?");
  book_bind_i64(st, 1, user_id);
  book_bind_i64(st, 2, prisoner_id);
  return book_db_step_done(db, st);
}

int book_hold_place(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *slot_id,
                    const BookVisitorSel *vs, size_t n, int64_t now, BookHold *out,
                    BookError *e) {
  memset(e, 0, sizeof *e);
  memset(out, 0, sizeof *out);
  if (!a || !a->role || !book_can_book(a->role))
    return fail(e, 403, "forbidden", NULL, "your role may not book calls");
  if (book_db_begin(db)) return book_error_storage(e);
  BookSlotInfo s;
  int rc = book_slot_check(db, a, prisoner_id, slot_id, now, &s, e);
  if (!rc) rc = book_eligibility_check(db, s.template_id, prisoner_id, e);
  int closed = 0;
  if (!rc && !strcmp(s.type, "social")) {
    closed = closed_place(db, a, prisoner_id, s.date, vs, n);
    if (closed < 0) rc = book_error_storage(e);
  }
  /* Choosing another slot releases the first: the old hold goes before the
   * room is counted (the count never counts it anyway). */
  if (!rc && book_holds_drop_for(db, a->user_id, prisoner_id)) rc = book_error_storage(e);
  const char *restriction = closed ? "closed" : "open";
  if (!rc)
    rc = book_slot_room(db, s.template_id, s.date, restriction,
                        closed ? s.closed_capacity : s.open_capacity, NULL, a->user_id,
                        prisoner_id, now, e);
  char *id = rc ? NULL : ids_random_hex(16);
  if (!rc && !id) rc = book_error_storage(e);
  if (rc) {
    book_db_rollback(db);
    g_free(id);
    return -1;
  }
  BookStmt *st = book_db_stmt(
      db, "INSERT INTO slot_holds(id, user_id, prisoner_id, template_id, date, restriction, "
          "created_at, expires_at) VALUES (?,?,?,?,?,?,?,?)");
  int64_t expires = book_hold_expiry(now);
  book_bind_text(st, 1, id);
  book_bind_i64(st, 2, a->user_id);
  book_bind_i64(st, 3, prisoner_id);
  book_bind_i64(st, 4, s.template_id);
  book_bind_text(st, 5, s.date);
  book_bind_text(st, 6, restriction);
  book_bind_i64(st, 7, now);
  book_bind_i64(st, 8, expires);
  if (book_db_step_done(db, st) || book_db_commit(db)) {
    book_db_rollback(db);
    g_free(id);
    return book_error_storage(e);
  }
  g_strlcpy(out->id, id, sizeof out->id);
  out->prisoner_id = prisoner_id;
  out->template_id = s.template_id;
  g_strlcpy(out->date, s.date, sizeof out->date);
  g_strlcpy(out->restriction, restriction, sizeof out->restriction);
  out->created_at = now;
  out->expires_at = expires;
  g_free(id);
  log_info("slot_held", "template=%lld date=%s user=%lld", (long long)out->template_id,
           out->date, (long long)a->user_id);
  return 0;
}

int book_hold_release(BookDb *db, const BookActor *a, const char *hold_id, int64_t now,
                      BookError *e) {
  memset(e, 0, sizeof *e);
  if (!book_hold_id_ok(hold_id)) return fail(e, 404, "hold_not_found", NULL, "no such hold");
  if (book_db_begin(db)) return book_error_storage(e);
  BookStmt *st =
      book_db_stmt(db, "DELETE FROM slot_holds WHERE id = ? AND user_id = ? AND expires_at > ?");
  book_bind_text(st, 1, hold_id);
  book_bind_i64(st, 2, a->user_id);
  book_bind_i64(st, 3, now);
  if (book_db_step_done(db, st)) {
    book_db_rollback(db);
    return book_error_storage(e);
  }
  int n = book_db_changes(db);
  if (book_db_commit(db)) return book_error_storage(e);
  if (n == 0) return fail(e, 404, "hold_not_found", NULL, "no such hold (or it has run out)");
  return 0;
}

static void hold_of_row(BookStmt *st, BookHold *h) {
  memset(h, 0, sizeof *h);
  g_strlcpy(h->id, book_col_text(st, 0), sizeof h->id);
  h->prisoner_id = book_col_i64(st, 1);
  h->template_id = book_col_i64(st, 2);
  g_strlcpy(h->date, book_col_text(st, 3), sizeof h->date);
  g_strlcpy(h->restriction, book_col_text(st, 4), sizeof h->restriction);
  h->created_at = book_col_i64(st, 5);
  h->expires_at = book_col_i64(st, 6);
}

#define HOLD_COLS "id, prisoner_id, template_id, date, restriction, created_at, expires_at"

int book_holds_list(BookDb *db, const BookActor *a, int64_t now, GArray *out) {
  g_array_set_size(out, 0);
  BookStmt *st = book_db_stmt(db, "SELECT " HOLD_COLS " FROM slot_holds WHERE user_id = ? "
                                  "ORDER BY expires_at, id");
  book_bind_i64(st, 1, a->user_id);
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    BookHold h;
    hold_of_row(st, &h);
    if (book_hold_live(h.expires_at, now)) g_array_append_val(out, h);
  }
  return rc < 0 ? -1 : 0;
}

int book_hold_take(BookDb *db, const BookActor *a, const char *hold_id, int64_t prisoner_id,
                   const char *slot_id, int64_t now, BookError *e) {
  if (!book_hold_id_ok(hold_id))
    return fail(e, 404, "hold_not_found", "hold_id", "no such hold");
  BookStmt *st = book_db_stmt(db, "SELECT " HOLD_COLS " FROM slot_holds WHERE id = ? AND "
                                  "user_id = ?");
  book_bind_text(st, 1, hold_id);
  book_bind_i64(st, 2, a->user_id);
  int rc = book_db_row(db, st);
  if (rc < 0) return book_error_storage(e);
  if (rc == 0) return fail(e, 404, "hold_not_found", "hold_id", "no such hold");
  BookHold h;
  hold_of_row(st, &h);
  book_stmt_reset(st);
  if (!book_hold_live(h.expires_at, now))
    return fail(e, 409, "hold_expired", "hold_id",
                "the 10 minutes we held that place for have run out; choose a time again");
  char want[40];
  g_snprintf(want, sizeof want, "%lld:%s", (long long)h.template_id, h.date);
  if (h.prisoner_id != prisoner_id || !slot_id || strcmp(want, slot_id) != 0)
    return fail(e, 422, "hold_mismatch", "hold_id",
                "that hold is for another prisoner or another time");
  return 0;
}

GHashTable *book_holds_by_slot(BookDb *db, const char *est, const char *from, const char *to,
                               int64_t user_id, int64_t prisoner_id, int64_t now,
                               BookHold *mine) {
  memset(mine, 0, sizeof *mine);
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  BookStmt *st = book_db_stmt(
      db, "SELECT h.id, h.prisoner_id, h.template_id, h.date, h.restriction, h.created_at, "
          "h.expires_at, h.user_id FROM slot_holds h JOIN session_templates s ON s.id = "
          "h.template_id WHERE s.establishment_id = ? AND h.date BETWEEN ? AND ?");
  book_bind_text(st, 1, est);
  book_bind_text(st, 2, from);
  book_bind_text(st, 3, to);
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    BookHold h;
    hold_of_row(st, &h);
    if (!book_hold_live(h.expires_at, now)) continue;
    if (book_col_i64(st, 7) == user_id && h.prisoner_id == prisoner_id) {
      *mine = h;
      continue;
    }
    char *key = g_strdup_printf("%lld:%s:%s", (long long)h.template_id, h.date, h.restriction);
    int n = GPOINTER_TO_INT(g_hash_table_lookup(t, key));
    g_hash_table_replace(t, key, GINT_TO_POINTER(n + 1));
  }
  if (rc < 0) {
    g_hash_table_destroy(t);
    return NULL;
  }
  return t;
}

int book_holds_sweep(BookDb *db, int64_t now) {
  if (book_db_begin(db)) return -1;
  BookStmt *st = book_db_stmt(db, "DELETE FROM slot_holds WHERE expires_at <= ?");
  book_bind_i64(st, 1, now - 3600);
  if (book_db_step_done(db, st)) {
    book_db_rollback(db);
    return -1;
  }
  int n = book_db_changes(db);
  if (book_db_commit(db)) return -1;
  return n;
}
