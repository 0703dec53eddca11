/* The server's tables, for the server's own I/O files (sig_server.c,
 * sig_conn.c, sig_admit.c, sig_room.c, sig_relay.c, sig_moderate.c); main.c
 * sees only sig_server.h and the call core (sig_call_*.h) none of this.
 *
 * Ownership: SigServer owns every SigRoom (rooms, by visit id) and every
 * SigConn (conns, by a 64-bit id); see sig_room.h and sig_conn.h. */
#ifndef PARLOUR_SIG_SERVER_STATE_H
#define PARLOUR_SIG_SERVER_STATE_H

#include <glib.h>

#include "sig_events.h"
#include "sig_server.h"
#include "sig_sfu.h"

struct SigServer {
  SigSettings set;
  GPtrArray *nodes;     /* SfuNode* in configured order */
  SigEvents *events;    /* may be NULL (no booking configured) */
  struct SigBooking *booking; /* admission check and decision feed; NULL: admission = off */
  struct SigCluster *cluster; /* the other signalling instances; NULL: this one alone */
  GHashTable *rooms;    /* id -> SigRoom* */
  GHashTable *ended;    /* room id -> reason (calls that ended, refused on rejoin) */
  GHashTable *conns;    /* &id -> SigConn* (not owned: freed on close) */
  guint64 next_conn_id;
  SigClock clock;       /* wall clock of the call logic (real unless a test sets one) */
  gboolean drain_moves; /* draining nodes' live calls move (else they finish there) */
  guint quality_timer;  /* the SFU figures' sampler (sig_part_quality.h) */
};

/* The least loaded healthy node that is not draining and not `except`
 * (may be NULL), or NULL. */
SfuNode *sig_server_pick_node(SigServer *s, SfuNode *except);

/* A visit event to booking (data stolen); nothing when no booking is set. */
void sig_post_event(SigServer *s, const char *room, const char *type, const char *actor,
                    json_t *data);

#endif
