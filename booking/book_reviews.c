/* Moves, reviews and outcomes: the database half (book_reviews.h). */
#include "book_reviews.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "book_outcomes.h"
#include "log.h"
#include "timeutil.h"

#define REVIEW_AHEAD_DAYS 28 /* HMPPS's daily job looks 28 days ahead */

static int fail(BookError *e, int http, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(BookError *e, int http, const char *code, const char *field, const char *fmt, ...) {
  e->http = http;
  g_strlcpy(e->code, code, sizeof e->code);
  g_strlcpy(e->field, field ? field : "", sizeof e->field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return -1;
}

static int is_booking_staff(const char *role) {
  return !strcmp(role, "booking_staff") || !strcmp(role, "admin");
}

/* Flags one visit (inside the caller's transaction): once per (visit,
 * reason), audited when new. 1 flagged now, 0 already was, -1 failed. */
static int review_flag(BookDb *db, int64_t now, const char *actor, const char *visit_id,
                       const char *reason, const char *detail) {
  BookStmt *st = book_db_stmt(
      db,
      "INSERT OR IGNORE INTO visit_reviews(visit_id, establishment_id, reason, detail, "
      "flagged_by, flagged_at) SELECT id, establishment_id, ?2, ?3, ?4, ?5 FROM visits WHERE "
      "id = ?1 AND establishment_id IS NOT NULL");
  book_bind_text(st, 1, visit_id);
  book_bind_text(st, 2, reason);
  book_bind_text(st, 3, detail ? detail : "");
  book_bind_text(st, 4, actor);
  book_bind_i64(st, 5, now);
  if (book_db_step_done(db, st)) return -1;
  if (book_db_changes(db) != 1) return 0;
  json_t *d = json_pack("{s:s, s:s}", "reason", reason, "detail", detail ? detail : "");
  char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  int bad = book_audit(db, now, actor, visit_id, "review_flagged", dt);
  free(dt);
  return bad ? -1 : 1;
}

typedef struct {
  char id[BOOK_VISIT_ID_LEN];
  char date[11];
  char status[16];
  int64_t start, end;
} VisitBrief;

/* The prisoner's visits still to happen or happening (visitor_id > 0: with
 * that visitor). -1 when the database failed. */
static int open_visits(BookDb *db, int64_t prisoner_id, int64_t visitor_id, int64_t now,
                       GArray *out) {
  BookStmt *st = book_db_stmt(
      db,
      "SELECT id, date, status, start_at, end_at FROM visits WHERE prisoner_id = ?1 AND "
      "status IN ('requested', 'booked', 'in_progress') AND end_at > ?2 AND (?3 = 0 OR "
      "EXISTS (SELECT 1 FROM visit_visitors vv WHERE vv.visit_id = visits.id AND "
      "vv.visitor_id = ?3)) ORDER BY start_at, id");
  book_bind_i64(st, 1, prisoner_id);
  book_bind_i64(st, 2, now);
  book_bind_i64(st, 3, visitor_id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    VisitBrief b;
    memset(&b, 0, sizeof b);
    g_strlcpy(b.id, (const char *)book_col_text(st, 0), sizeof b.id);
    g_strlcpy(b.date, (const char *)book_col_text(st, 1), sizeof b.date);
    g_strlcpy(b.status, (const char *)book_col_text(st, 2), sizeof b.status);
    b.start = book_col_i64(st, 3);
    b.end = book_col_i64(st, 4);
    g_array_append_val(out, b);
  }
  return row < 0 ? -1 : 0;
}

static int set_outcome(BookDb *db, const char *visit_id, const char *outcome, const char *reason,
                       const char *by) {
  BookStmt *st = book_db_stmt(
      db, "UPDATE visits SET outcome = ?, outcome_reason = ?, outcome_by = ? WHERE id = ?");
  book_bind_text(st, 1, outcome);
  if (reason)
    book_bind_text(st, 2, reason);
  else
    book_bind_null(st, 2);
  book_bind_text(st, 3, by);
  book_bind_text(st, 4, visit_id);
  return book_db_step_done(db, st);
}

/* Applies c to the prisoner's visits: flags, and (moves only) cancels with
 * cancel_words as the cancellation's reason. Fills the two arrays when
 * given. -1 failed, else the number changed. */
static int apply_change(BookDb *db, const BookActor *a, const BookChange *c, int64_t prisoner_id,
                        int64_t visitor_id, int64_t now, const char *detail,
                        const char *cancel_words, json_t *cancelled, json_t *flagged) {
  char today[11];
  book_date_of(now, today);
  GArray *vs = g_array_new(FALSE, TRUE, sizeof(VisitBrief));
  int n = 0;
  if (open_visits(db, prisoner_id, visitor_id, now, vs)) n = -1;
  for (guint i = 0; n >= 0 && i < vs->len; i++) {
    VisitBrief *b = &g_array_index(vs, VisitBrief, i);
    BookChangeVisit v = {b->date, b->status, b->start, b->end, 1};
    const char *why = NULL;
    BookEffect eff = book_change_effect(c, &v, now, today, &why);
    if (eff == BOOK_EFFECT_FLAG) {
      int r = review_flag(db, now, a->username, b->id, why, detail);
      if (r < 0) n = -1;
      if (r > 0) {
        n++;
        if (flagged) json_array_append_new(flagged, json_string(b->id));
      }
    } else if (eff == BOOK_EFFECT_CANCEL) {
      /* The same cancellation as staff's (VO back, audit, end_call). */
      if (book_visit_cancel_in_tx(db, a, b->id, cancel_words ? cancel_words : why, now) ||
          set_outcome(db, b->id, why, NULL, a->username)) {
        n = -1;
      } else {
        n++;
        if (cancelled) json_array_append_new(cancelled, json_string(b->id));
      }
    }
  }
  g_array_free(vs, TRUE);
  return n;
}

int book_reviews_for_change(BookDb *db, int64_t now, const char *actor, BookChangeKind kind,
                            int64_t prisoner_id, int64_t visitor_id, const char *from,
                            const char *to, const char *detail_json) {
  /* Never cancels: a restriction or an un-approval is for staff to weigh. */
  if (kind == BOOK_CHANGE_RELEASE || kind == BOOK_CHANGE_TRANSFER) return -1;
  BookActor a = {0, "booking_staff", actor, NULL};
  BookChange c = {kind, from, to, 0};
  return apply_change(db, &a, &c, prisoner_id, visitor_id, now, detail_json, NULL, NULL, NULL);
}

static int est_code_ok(const char *s) {
  size_t n = strlen(s);
  if (n < 2 || n > 8) return 0;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isupper(*p) && !g_ascii_isdigit(*p)) return 0;
  return 1;
}

int book_prisoner_move(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *kind,
                       const char *to_est, const char *date, const char *reason, int64_t now,
                       json_t **out, BookError *e) {
  memset(e, 0, sizeof *e);
  *out = NULL;
  int release = kind && !strcmp(kind, "release"), transfer = kind && !strcmp(kind, "transfer");
  int64_t t;
  char today[11];
  book_date_of(now, today);
  if (!release && !transfer)
    return fail(e, 400, "invalid_field", "kind", "kind must be release or transfer");
  if (!date || time_parse_date(date, &t))
    return fail(e, 400, "invalid_field", "date", "date must be a date YYYY-MM-DD");
  if (transfer && !to_est)
    return fail(e, 400, "missing_field", "to_establishment", "a transfer needs to_establishment");
  if (release && to_est)
    return fail(e, 400, "invalid_field", "to_establishment", "a release has no destination");
  if (transfer && !est_code_ok(to_est))
    return fail(e, 400, "invalid_field", "to_establishment",
                "to_establishment must be an establishment code (2-8 capitals or digits)");
  if (strcmp(date, today) < 0)
    return fail(e, 422, "date_in_past", "date", "record a move from today (%s) on", today);
  if (book_db_begin(db)) return book_error_storage(e);
  int vis = book_prisoner_check_visible(db, a, prisoner_id);
  int rc = 0;
  char from_est[16] = "";
  int64_t to_parlour = 0;
  if (vis < 0)
    rc = book_error_storage(e);
  else if (!vis)
    rc = fail(e, 404, "not_found", NULL, "no such prisoner");
  else if (!is_booking_staff(a->role))
    rc = fail(e, 403, "forbidden", NULL, "only booking staff record moves");
  if (!rc) {
    BookStmt *st = book_db_stmt(db, "SELECT establishment_id FROM prisoners WHERE id = ?");
    book_bind_i64(st, 1, prisoner_id);
    int r = book_db_row(db, st);
    if (r == 1) {
      g_strlcpy(from_est, (const char *)book_col_text(st, 0), sizeof from_est);
      book_stmt_reset(st);
    }
    if (r != 1) rc = book_error_storage(e);
  }
  if (!rc && transfer && !strcmp(to_est, from_est))
    rc = fail(e, 422, "same_establishment", "to_establishment", "the prisoner is already at %s",
              from_est);
  if (!rc && transfer) {
    BookStmt *st = book_db_stmt(db, "SELECT count(*) FROM establishments WHERE id = ?");
    book_bind_text(st, 1, to_est);
    int r = book_db_row(db, st);
    if (r == 1) {
      to_parlour = book_col_i64(st, 0);
      book_stmt_reset(st);
    }
    if (r != 1) rc = book_error_storage(e);
  }
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  /* The move itself; a transfer between Parlour establishments that is due
   * today moves the prisoner now (a later one: the daily scan on its day). */
  int now_moved = transfer && to_parlour && strcmp(date, today) <= 0;
  BookStmt *st = book_db_stmt(
      db,
      "INSERT INTO prisoner_moves(prisoner_id, kind, from_establishment, to_establishment, "
      "move_date, reason, recorded_by, recorded_at, applied_at) VALUES (?,?,?,?,?,?,?,?,?) "
      "RETURNING id");
  book_bind_i64(st, 1, prisoner_id);
  book_bind_text(st, 2, kind);
  book_bind_text(st, 3, from_est);
  if (transfer)
    book_bind_text(st, 4, to_est);
  else
    book_bind_null(st, 4);
  book_bind_text(st, 5, date);
  book_bind_text(st, 6, reason);
  book_bind_text(st, 7, a->username);
  book_bind_i64(st, 8, now);
  if (now_moved)
    book_bind_i64(st, 9, now);
  else
    book_bind_null(st, 9);
  int64_t move_id = 0;
  int bad = book_db_row(db, st) != 1;
  if (!bad) {
    move_id = book_col_i64(st, 0);
    book_stmt_reset(st);
  }
  if (!bad) {
    st = book_db_stmt(db, now_moved
                              ? "UPDATE prisoners SET establishment_id = ?2, leaving_on = NULL "
                                "WHERE id = ?1"
                              : "UPDATE prisoners SET leaving_on = CASE WHEN leaving_on IS NULL "
                                "OR leaving_on > ?2 THEN ?2 ELSE leaving_on END WHERE id = ?1");
    book_bind_i64(st, 1, prisoner_id);
    book_bind_text(st, 2, now_moved ? to_est : date);
    bad = book_db_step_done(db, st);
  }
  json_t *move =
      json_pack("{s:I, s:I, s:s, s:s, s:o, s:s, s:s, s:b}", "id", (json_int_t)move_id,
                "prisoner_id", (json_int_t)prisoner_id, "kind", kind, "from_establishment",
                from_est, "to_establishment", transfer ? json_string(to_est) : json_null(), "date",
                date, "reason", reason, "to_parlour", (int)to_parlour);
  char *detail = json_dumps(move, JSON_COMPACT | JSON_SORT_KEYS);
  if (!bad) bad = book_audit(db, now, a->username, NULL, "prisoner_moved", detail);
  json_t *cancelled = json_array(), *flagged = json_array();
  BookChange c = {release ? BOOK_CHANGE_RELEASE : BOOK_CHANGE_TRANSFER, date, NULL,
                  (int)to_parlour};
  /* The family sees the cancellation's reason: plain words, never the
   * staff's reason for the move or where the prisoner went (both in the
   * move's audit row). */
  const char *words = release ? "prisoner released" : "prisoner transferred";
  if (!bad && apply_change(db, a, &c, prisoner_id, 0, now, detail, words, cancelled, flagged) < 0)
    bad = 1;
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    json_decref(move);
    json_decref(cancelled);
    json_decref(flagged);
    return book_error_storage(e);
  }
  log_info("prisoner_moved", "prisoner=%lld kind=%s date=%s cancelled=%zu flagged=%zu by=%s",
           (long long)prisoner_id, kind, date, json_array_size(cancelled), json_array_size(flagged),
           a->username);
  *out = json_pack("{s:o, s:o, s:o}", "move", move, "cancelled", cancelled, "flagged", flagged);
  return 0;
}

