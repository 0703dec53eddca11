/* One-way video (issue 17 part 3): booking's setting for a visit, and who
 * may receive video under it. Pure (tests/unit/test_signal_oneway.c).
 *
 * Directions (booking's words, docs/booking.md "One-way video"):
 *  - "off": everyone sees everyone they may;
 *  - "prisoner_sees_no_video": the prisoner receives no video (the visitors
 *    still see and hear the prisoner; the prisoner hears them);
 *  - "visitors_see_no_video": the reverse, for every participant of role
 *    visitor.
 * Audio always flows both ways; staff monitors, officers and recordings are
 * never affected. Signalling adds each participant to the SFU with the
 * answer of sig_oneway_receives_video as receive_video, and the SFU enforces
 * it itself too (sfu/core/media_gate.h). */
#ifndef PARLOUR_SIG_ONEWAY_H
#define PARLOUR_SIG_ONEWAY_H

#include <glib.h>

typedef enum {
  SIG_ONEWAY_OFF = 0,
  SIG_ONEWAY_PRISONER_SEES_NO_VIDEO = 1,
  SIG_ONEWAY_VISITORS_SEE_NO_VIDEO = 2,
} SigOneWay;

/* NULL (not said) is off; an unknown word is -1 (the caller fails closed). */
int sig_oneway_parse(const char *s, SigOneWay *out);
const char *sig_oneway_name(SigOneWay w);
/* May a participant of this role (hidden: a staff monitor) receive video? */
gboolean sig_oneway_receives_video(SigOneWay w, const char *role, gboolean hidden);

#endif
