/* Decisions that reach live calls (docs/contracts.md, "Decisions reach live
 * calls"): signalling's admission check and decision feed (service
 * credential), and the staff and admin actions that make decisions of their
 * own: remove one participant, disable an account, change a visit type's
 * policy. Each writes its change, its decisions and its audit rows in one
 * transaction (book_decisions.h). */
#include <string.h>

#include "book_api.h"
#include "book_decisions.h"
#include "book_idcheck.h"
#include "book_e2ee.h"
#include "book_sightonly.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"

/* The same gate as signalling's visit events. */
static int service_ok(ApiCtx *c) {
  const char *cred = http_request_header(c->req, "x-service-credential");
  if (cred && ids_secret_equal(cred, c->app->service_credential)) return 1;
  api_error(c, 401, "bad_credential", "missing or wrong x-service-credential", NULL);
  return 0;
}

static void storage_unavailable(ApiCtx *c) { api_storage_error(c); }

static char *dump(json_t *d) {
  char *t = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(d);
  return t;
}

/* ---- POST /internal/admit ---- */

static const char *const ADMIT_FIELDS[] = {"visit_id", "participant", "role", "jti", NULL};

void api_internal_admit(ApiCtx *c) {
  if (!service_ok(c)) return;
  json_t *b = api_body(c, ADMIT_FIELDS, 0);
  if (!b) return;
  const char *visit_id = NULL, *participant = NULL, *role = NULL, *jti = NULL;
  if (api_str(c, b, "visit_id", 1, 64, &visit_id) ||
      api_str(c, b, "participant", 1, 128, &participant) || api_str(c, b, "role", 1, 32, &role) ||
      api_str(c, b, "jti", 1, 128, &jti))
    goto out;
  if (!book_account_role(role)) {
    api_error(c, 400, "invalid_field", "role must be a join token role", "role");
    goto out;
  }
  BookDb *db = c->app->db;
  BookAdmission a;
  /* A malformed id names no visit: answered like an unknown one. */
  int rc = api_visit_id_ok(visit_id)
               ? book_admission_check(db, visit_id, participant, role, c->now, &a)
               : book_admission_check(db, "", participant, role, c->now, &a);
  /* A visitor on a social call must have passed the ID check
   * (book_idcheck.h); "visitor-<account id>" names the account. */
  if (!rc && a.admit && c->app->cfg->id_required && !strcmp(role, "visitor") &&
      g_str_has_prefix(participant, "visitor-"))
    rc = book_idcheck_admission(db, c->app->cfg->id_valid_days, visit_id,
                                g_ascii_strtoll(participant + strlen("visitor-"), NULL, 10),
                                c->now, &a);
  if (rc) {
    log_warn("admission_unavailable", "visit=%s reason=storage_error", visit_id);
    storage_unavailable(c);
    goto out;
  }
  /* Every answer is on the visit's record; an unknown visit's on none. */
  int known = strcmp(a.code, "visit_not_found") != 0;
  json_t *d = json_pack("{s:s, s:s, s:s}", "participant", participant, "role", role, "jti", jti);
  if (!a.admit) json_object_set_new(d, "code", json_string(a.code));
  if (!known) json_object_set_new(d, "visit_id", json_string(visit_id));
  char *dt = dump(d);
  int bad = !dt || book_db_begin(db);
  if (!bad) {
    bad = book_audit(db, c->now, "signalling", known ? visit_id : NULL,
                     a.admit ? "call_admitted" : "call_admission_refused", dt);
    if (bad || book_db_commit(db)) {
      book_db_rollback(db);
      bad = 1;
    }
  }
  free(dt);
  if (bad) {
    storage_unavailable(c);
    goto out;
  }
  log_info(a.admit ? "call_admitted" : "call_admission_refused", "visit=%s participant=%s code=%s",
           visit_id, participant, a.admit ? "-" : a.code);
  if (a.admit)
    /* audio: this participant's audio grant (book_sightonly.h): false for a
     * monitor of a video_only (sight-only legal) call. */
    api_json(c, 200,
             json_pack("{s:b, s:{s:s, s:s, s:I, s:I}, s:{s:s, s:s, s:s, s:s}, s:b}", "admit", 1,
                       "visit", "type", a.type, "status", a.status, "start", (json_int_t)a.start,
                       "end", (json_int_t)a.end, "policy", "monitoring", a.monitoring,
                       "recording", a.recording, "e2ee", book_e2ee_policy(a.type), "one_way_video",
                       a.one_way_video, "audio",
                       book_sight_audio_grant(a.monitoring, !strcmp(role, "staff_monitor"))));
  else
    api_json(c, 200,
             json_pack("{s:b, s:s, s:s}", "admit", 0, "code", a.code, "message", a.message));
out:
  json_decref(b);
}

