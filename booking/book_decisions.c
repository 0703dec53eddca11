/* The call_decisions outbox and the admission check (book_decisions.h). */
#include "book_decisions.h"

#include <string.h>

#include "book_localtime.h"
#include "book_oneway.h"
#include "book_sightonly.h"
#include "book_rules.h"
#include "log.h"

#define JOIN_EARLY_S (15 * 60)

const char *book_token_role(const char *role) {
  static const char *const map[][2] = {
      {"prisoner", "prisoner"},       {"family", "visitor"},
      {"probationer", "probationer"}, {"probation_officer", "officer"},
      {"clinician", "clinician"},     {"legal_adviser", "legal_adviser"},
      {"monitor", "staff_monitor"},
  };
  for (size_t i = 0; role && i < G_N_ELEMENTS(map); i++)
    if (!strcmp(map[i][0], role)) return map[i][1];
  return NULL;
}

const char *book_account_role(const char *token_role) {
  static const char *const map[][2] = {
      {"prisoner", "prisoner"},       {"visitor", "family"},
      {"probationer", "probationer"}, {"officer", "probation_officer"},
      {"clinician", "clinician"},     {"legal_adviser", "legal_adviser"},
      {"staff_monitor", "monitor"},   {"interpreter", "interpreter"},
  };
  for (size_t i = 0; token_role && i < G_N_ELEMENTS(map); i++)
    if (!strcmp(map[i][0], token_role)) return map[i][1];
  return NULL;
}

/* Short, kind, no internal words: these reach the person on their screen. */
void book_decision_message(const char *reason, const char *detail, char *out, size_t size) {
  static const char *const words[][2] = {
      {"visit_cancelled", "This visit was cancelled."},
      {"visit_rescheduled", "This visit has moved to a new time. Please check your bookings."},
      {"removed_by_staff", "You have been removed from this call by staff."},
      {"interpreter_removed", "Staff have removed you from this call as its interpreter."},
      {"participant_removed", "You have been removed from this call by staff."},
      {"visitor_banned", "You can no longer visit this person."},
      {"contact_not_approved", "You are not approved to visit this person at the moment."},
      {"account_disabled", "Your account has been switched off, so you cannot join calls."},
      {"policy_changed", "The rules for this call have changed."},
      {"one_way_video_changed", "Staff have changed who can see video on this call."},
      {"visit_not_found", "We could not find this visit."},
      {"visit_terminated", "Staff ended this call."},
      {"visit_over", "This visit has ended."},
      {"too_early", "This visit has not started yet. You can join from 15 minutes before the "
                    "start."},
      {"not_participant", "This call is not one you can join."},
      {"policy_forbids_monitoring", "This kind of call may not be monitored."},
      {"identity_rejected", "Your ID check was not accepted, so you cannot join this call. "
                            "The ID check page says why."},
      {"identity_expired", "Your ID check has expired. Send new photos on the ID check page "
                           "to join calls again."},
  };
  if (reason && !strcmp(reason, "terminated_by_staff")) {
    if (detail && *detail) {
      g_snprintf(out, size, "Staff ended this call: %s", detail);
      /* A cut in the middle of a UTF-8 character would make the JSON invalid. */
      const char *end = NULL;
      if (!g_utf8_validate(out, -1, &end)) out[end - out] = '\0';
    } else {
      g_strlcpy(out, "Staff ended this call.", size);
    }
    return;
  }
  for (size_t i = 0; reason && i < G_N_ELEMENTS(words); i++)
    if (!strcmp(words[i][0], reason)) {
      g_strlcpy(out, words[i][1], size);
      return;
    }
  g_strlcpy(out, "This call has changed.", size);
}

/* 1 row, 0 done, -1 error (logged). */
static int step(BookDb *db, BookStmt *st) {
  int rc = book_step(st);
  if (rc == BOOK_ROW) return 1;
  if (rc == BOOK_DONE) return 0;
  char q[300];
  log_error("sql_step_failed", "error=%s", log_quote(q, sizeof q, book_db_errmsg(db)));
  return -1;
}

