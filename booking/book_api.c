#include "book_api.h"
#include "book_reviews.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "book_call_quality.h"
#include "book_faultvfs.h"
#include "book_localtime.h"
#include "book_idcheck.h"
#include "book_idcrypt.h"
#include "book_metrics.h"
#include "daemon.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "timeutil.h"
#include "token.h"
#include "book_csp.h"

/* ---- app ---- */

BookApp *book_app_new(const BookingConfig *cfg, char *err, size_t errsize, const char **bad_group,
                      const char **bad_key) {
  BookApp *app = g_new0(BookApp, 1);
  app->cfg = cfg;
  *bad_group = "database";
  *bad_key = strcmp(cfg->db_engine, "postgresql") == 0 ? "url" : "path";
  /* Test-only storage faults (book_faultvfs.h): on only when the test sets
   * PARLOUR_TEST_FAULT_FILE, before the database is opened through it. */
  int faults = book_faultvfs_from_env(err, errsize);
  if (faults < 0) goto fail;
  if (strcmp(cfg->db_engine, "sqlite") && strcmp(cfg->db_engine, "postgresql")) *bad_key = "engine";
  app->db = book_db_open_engine(cfg->db_engine,
                                strcmp(cfg->db_engine, "postgresql") == 0 ? cfg->db_url
                                                                          : cfg->db_path,
                                err, errsize);
  if (!app->db) goto fail;
  app->db->faults = faults == 1; /* PostgreSQL's connection faults (tests only) */
  if (!cfg->db_sync_full && book_db_set_synchronous_full(app->db, 0)) {
    snprintf(err, errsize, "could not set synchronous=NORMAL");
    goto fail;
  }
  *bad_group = "tokens";
  *bad_key = "private_key";
  app->token_key = token_load_private_key(cfg->token_private_key, err, errsize);
  if (!app->token_key) goto fail;
  app->token_kid = token_key_id(app->token_key);
  if (!app->token_kid) {
    snprintf(err, errsize, "not an Ed25519 key");
    goto fail;
  }
  app->recording_root = g_canonicalize_filename(cfg->recording_dir, NULL);
  /* Recordings are for the service's user only (the SFU makes the directory
   * 0700); say so loudly if someone loosened it. */
  struct stat rs;
  if (stat(app->recording_root, &rs) == 0 && (rs.st_mode & 077))
    log_warn("recording_dir_permissions", "dir=%s mode=%o want=700", app->recording_root,
             (unsigned)(rs.st_mode & 0777));
  app->identity_root = g_canonicalize_filename(cfg->id_dir, NULL);
  if (g_file_test(cfg->id_key_file, G_FILE_TEST_EXISTS)) {
    *bad_group = "identity";
    *bad_key = "key_file";
    if (book_idcrypt_load_key(cfg->id_key_file, app->identity_key, err, errsize)) goto fail;
    app->identity_key_ok = 1;
  } else {
    log_warn("identity_key_missing", "key_file=%s effect=id_check_uploads_and_views_refused",
             cfg->id_key_file);
  }
  *bad_group = "service";
  *bad_key = "credential_file";
  app->service_credential = config_read_secret(cfg->service_credential_file, err, errsize);
  if (!app->service_credential) goto fail;
  if (cfg->turn_urls && cfg->turn_urls[0]) {
    *bad_group = "turn";
    *bad_key = "secret_file";
    app->turn_secret = config_read_secret(cfg->turn_secret_file, err, errsize);
    if (!app->turn_secret) goto fail;
  }
  app->sessions = book_sessions_new(app->db, cfg->idle_timeout_s);
  app->csp = book_csp_new(cfg->signal_url, cfg->signal_urls);
  app->client_root = g_canonicalize_filename(cfg->client_dir, NULL);
  int64_t now = time_now_unix();
  if (cfg->demo) {
    *bad_group = "demo";
    *bad_key = "enabled";
    if (book_demo_seed_if_empty(app->db, (unsigned long)cfg->scrypt_n, now) < 0) {
      snprintf(err, errsize, "could not seed the demo data");
      goto fail;
    }
    book_demo_refresh(app->db, now);
    /* Demo visitors arrive verified (docs/booking.md "ID check"). */
    if (book_idcheck_demo_verify(app->db, now) < 0) log_warn("identity_demo_verify_failed", "-");
  }
  /* Housekeeping runs again every minute (main.c), so a failure here is
   * logged (by book_db) and retried, not fatal. */
  if (book_vo_allocate(app->db, now) < 0) log_warn("vo_allocate_failed", "retry=60s");
  if (book_visits_sweep(app->db, now) < 0) log_warn("visits_sweep_failed", "retry=60s");
  if (book_outcomes_sweep(app->db, now) < 0) log_warn("outcomes_sweep_failed", "retry=60s");
  if (book_reviews_scan(app->db, now, 0) < 0) log_warn("reviews_scan_failed", "retry=60s");
  if (cfg->demo) {
    /* make run prints these; booking/demo-sign-ins.txt lists them too. */
    BookStmt *st = book_db_stmt(app->db, "SELECT username, role FROM users ORDER BY id");
    while (book_db_row(app->db, st) == 1)
      log_info("demo_sign_in", "username=%s role=%s password=parlour-demo",
               book_col_text(st, 0), book_col_text(st, 1));
    book_stmt_reset(st);
  }
  return app;
fail:
  book_app_free(app);
  return NULL;
}

