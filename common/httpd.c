#include "httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"

#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_MAX_WS (64 * 1024)
#define CHUNK 16384
/* HSTS on every HTTPS response: a year, the usual floor for preload lists.
 * No includeSubDomains: the daemons cannot know what else runs under their
 * host name's subdomains, so they make no promise for them. */
#define HSTS_VALUE "max-age=31536000"

struct HttpResponse {
  int status;
  char *content_type;
  GPtrArray *headers; /* "Name" then "value", pairwise */
  char *body;
  size_t body_len;
  int fd; /* file streaming when >= 0 */
  uint64_t file_left;
};

struct WsConn {
  struct lws *wsi;
  HttpServer *server;
  const WsEndpoint *ep;
  GQueue out; /* GBytes* */
  GByteArray *rx;
  void *data;
  char peer[64];
  int closing;
  int close_code;
  char close_reason[124];
  int opened; /* on_open accepted it: on_close is owed */
};

struct HttpServer {
  struct lws_context *ctx;
  struct lws_vhost *vh;
  HttpServerConfig cfg;
  WsEndpoint *ws;
  GMainLoop *loop; /* lws needs a loop object; it is never run by us */
  struct lws_protocols protocols[2];
  lws_retry_bo_t retry;
  struct lws_protocol_vhost_options hsts; /* lws' own responses on TLS */
  int port;
};

/* Per-connection state for plain HTTP. */
typedef struct {
  WsConn *ws;
  int in_use;
  char method[8];
  char *path;
  GHashTable *query;
  GHashTable *headers;
  GByteArray *body;
  int too_large;
  int close_after; /* framing refused: answer, then close, read nothing more */
  int completions; /* BODY_COMPLETION callbacks seen for this request */
  char peer[64];
  HttpResponse *resp;
  char *head; /* serialised status line + headers */
  size_t head_len, head_off;
  size_t body_off;
} Pss;

/* ---- response ---- */

static HttpResponse *response_new(void) {
  HttpResponse *r = g_new0(HttpResponse, 1);
  r->status = 200;
  r->headers = g_ptr_array_new_with_free_func(g_free);
  r->fd = -1;
  return r;
}

static void response_free(HttpResponse *r) {
  if (!r) return;
  g_free(r->content_type);
  g_ptr_array_free(r->headers, TRUE);
  g_free(r->body);
  if (r->fd >= 0) close(r->fd);
  g_free(r);
}

/* Detached responses: a handler called without a connection (fuzz
 * harnesses in tests/fuzz/, tests) gets one of these. */
HttpResponse *http_response_new_detached(void) { return response_new(); }
void http_response_free_detached(HttpResponse *r) { response_free(r); }
int http_response_status(const HttpResponse *r) { return r->status; }
const char *http_response_body(const HttpResponse *r, size_t *len) {
  *len = r->body_len;
  return r->body;
}

void http_response_set_status(HttpResponse *r, int status) { r->status = status; }
int http_response_get_status(const HttpResponse *r) { return r->status; }
void http_response_set_content_type(HttpResponse *r, const char *ct) {
  g_free(r->content_type);
  r->content_type = g_strdup(ct);
}
void http_response_add_header(HttpResponse *r, const char *name, const char *value) {
  g_ptr_array_add(r->headers, g_strdup(name));
  g_ptr_array_add(r->headers, g_strdup(value));
}
void http_response_set_body(HttpResponse *r, const void *data, size_t len) {
  http_response_take_body(r, g_memdup2(data, len), len);
}
void http_response_take_body(HttpResponse *r, char *data, size_t len) {
  g_free(r->body);
  r->body = data;
  r->body_len = len;
}
int http_response_set_file(HttpResponse *r, const char *path, uint64_t offset,
                           uint64_t length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
    close(fd);
    return -1;
  }
  if (r->fd >= 0) close(r->fd);
  r->fd = fd;
  r->file_left = length;
  return 0;
}
void http_response_json(HttpResponse *r, int status, const char *json_text) {
  r->status = status;
  http_response_set_content_type(r, "application/json");
  http_response_set_body(r, json_text, strlen(json_text));
}

const char *http_request_header(const HttpRequest *req, const char *name) {
  return g_hash_table_lookup(req->headers, name);
}
const char *http_request_query(const HttpRequest *req, const char *key) {
  return g_hash_table_lookup(req->query, key);
}

/* ---- request parsing helpers ---- */