static const char *col(BookStmt *st, int i) {
  const char *s = book_col_text(st, i);
  return s ? s : "";
}

int book_decision_add(BookDb *db, int64_t now, const char *actor, const char *visit_id,
                      const char *action, const char *participant, const char *reason,
                      const char *detail, const char *data_json) {
  char message[1000];
  book_decision_message(reason, detail, message, sizeof message);
  /* seq is max + 1, not the engine's counter: PostgreSQL's sequences skip
   * the values of rolled-back transactions, and the feed promises no gaps.
   * Safe because every writer holds the writers' lock (BEGIN IMMEDIATE on
   * sqlite, the advisory lock on PostgreSQL: book_db.h), which also keeps
   * seq in commit order, so a reader past seq N never misses a later commit
   * with a smaller seq. Decisions are never deleted. */
  BookStmt *st = book_db_stmt(db, "INSERT INTO call_decisions(seq, visit_id, action, participant, "
                                      "reason, message, data, actor, created_at) VALUES "
                                      "((SELECT coalesce(max(seq), 0) + 1 FROM call_decisions), "
                                      "?,?,?,?,?,?,?,?) RETURNING seq");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  book_bind_text(st, 2, action);
  if (participant)
    book_bind_text(st, 3, participant);
  else
    book_bind_null(st, 3);
  book_bind_text(st, 4, reason);
  book_bind_text(st, 5, message);
  if (data_json)
    book_bind_text(st, 6, data_json);
  else
    book_bind_null(st, 6);
  book_bind_text(st, 7, actor);
  book_bind_i64(st, 8, now);
  /* RETURNING rather than the engine's last row id: one text for both. */
  if (book_db_row(db, st) != 1) return -1;
  int64_t seq = book_col_i64(st, 0);
  book_stmt_reset(st);
  json_t *d = json_pack("{s:I, s:s, s:o, s:s}", "seq", (json_int_t)seq, "action", action,
                        "participant", participant ? json_string(participant) : json_null(),
                        "reason", reason);
  char *dt = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(d);
  int bad = !dt || book_audit(db, now, actor, visit_id, "call_decision", dt);
  free(dt);
  if (bad) return -1;
  log_info("call_decision", "seq=%lld visit=%s action=%s reason=%s", (long long)seq, visit_id,
           action, reason);
  return 0;
}

/* (visit id, participant) pairs collected before writing, so no statement
 * is stepped while the rows it reads are being added to. */
typedef struct {
  GPtrArray *visit;
  GPtrArray *who;
} Targets;

static void targets_init(Targets *t) {
  t->visit = g_ptr_array_new_with_free_func(g_free);
  t->who = g_ptr_array_new_with_free_func(g_free);
}

static void targets_free(Targets *t) {
  g_ptr_array_free(t->visit, TRUE);
  g_ptr_array_free(t->who, TRUE);
}

/* Reads (visit id, users.id, users.role[, start_at: for ORDER BY under
 * DISTINCT, which PostgreSQL wants in the select list]) rows; -1 on error. */
static int collect_people(BookDb *db, BookStmt *st, Targets *t) {
  int rc;
  while ((rc = step(db, st)) == 1) {
    const char *trole = book_token_role(col(st, 2));
    if (!trole) continue; /* an account that never joins calls */
    g_ptr_array_add(t->visit, g_strdup(col(st, 0)));
    g_ptr_array_add(t->who, g_strdup_printf("%s-%lld", trole, (long long)book_col_i64(st, 1)));
  }
  book_stmt_reset(st);
  return rc < 0 ? -1 : 0;
}

static int write_removals(BookDb *db, int64_t now, const char *actor, Targets *t,
                          const char *reason) {
  for (guint i = 0; i < t->visit->len; i++)
    if (book_decision_add(db, now, actor, t->visit->pdata[i], "remove_participant",
                          t->who->pdata[i], reason, NULL, NULL))
      return -1;
  return (int)t->visit->len;
}

