/* media_gate: may a subscriber receive a kind of media at all (one-way
 * video, issue 17 part 3).
 *
 * Booking may decide that one side of a call does not see the other (a
 * high-risk prisoner who must not see the visitors, or the reverse); the
 * people concerned still hear each other. Signalling asks the SFU to add
 * such a participant with receive_video false (docs/sfu-control.md), and
 * the SFU enforces it itself, whatever subscriptions it is later asked for:
 * a video track is never subscribed for that participant, and a video
 * packet that would still reach its forwarding path is dropped and counted
 * (ENGINE_DROP_VIDEO_BLOCKED), never sent. Pure: the facts go in, the
 * answer comes out. */
#ifndef PARLOUR_SFU_CORE_MEDIA_GATE_H
#define PARLOUR_SFU_CORE_MEDIA_GATE_H

#include <stdbool.h>

typedef enum { MEDIA_GATE_AUDIO = 0, MEDIA_GATE_VIDEO = 1, MEDIA_GATE_OTHER = 2 } MediaGateKind;

/* True when a subscriber with this receive_video setting may receive a
 * track of this kind. Audio always flows; video only when receive_video;
 * anything else (not audio, not video) is refused when receive_video is
 * false, so an unknown kind cannot carry pictures past the gate. */
bool media_gate_allows(bool receive_video, MediaGateKind kind);

#endif