void book_app_free(BookApp *app) {
  if (!app) return;
  book_db_free(app->db);
  if (app->token_key) EVP_PKEY_free(app->token_key);
  if (app->service_credential) {
    memset(app->service_credential, 0, strlen(app->service_credential));
    g_free(app->service_credential);
  }
  if (app->turn_secret) {
    memset(app->turn_secret, 0, strlen(app->turn_secret));
    g_free(app->turn_secret);
  }
  book_sessions_free(app->sessions);
  g_free(app->csp);
  g_free(app->client_root);
  g_free(app->token_kid);
  g_free(app->recording_root);
  g_free(app->identity_root);
  memset(app->identity_key, 0, sizeof app->identity_key);
  g_free(app);
}

/* ---- helpers ---- */

void api_error(ApiCtx *c, int http, const char *code, const char *message, const char *field) {
  char *t = jsonu_error_text(code, message, field && *field ? field : NULL);
  http_response_json(c->resp, http, t);
  free(t);
}

void api_rule_error(ApiCtx *c, const BookError *e) {
  if (e->http == 503) http_response_add_header(c->resp, "retry-after", "2");
  api_error(c, e->http ? e->http : 500, e->code, e->message, e->field);
}

void api_storage_error(ApiCtx *c) {
  BookError e;
  book_error_storage(&e);
  api_rule_error(c, &e);
  book_metrics_storage_error();
}

void api_json(ApiCtx *c, int http, json_t *j) {
  char *t = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  http_response_json(c->resp, http, t);
  free(t);
}

json_t *api_body(ApiCtx *c, const char *const *allowed, int empty_ok) {
  const HttpRequest *r = c->req;
  size_t n = r->body_len;
  const char *b = r->body;
  while (n && (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')) b++, n--;
  if (n == 0) {
    if (empty_ok) return json_object();
    api_error(c, 400, "invalid_json", "a JSON object body is required", NULL);
    return NULL;
  }
  const char *ct = http_request_header(r, "content-type");
  if (ct && !g_str_has_prefix(ct, "application/json")) {
    api_error(c, 415, "unsupported_media_type", "send application/json", NULL);
    return NULL;
  }
  char err[200];
  json_t *j = jsonu_parse_object(r->body, r->body_len, err, sizeof err);
  if (!j) {
    api_error(c, 400, "invalid_json", err, NULL);
    return NULL;
  }
  const char *bad = jsonu_unknown_key(j, allowed);
  if (bad) {
    char msg[160];
    char name[64];
    g_strlcpy(name, bad, sizeof name);
    snprintf(msg, sizeof msg, "unknown field %s", name);
    api_error(c, 400, "unknown_field", msg, name);
    json_decref(j);
    return NULL;
  }
  return j;
}

int api_str(ApiCtx *c, json_t *o, const char *key, int required, size_t maxlen, const char **out) {
  json_t *v = json_object_get(o, key);
  char msg[160];
  if (!v) {
    if (!required) return 0;
    snprintf(msg, sizeof msg, "%s is required", key);
    api_error(c, 400, "missing_field", msg, key);
    return -1;
  }
  if (!json_is_string(v)) {
    snprintf(msg, sizeof msg, "%s must be a string", key);
    api_error(c, 400, "invalid_field", msg, key);
    return -1;
  }
  const char *s = json_string_value(v);
  size_t len = json_string_length(v);
  if (len != strlen(s) || (required && len == 0) || len > maxlen) {
    snprintf(msg, sizeof msg, "%s must be 1 to %zu characters", key, maxlen);
    api_error(c, 400, "invalid_field", msg, key);
    return -1;
  }
  *out = s;
  return 0;
}

int api_int(ApiCtx *c, json_t *o, const char *key, int required, long long min, long long max,
            long long *out) {
  json_t *v = json_object_get(o, key);
  char msg[160];
  if (!v) {
    if (!required) return 0;
    snprintf(msg, sizeof msg, "%s is required", key);
    api_error(c, 400, "missing_field", msg, key);
    return -1;
  }
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
    snprintf(msg, sizeof msg, "%s must be an integer from %lld to %lld", key, min, max);
    api_error(c, 400, "invalid_field", msg, key);
    return -1;
  }
  *out = json_integer_value(v);
  return 0;
}

int api_bool(ApiCtx *c, json_t *o, const char *key, int *out) {
  json_t *v = json_object_get(o, key);
  if (!v) return 0;
  if (!json_is_boolean(v)) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be true or false", key);
    api_error(c, 400, "invalid_field", msg, key);
    return -1;
  }
  *out = json_is_true(v);
  return 0;
}