int book_decisions_for_contact(BookDb *db, int64_t now, const char *actor,
                               int64_t prisoner_id, int64_t visitor_id,
                               const char *reason) {
  BookStmt *st = book_db_stmt(
      db, "SELECT DISTINCT vi.id, u.id, u.role, vi.start_at FROM visits vi JOIN visit_visitors vv ON "
          "vv.visit_id = vi.id JOIN visitors v ON v.id = vv.visitor_id JOIN users u ON u.id = "
          "v.user_id WHERE vi.prisoner_id = ? AND vv.visitor_id = ? AND vi.status IN "
          "('booked','in_progress') ORDER BY vi.start_at, vi.id");
  if (!st) return -1;
  book_bind_i64(st, 1, prisoner_id);
  book_bind_i64(st, 2, visitor_id);
  Targets t;
  targets_init(&t);
  int n = collect_people(db, st, &t) ? -1 : write_removals(db, now, actor, &t, reason);
  targets_free(&t);
  return n;
}

int book_decisions_for_account(BookDb *db, int64_t now, const char *actor, int64_t user_id,
                               const char *reason) {
  /* The same shapes as book_visit_participant; a monitor takes part in any
   * call of its establishment open for joining. */
  BookStmt *st = book_db_stmt(
      db,
      "SELECT DISTINCT vi.id, u.id, u.role, vi.start_at FROM users u JOIN visits vi ON vi.status IN "
      "('booked','in_progress') AND ("
      " (u.role = 'prisoner' AND vi.prisoner_id IN (SELECT id FROM prisoners WHERE user_id = u.id)) OR"
      " (u.role = 'probationer' AND vi.probationer_id IN"
      "    (SELECT id FROM probationers WHERE user_id = u.id)) OR"
      " (u.role IN ('family', 'legal_adviser') AND EXISTS (SELECT 1 FROM visit_visitors vv JOIN"
      "    visitors v ON v.id = vv.visitor_id WHERE vv.visit_id = vi.id AND v.user_id = u.id)) OR"
      " (u.role IN ('probation_officer', 'clinician', 'legal_adviser') AND"
      "    vi.professional_user_id = u.id) OR"
      " (u.role = 'monitor' AND u.establishment_id IS NOT NULL AND"
      "    vi.establishment_id = u.establishment_id AND vi.start_at - ?3 <= ?2 AND vi.end_at > ?2))"
      " WHERE u.id = ?1 ORDER BY vi.start_at, vi.id");
  if (!st) return -1;
  book_bind_i64(st, 1, user_id);
  book_bind_i64(st, 2, now);
  book_bind_i64(st, 3, JOIN_EARLY_S);
  Targets t;
  targets_init(&t);
  int n = collect_people(db, st, &t) ? -1 : write_removals(db, now, actor, &t, reason);
  targets_free(&t);
  return n;
}

int book_decisions_for_policy(BookDb *db, int64_t now, const char *actor, const char *visit_type,
                              const char *monitoring, const char *recording) {
  BookStmt *st = book_db_stmt(db, "SELECT id FROM visits WHERE visit_type = ? AND status IN "
                                      "('booked','in_progress') ORDER BY start_at, id");
  if (!st) return -1;
  book_bind_text(st, 1, visit_type);
  GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
  int rc;
  while ((rc = step(db, st)) == 1) g_ptr_array_add(ids, g_strdup(col(st, 0)));
  book_stmt_reset(st);
  json_t *d = json_pack("{s:s, s:s}", "monitoring", monitoring, "recording", recording);
  char *data = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(d);
  int n = rc < 0 || !data ? -1 : (int)ids->len;
  for (guint i = 0; n >= 0 && i < ids->len; i++)
    if (book_decision_add(db, now, actor, ids->pdata[i], "update_policy", NULL, "policy_changed",
                          NULL, data))
      n = -1;
  free(data);
  g_ptr_array_free(ids, TRUE);
  return n;
}

int64_t book_decisions_head(BookDb *db) {
  BookStmt *st = book_db_stmt(db, "SELECT coalesce(max(seq), 0) FROM call_decisions");
  if (!st) return -1;
  int64_t head = step(db, st) == 1 ? book_col_i64(st, 0) : -1;
  book_stmt_reset(st);
  return head;
}

