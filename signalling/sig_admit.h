/* Joins (sig_admit.c): a verified join token becomes a participant in a
 * call — what the join means is the call core's (sig_call_presence.h); here
 * the call is placed on an SFU node, its room created, the participant added
 * to the SFU and answered with joined. */
#ifndef PARLOUR_SIG_ADMIT_H
#define PARLOUR_SIG_ADMIT_H

#include <jansson.h>

#include "sig_conn.h"
#include "sig_room.h"

/* The join message of a connection that has not joined. */
void sig_handle_join(SigConn *c, json_t *msg);
/* Places a verified (and, with admission on, admitted) identity in its
 * call: ended/removed/policy checks, a held participant taken over, the
 * room created on the first join. Takes id. (sig_admit.c) */
void sig_join_place(SigConn *c, SigIdentity *id, int resume);
/* Asks booking whether id may join (a first join), then places it or
 * refuses the join. Takes id. (sig_admission.c) */
void sig_admission_start(SigConn *c, SigIdentity *id, int resume);
/* The SFU lost the participant's media: fresh transports, client told. */
void sig_part_media_reset(SigPart *p, const char *reason);
/* Moves a live call to node `to` (sig_call_move.h decided it): every
 * participant is told media_reset {reason}, its tracks are unpublished for
 * the others, the room is created on `to` (recording again if the call is
 * recorded: a new recording session there), and each participant gets
 * fresh transports and a joined (reconnected:true). The old node's room is
 * stopped and destroyed if the node is still up (draining). Booking hears
 * call_moved {from_node, to_node, reason} once the new room exists. */
void sig_room_move(SigRoom *r, SfuNode *to, const char *reason);

#endif
