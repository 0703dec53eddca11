/* A small SMTP client (RFC 5321) for booking's notifications: one message
 * per connection, EHLO, STARTTLS through OpenSSL when the server offers it
 * (or always, or never, as [notify] smtp_starttls says), MAIL FROM, RCPT
 * TO, DATA, QUIT. Blocking, with a timeout on every read and write: it
 * runs on the sender's own thread, never on the request loop.
 *
 * Every way it can end is an outcome with a one-line reason: sent; a reply
 * 4xx, a refused or broken connection, a timeout, a TLS failure or a reply
 * that is not SMTP (try again later); a reply 5xx or an address that
 * cannot be right (never). */
#ifndef PARLOUR_NOTIFY_SMTP_H
#define PARLOUR_NOTIFY_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "book_notify.h"

typedef struct {
  const char *host;
  int port;
  const char *from;     /* envelope and header sender */
  const char *starttls; /* "auto" (when offered), "require" or "never" */
  const char *ca_file;  /* PEM CAs that sign the server's certificate; NULL/"": the system's */
  int timeout_s;        /* each connect, read and write */
} SmtpSettings;

/* 1 when addr looks like an address SMTP can carry (one @, no spaces,
 * brackets, quotes or control characters, at most 254 bytes). */
int smtp_address_ok(const char *addr);

/* The whole message (headers and a base64 UTF-8 text body, CRLF lines).
 * g_free it. */
char *smtp_build_message(const char *from, const char *to, const char *subject,
                         const char *body, const char *lang, int64_t now);

/* Sends message (smtp_build_message's) to `to`. The outcome, with the
 * reason in err when it is not NOTIFY_SENT. */
BookNotifyOutcome smtp_send(const SmtpSettings *s, const char *to, const char *message,
                            char *err, size_t errsize);

#endif