static const struct {
  enum lws_token_indexes tok;
  const char *name;
} kept_headers[] = {
    {WSI_TOKEN_HOST, "host"},
    {WSI_TOKEN_ORIGIN, "origin"},
    {WSI_TOKEN_HTTP_COOKIE, "cookie"},
    {WSI_TOKEN_HTTP_AUTHORIZATION, "authorization"},
    {WSI_TOKEN_HTTP_CONTENT_TYPE, "content-type"},
    {WSI_TOKEN_HTTP_CONTENT_LENGTH, "content-length"},
    {WSI_TOKEN_HTTP_RANGE, "range"},
    {WSI_TOKEN_HTTP_USER_AGENT, "user-agent"},
    {WSI_TOKEN_HTTP_ACCEPT, "accept"},
    {WSI_TOKEN_HTTP_IF_NONE_MATCH, "if-none-match"},
    {WSI_TOKEN_PROTOCOL, "sec-websocket-protocol"},
};
static const char *const kept_custom[] = {"x-csrf-token", "x-service-credential",
                                          "x-request-id"};

static GHashTable *collect_headers(struct lws *wsi) {
  GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  for (size_t i = 0; i < G_N_ELEMENTS(kept_headers); i++) {
    int n = lws_hdr_total_length(wsi, kept_headers[i].tok);
    if (n <= 0) continue;
    char *v = g_malloc((size_t)n + 1);
    if (lws_hdr_copy(wsi, v, n + 1, kept_headers[i].tok) >= 0)
      g_hash_table_insert(h, (gpointer)kept_headers[i].name, v);
    else
      g_free(v);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(kept_custom); i++) {
    char name[64];
    g_snprintf(name, sizeof name, "%s:", kept_custom[i]);
    int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));
    if (n <= 0) continue;
    char *v = g_malloc((size_t)n + 1);
    if (lws_hdr_custom_copy(wsi, v, n + 1, name, (int)strlen(name)) >= 0)
      g_hash_table_insert(h, (gpointer)kept_custom[i], v);
    else
      g_free(v);
  }
  return h;
}

static GHashTable *collect_query(struct lws *wsi) {
  GHashTable *q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  char buf[1024];
  for (int i = 0;; i++) {
    int n = lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0) break;
    char *eq = strchr(buf, '=');
    if (eq) {
      *eq = '\0';
      g_hash_table_replace(q, g_strdup(buf), g_strdup(eq + 1));
    } else if (*buf) {
      g_hash_table_replace(q, g_strdup(buf), g_strdup(""));
    }
  }
  return q;
}

/* ---- message framing (RFC 9112 section 6) ----
 *
 * libwebsockets 4.1.6 frames a request body by atoll() of the first
 * Content-Length line alone, ignores Transfer-Encoding on requests, and takes
 * a POST/PUT/PATCH without Content-Length to have a 100 MiB body. So a
 * request it would frame differently from RFC 9112 (and from whatever sits
 * in front of us) is refused here, before any handler runs, and the
 * connection is closed after the answer. lws keeps each repeated header line
 * as its own fragment, so duplicates are visible. Chunked request bodies are
 * refused with 411: lws would read the chunks as the next request, and no
 * client of ours sends them (browsers and our daemons send Content-Length). */
typedef enum { FRAME_OK = 0, FRAME_BAD, FRAME_LENGTH_REQUIRED, FRAME_TOO_LARGE } Framing;

/* Copies fragment idx of header h; -1 when there is no such fragment. An
 * empty value is fragment of length 0, not absent. */
static int header_fragment(struct lws *wsi, enum lws_token_indexes h, int idx, char **out) {
  int total = lws_hdr_total_length(wsi, h);
  char *buf = g_malloc((size_t)(total > 0 ? total : 0) + 1);
  int n = lws_hdr_copy_fragment(wsi, buf, total + 1, h, idx);
  if (n < 0) {
    g_free(buf);
    return -1;
  }
  *out = buf;
  return n;
}

static char *trim_ows(char *v) {
  while (*v == ' ' || *v == '\t') v++;
  size_t n = strlen(v);
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) v[--n] = '\0';
  return v;
}

/* Transfer-Encoding, all its lines joined: the list must be exactly
 * "chunked" (411: we do not take chunked bodies); any other coding, chunked
 * not last, chunked twice or a parameter is 400. */