/* ---- GET /internal/decisions, POST /internal/decisions/ack ---- */

/* A non-negative integer in plain decimal, at most 15 digits. */
static int parse_count(const char *s, long long *out) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 15) return -1;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isdigit(s[i])) return -1;
  *out = g_ascii_strtoll(s, NULL, 10);
  return 0;
}

void api_internal_decisions(ApiCtx *c) {
  if (!service_ok(c)) return;
  const char *qa = http_request_query(c->req, "after"), *ql = http_request_query(c->req, "limit");
  long long after = 0, limit = 100;
  if (qa && parse_count(qa, &after)) {
    api_error(c, 400, "invalid_field", "after must be a sequence number (0 or more)", "after");
    return;
  }
  if (ql && (parse_count(ql, &limit) || limit < 1 || limit > 500)) {
    api_error(c, 400, "invalid_field", "limit must be an integer from 1 to 500", "limit");
    return;
  }
  BookDb *db = c->app->db;
  /* The page first, the head after it: with another writer on the same
   * database the head can then only be at or above the page's last seq. */
  json_t *arr = qa ? book_decisions_after(db, after, (int)limit) : NULL;
  int64_t head = book_decisions_head(db);
  if ((qa && !arr) || head < 0) {
    json_decref(arr);
    storage_unavailable(c);
    return;
  }
  /* Without after: only the head, where a freshly started reader begins. */
  if (!qa) {
    api_json(c, 200, json_pack("{s:I}", "head", (json_int_t)head));
    return;
  }
  api_json(c, 200, json_pack("{s:o, s:I}", "decisions", arr, "head", (json_int_t)head));
}

static const char *const ACK_FIELDS[] = {"instance", "seq", NULL};

void api_internal_decisions_ack(ApiCtx *c) {
  if (!service_ok(c)) return;
  json_t *b = api_body(c, ACK_FIELDS, 0);
  if (!b) return;
  const char *instance = NULL;
  long long seq = 0;
  if (api_str(c, b, "instance", 1, 128, &instance) ||
      api_int(c, b, "seq", 1, 0, (1LL << 53), &seq))
    goto out;
  int n = book_decisions_ack(c->app->db, c->now, instance, seq);
  int64_t head = n < 0 ? -1 : book_decisions_head(c->app->db);
  if (n < 0 || head < 0) {
    storage_unavailable(c);
    goto out;
  }
  if (n) log_info("decisions_delivered", "instance=%s seq=%lld count=%d", instance, seq, n);
  api_json(c, 200, json_pack("{s:i, s:I}", "delivered", n, "head", (json_int_t)head));
out:
  json_decref(b);
}

/* ---- POST /visits/{id}/participants/{participant}/remove ---- */

static const char *const REMOVE_FIELDS[] = {"reason", NULL};

/* "<token role>-<users.id>" with a known role; the role in role_out. */
static int participant_ok(const char *p, char *role_out, size_t size) {
  const char *dash = p ? strrchr(p, '-') : NULL;
  if (!dash || (size_t)(dash - p) >= size) return 0;
  memcpy(role_out, p, (size_t)(dash - p));
  role_out[dash - p] = '\0';
  const char *d = dash + 1;
  if (!book_account_role(role_out) || !*d || *d == '0' || strlen(d) > 18) return 0;
  for (; *d; d++)
    if (!g_ascii_isdigit(*d)) return 0;
  return 1;
}

