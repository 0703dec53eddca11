/* A recording that fails (docs/recording.md, docs/signalling-protocol.md
 * "recording_failed"): the SFU's `recording_failed` event, above all a
 * piece whose file fails mid-call (a full disk), reaches booking through
 * the durable events outbox, at once, whatever the call's state (a failure
 * at stop arrives after the call ended), and the staff monitoring the call
 * (its hidden monitors: the wall) are told `recording_failed`. Participants
 * are told nothing new: they were told the call is recorded, and what was
 * recorded is kept.
 *
 * The room keeps each line it sent (SigRoom.rec_failures, numbered by
 * `seq` from 1) while the call lives on this instance, so a monitor who
 * opens the call after the failure is told too. */
#ifndef PARLOUR_SIG_RECFAIL_H
#define PARLOUR_SIG_RECFAIL_H

#include <jansson.h>

#include "sig_room.h"

/* The SFU event `ev` (type "event", event "recording_failed") of room_id. */
void sig_recfail_on_event(SigServer *s, const char *room_id, json_t *ev);
/* Sends p (if hidden and connected) each recording_failed line its room
 * kept, oldest first: after every joined, so a reconnected page has them
 * too (clients skip a seq they already show). */
void sig_recfail_send_kept(SigPart *p);

#endif
