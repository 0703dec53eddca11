/* Fuzz harness: booking's JSON API as its HTTP handler sees a request
 * (booking/book_api.c book_app_handle, the public entry point): routing,
 * the session and CSRF gate, query strings (from, to, status, type, after,
 * limit, visit_id...) and JSON request bodies (api_body's parser and every
 * handler's field checks), down to book_rules and a real sqlite database
 * seeded with the demo data, as a signed-in demo user of the input's
 * choosing (or none, or signalling's service credential on /internal/).
 * The request is built as common/httpd.c builds it from the wire; the
 * wire framing itself is libwebsockets' (see docs/testing.md).
 *
 * Input: byte 0 picks the caller, then the text
 *   METHOD SP /path[?query] LF body
 * Query parameters are split on & and = and percent-decoded, as the server
 * decodes them. Checked: every answer is a 2xx/3xx/4xx (a 5xx is a bug
 * with a valid database), and every 4xx carries the documented error
 * object {"error":{"code":...}}. State persists across inputs (visits get
 * booked and cancelled), as in a running booking. */
#include "fuzz.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <openssl/pem.h>

#include "book_api.h"
#include "booking_config.h"
#include "config.h"
#include "log.h"
#include "token.h"

#define MAX_USERS 32
static BookApp *app;
static BookingConfig cfg;
static char *dir;
static char *cred;
/* The demo users, and the id of each one's current session: an input may
 * sign out or disable an account, which ends its sessions, so each input
 * looks its session up again and signs the user in anew when it is gone. */
typedef struct {
  int64_t id;
  char *username, *display_name, *role, *establishment_id;
  char *sid;
} DemoUser;
static DemoUser users[MAX_USERS];
static int n_sessions;

static BookSession *session_of(DemoUser *u) {
  int failed = 0;
  BookSession *bs = book_session_touch(app->sessions, u->sid, time(NULL), &failed);
  if (!bs) {
    bs = book_session_create(app->sessions, u->id, u->username, u->display_name, u->role,
                             u->establishment_id, time(NULL));
    if (!bs) abort(); /* the database failed: nothing to fuzz against */
    g_free(u->sid);
    u->sid = g_strdup(bs->id);
  }
  return bs;
}

static void cleanup(void) {
  if (!dir) return;
  char *cmd = g_strdup_printf("rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  g_free(cmd);
}

static char *write_file(const char *name, const char *text) {
  char *p = g_build_filename(dir, name, NULL);
  if (!g_file_set_contents(p, text, -1, NULL)) abort();
  return p;
}

static void init(void) {
  log_set_level(LOG_LEVEL_ERROR);
  dir = g_dir_make_tmp("parlour-fuzz-booking-XXXXXX", NULL);
  if (!dir) abort();
  atexit(cleanup);
  char err[512];
  if (config_load(NULL, booking_config_options, &cfg, err, sizeof err) != 0) abort();
  EVP_PKEY *key = token_generate_key();
  char *keypath = g_build_filename(dir, "token.key", NULL);
  FILE *f = fopen(keypath, "w");
  if (!f || !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)) abort();
  fclose(f);
  EVP_PKEY_free(key);
  cred = g_strdup("fuzz-service-credential-0123456789");
#define SET(field, value) (g_free(cfg.field), cfg.field = (value))
  SET(token_private_key, keypath);
  SET(service_credential_file, write_file("service.secret", cred));
  SET(db_path, g_build_filename(dir, "booking.db", NULL));
  SET(recording_dir, g_build_filename(dir, "rec", NULL));
  cfg.demo = 1;
  cfg.scrypt_n = 1024;
  cfg.db_sync_full = 0;
  g_mkdir(cfg.recording_dir, 0700);
  const char *bg, *bk;
  app = book_app_new(&cfg, err, sizeof err, &bg, &bk);
  if (!app) {
    fprintf(stderr, "book_app_new: [%s] %s: %s\n", bg, bk, err);
    abort();
  }
  /* The demo users; each gets a session, as a sign-in makes one, on first use. */
  BookStmt *st =
      book_db_stmt(app->db, "SELECT id, username, display_name, role, establishment_id FROM users ORDER BY id");
  while (n_sessions < MAX_USERS && book_db_row(app->db, st) == 1) {
    DemoUser *u = &users[n_sessions++];
    u->id = book_col_i64(st, 0);
    u->username = g_strdup(book_col_text(st, 1));
    u->display_name = g_strdup(book_col_text(st, 2));
    u->role = g_strdup(book_col_text(st, 3));
    u->establishment_id = g_strdup(book_col_text(st, 4));
  }
  book_stmt_reset(st);
  if (n_sessions == 0) abort();
}

