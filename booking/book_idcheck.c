/* The visitor ID check's storage side: see book_idcheck.h. */
#include "book_idcheck.h"
#include "book_local_today.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define CHECK_COLS                                                                           \
  "id, visitor_id, coalesce(document_file, ''), coalesce(selfie_file, ''), "                 \
  "coalesce(document_type, ''), coalesce(selfie_type, ''), coalesce(reason, ''), "           \
  "coalesce(decided_by, ''), created_at, coalesce(submitted_at, 0), "                        \
  "coalesce(images_deleted_at, 0), CASE decision WHEN 'approved' THEN 1 WHEN 'rejected' "    \
  "THEN -1 ELSE 0 END, coalesce(decided_at, 0)"

static void copy(char *dst, size_t n, const char *s) { g_strlcpy(dst, s ? s : "", n); }

static void read_check(BookStmt *st, BookIdCheck *c) {
  memset(c, 0, sizeof *c);
  c->id = book_col_i64(st, 0);
  c->visitor_id = book_col_i64(st, 1);
  copy(c->document_file, sizeof c->document_file, book_col_text(st, 2));
  copy(c->selfie_file, sizeof c->selfie_file, book_col_text(st, 3));
  copy(c->document_type, sizeof c->document_type, book_col_text(st, 4));
  copy(c->selfie_type, sizeof c->selfie_type, book_col_text(st, 5));
  copy(c->reason, sizeof c->reason, book_col_text(st, 6));
  copy(c->decided_by, sizeof c->decided_by, book_col_text(st, 7));
  c->created_at = book_col_i64(st, 8);
  c->submitted_at = book_col_i64(st, 9);
  c->images_deleted_at = book_col_i64(st, 10);
  c->facts.has_check = 1;
  c->facts.decision = book_col_int(st, 11);
  c->facts.decided_at = book_col_i64(st, 12);
  c->facts.submitted = c->submitted_at > 0;
  c->facts.has_document = c->document_type[0] != '\0';
  c->facts.has_selfie = c->selfie_type[0] != '\0';
}

int book_idcheck_current(BookDb *db, int64_t visitor_id, BookIdCheck *out) {
  memset(out, 0, sizeof *out);
  BookStmt *st = book_db_stmt(db, "SELECT " CHECK_COLS " FROM identity_checks WHERE visitor_id = "
                                  "? ORDER BY id DESC LIMIT 1");
  if (!st) return -1;
  book_bind_i64(st, 1, visitor_id);
  int rc = book_db_row(db, st);
  if (rc == 1) {
    read_check(st, out);
    book_stmt_reset(st);
  }
  out->visitor_id = visitor_id;
  return rc < 0 ? -1 : 0;
}

int book_idcheck_get(BookDb *db, int64_t check_id, BookIdCheck *out) {
  memset(out, 0, sizeof *out);
  BookStmt *st = book_db_stmt(db, "SELECT " CHECK_COLS " FROM identity_checks WHERE id = ?");
  if (!st) return -1;
  book_bind_i64(st, 1, check_id);
  int rc = book_db_row(db, st);
  if (rc == 1) {
    read_check(st, out);
    book_stmt_reset(st);
  }
  return rc;
}

int book_idcheck_staff_may_see(BookDb *db, const BookActor *a, int64_t visitor_id) {
  if (!a || !a->role || strcmp(a->role, "booking_staff") != 0 || !a->establishment_id) return 0;
  BookStmt *st = book_db_stmt(db, "SELECT 1 FROM contacts c JOIN prisoners p ON p.id = "
                                  "c.prisoner_id WHERE c.visitor_id = ? AND p.establishment_id = ? "
                                  "LIMIT 1");
  if (!st) return -1;
  book_bind_i64(st, 1, visitor_id);
  book_bind_text(st, 2, a->establishment_id);
  int rc = book_db_row(db, st);
  if (rc == 1) book_stmt_reset(st);
  return rc;
}

int book_idcheck_age(const char *dob, const char *today) {
  int by, bm, bd, ty, tm, td;
  if (!dob || sscanf(dob, "%4d-%2d-%2d", &by, &bm, &bd) != 3 || !today ||
      sscanf(today, "%4d-%2d-%2d", &ty, &tm, &td) != 3)
    return 200;
  int age = ty - by;
  if (tm < bm || (tm == bm && td < bd)) age--;
  return age;
}

/* Plain words for a refusal, naming the visitor. */
static void refusal_words(const char *code, const char *name, const char *reason, char *out,
                          size_t n) {
  if (!strcmp(code, "identity_pending"))
    g_snprintf(out, n, "%s's ID check is waiting for staff. You can join once it is approved.",
               name);
  else if (!strcmp(code, "identity_rejected"))
    g_snprintf(out, n, "%s's ID check was not accepted: %s", name, reason);
  else if (!strcmp(code, "identity_expired"))
    g_snprintf(out, n, "%s's ID check has expired. Send new photos on the ID check page.", name);
  else
    g_snprintf(out, n, "%s must prove their identity before a first call: send a photo ID and "
                       "a selfie on the ID check page.",
               name);
  /* A cut in the middle of a UTF-8 character would make the JSON invalid. */
  const char *end = NULL;
  if (!g_utf8_validate(out, -1, &end)) out[end - out] = '\0';
}

