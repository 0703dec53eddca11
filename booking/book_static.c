/* The web client's files under [server] client_dir, served at /.
 *
 * Path safety is decided on the request path before touching the disk: only
 * plain segments ([A-Za-z0-9._-], not starting with a dot) are accepted, so
 * "..", hidden files, NUL and backslashes never reach open(). Symbolic links
 * inside client_dir are followed on purpose (docs/client-web.md: the vendor
 * assets are links into node_modules/); what can be named is still only
 * what lies under client_dir by those names. */
#include <string.h>
#include <sys/stat.h>

#include "book_api.h"

static const char *content_type(const char *path) {
  static const char *const map[][2] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
      {".woff2", "font/woff2"}, {".woff", "font/woff"}, {".json", "application/json"},
      {".map", "application/json"}, {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"}, {".jpg", "image/jpeg"},
      {".yaml", "text/yaml; charset=utf-8"}};
  for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
    if (g_str_has_suffix(path, map[i][0])) return map[i][1];
  return "application/octet-stream";
}

static int segment_ok(const char *s) {
  if (!*s || s[0] == '.' || strlen(s) > 128) return 0;
  for (const char *p = s; *p; p++) {
    char ch = *p;
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '.' || ch == '-' || ch == '_'))
      return 0;
  }
  return 1;
}

static void not_found(HttpResponse *resp) {
  http_response_json(resp, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"no such "
                                "page\",\"field\":null}}");
}

void book_static_serve(BookApp *app, const HttpRequest *req, HttpResponse *resp) {
  if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
    http_response_json(resp, 405, "{\"error\":{\"code\":\"method_not_allowed\",\"message\":"
                                  "\"pages are GET only\",\"field\":null}}");
    return;
  }
  const char *path = req->path;
  if (path[0] != '/' || strlen(path) > 1024) {
    not_found(resp);
    return;
  }
  gchar **seg = g_strsplit(path + 1, "/", 32);
  guint n = g_strv_length(seg);
  int dir_request = n == 0 || !*seg[n - 1];
  GString *rel = g_string_new(NULL);
  int ok = 1;
  for (guint i = 0; i < n; i++) {
    if (i == n - 1 && !*seg[i]) break; /* trailing slash */
    if (!segment_ok(seg[i])) {
      ok = 0;
      break;
    }
    g_string_append_c(rel, '/');
    g_string_append(rel, seg[i]);
  }
  g_strfreev(seg);
  if (!ok) {
    g_string_free(rel, TRUE);
    not_found(resp);
    return;
  }
  if (dir_request) g_string_append(rel, "/index.html");
  char *file = g_strconcat(app->client_root, rel->str, NULL);
  g_string_free(rel, TRUE);
  struct stat sb;
  if (stat(file, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    /* /family -> /family/ so relative links resolve. */
    char *loc = g_strconcat(path, "/", NULL);
    http_response_set_status(resp, 301);
    http_response_add_header(resp, "location", loc);
    g_free(loc);
    g_free(file);
    return;
  }
  if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode) ||
      http_response_set_file(resp, file, 0, (uint64_t)sb.st_size) != 0) {
    g_free(file);
    not_found(resp);
    return;
  }
  http_response_set_status(resp, 200);
  http_response_set_content_type(resp, content_type(file));
  http_response_add_header(resp, "content-security-policy", app->csp);
  http_response_add_header(resp, "x-frame-options", "DENY");
  http_response_add_header(resp, "cache-control", "no-cache");
  g_free(file);
}
