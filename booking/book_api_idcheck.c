/* The visitor ID check's API (docs/booking.md "ID check", docs/openapi.yaml):
 *
 *   GET  /identity/visitors                     family: the visitors on the account, each
 *                                               with their check's status
 *   PUT  /identity/visitors/{id}/document       family: a photo of a government ID
 *   PUT  /identity/visitors/{id}/selfie         family: a selfie (raw image/jpeg or image/png)
 *   GET  /identity/checks[?status=pending|all]  booking staff: checks of their contacts
 *   GET  /identity/checks/{id}/document|selfie  booking staff: the image, decrypted; audited
 *   POST /identity/checks/{id}/approve          booking staff
 *   POST /identity/checks/{id}/reject {reason}  booking staff; reaches live calls
 *
 * Only booking staff of an establishment where the visitor is a prisoner's
 * contact see a check; everyone else is answered not_found, as for a check
 * that does not exist. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_api.h"
#include "book_idcheck.h"
#include "book_localtime.h"
#include "book_idcrypt.h"
#include "ids.h"
#include "log.h"

#define MIN_IMAGE_BYTES 100

static int parse_id(const char *s, int64_t *out) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 15 || s[0] == '0') return -1;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isdigit(s[i])) return -1;
  *out = g_ascii_strtoll(s, NULL, 10);
  return 0;
}

static char *dump(json_t *d) {
  char *t = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(d);
  return t;
}

static int key_ok(ApiCtx *c) {
  if (c->app->identity_key_ok) return 1;
  http_response_add_header(c->resp, "retry-after", "60");
  api_error(c, 503, "identity_unavailable",
            "ID checks are not available: the images' key is missing (scripts/setup-var)", NULL);
  return 0;
}

/* The check's JSON as its owner and staff see it. */
static json_t *check_json(const BookIdCheck *ck, int valid_days, int64_t now) {
  BookIdStatus s = book_idcheck_status(&ck->facts, valid_days, now);
  json_t *o = json_pack("{s:s}", "status", book_idcheck_status_name(s));
  if (!ck->id) return o;
  json_object_set_new(o, "check_id", json_integer(ck->id));
  json_object_set_new(o, "has_document", json_boolean(ck->facts.has_document));
  json_object_set_new(o, "has_selfie", json_boolean(ck->facts.has_selfie));
  json_object_set_new(o, "submitted_at",
                      ck->submitted_at ? json_integer(ck->submitted_at) : json_null());
  json_object_set_new(o, "decided_at",
                      ck->facts.decision ? json_integer(ck->facts.decided_at) : json_null());
  json_object_set_new(o, "reason", ck->facts.decision < 0 ? json_string(ck->reason) : json_null());
  int64_t exp = book_idcheck_expires_at(ck->facts.decided_at, valid_days);
  json_object_set_new(o, "expires_at", ck->facts.decision > 0 && exp != INT64_MAX
                                           ? json_integer(exp)
                                           : json_null());
  json_object_set_new(o, "images_kept", json_boolean(ck->images_deleted_at == 0 &&
                                                     (ck->document_file[0] || ck->selfie_file[0])));
  return o;
}

/* ---- family ---- */

void api_identity_visitors(ApiCtx *c) {
  if (api_need_session(c)) return;
  static const char *const roles[] = {"family", NULL};
  if (api_need_role(c, roles)) return;
  BookDb *db = c->app->db;
  const BookingConfig *cfg = c->app->cfg;
  char today[11]; /* a family account has no establishment: England and Wales's date */
  book_local_date(book_local_zone_shown(NULL), c->now, today);
  BookStmt *st = book_db_stmt(db, "SELECT id, name, coalesce(date_of_birth, '') FROM visitors "
                                  "WHERE user_id = ? ORDER BY id");
  if (!st) {
    api_storage_error(c);
    return;
  }
  book_bind_i64(st, 1, c->actor.user_id);
  json_t *arr = json_array();
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    int adult = book_idcheck_age(book_col_text(st, 2), today) >= BOOK_ID_ADULT_AGE;
    json_array_append_new(arr, json_pack("{s:I, s:s, s:b}", "visitor_id",
                                         (json_int_t)book_col_i64(st, 0), "name",
                                         book_col_text(st, 1), "needs_check",
                                         adult && cfg->id_required));
  }
  for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
    json_t *v = json_array_get(arr, i);
    BookIdCheck ck;
    if (book_idcheck_current(db, json_integer_value(json_object_get(v, "visitor_id")), &ck)) {
      rc = -1;
      break;
    }
    json_t *cj = check_json(&ck, cfg->id_valid_days, c->now);
    json_object_update(v, cj);
    json_decref(cj);
  }
  if (rc < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o, s:b, s:i, s:i}", "visitors", arr, "required",
                             cfg->id_required, "max_image_bytes", cfg->id_max_image_bytes,
                             "image_retention_days", cfg->id_retention_days));
}