void api_participant_remove(ApiCtx *c, const char *id, const char *participant) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  if (!api_visit_id_ok(id) || !book_visit_visible(db, &c->actor, id)) {
    api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  static const char *const roles[] = {"booking_staff", "monitor", "admin", NULL};
  if (api_need_role(c, roles)) return;
  json_t *b = api_body(c, REMOVE_FIELDS, 0);
  if (!b) return;
  const char *reason = NULL;
  char role[32];
  if (api_str(c, b, "reason", 1, 500, &reason)) goto out;
  if (!participant_ok(participant, role, sizeof role)) {
    api_error(c, 400, "invalid_field",
              "participant must be a join token's sub: <role>-<account id>", "participant");
    goto out;
  }
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookAdmission a;
  if (book_admission_check(db, id, participant, role, c->now, &a)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  const char *code = a.admit ? NULL : a.code;
  if (strcmp(a.status, "booked") != 0 && strcmp(a.status, "in_progress") != 0) {
    book_db_rollback(db);
    api_error(c, 409, "invalid_state", "the visit has no call to remove anyone from", NULL);
    goto out;
  }
  if (code && !strcmp(code, "participant_removed")) {
    book_db_rollback(db);
    api_error(c, 409, "already_removed", "this participant was already removed", "participant");
    goto out;
  }
  if (code && !strcmp(code, "not_participant")) {
    book_db_rollback(db);
    api_error(c, 404, "not_found", "no such participant in this visit", "participant");
    goto out;
  }
  BookStmt *st = book_db_stmt(db, "INSERT INTO visit_removals(visit_id, participant, reason, "
                                      "removed_by, removed_at) VALUES (?,?,?,?,?)");
  int bad = !st;
  if (st) {
    book_bind_text(st, 1, id);
    book_bind_text(st, 2, participant);
    book_bind_text(st, 3, reason);
    book_bind_text(st, 4, c->actor.username);
    book_bind_i64(st, 5, c->now);
    bad = book_db_step_done(db, st);
  }
  char *dt = dump(json_pack("{s:s, s:s}", "participant", participant, "reason", reason));
  if (!bad) bad = !dt || book_audit(db, c->now, c->actor.username, id, "participant_removed", dt);
  free(dt);
  if (!bad)
    bad = book_decision_add(db, c->now, c->actor.username, id, "remove_participant", participant,
                            "removed_by_staff", NULL, NULL);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  log_info("participant_removed", "visit=%s participant=%s by=%s", id, participant,
           c->actor.username);
  api_json(c, 200, json_pack("{s:s, s:s, s:s, s:s, s:I}", "visit_id", id, "participant",
                             participant, "reason", reason, "removed_by", c->actor.username,
                             "removed_at", (json_int_t)c->now));
out:
  json_decref(b);
}

/* ---- PATCH /users/{id} ---- */

static const char *const USER_FIELDS[] = {"disabled", NULL};

void api_user_patch(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  static const char *const admin[] = {"admin", NULL};
  if (api_need_role(c, admin)) return;
  long long uid = 0;
  if (parse_count(id, &uid) || uid < 1) {
    api_error(c, 404, "not_found", "no such user", NULL);
    return;
  }
  json_t *b = api_body(c, USER_FIELDS, 0);
  if (!b) return;
  int disabled = -1;
  if (api_bool(c, b, "disabled", &disabled)) goto out;
  if (disabled < 0) {
    api_error(c, 400, "missing_field", "disabled is required", "disabled");
    goto out;
  }
  if (disabled && uid == c->actor.user_id) {
    api_error(c, 422, "cannot_disable_self", "you cannot disable your own account", "disabled");
    goto out;
  }
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookStmt *st = book_db_stmt(db, "SELECT username, role, disabled FROM users WHERE id = ?");
  if (!st) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  book_bind_i64(st, 1, uid);
  int rc = book_step(st);
  char username[80] = "", role[32] = "";
  int was = 0;
  if (rc == BOOK_ROW) {
    g_strlcpy(username, book_col_text(st, 0), sizeof username);
    g_strlcpy(role, book_col_text(st, 1), sizeof role);
    was = book_col_int(st, 2) != 0;
  }
  book_stmt_reset(st);
  if (rc != BOOK_ROW) {
    book_db_rollback(db);
    if (rc == BOOK_DONE)
      api_error(c, 404, "not_found", "no such user", NULL);
    else
      api_storage_error(c);
    goto out;
  }
  int n = 0, changed = was != disabled, ended = 0;
  if (changed) {
    st = book_db_stmt(db, "UPDATE users SET disabled = ? WHERE id = ?");
    int bad = !st;
    if (st) {
      book_bind_i64(st, 1, disabled);
      book_bind_i64(st, 2, uid);
      bad = book_db_step_done(db, st);
    }
    if (!bad && disabled) {
      n = book_decisions_for_account(db, c->now, c->actor.username, uid, "account_disabled");
      bad = n < 0;
    }
    /* Signed out everywhere (every instance: sessions are rows) in the same
     * transaction as the change. */
    if (!bad && disabled) {
      ended = book_sessions_end_user(c->app->sessions, uid);
      bad = ended < 0;
    }
    char *dt = dump(json_pack("{s:I, s:s, s:i}", "user_id", (json_int_t)uid, "username", username,
                              "calls", n));
    if (!bad)
      bad = !dt || book_audit(db, c->now, c->actor.username, NULL,
                              disabled ? "account_disabled" : "account_enabled", dt);
    free(dt);
    if (bad || book_db_commit(db)) {
      book_db_rollback(db);
      api_storage_error(c);
      goto out;
    }
  } else {
    book_db_rollback(db); /* nothing to change */
  }
  if (changed)
    log_info(disabled ? "account_disabled" : "account_enabled", "user=%s by=%s calls=%d sessions=%d",
             username, c->actor.username, n, ended);
  api_json(c, 200, json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)uid, "username", username,
                             "role", role, "disabled", disabled));
out:
  json_decref(b);
}

/* ---- PATCH /visit-types/{code} ---- */

