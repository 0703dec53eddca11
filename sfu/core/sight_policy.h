/* sight_policy: sight-only monitoring of legal calls (docs/media.md,
 * "Sight-only monitoring"). Since January 2025 the images, never the sound,
 * of a legal video call may be watched. A room whose audio is private
 * (room_create's audio_private, set by signalling for legal calls) never
 * gives its audio to a hidden participant (a monitor), whatever the control
 * API asked for: the SFU's own layer of the rule, independent of booking's
 * grant and signalling's refusal. Pure: the facts in, the answer out. */
#ifndef PARLOUR_SFU_CORE_SIGHT_POLICY_H
#define PARLOUR_SFU_CORE_SIGHT_POLICY_H

#include <stdbool.h>

/* true when a packet (or a subscription) of a track of this kind may go to
 * this subscriber. Only a hidden subscriber of an audio-private room is
 * refused, and only audio. */
bool sight_policy_may_forward(bool subscriber_hidden, bool room_audio_private, bool track_is_audio);

#endif
