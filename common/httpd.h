/* One HTTP(S) + WebSocket server over libwebsockets, driven by a GLib main
 * loop. All three daemons use it: booking for its pages and JSON API,
 * signalling for /ws, the SFU for its control socket; each answers
 * GET /healthz through it.
 *
 * Threading: every call here, and every callback, happens on the thread that
 * runs the GMainContext the server was created on. Other threads hand work to
 * that thread (g_main_context_invoke) rather than touch a connection.
 *
 * Handlers are synchronous: they fill an HttpResponse and return; the server
 * writes it out as the socket allows. Request bodies are collected in full
 * (up to max_body) before the handler runs. */
#ifndef PARLOUR_HTTPD_H
#define PARLOUR_HTTPD_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HttpServer HttpServer;
typedef struct WsConn WsConn;

typedef struct {
  const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" */
  const char *path;   /* decoded path, no query */
  const char *body;   /* NUL-terminated copy; body_len excludes the NUL */
  size_t body_len;
  const char *peer;   /* peer IP address text */
  GHashTable *query;  /* key -> value (decoded); never NULL */
  GHashTable *headers; /* lowercase name -> value, for the headers we keep */
} HttpRequest;

/* NULL when absent. name is lowercase, e.g. "cookie", "x-csrf-token". */
const char *http_request_header(const HttpRequest *req, const char *name);
const char *http_request_query(const HttpRequest *req, const char *key);

typedef struct HttpResponse HttpResponse;

void http_response_set_status(HttpResponse *r, int status);
void http_response_set_content_type(HttpResponse *r, const char *ct);
/* Adds a header (name without colon). May repeat for Set-Cookie. */
void http_response_add_header(HttpResponse *r, const char *name, const char *value);
/* Replaces the body with a copy of data. */
void http_response_set_body(HttpResponse *r, const void *data, size_t len);
/* Takes ownership of a g_malloc'd body. */
void http_response_take_body(HttpResponse *r, char *data, size_t len);
/* Streams length bytes of the file from offset (large files, range requests)
 * instead of an in-memory body. Returns 0, or -1 if it cannot be opened. */
int http_response_set_file(HttpResponse *r, const char *path, uint64_t offset, uint64_t length);
/* Convenience: status + application/json body (the text is copied). */
void http_response_json(HttpResponse *r, int status, const char *json_text);
/* The status set so far (200 unless a handler changed it); for metrics. */
int http_response_get_status(const HttpResponse *r);

/* A response that belongs to no connection, for calling a handler directly
 * (the fuzz harnesses in tests/fuzz/): create, pass to the handler, read
 * status and body (NULL when none), free. */
HttpResponse *http_response_new_detached(void);
void http_response_free_detached(HttpResponse *r);
int http_response_status(const HttpResponse *r);
const char *http_response_body(const HttpResponse *r, size_t *len);

typedef void (*HttpHandler)(const HttpRequest *req, HttpResponse *resp, void *user);

/* WebSocket endpoint. Messages are whole (fragments joined), text or binary
 * alike, and at most max_message bytes: a larger one closes the connection
 * with 1009. */
typedef struct {
  const char *path;               /* e.g. "/ws" */
  const char *const *origins;     /* allowed Origin values; NULL = any, incl. none */
  /* Non-zero: refuse any upgrade that carries an Origin header at all (even
   * empty). For endpoints only daemons use: a browser always sends Origin,
   * so no web page can open them. Checked before origins. */
  int refuse_origin;
  size_t max_message;             /* bytes; 0 means 64 KiB */
  /* Return 0 to accept, non-zero to refuse the upgrade. */
  int (*on_open)(WsConn *c, const HttpRequest *upgrade, void *user);
  void (*on_message)(WsConn *c, const char *data, size_t len, void *user);
  void (*on_close)(WsConn *c, void *user); /* the conn is freed after it returns */
  void *user;
} WsEndpoint;

typedef struct {
  const char *name;       /* for logs, e.g. "booking" */
  const char *address;    /* IP to bind, e.g. "127.0.0.1" */
  int port;
  const char *tls_cert;   /* PEM paths; both NULL/"" for plain HTTP */
  const char *tls_key;
  size_t max_body;        /* largest request body; 0 means 1 MiB */
  int ping_interval_s;    /* websocket keep-alive ping; 0 means 20 s */
  HttpHandler handler;    /* every plain HTTP request */
  void *handler_user;
  const WsEndpoint *ws;   /* array, may be NULL */
  size_t n_ws;
} HttpServerConfig;

/* Starts listening. Returns NULL with a reason in err (port in use, bad TLS
 * files, ...). The config strings are copied. */
HttpServer *http_server_new(GMainContext *ctx, const HttpServerConfig *cfg, char *err,
                            size_t errsize);
void http_server_free(HttpServer *s);
/* The port actually bound (useful when cfg->port was 0). */
int http_server_port(const HttpServer *s);

/* Queues a text message. Returns 0, or -1 if the connection is closing. */
int ws_conn_send(WsConn *c, const char *text, size_t len);
/* Sends what is queued, then closes with code and reason. */
void ws_conn_close(WsConn *c, int code, const char *reason);
void ws_conn_set_data(WsConn *c, void *data);
void *ws_conn_get_data(const WsConn *c);
const char *ws_conn_peer(const WsConn *c);
/* Messages queued but not yet written (back-pressure signal). */
size_t ws_conn_queued(const WsConn *c);

#endif
