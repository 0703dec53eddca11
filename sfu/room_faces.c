/* A room's analyser tap (docs/faces.md): started with the first participant
 * signalling adds with `analyse`, when [faces] analyser is set. The policy
 * (which calls, which participants) is signalling's; the SFU copies what it
 * is told to and nothing else. */
#include "jsonutil.h"
#include "log.h"
#include "room_internal.h"

void room_faces_participant(Room *r, Participant *p, json_t *msg) {
  int analyse = 0;
  jsonu_bool(msg, "analyse", &analyse);
  if (!analyse) return;
  if (!r->env.faces_analyser || !r->env.faces_analyser[0]) {
    log_debug("faces_not_configured", "room=%s participant=%s", r->name, p->id);
    return;
  }
  if (!r->faces_tap) {
    char err[160];
    r->faces_tap = faces_tap_new(r->name, r->env.faces_analyser, err, sizeof err);
    if (!r->faces_tap) {
      /* no analysis is not a reason to refuse the call */
      log_warn("faces_tap_failed", "room=%s error=%s", r->name, err);
      return;
    }
  }
  p->analyse = 1;
  log_info("faces_analysed", "room=%s participant=%s", r->name, p->id);
}

void room_faces_free(Room *r) {
  if (!r->faces_tap) return;
  FacesTapStats st;
  faces_tap_stats(r->faces_tap, &st);
  log_info("faces_tap_stopped",
           "room=%s queued=%" G_GUINT64_FORMAT " dropped_queue=%" G_GUINT64_FORMAT
           " sent=%" G_GUINT64_FORMAT " dropped_send=%" G_GUINT64_FORMAT
           " keyframe_requests=%" G_GUINT64_FORMAT,
           r->name, st.queued, st.dropped_queue, st.sent, st.dropped_send, st.keyframe_requests);
  faces_tap_free(r->faces_tap);
  r->faces_tap = NULL;
}

json_t *room_faces_stats_json(Room *r) {
  if (!r->faces_tap) return json_null();
  FacesTapStats st;
  faces_tap_stats(r->faces_tap, &st);
  return json_pack("{s:I, s:I, s:I, s:I, s:I}", "queued", (json_int_t)st.queued, "dropped_queue",
                   (json_int_t)st.dropped_queue, "sent", (json_int_t)st.sent, "dropped_send",
                   (json_int_t)st.dropped_send, "keyframe_requests",
                   (json_int_t)st.keyframe_requests);
}