int api_need_session(ApiCtx *c) {
  if (c->session) return 0;
  api_error(c, 401, "unauthenticated", "sign in first (or your session timed out)", NULL);
  return -1;
}

int api_need_role(ApiCtx *c, const char *const *roles) {
  for (const char *const *r = roles; *r; r++)
    if (!strcmp(*r, c->actor.role)) return 0;
  api_error(c, 403, "forbidden", "your role may not do this", NULL);
  return -1;
}

int api_visit_id_ok(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n < 16 || n > 32) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return 0;
  return 1;
}

/* ---- sign-in ---- */

static const char *const SIGN_IN_FIELDS[] = {"username", "password", NULL};

static void set_cookie(ApiCtx *c, const char *value, int clear) {
  char *h = clear ? g_strdup("parlour_session=; Path=/; HttpOnly; Secure; SameSite=Strict; "
                             "Max-Age=0")
                  : g_strdup_printf("parlour_session=%s; Path=/; HttpOnly; Secure; "
                                    "SameSite=Strict",
                                    value);
  http_response_add_header(c->resp, "set-cookie", h);
  g_free(h);
}

/* Sign-in is throttled, never locked (docs/booking.md "Sign-in
 * throttling"): an address that failed too often waits (429 +
 * Retry-After) before its next attempt is even checked, and an unknown
 * username goes through exactly the same steps as a known one (the same
 * counters, a password check against a dummy hash of the same cost, the
 * same 401), so neither the answer nor its timing says which names exist. */
