/* Fuzz harness: HTTP/1.1 requests as they reach common/httpd.c. There is no
 * pure request-head parser in httpd.c to call: the bytes are framed and
 * parsed by libwebsockets, and httpd.c works on what lws hands it (headers
 * kept, query decoded, body collected up to max_body, websocket upgrade and
 * messages). So the harness starts the real HttpServer on 127.0.0.1 (a
 * free port) in this process and sends each input over a fresh loopback
 * connection, half-closes it and runs the server's main context until the
 * server has closed the connection. httpd.c (and any framing checks it
 * makes on lws' headers) is coverage-instrumented; libwebsockets is not,
 * so the fuzzer is guided by what reaches httpd.c. The handler answers
 * with a small JSON body; /ws is a websocket endpoint that takes messages.
 * A connection the server never closes ends the input after 2 s (a hang
 * past -timeout is reported by libFuzzer). */
#include "fuzz.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"
#include "log.h"

static GMainContext *ctx;
static HttpServer *server;
static int port;
static unsigned long handled, messages;

static void handler(const HttpRequest *req, HttpResponse *resp, void *user) {
  handled++;
  FUZZ_CHECK(req->method && req->path && req->query && req->headers);
  FUZZ_CHECK(req->body == NULL || req->body[req->body_len] == '\0');
  (void)http_request_header(req, "content-type");
  (void)http_request_query(req, "a");
  http_response_json(resp, 200, "{\"ok\":true}");
}

static int ws_open(WsConn *c, const HttpRequest *upgrade, void *user) { return 0; }
static void ws_message(WsConn *c, const char *data, size_t len, void *user) {
  messages++;
  if (len) ws_conn_send(c, data, len < 16 ? len : 16);
}
static void ws_close(WsConn *c, void *user) {}

/* How far inputs got, for the log of a run (docs/testing.md). */
static void report(void) {
  fprintf(stderr, "fuzz_httpd: %lu requests reached the handler, %lu websocket messages\n", handled,
          messages);
}

static void init(void) {
  atexit(report);
  log_set_level(LOG_LEVEL_ERROR);
  ctx = g_main_context_new();
  static const WsEndpoint ws[] = {{.path = "/ws", .max_message = 4096, .on_open = ws_open,
                                   .on_message = ws_message, .on_close = ws_close}};
  HttpServerConfig cfg = {.name = "fuzz", .address = "127.0.0.1", .port = 0, .max_body = 4096,
                          .handler = handler, .ws = ws, .n_ws = 1};
  char err[256];
  server = http_server_new(ctx, &cfg, err, sizeof err);
  if (!server) {
    fprintf(stderr, "http_server_new: %s\n", err);
    abort();
  }
  port = http_server_port(server);
}

static void run_ctx(void) {
  while (g_main_context_iteration(ctx, FALSE)) {
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!server) init();
  if (size > 32768) return 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) abort();
  /* Hundreds of connections a second: spread them over 127.0.0.2-251 and
   * reset them at close (no TIME_WAIT), or the ephemeral ports run out. */
  static unsigned n_conn;
  struct sockaddr_in from = {.sin_family = AF_INET};
  from.sin_addr.s_addr = htonl(0x7f000002u + n_conn++ % 250);
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  /* Non-blocking connect: libFuzzer's timer signal would interrupt a
   * blocking one. On loopback the kernel completes it without the server. */
  int rc = bind(fd, (struct sockaddr *)&from, sizeof from);
  if (rc == 0) rc = connect(fd, (struct sockaddr *)&a, sizeof a);
  if (rc != 0 && errno == EINPROGRESS) {
    struct pollfd w = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    while (poll(&w, 1, 1000) < 0 && errno == EINTR) {
    }
    rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0 ? 0 : -1;
    if (soerr) errno = soerr;
  }
  if (rc != 0) {
    fprintf(stderr, "fuzz_httpd: cannot connect to the server: %s\n", strerror(errno));
    abort();
  }
  gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  size_t sent = 0;
  int closed = 0;
  char buf[4096];
  while (!closed && g_get_monotonic_time() < deadline) {
    if (sent < size) {
      ssize_t w = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (w > 0) sent += (size_t)w;
      else if (w < 0 && errno != EAGAIN) sent = size; /* the server closed on us */
      if (sent == size) shutdown(fd, SHUT_WR);
    } else if (size == 0 && sent == 0) {
      shutdown(fd, SHUT_WR);
      sent = 1;
    }
    run_ctx();
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 1) > 0) {
      ssize_t r = recv(fd, buf, sizeof buf, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN)) closed = 1;
    }
  }
  close(fd);
  run_ctx(); /* let the server see the close and free the connection */
  return 0;
}
