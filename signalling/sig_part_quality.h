/* A participant's call quality on the wire (the pure part: sig_quality.h):
 * the client's "stats" messages (docs/signalling-protocol.md), the
 * reconnections and ICE restarts the call sees, and the call_quality event
 * to booking when the participant leaves or the call ends
 * (docs/contracts.md), delivered through the durable event spool. */
#ifndef PARLOUR_SIG_PART_QUALITY_H
#define PARLOUR_SIG_PART_QUALITY_H

#include <jansson.h>

#include "sig_room.h"

void sig_on_stats(SigPart *p, json_t *msg);
void sig_part_quality_reconnected(SigPart *p);
void sig_part_quality_ice_restart(SigPart *p);
/* Posts p's report as a call_quality event (never for hidden staff); p keeps nothing. */
void sig_part_quality_post(SigPart *p);
void sig_part_quality_free(SigPart *p);
/* Every SIG_QUALITY_SFU_PERIOD_S, asks the SFU for each visible ready
 * participant's participant_stats (bounded: sig_quality.h). The source id. */
guint sig_quality_sampler_start(SigServer *s);

#endif
