/* speaker_detector: see speaker_detector.h for the rules and why. */
#include "speaker_detector.h"

#include <math.h>
#include <string.h>

void speaker_config_default(SpeakerConfig *c) {
  memset(c, 0, sizeof *c);
  c->attack_us = 50000;
  c->release_us = 400000;
  c->on_threshold = 77;
  c->off_threshold = 72;
  c->start_us = 150000;
  c->stop_us = 600000;
  c->min_hold_us = 1000000;
  c->active_hold_us = 1500000;
  c->switch_margin = 6;
}

void speaker_detector_init(SpeakerDetector *d, const SpeakerConfig *cfg) {
  SpeakerConfig c;
  speaker_config_default(&c);
  memset(d, 0, sizeof *d);
  if (cfg) {
    if (cfg->attack_us > 0) c.attack_us = cfg->attack_us;
    if (cfg->release_us > 0) c.release_us = cfg->release_us;
    if (cfg->on_threshold) c.on_threshold = cfg->on_threshold > 127 ? 127 : cfg->on_threshold;
    if (cfg->off_threshold) c.off_threshold = cfg->off_threshold;
    if (cfg->start_us > 0) c.start_us = cfg->start_us;
    if (cfg->stop_us > 0) c.stop_us = cfg->stop_us;
    if (cfg->min_hold_us > 0) c.min_hold_us = cfg->min_hold_us;
    if (cfg->active_hold_us > 0) c.active_hold_us = cfg->active_hold_us;
    if (cfg->switch_margin > 0) c.switch_margin = cfg->switch_margin;
    c.use_vad = cfg->use_vad;
  }
  if (c.off_threshold > c.on_threshold) c.off_threshold = c.on_threshold;
  d->cfg = c;
}

static SpeakerSlot *find(SpeakerDetector *d, uint32_t key) {
  if (d == NULL || key == 0) return NULL;
  for (unsigned i = 0; i < SPEAKER_MAX; i++)
    if (d->slots[i].key == key) return &d->slots[i];
  return NULL;
}

bool speaker_detector_add(SpeakerDetector *d, uint32_t key) {
  if (d == NULL || key == 0 || find(d, key)) return false;
  for (unsigned i = 0; i < SPEAKER_MAX; i++)
    if (d->slots[i].key == 0) {
      memset(&d->slots[i], 0, sizeof d->slots[i]);
      d->slots[i].key = key;
      return true;
    }
  return false;
}

bool speaker_detector_remove(SpeakerDetector *d, uint32_t key) {
  SpeakerSlot *s = find(d, key);
  if (!s) return false;
  memset(s, 0, sizeof *s);
  if (d->active == key) {
    d->active = 0;
    d->active_removed = true;
  }
  return true;
}

/* Packets normally come every 20..60 ms; a longer silence means they
 * stopped (DTX, mute) and the loudness decays from then on. */
#define GRACE_US 100000

/* Loudness now: decayed with the release constant once packets stopped. */
static double loud_now(const SpeakerDetector *d, const SpeakerSlot *s, int64_t now_us) {
  if (!s->have) return 0;
  int64_t dt = now_us - s->last_us;
  if (dt <= GRACE_US) return s->loud;
  return s->loud * exp(-(double)(dt - GRACE_US) / (double)d->cfg.release_us);
}

bool speaker_detector_on_level(SpeakerDetector *d, uint32_t key, uint8_t level, bool voice, int64_t now_us) {
  SpeakerSlot *s = find(d, key);
  if (!s) return false;
  if (level > 127) level = 127;
  double target = (d->cfg.use_vad && !voice) ? 0.0 : (double)(127 - level);
  if (!s->have) {
    s->have = true;
    s->loud = 0;
    s->last_us = now_us;
  }
  double cur = loud_now(d, s, now_us);
  int64_t dt = now_us - s->last_us;
  if (dt < 1000) dt = 1000; /* packets come every 10-20 ms; never a zero step */
  double tau = (double)(target > cur ? d->cfg.attack_us : d->cfg.release_us);
  double a = 1.0 - exp(-(double)dt / tau);
  s->loud = cur + a * (target - cur);
  if (now_us > s->last_us) s->last_us = now_us;
  return true;
}

static void emit(SpeakerEvent *ev, size_t max, size_t *n, SpeakerEventKind k, uint32_t key) {
  if (*n < max) {
    ev[*n].kind = k;
    ev[*n].key = key;
    (*n)++;
  }
}

size_t speaker_detector_poll(SpeakerDetector *d, int64_t now_us, SpeakerEvent *ev, size_t max) {
  size_t n = 0;
  if (d == NULL || (ev == NULL && max > 0)) return 0;
  const SpeakerConfig *c = &d->cfg;
  for (unsigned i = 0; i < SPEAKER_MAX; i++) {
    SpeakerSlot *s = &d->slots[i];
    if (s->key == 0) continue;
    double l = loud_now(d, s, now_us);
    if (!s->speaking) {
      if (l >= c->on_threshold) {
        if (!s->above) {
          s->above = true;
          s->above_since = now_us;
        }
        if (now_us - s->above_since >= c->start_us && n < max) {
          s->speaking = true;
          s->speaking_since = now_us;
          s->below = false;
          emit(ev, max, &n, SPEAKER_EV_STARTED, s->key);
        }
      } else {
        s->above = false;
      }
    } else {
      if (l < c->off_threshold) {
        if (!s->below) {
          s->below = true;
          s->below_since = now_us;
        }
        if (now_us - s->below_since >= c->stop_us && now_us - s->speaking_since >= c->min_hold_us && n < max) {
          s->speaking = false;
          s->above = false;
          emit(ev, max, &n, SPEAKER_EV_STOPPED, s->key);
        }
      } else {
        s->below = false;
      }
    }
  }
  /* active speaker */
  SpeakerSlot *loudest = NULL, *cur = find(d, d->active);
  double best = -1;
  for (unsigned i = 0; i < SPEAKER_MAX; i++) {
    SpeakerSlot *s = &d->slots[i];
    if (s->key == 0 || !s->speaking) continue;
    double l = loud_now(d, s, now_us);
    if (l > best) {
      best = l;
      loudest = s;
    }
  }
  uint32_t next = d->active;
  if (loudest && loudest != cur) {
    if (!cur || !cur->speaking)
      next = loudest->key;
    else if (best >= loud_now(d, cur, now_us) + c->switch_margin && now_us - d->active_since >= c->active_hold_us)
      next = loudest->key;
  }
  if ((next != d->active || (d->active_removed && next == 0)) && n < max) {
    d->active = next;
    d->active_since = now_us;
    d->active_removed = false;
    emit(ev, max, &n, SPEAKER_EV_ACTIVE_CHANGED, next);
  }
  return n;
}

double speaker_detector_loudness(const SpeakerDetector *d, uint32_t key, int64_t now_us) {
  SpeakerSlot *s = find((SpeakerDetector *)d, key);
  return s ? loud_now(d, s, now_us) : 0;
}

bool speaker_detector_is_speaking(const SpeakerDetector *d, uint32_t key) {
  SpeakerSlot *s = find((SpeakerDetector *)d, key);
  return s && s->speaking;
}

uint32_t speaker_detector_active(const SpeakerDetector *d) { return d ? d->active : 0; }