static GHashTable *parse_query(const char *q) {
  GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  if (!q) return h;
  gchar **pairs = g_strsplit(q, "&", -1);
  for (gchar **p = pairs; *p; p++) {
    if (!**p) continue;
    char *eq = strchr(*p, '=');
    if (eq) *eq = '\0';
    char *k = g_uri_unescape_string(*p, NULL);
    char *v = g_uri_unescape_string(eq ? eq + 1 : "", NULL);
    if (k && v && !g_hash_table_contains(h, k)) {
      g_hash_table_insert(h, k, v);
    } else {
      g_free(k);
      g_free(v);
    }
  }
  g_strfreev(pairs);
  return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!app) init();
  if (size < 2 || size > 64 * 1024) return 0;
  unsigned who = data[0];
  char *text = fuzz_strndup(data + 1, size - 1);
  size_t tlen = size - 1;
  char *nl = memchr(text, '\n', tlen);
  if (!nl || memchr(text, '\0', tlen)) { /* the server never hands a NUL in a path */
    free(text);
    return 0;
  }
  *nl = '\0';
  const char *body = nl + 1;
  size_t body_len = tlen - (size_t)(body - text);
  char *sp = strchr(text, ' ');
  if (!sp) {
    free(text);
    return 0;
  }
  *sp = '\0';
  const char *method = text;
  static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL};
  int known = 0;
  for (int i = 0; methods[i]; i++) known |= strcmp(methods[i], method) == 0;
  char *target = sp + 1;
  char *qm = strchr(target, '?');
  if (qm) *qm = '\0';
  char *path = g_uri_unescape_string(target, NULL);
  if (!known || !path || path[0] != '/') {
    g_free(path);
    free(text);
    return 0;
  }
  GHashTable *query = parse_query(qm ? qm + 1 : NULL);
  GHashTable *headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert(headers, g_strdup("host"), g_strdup("127.0.0.1:8443"));
  g_hash_table_insert(headers, g_strdup("content-type"), g_strdup("application/json"));
  unsigned pick = who % (unsigned)(n_sessions + 2);
  if (pick < (unsigned)n_sessions) {
    BookSession *bs = session_of(&users[pick]);
    g_hash_table_insert(headers, g_strdup("cookie"), g_strdup_printf("parlour_session=%s", bs->id));
    g_hash_table_insert(headers, g_strdup("x-csrf-token"), g_strdup(bs->csrf));
  } else if (pick == (unsigned)n_sessions) {
    g_hash_table_insert(headers, g_strdup("x-service-credential"), g_strdup(cred));
  }
  char *body_copy = g_strndup(body, body_len); /* NUL-terminated, as httpd gives it */
  HttpRequest req = {.method = method, .path = path, .body = body_copy, .body_len = body_len,
                     .peer = "127.0.0.9", .query = query, .headers = headers};
  HttpResponse *resp = http_response_new_detached();
  book_app_handle(&req, resp, app);
  int status = http_response_status(resp);
  FUZZ_CHECK(status >= 200 && status < 500);
  if (status >= 400 && g_str_has_prefix(path, "/api/")) {
    size_t blen;
    const char *b = http_response_body(resp, &blen);
    json_t *j = b ? json_loadb(b, blen, 0, NULL) : NULL;
    FUZZ_CHECK(j && json_is_string(json_object_get(json_object_get(j, "error"), "code")));
    json_decref(j);
  }
  http_response_free_detached(resp);
  g_free(body_copy);
  g_hash_table_destroy(headers);
  g_hash_table_destroy(query);
  g_free(path);
  free(text);
  return 0;
}