static Framing check_transfer_encoding(struct lws *wsi, const char **why) {
  GString *all = g_string_new(NULL);
  char *frag;
  for (int i = 0; header_fragment(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, i, &frag) >= 0; i++) {
    if (i) g_string_append_c(all, ',');
    g_string_append(all, frag);
    g_free(frag);
  }
  gchar **codings = g_strsplit(all->str, ",", -1);
  int n = 0, chunked = 0;
  for (gchar **c = codings; *c; c++) {
    char *t = trim_ows(*c);
    if (!*t) continue; /* empty list elements are allowed and mean nothing */
    n++;
    if (g_ascii_strcasecmp(t, "chunked") == 0) chunked++;
  }
  g_strfreev(codings);
  g_string_free(all, TRUE);
  if (n == 1 && chunked == 1) {
    *why = "chunked request bodies are not accepted: send Content-Length";
    return FRAME_LENGTH_REQUIRED;
  }
  *why = "Transfer-Encoding other than chunked alone";
  return FRAME_BAD;
}

static Framing check_framing(struct lws *wsi, const char *method, size_t max, const char **why) {
  char *te = NULL;
  int has_te = header_fragment(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, 0, &te) >= 0;
  g_free(te);
  char *cl = NULL;
  int cl_len = header_fragment(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 0, &cl);
  int has_cl = cl_len >= 0;
  /* lws keeps a NUL inside a header value; strlen() would see only what
   * comes before it ("9\0..." read as 9), and such a request then ran the
   * main loop flat out for seconds (tests/fuzz/fuzz_httpd, corpus
   * httpd/regress-content-length-nul-spin). */
  int cl_nul = has_cl && strlen(cl) != (size_t)cl_len;
  Framing f = FRAME_OK;
  if (has_te && has_cl) {
    *why = "both Content-Length and Transfer-Encoding";
    f = FRAME_BAD;
  } else if (has_te) {
    f = check_transfer_encoding(wsi, why);
  } else if (has_cl) {
    char *second = NULL;
    if (header_fragment(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 1, &second) >= 0) {
      g_free(second);
      *why = "more than one Content-Length";
      f = FRAME_BAD;
    } else {
      /* 1*DIGIT and nothing else: no sign, no list ("5, 5"), no spaces
       * inside; at most 18 digits so it cannot overflow (lws uses atoll). */
      const char *v = trim_ows(cl);
      size_t n = strlen(v);
      int digits = n > 0 && n <= 18 && !cl_nul;
      for (size_t i = 0; digits && i < n; i++)
        if (!g_ascii_isdigit(v[i])) digits = 0;
      if (!digits) {
        *why = "Content-Length is not a plain decimal number";
        f = FRAME_BAD;
      } else if (g_ascii_strtoull(v, NULL, 10) > max) {
        *why = "request body is too large";
        f = FRAME_TOO_LARGE;
      }
    }
  } else if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
    /* RFC 9112 says no body, lws waits for 100 MiB: refuse the ambiguity. */
    *why = "a POST, PUT or PATCH must carry Content-Length";
    f = FRAME_LENGTH_REQUIRED;
  }
  g_free(cl);
  return f;
}

static void peer_of(struct lws *wsi, char *out, size_t size) {
  out[0] = '\0';
  lws_get_peer_simple(wsi, out, size);
}

static void pss_reset(Pss *p) {
  g_free(p->path);
  if (p->query) g_hash_table_destroy(p->query);
  if (p->headers) g_hash_table_destroy(p->headers);
  if (p->body) g_byte_array_free(p->body, TRUE);
  response_free(p->resp);
  g_free(p->head);
  WsConn *ws = p->ws;
  memset(p, 0, sizeof *p);
  p->ws = ws;
}

/* How many bytes the server has taken off the connection's socket so far:
 * what TCP received minus what still waits in the receive queue. 0 when
 * the kernel will not say. */
static uint64_t socket_bytes_read(struct lws *wsi) {
  int fd = (int)lws_get_socket_fd(wsi);
  struct tcp_info ti;
  socklen_t tl = sizeof ti;
  int queued = 0;
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0 ||
      tl < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received ||
      ioctl(fd, SIOCINQ, &queued) != 0 || queued < 0 || (uint64_t)queued > ti.tcpi_bytes_received)
    return 0;
  return ti.tcpi_bytes_received - (uint64_t)queued;
}

/* libwebsockets 4.1.6 serves a request that was pipelined behind another
 * from its own buffer, and hands over that request's body from a buffer it
 * has already freed (or its own header bytes again, then loops): the fuzzer
 * found the use-after-free. No public call says where a request came from,
 * but one that was pipelined arrived before the answer to the one in front
 * of it was complete, so nothing has been read off the socket since then.
 * A request with a body for which that holds is not served: the connection
 * closes and the client sends it again on a fresh one, as HTTP/1.1 allows
 * (RFC 9112 section 9.3.2). */
static int pipelined_since_done(struct lws *wsi) {
  uint64_t done = (uint64_t)(uintptr_t)lws_get_opaque_user_data(wsi);
  if (!done) return 0; /* the connection's first request */
  uint64_t now = socket_bytes_read(wsi);
  return now == 0 || now == done;
}

