/* The notifications outbox (book_notify_outbox.h). */
#include "book_notify_outbox.h"

#include <string.h>

#include "log.h"

static char *notify_link;

void book_notify_set_link(const char *url) {
  g_free(notify_link);
  notify_link = g_strdup(url);
}

static const char *link_text(void) { return notify_link ? notify_link : "https://127.0.0.1:8443/"; }

typedef struct {
  int64_t id;
  char *email, *mobile;
  char lang[3];
} Visitor;

static void visitor_clear(gpointer p) {
  Visitor *v = p;
  g_free(v->email);
  g_free(v->mobile);
}

/* The rendered message of one language, made once per call. */
typedef struct {
  int done, ok;
  BookNotifyMessage m;
} Rendered;

static const BookNotifyMessage *rendered(Rendered r[2], const char *lang, const char *event,
                                         const char *est_name, const char *zone, int64_t start,
                                         int64_t end) {
  int i = !strcmp(lang, "cy");
  if (!r[i].done) {
    r[i].done = 1;
    char when[96];
    BookNotifyFacts f = {est_name, when, link_text()};
    r[i].ok = book_notify_format_when(start, end, zone, lang, when, sizeof when) == 0 &&
              book_notify_render(lang, event, &f, &r[i].m) == 0;
  }
  return r[i].ok ? &r[i].m : NULL;
}

static int insert(BookDb *db, const char *visit_id, const char *est, const char *event,
                  const char *channel, int64_t visitor_id, int64_t prisoner_id, const char *lang,
                  const char *address, const char *subject, const char *body, int64_t now) {
  BookStmt *st = book_db_stmt(
      db, "INSERT INTO notifications(visit_id, establishment_id, event, channel, visitor_id, "
          "prisoner_id, language, address, subject, body, status, attempts, next_attempt_at, "
          "created_at, updated_at, sent_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,0,?12,?12,"
          "?12,?13)");
  int incell = !strcmp(channel, "incell");
  book_bind_text(st, 1, visit_id);
  book_bind_text(st, 2, est);
  book_bind_text(st, 3, event);
  book_bind_text(st, 4, channel);
  if (visitor_id) book_bind_i64(st, 5, visitor_id); else book_bind_null(st, 5);
  if (prisoner_id) book_bind_i64(st, 6, prisoner_id); else book_bind_null(st, 6);
  book_bind_text(st, 7, lang);
  book_bind_text(st, 8, address);
  book_bind_text(st, 9, subject);
  book_bind_text(st, 10, body);
  book_bind_text(st, 11, incell ? "sent" : "queued");
  book_bind_i64(st, 12, now);
  if (incell) book_bind_i64(st, 13, now); else book_bind_null(st, 13);
  return book_db_step_done(db, st);
}

