/* Notifications in the API (docs/booking.md "Notifications",
 * docs/openapi.yaml):
 *   GET   /notifications      booking staff: delivery status of their
 *                             establishment's messages (admin: all)
 *   GET   /messages           the prisoner's in-cell messages
 *   GET   /visitors/{id}      a visitor's contact details and language
 *   PATCH /visitors/{id}      the same, changed by the visitor's own account
 *                             or by booking staff of a prison they are a
 *                             contact at (audited). */
#include <string.h>

#include "book_api.h"
#include "book_notify.h"
#include "notify_sms.h"
#include "notify_smtp.h"

static json_t *text_or_null(BookStmt *st, int i) {
  return book_col_null(st, i) ? json_null() : json_string(book_col_text(st, i));
}

void api_notifications_list(ApiCtx *c) {
  if (api_need_session(c)) return;
  static const char *const roles[] = {"booking_staff", "admin", NULL};
  if (api_need_role(c, roles)) return;
  const char *visit = http_request_query(c->req, "visit_id");
  const char *status = http_request_query(c->req, "status");
  if (visit && !api_visit_id_ok(visit)) {
    api_error(c, 400, "invalid_field", "visit_id is not a visit id", "visit_id");
    return;
  }
  if (status && strcmp(status, "queued") && strcmp(status, "sending") && strcmp(status, "sent") &&
      strcmp(status, "failed")) {
    api_error(c, 400, "invalid_field", "status is queued, sending, sent or failed", "status");
    return;
  }
  int admin = !strcmp(c->actor.role, "admin");
  BookStmt *st = book_db_stmt(
      c->app->db,
      "SELECT id, visit_id, establishment_id, event, channel, visitor_id, prisoner_id, language, "
      "address, subject, status, attempts, next_attempt_at, last_error, provider_ref, created_at, "
      "updated_at, sent_at FROM notifications WHERE (?1 = 1 OR establishment_id = ?2) AND "
      "(?3 IS NULL OR visit_id = ?3) AND (?4 IS NULL OR status = ?4) ORDER BY id DESC LIMIT 200");
  book_bind_i64(st, 1, admin);
  book_bind_text(st, 2, c->actor.establishment_id ? c->actor.establishment_id : "");
  book_bind_text(st, 3, visit);
  book_bind_text(st, 4, status);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(c->app->db, st)) == 1) {
    json_t *o = json_pack(
        "{s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:s, s:i, s:o, s:o, s:o, s:I, s:I, "
        "s:o}",
        "id", (json_int_t)book_col_i64(st, 0), "visit_id", text_or_null(st, 1),
        "establishment_id", book_col_text(st, 2), "event", book_col_text(st, 3), "channel",
        book_col_text(st, 4), "visitor_id",
        book_col_null(st, 5) ? json_null() : json_integer(book_col_i64(st, 5)), "prisoner_id",
        book_col_null(st, 6) ? json_null() : json_integer(book_col_i64(st, 6)), "language",
        book_col_text(st, 7), "address", text_or_null(st, 8), "subject", book_col_text(st, 9),
        "status", book_col_text(st, 10), "attempts", book_col_int(st, 11), "next_attempt_at",
        !strcmp(book_col_text(st, 10), "queued") ? json_integer(book_col_i64(st, 12))
                                                  : json_null(),
        "last_error", text_or_null(st, 13), "provider_ref", text_or_null(st, 14), "created_at",
        (json_int_t)book_col_i64(st, 15), "updated_at", (json_int_t)book_col_i64(st, 16),
        "sent_at", book_col_null(st, 17) ? json_null() : json_integer(book_col_i64(st, 17)));
    json_array_append_new(arr, o);
  }
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "notifications", arr));
}

void api_messages(ApiCtx *c) {
  if (api_need_session(c)) return;
  static const char *const roles[] = {"prisoner", NULL};
  if (api_need_role(c, roles)) return;
  BookStmt *st = book_db_stmt(
      c->app->db,
      "SELECT n.id, n.visit_id, n.event, n.language, n.subject, n.body, n.created_at FROM "
      "notifications n JOIN prisoners p ON p.id = n.prisoner_id WHERE p.user_id = ? AND "
      "n.channel = 'incell' ORDER BY n.id DESC LIMIT 50");
  book_bind_i64(st, 1, c->actor.user_id);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(c->app->db, st)) == 1)
    json_array_append_new(
        arr, json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:I}", "id",
                       (json_int_t)book_col_i64(st, 0), "visit_id", text_or_null(st, 1), "event",
                       book_col_text(st, 2), "language", book_col_text(st, 3), "subject",
                       book_col_text(st, 4), "body", book_col_text(st, 5), "created_at",
                       (json_int_t)book_col_i64(st, 6)));
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "messages", arr));
}

/* 1 when the actor may see and change visitor vid's contact details: the
 * account that speaks for the visitor, booking staff of a prison the
 * visitor is a contact at, or admin. 0 not (answer 404), -1 failed. */