/* Where the count is kept across requests: the per-session data is freed
 * between transactions, the connection's opaque pointer is not (and
 * nothing else here uses it for plain HTTP). */
static int note_answer_done(struct lws *wsi) {
  uint64_t read = socket_bytes_read(wsi);
  if (!read || (uint64_t)(uintptr_t)read != read) return -1;
  lws_set_opaque_user_data(wsi, (void *)(uintptr_t)read);
  return 0;
}

static const char *status_text(int s) {
  switch (s) {
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 206: return "Partial Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 416: return "Range Not Satisfiable";
  case 422: return "Unprocessable Entity";
  case 423: return "Locked";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return "Status";
  }
}

/* We write the status line and headers ourselves (HTTP/1.1 only; ALPN offers
 * nothing else) so handlers can set any header, repeated Set-Cookie too. */
static void serialise_head(HttpServer *s, Pss *p) {
  HttpResponse *r = p->resp;
  uint64_t len = r->fd >= 0 ? r->file_left : r->body_len;
  GString *h = g_string_new(NULL);
  g_string_append_printf(h, "HTTP/1.1 %d %s\r\n", r->status, status_text(r->status));
  if (r->content_type) g_string_append_printf(h, "content-type: %s\r\n", r->content_type);
  g_string_append_printf(h, "content-length: %" G_GUINT64_FORMAT "\r\n", len);
  /* Safe defaults for every response; handlers add more (CSP, cache). */
  g_string_append(h, "x-content-type-options: nosniff\r\n");
  g_string_append(h, "referrer-policy: no-referrer\r\n");
  if (s->cfg.tls_cert) g_string_append(h, "strict-transport-security: " HSTS_VALUE "\r\n");
  if (p->close_after) g_string_append(h, "connection: close\r\n");
  for (guint i = 0; i + 1 < r->headers->len; i += 2)
    g_string_append_printf(h, "%s: %s\r\n", (char *)r->headers->pdata[i],
                           (char *)r->headers->pdata[i + 1]);
  g_string_append(h, "\r\n");
  p->head_len = h->len;
  p->head = g_string_free(h, FALSE);
  p->head_off = 0;
}

static void dispatch(HttpServer *s, struct lws *wsi, Pss *p) {
  HttpRequest req = {0};
  req.method = p->method;
  req.path = p->path;
  if (!p->body) p->body = g_byte_array_new();
  g_byte_array_append(p->body, (const guint8 *)"", 1); /* NUL for handlers */
  req.body = (const char *)p->body->data;
  req.body_len = p->body->len - 1;
  req.peer = p->peer;
  req.query = p->query;
  req.headers = p->headers;
  p->resp = response_new();
  if (p->too_large) {
    p->close_after = 1; /* the rest of the body must not be read as a request */
    http_response_json(p->resp, 413,
                       "{\"error\":{\"code\":\"body_too_large\",\"message\":\"request body "
                       "is too large\",\"field\":null}}");
  } else if (strcmp(p->path, "/healthz") == 0 && strcmp(p->method, "GET") == 0 &&
             !s->cfg.handler) {
    http_response_json(p->resp, 200, "{\"status\":\"ok\"}");
  } else if (s->cfg.handler) {
    s->cfg.handler(&req, p->resp, s->cfg.handler_user);
  } else {
    http_response_json(p->resp, 404, "{\"error\":{\"code\":\"not_found\"}}");
  }
  if (strcmp(p->method, "HEAD") == 0) {
    /* Same headers, no body. */
    p->resp->body_len = 0;
    if (p->resp->fd >= 0) {
      close(p->resp->fd);
      p->resp->fd = -1;
    }
  }
  serialise_head(s, p);
  lws_callback_on_writable(wsi);
}

/* Answers a request we refuse before any handler sees it, and marks the
 * connection to close once the answer is out: whatever bytes follow on it
 * are never parsed as another request. */
static void refuse(HttpServer *s, struct lws *wsi, Pss *p, int status, const char *code,
                   const char *message) {
  char q[200];
  log_warn("http_refused", "server=%s peer=%s status=%d reason=%s", s->cfg.name, p->peer, status,
           log_quote(q, sizeof q, message));
  json_t *j = json_pack("{s:{s:s, s:s, s:n}}", "error", "code", code, "message", message, "field");
  char *text = json_dumps(j, JSON_COMPACT);
  json_decref(j);
  p->close_after = 1;
  p->resp = response_new();
  http_response_json(p->resp, status, text);
  free(text);
  if (strcmp(p->method, "HEAD") == 0) p->resp->body_len = 0;
  serialise_head(s, p);
  lws_callback_on_writable(wsi);
}