void api_auth_sign_in(ApiCtx *c) {
  json_t *b = api_body(c, SIGN_IN_FIELDS, 0);
  if (!b) return;
  const char *username = NULL, *password = NULL;
  if (api_str(c, b, "username", 1, 64, &username) || api_str(c, b, "password", 1, 256, &password)) {
    json_decref(b);
    return;
  }
  BookDb *db = c->app->db;
  char uname[80], addr[64], qaddr[80], quser[100];
  g_strlcpy(uname, username, sizeof uname);
  /* The peer, never X-Forwarded-For: booking is not configured to trust a
   * proxy (a [server] trusted_proxy option would come with one). */
  book_throttle_address_key(c->req->peer, addr);
  log_quote(qaddr, sizeof qaddr, addr);
  log_quote(quser, sizeof quser, uname);
  char *hash = NULL, *display = NULL, *role = NULL, *est = NULL;
  int64_t uid = 0;
  int disabled = 0;

  int64_t wait = 0;
  int first_refusal = 0;
  if (book_throttle_check(db, addr, uname, c->now, &wait, &first_refusal)) {
    api_storage_error(c);
    goto out;
  }
  if (wait > 0) {
    /* Counted always; audited once per wait (the first refusal), so a
     * client hammering while it waits cannot flood the audit log. */
    int bad = book_db_begin(db);
    if (!bad) {
      bad = book_throttle_count_refusal(db, addr, uname, c->now) != 0;
      if (!bad && first_refusal) {
        json_t *d = json_pack("{s:s, s:s, s:I}", "address", addr, "username", uname, "wait_s",
                              (json_int_t)wait);
        char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(d);
        bad = !dt || book_audit(db, c->now, uname, NULL, "sign_in_throttled", dt) != 0;
        free(dt);
      }
      if (!bad) bad = book_db_commit(db) != 0;
      if (bad) book_db_rollback(db);
    }
    if (bad) {
      api_storage_error(c);
      goto out;
    }
    char ra[24];
    g_snprintf(ra, sizeof ra, "%" G_GINT64_FORMAT, wait);
    http_response_add_header(c->resp, "retry-after", ra);
    if (first_refusal)
      log_info("sign_in_throttled", "user=%s peer=%s wait_s=%" G_GINT64_FORMAT, quser, qaddr,
               wait);
    api_error(c, 429, "too_many_attempts",
              "too many failed sign-ins from here; wait before trying again", NULL);
    goto out;
  }

  BookStmt *st = book_db_stmt(
      db, "SELECT id, password_hash, display_name, role, establishment_id, disabled FROM users "
          "WHERE username = ?");
  if (!st) {
    api_storage_error(c);
    goto out;
  }
  book_bind_text(st, 1, uname);
  int rc = book_step(st);
  if (rc == BOOK_ROW) {
    uid = book_col_i64(st, 0);
    hash = g_strdup(book_col_text(st, 1));
    display = g_strdup(book_col_text(st, 2));
    role = g_strdup(book_col_text(st, 3));
    est = g_strdup(book_col_text(st, 4));
    disabled = book_col_int(st, 5) != 0;
  }
  book_stmt_reset(st);
  if (rc != BOOK_ROW && rc != BOOK_DONE) {
    api_storage_error(c);
    goto out;
  }
  int known = hash != NULL;
  /* The password is checked outside any transaction: scrypt's ~50 ms must
   * not hold the database's write lock. */
  /* A row whose hash is not a scrypt one (a placeholder) would be refused
   * without any work: it gets the dummy's, so it cannot be told apart. */
  int ok = known && g_str_has_prefix(hash, "scrypt$")
               ? book_password_verify(password, hash)
               : book_password_verify_dummy(password, (unsigned long)c->app->cfg->scrypt_n);
  /* A disabled account (docs/booking.md) is refused after the same work and
   * through the same throttle as a wrong password, so neither the answer nor
   * its timing nor a 429 elsewhere tells that the account exists. */
  if (disabled) ok = 0;
  if (book_db_begin(db)) {
    api_storage_error(c);
    goto out;
  }
  if (!ok) {
    int failures = 0;
    int64_t now_wait = 0;
    int bad = book_throttle_failure(db, addr, uname, c->now, &failures, &now_wait) != 0;
    if (!bad) {
      /* Every failure is audited: the throttle itself bounds how many an
       * address can cause (docs/booking.md). known_user is for whoever
       * reads the audit; the client's answer never shows it. */
      json_t *d = json_pack("{s:s, s:s, s:b, s:i, s:I}", "address", addr, "username", uname,
                            "known_user", known, "failures", failures, "wait_s",
                            (json_int_t)now_wait);
      if (disabled) json_object_set_new(d, "reason", json_string("account_disabled"));
      char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
      json_decref(d);
      bad = !dt || book_audit(db, c->now, uname, NULL,
                              disabled ? "sign_in_refused" : "sign_in_failed", dt) != 0;
      free(dt);
    }
    if (!bad) bad = book_db_commit(db) != 0;
    if (bad) {
      book_db_rollback(db);
      api_storage_error(c);
      goto out;
    }
    log_info("sign_in_failed", "user=%s peer=%s known=%d failures=%d wait_s=%" G_GINT64_FORMAT,
             quser, qaddr, known, failures, now_wait);
    api_error(c, 401, "invalid_credentials", "wrong username or password", NULL);
    goto out;
  }
  int bad = book_throttle_success(db, addr, uname) != 0;
  if (!bad) {
    json_t *d = json_pack("{s:s}", "address", addr);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    bad = !dt || book_audit(db, c->now, uname, NULL, "signed_in", dt) != 0;
    free(dt);
  }
  if (!bad) bad = book_db_commit(db) != 0;
  if (bad) {
    book_db_rollback(db);
    api_storage_error(c);
    goto out;
  }
  BookSession *s = book_session_create(c->app->sessions, uid, uname, display, role, est, c->now);
  if (!s) {
    api_storage_error(c); /* nothing was stored */
    goto out;
  }
  json_t *me = book_view_me(db, s, book_sessions_idle_timeout(c->app->sessions));
  if (!me) {
    if (book_session_destroy(c->app->sessions, s->id)) log_warn("session_not_removed", "user=%s", quser);
    api_storage_error(c);
    goto out;
  }
  set_cookie(c, s->id, 0);
  log_info("signed_in", "user=%s role=%s peer=%s", quser, role, qaddr);
  api_json(c, 200, me);
out:
  g_free(hash);
  g_free(display);
  g_free(role);
  g_free(est);
  json_decref(b);
}

void api_auth_sign_out(ApiCtx *c) {
  if (api_need_session(c)) return;
  static const char *const none[] = {NULL};
  json_t *b = api_body(c, none, 1);
  if (!b) return;
  json_decref(b);
  if (book_session_destroy(c->app->sessions, c->session->id)) {
    api_storage_error(c); /* still signed in: say so rather than pretend */
    return;
  }
  c->session = NULL;
  set_cookie(c, NULL, 1);
  http_response_set_status(c->resp, 204);
}

void api_me(ApiCtx *c) {
  if (api_need_session(c)) return;
  json_t *me = book_view_me(c->app->db, c->session, book_sessions_idle_timeout(c->app->sessions));
  if (!me) {
    api_storage_error(c);
    return;
  }
  api_json(c, 200, me);
}

/* ---- reference data ---- */

