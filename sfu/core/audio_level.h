/* audio_level: RFC 6464 client-to-mixer audio level, and a small tracker
 * that smooths it per audio track (e.g. for an "is speaking" indicator or
 * active-speaker choice later).
 *
 * The element is one byte: V (voice activity, bit 7) and level in -dBov
 * (0 = loudest .. 127 = silence). rtp_ext_audio_level() finds and parses it
 * in a packet; audio_level_parse() parses the element data itself.
 *
 * Tracker: exponential moving average of the loudness (127 - level) with a
 * time constant of window_us, fed by packets; speaking when the average
 * exceeds a threshold. Struct public; no allocation; time injected.
 */
#ifndef PARLOUR_SFU_AUDIO_LEVEL_H
#define PARLOUR_SFU_AUDIO_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* data/len: the extension element's data (len must be 1, RFC 6464 s.3). */
bool audio_level_parse(const uint8_t *data, size_t len, bool *voice, uint8_t *level);

typedef struct {
  int64_t window_us;     /* EMA time constant, default 300 ms */
  uint8_t threshold;     /* loudness (127 - level) to count as speaking, default 127-50 = 77 */
  bool have;
  int64_t last_us;
  double loudness;       /* smoothed 0..127 */
} AudioLevelTracker;

/* window_us <= 0 and threshold 0 select the defaults. */
void audio_level_tracker_init(AudioLevelTracker *t, int64_t window_us, uint8_t threshold);
/* One packet's level (0..127 -dBov; values above 127 are treated as 127). */
void audio_level_tracker_update(AudioLevelTracker *t, uint8_t level, int64_t now_us);
/* Smoothed loudness now (decays toward silence when no packet arrives). */
double audio_level_tracker_loudness(const AudioLevelTracker *t, int64_t now_us);
bool audio_level_tracker_speaking(const AudioLevelTracker *t, int64_t now_us);

#endif
