/* publisher_feedback: see publisher_feedback.h. */
#include "publisher_feedback.h"

#include <string.h>

#include "log.h"
#include "room_internal.h"
#include "sdp_write.h"

/* Off by default. With it on, Chromium's send-side estimate runs on our
 * arrival times, taken when the worker reads each packet (libnice gives no
 * kernel timestamp); on the shared 2-core test machine under load (load
 * average ~10) that estimate often started or stayed low, and
 * test-browser-simulcast failed 3 runs of 3 (the top layer not sent within
 * 6 s, or a switch losing frames), against 3 of 3 passed with REMB only in
 * the same minutes. With REMB only, Chromium follows our REMB directly:
 * demand-capped, and bounded by the loss-based uplink estimate. Turn it on
 * where the SFU has its cores to itself (or once arrival times come from
 * the kernel). The switch is [media] publisher_twcc (sfu_config.c). */
bool publisher_feedback_twcc_enabled(const Room *r) { return r->env->publisher_twcc != 0; }

void publisher_feedback_negotiated(Participant *p, const SdpRemote *offer, const int *accepted) {
  uint8_t id = 0;
  for (guint i = 0; i < offer->media->len && !id && publisher_feedback_twcc_enabled(p->room); i++) {
    const SdpMediaInfo *mi = offer->media->pdata[i];
    if (accepted[i] && sdp_write_accepts_twcc(mi)) id = mi->ext.twcc;
  }
  engine_peer_set_publisher_twcc(p->engine, id);
}

json_t *publisher_feedback_stats_json(const Participant *p) {
  EngineFeedbackStats s;
  engine_publisher_feedback_stats(p->engine, &s);
  return json_pack("{s:b, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "transport_cc",
                   s.transport_cc, "ext_id", s.ext_id, "packets", (json_int_t)s.packets,
                   "packets_without_ext", (json_int_t)s.packets_without_ext, "feedbacks",
                   (json_int_t)s.feedbacks, "feedback_bytes", (json_int_t)s.feedback_bytes,
                   "send_errors", (json_int_t)s.send_errors, "late", (json_int_t)s.late,
                   "duplicates", (json_int_t)s.duplicates, "skipped", (json_int_t)s.skipped);
}
