/* speaker_detector: who is speaking in a room, from the RFC 6464 audio levels
 * publishers put in their audio packets (rtp_ext_audio_level), turned into
 * "started speaking", "stopped speaking" and "active speaker changed"
 * events for the clients (and the staff wall).
 *
 * Per participant
 * - Loudness = 127 - level (0 silence .. 127 loudest, i.e. dB above -127 dBov),
 *   smoothed with a fast attack (time constant attack_us, 50 ms) when rising
 *   and a slow release (release_us, 400 ms) when falling. When packets stop
 *   (none for 100 ms: DTX, mute, gone) it decays with the release constant.
 *   With use_vad, a packet whose V flag is 0 counts as silence.
 * - Speaking starts when the smoothed loudness stays >= on_threshold
 *   (default 127 - 50 = 77, i.e. -50 dBov) for start_us (150 ms): one click
 *   does not make a speaker; it stops when it stays < off_threshold (72) for
 *   stop_us (600 ms) and the speaker has spoken at least min_hold_us (1 s):
 *   breaths and pauses between words do not end a turn.
 * Active speaker
 * - The loudest speaking participant. It changes when the current one stops
 *   speaking (at once, to the loudest still speaking), or when another is
 *   louder by switch_margin (6 dB) and the current one has been active for
 *   active_hold_us (1.5 s). When nobody speaks, the last one stays active
 *   (a client keeps showing who spoke last) until removed.
 *
 * Contract: sans-IO, injected clock, no allocation: a fixed table of
 * SPEAKER_MAX participants keyed by a caller-chosen non-zero uint32 (e.g.
 * the audio track's index). Events come out of poll() into a caller array.
 */
#ifndef PARLOUR_SFU_SPEAKER_DETECTOR_H
#define PARLOUR_SFU_SPEAKER_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPEAKER_MAX 32

typedef struct {
  int64_t attack_us, release_us;  /* 50 ms, 400 ms */
  uint8_t on_threshold;           /* 77 */
  uint8_t off_threshold;          /* 72 (raised to on_threshold if above) */
  int64_t start_us, stop_us;      /* 150 ms, 600 ms */
  int64_t min_hold_us;            /* 1 s */
  int64_t active_hold_us;         /* 1.5 s */
  double switch_margin;           /* 6 */
  bool use_vad;                   /* false */
} SpeakerConfig;

typedef struct {
  uint32_t key;                   /* 0 = free slot */
  double loud;
  int64_t last_us;
  bool have;
  bool speaking;
  bool above, below;
  int64_t above_since, below_since, speaking_since;
} SpeakerSlot;

typedef enum {
  SPEAKER_EV_STARTED = 1,
  SPEAKER_EV_STOPPED,
  SPEAKER_EV_ACTIVE_CHANGED, /* key 0: nobody active any more */
} SpeakerEventKind;

typedef struct {
  SpeakerEventKind kind;
  uint32_t key;
} SpeakerEvent;

typedef struct {
  SpeakerConfig cfg;
  SpeakerSlot slots[SPEAKER_MAX];
  uint32_t active;                /* 0 = none */
  int64_t active_since;
  bool active_removed;            /* report the change at the next poll */
} SpeakerDetector;

void speaker_config_default(SpeakerConfig *cfg);
/* cfg may be NULL; zero fields take defaults. */
void speaker_detector_init(SpeakerDetector *d, const SpeakerConfig *cfg);
/* false: key 0, already there, or table full. */
bool speaker_detector_add(SpeakerDetector *d, uint32_t key);
/* Removing the active speaker makes the next poll report a change. */
bool speaker_detector_remove(SpeakerDetector *d, uint32_t key);
/* One audio packet's level (0..127 -dBov; above 127 counts as 127) and V
 * flag. false for an unknown key. */
bool speaker_detector_on_level(SpeakerDetector *d, uint32_t key, uint8_t level, bool voice, int64_t now_us);
/* Advance the state machines to now (call every 50..200 ms); up to max
 * events into ev (more are not lost: the states they report stay true and
 * come out at the next poll). Returns how many were written. */
size_t speaker_detector_poll(SpeakerDetector *d, int64_t now_us, SpeakerEvent *ev, size_t max);
/* Smoothed loudness of a participant now (0 if unknown). */
double speaker_detector_loudness(const SpeakerDetector *d, uint32_t key, int64_t now_us);
bool speaker_detector_is_speaking(const SpeakerDetector *d, uint32_t key);
uint32_t speaker_detector_active(const SpeakerDetector *d);

#endif
