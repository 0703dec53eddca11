/* engine_feedback: the engine's side of publisher feedback (transport-cc
 * feedback and REMB toward publishers; sfu/publisher_feedback.h describes
 * the whole). Worker thread only. */
#ifndef PARLOUR_SFU_CORE_ENGINE_FEEDBACK_H
#define PARLOUR_SFU_CORE_ENGINE_FEEDBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "rtp.h"
#include "twcc_feedback.h"

typedef struct EnginePeer EnginePeer;

/* One RTP packet parsed from the publisher's transport (before anything
 * else looks at it: unknown SSRCs and padding count too). */
void publisher_feedback_on_rtp(EnginePeer *p, const uint8_t *buf, const RtpView *v,
                               int64_t arrival_us);

/* The sans-IO part of the above, testable alone: records the packet's
 * transport-wide seq (extension `ext_id`) in f; false when it has none. */
bool publisher_feedback_record(TwccFeedback *f, uint8_t ext_id, const uint8_t *buf,
                               const RtpView *v, int64_t arrival_us);

/* Every room tick (20 ms): transport-cc feedback when due, REMBs. */
void publisher_feedback_tick(EnginePeer *p, int64_t now_us);

/* After a publisher offer: transport-cc feedback toward the publisher on
 * with the extension id our answer accepted (allocating the recorder; a
 * re-offer keeps its sequence going), or off with 0 (freed). */
void engine_peer_set_publisher_twcc(EnginePeer *p, uint8_t ext_id);

/* publisher_feedback in participant_stats (docs/sfu-control.md). */
typedef struct {
  bool transport_cc;
  int ext_id;
  uint64_t packets, packets_without_ext, feedbacks, feedback_bytes, send_errors;
  uint64_t late, duplicates, skipped;
} EngineFeedbackStats;
void engine_publisher_feedback_stats(const EnginePeer *p, EngineFeedbackStats *out);

#endif
