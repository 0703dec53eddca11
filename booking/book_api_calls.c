/* The call side of booking: join tokens for signalling (claims exactly as
 * docs/contracts.md), signalling's visit events (idempotent by event_id),
 * and the demo-only "a visit starting now". */
#include <string.h>

#include "book_api.h"
#include "book_call_quality.h"
#include "book_recording_failures.h"
#include "book_idcheck.h"
#include "book_outcomes.h"
#include "book_decisions.h"
#include "book_e2ee.h"
#include "book_sightonly.h"

#include "ids.h"
#include "log.h"
#include "timeutil.h"
#include "book_interp_join.h"
#include "token.h"
#include "turn_rest.h"

#define JOIN_EARLY_S (15 * 60)

/* Token role for an account role; NULL when the role never joins. */
static const char *token_role(const char *role) {
  static const char *const map[][2] = {
      {"prisoner", "prisoner"},       {"family", "visitor"},
      {"probationer", "probationer"}, {"probation_officer", "officer"},
      {"clinician", "clinician"},     {"legal_adviser", "legal_adviser"},
      {"monitor", "staff_monitor"},   {"interpreter", "interpreter"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
    if (!strcmp(map[i][0], role)) return map[i][1];
  return NULL;
}

/* The token's audit row could not be committed: the token is wiped unsent. */
static void audit_failed(ApiCtx *c, char *tok, char *jti, json_t *grants, const char *id) {
  log_error("join_token_withheld", "visit=%s user=%s reason=audit_not_committed", id,
            c->actor.username);
  memset(tok, 0, strlen(tok));
  g_free(tok);
  g_free(jti);
  json_decref(grants);
  api_storage_error(c);
}

void api_join_token(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  /* An interpreter sees only the calls they are approved for
   * (book_interp_join.h); everyone else by the usual visibility. */
  int interp = !strcmp(c->actor.role, "interpreter");
  char language[BOOK_INTERP_LANGUAGE_MAX + 1] = "";
  const char *ierr = NULL;
  int ifail = 0;
  if (interp && api_visit_id_ok(id))
    ierr = book_interp_join_check(db, &c->actor, id, language, sizeof language, &ifail);
  int visible = !api_visit_id_ok(id) ? 0
                : interp           ? (ifail ? -1 : !ierr || strcmp(ierr, "not_found") != 0)
                                   : book_visit_check_visible(db, &c->actor, id);
  if (visible < 0) {
    api_storage_error(c);
    return;
  }
  if (!visible) {
    api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  static const char *const none[] = {NULL};
  json_t *b = api_body(c, none, 1);
  if (!b) return;
  json_decref(b);
  const char *role = token_role(c->actor.role);
  int monitor = role && !strcmp(role, "staff_monitor");
  /* Staff other than monitors never join; everyone else must take part. */
  int part = interp ? (!ierr || !strcmp(ierr, "invalid_state"))
             : role && !monitor ? book_visit_check_participant(db, &c->actor, id) : 1;
  if (part < 0) {
    api_storage_error(c);
    return;
  }
  if (!role || !part) {
    api_error(c, 403, "not_participant", "only the visit's participants (or a monitor) join",
              NULL);
    return;
  }
  BookStmt *st = book_db_stmt(
      db, "SELECT v.visit_type, v.status, v.start_at, v.end_at, t.monitoring, t.recording, "
          "coalesce(e.incell_video_profile, 'standard'), coalesce(e.legal_sight_monitoring, 0) "
          "FROM visits v JOIN visit_types t ON "
          "t.code = v.visit_type LEFT JOIN establishments e ON e.id = v.establishment_id "
          "WHERE v.id = ?");
  book_bind_text(st, 1, id);
  int found = book_db_row(db, st);
  if (found < 0) {
    api_storage_error(c);
    return;
  }
  if (found == 0) {
    api_error(c, 404, "not_found", "no such visit", NULL);
    return;
  }
  char type[16], status[16], mon[16], rec[16], profile[16];
  g_strlcpy(type, book_col_text(st, 0), sizeof type);
  g_strlcpy(status, book_col_text(st, 1), sizeof status);
  int64_t start = book_col_i64(st, 2), end = book_col_i64(st, 3);
  g_strlcpy(mon, book_col_text(st, 4), sizeof mon);
  g_strlcpy(rec, book_col_text(st, 5), sizeof rec);
  g_strlcpy(profile, book_col_text(st, 6), sizeof profile);
  /* Sight-only legal monitoring (book_sightonly.h): allowed, video_only or forbidden. */
  g_strlcpy(mon, book_sight_monitoring(type, mon, book_col_int(st, 7)), sizeof mon);
  book_stmt_reset(st);
  if (monitor && !strcmp(mon, "forbidden")) {
    api_error(c, 403, "policy_forbids_monitoring",
              "this kind of call may not be monitored (legal, probation and telemedicine)", NULL);
    return;
  }
  if (!strcmp(status, "cancelled")) {
    api_error(c, 409, "already_cancelled", "the visit was cancelled", NULL);
    return;
  }
  if (strcmp(status, "booked") != 0 && strcmp(status, "in_progress") != 0) {
    api_error(c, 409, "invalid_state", "the visit is over", NULL);
    return;
  }
  if (c->now < start - JOIN_EARLY_S) {
    api_error(c, 409, "too_early", "you can join from 15 minutes before the start", NULL);
    return;
  }
  if (c->now >= end) {
    api_error(c, 409, "visit_over", "the visit has ended", NULL);
    return;
  }
  /* What booking decided since the visit was booked (a participant removed
   * by staff, a visitor banned or no longer approved, an account disabled):
   * the same answer signalling's admission check gets. */
  char who[64];
  g_snprintf(who, sizeof who, "%s-%lld", role, (long long)c->actor.user_id);
  BookAdmission adm;
  int arc = book_admission_check(db, id, who, role, c->now, &adm);
  /* A visitor on a social call must have passed the ID check (book_idcheck.h). */
  if (!arc && adm.admit && c->app->cfg->id_required && !strcmp(role, "visitor"))
    arc = book_idcheck_admission(db, c->app->cfg->id_valid_days, id, c->actor.user_id, c->now,
                                 &adm);
  if (arc) {
    api_storage_error(c);
    return;
  }
  if (!adm.admit) {
    api_error(c, 403, adm.code, adm.message, NULL);
    return;
  }
  /* How many people booked on this visit the joining account speaks for
   * (itself and, say, the children it booked): they share its camera, so
   * the unexpected-person alert (docs/faces.md) expects that many faces. */
  int64_t on_device = 1;
  if (!strcmp(role, "visitor")) {
    BookStmt *od = book_db_stmt(db,
                                "SELECT count(*) FROM visit_visitors vv JOIN visitors vi ON "
                                "vi.id = vv.visitor_id WHERE vv.visit_id = ? AND vi.user_id = ?");
    book_bind_text(od, 1, id);
    book_bind_i64(od, 2, c->actor.user_id);
    int orc = book_db_row(db, od);
    if (orc < 0) {
      api_storage_error(c);
      return;
    }
    if (orc == 1) {
      on_device = book_col_i64(od, 0);
      book_stmt_reset(od);
    }
    on_device = on_device < 1 ? 1 : on_device > 6 ? 6 : on_device;
  }
  /* Everyone's call page shows an interpreter as "Interpreter (BSL)". */
  char ilabel[80] = "";
  if (interp && book_interp_label(language, "en", ilabel, sizeof ilabel) < 0)
    g_strlcpy(ilabel, "Interpreter", sizeof ilabel);
  char *jti = ids_random_hex(16);
  char sub[64];
  g_snprintf(sub, sizeof sub, "%s-%lld", role, (long long)c->actor.user_id);
  json_t *grants = json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "publish", !monitor, "subscribe",
                             1, "hidden", monitor, "moderate", monitor, "may_record",
                             !strcmp(rec, "required"), "audio",
                             book_sight_audio_grant(mon, monitor));
  json_t *claims = json_pack(
      "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:O, s:{s:s, s:I, s:I}, s:s, s:s, s:s}",
      "iss", c->app->cfg->token_issuer, "aud", c->app->cfg->token_audience, "sub", sub, "jti",
      jti ? jti : "", "iat", (json_int_t)c->now, "nbf", (json_int_t)(start - JOIN_EARLY_S), "exp",
      (json_int_t)end, "room", id, "name", interp ? ilabel : c->session->display_name, "role",
      role, "grants",
      grants, "visit", "type", type, "start", (json_int_t)start, "end", (json_int_t)end,
      "recording", rec, "monitoring", mon, "e2ee", book_e2ee_policy(type));
  if (!strcmp(role, "visitor")) json_object_set_new(claims, "on_device", json_integer(on_device));
  char err[200];
  char *tok = jti ? token_sign(c->app->token_key, c->app->token_kid, claims, err, sizeof err) : NULL;
  json_decref(claims);
  if (!tok) {
    g_free(jti);
    json_decref(grants);
    api_error(c, 500, "internal_error", "the token could not be signed", NULL);
    return;
  }
  /* Every interception is on the record; so is every join. The signed
   * token is held back until its audit row has committed: when the row
   * cannot be written (or committed) no token of any role leaves, the
   * answer is 503 and the caller tries again. */
  char detail[160];
  g_snprintf(detail, sizeof detail, "{\"role\":\"%s\",\"jti\":\"%s\"}", role, jti);
  if (book_db_begin(db)) {
    audit_failed(c, tok, jti, grants, id);
    return;
  }
  if (book_audit(db, c->now, c->actor.username, id,
                 monitor ? "monitor_token_issued" : "join_token_issued", detail) ||
      book_db_commit(db)) {
    book_db_rollback(db);
    audit_failed(c, tok, jti, grants, id);
    return;
  }
  log_info("join_token", "visit=%s user=%s role=%s", id, c->actor.username, role);
  json_t *answer = json_pack("{s:s, s:s, s:I, s:s, s:o}", "token", tok, "signal_url",
                             c->app->cfg->signal_url, "expires_at", (json_int_t)end, "role", role,
                             "grants", grants);
  /* The establishment's video profile for in-cell devices: the prisoner's page uses it. */
  if (!strcmp(role, "prisoner")) json_object_set_new(answer, "video_profile", json_string(profile));
  /* The page refuses to join an end-to-end encrypted call from a browser
   * that cannot encrypt, before it asks for camera or microphone. */
  json_object_set_new(answer, "e2ee", json_string(book_e2ee_policy(type)));
  /* Everyone is told before the call starts when prison staff may watch
   * (video_only: the pre-call notice "without sound"). */
  json_object_set_new(answer, "monitoring", json_string(mon));
  /* TURN: time-limited REST credentials for this person, valid until the
   * visit's end (plus a margin); the secret stays here. */
  TurnCredential tc;
  if (c->app->turn_secret &&
      turn_rest_mint(c->app->turn_secret, strlen(c->app->turn_secret), sub, c->now,
                     end + c->app->cfg->turn_ttl_margin_s - c->now, &tc) == 0) {
    json_t *urls = json_array();
    for (char **u = c->app->cfg->turn_urls; *u; u++) json_array_append_new(urls, json_string(*u));
    json_object_set_new(answer, "ice_servers",
                        json_pack("[{s:o, s:s, s:s}]", "urls", urls, "username", tc.username,
                                  "credential", tc.credential));
    turn_rest_clear(&tc);
  }
  api_json(c, 200, answer);
  g_free(tok);
  g_free(jti);
}

/* ---- signalling's events ---- */

static const char *const EVENT_FIELDS[] = {"event_id", "visit_id", "type", "at",
                                           "actor",    "data",     NULL};
static const char *const EVENT_TYPES[] = {"call_started",        "participant_joined",
                                          "participant_left",    "participant_muted",
                                          "participant_removed", "call_ended",
                                          "recording_file",      "recording_finished",
                                          "recording_refused",   "call_moved",
                                          "face_alert",          "face_alert_decision",
                                          "call_quality",        "recording_failed",
                                          NULL};

/* The recording_stored row for the recording just inserted at rel:
 * {recording, path, size, sha256} (docs/booking.md "Audit chain"). 0 or -1. */
static int audit_recording_stored(BookDb *db, int64_t now, const char *visit_id, const char *rel) {
  BookStmt *st = book_db_stmt(db, "SELECT id, size, sha256 FROM recordings WHERE path = ?");
  if (!st) return -1;
  book_bind_text(st, 1, rel);
  if (book_db_row(db, st) != 1) return -1;
  json_t *d = json_pack("{s:I, s:s, s:I, s:s}", "recording", (json_int_t)book_col_i64(st, 0),
                        "path", rel, "size", (json_int_t)book_col_i64(st, 1), "sha256",
                        book_col_text(st, 2));
  book_stmt_reset(st);
  char *dt = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(d);
  int bad = !dt || book_audit(db, now, "system", visit_id, "recording_stored", dt);
  free(dt);
  return bad ? -1 : 0;
}

/* A recording_file path: relative to the recordings directory, under the
 * visit's own directory (room = visit id), made of the recorder's id
 * characters, no "." or ".." segment, no empty segment. */
static int rec_path_ok(const char *path, const char *visit_id) {
  size_t vl = strlen(visit_id);
  if (strncmp(path, visit_id, vl) != 0 || path[vl] != '/') return 0;
  gchar **seg = g_strsplit(path, "/", -1);
  int ok = g_strv_length(seg) >= 2 && g_strv_length(seg) <= 4;
  for (gchar **s = seg; ok && *s; s++) {
    if (!**s || !strcmp(*s, ".") || !strcmp(*s, "..") || **s == '.') ok = 0;
    for (const char *p = *s; ok && *p; p++)
      if (!g_ascii_isalnum(*p) && !strchr("_.:@-", *p)) ok = 0;
  }
  g_strfreev(seg);
  return ok;
}

static long long data_int(json_t *data, const char *key, long long def) {
  json_t *v = json_object_get(data, key);
  return json_is_integer(v) ? json_integer_value(v) : def;
}

void api_internal_events(ApiCtx *c) {
  const char *cred = http_request_header(c->req, "x-service-credential");
  if (!cred || !ids_secret_equal(cred, c->app->service_credential)) {
    api_error(c, 401, "bad_credential", "missing or wrong x-service-credential", NULL);
    return;
  }
  json_t *b = api_body(c, EVENT_FIELDS, 0);
  if (!b) return;
  const char *event_id = NULL, *visit_id = NULL, *type = NULL, *actor = NULL;
  long long at = 0;
  if (api_str(c, b, "event_id", 1, 128, &event_id) || api_str(c, b, "visit_id", 1, 64, &visit_id) ||
      api_str(c, b, "type", 1, 40, &type) || api_int(c, b, "at", 1, 1, 1LL << 40, &at) ||
      api_str(c, b, "actor", 0, 200, &actor))
    goto out;
  int known = 0;
  for (const char *const *t = EVENT_TYPES; *t; t++) known |= !strcmp(*t, type);
  if (!known) {
    api_error(c, 400, "invalid_field", "unknown event type", "type");
    goto out;
  }
  json_t *data = json_object_get(b, "data");
  if (data && !json_is_object(data)) {
    api_error(c, 400, "invalid_field", "data must be an object", "data");
    goto out;
  }
  const char *reason = data ? json_string_value(json_object_get(data, "reason")) : NULL;
  const char *rpath = NULL, *sha = NULL;
  long long rsize = 0;
  if (!strcmp(type, "recording_file")) {
    rpath = json_string_value(json_object_get(data, "path"));
    sha = json_string_value(json_object_get(data, "sha256"));
    json_t *sz = json_object_get(data, "size");
    int hex = sha && strlen(sha) == 64;
    for (const char *p = sha; hex && *p; p++) hex = g_ascii_isxdigit(*p) && !g_ascii_isupper(*p);
    if (!rpath || !*rpath || strlen(rpath) > 1024 || !hex || !json_is_integer(sz) ||
        json_integer_value(sz) < 0) {
      api_error(c, 400, "invalid_field", "recording_file needs data.path, size and sha256",
                "data");
      goto out;
    }
    if (!rec_path_ok(rpath, visit_id)) {
      api_error(c, 400, "invalid_field",
                "data.path must be relative to the recordings directory, under the visit's own "
                "directory, without . or .. segments",
                "data");
      goto out;
    }
    rsize = json_integer_value(sz);
  }
  if (reason && strlen(reason) > 200) {
    api_error(c, 400, "invalid_field", "data.reason is too long", "data");
    goto out;
  }
  int quality = !strcmp(type, "call_quality");
  char qmsg[120];
  if (quality && book_call_quality_check(data, qmsg, sizeof qmsg)) {
    api_error(c, 400, "invalid_field", qmsg, "data");
    goto out;
  }
  /* A recording that failed (book_recording_failures.h): stored with its
   * reason and time; the audit row below is the event's. */
  int recfail = !strcmp(type, "recording_failed");
  if (recfail && (!data || book_recfail_check(data, qmsg, sizeof qmsg))) {
    api_error(c, 400, "invalid_field", data ? qmsg : "recording_failed needs data", "data");
    goto out;
  }
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  BookStmt *st = book_db_stmt(db, "SELECT status FROM visits WHERE id = ?");
  book_bind_text(st, 1, visit_id);
  char status[16] = "";
  int found = book_db_row(db, st);
  if (found == 1) {
    g_strlcpy(status, book_col_text(st, 0), sizeof status);
    book_stmt_reset(st);
  }
  if (found < 0) {
    /* signalling keeps the event and sends it again (same event_id). */
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  if (!*status) {
    book_db_rollback(db);
    api_error(c, 404, "not_found", "no such visit", "visit_id");
    goto out;
  }
  /* Booking's own gate: a file of a visit whose type forbids recording is
   * refused and the attempt audited (it means a gate upstream failed). */
  if (rpath) {
    st = book_db_stmt(db, "SELECT t.recording FROM visits v JOIN visit_types t ON t.code = "
                          "v.visit_type WHERE v.id = ?");
    book_bind_text(st, 1, visit_id);
    int forbidden = book_db_row(db, st);
    if (forbidden == 1) {
      forbidden = strcmp(book_col_text(st, 0), "required") != 0;
      book_stmt_reset(st);
    }
    if (forbidden < 0) {
      book_db_rollback(db);
      api_storage_error(c);
      goto out;
    }
    if (forbidden) {
      json_t *d = json_pack("{s:s, s:s, s:s}", "event_id", event_id, "path", rpath, "reason",
                            "policy_forbids_recording");
      char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
      json_decref(d);
      int bad = book_audit(db, c->now, actor ? actor : "signalling", visit_id,
                           "recording_file_refused", dt);
      free(dt);
      if (bad || book_db_commit(db)) book_db_rollback(db);
      log_warn("recording_file_refused", "visit=%s reason=policy_forbids_recording", visit_id);
      api_error(c, 422, "policy_forbids_recording",
                "this visit's type forbids recording; the file is not accepted", "visit_id");
      goto out;
    }
  }
  st = book_db_stmt(db, "INSERT OR IGNORE INTO visit_events(event_id, visit_id, type, at, "
                        "received_at) VALUES (?,?,?,?,?)");
  book_bind_text(st, 1, event_id);
  book_bind_text(st, 2, visit_id);
  book_bind_text(st, 3, type);
  book_bind_i64(st, 4, at);
  book_bind_i64(st, 5, c->now);
  int bad = book_db_step_done(db, st);
  int fresh = !bad && book_db_changes(db) == 1;
  const char *new_status = NULL, *new_reason = NULL;
  if (fresh) {
    int live = !strcmp(status, "booked") || !strcmp(status, "in_progress");
    if (!strcmp(type, "call_started") && !strcmp(status, "booked")) new_status = "in_progress";
    /* A call signalling ended because of booking's own decision (cancelled,
     * moved) already has the status that decision gave it: the end must not
     * turn a rescheduled visit into a completed one. */
    int booking_decided = reason && (!strcmp(reason, "visit_cancelled") ||
                                     !strcmp(reason, "visit_rescheduled"));
    if (!strcmp(type, "call_ended") && live && !booking_decided) {
      if (reason && !strcmp(reason, "terminated_by_staff")) {
        new_status = "terminated";
        new_reason = reason;
      } else {
        new_status = "completed";
        new_reason = reason;
      }
    }
    if (new_status) {
      st = book_db_stmt(db, "UPDATE visits SET status = ?, status_reason = coalesce(?, "
                            "status_reason), updated_at = ? WHERE id = ?");
      book_bind_text(st, 1, new_status);
      if (new_reason)
        book_bind_text(st, 2, new_reason);
      else
        book_bind_null(st, 2);
      book_bind_i64(st, 3, c->now);
      book_bind_text(st, 4, visit_id);
      bad |= book_db_step_done(db, st);
    }
    /* The call's outcome from its end reason (book_outcomes.h), unless
     * staff already gave one. */
    const char *outcome = !strcmp(type, "call_ended") && new_status
                              ? book_outcome_for_call_end(reason)
                              : NULL;
    if (outcome) {
      st = book_db_stmt(db, "UPDATE visits SET outcome = ?, outcome_by = 'signalling' WHERE id = "
                            "? AND outcome IS NULL");
      book_bind_text(st, 1, outcome);
      book_bind_text(st, 2, visit_id);
      bad |= book_db_step_done(db, st);
    }
    if (rpath) {
      /* One row per file; the same path reported again (a replayed event
       * with a new id) keeps the first row. */
      st = book_db_stmt(db, "INSERT OR IGNORE INTO recordings(visit_id, path, size, sha256, "
                            "created_at, participant, piece, part, start_offset_ms, duration_ms, "
                            "complete, event_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
      book_bind_text(st, 1, visit_id);
      book_bind_text(st, 2, rpath);
      book_bind_i64(st, 3, rsize);
      book_bind_text(st, 4, sha);
      book_bind_i64(st, 5, c->now);
      const char *who = json_string_value(json_object_get(data, "participant"));
      if (who && strlen(who) <= 128)
        book_bind_text(st, 6, who);
      else
        book_bind_null(st, 6);
      book_bind_i64(st, 7, data_int(data, "piece", 0));
      book_bind_i64(st, 8, data_int(data, "part", 1));
      book_bind_i64(st, 9, data_int(data, "start_offset_ms", 0));
      book_bind_i64(st, 10, data_int(data, "duration_ms", 0));
      book_bind_i64(st, 11, !json_is_false(json_object_get(data, "complete")));
      book_bind_text(st, 12, event_id);
      bad |= book_db_step_done(db, st);
      /* A new file's SHA-256 goes into the audit chain with its row. */
      if (!bad && book_db_changes(db) == 1) bad |= audit_recording_stored(db, c->now, visit_id, rpath);
    }
    /* A quality report is stored in full (book_call_quality.h); its audit
     * row carries only whose it is and the summary. */
    if (quality) bad |= book_call_quality_store(db, event_id, visit_id, data, c->now);
    if (recfail) {
      bad |= book_recfail_store(db, event_id, visit_id, data, at, c->now);
      log_warn("recording_failed", "visit=%s stage=%s error=%s", visit_id,
               json_string_value(json_object_get(data, "stage")),
               json_string_value(json_object_get(data, "error")));
    }
    json_t *d = json_pack("{s:s, s:I, s:O}", "event_id", event_id, "at", (json_int_t)at, "data",
                          data ? data : json_object());
    if (!data) json_decref(json_object_get(d, "data"));
    if (quality) json_object_set_new(d, "data", book_call_quality_audit_data(data));
    if (new_status) json_object_set_new(d, "status", json_string(new_status));
    char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    char action[64];
    g_snprintf(action, sizeof action, "event_%s", type);
    bad |= book_audit(db, c->now, actor ? actor : "signalling", visit_id, action, dt);
    free(dt);
  }
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  api_json(c, 200, json_pack("{s:b, s:b, s:s}", "recorded", 1, "duplicate", !fresh,
                             "visit_status", new_status ? new_status : status));
out:
  json_decref(b);
}

/* ---- demo ---- */

static const char *const DEMO_FIELDS[] = {"type", "start_in_minutes", "length_minutes", NULL};

void api_demo_visits(ApiCtx *c) {
  if (!c->app->cfg->demo) {
    api_error(c, 404, "demo_disabled", "demo mode is off", NULL);
    return;
  }
  if (api_need_session(c)) return;
  static const char *const roles[] = {"booking_staff", "admin", NULL};
  if (api_need_role(c, roles)) return;
  json_t *b = api_body(c, DEMO_FIELDS, 0);
  if (!b) return;
  const char *type = NULL;
  long long in = 0, len = 30;
  if (api_str(c, b, "type", 1, 20, &type) ||
      api_int(c, b, "start_in_minutes", 0, -30, 1440, &in) ||
      api_int(c, b, "length_minutes", 0, 1, 120, &len))
    goto out;
  if (strcmp(type, "social") && strcmp(type, "legal") && strcmp(type, "probation") &&
      strcmp(type, "telemedicine")) {
    api_error(c, 400, "invalid_field", "type must be social, legal, probation or telemedicine",
              "type");
    goto out;
  }
  int64_t start = c->now + in * 60;
  char id[BOOK_VISIT_ID_LEN];
  BookError e;
  if (book_demo_visit(c->app->db, type, start, start + len * 60, c->actor.username, id, &e))
    api_rule_error(c, &e);
  else {
    json_t *v = NULL;
    if (book_view_visit_read(c->app->db, id, &v) == 1)
      api_json(c, 201, v);
    else
      api_storage_error(c); /* made, but not readable back just now */
  }
out:
  json_decref(b);
}