/* ---- the review list ---- */

static json_t *iso_or_null(BookStmt *st, int i) {
  if (book_col_null(st, i)) return json_null();
  char buf[32];
  return json_string(time_format_iso8601(book_col_i64(st, i), buf, sizeof buf));
}

static json_t *text_or_null(BookStmt *st, int i) {
  const char *t = (const char *)book_col_text(st, i);
  return t ? json_string(t) : json_null();
}

int book_reviews_list(BookDb *db, const BookActor *a, int open_only, json_t **out, BookError *e) {
  memset(e, 0, sizeof *e);
  *out = NULL;
  if (!is_booking_staff(a->role))
    return fail(e, 403, "forbidden", NULL, "only booking staff review visits");
  BookStmt *st =
      book_db_stmt(db,
                   "SELECT r.id, r.visit_id, r.establishment_id, r.reason, r.detail, r.flagged_by, "
                   "r.flagged_at, r.resolution, r.resolution_reason, r.resolved_by, r.resolved_at, "
                   "v.status, v.date, v.start_at, v.end_at, p.id, p.name, p.prison_number "
                   "FROM visit_reviews r JOIN visits v ON v.id = r.visit_id "
                   "LEFT JOIN prisoners p ON p.id = v.prisoner_id "
                   "WHERE (?1 = 0 OR r.resolved_at IS NULL) AND ((?2 = 'admin' AND ?3 IS NULL) OR "
                   "r.establishment_id = ?3) ORDER BY v.start_at, r.id LIMIT 500");
  book_bind_i64(st, 1, open_only);
  book_bind_text(st, 2, a->role);
  if (a->establishment_id)
    book_bind_text(st, 3, a->establishment_id);
  else
    book_bind_null(st, 3);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(book_col_i64(st, 0)));
    json_object_set_new(o, "visit_id", text_or_null(st, 1));
    json_object_set_new(o, "establishment_id", text_or_null(st, 2));
    json_object_set_new(o, "reason", text_or_null(st, 3));
    json_object_set_new(o, "detail", text_or_null(st, 4));
    json_object_set_new(o, "flagged_by", text_or_null(st, 5));
    json_object_set_new(o, "flagged_at", iso_or_null(st, 6));
    json_object_set_new(o, "resolution", text_or_null(st, 7));
    json_object_set_new(o, "resolution_reason", text_or_null(st, 8));
    json_object_set_new(o, "resolved_by", text_or_null(st, 9));
    json_object_set_new(o, "resolved_at", iso_or_null(st, 10));
    json_object_set_new(
        o, "visit",
        json_pack("{s:o, s:o, s:o, s:o}", "status", text_or_null(st, 11), "date",
                  text_or_null(st, 12), "start", iso_or_null(st, 13), "end", iso_or_null(st, 14)));
    json_object_set_new(
        o, "prisoner",
        book_col_null(st, 15)
            ? json_null()
            : json_pack("{s:I, s:o, s:o}", "id", (json_int_t)book_col_i64(st, 15), "name",
                        text_or_null(st, 16), "prison_number", text_or_null(st, 17)));
    json_array_append_new(arr, o);
  }
  if (row < 0) {
    json_decref(arr);
    return book_error_storage(e);
  }
  *out = json_pack("{s:o}", "reviews", arr);
  return 0;
}

