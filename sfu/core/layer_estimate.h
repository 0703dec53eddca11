/* layer_estimate: what a subscriber's downlink is taken to carry when its
 * simulcast layer is chosen (the number layer_selector_update compares the
 * layers' rates against). Moved out of the forwarder's layer choice: it is
 * policy on numbers only, so it is tested here table by table.
 *
 * Two sources. With transport-cc feedback flowing, our send-side estimate
 * (subscriber_bwe): it reacts to a queue in ~100 ms and probes prove the
 * next layer up; while the link is congested and the forwarded layer does
 * not fit, the link's own delivered rate picks the layer going down (never
 * below the lowest layer on this account: pausing is the estimate's call).
 * Else the subscriber's REMB, which says about 1.5x what arrives and climbs
 * slowly behind it: a ceiling only when the receiver saw over-use (it fell
 * in the last LAYER_EST_REMB_CEILING_US, or stayed flat for
 * LAYER_EST_REMB_FLAT_US below what we send), then read as 0.85x what
 * arrived; otherwise it allows one layer up from the one forwarded. While
 * paused, a REMB cannot grow (nothing to measure), so after
 * LAYER_EST_RESUME_TRY_US (doubling per pause, up to 8x) the lowest layer
 * is allowed again (our own estimate gets there by probing, unless there
 * is no RTX to carry the padding). */
#ifndef PARLOUR_SFU_CORE_LAYER_ESTIMATE_H
#define PARLOUR_SFU_CORE_LAYER_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#define LAYER_EST_NONE 1000000000ull /* no estimate: every layer fits */
#define LAYER_EST_REMB_STALE_US 5000000
#define LAYER_EST_REMB_CEILING_US 5000000
#define LAYER_EST_REMB_FLAT_US 2500000
#define LAYER_EST_RESUME_TRY_US 5000000

typedef struct {
  const uint64_t *layer_bps; /* incoming rate of each layer, lowest first */
  unsigned n_layers;
  uint64_t audio_bps;        /* reserved before video */
  int forwarded;             /* the layer forwarded now; < 0 paused */
  /* paused: when it paused and how many times it has */
  int64_t paused_us;
  uint64_t pauses;
  /* our estimate, when transport-cc feedback flows (bwe) */
  bool bwe;
  bool rtx;                  /* probe padding can be sent (RTX negotiated) */
  uint64_t bwe_bps;
  bool congested;            /* the estimate fell within the last 500 ms */
  uint64_t link_bps;         /* what the subscriber acknowledged lately; 0 unknown */
  /* the subscriber's REMB: latest value and when (0 never), when it last
   * fell and rose, and what we forwarded to it over the last second */
  uint64_t remb_bps;
  int64_t remb_us, remb_drop_us, remb_rise_us;
  uint64_t sent_bps;
} LayerEstimateIn;

/* The estimate for the choice at now_us; LAYER_EST_NONE when there is none. */
uint64_t layer_estimate(const LayerEstimateIn *in, int64_t now_us);

#endif