/* PUT /identity/visitors/{id}/{document|selfie}: the raw image is the body. */
void api_identity_upload(ApiCtx *c, const char *visitor, const char *kind) {
  if (api_need_session(c)) return;
  static const char *const roles[] = {"family", NULL};
  if (api_need_role(c, roles)) return;
  int doc = !strcmp(kind, "document");
  if (!doc && strcmp(kind, "selfie") != 0) {
    api_error(c, 404, "not_found", "no such path", NULL);
    return;
  }
  BookApp *app = c->app;
  BookDb *db = app->db;
  const BookingConfig *cfg = app->cfg;
  int64_t vid = 0;
  if (parse_id(visitor, &vid)) {
    api_error(c, 404, "not_found", "no such visitor", NULL);
    return;
  }
  /* The visitor must be one this account speaks for. */
  BookStmt *st = book_db_stmt(db, "SELECT name, coalesce(date_of_birth, '') FROM visitors WHERE "
                                  "id = ? AND user_id = ?");
  if (!st) {
    api_storage_error(c);
    return;
  }
  book_bind_i64(st, 1, vid);
  book_bind_i64(st, 2, c->actor.user_id);
  int found = book_db_row(db, st);
  char today[11]; /* a family account has no establishment: England and Wales's date */
  book_local_date(book_local_zone_shown(NULL), c->now, today);
  int adult = 0;
  if (found == 1) {
    adult = book_idcheck_age(book_col_text(st, 1), today) >= BOOK_ID_ADULT_AGE;
    book_stmt_reset(st);
  }
  if (found < 0) {
    api_storage_error(c);
    return;
  }
  if (!found) {
    api_error(c, 404, "not_found", "no such visitor", NULL);
    return;
  }
  if (!adult) {
    api_error(c, 422, "identity_not_needed", "children do not need an ID check", NULL);
    return;
  }
  /* Bad input first, before any key or storage is touched. */
  const char *ct = http_request_header(c->req, "content-type");
  char type[32] = "";
  if (ct) {
    g_strlcpy(type, ct, sizeof type);
    char *semi = strchr(type, ';');
    if (semi) *semi = '\0';
    g_strstrip(type);
  }
  if (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0) {
    api_error(c, 415, "unsupported_media_type", "send the photo as image/jpeg or image/png", NULL);
    return;
  }
  size_t n = c->req->body_len;
  if (n > (size_t)cfg->id_max_image_bytes) {
    char msg[120];
    g_snprintf(msg, sizeof msg, "the photo must be at most %d bytes", cfg->id_max_image_bytes);
    api_error(c, 413, "image_too_large", msg, NULL);
    return;
  }
  const char *sniffed = book_idcheck_sniff((const unsigned char *)c->req->body, n);
  if (n < MIN_IMAGE_BYTES || !sniffed || strcmp(sniffed, type) != 0) {
    api_error(c, 400, "invalid_image", "the body is not a JPEG or PNG image of the type sent",
              NULL);
    return;
  }
  if (!key_ok(c)) return;

  if (book_db_begin(db)) {
    api_storage_error(c);
    return;
  }
  BookIdCheck ck;
  if (book_idcheck_current(db, vid, &ck)) goto storage;
  BookIdStatus s = book_idcheck_status(&ck.facts, cfg->id_valid_days, c->now);
  if (s == BOOK_ID_VERIFIED) {
    book_db_rollback(db);
    api_error(c, 409, "identity_verified", "this visitor's ID check is approved already", NULL);
    return;
  }
  /* A decided check stays as it was decided; new photos start a new one. */
  if (!ck.id || ck.facts.decision != 0) {
    st = book_db_stmt(db, "INSERT INTO identity_checks(visitor_id, submitted_by, created_at) "
                          "VALUES (?, ?, ?) RETURNING id");
    if (!st) goto storage;
    book_bind_i64(st, 1, vid);
    book_bind_i64(st, 2, c->actor.user_id);
    book_bind_i64(st, 3, c->now);
    if (book_db_row(db, st) != 1) goto storage;
    int64_t id = book_col_i64(st, 0);
    book_stmt_reset(st);
    if (book_idcheck_get(db, id, &ck) != 1) goto storage;
  }
  char *rnd = ids_random_hex(8);
  char *name = g_strdup_printf("%" G_GINT64_FORMAT "-%s-%s.plid", ck.id, kind, rnd);
  g_free(rnd);
  char old[80];
  g_strlcpy(old, doc ? ck.document_file : ck.selfie_file, sizeof old);
  if (book_idcrypt_write_file(app->identity_key, app->identity_root, name,
                              (const unsigned char *)c->req->body, n)) {
    book_db_rollback(db);
    log_error("identity_image_write_failed", "check=%" G_GINT64_FORMAT, ck.id);
    g_free(name);
    api_error(c, 503, "identity_unavailable", "the photo could not be stored; try again", NULL);
    return;
  }
  int complete = doc ? ck.facts.has_selfie : ck.facts.has_document;
  st = book_db_stmt(db, doc ? "UPDATE identity_checks SET document_file = ?, document_type = ?, "
                              "submitted_at = CASE WHEN ? = 1 THEN coalesce(submitted_at, ?) "
                              "ELSE submitted_at END WHERE id = ?"
                            : "UPDATE identity_checks SET selfie_file = ?, selfie_type = ?, "
                              "submitted_at = CASE WHEN ? = 1 THEN coalesce(submitted_at, ?) "
                              "ELSE submitted_at END WHERE id = ?");
  book_bind_text(st, 1, name);
  book_bind_text(st, 2, type);
  book_bind_i64(st, 3, complete);
  book_bind_i64(st, 4, c->now);
  book_bind_i64(st, 5, ck.id);
  int bad = !st || book_db_step_done(db, st) != 0;
  char *dt = dump(json_pack("{s:I, s:I, s:s, s:s, s:I}", "check", (json_int_t)ck.id, "visitor",
                            (json_int_t)vid, "kind", kind, "type", type, "bytes", (json_int_t)n));
  if (!bad) bad = !dt || book_audit(db, c->now, c->actor.username, NULL, "identity_image_uploaded",
                                    dt) != 0;
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    char *p = g_build_filename(app->identity_root, name, NULL);
    g_unlink(p);
    g_free(p);
    g_free(name);
    api_storage_error(c);
    return;
  }
  /* The replaced photo is gone once the new one is recorded. */
  if (old[0]) {
    char *p = g_build_filename(app->identity_root, old, NULL);
    g_unlink(p);
    g_free(p);
  }
  g_free(name);
  log_info("identity_image_uploaded", "check=%" G_GINT64_FORMAT " kind=%s bytes=%zu", ck.id, kind,
           n);
  if (book_idcheck_get(db, ck.id, &ck) != 1) {
    api_storage_error(c);
    return;
  }
  json_t *o = check_json(&ck, cfg->id_valid_days, c->now);
  json_object_set_new(o, "visitor_id", json_integer(vid));
  api_json(c, 200, o);
  return;