int book_review_resolve(BookDb *db, const BookActor *a, int64_t review_id, const char *decision,
                        const char *reason, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  int keep = decision && !strcmp(decision, "keep"),
      cancel = decision && !strcmp(decision, "cancel");
  if (!keep && !cancel)
    return fail(e, 400, "invalid_field", "decision", "decision must be keep or cancel");
  if (!is_booking_staff(a->role))
    return fail(e, 403, "forbidden", NULL, "only booking staff review visits");
  if (book_db_begin(db)) return book_error_storage(e);
  BookStmt *st = book_db_stmt(
      db,
      "SELECT r.visit_id, r.establishment_id, r.reason, r.resolved_at IS NOT NULL, "
      "v.status, v.end_at FROM visit_reviews r JOIN visits v ON v.id = r.visit_id WHERE "
      "r.id = ?");
  book_bind_i64(st, 1, review_id);
  int r = book_db_row(db, st);
  char visit_id[BOOK_VISIT_ID_LEN] = "", est[16] = "", why[48] = "", status[16] = "";
  int resolved = 0;
  int64_t end = 0;
  if (r == 1) {
    g_strlcpy(visit_id, (const char *)book_col_text(st, 0), sizeof visit_id);
    g_strlcpy(est, (const char *)book_col_text(st, 1), sizeof est);
    g_strlcpy(why, (const char *)book_col_text(st, 2), sizeof why);
    resolved = book_col_int(st, 3);
    g_strlcpy(status, (const char *)book_col_text(st, 4), sizeof status);
    end = book_col_i64(st, 5);
    book_stmt_reset(st);
  }
  int rc = 0;
  int mine = r == 1 && ((!strcmp(a->role, "admin") && !a->establishment_id) ||
                        (a->establishment_id && !strcmp(a->establishment_id, est)));
  if (r < 0)
    rc = book_error_storage(e);
  else if (!mine) /* another establishment's review is not_found, as visits are */
    rc = fail(e, 404, "not_found", NULL, "no such review");
  else if (resolved)
    rc = fail(e, 409, "already_resolved", NULL, "the review is already resolved");
  else if (cancel && (now >= end || (strcmp(status, "booked") && strcmp(status, "requested") &&
                                     strcmp(status, "in_progress"))))
    rc = fail(e, 409, "invalid_state", NULL, "the visit is %s; it cannot be cancelled", status);
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  int bad = 0;
  if (cancel) {
    /* As a staff cancellation: staff's reason is the visit's reason. */
    bad = book_visit_cancel_in_tx(db, a, visit_id, reason, now) ||
          set_outcome(db, visit_id, "establishment_cancelled", reason, a->username);
  }
  /* Cancelling settles every open review of the visit; keeping, this one. */
  st = book_db_stmt(db, cancel ? "UPDATE visit_reviews SET resolution = 'cancel', "
                                 "resolution_reason = ?1, resolved_by = ?2, resolved_at = ?3 "
                                 "WHERE visit_id = ?4 AND resolved_at IS NULL"
                               : "UPDATE visit_reviews SET resolution = 'keep', "
                                 "resolution_reason = ?1, resolved_by = ?2, resolved_at = ?3 "
                                 "WHERE id = ?4 AND resolved_at IS NULL");
  book_bind_text(st, 1, reason);
  book_bind_text(st, 2, a->username);
  book_bind_i64(st, 3, now);
  if (cancel)
    book_bind_text(st, 4, visit_id);
  else
    book_bind_i64(st, 4, review_id);
  if (!bad) bad = book_db_step_done(db, st);
  json_t *d = json_pack("{s:I, s:s, s:s, s:s}", "review_id", (json_int_t)review_id, "reason_code",
                        why, "decision", decision, "reason", reason);
  char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, visit_id, "review_resolved", dt);
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return book_error_storage(e);
  }
  return 0;
}