json_t *book_decisions_after(BookDb *db, int64_t after, int limit) {
  BookStmt *st = book_db_stmt(db, "SELECT seq, visit_id, action, participant, reason, "
                                      "message, data, created_at FROM call_decisions WHERE seq > "
                                      "? ORDER BY seq LIMIT ?");
  if (!st) return NULL;
  book_bind_i64(st, 1, after);
  book_bind_i64(st, 2, limit);
  json_t *arr = json_array();
  int rc;
  while ((rc = step(db, st)) == 1) {
    json_t *data = NULL;
    if (!book_col_null(st, 6)) data = json_loads(col(st, 6), 0, NULL);
    json_array_append_new(
        arr, json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o, s:I}", "seq",
                       (json_int_t)book_col_i64(st, 0), "visit_id", col(st, 1), "action",
                       col(st, 2), "participant",
                       book_col_null(st, 3) ? json_null()
                                                                 : json_string(col(st, 3)),
                       "reason", col(st, 4), "message", col(st, 5), "data",
                       data ? data : json_null(), "at", (json_int_t)book_col_i64(st, 7)));
  }
  book_stmt_reset(st);
  if (rc < 0) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

int book_decisions_ack(BookDb *db, int64_t now, const char *instance, int64_t seq) {
  if (book_db_begin(db)) return -1;
  BookStmt *st = book_db_stmt(db, "SELECT seq, visit_id, action, reason FROM call_decisions "
                                      "WHERE seq <= ? AND delivered_at IS NULL ORDER BY seq");
  if (!st) goto fail;
  book_bind_i64(st, 1, seq);
  json_t *rows = json_array();
  int rc;
  while ((rc = step(db, st)) == 1)
    json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s}", "seq",
                                          (json_int_t)book_col_i64(st, 0), "visit",
                                          col(st, 1), "action", col(st, 2), "reason", col(st, 3)));
  book_stmt_reset(st);
  int bad = rc < 0;
  if (!bad) {
    st = book_db_stmt(db, "UPDATE call_decisions SET delivered_at = ? WHERE seq <= ? AND "
                          "delivered_at IS NULL");
    bad = !st;
    if (st) {
      book_bind_i64(st, 1, now);
      book_bind_i64(st, 2, seq);
      bad = book_db_step_done(db, st) || book_db_changes(db) != (int)json_array_size(rows);
    }
  }
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    if (bad) break;
    json_t *d = json_pack("{s:O, s:O, s:O, s:s}", "seq", json_object_get(r, "seq"), "action",
                          json_object_get(r, "action"), "reason", json_object_get(r, "reason"),
                          "instance", instance);
    char *dt = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(d);
    bad = !dt || book_audit(db, now, "signalling", json_string_value(json_object_get(r, "visit")),
                            "decision_delivered", dt);
    free(dt);
  }
  int n = (int)json_array_size(rows);
  json_decref(rows);
  if (bad || book_db_commit(db)) goto fail;
  return n;
fail:
  book_db_rollback(db);
  return -1;
}

/* ---- the admission check ---- */

static int refuse(BookAdmission *out, const char *code) {
  out->admit = 0;
  g_strlcpy(out->code, code, sizeof out->code);
  book_decision_message(code, NULL, out->message, sizeof out->message);
  return 0;
}

int book_user_disabled(BookDb *db, int64_t user_id) {
  BookStmt *st = book_db_stmt(db, "SELECT disabled FROM users WHERE id = ?");
  if (!st) return -1;
  book_bind_i64(st, 1, user_id);
  int rc = step(db, st);
  int v = rc == 1 ? book_col_int(st, 0) != 0 : rc;
  book_stmt_reset(st);
  return v;
}

/* "<token role>-<users.id>" in canonical form (no sign, no leading zero). */
static int64_t sub_user_id(const char *sub, const char *role) {
  size_t rl = strlen(role);
  if (strncmp(sub, role, rl) != 0 || sub[rl] != '-') return 0;
  const char *d = sub + rl + 1;
  if (!*d || *d == '0' || strlen(d) > 18) return 0;
  for (const char *p = d; *p; p++)
    if (!g_ascii_isdigit(*p)) return 0;
  return g_ascii_strtoll(d, NULL, 10);
}

