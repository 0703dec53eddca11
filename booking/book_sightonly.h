/* Sight-only monitoring of legal calls (docs/media.md, "Sight-only
 * monitoring"; issue 18 part 2). An establishment setting, off by default
 * (migration 0015), lets its monitors watch the video, never hear the audio,
 * of legal calls. Booking's layer: the call's monitoring becomes
 * "video_only" (in every participant's token, join answer and admission
 * answer, so every page tells its user before the call starts) and a
 * monitor's grant says audio:false. Signalling and the SFU each enforce it
 * again on their own. Pure: facts in, answer out. */
#ifndef PARLOUR_BOOK_SIGHTONLY_H
#define PARLOUR_BOOK_SIGHTONLY_H

/* The call's monitoring: "allowed" (the visit type allows it: sight and
 * sound), "video_only" (a legal call where the establishment's setting is
 * on), or "forbidden" (everything else, telemedicine always). Static
 * strings; unknown input is "forbidden" (fail safe). */
const char *book_sight_monitoring(const char *visit_type, const char *type_monitoring,
                                  int legal_sight_on);

/* Whether the join grant carries audio: everyone but a monitor of a
 * video_only call (and a monitor of a forbidden call gets no grant). */
int book_sight_audio_grant(const char *monitoring, int is_monitor);

#endif