/* Returns -1 to close the connection, 0 to go on. */
static int write_some(struct lws *wsi, Pss *p) {
  unsigned char buf[LWS_PRE + CHUNK];
  unsigned char *start = buf + LWS_PRE;
  if (p->head_off < p->head_len) {
    size_t n = MIN(CHUNK, p->head_len - p->head_off);
    memcpy(start, p->head + p->head_off, n);
    if (lws_write(wsi, start, n, LWS_WRITE_HTTP) < (int)n) return -1;
    p->head_off += n;
    lws_callback_on_writable(wsi);
    return 0;
  }
  HttpResponse *r = p->resp;
  size_t n = 0;
  if (r->fd >= 0) {
    if (r->file_left > 0) {
      ssize_t got = read(r->fd, start, (size_t)MIN((uint64_t)CHUNK, r->file_left));
      if (got <= 0) return -1; /* file shrank under us: the length is a lie now */
      n = (size_t)got;
      r->file_left -= n;
    }
  } else if (p->body_off < r->body_len) {
    n = MIN(CHUNK, r->body_len - p->body_off);
    memcpy(start, r->body + p->body_off, n);
    p->body_off += n;
  }
  if (n > 0 && lws_write(wsi, start, n, LWS_WRITE_HTTP) < (int)n) return -1;
  int done = r->fd >= 0 ? r->file_left == 0 : p->body_off >= r->body_len;
  if (!done) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  if (p->close_after) return -1; /* after a refusal: no keep-alive */
  pss_reset(p);
  if (note_answer_done(wsi)) return -1; /* cannot tell a pipelined request: no keep-alive */
  if (lws_http_transaction_completed(wsi)) return -1;
  return 0;
}

/* ---- websockets ---- */

static const WsEndpoint *find_ws(HttpServer *s, const char *path) {
  for (size_t i = 0; i < s->cfg.n_ws; i++)
    if (strcmp(s->ws[i].path, path) == 0) return &s->ws[i];
  return NULL;
}

static char *ws_path(struct lws *wsi) {
  int n = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI);
  if (n <= 0) return NULL;
  char *v = g_malloc((size_t)n + 1);
  lws_hdr_copy(wsi, v, n + 1, WSI_TOKEN_GET_URI);
  return v;
}

static int origin_allowed(const WsEndpoint *ep, const char *origin) {
  if (!ep->origins) return 1;
  if (!origin) return 0;
  for (const char *const *o = ep->origins; *o; o++)
    if (strcmp(*o, origin) == 0) return 1;
  return 0;
}

int ws_conn_send(WsConn *c, const char *text, size_t len) {
  if (!c || c->closing || !c->wsi) return -1;
  g_queue_push_tail(&c->out, g_bytes_new(text, len));
  lws_callback_on_writable(c->wsi);
  return 0;
}

void ws_conn_close(WsConn *c, int code, const char *reason) {
  if (!c || c->closing) return;
  c->closing = 1;
  c->close_code = code;
  g_strlcpy(c->close_reason, reason ? reason : "", sizeof c->close_reason);
  if (c->wsi) lws_callback_on_writable(c->wsi);
}

void ws_conn_set_data(WsConn *c, void *data) { c->data = data; }
void *ws_conn_get_data(const WsConn *c) { return c->data; }
const char *ws_conn_peer(const WsConn *c) { return c->peer; }
size_t ws_conn_queued(const WsConn *c) { return c->out.length; }

static void ws_free(WsConn *c) {
  GBytes *b;
  while ((b = g_queue_pop_head(&c->out))) g_bytes_unref(b);
  if (c->rx) g_byte_array_free(c->rx, TRUE);
  g_free(c);
}