/* ---- the daily look ahead ---- */

/* Each query lists (visit id, detail) of requested or booked visits from
 * ?1 (today) to ?2 (today + 28) not yet started at ?3 that fail one rule. */
#define WINDOW                                                                            \
  " FROM visits v WHERE v.status IN ('requested', 'booked') AND v.date >= ?1 AND v.date " \
  "<= ?2 AND v.start_at > ?3 AND v.prisoner_id IS NOT NULL AND "
static const struct {
  const char *reason;
  const char *sql;
} SCAN[] = {
    {"contact_unapproved",
     "SELECT v.id, 'a visitor is no longer an approved contact'" WINDOW
     "EXISTS (SELECT 1 FROM visit_visitors vv LEFT JOIN contacts c ON c.visitor_id = "
     "vv.visitor_id AND c.prisoner_id = v.prisoner_id WHERE vv.visit_id = v.id AND "
     "(c.id IS NULL OR c.approved = 0))"},
    {"restriction_added",
     "SELECT v.id, 'a visitor restriction is in force that day'" WINDOW
     "EXISTS (SELECT 1 FROM visit_visitors vv JOIN contacts c ON c.visitor_id = vv.visitor_id "
     "AND c.prisoner_id = v.prisoner_id JOIN contact_restrictions r ON r.contact_id = c.id "
     "WHERE vv.visit_id = v.id AND r.start_date <= v.date AND (r.expiry_date IS NULL OR "
     "r.expiry_date >= v.date) AND (r.type = 'BAN' OR (r.type = 'CLOSED' AND v.restriction = "
     "'open' AND v.visit_type = 'social'))) OR (v.restriction = 'open' AND v.visit_type = "
     "'social' AND EXISTS (SELECT 1 FROM prisoner_restrictions pr WHERE pr.prisoner_id = "
     "v.prisoner_id AND pr.type = 'CLOSED' AND pr.start_date <= v.date AND (pr.expiry_date IS "
     "NULL OR pr.expiry_date >= v.date)))"},
    {"non_association",
     "SELECT v.id, 'a non-associated prisoner has a call that day'" WINDOW
     "EXISTS (SELECT 1 FROM visits o JOIN non_associations n ON (n.prisoner_a = v.prisoner_id "
     "AND n.prisoner_b = o.prisoner_id) OR (n.prisoner_b = v.prisoner_id AND n.prisoner_a = "
     "o.prisoner_id) WHERE o.establishment_id = v.establishment_id AND o.date = v.date AND "
     "o.status IN ('requested', 'booked', 'in_progress'))"},
    {"date_excluded",
     "SELECT v.id, 'the day or the session is blocked'" WINDOW
     "EXISTS (SELECT 1 FROM excluded_dates x WHERE x.establishment_id = v.establishment_id AND "
     "x.date = v.date AND (x.template_id IS NULL OR x.template_id = v.template_id))"},
    {"prisoner_released",
     "SELECT v.id, 'the prisoner is released'" WINDOW
     "EXISTS (SELECT 1 FROM prisoner_moves m WHERE m.prisoner_id = v.prisoner_id AND m.kind = "
     "'release' AND m.move_date <= v.date)"},
    {"prisoner_transferred",
     "SELECT v.id, 'the prisoner is transferred'" WINDOW
     "(EXISTS (SELECT 1 FROM prisoner_moves m WHERE m.prisoner_id = v.prisoner_id AND m.kind = "
     "'transfer' AND m.move_date <= v.date AND m.from_establishment = v.establishment_id) OR "
     "EXISTS (SELECT 1 FROM prisoners p WHERE p.id = v.prisoner_id AND p.establishment_id <> "
     "v.establishment_id))"},
};