storage:
  book_db_rollback(db);
  api_storage_error(c);
}

/* ---- staff ---- */

static int staff_only(ApiCtx *c) {
  if (api_need_session(c)) return -1;
  static const char *const roles[] = {"booking_staff", NULL};
  return api_need_role(c, roles);
}

void api_identity_checks(ApiCtx *c) {
  if (staff_only(c)) return;
  const char *q = http_request_query(c->req, "status");
  int all = q && !strcmp(q, "all");
  if (q && !all && strcmp(q, "pending") != 0) {
    api_error(c, 400, "invalid_field", "status must be pending or all", "status");
    return;
  }
  BookDb *db = c->app->db;
  const BookingConfig *cfg = c->app->cfg;
  /* Each visitor's newest check, for visitors who are contacts of a prisoner
   * at the staff member's establishment. */
  BookStmt *st = book_db_stmt(
      db, "SELECT v.id, v.name, coalesce(v.date_of_birth, ''), (SELECT max(x.id) FROM "
          "identity_checks x WHERE x.visitor_id = v.id) FROM visitors v WHERE EXISTS (SELECT 1 "
          "FROM contacts c JOIN prisoners p ON p.id = c.prisoner_id WHERE c.visitor_id = v.id AND "
          "p.establishment_id = ?) AND EXISTS (SELECT 1 FROM identity_checks x WHERE "
          "x.visitor_id = v.id) ORDER BY v.id");
  if (!st) {
    api_storage_error(c);
    return;
  }
  book_bind_text(st, 1, c->actor.establishment_id);
  json_t *arr = json_array();
  int rc;
  while ((rc = book_db_row(db, st)) == 1)
    json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I}", "visitor_id",
                                         (json_int_t)book_col_i64(st, 0), "visitor_name",
                                         book_col_text(st, 1), "date_of_birth",
                                         book_col_text(st, 2), "check_id",
                                         (json_int_t)book_col_i64(st, 3)));
  json_t *out = json_array();
  for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
    json_t *v = json_array_get(arr, i);
    BookIdCheck ck;
    if (book_idcheck_get(db, json_integer_value(json_object_get(v, "check_id")), &ck) != 1) {
      rc = -1;
      break;
    }
    json_t *cj = check_json(&ck, cfg->id_valid_days, c->now);
    if (!all && strcmp(json_string_value(json_object_get(cj, "status")), "pending") != 0) {
      json_decref(cj);
      continue;
    }
    json_object_update(cj, v);
    json_object_set_new(cj, "decided_by",
                        ck.facts.decision ? json_string(ck.decided_by) : json_null());
    json_array_append_new(out, cj);
  }
  json_decref(arr);
  if (rc < 0) {
    json_decref(out);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "checks", out));
}

