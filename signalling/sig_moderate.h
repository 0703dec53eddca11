/* Moderation on the wire (sig_moderate.c): mute, remove, end_call and
 * record messages parsed, judged by the call core (sig_call_moderation.h),
 * carried out (the SFU told, the others told, booking told). */
#ifndef PARLOUR_SIG_MODERATE_H
#define PARLOUR_SIG_MODERATE_H

#include <jansson.h>

#include "sig_room.h"

void sig_on_mute(SigPart *p, json_t *msg);
void sig_on_remove(SigPart *p, json_t *msg);
void sig_on_end_call(SigPart *p, json_t *msg);
void sig_on_record(SigPart *p, json_t *msg);

#endif