/* Transfers between Parlour establishments whose day has come. */
static int apply_due_moves(BookDb *db, int64_t now, const char *today) {
  BookStmt *st =
      book_db_stmt(db,
                   "SELECT m.id, m.prisoner_id, m.to_establishment FROM prisoner_moves m JOIN "
                   "establishments e ON e.id = m.to_establishment WHERE m.kind = 'transfer' AND "
                   "m.applied_at IS NULL AND m.move_date <= ? ORDER BY m.id");
  book_bind_text(st, 1, today);
  GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
  int row;
  while ((row = book_db_row(db, st)) == 1)
    g_ptr_array_add(
        rows, g_strdup_printf("%lld %lld %s", (long long)book_col_i64(st, 0),
                              (long long)book_col_i64(st, 1), (const char *)book_col_text(st, 2)));
  int bad = row < 0;
  for (guint i = 0; !bad && i < rows->len; i++) {
    long long mid = 0, pid = 0;
    char to[16] = "";
    if (sscanf(rows->pdata[i], "%lld %lld %15s", &mid, &pid, to) != 3) continue;
    st = book_db_stmt(db,
                      "UPDATE prisoners SET establishment_id = ?, leaving_on = NULL WHERE "
                      "id = ?");
    book_bind_text(st, 1, to);
    book_bind_i64(st, 2, pid);
    bad = book_db_step_done(db, st);
    st = book_db_stmt(db, "UPDATE prisoner_moves SET applied_at = ? WHERE id = ?");
    book_bind_i64(st, 1, now);
    book_bind_i64(st, 2, mid);
    if (!bad) bad = book_db_step_done(db, st);
    char d[96];
    g_snprintf(d, sizeof d, "{\"move_id\":%lld,\"prisoner_id\":%lld,\"to\":\"%s\"}", mid, pid, to);
    if (!bad) bad = book_audit(db, now, "system", NULL, "prisoner_move_applied", d);
  }
  g_ptr_array_free(rows, TRUE);
  return bad ? -1 : 0;
}

