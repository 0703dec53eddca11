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
/* The SFU lost the participant's media: fresh transports, client told. */
void sig_part_media_reset(SigPart *p, const char *reason);

#endif
