/* The live-call state of parlour-signal: connections, rooms (one per visit)
 * and participants, and the rules between them. The wire protocol is
 * docs/signalling-protocol.md; keep the two in step.
 *
 * Ownership: SigServer owns every SigRoom (rooms, by visit id) and every
 * SigConn (conns, by a 64-bit id). A SigRoom owns its SigParts. A SigPart
 * points at its current connection (NULL while it is away within the
 * reconnect grace) and a SigConn at its part; both links are cleared
 * together. Replies from the SFU arrive later, so their context holds names
 * (room id, participant id, connection id), never pointers, and looks them
 * up again: whatever went away meanwhile is simply not found.
 *
 * Everything runs on the main GLib context; nothing here takes a lock. */
#ifndef PARLOUR_SIG_SERVER_H
#define PARLOUR_SIG_SERVER_H

#include <glib.h>
#include <jansson.h>

#include "httpd.h"
#include "sig_decisions.h"
#include "sig_events.h"
#include "sig_join.h"
#include "sig_sfu.h"

#define SIG_PROTOCOL_VERSION 1

/* Close codes (RFC 6455 private range) the client can act on. */
#define SIG_CLOSE_ENDED 4000     /* visit_ended was sent */
#define SIG_CLOSE_REMOVED 4001   /* removed by a moderator */
#define SIG_CLOSE_REPLACED 4002  /* the same participant joined again elsewhere */
#define SIG_CLOSE_PROTOCOL 4400  /* bad first message, join timeout */
#define SIG_CLOSE_REFUSED 4401   /* join refused (token, window, role...) */
#define SIG_CLOSE_RATE 4429      /* message rate exceeded */
#define SIG_CLOSE_UNAVAILABLE 4503 /* no media server could take the call, or booking did not answer the admission check */
#define SIG_CLOSE_SLOW 4508      /* the client did not read what we sent */

/* Messages waiting to be written to one client before it is cut off. */
#define SIG_MAX_QUEUED 1024

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
typedef struct SigRoom SigRoom;
typedef struct SigPart SigPart;
typedef struct SigConn SigConn;

typedef struct {
  char *id;
  char *participant;
  char *kind;
  gboolean muted;
  gboolean muted_by_moderator;
} SigTrack;

struct SigPart {
  SigRoom *room;
  SigIdentity *id;
  SigConn *conn;     /* NULL while away */
  gboolean ready;    /* participant_add done and joined sent */
  guint grace_timer; /* running while away */
  gboolean warned_first, warned_second;
  gint64 joined_at;
  guint64 sfu_generation; /* bumped on every participant_add, to drop stale replies */
  gint64 max_video_kbps;  /* the client's video_limit (0 none); kept across media resets */
  /* The sfu_generation whose transports the connection was last told about
   * (joined sent): a reconnect may resume them only while it is current. */
  guint64 joined_generation;
  /* The SFU's last subscriber offer not yet answered (kept while away: a
   * resumed connection gets it again, the SFU waits for its answer). */
  char *sub_offer;
};

typedef enum { ROOM_CREATING, ROOM_READY } SigRoomState;

struct SigRoom {
  SigServer *srv;
  char *id;
  SfuNode *node;
  SigRoomState state;
  SigIdentity *policy;   /* the first joiner's identity: visit window and policy */
  GHashTable *parts;     /* participant id -> SigPart* (owned) */
  GHashTable *removed;   /* participant id -> reason */
  GHashTable *tracks;    /* track id -> SigTrack* (owned) */
  guint timer;
  gboolean recording;
  gint64 started_at;
};

struct SigConn {
  SigServer *srv;
  guint64 id;
  WsConn *ws;
  SigPart *part;
  gboolean joining, closing;
  guint join_timer;
  double bucket;
  gint64 bucket_at_us;
};

struct SigServer {
  SigSettings set;
  GPtrArray *nodes;     /* SfuNode* in configured order */
  SigEvents *events;    /* may be NULL (no booking configured) */
  struct SigBooking *booking; /* admission check and decision feed; NULL: admission = off */
  GHashTable *rooms;    /* id -> SigRoom* */
  GHashTable *ended;    /* room id -> reason (calls that ended, refused on rejoin) */
  GHashTable *conns;    /* &id -> SigConn* (not owned: freed on close) */
  guint64 next_conn_id;
};

/* nodes: NULL-terminated control URLs; events may be NULL. */
SigServer *sig_server_new(const SigSettings *set, char **node_urls, const char *sfu_secret,
                          SigEvents *events);
void sig_server_free(SigServer *s);

/* The /ws endpoint callbacks (user = SigServer*). */
int sig_ws_open(WsConn *c, const HttpRequest *upgrade, void *user);
void sig_ws_message(WsConn *c, const char *data, size_t len, void *user);
void sig_ws_close(WsConn *c, void *user);

/* ---- shared between sig_conn.c and sig_room.c ---- */

/* Sends {"v":1,"type":type,...fields} (fields stolen, may be NULL). */
void sig_send(SigConn *c, const char *type, json_t *fields);
void sig_send_error(SigConn *c, const char *code, const char *message, const char *re);
void sig_conn_close(SigConn *c, int code, const char *reason);
SigConn *sig_conn_lookup(SigServer *s, guint64 id);

void sig_handle_join(SigConn *c, json_t *msg);
/* Places a verified (and, with admission on, admitted) identity in its
 * call: ended/removed/policy checks, a held participant taken over, the
 * room created on the first join. Takes id. (sig_admit.c) */
void sig_join_place(SigConn *c, SigIdentity *id, int resume);
/* Asks booking whether id may join (a first join), then places it or
 * refuses the join. Takes id. (sig_admission.c) */
void sig_admission_start(SigConn *c, SigIdentity *id, int resume);
/* Booking's decision feed hands each decision here (user = SigServer*). */
void sig_on_decision(const SigDecision *d, void *user);
void sig_handle_joined_message(SigConn *c, const char *type, json_t *msg);
void sig_part_disconnected(SigPart *p);
void sig_on_sfu_event(SfuNode *node, json_t *ev, void *user);
void sig_on_sfu_state(SfuNode *node, int up, void *user);

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

void sig_post_event(SigServer *s, const char *room, const char *type, const char *actor,
                    json_t *data);
void sig_track_free(gpointer t);
void sig_room_free(gpointer room);
void sig_part_free(gpointer part);
/* The visible, ready participants but self, as joined lists them. */
json_t *sig_room_participants_for(SigRoom *r, SigPart *self);
/* Sends the ending_soon warnings now due to p (each once). */
void sig_part_warn(SigPart *p, gint64 now_ms);
/* Arms the room's timer for its next warning or its end. */
void sig_room_schedule(SigRoom *r);
const char *sig_public_actor(SigPart *p);
/* Sends to every ready, connected participant except `except` (fields stolen). */
void sig_broadcast(SigRoom *r, SigPart *except, const char *type, json_t *fields);
void sig_room_end(SigRoom *r, const char *reason, SigPart *by, const char *why);
void sig_part_leave(SigPart *p, const char *reason, gboolean tell_sfu);
/* The SFU lost the participant's media: fresh transports, client told. */
void sig_part_media_reset(SigPart *p, const char *reason);
void sig_on_subscriber_offer(SfuNode *n, json_t *reply, void *user);
/* Sends the SFU's unanswered subscriber offer again (a resumed connection). */
void sig_resend_subscriber_offer(SigPart *p);

/* Public view of a participant for others: {id,name,role,tracks:[...]}. */
json_t *sig_part_public(SigPart *p);

#endif