int book_notify_visit(BookDb *db, const char *visit_id, const char *event, int64_t now) {
  BookStmt *st = book_db_stmt(
      db, "SELECT v.establishment_id, v.start_at, e.name, v.prisoner_id, p.language, p.user_id, "
          "v.end_at, e.time_zone "
          "FROM visits v LEFT JOIN establishments e ON e.id = v.establishment_id "
          "LEFT JOIN prisoners p ON p.id = v.prisoner_id WHERE v.id = ?");
  book_bind_text(st, 1, visit_id);
  int row = book_db_row(db, st);
  if (row <= 0) return row; /* no such visit: nothing to say */
  if (book_col_null(st, 0)) {
    book_stmt_reset(st);
    return 0; /* probation: no family to tell */
  }
  char *est = g_strdup(book_col_text(st, 0));
  int64_t start = book_col_i64(st, 1);
  char *est_name = g_strdup(book_col_text(st, 2));
  int64_t prisoner_id = book_col_i64(st, 3);
  char plang[3];
  g_strlcpy(plang, book_col_text(st, 4) ? book_col_text(st, 4) : "en", sizeof plang);
  int prisoner_has_account = !book_col_null(st, 5);
  int64_t end = book_col_i64(st, 6);
  char *zone = g_strdup(book_col_text(st, 7));
  book_stmt_reset(st);

  GArray *vs = g_array_new(FALSE, TRUE, sizeof(Visitor));
  g_array_set_clear_func(vs, visitor_clear);
  st = book_db_stmt(db, "SELECT vi.id, vi.email, vi.mobile, vi.language FROM visit_visitors vv "
                        "JOIN visitors vi ON vi.id = vv.visitor_id WHERE vv.visit_id = ? "
                        "ORDER BY vi.id");
  book_bind_text(st, 1, visit_id);
  while ((row = book_db_row(db, st)) == 1) {
    Visitor v = {.id = book_col_i64(st, 0),
                 .email = g_strdup(book_col_text(st, 1)),
                 .mobile = g_strdup(book_col_text(st, 2))};
    g_strlcpy(v.lang, book_col_text(st, 3) ? book_col_text(st, 3) : "en", sizeof v.lang);
    g_array_append_val(vs, v);
  }
  int bad = row < 0;
  Rendered r[2];
  memset(r, 0, sizeof r);
  /* One message per address and channel: a parent who books for a child
   * with the same address is told once. */
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; !bad && i < vs->len; i++) {
    Visitor *v = &g_array_index(vs, Visitor, i);
    const BookNotifyMessage *m = rendered(r, v->lang, event, est_name, zone, start, end);
    if (!m) {
      log_warn("notify_render_failed", "event=%s lang=%s", event, v->lang);
      continue;
    }
    if (v->email && *v->email && g_hash_table_add(seen, g_strconcat("e:", v->email, NULL)))
      bad = insert(db, visit_id, est, event, "email", v->id, 0, v->lang, v->email, m->subject,
                   m->body, now);
    if (!bad && v->mobile && *v->mobile &&
        g_hash_table_add(seen, g_strconcat("s:", v->mobile, NULL)))
      bad = insert(db, visit_id, est, event, "sms", v->id, 0, v->lang, v->mobile, m->subject,
                   m->sms, now);
  }
  if (!bad && prisoner_id && prisoner_has_account) {
    const BookNotifyMessage *m = rendered(r, plang, event, est_name, zone, start, end);
    if (m)
      bad = insert(db, visit_id, est, event, "incell", 0, prisoner_id, plang, NULL, m->subject,
                   m->body, now);
  }
  if (!bad && !strcmp(event, "amended")) {
    st = book_db_stmt(db, "UPDATE visits SET reminder_queued_at = NULL WHERE id = ?");
    book_bind_text(st, 1, visit_id);
    bad = book_db_step_done(db, st);
  }
  g_hash_table_destroy(seen);
  book_notify_message_clear(&r[0].m);
  book_notify_message_clear(&r[1].m);
  g_array_free(vs, TRUE);
  g_free(est);
  g_free(est_name);
  g_free(zone);
  return bad ? -1 : 0;
}

int book_notify_lapsing_requests(BookDb *db, int64_t now) {
  BookStmt *st = book_db_stmt(
      db, "SELECT id FROM visits WHERE status = 'requested' AND start_at <= ? ORDER BY id");
  book_bind_i64(st, 1, now);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  int row;
  while ((row = book_db_row(db, st)) == 1) g_ptr_array_add(ids, g_strdup(book_col_text(st, 0)));
  int bad = row < 0;
  for (guint i = 0; !bad && i < ids->len; i++)
    bad = book_notify_visit(db, ids->pdata[i], "cancelled", now);
  g_ptr_array_free(ids, TRUE);
  return bad ? -1 : 0;
}

int book_notify_queue_reminders(BookDb *db, int64_t now, int lead_s) {
  /* A read first, outside any transaction: an idle sender never takes the
   * writers' lock (nor makes anyone wait for it). */
  int64_t due = 0;
  if (book_db_scalar(db, "SELECT count(*) FROM visits WHERE status = 'booked' AND "
                         "reminder_queued_at IS NULL AND establishment_id IS NOT NULL AND "
                         "start_at > ?1 AND start_at <= ?1 + ?2 AND updated_at <= start_at - ?2",
                     &due, 2, now, (int64_t)lead_s) < 0)
    return -1;
  if (due == 0) return 0;
  if (book_db_begin(db)) return -1;
  BookStmt *st = book_db_stmt(
      db, "SELECT id FROM visits WHERE status = 'booked' AND reminder_queued_at IS NULL AND "
          "establishment_id IS NOT NULL AND start_at > ?1 AND start_at <= ?1 + ?2 AND "
          "updated_at <= start_at - ?2 ORDER BY start_at LIMIT 200");
  book_bind_i64(st, 1, now);
  book_bind_i64(st, 2, lead_s);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  int row;
  while ((row = book_db_row(db, st)) == 1) g_ptr_array_add(ids, g_strdup(book_col_text(st, 0)));
  int bad = row < 0;
  for (guint i = 0; !bad && i < ids->len; i++) {
    bad = book_notify_visit(db, ids->pdata[i], "reminder", now);
    if (bad) break;
    st = book_db_stmt(db, "UPDATE visits SET reminder_queued_at = ? WHERE id = ?");
    book_bind_i64(st, 1, now);
    book_bind_text(st, 2, ids->pdata[i]);
    bad = book_db_step_done(db, st);
  }
  int n = (int)ids->len;
  g_ptr_array_free(ids, TRUE);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return -1;
  }
  return n;
}

