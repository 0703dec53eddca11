/* keyframe_throttle: per published video track, turn many keyframe requests
 * (subscribers' PLI/FIR, new subscribers, the NACK generator giving up) into
 * at most one request toward the publisher per window (default 500 ms).
 *
 * Contract / design choice
 * - keyframe_throttle_request(now) returns true when the caller must send a
 *   PLI (or FIR) to the publisher now: no request was sent in the last
 *   window. Otherwise the request is remembered as *pending*, not lost.
 * - keyframe_throttle_poll(now) returns true once the window since the last
 *   sent request has passed while a request is pending, unless a keyframe
 *   from the publisher arrived (keyframe_throttle_on_keyframe) after the
 *   pending request was made: that keyframe already answers it.
 *   Coalescing instead of discarding means nobody waits for their own retry.
 * - A new subscriber forces a request (keyframe_throttle_force): it is sent
 *   at once if the window allows, otherwise made pending exactly like a
 *   PLI — we deliberately keep the window even for newcomers, because a
 *   room where several people join at once would otherwise make the
 *   publisher's encoder emit a burst of keyframes (each ~10x a delta frame),
 *   congesting every other subscriber. Worst case the newcomer waits one
 *   window (500 ms) for the first picture.
 * - Struct is public for embedding; no allocation; time injected.
 */
#ifndef PARLOUR_SFU_KEYFRAME_THROTTLE_H
#define PARLOUR_SFU_KEYFRAME_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#define KEYFRAME_THROTTLE_DEFAULT_WINDOW_US 500000

typedef struct {
  uint64_t requests;       /* requests received (PLI/FIR/force) */
  uint64_t forced;         /* of which new-subscriber forces */
  uint64_t sent;           /* requests the caller was told to send */
  uint64_t suppressed;     /* requests coalesced into a sent or pending one */
  uint64_t satisfied;      /* pending requests answered by a keyframe */
  uint64_t keyframes;      /* keyframes seen from the publisher */
} KeyframeThrottleStats;

typedef struct {
  int64_t window_us;
  bool sent_once;
  int64_t last_sent_us;
  bool pending;
  int64_t pending_since_us;
  KeyframeThrottleStats stats;
} KeyframeThrottle;

/* window_us <= 0 selects the default. */
void keyframe_throttle_init(KeyframeThrottle *kt, int64_t window_us);
bool keyframe_throttle_request(KeyframeThrottle *kt, int64_t now_us);
bool keyframe_throttle_force(KeyframeThrottle *kt, int64_t now_us);
bool keyframe_throttle_poll(KeyframeThrottle *kt, int64_t now_us);
/* The publisher sent a keyframe (first packet of it) at now_us. */
void keyframe_throttle_on_keyframe(KeyframeThrottle *kt, int64_t now_us);
/* When poll() may next return true, or INT64_MAX when nothing is pending. */
int64_t keyframe_throttle_next_due(const KeyframeThrottle *kt);

#endif
