/* Sight-only monitoring of legal calls, signalling's layer (docs/media.md,
 * "Sight-only monitoring"; docs/signalling-protocol.md). Booking says
 * monitoring "video_only" and gives the monitor grants.audio:false;
 * signalling enforces it on its own: a hidden participant of a video_only
 * call never has audio (whatever the token's grants say), its
 * subscriber_answer may not accept an audio section (audio_not_granted), an
 * SFU offer with audio for it is not relayed, and the SFU room of a legal or
 * telemedicine call is created audio_private. Pure functions. */
#ifndef PARLOUR_SIG_SIGHTONLY_H
#define PARLOUR_SIG_SIGHTONLY_H

#include <glib.h>

/* "allowed" → allowed; "video_only" → allowed and video_only; "forbidden"
 * → neither. FALSE for anything else (the claim is invalid). */
gboolean sig_sight_monitoring_parse(const char *mon, gboolean *allowed, gboolean *video_only);

/* May this participant receive audio? No for a hidden participant of a
 * video_only call, nor for anyone whose grant says audio:false. */
gboolean sig_sight_audio_allowed(gboolean hidden, gboolean video_only, gboolean audio_grant);

/* The SFU room's audio_private: legal and telemedicine calls (their audio
 * never goes to a hidden participant, setting or not). */
gboolean sig_sight_room_audio_private(const char *visit_type);

/* TRUE when an SDP has an audio media section that can carry media (port
 * not 0 and not a=inactive): what a participant without audio may neither
 * be offered nor accept. NULL or garbage: TRUE (fail safe). */
gboolean sig_sight_sdp_has_audio(const char *sdp);

#endif