int book_reviews_scan(BookDb *db, int64_t now, int force) {
  char today[11], last[11];
  book_date_of(now, today);
  book_date_add(today, REVIEW_AHEAD_DAYS, last);
  if (book_db_begin(db)) return -1;
  /* Two instances: the first to insert the day's row scans, the other's
   * insert finds it (sqlite: after the first commits; PostgreSQL: waits on
   * the key, then does nothing). */
  BookStmt *st = book_db_stmt(db, "INSERT OR IGNORE INTO review_scans(day, at) VALUES (?, ?)");
  book_bind_text(st, 1, today);
  book_bind_i64(st, 2, now);
  if (book_db_step_done(db, st)) goto fail;
  if (book_db_changes(db) != 1 && !force) {
    book_db_rollback(db);
    return 0;
  }
  if (apply_due_moves(db, now, today)) goto fail;
  int n = 0;
  for (size_t q = 0; q < G_N_ELEMENTS(SCAN); q++) {
    st = book_db_stmt(db, SCAN[q].sql);
    book_bind_text(st, 1, today);
    book_bind_text(st, 2, last);
    book_bind_i64(st, 3, now);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *why = g_ptr_array_new_with_free_func(g_free);
    int row;
    while ((row = book_db_row(db, st)) == 1) {
      g_ptr_array_add(ids, g_strdup((const char *)book_col_text(st, 0)));
      g_ptr_array_add(why, g_strdup((const char *)book_col_text(st, 1)));
    }
    int bad = row < 0;
    for (guint i = 0; !bad && i < ids->len; i++) {
      int r = review_flag(db, now, "system", ids->pdata[i], SCAN[q].reason, why->pdata[i]);
      if (r < 0) bad = 1;
      n += r > 0;
    }
    g_ptr_array_free(ids, TRUE);
    g_ptr_array_free(why, TRUE);
    if (bad) goto fail;
  }
  if (book_db_commit(db)) return -1;
  if (n) log_info("reviews_flagged", "count=%d day=%s", n, today);
  return n;
fail:
  book_db_rollback(db);
  return -1;
}