/* ---- the one lws callback ---- */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len) {
  HttpServer *s = lws_context_user(lws_get_context(wsi));
  Pss *p = user;

  switch (reason) {
  case LWS_CALLBACK_HTTP: {
    /* A new request while the one before it on this connection has not
     * been answered: libwebsockets 4.1.6 does that with some malformed
     * pipelined heads (a bare LF ending the request line), and the answer
     * in progress would be lost. Close; nothing of either is half done. */
    if (p->in_use) {
      log_warn("http_overlapping_request", "server=%s peer=%s closed", s->cfg.name, p->peer);
      return -1;
    }
    pss_reset(p);
    p->in_use = 1;
    char *uri = NULL;
    int urilen = 0;
    int m = lws_http_get_uri_and_method(wsi, &uri, &urilen);
    static const char *const names[] = {"GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE",
                                        "CONNECT", "HEAD"};
    peer_of(wsi, p->peer, sizeof p->peer);
    if (m < 0 || m >= (int)G_N_ELEMENTS(names)) {
      g_strlcpy(p->method, "-", sizeof p->method);
      refuse(s, wsi, p, 405, "method_not_allowed", "method not allowed");
      return 0;
    }
    g_strlcpy(p->method, names[m], sizeof p->method);
    p->path = g_strndup(in ? (const char *)in : "/", in ? strlen(in) : 1);
    p->query = collect_query(wsi);
    p->headers = collect_headers(wsi);
    size_t max = s->cfg.max_body ? s->cfg.max_body : DEFAULT_MAX_BODY;
    const char *why = NULL;
    switch (check_framing(wsi, p->method, max, &why)) {
    case FRAME_BAD:
      refuse(s, wsi, p, 400, "bad_framing", why);
      return 0;
    case FRAME_LENGTH_REQUIRED:
      refuse(s, wsi, p, 411, "length_required", why);
      return 0;
    case FRAME_TOO_LARGE:
      refuse(s, wsi, p, 413, "body_too_large", "request body is too large");
      return 0;
    case FRAME_OK:
      break;
    }
    const char *cl = g_hash_table_lookup(p->headers, "content-length");
    int has_length = cl && g_ascii_strtoull(cl, NULL, 10) > 0;
    if ((has_length || g_hash_table_contains(p->headers, "transfer-encoding")) &&
        pipelined_since_done(wsi)) {
      log_warn("http_pipelined_body", "server=%s peer=%s method=%s closed", s->cfg.name, p->peer,
               p->method);
      return -1;
    }
    if (has_length) return 0; /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
    dispatch(s, wsi, p);
    return 0;
  }
  case LWS_CALLBACK_HTTP_BODY: {
    if (p->close_after || p->resp) return 0; /* refused: the bytes are dropped */
    size_t max = s->cfg.max_body ? s->cfg.max_body : DEFAULT_MAX_BODY;
    /* lws 4.1.6 bug: a request with a body that was pipelined behind another
     * is replayed from lws' buffer and its own header bytes are handed to us
     * as its body, after which lws re-delivers BODY_COMPLETION forever. Such
     * a "body" starts with the request's own method and a space; no JSON or
     * form body does. Close: the client resends on a fresh connection. */
    if (!p->body && pipelined_since_done(wsi)) { /* its bytes may be freed already */
      log_warn("http_pipelined_body", "server=%s peer=%s method=%s closed", s->cfg.name, p->peer,
               p->method);
      return -1;
    }
    if (!p->body && len > strlen(p->method) && in &&
        strncmp(in, p->method, strlen(p->method)) == 0 &&
        ((const char *)in)[strlen(p->method)] == ' ') {
      log_warn("http_pipelined_body", "server=%s peer=%s method=%s closed", s->cfg.name,
               p->peer, p->method);
      return -1;
    }
    if (!p->body) p->body = g_byte_array_new();
    if (p->body->len + len > max) {
      p->too_large = 1;
      return 0;
    }
    g_byte_array_append(p->body, in, (guint)len);
    return 0;
  }
  case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    /* Once per request; a repeat is the lws 4.1.6 replay loop above. */
    if (++p->completions > 1) return -1;
    if (!p->resp) dispatch(s, wsi, p);
    return 0;
  case LWS_CALLBACK_HTTP_WRITEABLE:
    if (!p->resp || !p->head) return 0;
    return write_some(wsi, p);
  case LWS_CALLBACK_CLOSED_HTTP:
  case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    if (p && !p->ws) pss_reset(p);
    return 0;

  case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
    char *path = ws_path(wsi);
    const WsEndpoint *ep = path ? find_ws(s, path) : NULL;
    GHashTable *h = collect_headers(wsi);
    const char *origin = g_hash_table_lookup(h, "origin");
    char *any_origin = NULL;
    int has_origin = header_fragment(wsi, WSI_TOKEN_ORIGIN, 0, &any_origin) >= 0;
    g_free(any_origin);
    int refused = !ep || (ep->refuse_origin && has_origin) || !origin_allowed(ep, origin);
    if (refused) {
      char q[200];
      log_warn("ws_refused", "server=%s path=%s origin=%s", s->cfg.name, path ? path : "-",
               log_quote(q, sizeof q, origin ? origin : "-"));
    }
    g_hash_table_destroy(h);
    g_free(path);
    return refused;
  }
  case LWS_CALLBACK_ESTABLISHED: {
    char *path = ws_path(wsi);
    const WsEndpoint *ep = path ? find_ws(s, path) : NULL;
    if (!ep) {
      g_free(path);
      return -1;
    }
    WsConn *c = g_new0(WsConn, 1);
    c->wsi = wsi;
    c->server = s;
    c->ep = ep;
    g_queue_init(&c->out);
    peer_of(wsi, c->peer, sizeof c->peer);
    memset(p, 0, sizeof *p);
    p->ws = c;
    HttpRequest req = {0};
    req.method = "GET";
    req.path = path;
    req.peer = c->peer;
    req.query = collect_query(wsi);
    req.headers = collect_headers(wsi);
    req.body = "";
    int rc = ep->on_open ? ep->on_open(c, &req, ep->user) : 0;
    g_hash_table_destroy(req.query);
    g_hash_table_destroy(req.headers);
    g_free(path);
    if (rc != 0) {
      p->ws = NULL;
      ws_free(c);
      return -1;
    }
    c->opened = 1;
    return 0;
  }
  case LWS_CALLBACK_RECEIVE: {
    WsConn *c = p->ws;
    if (!c || c->closing) return 0;
    size_t max = c->ep->max_message ? c->ep->max_message : DEFAULT_MAX_WS;
    if (lws_is_first_fragment(wsi) && c->rx) g_byte_array_set_size(c->rx, 0);
    if (!c->rx) c->rx = g_byte_array_new();
    if (c->rx->len + len > max) {
      /* 1009: message too big. Say so, then close. */
      static const char msg[] = "message too big";
      lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)msg,
                       sizeof msg - 1);
      log_warn("ws_message_too_big", "server=%s peer=%s limit=%zu", s->cfg.name, c->peer, max);
      return -1;
    }
    g_byte_array_append(c->rx, in, (guint)len);
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
      g_byte_array_append(c->rx, (const guint8 *)"", 1);
      if (c->ep->on_message)
        c->ep->on_message(c, (const char *)c->rx->data, c->rx->len - 1, c->ep->user);
      if (c->rx) g_byte_array_set_size(c->rx, 0);
    }
    return 0;
  }
  case LWS_CALLBACK_SERVER_WRITEABLE: {
    WsConn *c = p->ws;
    if (!c) return 0;
    GBytes *b = g_queue_pop_head(&c->out);
    if (b) {
      gsize n = 0;
      const void *d = g_bytes_get_data(b, &n);
      unsigned char *buf = g_malloc(LWS_PRE + n);
      memcpy(buf + LWS_PRE, d, n);
      int w = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
      g_free(buf);
      g_bytes_unref(b);
      if (w < (int)n) return -1;
      if (c->out.length || c->closing) lws_callback_on_writable(wsi);
      return 0;
    }
    if (c->closing) {
      lws_close_reason(wsi, (enum lws_close_status)c->close_code,
                       (unsigned char *)c->close_reason, strlen(c->close_reason));
      return -1;
    }
    return 0;
  }
  case LWS_CALLBACK_CLOSED: {
    WsConn *c = p ? p->ws : NULL;
    if (!c) return 0;
    c->wsi = NULL;
    c->closing = 1;
    if (c->opened && c->ep->on_close) c->ep->on_close(c, c->ep->user);
    p->ws = NULL;
    ws_free(c);
    return 0;
  }
  default:
    break;
  }
  return 0;
}

