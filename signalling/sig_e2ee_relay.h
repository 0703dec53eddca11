/* The key messages of end-to-end encrypted calls (docs/signalling-protocol.md,
 * "End-to-end encryption keys"): signalling relays them between the call's
 * visible participants and reads nothing in them. */
#ifndef PARLOUR_SIG_E2EE_RELAY_H
#define PARLOUR_SIG_E2EE_RELAY_H

#include <jansson.h>

#include "sig_room.h"

/* Client message e2ee {to?, body}: body (an object, at most
 * SIG_E2EE_MAX_BODY bytes as JSON) goes to `to`, or to every other ready
 * visible participant, as e2ee {from, body}; `from` is the sender's
 * participant id from its join token. */
#define SIG_E2EE_MAX_BODY 4096
void sig_on_e2ee(SigPart *p, json_t *msg);

#endif
