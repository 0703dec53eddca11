/* RFC 6464 audio level parsing and smoothing; see audio_level.h. */
#include "audio_level.h"

#include <math.h>
#include <string.h>

bool audio_level_parse(const uint8_t *data, size_t len, bool *voice, uint8_t *level) {
  if (data == NULL || len != 1) return false;
  if (voice) *voice = (data[0] & 0x80) != 0;
  if (level) *level = data[0] & 0x7f;
  return true;
}

void audio_level_tracker_init(AudioLevelTracker *t, int64_t window_us, uint8_t threshold) {
  memset(t, 0, sizeof *t);
  t->window_us = window_us > 0 ? window_us : 300000;
  t->threshold = threshold ? threshold : 77;
}

/* Weight of the old value after dt: exp(-dt / window). */
static double decay(const AudioLevelTracker *t, int64_t dt) {
  if (dt <= 0) return 1.0;
  return exp(-(double)dt / (double)t->window_us);
}

void audio_level_tracker_update(AudioLevelTracker *t, uint8_t level, int64_t now_us) {
  if (level > 127) level = 127;
  double loud = 127.0 - level;
  if (!t->have) {
    t->have = true;
    t->loudness = loud;
    t->last_us = now_us;
    return;
  }
  /* at least 1 ms per packet, so packets stamped with the same time still count */
  int64_t dt = now_us - t->last_us;
  if (dt < 1000) dt = 1000;
  double w = decay(t, dt);
  t->loudness = t->loudness * w + loud * (1.0 - w);
  if (now_us > t->last_us) t->last_us = now_us;
}

double audio_level_tracker_loudness(const AudioLevelTracker *t, int64_t now_us) {
  if (!t->have) return 0.0;
  return t->loudness * decay(t, now_us - t->last_us);
}

bool audio_level_tracker_speaking(const AudioLevelTracker *t, int64_t now_us) {
  return audio_level_tracker_loudness(t, now_us) >= t->threshold;
}