/* The check, if this staff member may see it: 1, or replied (0). */
static int staff_check(ApiCtx *c, const char *id, BookIdCheck *ck) {
  int64_t cid = 0;
  int rc = parse_id(id, &cid) ? 0 : book_idcheck_get(c->app->db, cid, ck);
  if (rc == 1) rc = book_idcheck_staff_may_see(c->app->db, &c->actor, ck->visitor_id);
  if (rc < 0) {
    api_storage_error(c);
    return 0;
  }
  if (rc == 0) {
    api_error(c, 404, "not_found", "no such ID check", NULL);
    return 0;
  }
  return 1;
}

void api_identity_image(ApiCtx *c, const char *id, const char *kind) {
  /* Everyone but booking staff is answered as if there were nothing here. */
  if (api_need_session(c)) return;
  int doc = !strcmp(kind, "document");
  BookIdCheck ck;
  if (strcmp(c->actor.role, "booking_staff") != 0 || (!doc && strcmp(kind, "selfie") != 0)) {
    api_error(c, 404, "not_found", "no such ID check", NULL);
    return;
  }
  if (!staff_check(c, id, &ck)) return;
  const char *file = doc ? ck.document_file : ck.selfie_file;
  if (!file[0]) {
    api_error(c, 410, "image_deleted",
              ck.images_deleted_at ? "this image was deleted after the decision (retention)"
                                   : "this image has not been sent",
              NULL);
    return;
  }
  if (!key_ok(c)) return;
  BookDb *db = c->app->db;
  /* The view is recorded before the image leaves: no audit, no image. */
  char *dt = dump(json_pack("{s:I, s:I, s:s}", "check", (json_int_t)ck.id, "visitor",
                            (json_int_t)ck.visitor_id, "kind", kind));
  int bad = !dt || book_db_begin(db);
  if (!bad) {
    bad = book_audit(db, c->now, c->actor.username, NULL, "identity_image_viewed", dt) != 0;
    if (bad || book_db_commit(db)) {
      book_db_rollback(db);
      bad = 1;
    }
  }
  free(dt);
  if (bad) {
    api_storage_error(c);
    return;
  }
  unsigned char *img = NULL;
  size_t n = 0;
  if (book_idcrypt_read_file(c->app->identity_key, c->app->identity_root, file, &img, &n)) {
    log_error("identity_image_unreadable", "check=%" G_GINT64_FORMAT " kind=%s", ck.id, kind);
    api_error(c, 500, "image_unreadable", "the stored image could not be read or decrypted",
              NULL);
    return;
  }
  http_response_set_status(c->resp, 200);
  http_response_set_content_type(c->resp, doc ? ck.document_type : ck.selfie_type);
  http_response_add_header(c->resp, "content-disposition", "inline");
  http_response_set_body(c->resp, img, n);
  memset(img, 0, n);
  g_free(img);
}

