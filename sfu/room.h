/* room: one call on one worker thread: its participants, their publisher
 * and subscriber transports, the published tracks and who receives them.
 * Every function runs on the room's worker thread.
 *
 * room_handle() answers one control request (already validated for shape by
 * the control layer) and returns the reply body; any failure is a reply, and
 * leaves the room and every other participant as they were. */
#ifndef PARLOUR_SFU_ROOM_H
#define PARLOUR_SFU_ROOM_H

#include <glib.h>
#include <jansson.h>

#include "worker.h"

typedef struct Room Room;

Room *room_new(const char *name, int max_participants, int recordable, int worker_index,
               const SfuEnv *env, GMainContext *ctx);
/* Sight-only monitoring (core/sight_policy.h): room_create's audio_private,
 * set for legal calls: no audio to hidden participants. Set at creation. */
void room_set_audio_private(Room *r, int audio_private);
/* Removes every participant (participant_disconnected with reason) and frees. */
void room_free(Room *r, const char *reason);
/* Returns a new reference: sfu_result(...) or sfu_error(...). */
json_t *room_handle(Room *r, const char *type, json_t *msg);

#endif