void api_visit_types(ApiCtx *c) {
  if (api_need_session(c)) return;
  BookStmt *st = book_db_stmt(c->app->db, "SELECT code, name, monitoring, recording, "
                                              "max_minutes, participants FROM visit_types ORDER "
                                              "BY rowid");
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(c->app->db, st)) == 1)
    json_array_append_new(
        arr, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "code", book_col_text(st, 0),
                       "name", book_col_text(st, 1), "monitoring",
                       book_col_text(st, 2), "recording", book_col_text(st, 3),
                       "max_minutes", book_col_int(st, 4), "participants",
                       book_col_text(st, 5)));
  if (row < 0) {
    /* A list that could not be read whole is not answered as a short one. */
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "visit_types", arr));
}

static const char *const EST_INTS[] = {"min_days",     "max_days",  "max_visitors",
                                       "max_adults",   "max_children", "adult_age",
                                       "remand_weekly_limit", "vo_allowance", "vo_period_days",
                                       NULL};

static json_t *est_row(BookStmt *st) {
  json_t *o = json_pack("{s:s, s:s}", "id", book_col_text(st, 0), "name",
                        book_col_text(st, 1));
  for (int i = 0; EST_INTS[i]; i++)
    json_object_set_new(o, EST_INTS[i], json_integer(book_col_int(st, i + 2)));
  json_object_set_new(o, "approve_public_bookings", json_boolean(book_col_int(st, 11)));
  json_object_set_new(o, "incell_video_profile", json_string(book_col_text(st, 12)));
  json_object_set_new(o, "time_zone", json_string(book_col_text(st, 13)));
  return o;
}

#define EST_SELECT                                                                          \
  "SELECT id, name, min_days, max_days, max_visitors, max_adults, max_children, adult_age, " \
  "remand_weekly_limit, vo_allowance, vo_period_days, approve_public_bookings, "             \
  "incell_video_profile, time_zone FROM establishments"

void api_establishments(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  if (id) {
    BookStmt *st = book_db_stmt(c->app->db, EST_SELECT " WHERE id = ?");
    book_bind_text(st, 1, id);
    int found = book_db_row(c->app->db, st);
    if (found < 0) {
      api_storage_error(c);
      return;
    }
    if (found == 0) {
      api_error(c, 404, "not_found", "no such establishment", NULL);
      return;
    }
    json_t *o = est_row(st);
    book_stmt_reset(st);
    api_json(c, 200, o);
    return;
  }
  BookStmt *st = book_db_stmt(c->app->db, EST_SELECT " ORDER BY id");
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(c->app->db, st)) == 1) json_array_append_new(arr, est_row(st));
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "establishments", arr));
}