/* ---- outcomes ---- */

int book_visit_set_outcome(BookDb *db, const BookActor *a, const char *visit_id,
                           const char *outcome, const char *reason, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  if (!book_outcome_valid(outcome))
    return fail(e, 400, "invalid_field", "outcome", "unknown outcome code");
  if (book_db_begin(db)) return book_error_storage(e);
  int vis = book_visit_check_visible(db, a, visit_id);
  int rc = 0;
  if (vis < 0)
    rc = book_error_storage(e);
  else if (!vis)
    rc = fail(e, 404, "not_found", NULL, "no such visit");
  else if (!is_booking_staff(a->role) && strcmp(a->role, "monitor") != 0)
    rc = fail(e, 403, "forbidden", NULL, "only staff set outcomes");
  char status[16] = "", prev[48] = "";
  int64_t start = 0;
  if (!rc) {
    BookStmt *st = book_db_stmt(db, "SELECT status, start_at, outcome FROM visits WHERE id = ?");
    book_bind_text(st, 1, visit_id);
    int r = book_db_row(db, st);
    if (r == 1) {
      g_strlcpy(status, (const char *)book_col_text(st, 0), sizeof status);
      start = book_col_i64(st, 1);
      if (!book_col_null(st, 2)) g_strlcpy(prev, (const char *)book_col_text(st, 2), sizeof prev);
      book_stmt_reset(st);
    }
    if (r != 1) rc = book_error_storage(e);
  }
  if (!rc && now < start && strcmp(status, "cancelled") != 0)
    rc = fail(e, 409, "visit_not_started", NULL,
              "an outcome is given once the visit's time has come (or it was cancelled)");
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  int bad = set_outcome(db, visit_id, outcome, reason, a->username);
  json_t *d = json_pack("{s:s, s:o, s:s}", "outcome", outcome, "previous",
                        *prev ? json_string(prev) : json_null(), "reason", reason);
  char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, visit_id, "outcome_set", dt);
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return book_error_storage(e);
  }
  return 0;
}