static const char *const VTYPE_FIELDS[] = {"monitoring", "recording", NULL};

void api_visit_type_patch(ApiCtx *c, const char *code) {
  if (api_need_session(c)) return;
  static const char *const admin[] = {"admin", NULL};
  if (api_need_role(c, admin)) return;
  json_t *b = api_body(c, VTYPE_FIELDS, 0);
  if (!b) return;
  const char *mon = NULL, *rec = NULL;
  if (api_str(c, b, "monitoring", 0, 16, &mon) || api_str(c, b, "recording", 0, 16, &rec))
    goto out;
  if (!mon && !rec) {
    api_error(c, 400, "missing_field", "give monitoring and/or recording", NULL);
    goto out;
  }
  if (mon && strcmp(mon, "allowed") && strcmp(mon, "forbidden")) {
    api_error(c, 400, "invalid_field", "monitoring must be allowed or forbidden", "monitoring");
    goto out;
  }
  if (rec && strcmp(rec, "required") && strcmp(rec, "forbidden")) {
    api_error(c, 400, "invalid_field", "recording must be required or forbidden", "recording");
    goto out;
  }
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookStmt *st = book_db_stmt(db, "SELECT monitoring, recording FROM visit_types WHERE code = ?");
  if (!st) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  book_bind_text(st, 1, code);
  int rc = book_step(st);
  char old_mon[16] = "", old_rec[16] = "";
  if (rc == BOOK_ROW) {
    g_strlcpy(old_mon, book_col_text(st, 0), sizeof old_mon);
    g_strlcpy(old_rec, book_col_text(st, 1), sizeof old_rec);
  }
  book_stmt_reset(st);
  if (rc != BOOK_ROW) {
    book_db_rollback(db);
    if (rc == BOOK_DONE)
      api_error(c, 404, "not_found", "no such visit type", NULL);
    else
      api_storage_error(c);
    goto out;
  }
  char new_mon[16], new_rec[16];
  g_strlcpy(new_mon, mon ? mon : old_mon, sizeof new_mon);
  g_strlcpy(new_rec, rec ? rec : old_rec, sizeof new_rec);
  /* Privileged calls: a legal adviser's or a clinician's call is never
   * watched or recorded, whoever asks. */
  if ((!strcmp(code, "legal") || !strcmp(code, "telemedicine")) &&
      (!strcmp(new_mon, "allowed") || !strcmp(new_rec, "required"))) {
    book_db_rollback(db);
    api_error(c, 422, "policy_protected",
              "legal and telemedicine calls are never monitored or recorded",
              !strcmp(new_mon, "allowed") ? "monitoring" : "recording");
    goto out;
  }
  if (!strcmp(new_mon, old_mon) && !strcmp(new_rec, old_rec)) {
    book_db_rollback(db); /* nothing to change */
  } else {
    st = book_db_stmt(db, "UPDATE visit_types SET monitoring = ?, recording = ? WHERE code = ?");
    int bad = !st, n = 0;
    if (st) {
      book_bind_text(st, 1, new_mon);
      book_bind_text(st, 2, new_rec);
      book_bind_text(st, 3, code);
      bad = book_db_step_done(db, st);
    }
    if (!bad) {
      n = book_decisions_for_policy(db, c->now, c->actor.username, code, new_mon, new_rec);
      bad = n < 0;
    }
    char *dt = dump(json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:i}", "code", code, "from",
                              "monitoring", old_mon, "recording", old_rec, "to", "monitoring",
                              new_mon, "recording", new_rec, "calls", n));
    if (!bad)
      bad = !dt || book_audit(db, c->now, c->actor.username, NULL, "visit_type_policy_changed", dt);
    free(dt);
    if (bad || book_db_commit(db)) {
      book_db_rollback(db);
      api_storage_error(c);
      goto out;
    }
    log_info("visit_type_policy_changed", "type=%s monitoring=%s recording=%s calls=%d by=%s",
             code, new_mon, new_rec, n, c->actor.username);
  }
  st = book_db_stmt(db, "SELECT code, name, monitoring, recording, max_minutes, participants FROM "
                        "visit_types WHERE code = ?");
  book_bind_text(st, 1, code);
  if (book_step(st) != BOOK_ROW) {
    book_stmt_reset(st);
    api_storage_error(c);
    goto out;
  }
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "code", book_col_text(st, 0),
                        "name", book_col_text(st, 1), "monitoring",
                        book_col_text(st, 2), "recording", book_col_text(st, 3),
                        "max_minutes", book_col_int(st, 4), "participants",
                        book_col_text(st, 5));
  book_stmt_reset(st);
  api_json(c, 200, o);
out:
  json_decref(b);
}

/* ---- sign-in of a disabled account ---- */