static const char *const REJECT_FIELDS[] = {"reason", NULL};

void api_identity_decide(ApiCtx *c, const char *id, int approve) {
  if (staff_only(c)) return;
  json_t *b = api_body(c, REJECT_FIELDS, approve);
  if (!b) return;
  const char *reason_in = NULL;
  if (api_str(c, b, "reason", !approve, 500, &reason_in)) {
    json_decref(b);
    return;
  }
  char reason[501] = "";
  if (reason_in) g_strlcpy(reason, reason_in, sizeof reason);
  json_decref(b);
  if (approve && reason[0]) {
    api_error(c, 400, "unknown_field", "an approval takes no reason", "reason");
    return;
  }
  BookIdCheck ck;
  if (!staff_check(c, id, &ck)) return;
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    return;
  }
  /* Read again under the writers' lock: two staff deciding at once. */
  BookIdCheck now_ck;
  BookIdCheck newest;
  if (book_idcheck_get(db, ck.id, &now_ck) != 1 || book_idcheck_current(db, ck.visitor_id, &newest))
    goto storage;
  if (newest.id != now_ck.id ||
      book_idcheck_status(&now_ck.facts, c->app->cfg->id_valid_days, c->now) != BOOK_ID_PENDING) {
    book_db_rollback(db);
    api_error(c, 409, "not_pending",
              "this ID check is not waiting for a decision (decided, replaced, or incomplete)",
              NULL);
    return;
  }
  BookStmt *st = book_db_stmt(db, "UPDATE identity_checks SET decision = ?, reason = ?, "
                                  "decided_by = ?, decided_at = ? WHERE id = ?");
  book_bind_text(st, 1, approve ? "approved" : "rejected");
  if (approve)
    book_bind_null(st, 2);
  else
    book_bind_text(st, 2, reason);
  book_bind_text(st, 3, c->actor.username);
  book_bind_i64(st, 4, c->now);
  book_bind_i64(st, 5, ck.id);
  if (!st || book_db_step_done(db, st)) goto storage;
  int removed = 0;
  if (!approve) {
    removed = book_idcheck_decisions(db, c->now, c->actor.username, ck.visitor_id,
                                     "identity_rejected");
    if (removed < 0) goto storage;
  }
  json_t *d = json_pack("{s:I, s:I}", "check", (json_int_t)ck.id, "visitor",
                        (json_int_t)ck.visitor_id);
  if (!approve) json_object_set_new(d, "reason", json_string(reason));
  char *dt = dump(d);
  int bad = !dt || book_audit(db, c->now, c->actor.username, NULL,
                              approve ? "identity_check_approved" : "identity_check_rejected",
                              dt) != 0;
  free(dt);
  if (bad || book_db_commit(db)) goto storage;
  log_info(approve ? "identity_check_approved" : "identity_check_rejected",
           "check=%" G_GINT64_FORMAT " decisions=%d", ck.id, removed);
  if (book_idcheck_get(db, ck.id, &ck) != 1) {
    api_storage_error(c);
    return;
  }
  json_t *o = check_json(&ck, c->app->cfg->id_valid_days, c->now);
  json_object_set_new(o, "visitor_id", json_integer(ck.visitor_id));
  json_object_set_new(o, "decided_by", json_string(ck.decided_by));
  api_json(c, 200, o);
  return;
storage:
  book_db_rollback(db);
  api_storage_error(c);
}