int book_outcomes_sweep(BookDb *db, int64_t now) {
  if (book_db_begin(db)) return -1;
  /* Who joined: signalling's participant_joined events, audited with their
   * data ({"participant":"prisoner-3"}, compact JSON). */
  BookStmt *st = book_db_stmt(
      db,
      "SELECT v.id, v.status, "
      " EXISTS (SELECT 1 FROM audit_log a WHERE a.visit_id = v.id AND a.action = "
      "  'event_participant_joined' AND a.detail LIKE '%\"participant\":\"prisoner-%'), "
      " EXISTS (SELECT 1 FROM audit_log a WHERE a.visit_id = v.id AND a.action = "
      "  'event_participant_joined' AND a.detail LIKE '%\"participant\":\"visitor-%'), "
      " EXISTS (SELECT 1 FROM audit_log a JOIN users u ON u.username = a.actor WHERE "
      "  a.visit_id = v.id AND a.action IN ('cancelled', 'rejected') AND u.role IN "
      "  ('booking_staff', 'admin')), "
      " EXISTS (SELECT 1 FROM audit_log a WHERE a.visit_id = v.id AND a.action = "
      "  'request_lapsed') "
      "FROM visits v WHERE v.outcome IS NULL AND ((v.status IN ('missed', 'completed', "
      "'terminated') AND v.end_at <= ?1) OR (v.status = 'cancelled' AND v.start_at <= ?1)) "
      "ORDER BY v.id LIMIT 500");
  book_bind_i64(st, 1, now);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *outs = g_ptr_array_new();
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    const char *status = (const char *)book_col_text(st, 1);
    const char *o = "completed";
    if (!strcmp(status, "missed"))
      o = book_outcome_for_no_call(book_col_int(st, 2), book_col_int(st, 3));
    else if (!strcmp(status, "terminated"))
      o = "terminated_by_staff";
    else if (!strcmp(status, "cancelled"))
      o = book_col_int(st, 5)   ? "administrative_cancellation"
          : book_col_int(st, 4) ? "establishment_cancelled"
                                : "booker_cancelled";
    g_ptr_array_add(ids, g_strdup((const char *)book_col_text(st, 0)));
    g_ptr_array_add(outs, (gpointer)o);
  }
  int bad = row < 0, n = 0;
  for (guint i = 0; !bad && i < ids->len; i++) {
    bad = set_outcome(db, ids->pdata[i], outs->pdata[i], NULL, "system");
    char d[96];
    g_snprintf(d, sizeof d, "{\"outcome\":\"%s\",\"previous\":null,\"reason\":\"sweep\"}",
               (const char *)outs->pdata[i]);
    if (!bad) bad = book_audit(db, now, "system", ids->pdata[i], "outcome_set", d);
    n++;
  }
  g_ptr_array_free(ids, TRUE);
  g_ptr_array_free(outs, TRUE);
  if (bad) {
    book_db_rollback(db);
    return -1;
  }
  if (book_db_commit(db)) return -1;
  return n;
}
