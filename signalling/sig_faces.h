/* Unexpected-person alerts on live social calls (docs/faces.md): signalling
 * receives parlour-faces' face counts over UDP, decides with the pure rule
 * (common/faces_rule.h) against the people booked on each device, raises
 * `face_alert` on the monitoring wall (the call's hidden staff monitors),
 * and carries out staff's decision: dismiss, warn the participants
 * (`staff_notice`), or end the call with a reason. Nothing here ends a call
 * by itself.
 *
 * The analyser's absence is a state, not an error: without its heartbeat
 * for [faces] unavailable_after_s the wall is told `face_analysis
 * {available:false}`, and the call goes on untouched. */
#ifndef PARLOUR_SIG_FACES_H
#define PARLOUR_SIG_FACES_H

#include <stdbool.h>
#include <stddef.h>

#include "faces_rule.h"
#include "sig_room.h"

typedef struct {
  const char *listen; /* host:port (UDP) */
  FacesRuleConfig rule;
  int unavailable_after_s;
} SigFacesConfig;

typedef struct SigFaces SigFaces;

SigFaces *sig_faces_new(SigServer *srv, const SigFacesConfig *cfg, char *err, size_t errsize);
void sig_faces_free(SigFaces *f);

/* participant_add: should the SFU copy p's video to the analyser? FALSE
 * when faces are off or the call/participant is not one the policy allows. */
gboolean sig_faces_analyse(SigPart *p);
/* A monitor's `face_alert_decision`. */
void sig_faces_on_decision(SigPart *p, json_t *msg);
/* A monitor just got `joined`: the analysis state and the call's open
 * alerts. */
void sig_faces_monitor_joined(SigPart *p);

#endif
