/* The SMTP client (notify_smtp.h). */
#include "notify_smtp.h"

#include <errno.h>
#include <glib.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int smtp_address_ok(const char *a) {
  if (!a) return 0;
  size_t n = strlen(a);
  if (n < 3 || n > 254) return 0;
  const char *at = strchr(a, '@');
  if (!at || at == a || !at[1] || strchr(at + 1, '@')) return 0;
  for (const char *p = a; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= ' ' || c == 127 || strchr("<>()[]\\,;:\"", c)) return 0;
  }
  return strchr(at + 1, '.') != NULL || !strcmp(at + 1, "localhost");
}

/* ---- the message ---- */

static const char *const WDAY[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

char *smtp_build_message(const char *from, const char *to, const char *subject,
                         const char *body, const char *lang, int64_t now) {
  GString *m = g_string_new(NULL);
  GDateTime *d = g_date_time_new_from_unix_utc(now);
  const char *dom = strchr(from, '@');
  char *mid = g_strdup_printf("%08x%08x.%lld", g_random_int(), g_random_int(), (long long)now);
  char *subj = g_base64_encode((const guchar *)subject, strlen(subject));
  g_string_append_printf(m, "From: Parlour <%s>\r\nTo: <%s>\r\n", from, to);
  /* Welsh needs more than ASCII (â, ŵ, ŷ): RFC 2047 encoded word. */
  g_string_append_printf(m, "Subject: =?UTF-8?B?%s?=\r\n", subj);
  if (d)
    g_string_append_printf(m, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
                           WDAY[g_date_time_get_day_of_week(d) - 1],
                           g_date_time_get_day_of_month(d), MON[g_date_time_get_month(d) - 1],
                           g_date_time_get_year(d), g_date_time_get_hour(d),
                           g_date_time_get_minute(d), g_date_time_get_second(d));
  g_string_append_printf(m, "Message-ID: <%s@%s>\r\n", mid, dom ? dom + 1 : "parlour.invalid");
  g_string_append_printf(m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                            "Content-Transfer-Encoding: base64\r\nContent-Language: %s\r\n"
                            "Auto-Submitted: auto-generated\r\n\r\n",
                         lang);
  char *b = g_base64_encode((const guchar *)body, strlen(body));
  for (size_t i = 0, n = strlen(b); i < n; i += 76) {
    g_string_append_len(m, b + i, (gssize)MIN((size_t)76, n - i));
    g_string_append(m, "\r\n");
  }
  g_free(b);
  g_free(subj);
  g_free(mid);
  if (d) g_date_time_unref(d);
  return g_string_free(m, FALSE);
}

/* ---- the connection ---- */

typedef struct {
  int fd;
  SSL_CTX *ctx;
  SSL *ssl;
  char buf[4096];
  size_t len;
  char *err;
  size_t errsize;
} Conn;

static BookNotifyOutcome failed(Conn *c, BookNotifyOutcome o, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static BookNotifyOutcome failed(Conn *c, BookNotifyOutcome o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_vsnprintf(c->err, c->errsize, fmt, ap);
  va_end(ap);
  return o;
}

static int conn_write(Conn *c, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = c->ssl ? SSL_write(c->ssl, p, (int)n) : send(c->fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* One line without its CRLF, into line (at most 1000 bytes, RFC 5321's
 * limit). 0, -1 closed or timed out, -2 too long. */
static int conn_line(Conn *c, char *line, size_t size) {
  for (;;) {
    char *nl = memchr(c->buf, '\n', c->len);
    if (nl) {
      size_t n = (size_t)(nl - c->buf);
      size_t keep = n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
      if (keep >= size) return -2;
      memcpy(line, c->buf, keep);
      line[keep] = '\0';
      memmove(c->buf, nl + 1, c->len - n - 1);
      c->len -= n + 1;
      return 0;
    }
    if (c->len >= sizeof c->buf - 1 || c->len > 1000) return -2;
    ssize_t r = c->ssl ? SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - 1 - c->len))
                       : recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
    if (r <= 0) return -1;
    c->len += (size_t)r;
  }
}

/* Reads one reply (possibly multi-line). Its code, or -1 with err set (the
 * connection broke, timed out or spoke something that is not SMTP). text
 * gets the last line; ehlo, when given, every line's text after the code. */
static int reply(Conn *c, char *text, size_t size, GString *ehlo) {
  char line[1024];
  int code = -1;
  for (int lines = 0; lines < 100; lines++) {
    int r = conn_line(c, line, sizeof line);
    if (r == -1) {
      failed(c, NOTIFY_TRANSIENT, "the mail server closed the connection or did not answer");
      return -1;
    }
    if (r == -2) {
      failed(c, NOTIFY_TRANSIENT, "the mail server sent a line longer than SMTP allows");
      return -1;
    }
    if (strlen(line) < 3 || !g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) ||
        !g_ascii_isdigit(line[2]) || line[0] < '2' || line[0] > '5' ||
        (line[3] && line[3] != ' ' && line[3] != '-')) {
      char *esc = g_strescape(line, NULL);
      failed(c, NOTIFY_TRANSIENT, "not an SMTP reply: \"%.60s\"", esc);
      g_free(esc);
      return -1;
    }
    int this_code = atoi(line) ;
    if (code >= 0 && this_code != code) {
      failed(c, NOTIFY_TRANSIENT, "a multi-line SMTP reply changed its code");
      return -1;
    }
    code = this_code;
    if (ehlo && line[3]) g_string_append_printf(ehlo, "%s\n", line + 4);
    g_strlcpy(text, line, size);
    if (line[3] != '-') return code;
  }
  failed(c, NOTIFY_TRANSIENT, "an SMTP reply of too many lines");
  return -1;
}

/* Sends cmd (without CRLF; NULL: send nothing) and wants a reply in the
 * 2xx/3xx class `want` (2 or 3). NOTIFY_SENT when it came. */
static BookNotifyOutcome step(Conn *c, const char *cmd, int want, const char *what,
                              GString *ehlo) {
  if (cmd) {
    char *l = g_strdup_printf("%s\r\n", cmd);
    int w = conn_write(c, l, strlen(l));
    g_free(l);
    if (w) return failed(c, NOTIFY_TRANSIENT, "the connection broke while sending %s", what);
  }
  char text[1024];
  int code = reply(c, text, sizeof text, ehlo);
  if (code < 0) return NOTIFY_TRANSIENT;
  if (code / 100 == want) return NOTIFY_SENT;
  char *esc = g_strescape(text, NULL);
  BookNotifyOutcome o = code / 100 == 4 ? NOTIFY_TRANSIENT : NOTIFY_PERMANENT;
  if (code / 100 == 2 || code / 100 == 3) o = NOTIFY_TRANSIENT; /* out of sequence */
  failed(c, o, "%s: the mail server answered \"%.200s\"", what, esc);
  g_free(esc);
  return o;
}

static int has_ext(const GString *ehlo, const char *ext) {
  gchar **lines = g_strsplit(ehlo->str, "\n", -1);
  int found = 0;
  for (gchar **l = lines; *l && !found; l++) {
    size_t n = strlen(ext);
    found = !g_ascii_strncasecmp(*l, ext, n) && ((*l)[n] == '\0' || (*l)[n] == ' ');
  }
  g_strfreev(lines);
  return found;
}

static BookNotifyOutcome start_tls(Conn *c, const SmtpSettings *s) {
  c->ctx = SSL_CTX_new(TLS_client_method());
  if (!c->ctx) return failed(c, NOTIFY_TRANSIENT, "TLS: no context");
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
  int loaded = s->ca_file && *s->ca_file ? SSL_CTX_load_verify_locations(c->ctx, s->ca_file, NULL)
                                         : SSL_CTX_set_default_verify_paths(c->ctx);
  if (loaded != 1) return failed(c, NOTIFY_TRANSIENT, "TLS: cannot read the CA file");
  c->ssl = SSL_new(c->ctx);
  if (!c->ssl) return failed(c, NOTIFY_TRANSIENT, "TLS: no session");
  SSL_set_tlsext_host_name(c->ssl, s->host);
  /* The certificate must name the host we were told to reach (a name or an
   * address). */
  X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
  if (X509_VERIFY_PARAM_set1_ip_asc(vp, s->host) != 1) SSL_set1_host(c->ssl, s->host);
  SSL_set_fd(c->ssl, c->fd);
  if (SSL_connect(c->ssl) != 1) {
    long v = SSL_get_verify_result(c->ssl);
    unsigned long e = ERR_get_error();
    char why[256];
    ERR_error_string_n(e, why, sizeof why);
    ERR_clear_error();
    SSL_free(c->ssl);
    c->ssl = NULL;
    if (v != X509_V_OK)
      return failed(c, NOTIFY_TRANSIENT, "TLS: the mail server's certificate: %s",
                    X509_verify_cert_error_string(v));
    return failed(c, NOTIFY_TRANSIENT, "TLS: handshake failed (%s)", e ? why : "connection closed");
  }
  return NOTIFY_SENT;
}

static int dial(const char *host, int port, int timeout_s, char *why, size_t n) {
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  char ps[8];
  g_snprintf(ps, sizeof ps, "%d", port);
  int rc = getaddrinfo(host, ps, &hints, &res);
  if (rc) {
    g_snprintf(why, n, "cannot resolve %s: %s", host, gai_strerror(rc));
    return -1;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    struct timeval tv = {.tv_sec = timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* connect too */
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) g_snprintf(why, n, "cannot connect to %s:%d: %s", host, port, g_strerror(err));
  return fd;
}

static BookNotifyOutcome converse(Conn *c, const SmtpSettings *s, const char *to,
                                  const char *message) {
  BookNotifyOutcome o;
  const char *dom = strchr(s->from, '@');
  char *ehlo_cmd = g_strdup_printf("EHLO %s", dom ? dom + 1 : "localhost");
  GString *ext = g_string_new(NULL);
  if ((o = step(c, NULL, 2, "greeting", NULL)) != NOTIFY_SENT) goto out;
  if ((o = step(c, ehlo_cmd, 2, "EHLO", ext)) != NOTIFY_SENT) goto out;
  int want_tls = strcmp(s->starttls ? s->starttls : "auto", "never") != 0;
  int need_tls = s->starttls && !strcmp(s->starttls, "require");
  if (want_tls && has_ext(ext, "STARTTLS")) {
    if ((o = step(c, "STARTTLS", 2, "STARTTLS", NULL)) != NOTIFY_SENT) goto out;
    if (c->len) { /* bytes after 220 before the handshake: an injection attempt */
      o = failed(c, NOTIFY_TRANSIENT, "TLS: the server sent data before the handshake");
      goto out;
    }
    if ((o = start_tls(c, s)) != NOTIFY_SENT) goto out;
    g_string_truncate(ext, 0);
    if ((o = step(c, ehlo_cmd, 2, "EHLO after STARTTLS", ext)) != NOTIFY_SENT) goto out;
  } else if (need_tls) {
    o = failed(c, NOTIFY_TRANSIENT, "the mail server does not offer STARTTLS (required)");
    goto out;
  }
  char *cmd = g_strdup_printf("MAIL FROM:<%s>", s->from);
  o = step(c, cmd, 2, "MAIL FROM", NULL);
  g_free(cmd);
  if (o != NOTIFY_SENT) goto out;
  cmd = g_strdup_printf("RCPT TO:<%s>", to);
  o = step(c, cmd, 2, "RCPT TO", NULL);
  g_free(cmd);
  if (o != NOTIFY_SENT) goto out;
  if ((o = step(c, "DATA", 3, "DATA", NULL)) != NOTIFY_SENT) goto out;
  /* CRLF lines, a leading dot doubled (RFC 5321 4.5.2), then CRLF.CRLF. */
  GString *d = g_string_sized_new(strlen(message) + 64);
  int bol = 1;
  for (const char *p = message; *p; p++) {
    if (bol && *p == '.') g_string_append_c(d, '.');
    if (*p == '\n' && (p == message || p[-1] != '\r')) g_string_append_c(d, '\r');
    g_string_append_c(d, *p);
    bol = *p == '\n';
  }
  if (!bol) g_string_append(d, "\r\n");
  g_string_append(d, ".\r\n");
  int w = conn_write(c, d->str, d->len);
  g_string_free(d, TRUE);
  if (w) {
    o = failed(c, NOTIFY_TRANSIENT, "the connection broke while sending the message");
    goto out;
  }
  if ((o = step(c, NULL, 2, "end of message", NULL)) != NOTIFY_SENT) goto out;
  /* Taken: a failed QUIT changes nothing. */
  char ignored[256];
  char *quit = "QUIT\r\n";
  if (conn_write(c, quit, strlen(quit)) == 0) {
    /* Its reply, whatever it is, must not overwrite the outcome's reason. */
    char *saved = c->err;
    size_t saved_size = c->errsize;
    char scratch[256];
    c->err = scratch, c->errsize = sizeof scratch;
    (void)reply(c, ignored, sizeof ignored, NULL);
    c->err = saved, c->errsize = saved_size;
  }
out:
  g_free(ehlo_cmd);
  g_string_free(ext, TRUE);
  return o;
}

BookNotifyOutcome smtp_send(const SmtpSettings *s, const char *to, const char *message,
                            char *err, size_t errsize) {
  Conn c = {.fd = -1, .err = err, .errsize = errsize};
  if (errsize) err[0] = '\0';
  if (!smtp_address_ok(to)) return failed(&c, NOTIFY_PERMANENT, "not an email address");
  if (!smtp_address_ok(s->from))
    return failed(&c, NOTIFY_PERMANENT, "[notify] smtp_from is not an email address");
  char why[256];
  c.fd = dial(s->host, s->port, s->timeout_s > 0 ? s->timeout_s : 30, why, sizeof why);
  if (c.fd < 0) return failed(&c, NOTIFY_TRANSIENT, "%s", why);
  BookNotifyOutcome o = converse(&c, s, to, message);
  if (c.ssl) {
    SSL_shutdown(c.ssl);
    SSL_free(c.ssl);
  }
  if (c.ctx) SSL_CTX_free(c.ctx);
  close(c.fd);
  ERR_clear_error();
  return o;
}
