/* Keyframe request coalescing; see keyframe_throttle.h for the design. */
#include "keyframe_throttle.h"

#include <string.h>

void keyframe_throttle_init(KeyframeThrottle *kt, int64_t window_us) {
  memset(kt, 0, sizeof *kt);
  kt->window_us = window_us > 0 ? window_us : KEYFRAME_THROTTLE_DEFAULT_WINDOW_US;
}

static bool window_open(const KeyframeThrottle *kt, int64_t now_us) {
  return !kt->sent_once || now_us - kt->last_sent_us >= kt->window_us;
}

static bool send_now(KeyframeThrottle *kt, int64_t now_us) {
  kt->sent_once = true;
  kt->last_sent_us = now_us;
  kt->pending = false;
  kt->stats.sent++;
  return true;
}

bool keyframe_throttle_request(KeyframeThrottle *kt, int64_t now_us) {
  kt->stats.requests++;
  if (window_open(kt, now_us)) {
    return send_now(kt, now_us);
  }
  kt->stats.suppressed++;
  if (!kt->pending) {
    kt->pending = true;
    kt->pending_since_us = now_us;
  }
  return false;
}

bool keyframe_throttle_force(KeyframeThrottle *kt, int64_t now_us) {
  kt->stats.forced++;
  return keyframe_throttle_request(kt, now_us);
}

bool keyframe_throttle_poll(KeyframeThrottle *kt, int64_t now_us) {
  if (!kt->pending || !window_open(kt, now_us)) return false;
  return send_now(kt, now_us);
}

void keyframe_throttle_on_keyframe(KeyframeThrottle *kt, int64_t now_us) {
  kt->stats.keyframes++;
  /* A keyframe that started after the pending request answers it. */
  if (kt->pending && now_us >= kt->pending_since_us) {
    kt->pending = false;
    kt->stats.satisfied++;
  }
}

int64_t keyframe_throttle_next_due(const KeyframeThrottle *kt) {
  if (!kt->pending) return INT64_MAX;
  return kt->sent_once ? kt->last_sent_us + kt->window_us : kt->pending_since_us;
}
