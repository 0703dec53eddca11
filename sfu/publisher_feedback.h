/* publisher_feedback: what the SFU tells a publisher about what it can use
 * (issue 9: "publishers are told what the SFU can use, so they don't send
 * layers nobody receives").
 *
 * Two things go to a publisher over its transport's RTCP:
 * - transport-cc feedback (when switched on, publisher_feedback_twcc_enabled,
 *   off by default, and its offer had the transport-cc extension and the
 *   transport-cc rtcp-fb; our answer accepts both with the offered id,
 *   sdp_write_accepts_twcc): every RTP packet of the BUNDLE (audio,
 *   video, RTX, padding) carrying the extension is recorded with its arrival
 *   time, and every 100 ms twcc_feedback builds RTPFB FMT 15 feedback. The
 *   browser's own send-side estimate (GCC) then manages the uplink.
 * - REMB per video track, the demand cap: for simulcast,
 *   publisher_remb's budget for the highest layer any subscription wants
 *   (publisher_remb_demand: the layer it would take if every layer were
 *   sent, plus one, within its cap); layers above are switched off at the
 *   source. Without transport-cc toward the publisher the REMB is also
 *   capped by the forwarder's loss-based uplink estimate (t->remb_bps);
 *   with it, the browser's estimate handles the uplink. Single-layer
 *   tracks keep forwarder_video_cap's rule (docs/media.md *Subscriber
 *   limits without simulcast*: a limited watcher must not lower the rate
 *   for the people in the call). Computed every 100 ms, sent when
 *   publisher_remb_poll says (each second, at once on a drop or when a
 *   higher layer becomes wanted).
 *
 * Worker thread only; the state lives in the engine's peer (pub_twcc*) and
 * track (premb, remb_*), see core/engine_private.h. The engine's part (recording
 * arrivals, the tick that sends feedback and REMB) is
 * sfu/core/engine_feedback.c; the negotiation and the stats JSON are here. */
#ifndef PARLOUR_SFU_PUBLISHER_FEEDBACK_H
#define PARLOUR_SFU_PUBLISHER_FEEDBACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/engine_feedback.h"
#include "sdp_parse.h"

typedef struct Participant Participant;

/* Whether publisher answers accept transport-cc at all: the room's
 * [media] publisher_twcc setting (off by default; publisher_feedback.c says
 * why). */
typedef struct Room Room;
bool publisher_feedback_twcc_enabled(const Room *r);

/* After a publisher offer was parsed and accepted[] decided: turn
 * transport-cc toward the publisher on (allocating the recorder), keep it
 * (a re-offer: the id may change, the sequence goes on) or off (freed). */
void publisher_feedback_negotiated(Participant *p, const SdpRemote *offer, const int *accepted);

/* {transport_cc, ext_id, packets, packets_without_ext, feedbacks,
 * feedback_bytes, send_errors, late, duplicates, skipped}. */
json_t *publisher_feedback_stats_json(const Participant *p);


#endif
