/* The relay (sig_relay.c): a joined participant's messages — SDP and ICE to
 * the SFU, video limits, ICE restarts, leave — and what the SFU tells us
 * (its trickle ICE, subscriber offers, tracks coming and going, media lost).
 * Also the context every SFU request carries: names, not pointers, looked
 * up again when the reply comes (whatever went away meanwhile is simply not
 * found). */
#ifndef PARLOUR_SIG_RELAY_H
#define PARLOUR_SIG_RELAY_H

#include <glib.h>
#include <jansson.h>

#include "sig_conn.h"
#include "sig_room.h"
#include "sig_sfu.h"

/* A message from a joined connection (type known, not join). */
void sig_handle_joined_message(SigConn *c, const char *type, json_t *msg);
void sig_on_sfu_event(SfuNode *node, json_t *ev, void *user);
void sig_on_subscriber_offer(SfuNode *n, json_t *reply, void *user);
/* Sends the SFU's unanswered subscriber offer again (a resumed connection). */
void sig_resend_subscriber_offer(SigPart *p);

/* Context of an SFU request: names, looked up again when the reply comes. */
typedef struct {
  SigServer *srv;
  char *room;
  char *participant;
  guint64 conn_id;
  guint64 gen;
  gboolean reconnect;
  char *re; /* the client message type this answers, for error replies */
} SigCtx;
SigCtx *sig_ctx_new(SigServer *s, const char *room, const char *participant, guint64 conn_id,
                    const char *re);
void sig_ctx_free(gpointer ctx);
SigRoom *sig_ctx_room(SigCtx *x);
SigPart *sig_ctx_part(SigCtx *x);
gboolean sig_reply_ok(json_t *reply);
const char *sig_reply_code(json_t *reply);
const char *sig_reply_message(json_t *reply);

#endif