void api_establishment_patch(ApiCtx *c, const char *id) {
  if (api_need_session(c)) return;
  static const char *const admin[] = {"admin", NULL};
  if (api_need_role(c, admin)) return;
  if (c->actor.establishment_id && strcmp(c->actor.establishment_id, id) != 0) {
    api_error(c, 404, "not_found", "no such establishment", NULL);
    return;
  }
  static const char *const fields[] = {"min_days",     "max_days",  "max_visitors",
                                       "max_adults",   "max_children", "adult_age",
                                       "remand_weekly_limit", "vo_allowance", "vo_period_days",
                                       "approve_public_bookings", "incell_video_profile",
                                       "time_zone", NULL};
  json_t *b = api_body(c, fields, 0);
  if (!b) return;
  int approve_public = -1;
  if (api_bool(c, b, "approve_public_bookings", &approve_public)) {
    json_decref(b);
    return;
  }
  /* The in-cell devices' video profile: 'standard' or 'low' (migration 0006). */
  const char *profile_in = NULL;
  if (api_str(c, b, "incell_video_profile", 0, 16, &profile_in)) {
    json_decref(b);
    return;
  }
  if (profile_in && strcmp(profile_in, "standard") != 0 && strcmp(profile_in, "low") != 0) {
    json_decref(b);
    api_error(c, 400, "invalid_field", "incell_video_profile must be \"standard\" or \"low\"",
              "incell_video_profile");
    return;
  }
  char profile[16] = "";
  if (profile_in) g_strlcpy(profile, profile_in, sizeof profile);
  /* The establishment's time zone (migration 0008): a zone in this
   * machine's tzdata, or refused with the reason (book_localtime.h). */
  const char *zone_in = NULL;
  char zone[TZ_NAME_MAX + 1] = "", zone_err[200] = "";
  if (api_str(c, b, "time_zone", 0, TZ_NAME_MAX, &zone_in)) {
    json_decref(b);
    return;
  }
  if (zone_in && !book_local_zone_valid(zone_in, zone_err, sizeof zone_err)) {
    json_decref(b);
    char msg[300];
    g_snprintf(msg, sizeof msg, "time_zone must be an IANA time zone like Europe/London: %s",
               zone_err);
    api_error(c, 400, "invalid_field", msg, "time_zone");
    return;
  }
  if (zone_in) g_strlcpy(zone, zone_in, sizeof zone);
  static const long long lim[][2] = {{0, 365}, {0, 365}, {1, 20}, {1, 20}, {0, 20},
                                     {10, 25}, {0, 21}, {0, 26}, {1, 365}};
  long long val[9];
  int given[9] = {0};
  for (int i = 0; EST_INTS[i]; i++) {
    val[i] = -1;
    if (api_int(c, b, EST_INTS[i], 0, lim[i][0], lim[i][1], &val[i])) {
      json_decref(b);
      return;
    }
    given[i] = json_object_get(b, EST_INTS[i]) != NULL;
  }
  json_decref(b);
  BookDb *db = c->app->db;
  if (book_db_begin(db)) {
    api_storage_error(c);
    return;
  }
  BookStmt *st = book_db_stmt(db, "SELECT count(*) FROM establishments WHERE id = ?");
  book_bind_text(st, 1, id);
  int exists = book_db_row(db, st);
  if (exists == 1) {
    exists = book_col_int(st, 0) > 0;
    book_stmt_reset(st);
  }
  if (exists < 0) {
    book_db_rollback(db);
    api_storage_error(c);
    return;
  }
  if (!exists) {
    book_db_rollback(db);
    api_error(c, 404, "not_found", "no such establishment", NULL);
    return;
  }
  st = book_db_stmt(
      db, "UPDATE establishments SET min_days = coalesce(?1, min_days), max_days = "
          "coalesce(?2, max_days), max_visitors = coalesce(?3, max_visitors), max_adults = "
          "coalesce(?4, max_adults), max_children = coalesce(?5, max_children), adult_age = "
          "coalesce(?6, adult_age), remand_weekly_limit = coalesce(?7, remand_weekly_limit), "
          "vo_allowance = coalesce(?8, vo_allowance), vo_period_days = coalesce(?9, "
          "vo_period_days), approve_public_bookings = coalesce(?11, approve_public_bookings), "
          "incell_video_profile = coalesce(?12, incell_video_profile), time_zone = coalesce(?13, "
          "time_zone) WHERE id = ?10");
  for (int i = 0; i < 9; i++)
    if (given[i])
      book_bind_i64(st, i + 1, val[i]);
    else
      book_bind_null(st, i + 1);
  book_bind_text(st, 10, id);
  if (approve_public >= 0)
    book_bind_i64(st, 11, approve_public);
  else
    book_bind_null(st, 11);
  if (profile[0])
    book_bind_text(st, 12, profile);
  else
    book_bind_null(st, 12);
  if (zone[0])
    book_bind_text(st, 13, zone);
  else
    book_bind_null(st, 13);
  int rc = st ? book_step(st) : BOOK_ERROR;
  book_stmt_reset(st);
  if (rc != BOOK_DONE) {
    book_db_rollback(db);
    /* Only the CHECK constraint is the caller's fault; anything else is the
     * database failing. */
    if (rc == BOOK_CONSTRAINT)
      api_error(c, 422, "invalid_settings", "min_days must not exceed max_days", "min_days");
    else
      api_storage_error(c);
    return;
  }
  json_t *detail = json_object();
  for (int i = 0; i < 9; i++)
    if (given[i]) json_object_set_new(detail, EST_INTS[i], json_integer(val[i]));
  if (approve_public >= 0)
    json_object_set_new(detail, "approve_public_bookings", json_boolean(approve_public));
  if (profile[0]) json_object_set_new(detail, "incell_video_profile", json_string(profile));
  if (zone[0]) json_object_set_new(detail, "time_zone", json_string(zone));
  char *dt = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(detail);
  int bad = book_audit(db, c->now, c->actor.username, NULL, "establishment_changed", dt);
  free(dt);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    api_storage_error(c);
    return;
  }
  api_establishments(c, id);
}

/* ---- routing ---- */

static int is_change(const char *m) {
  return !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE");
}

/* A browser's Origin must be this host (defence in depth beside the CSRF
 * token and SameSite=Strict). Absent Origin (curl, signalling) is allowed. */
static int origin_ok(const HttpRequest *r) {
  const char *origin = http_request_header(r, "origin");
  const char *host = http_request_header(r, "host");
  if (!origin) return 1;
  if (!host) return 0;
  const char *p = strstr(origin, "://");
  return p && strcmp(p + 3, host) == 0;
}

static void method_not_allowed(ApiCtx *c) {
  api_error(c, 405, "method_not_allowed", "that method is not allowed here", NULL);
}

static void not_found(ApiCtx *c) { api_error(c, 404, "not_found", "no such path", NULL); }