int book_idcheck_admission(BookDb *db, int valid_days, const char *visit_id, int64_t uid,
                           int64_t now, BookAdmission *a) {
  if (!a->admit || strcmp(a->type, "social") != 0) return 0;
  char today[11]; /* age on the visit's establishment's local date */
  if (book_today_for_visit(db, visit_id, now, today)) return -1;
  BookStmt *st = book_db_stmt(db, "SELECT v.id, v.name, coalesce(v.date_of_birth, '') FROM "
                                  "visit_visitors vv JOIN visitors v ON v.id = vv.visitor_id "
                                  "WHERE vv.visit_id = ? AND v.user_id = ? ORDER BY v.id");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  book_bind_i64(st, 2, uid);
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    if (book_idcheck_age(book_col_text(st, 2), today) < BOOK_ID_ADULT_AGE) continue;
    int64_t id = book_col_i64(st, 0);
    g_array_append_val(ids, id);
    g_ptr_array_add(names, g_strdup(book_col_text(st, 1)));
  }
  for (guint i = 0; rc == 0 && i < ids->len; i++) {
    BookIdCheck c;
    if (book_idcheck_current(db, g_array_index(ids, int64_t, i), &c)) {
      rc = -1;
      break;
    }
    const char *code = book_idcheck_refusal(book_idcheck_status(&c.facts, valid_days, now));
    if (!code) continue;
    a->admit = 0;
    g_strlcpy(a->code, code, sizeof a->code);
    refusal_words(code, names->pdata[i], c.reason, a->message, sizeof a->message);
    break;
  }
  g_array_free(ids, TRUE);
  g_ptr_array_free(names, TRUE);
  return rc < 0 ? -1 : 0;
}

int book_idcheck_decisions(BookDb *db, int64_t now, const char *actor, int64_t visitor_id,
                           const char *reason) {
  BookStmt *st = book_db_stmt(db, "SELECT DISTINCT prisoner_id FROM contacts WHERE visitor_id = ? "
                                  "AND contact_type = 'social' ORDER BY prisoner_id");
  if (!st) return -1;
  book_bind_i64(st, 1, visitor_id);
  GArray *prisoners = g_array_new(FALSE, FALSE, sizeof(int64_t));
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    int64_t p = book_col_i64(st, 0);
    g_array_append_val(prisoners, p);
  }
  int total = rc < 0 ? -1 : 0;
  for (guint i = 0; total >= 0 && i < prisoners->len; i++) {
    int n = book_decisions_for_contact(db, now, actor, g_array_index(prisoners, int64_t, i),
                                       visitor_id, reason);
    total = n < 0 ? -1 : total + n;
  }
  g_array_free(prisoners, TRUE);
  return total;
}

static char *detail_json(int64_t check, int64_t visitor, const char *extra_key, const char *extra) {
  json_t *d = json_pack("{s:I, s:I}", "check", (json_int_t)check, "visitor", (json_int_t)visitor);
  if (extra_key) json_object_set_new(d, extra_key, json_string(extra));
  char *t = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  return t;
}

/* One expired approval: its decisions, audit and mark, in one transaction. */
static int expire_one(BookDb *db, int64_t id, int64_t visitor, int64_t now) {
  if (book_db_begin(db)) return -1;
  char *dt = detail_json(id, visitor, NULL, NULL);
  int bad = !dt || book_idcheck_decisions(db, now, "identity_expiry", visitor, "identity_expired") < 0;
  if (!bad) bad = book_audit(db, now, "identity_expiry", NULL, "identity_check_expired", dt) != 0;
  free(dt);
  if (!bad) {
    BookStmt *st = book_db_stmt(db, "UPDATE identity_checks SET expiry_reported_at = ? WHERE id = ?");
    book_bind_i64(st, 1, now);
    book_bind_i64(st, 2, id);
    bad = !st || book_db_step_done(db, st) != 0;
  }
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return -1;
  }
  return 0;
}

