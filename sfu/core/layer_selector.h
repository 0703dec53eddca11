/* layer_selector: which simulcast layer one video subscription should get,
 * from the layers' measured bitrates, the subscriber's bandwidth estimate
 * (bwe_delay or REMB), what its audio needs, and a preference cap (a wall
 * tile wants the lowest layer, the focused call the highest).
 *
 * Rules, and why
 * - Audio first: available = estimate - audio_bps. Video gets what is left.
 * - Down at once: when the current layer's bitrate exceeds what is
 *   available (x1.0), the highest layer that fits is chosen immediately —
 *   waiting would queue packets and freeze the picture.
 * - Up slowly: a higher layer is chosen only after it has fitted with
 *   margin (bitrate x up_factor, default 1.25) continuously for hold_us
 *   (default 2 s), so a noisy estimate does not flap layers.
 * - A probe-verified estimate (bwe_probe succeeded: the path carried the
 *   next layer's rate) needs only verified_hold_us (500 ms) instead of the
 *   hold: layer_selector_verified() says so, valid for 3 s.
 * - Back-off: an up-switch followed within failed_up_window_us (10 s) by a
 *   down-switch was a failed probe; the hold doubles (up to max_hold_us,
 *   32 s) and returns to the base after 30 s without such a failure.
 * - Pause: when even the lowest active layer has not fitted for
 *   pause_after_us (1 s: a dip of the estimate after one over-use is not
 *   worth a keyframe and a 2 s resume), video pauses (LAYER_PAUSED) and audio
 *   carries on; it resumes like an up-switch. Until then the lowest layer
 *   stays. Right after a down-switch the misfit counts only from
 *   pause_settle_us (2 s) later: the estimate then still carries the losses
 *   of the overflow that caused the switch (the higher layer's queue
 *   draining), and pausing on them froze a 300 kbit/s subscriber that the
 *   low layer fits.
 * - Collapse: when the current layer needs more than collapse_factor (1.5)
 *   times what is available, the estimate is still falling (its first
 *   reading after a sudden drop straddles the old rate): down to the lowest
 *   layer that fits at once rather than one step — a second step costs
 *   another keyframe behind a full queue (a 2 -> 1 -> 0 descent froze a
 *   300 kbit/s subscriber 1.3 s); probes bring the middle layer back.
 * - Cap: layers above max_layer are never chosen; lowering the cap moves
 *   down at once, raising it lets the up rule work.
 * - A layer with bitrate 0 is inactive (the publisher is not sending it:
 *   its encoder dropped it, or it was never sent) and is never chosen.
 * - Keyframes: the router switches only at a keyframe of the target layer
 *   (router_set_target_layer); the decision says when to ask the publisher
 *   for one (on every change, and again every keyframe_retry_us while the
 *   router has not switched yet).
 *
 * LayerRateMeter measures each layer's incoming bitrate (bytes per 100 ms
 * bucket over the last second), fed from the publisher's packets.
 *
 * Contract: sans-IO, injected clock, structs public and embeddable, no
 * allocation. Layers are indexed lowest quality first, as in router.h.
 */
#ifndef PARLOUR_SFU_LAYER_SELECTOR_H
#define PARLOUR_SFU_LAYER_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAYER_MAX 3
#define LAYER_PAUSED (-1)

/* ---- per-layer incoming bitrate ---- */

#define LAYER_RATE_BUCKETS 10
#define LAYER_RATE_BUCKET_US 100000

typedef struct {
  int64_t idx[LAYER_MAX][LAYER_RATE_BUCKETS];
  uint64_t bytes[LAYER_MAX][LAYER_RATE_BUCKETS];
  bool have[LAYER_MAX];
} LayerRateMeter;

void layer_rate_init(LayerRateMeter *m);
/* One packet of `bytes` (whole RTP packet) of layer `layer` arrived. */
void layer_rate_on_packet(LayerRateMeter *m, unsigned layer, size_t bytes, int64_t now_us);
/* Bit/s over the last full second (completed buckets); 0 when the layer sent
 * nothing in it: inactive. */
uint64_t layer_rate_bps(const LayerRateMeter *m, unsigned layer, int64_t now_us);

/* ---- selector ---- */

typedef struct {
  double up_factor;          /* default 1.25 */
  int64_t hold_us;           /* default 2 s */
  int64_t max_hold_us;       /* default 32 s */
  int64_t failed_up_window_us; /* default 10 s */
  int64_t keyframe_retry_us; /* default 1 s */
  int64_t verified_hold_us;  /* default 500 ms */
  int64_t pause_after_us;    /* default 1 s */
  int64_t pause_settle_us;   /* default 2 s after a down-switch */
  double collapse_factor;    /* default 1.5 */
} LayerSelectorConfig;

typedef struct {
  LayerSelectorConfig cfg;
  int target;                /* layer, or LAYER_PAUSED */
  int max_layer;             /* preference cap */
  bool up_pending;
  int64_t up_since;
  int64_t cur_hold_us;
  bool have_up;
  int64_t last_up_us;
  int64_t last_fail_us;
  bool have_fail;
  int64_t last_kf_req_us;
  bool have_kf_req;
  bool low_misfit;           /* the lowest layer does not fit, since low_misfit_since */
  int64_t low_misfit_since;
  bool have_down;
  int64_t last_down_us;      /* last down-switch to a layer (not a pause) */
  bool have_verified;
  int64_t verified_us;
  uint64_t ups, downs, pauses, failed_ups;
} LayerSelector;

typedef struct {
  int target;                /* layer to forward, or LAYER_PAUSED */
  bool changed;              /* target differs from before this update */
  bool request_keyframe;     /* ask the publisher for a keyframe of `target` */
  bool paused_now;           /* video just paused (stop forwarding video) */
  bool resumed_now;          /* video just resumed */
} LayerDecision;

void layer_selector_config_default(LayerSelectorConfig *cfg);
/* cfg may be NULL; zero fields take defaults. initial: the starting target
 * (router's default is the highest layer; a cautious start is the lowest). */
void layer_selector_init(LayerSelector *s, const LayerSelectorConfig *cfg, int initial, int max_layer);
/* Preference cap: 0 = wall tile (lowest), LAYER_MAX - 1 = no cap. */
void layer_selector_set_max_layer(LayerSelector *s, int max_layer);

/* The estimate was just proved by a probe (bwe_probe success). */
void layer_selector_verified(LayerSelector *s, int64_t now_us);

/* Decide. layer_bps[0..n_layers) from layer_rate_bps (n_layers 1..LAYER_MAX);
 * router_layer: the layer the router forwards now (RouterSubscription.layer),
 * used to re-request a keyframe while a switch is pending. */
LayerDecision layer_selector_update(LayerSelector *s, const uint64_t *layer_bps, unsigned n_layers,
                                    uint64_t estimate_bps, uint64_t audio_bps, int router_layer,
                                    int64_t now_us);

#endif
