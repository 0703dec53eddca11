/* Live calls (sig_room.c): a room per visit and its participants, and what
 * happens to them on the wire — presence broadcasts, the ending_soon
 * warnings and the room's timer, the end of the call, leaving, and the
 * reconnect grace. The rules are the call core's (sig_call_timeup.h,
 * sig_call_presence.h, sig_call_moderation.h); this is the state they are
 * applied to and the sending.
 *
 * Ownership: a SigRoom owns its SigParts and SigTracks. A SigPart points at
 * its current connection (NULL while it is away within the reconnect grace)
 * and a SigConn at its part; both links are cleared together. Replies from
 * the SFU arrive later, so their context holds names (sig_relay.h, SigCtx),
 * never pointers. */
#ifndef PARLOUR_SIG_ROOM_H
#define PARLOUR_SIG_ROOM_H

#include <glib.h>
#include <jansson.h>

#include "sig_call.h"
#include "sig_call_moderation.h"
#include "sig_call_timeup.h"
#include "sig_conn.h"
#include "sig_join.h"
#include "sig_server.h"
#include "sig_sfu.h"

typedef struct SigRoom SigRoom;

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
  gboolean away;     /* dropped, within the reconnect grace (the room's timer ends it) */
  gint64 away_deadline_ms; /* while away: the reconnect grace ends then */
  SigWarned warned;  /* the ending_soon warnings its connection has had */
  gint64 joined_at;
  guint64 sfu_generation; /* bumped on every participant_add, to drop stale replies */
  gint64 max_video_kbps;  /* the client's video_limit (0 none); kept across media resets */
  /* The sfu_generation whose transports the connection was last told about
   * (joined sent): a reconnect may resume them only while it is current. */
  guint64 joined_generation;
  /* The SFU's last subscriber offer not yet answered (kept while away: a
   * resumed connection gets it again, the SFU waits for its answer). */
  char *sub_offer;
  /* Call quality figures (sig_part_quality.h); NULL until the first. */
  struct SigQuality *quality;
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
  /* While the call moves to another SFU node (sig_room_move): the node it
   * left and why ("node_lost", "node_draining"); NULL otherwise. */
  char *moved_from;
  char *move_reason;
  gint64 move_started_ms;
  /* The recording_failed lines the call's monitors were sent (json_t*,
   * oldest first, NULL until the first; sig_recfail.h): a monitor who joins
   * later is sent each. */
  GPtrArray *rec_failures;
};

void sig_track_free(gpointer t);
void sig_room_free(gpointer room);
void sig_part_free(gpointer part);

/* ---- who is here ---- */

/* Public view of a participant for others: {id,name,role,tracks:[...]}. */
json_t *sig_part_public(SigPart *p);
/* The visible, ready participants but self, as joined lists them. */
json_t *sig_room_participants_for(SigRoom *r, SigPart *self);
/* The participant as the call core's moderation rules see it. */
SigMember sig_part_member(const SigPart *p);
const char *sig_public_actor(SigPart *p);
/* Sends to every ready, connected participant except `except` (fields stolen). */
void sig_broadcast(SigRoom *r, SigPart *except, const char *type, json_t *fields);

/* ---- time-up ---- */

/* The room's time rules (its visit's end, the server's warning settings). */
SigTimeup sig_room_timeup(const SigRoom *r);
/* Sends the ending_soon warnings now due to p (each once). */
void sig_part_warn(SigPart *p, gint64 now_ms);
/* Arms the room's one timer for the next moment the call core names: a
 * warning, the end, or the end of someone's reconnect grace. */
void sig_room_schedule(SigRoom *r);

/* ---- the end, leaving, the grace ---- */

/* Ends the call for everyone: visit_ended to each participant, the SFU room
 * destroyed, booking told, rejoins refused. by may be NULL (the clock, a
 * failure, booking's decision); why is the message shown, may be NULL. */
void sig_room_end(SigRoom *r, const char *reason, SigPart *by, const char *why);
/* p leaves (frees p): participant_left to the others and booking. */
void sig_part_leave(SigPart *p, const char *reason, gboolean tell_sfu);
/* p's connection dropped: it leaves now, or is away within the grace. */
void sig_part_disconnected(SigPart *p);
/* A held participant joined again: no longer away. */
void sig_part_back(SigPart *p);

#endif