int book_admission_check(BookDb *db, const char *visit_id, const char *participant,
                         const char *role, int64_t now, BookAdmission *out) {
  memset(out, 0, sizeof *out);
  const char *account_role = book_account_role(role);
  if (!account_role) return refuse(out, "not_participant");
  /* The visit, as booking holds it now. */
  BookStmt *st = book_db_stmt(
      db, "SELECT v.visit_type, v.status, v.start_at, v.end_at, t.monitoring, t.recording, "
          "coalesce(v.prisoner_id, 0), v.establishment_id, e.time_zone, "
          "coalesce(e.legal_sight_monitoring, 0) FROM visits v JOIN "
          "visit_types t ON t.code = v.visit_type LEFT JOIN establishments e ON e.id = "
          "v.establishment_id WHERE v.id = ?");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  int rc = step(db, st);
  int64_t prisoner_id = 0;
  char est[16] = "", zone[TZ_NAME_MAX + 1] = "";
  if (rc == 1) {
    g_strlcpy(out->type, col(st, 0), sizeof out->type);
    g_strlcpy(out->status, col(st, 1), sizeof out->status);
    out->start = book_col_i64(st, 2);
    out->end = book_col_i64(st, 3);
    g_strlcpy(out->monitoring, col(st, 4), sizeof out->monitoring);
    g_strlcpy(out->recording, col(st, 5), sizeof out->recording);
    prisoner_id = book_col_i64(st, 6);
    g_strlcpy(est, col(st, 7), sizeof est);
    g_strlcpy(zone, col(st, 8), sizeof zone);
    /* Sight-only legal monitoring (book_sightonly.h). */
    g_strlcpy(out->monitoring, book_sight_monitoring(out->type, out->monitoring, book_col_int(st, 9)),
              sizeof out->monitoring);
  }
  book_stmt_reset(st);
  if (rc < 0) return -1;
  if (rc == 0) return refuse(out, "visit_not_found");
  /* One-way video: the visit's own setting, else the prisoner's. */
  rc = book_oneway_of_visit(db, visit_id, out->one_way_video, sizeof out->one_way_video);
  if (rc < 0) return -1;
  if (!strcmp(out->status, "cancelled")) return refuse(out, "visit_cancelled");
  if (!strcmp(out->status, "terminated")) return refuse(out, "visit_terminated");
  if (!strcmp(out->status, "completed") || !strcmp(out->status, "missed"))
    return refuse(out, "visit_over");
  /* requested: not confirmed, so no call exists for it yet. */
  if (strcmp(out->status, "booked") != 0 && strcmp(out->status, "in_progress") != 0)
    return refuse(out, "visit_not_found");

  /* Removed by staff: for the rest of this visit. */
  st = book_db_stmt(db, "SELECT 1 FROM visit_removals WHERE visit_id = ? AND participant = ?");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  book_bind_text(st, 2, participant);
  rc = step(db, st);
  book_stmt_reset(st);
  if (rc < 0) return -1;
  if (rc == 1) return refuse(out, "participant_removed");

  /* Who: the account the sub names, of the role the token says. */
  int64_t uid = sub_user_id(participant, role);
  if (!uid) return refuse(out, "not_participant");
  st = book_db_stmt(db, "SELECT role, disabled, establishment_id FROM users WHERE id = ?");
  if (!st) return -1;
  book_bind_i64(st, 1, uid);
  rc = step(db, st);
  int role_ok = 0, disabled = 0;
  char uest[16] = "";
  if (rc == 1) {
    role_ok = !strcmp(col(st, 0), account_role);
    disabled = book_col_int(st, 1) != 0;
    g_strlcpy(uest, col(st, 2), sizeof uest);
  }
  book_stmt_reset(st);
  if (rc < 0) return -1;
  if (!role_ok) return refuse(out, "not_participant");
  if (disabled) return refuse(out, "account_disabled");

  if (!strcmp(role, "staff_monitor")) {
    /* A monitor of the visit's own establishment, where monitoring is allowed. */
    if (!*uest || strcmp(uest, est) != 0) return refuse(out, "not_participant");
    if (!strcmp(out->monitoring, "forbidden")) return refuse(out, "policy_forbids_monitoring");
  } else {
    st = book_db_stmt(
        db,
        "SELECT 1 FROM visits vi WHERE vi.id = ?1 AND ("
        " (?2 = 'prisoner' AND vi.prisoner_id IN (SELECT id FROM prisoners WHERE user_id = ?3)) OR"
        " (?2 = 'probationer' AND vi.probationer_id IN"
        "    (SELECT id FROM probationers WHERE user_id = ?3)) OR"
        " (?2 = 'family' AND EXISTS (SELECT 1 FROM visit_visitors vv JOIN visitors v ON v.id ="
        "    vv.visitor_id WHERE vv.visit_id = vi.id AND v.user_id = ?3)) OR"
        " (?2 IN ('probation_officer', 'clinician', 'legal_adviser') AND"
        "    vi.professional_user_id = ?3) OR"
        /* an interpreter approved for this call (not removed), of its establishment */
        " (?2 = 'interpreter' AND EXISTS (SELECT 1 FROM visit_interpreters x JOIN interpreters i"
        "    ON i.id = x.interpreter_id WHERE x.visit_id = vi.id AND i.user_id = ?3 AND"
        "    x.removed_at IS NULL AND i.establishment_id = vi.establishment_id)))");
    if (!st) return -1;
    book_bind_text(st, 1, visit_id);
    book_bind_text(st, 2, account_role);
    book_bind_i64(st, 3, uid);
    rc = step(db, st);
    book_stmt_reset(st);
    if (rc < 0) return -1;
    if (rc == 0) return refuse(out, "not_participant");
    /* Every visitor this account speaks for on the visit must still be an
     * approved contact of the prisoner with no BAN in force today. */
    /* Today at the visit's establishment (unknown zone: not admitted). */
    char today[11];
    const Tz *tz = book_local_zone(zone, NULL, 0);
    if (!tz) return -1;
    book_local_date(tz, now, today);
    st = book_db_stmt(
        /* CASE, not a boolean inside max(): the same text on both engines. */
        db, "SELECT coalesce(max(CASE WHEN EXISTS (SELECT 1 FROM contact_restrictions r WHERE "
            "r.contact_id = c.id AND r.type = 'BAN' AND r.start_date <= ?4 AND (r.expiry_date IS "
            "NULL OR r.expiry_date >= ?4)) THEN 1 ELSE 0 END), 0), coalesce(max(CASE WHEN "
            "c.approved = 1 THEN 0 ELSE 1 END), 0) FROM "
            "visit_visitors vv JOIN visitors v ON v.id = vv.visitor_id LEFT JOIN contacts c ON "
            "c.prisoner_id = ?2 AND c.visitor_id = v.id WHERE vv.visit_id = ?1 AND v.user_id = "
            "?3");
    if (!st) return -1;
    book_bind_text(st, 1, visit_id);
    book_bind_i64(st, 2, prisoner_id);
    book_bind_i64(st, 3, uid);
    book_bind_text(st, 4, today);
    rc = step(db, st);
    int banned = 0, unapproved = 0;
    if (rc == 1) {
      banned = book_col_int(st, 0);
      unapproved = book_col_int(st, 1);
    }
    book_stmt_reset(st);
    if (rc != 1) return -1; /* an aggregate always answers one row */
    /* A probation call has no prisoner and no contacts. */
    if (prisoner_id && banned) return refuse(out, "visitor_banned");
    if (prisoner_id && unapproved) return refuse(out, "contact_not_approved");
  }
  if (now < out->start - JOIN_EARLY_S) return refuse(out, "too_early");
  if (now >= out->end) return refuse(out, "visit_over");
  out->admit = 1;
  return 0;
}