static int delete_images(BookDb *db, const char *dir, int64_t id, int64_t visitor, const char *doc,
                         const char *selfie, int64_t now) {
  /* Files first: a failure after this leaves the row to try again, and a
   * missing file is already what we want. */
  const char *files[] = {doc, selfie};
  for (int i = 0; i < 2; i++) {
    if (!*files[i]) continue;
    char *p = g_build_filename(dir, files[i], NULL);
    int rc = g_unlink(p);
    if (rc != 0 && g_file_test(p, G_FILE_TEST_EXISTS)) {
      log_warn("identity_image_delete_failed", "check=%" G_GINT64_FORMAT, id);
      g_free(p);
      return -1;
    }
    g_free(p);
  }
  if (book_db_begin(db)) return -1;
  BookStmt *st = book_db_stmt(db, "UPDATE identity_checks SET document_file = NULL, selfie_file = "
                                  "NULL, images_deleted_at = ? WHERE id = ?");
  book_bind_i64(st, 1, now);
  book_bind_i64(st, 2, id);
  int bad = !st || book_db_step_done(db, st) != 0;
  char *dt = detail_json(id, visitor, NULL, NULL);
  if (!bad) bad = !dt || book_audit(db, now, "retention", NULL, "identity_images_deleted", dt) != 0;
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return -1;
  }
  return 0;
}

int book_idcheck_sweep(BookDb *db, const char *dir, int required, int valid_days,
                       int retention_days, int64_t now) {
  int changed = 0;
  /* Expired approvals that are still the visitor's newest check. */
  if (required && valid_days > 0) {
    BookStmt *st = book_db_stmt(
        db, "SELECT c.id, c.visitor_id FROM identity_checks c WHERE c.decision = 'approved' AND "
            "c.expiry_reported_at IS NULL AND c.decided_at <= ? AND c.id = (SELECT max(id) FROM "
            "identity_checks x WHERE x.visitor_id = c.visitor_id) ORDER BY c.id LIMIT 100");
    if (!st) return -1;
    book_bind_i64(st, 1, now - (int64_t)valid_days * 86400);
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(int64_t));
    int rc;
    while ((rc = book_db_row(db, st)) == 1) {
      int64_t v[2] = {book_col_i64(st, 0), book_col_i64(st, 1)};
      g_array_append_vals(rows, v, 2);
    }
    for (guint i = 0; rc == 0 && i + 1 < rows->len; i += 2) {
      if (expire_one(db, g_array_index(rows, int64_t, i), g_array_index(rows, int64_t, i + 1), now))
        rc = -1;
      else
        changed++;
    }
    g_array_free(rows, TRUE);
    if (rc < 0) return -1;
  }
  /* Images past their retention after the decision. */
  BookStmt *st = book_db_stmt(
      db, "SELECT id, visitor_id, coalesce(document_file, ''), coalesce(selfie_file, '') FROM "
          "identity_checks WHERE decided_at IS NOT NULL AND images_deleted_at IS NULL AND "
          "decided_at <= ? ORDER BY id LIMIT 100");
  if (!st) return -1;
  book_bind_i64(st, 1, now - (int64_t)retention_days * 86400);
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(int64_t));
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    int64_t v[2] = {book_col_i64(st, 0), book_col_i64(st, 1)};
    g_array_append_vals(rows, v, 2);
    g_ptr_array_add(files, g_strdup(book_col_text(st, 2)));
    g_ptr_array_add(files, g_strdup(book_col_text(st, 3)));
  }
  for (guint i = 0; rc == 0 && i + 1 < rows->len; i += 2) {
    if (delete_images(db, dir, g_array_index(rows, int64_t, i),
                      g_array_index(rows, int64_t, i + 1), files->pdata[i], files->pdata[i + 1],
                      now))
      rc = -1;
    else
      changed++;
  }
  g_array_free(rows, TRUE);
  g_ptr_array_free(files, TRUE);
  return rc < 0 ? -1 : changed;
}

int book_idcheck_demo_verify(BookDb *db, int64_t now) {
  if (book_db_begin(db)) return -1;
  /* Adults by the demo's dates of birth (children's are after 2008). */
  BookStmt *st = book_db_stmt(
      db, "INSERT INTO identity_checks(visitor_id, submitted_by, document_type, selfie_type, "
          "created_at, submitted_at, decision, decided_by, decided_at, images_deleted_at) "
          "SELECT v.id, v.user_id, 'image/jpeg', 'image/jpeg', ?1, ?1, 'approved', 'demo', ?1, ?1 "
          "FROM visitors v WHERE v.user_id IS NOT NULL AND (v.date_of_birth IS NULL OR "
          "v.date_of_birth < '2008-01-01') AND EXISTS (SELECT 1 FROM contacts c WHERE "
          "c.visitor_id = v.id AND c.contact_type = 'social') AND NOT EXISTS (SELECT 1 FROM "
          "identity_checks x WHERE x.visitor_id = v.id)");
  if (!st) {
    book_db_rollback(db);
    return -1;
  }
  book_bind_i64(st, 1, now);
  int rc = book_step(st);
  int n = rc == BOOK_DONE ? book_db_changes(db) : -1;
  book_stmt_reset(st);
  if (n > 0 && book_audit(db, now, "system", NULL, "identity_demo_verified", NULL)) n = -1;
  if (n < 0 || book_db_commit(db)) {
    book_db_rollback(db);
    return -1;
  }
  return n;
}
