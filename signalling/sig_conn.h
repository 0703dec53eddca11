/* One browser connection on /ws (sig_conn.c): the protocol's framing and
 * close codes, sending to a client, and closing it. What a message does is
 * elsewhere: join in sig_admit.h, the rest in sig_relay.h. */
#ifndef PARLOUR_SIG_CONN_H
#define PARLOUR_SIG_CONN_H

#include <glib.h>
#include <jansson.h>

#include "httpd.h"
#include "sig_server.h"

#define SIG_PROTOCOL_VERSION 1

/* Close codes (RFC 6455 private range) the client can act on. */
#define SIG_CLOSE_ENDED 4000     /* visit_ended was sent */
#define SIG_CLOSE_REMOVED 4001   /* removed by a moderator */
#define SIG_CLOSE_REPLACED 4002  /* the same participant joined again elsewhere */
#define SIG_CLOSE_REDIRECT 4307 /* the visit is served by another instance (error signal_url) */
#define SIG_CLOSE_PROTOCOL 4400  /* bad first message, join timeout */
#define SIG_CLOSE_REFUSED 4401   /* join refused (token, window, role...) */
#define SIG_CLOSE_RATE 4429      /* message rate exceeded */
#define SIG_CLOSE_UNAVAILABLE 4503 /* no media server could take the call, or booking did not answer the admission check */
#define SIG_CLOSE_SLOW 4508      /* the client did not read what we sent */

/* Messages waiting to be written to one client before it is cut off. */
#define SIG_MAX_QUEUED 1024

typedef struct SigPart SigPart;

/* A SigConn points at its participant (NULL before join, and after it
 * left) and the participant at it; both links are cleared together. */
typedef struct SigConn {
  SigServer *srv;
  guint64 id;
  WsConn *ws;
  SigPart *part;
  gboolean joining, closing;
  guint join_timer;
  double bucket;
  gint64 bucket_at_us;
} SigConn;

/* Sends {"v":1,"type":type,...fields} (fields stolen, may be NULL). */
void sig_send(SigConn *c, const char *type, json_t *fields);
void sig_send_error(SigConn *c, const char *code, const char *message, const char *re);
void sig_conn_close(SigConn *c, int code, const char *reason);
SigConn *sig_conn_lookup(SigServer *s, guint64 id);
/* FALSE (bad_message sent) when msg has a key not in allowed. */
gboolean sig_check_fields(SigConn *c, json_t *msg, const char *type, const char *const *allowed);

#endif
