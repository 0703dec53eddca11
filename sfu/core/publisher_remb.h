/* publisher_remb: what to tell a publisher (REMB bitrate) so it sends what
 * its subscribers can use and no more — in particular no simulcast layer
 * that nobody receives.
 *
 * Model
 * - Each tick the caller declares the demand: for every subscription of the
 *   publisher's video track, its target layer (layer_selector, LAYER_PAUSED
 *   if paused) and what that subscriber has for video (estimate minus audio).
 * - Simulcast (n_layers > 1): libwebrtc spends a REMB budget on layers from
 *   the lowest up and switches off those it cannot afford, so the budget is
 *   the sum of the bitrates of layers 0..highest target, x headroom (1.15):
 *   the layers above the highest one anybody wants are switched off. In
 *   the budget a layer counts at max(highest measured in the last 10 s,
 *   nominal): the browser switches a layer on by its encoder's configured
 *   rates (libwebrtc, 720p in three layers: 150 k / 500 k targets, 600 k
 *   minimum for the top), not by what simple content really needs, so a
 *   budget from measured rates alone (a fake camera's 720p layer needs a
 *   few hundred kbit/s) switched off layers somebody wanted. The nominal
 *   defaults are those targets (top: 1.5 M, between its minimum and 2.5 M).
 *   Nobody wanting video (no subscription, or all paused): layer 0 only,
 *   which keeps a picture ready for the next subscriber.
 * - Demand (publisher_remb_demand): what one subscription asks for is the
 *   layer it would take if every layer were sent (the highest <= its cap
 *   whose rate, the peak of the last 10 s else nominal, plus its audio
 *   fits its estimate; layer 0 when none fits) plus one layer above it,
 *   still within its cap: the next layer keeps flowing, so the forwarder's
 *   probes can prove it and the subscriber can climb (a layer switched off
 *   has no measured rate and the selector never picks it). Paused: none.
 * - Single layer: the smallest video budget among non-paused subscribers (a
 *   visit is a few people who must all see each other; the slowest link sets
 *   the pace), at least min_bps; nobody: idle_bps.
 * - The result is also capped by the uplink estimate (remb_estimator: what
 *   reaches us from the publisher), when given, and clamped to
 *   [min_bps, max_bps].
 * - poll() says when to send: first time, every interval, at once on a
 *   drop of 3 % or more (a decrease is urgent), and at once when the
 *   highest wanted layer rises (a subscriber is waiting for that layer;
 *   other increases can wait).
 *
 * Contract: sans-IO, injected clock, struct public, no allocation.
 */
#ifndef PARLOUR_SFU_PUBLISHER_REMB_H
#define PARLOUR_SFU_PUBLISHER_REMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layer_selector.h"

typedef struct {
  uint64_t nominal_bps[LAYER_MAX]; /* default 150k / 500k / 1.5M */
  double headroom;                 /* default 1.15 */
  uint64_t min_bps;                /* default 50 000 */
  uint64_t max_bps;                /* default 5 000 000 */
  uint64_t idle_bps;               /* single layer, nobody watching: default 150 000 */
  int64_t interval_us;             /* default 1 s */
  int64_t peak_decay_us;           /* a measured peak is kept this long: default 10 s */
  int64_t off_hold_us;             /* a layer no longer wanted stays on this long: default 5 s */
} PublisherRembConfig;

typedef struct {
  PublisherRembConfig cfg;
  unsigned n_layers;
  uint64_t peak_bps[LAYER_MAX];
  int64_t peak_us[LAYER_MAX];
  /* demand of the current tick */
  int highest;            /* LAYER_PAUSED when none */
  uint64_t min_budget;    /* single layer: smallest budget; 0 = none */
  unsigned n_demands;
  /* sending */
  bool sent_once;
  int64_t last_sent_us;
  uint64_t last_sent_bps;
  int last_sent_highest;  /* highest of the last sent REMB's tick */
  int64_t wanted_us[LAYER_MAX]; /* last tick a layer was wanted (publisher_remb_end) */
  bool wanted_once[LAYER_MAX];
} PublisherRemb;

void publisher_remb_config_default(PublisherRembConfig *cfg);
/* cfg may be NULL; zero fields take defaults. n_layers 1..LAYER_MAX (clamped). */
void publisher_remb_init(PublisherRemb *p, const PublisherRembConfig *cfg, unsigned n_layers);
/* Measured incoming bitrate of a layer (layer_rate_bps), any time. */
void publisher_remb_on_layer_rate(PublisherRemb *p, unsigned layer, uint64_t bps, int64_t now_us);
/* Measured peak of the last peak_decay_us, else nominal (what a
 * subscription would receive on that layer); 0 for a layer out of range. */
uint64_t publisher_remb_layer_bps(const PublisherRemb *p, unsigned layer, int64_t now_us);
/* One subscription's demand (see Model): max_layer its cap (0 for a wall
 * tile; clamped to the track's layers, < 0 taken as 0), estimate_bps what
 * it can receive in total (0 = no estimate yet: unlimited), audio_bps what
 * of that its audio takes first. LAYER_PAUSED when paused. */
int publisher_remb_demand(const PublisherRemb *p, int max_layer, bool paused, uint64_t estimate_bps,
                          uint64_t audio_bps, int64_t now_us);
/* Start a new tick's demand, then one call per subscription. */
void publisher_remb_begin(PublisherRemb *p);
void publisher_remb_add_demand(PublisherRemb *p, int target_layer, uint64_t video_budget_bps);
/* End the tick's demand: a layer wanted within the last off_hold_us stays
 * in (highest is raised to it). Switching a layer off and on costs the
 * browser a keyframe of it and CPU; a wall tile focused for a moment, or
 * a cap lifted two seconds later, should not toggle the encoder. */
void publisher_remb_end(PublisherRemb *p, int64_t now_us);
/* The bitrate to announce now; uplink_bps 0 = no uplink estimate. */
uint64_t publisher_remb_target_bps(const PublisherRemb *p, uint64_t uplink_bps, int64_t now_us);
/* True when a REMB with `bps` should go out now (and records it as sent). */
bool publisher_remb_poll(PublisherRemb *p, uint64_t bps, int64_t now_us);

#endif