static void route(ApiCtx *c, const char *rest) {
  const char *m = c->req->method;
  int get = !strcmp(m, "GET") || !strcmp(m, "HEAD"), post = !strcmp(m, "POST"),
      patch = !strcmp(m, "PATCH"), put = !strcmp(m, "PUT"), del = !strcmp(m, "DELETE");
  gchar **seg = g_strsplit(rest[0] == '/' ? rest + 1 : rest, "/", 6);
  guint n = g_strv_length(seg);
  /* A trailing slash or an empty segment is not a resource. */
  for (guint i = 0; i < n; i++)
    if (!*seg[i]) {
      not_found(c);
      goto done;
    }
#define IS(i, s) (n > (i) && !strcmp(seg[i], s))
  if (n == 2 && IS(0, "auth") && IS(1, "sign-in")) {
    post ? api_auth_sign_in(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "auth") && IS(1, "sign-out")) {
    post ? api_auth_sign_out(c) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "me")) {
    get ? api_me(c) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "visit-types")) {
    get ? api_visit_types(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "visit-types")) {
    patch ? api_visit_type_patch(c, seg[1]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "users")) {
    patch ? api_user_patch(c, seg[1]) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "establishments")) {
    get ? api_establishments(c, NULL) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "establishments")) {
    if (get)
      api_establishments(c, seg[1]);
    else if (patch)
      api_establishment_patch(c, seg[1]);
    else
      method_not_allowed(c);
  } else if (n == 3 && IS(0, "establishments") && IS(2, "legal-sight-monitoring")) {
    if (get)
      api_legal_sight_get(c, seg[1]);
    else if (put)
      api_legal_sight_put(c, seg[1]);
    else
      method_not_allowed(c);
  } else if (n == 1 && IS(0, "prisoners")) {
    get ? api_prisoners(c, NULL) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "prisoners")) {
    if (get)
      api_prisoners(c, seg[1]);
    else if (patch)
      api_prisoner_patch(c, seg[1]);
    else
      method_not_allowed(c);
  } else if (n == 3 && IS(0, "prisoners") && IS(2, "contacts")) {
    get ? api_contacts(c, seg[1]) : method_not_allowed(c);
  } else if (n == 4 && IS(0, "prisoners") && IS(2, "contacts")) {
    patch ? api_contact_patch(c, seg[1], seg[3]) : method_not_allowed(c);
  } else if (n == 5 && IS(0, "prisoners") && IS(2, "contacts") && IS(4, "restrictions")) {
    post ? api_contact_restriction_add(c, seg[1], seg[3]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "prisoners") && IS(2, "one-way-video")) {
    post ? api_prisoner_one_way(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "one-way-video")) {
    post ? api_visit_one_way(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "prisoners") && IS(2, "moves")) {
    post ? api_prisoner_move(c, seg[1]) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "reviews")) {
    get ? api_reviews_list(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "reviews") && IS(1, "scan")) {
    post ? api_reviews_scan(c) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "reviews") && IS(2, "resolve")) {
    post ? api_review_resolve(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "outcome")) {
    post ? api_visit_outcome(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "prisoners") && IS(2, "slots")) {
    get ? api_slots(c, seg[1]) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "holds")) {
    if (get)
      api_holds_list(c);
    else if (post)
      api_holds_create(c);
    else
      method_not_allowed(c);
  } else if (n == 2 && IS(0, "holds")) {
    del ? api_hold_release(c, seg[1]) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "session-templates")) {
    get ? api_session_templates(c) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "session-templates") && IS(2, "filters")) {
    put ? api_session_template_filters(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "prisoners") && IS(2, "visiting-orders")) {
    get ? api_visiting_orders(c, seg[1]) : method_not_allowed(c);
  } else if (n == 4 && IS(0, "prisoners") && IS(2, "visiting-orders") && IS(3, "adjustments")) {
    post ? api_visiting_orders_adjust(c, seg[1]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "probation") && IS(1, "cases")) {
    get ? api_probation_cases(c) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "visits")) {
    if (get)
      api_visits_list(c);
    else if (post)
      api_visits_create(c);
    else
      method_not_allowed(c);
  } else if (n == 2 && IS(0, "visits")) {
    if (get)
      api_visit_get(c, seg[1]);
    else if (patch)
      api_visit_amend(c, seg[1]);
    else
      method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "cancel")) {
    post ? api_visit_cancel(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "terminate")) {
    post ? api_visit_terminate(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "approve")) {
    post ? api_visit_decide(c, seg[1], 1) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "reject")) {
    post ? api_visit_decide(c, seg[1], 0) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "quality")) {
    get ? api_visit_quality(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "audit")) {
    get ? api_visit_audit(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "join-token")) {
    post ? api_join_token(c, seg[1]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "internal") && IS(1, "events")) {
    post ? api_internal_events(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "internal") && IS(1, "admit")) {
    post ? api_internal_admit(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "internal") && IS(1, "decisions")) {
    get ? api_internal_decisions(c) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "internal") && IS(1, "decisions") && IS(2, "ack")) {
    post ? api_internal_decisions_ack(c) : method_not_allowed(c);
  } else if (n == 5 && IS(0, "visits") && IS(2, "participants") && IS(4, "remove")) {
    post ? api_participant_remove(c, seg[1], seg[3]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "recordings")) {
    get ? api_recordings_list(c, seg[1]) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "recordings")) {
    get ? api_recordings_list(c, NULL) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "recordings") && IS(1, "purge")) {
    post ? api_recordings_purge(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "recordings")) {
    get ? api_recording_get(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "recordings") && IS(2, "file")) {
    get ? api_recording_file(c, seg[1]) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "recordings") && IS(2, "retain")) {
    post ? api_recording_retain(c, seg[1]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "audit") && IS(1, "verify")) {
    get ? api_audit_verify(c) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "notifications")) {
    get ? api_notifications_list(c) : method_not_allowed(c);
  } else if (n == 1 && IS(0, "messages")) {
    get ? api_messages(c) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "visitors")) {
    if (get)
      api_visitor_get(c, seg[1]);
    else if (patch)
      api_visitor_patch(c, seg[1]);
    else
      method_not_allowed(c);
  } else if (n == 1 && IS(0, "interpreters")) {
    get || post ? api_interpreters(c, post) : method_not_allowed(c);
  } else if (n == 3 && IS(0, "visits") && IS(2, "interpreters")) {
    post ? api_visit_interpreter_add(c, seg[1]) : method_not_allowed(c);
  } else if (n == 5 && IS(0, "visits") && IS(2, "interpreters") && IS(4, "remove")) {
    post ? api_visit_interpreter_remove(c, seg[1], seg[3]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "identity") && IS(1, "visitors")) {
    get ? api_identity_visitors(c) : method_not_allowed(c);
  } else if (n == 4 && IS(0, "identity") && IS(1, "visitors")) {
    !strcmp(m, "PUT") ? api_identity_upload(c, seg[2], seg[3]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "identity") && IS(1, "checks")) {
    get ? api_identity_checks(c) : method_not_allowed(c);
  } else if (n == 4 && IS(0, "identity") && IS(1, "checks") && (IS(3, "approve") || IS(3, "reject"))) {
    post ? api_identity_decide(c, seg[2], IS(3, "approve")) : method_not_allowed(c);
  } else if (n == 4 && IS(0, "identity") && IS(1, "checks")) {
    get ? api_identity_image(c, seg[2], seg[3]) : method_not_allowed(c);
  } else if (n == 2 && IS(0, "demo") && IS(1, "visits")) {
    post ? api_demo_visits(c) : method_not_allowed(c);
  } else {
    not_found(c);
  }
