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
 *   the layers above the highest one anybody wants are switched off. A
 *   layer's bitrate is the highest measured recently (so a layer switched
 *   off can be asked back at its real rate), else its configured nominal.
 *   Nobody wanting video (no subscription, or all paused): layer 0 only,
 *   which keeps a picture ready for the next subscriber.
 * - Single layer: the smallest video budget among non-paused subscribers (a
 *   visit is a few people who must all see each other; the slowest link sets
 *   the pace), at least min_bps; nobody: idle_bps.
 * - The result is also capped by the uplink estimate (remb_estimator: what
 *   reaches us from the publisher), when given, and clamped to
 *   [min_bps, max_bps].
 * - poll() says when to send: first time, every interval, and at once on a
 *   drop of 3 % or more (a decrease is urgent, an increase can wait).
 *
 * Contract: sans-IO, injected clock, struct public, no allocation.
 */
#ifndef PARLOUR_SFU_PUBLISHER_REMB_H
#define PARLOUR_SFU_PUBLISHER_REMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/layer_selector.h"

typedef struct {
  uint64_t nominal_bps[LAYER_MAX]; /* default 150k / 500k / 1.5M */
  double headroom;                 /* default 1.15 */
  uint64_t min_bps;                /* default 50 000 */
  uint64_t max_bps;                /* default 5 000 000 */
  uint64_t idle_bps;               /* single layer, nobody watching: default 150 000 */
  int64_t interval_us;             /* default 1 s */
  int64_t peak_decay_us;           /* a measured peak is kept this long: default 10 s */
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
} PublisherRemb;

void publisher_remb_config_default(PublisherRembConfig *cfg);
/* cfg may be NULL; zero fields take defaults. n_layers 1..LAYER_MAX (clamped). */
void publisher_remb_init(PublisherRemb *p, const PublisherRembConfig *cfg, unsigned n_layers);
/* Measured incoming bitrate of a layer (layer_rate_bps), any time. */
void publisher_remb_on_layer_rate(PublisherRemb *p, unsigned layer, uint64_t bps, int64_t now_us);
/* Start a new tick's demand, then one call per subscription. */
void publisher_remb_begin(PublisherRemb *p);
void publisher_remb_add_demand(PublisherRemb *p, int target_layer, uint64_t video_budget_bps);
/* The bitrate to announce now; uplink_bps 0 = no uplink estimate. */
uint64_t publisher_remb_target_bps(const PublisherRemb *p, uint64_t uplink_bps, int64_t now_us);
/* True when a REMB with `bps` should go out now (and records it as sent). */
bool publisher_remb_poll(PublisherRemb *p, uint64_t bps, int64_t now_us);

#endif
