/* parlour-signal's server, as main.c sees it: its settings, its life, its
 * clock and the /ws callbacks. The server's inside is not here:
 *
 *   the call core (pure, no I/O, no clock of its own; unit-tested):
 *     sig_call.h             the call's timer: one look at `now` — the end, graces
 *                            over, warnings due — and when to look again
 *     sig_call_timeup.h      warnings, the end, the joining window
 *     sig_call_presence.h    what a join or a drop means
 *     sig_call_moderation.h  who may mute, remove, end, record
 *     sig_call_move.h        a lost or draining SFU node: move, end or stay; where to
 *     sig_call_pin.h         several signalling instances: which one a visit belongs to
 *     sig_clock.h            the injected clock the core's `now` comes from
 *   the I/O around it (GLib timers, websockets, the SFU, booking):
 *     sig_server_state.h sig_server.c  the server's tables, SFU nodes going down
 *     sig_conn.h sig_conn.c            one browser connection: framing, limits, sending
 *     sig_admit.h sig_admit.c          joins: placement, the SFU participant, joined
 *     sig_room.h sig_room.c            live calls: presence, the end, leaving, the timer
 *     sig_relay.h sig_relay.c          SDP/ICE relay and SFU events
 *     sig_moderate.h sig_moderate.c    mute, remove, end_call, record on the wire
 *     sig_sfu.h sig_events.h sig_join.h  SFU control client, booking events, tokens
 *     sig_booking.h sig_admission.c  booking's admission check and decision feed (libsoup)
 *     sig_cluster.h sig_cluster.c    the other signalling instances: probes, redirects
 *     sig_decisions.h sig_decisions.c  booking's decisions: parse and plan (pure, unit-tested),
 *                                      then carried out on the live call
 *
 * The wire protocol is docs/signalling-protocol.md; keep the two in step.
 * Everything runs on the main GLib context; nothing here takes a lock. */
#ifndef PARLOUR_SIG_SERVER_H
#define PARLOUR_SIG_SERVER_H

#include <glib.h>

#include "httpd.h"
#include "sig_clock.h"
#include "sig_decisions.h"
#include "sig_events.h"
#include "sig_join.h"

typedef struct {
  SigJoinPolicy join;
  int reconnect_grace_s; /* 30 */
  int join_timeout_s;    /* 10: a connection must join within this */
  int rate_per_s;        /* token bucket refill */
  int rate_burst;        /* token bucket size */
  int max_participants;  /* per room, told to the SFU */
  int warn_first_s;      /* 300: ending_soon at 5 min */
  int warn_second_s;     /* 60: ending_soon at 1 min */
  char **turn_urls;      /* NULL/empty: no ice_servers in joined (not owned) */
  const char *turn_secret; /* TURN REST secret when turn_urls is set (not owned) */
  int turn_ttl_margin_s;
} SigSettings;

typedef struct SigServer SigServer;

/* nodes: NULL-terminated control URLs; events may be NULL. */
SigServer *sig_server_new(const SigSettings *set, char **node_urls, const char *sfu_secret,
                          SigEvents *events);
void sig_server_free(SigServer *s);
/* Replaces the server's wall clock (the real one by default). */
void sig_server_set_clock(SigServer *s, SigClock clock);
/* The server's clock: Unix ms, Unix s. Nothing in signalling's call logic
 * reads time_now_* itself. */
gint64 sig_now_ms(const SigServer *s);
gint64 sig_now_unix(const SigServer *s);

/* The SFU nodes an operator marks draining ([sfu] draining, reloaded on
 * SIGHUP; NULL: none): no new call is placed on them, and when moves is
 * TRUE their live calls move to another node now (else they finish where
 * they are). Returns how many URLs name no configured node (logged). */
int sig_server_set_draining(SigServer *s, char **urls, gboolean moves);

/* Several signalling instances (sig_cluster.h; NULL: this one alone): a
 * first join of a visit another instance has is redirected there. */
struct SigCluster;
void sig_server_set_cluster(SigServer *s, struct SigCluster *cluster);
/* The visits whose calls are live here (for the other instances). */
json_t *sig_server_room_ids(SigServer *s);

/* Booking's admission check and decision feed (NULL: admission = off). */
struct SigBooking;
void sig_server_set_booking(SigServer *s, struct SigBooking *booking);
/* Booking's decision feed hands each decision here (user = SigServer*). */
void sig_on_decision(const SigDecision *d, void *user);

/* The /ws endpoint callbacks (user = SigServer*). */
int sig_ws_open(WsConn *c, const HttpRequest *upgrade, void *user);
void sig_ws_message(WsConn *c, const char *data, size_t len, void *user);
void sig_ws_close(WsConn *c, void *user);

#endif