#undef IS
done:
  g_strfreev(seg);
}

void book_app_handle(const HttpRequest *req, HttpResponse *resp, void *user) {
  BookApp *app = user;
  if (!strcmp(req->path, "/healthz")) {
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
      http_response_json(resp, 405, "{\"error\":{\"code\":\"method_not_allowed\",\"message\":"
                                    "\"GET only\",\"field\":null}}");
      return;
    }
    char *j = daemon_healthz_json();
    http_response_json(resp, 200, j);
    g_free(j);
    return;
  }
  if (strcmp(req->path, "/api/v1") != 0 && !g_str_has_prefix(req->path, "/api/v1/") &&
      strcmp(req->path, "/api") != 0 && !g_str_has_prefix(req->path, "/api/")) {
    book_static_serve(app, req, resp);
    return;
  }
  ApiCtx c = {.app = app, .req = req, .resp = resp, .now = time_now_unix()};
  http_response_add_header(resp, "cache-control", "no-store");
  if (!g_str_has_prefix(req->path, "/api/v1/")) {
    not_found(&c);
    return;
  }
  const char *rest = req->path + strlen("/api/v1");
  int internal = g_str_has_prefix(rest, "/internal/");
  int sign_in = !strcmp(rest, "/auth/sign-in");
  if (!internal) {
    char *sid = book_cookie_session(http_request_header(req, "cookie"));
    int session_failed = 0;
    c.session = book_session_touch(app->sessions, sid, c.now, &session_failed);
    g_free(sid);
    if (session_failed) { /* not "signed out": the database could not say */
      api_storage_error(&c);
      return;
    }
    if (c.session) {
      c.actor.user_id = c.session->user_id;
      c.actor.role = c.session->role;
      c.actor.username = c.session->username;
      c.actor.establishment_id = c.session->establishment_id;
    }
    if (is_change(req->method)) {
      if (!origin_ok(req)) {
        api_error(&c, 403, "csrf_failed", "cross-origin request refused", NULL);
        return;
      }
      /* Sign-in has no session yet; every other change needs the token. */
      if (!sign_in && c.session) {
        const char *tok = http_request_header(req, "x-csrf-token");
        if (!tok || !ids_secret_equal(tok, c.session->csrf)) {
          api_error(&c, 403, "csrf_failed", "missing or wrong x-csrf-token", NULL);
          return;
        }
      }
    }
  }
  route(&c, rest);
}