/* ---- server lifecycle ---- */

static void lws_to_log(int level, const char *line) {
  char q[512];
  char *copy = g_strchomp(g_strdup(line));
  log_event(level == LLL_ERR ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN, "lws", "msg=%s",
            log_quote(q, sizeof q, copy));
  g_free(copy);
}

HttpServer *http_server_new(GMainContext *ctx, const HttpServerConfig *cfg, char *err,
                            size_t errsize) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_to_log);
    g_once_init_leave(&once, 1);
  }
  HttpServer *s = g_new0(HttpServer, 1);
  s->cfg = *cfg;
  s->cfg.name = g_strdup(cfg->name ? cfg->name : "http");
  s->cfg.address = g_strdup(cfg->address);
  s->cfg.tls_cert = cfg->tls_cert && *cfg->tls_cert ? g_strdup(cfg->tls_cert) : NULL;
  s->cfg.tls_key = cfg->tls_key && *cfg->tls_key ? g_strdup(cfg->tls_key) : NULL;
  s->ws = g_new0(WsEndpoint, cfg->n_ws ? cfg->n_ws : 1);
  for (size_t i = 0; i < cfg->n_ws; i++) {
    s->ws[i] = cfg->ws[i];
    s->ws[i].path = g_strdup(cfg->ws[i].path);
    s->ws[i].origins = cfg->ws[i].origins
                           ? (const char *const *)g_strdupv((char **)cfg->ws[i].origins)
                           : NULL;
  }
  s->cfg.ws = s->ws;

  /* Refuse missing TLS files ourselves: lws' own error is vague. */
  if (s->cfg.tls_cert && (!g_file_test(s->cfg.tls_cert, G_FILE_TEST_IS_REGULAR) ||
                          !s->cfg.tls_key ||
                          !g_file_test(s->cfg.tls_key, G_FILE_TEST_IS_REGULAR))) {
    g_snprintf(err, errsize, "TLS certificate or key file missing (%s, %s)",
               s->cfg.tls_cert, s->cfg.tls_key ? s->cfg.tls_key : "(none)");
    http_server_free(s);
    return NULL;
  }

  s->protocols[0].name = "parlour";
  s->protocols[0].callback = callback;
  s->protocols[0].per_session_data_size = sizeof(Pss);
  s->protocols[0].rx_buffer_size = 0;
  s->retry.secs_since_valid_ping = (uint16_t)(cfg->ping_interval_s ? cfg->ping_interval_s : 20);
  s->retry.secs_since_valid_hangup = (uint16_t)(s->retry.secs_since_valid_ping * 3);

  s->loop = g_main_loop_new(ctx, FALSE);
  void *foreign[1] = {s->loop};
  struct lws_context_creation_info info;
  memset(&info, 0, sizeof info);
  info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
                 LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.foreign_loops = foreign;
  info.user = s;
  info.count_threads = 1;
  s->ctx = lws_create_context(&info);
  if (!s->ctx) {
    g_snprintf(err, errsize, "cannot create the websocket context");
    http_server_free(s);
    return NULL;
  }
  struct lws_context_creation_info vi;
  memset(&vi, 0, sizeof vi);
  vi.vhost_name = s->cfg.name;
  vi.iface = s->cfg.address;
  vi.port = cfg->port;
  vi.protocols = s->protocols;
  vi.retry_and_idle_policy = &s->retry;
  vi.alpn = "http/1.1";
  vi.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
  /* libwebsockets 4.1 with IPv6 built in opens an AF_INET6 socket even for
   * an IPv4 address and, not finding that address as IPv6, binds the
   * wildcard [::]: a "loopback only" port (the SFU's control) listened on
   * every interface. An IPv4 literal therefore gets an IPv4 socket. */
  if (s->cfg.address && !strchr(s->cfg.address, ':')) vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  if (s->cfg.tls_cert) {
    /* The few answers lws writes itself (lws_return_http_status, e.g. on a
     * malformed request line) carry HSTS too; ours add it in serialise_head. */
    s->hsts.name = "strict-transport-security:";
    s->hsts.value = HSTS_VALUE;
    vi.headers = &s->hsts;
    vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    vi.ssl_cert_filepath = s->cfg.tls_cert;
    vi.ssl_private_key_filepath = s->cfg.tls_key;
  }
  /* lws logs its own bind failure on several lines; we report one line
   * naming the setting instead, so hush it while the vhost starts. */
  lws_set_log_level(0, lws_to_log);
  s->vh = lws_create_vhost(s->ctx, &vi);
  lws_set_log_level(LLL_ERR | LLL_WARN, lws_to_log);
  if (!s->vh) {
    g_snprintf(err, errsize, "cannot listen on %s:%d (in use, or not an address here)",
               s->cfg.address ? s->cfg.address : "*", cfg->port);
    http_server_free(s);
    return NULL;
  }
  s->port = lws_get_vhost_listen_port(s->vh);
  log_info("listening", "server=%s address=%s port=%d tls=%s", s->cfg.name,
           s->cfg.address ? s->cfg.address : "*", s->port, s->cfg.tls_cert ? "yes" : "no");
  return s;
}

int http_server_port(const HttpServer *s) { return s->port; }

void http_server_free(HttpServer *s) {
  if (!s) return;
  if (s->ctx) lws_context_destroy(s->ctx);
  if (s->loop) g_main_loop_unref(s->loop);
  for (size_t i = 0; i < s->cfg.n_ws; i++) {
    g_free((char *)s->ws[i].path);
    g_strfreev((char **)s->ws[i].origins);
  }
  g_free(s->ws);
  g_free((char *)s->cfg.name);
  g_free((char *)s->cfg.address);
  g_free((char *)s->cfg.tls_cert);
  g_free((char *)s->cfg.tls_key);
  g_free(s);
}
