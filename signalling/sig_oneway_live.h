/* One-way video on live calls: what the SFU and each participant are told
 * (the rule itself is sig_oneway.h's, pure). */
#ifndef PARLOUR_SIG_ONEWAY_LIVE_H
#define PARLOUR_SIG_ONEWAY_LIVE_H

#include <jansson.h>

#include "sig_oneway.h"
#include "sig_room.h"

/* receive_video for p's participant_add: false when either the room's
 * current setting or the one booking answered p's admission with forbids
 * it (the stricter of the two until the decision feed catches up). */
gboolean sig_part_receives_video(const SigPart *p);
/* {"direction","receive_video"} for joined and the one_way_video message. */
json_t *sig_part_oneway_fields(const SigPart *p);
/* Booking changed the setting of a live call: the room and each
 * participant take it, the SFU is told each participant's receive_video
 * (participant_update, applied from its next packet) and each connected
 * participant gets one_way_video with the reason. */
void sig_room_set_one_way(SigRoom *r, SigOneWay w, const char *reason);

#endif
