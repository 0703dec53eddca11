/* Internal calls shared by room.c (requests), participant.c (transports
 * and negotiation) and the other pump files of a room. Their objects are
 * room_state.h's; the engine (sfu/core/engine*.c) is reached only through
 * core/engine.h's calls on its handles. Worker thread only. */
#ifndef PARLOUR_SFU_ROOM_INTERNAL_H
#define PARLOUR_SFU_ROOM_INTERNAL_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/engine_stats.h"
#include "core/sight_policy.h"
#include "peer_transport.h"
#include "faces_tap.h"
#include "recorder/recorder.h"
#include "room.h"
#include "room_state.h"
#include "sdp_parse.h"

/* room_faces.c: the analyser tap (docs/faces.md). The participant_add
 * message's `analyse` starts it for p; free it before the participants go
 * (no producer call after). */
void room_faces_participant(Room *r, Participant *p, json_t *msg);
void room_faces_free(Room *r);
json_t *room_faces_stats_json(Room *r);
/* faces_snapshot: an alert's picture kept beside the call's recording. */
json_t *room_faces_snapshot(Room *r, json_t *msg);

/* participant.c */
Participant *participant_new(Room *r, const char *id, int subscribe_all);
/* Frees everything the participant holds (tracks unpublished, transports
 * closed) and emits participant_disconnected with reason. */
void participant_remove(Participant *p, const char *reason);
/* Removal from inside a transport callback: deferred to an idle source. */
void participant_remove_later(Participant *p, const char *reason);
json_t *participant_publish_offer(Participant *p, const char *sdp);
json_t *participant_subscriber_offer(Participant *p);
json_t *participant_subscriber_answer(Participant *p, const char *sdp);
/* restart_ice: new local ICE credentials on the subscriber transport and a
 * new offer carrying them (result {sdp}); "publisher" is refused. */
json_t *participant_restart_ice(Participant *p, const char *transport);
json_t *participant_ice_candidate(Participant *p, const char *transport, const char *cand);
/* Adds or removes the subscriber's slot for a track; renegotiates. */
void participant_sync_subscriptions(Participant *p);
int participant_wants(const Participant *p, const PubTrack *t);
json_t *participant_stats_json(Participant *p);
/* (Re)creates router subscriptions for negotiated slots once the
 * subscriber leg is connected (engine_peer_set_connected); each new one
 * asks its publisher for a keyframe at now_us. */
void participant_activate_slots(Participant *p, int64_t now_us);

/* The participant's control settings changed: the engine is told. */
void participant_tell_settings(Participant *p);
/* One-way video (core/media_gate.h): may p receive track t at all. */
int participant_may_receive(const Participant *p, const PubTrack *t);
/* The published track with that id, NULL none. */
PubTrack *room_track(Room *r, const char *id);
/* The participant's published tracks, in publishing order (a new array,
 * not owning). */
GPtrArray *participant_tracks(Participant *p);
/* engine_stats_json.c: {reason: count} for every reason, zeros included
 * (stable keys). */
json_t *engine_drops_json(const EngineDrops *d);

/* recording (room.c): (re)start the participant's piece after its set of
 * published tracks changed; end it when it leaves. No-ops when not recording. */
void room_record_participant(Room *r, Participant *p);
void room_record_participant_end(Room *r, Participant *p);

/* room_engine_hooks.c: the room's side of the engine's hooks (events to
 * JSON, logs, recorder, analyser tap); room_new registers it. */
extern const EngineHooks room_engine_hooks;

/* room.c */
void room_emit(Room *r, const char *event, json_t *fields);

#endif