void book_notify_job_free(gpointer p) {
  BookNotifyJob *j = p;
  if (!j) return;
  g_free(j->address);
  g_free(j->subject);
  g_free(j->body);
  g_free(j);
}

int book_notify_claim(BookDb *db, const char *token, int64_t now, int lease_s, int limit,
                      GPtrArray *jobs) {
  /* Nothing due: no write transaction (see book_notify_queue_reminders). */
  int64_t due = 0;
  if (book_db_scalar(db, "SELECT count(*) FROM notifications WHERE channel <> 'incell' AND "
                         "((status = 'queued' AND next_attempt_at <= ?1) OR "
                         "(status = 'sending' AND claimed_until <= ?1))",
                     &due, 1, now) < 0)
    return -1;
  if (due == 0) return 0;
  if (book_db_begin(db)) return -1;
  /* Inside the writers' lock (BEGIN IMMEDIATE / the advisory lock): no
   * other instance can claim between this UPDATE's read and its write. */
  BookStmt *st = book_db_stmt(
      db, "UPDATE notifications SET status = 'sending', claimed_by = ?1, claimed_until = ?2 + ?3, "
          "attempts = attempts + 1, updated_at = ?2 WHERE id IN (SELECT id FROM notifications "
          "WHERE channel <> 'incell' AND ((status = 'queued' AND next_attempt_at <= ?2) OR "
          "(status = 'sending' AND claimed_until <= ?2)) ORDER BY id LIMIT ?4)");
  book_bind_text(st, 1, token);
  book_bind_i64(st, 2, now);
  book_bind_i64(st, 3, lease_s);
  book_bind_i64(st, 4, limit);
  if (book_db_step_done(db, st)) {
    book_db_rollback(db);
    return -1;
  }
  st = book_db_stmt(db, "SELECT id, channel, language, address, subject, body, attempts FROM "
                        "notifications WHERE claimed_by = ? AND status = 'sending' ORDER BY id");
  book_bind_text(st, 1, token);
  int row, n = 0;
  guint first = jobs->len;
  while ((row = book_db_row(db, st)) == 1) {
    BookNotifyJob *j = g_new0(BookNotifyJob, 1);
    j->id = book_col_i64(st, 0);
    g_strlcpy(j->channel, book_col_text(st, 1), sizeof j->channel);
    g_strlcpy(j->language, book_col_text(st, 2), sizeof j->language);
    j->address = g_strdup(book_col_text(st, 3));
    j->subject = g_strdup(book_col_text(st, 4));
    j->body = g_strdup(book_col_text(st, 5));
    j->attempts = book_col_int(st, 6);
    g_ptr_array_add(jobs, j);
    n++;
  }
  if (row < 0 || book_db_commit(db)) {
    book_db_rollback(db);
    g_ptr_array_remove_range(jobs, first, jobs->len - first);
    return -1;
  }
  return n;
}

int book_notify_finish(BookDb *db, int64_t id, const char *token, const BookNotifyPlan *plan,
                       const char *error, const char *provider_ref, int64_t now) {
  if (book_db_begin(db)) return -1;
  BookStmt *st = book_db_stmt(
      db, "UPDATE notifications SET status = ?1, next_attempt_at = ?2, last_error = coalesce(?3, last_error), "
          "provider_ref = coalesce(?4, provider_ref), sent_at = ?5, claimed_by = NULL, "
          "claimed_until = NULL, updated_at = ?6 WHERE id = ?7 AND claimed_by = ?8 AND "
          "status = 'sending'");
  int sent = !strcmp(plan->status, "sent");
  book_bind_text(st, 1, plan->status);
  book_bind_i64(st, 2, !strcmp(plan->status, "queued") ? plan->next_attempt_at : now);
  book_bind_text(st, 3, error);
  book_bind_text(st, 4, provider_ref);
  if (sent) book_bind_i64(st, 5, now); else book_bind_null(st, 5);
  book_bind_i64(st, 6, now);
  book_bind_i64(st, 7, id);
  book_bind_text(st, 8, token);
  if (book_db_step_done(db, st)) {
    book_db_rollback(db);
    return -1;
  }
  int changed = book_db_changes(db);
  if (book_db_commit(db)) return -1;
  return changed > 0;
}