static int visitor_access(ApiCtx *c, int64_t vid) {
  int64_t n = 0;
  const char *role = c->actor.role;
  int rc;
  if (!strcmp(role, "admin"))
    rc = book_db_scalar(c->app->db, "SELECT count(*) FROM visitors WHERE id = ?", &n, 1, vid);
  else if (!strcmp(role, "booking_staff")) {
    BookStmt *st = book_db_stmt(c->app->db,
                                "SELECT count(*) FROM contacts ct JOIN prisoners p ON p.id = "
                                "ct.prisoner_id WHERE ct.visitor_id = ? AND p.establishment_id = ?");
    book_bind_i64(st, 1, vid);
    book_bind_text(st, 2, c->actor.establishment_id ? c->actor.establishment_id : "");
    rc = book_db_row(c->app->db, st);
    if (rc == 1) {
      n = book_col_i64(st, 0);
      book_stmt_reset(st);
    }
  } else
    rc = book_db_scalar(c->app->db, "SELECT count(*) FROM visitors WHERE id = ? AND user_id = ?",
                        &n, 2, vid, c->actor.user_id);
  if (rc < 0) return -1;
  return n > 0;
}

static void visitor_reply(ApiCtx *c, int64_t vid) {
  BookStmt *st = book_db_stmt(c->app->db,
                              "SELECT id, email, mobile, language, name FROM visitors WHERE id = ?");
  book_bind_i64(st, 1, vid);
  int row = book_db_row(c->app->db, st);
  if (row <= 0) {
    row < 0 ? api_storage_error(c) : api_error(c, 404, "not_found", "no such visitor", NULL);
    return;
  }
  json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:s}", "id", (json_int_t)book_col_i64(st, 0),
                        "name", book_col_text(st, 4), "email", text_or_null(st, 1), "mobile",
                        text_or_null(st, 2), "language", book_col_text(st, 3));
  book_stmt_reset(st);
  api_json(c, 200, o);
}

static int visitor_id_of(ApiCtx *c, const char *id, int64_t *vid) {
  char *end = NULL;
  long long v = id ? g_ascii_strtoll(id, &end, 10) : 0;
  if (!id || !*id || *end || v < 1 || strlen(id) > 15) {
    api_error(c, 404, "not_found", "no such visitor", NULL);
    return -1;
  }
  int a = visitor_access(c, v);
  if (a < 0) {
    api_storage_error(c);
    return -1;
  }
  if (!a) {
    api_error(c, 404, "not_found", "no such visitor", NULL);
    return -1;
  }
  *vid = v;
  return 0;
}

void api_visitor_get(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  int64_t vid;
  if (visitor_id_of(c, id, &vid)) return;
  visitor_reply(c, vid);
}

void api_visitor_patch(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  static const char *const fields[] = {"email", "mobile", "language", NULL};
  int64_t vid;
  if (visitor_id_of(c, id, &vid)) return;
  json_t *b = api_body(c, fields, 0);
  if (!b) return;
  const char *email = NULL, *mobile = NULL, *lang = NULL;
  /* null or "" clears an address; absent leaves it. */
  int clear_email = json_is_null(json_object_get(b, "email")),
      clear_mobile = json_is_null(json_object_get(b, "mobile"));
  if ((!clear_email && api_str(c, b, "email", 0, 254, &email)) ||
      (!clear_mobile && api_str(c, b, "mobile", 0, 20, &mobile)) ||
      api_str(c, b, "language", 0, 2, &lang))
    goto out;
  if (email && !*email) clear_email = 1, email = NULL;
  if (mobile && !*mobile) clear_mobile = 1, mobile = NULL;
  if (email && !smtp_address_ok(email)) {
    api_error(c, 422, "invalid_email", "that is not an email address we can send to", "email");
    goto out;
  }
  if (mobile && !notify_phone_ok(mobile)) {
    api_error(c, 422, "invalid_mobile", "a mobile number is 7 to 20 digits, spaces and a leading +",
              "mobile");
    goto out;
  }
  if (lang && !book_notify_lang_ok(lang)) {
    api_error(c, 422, "invalid_language", "language is en (English) or cy (Cymraeg)", "language");
    goto out;
  }
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookStmt *st = book_db_stmt(
      db, "UPDATE visitors SET email = CASE WHEN ?1 = 1 THEN NULL ELSE coalesce(?2, email) END, "
          "mobile = CASE WHEN ?3 = 1 THEN NULL ELSE coalesce(?4, mobile) END, "
          "language = coalesce(?5, language) WHERE id = ?6");
  book_bind_i64(st, 1, clear_email);
  book_bind_text(st, 2, email);
  book_bind_i64(st, 3, clear_mobile);
  book_bind_text(st, 4, mobile);
  book_bind_text(st, 5, lang);
  book_bind_i64(st, 6, vid);
  int bad = book_db_step_done(db, st);
  /* The audit says what changed, never the address itself. */
  json_t *d = json_pack("{s:I, s:b, s:b, s:o}", "visitor_id", (json_int_t)vid, "email_changed",
                        email || clear_email, "mobile_changed", mobile || clear_mobile, "language",
                        lang ? json_string(lang) : json_null());
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, c->now, c->actor.username, NULL, "visitor_contact_changed", detail);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  visitor_reply(c, vid);
out:
  json_decref(b);
}
