/* layer_estimate: see layer_estimate.h. */
#include "layer_estimate.h"

/* A step up needs its rate plus audio with a 30 % margin. */
static uint64_t step_bps(uint64_t layer, uint64_t audio) {
  return (uint64_t)((double)(layer + audio) * 1.3) + 1;
}

uint64_t layer_estimate(const LayerEstimateIn *in, int64_t now) {
  const uint64_t *bps = in->layer_bps;
  unsigned n = in->n_layers;
  int fwd = in->forwarded;
  bool paused = fwd < 0;
  /* With transport-cc our send-side estimate: it reacts to a queue in
   * ~100 ms, and probes prove the next layer up. Else the subscriber's
   * REMB, read as below. */
  uint64_t est = in->bwe ? in->bwe_bps
                 : in->remb_us && now - in->remb_us < LAYER_EST_REMB_STALE_US ? in->remb_bps
                                                                              : LAYER_EST_NONE;
  /* A receive-side REMB says about 1.5x what arrives and climbs slowly
   * behind it (~8 %/s): taken as a ceiling it would keep a subscriber on a
   * low layer for good, or drop it right after an up-switch. It is a
   * ceiling only when the receiver saw over-use: it fell in the last
   * LAYER_EST_REMB_CEILING_US, or it has stopped rising for
   * LAYER_EST_REMB_FLAT_US while below what we send. Otherwise the estimate
   * allows one layer up from the one forwarded (the selector's hold and
   * back-off keep a link that cannot carry it from flapping). */
  if (!in->bwe && est != LAYER_EST_NONE) {
    bool fell = in->remb_drop_us && now - in->remb_drop_us < LAYER_EST_REMB_CEILING_US;
    bool flat = now - in->remb_rise_us > LAYER_EST_REMB_FLAT_US && est < in->sent_bps;
    if (fell || flat) {
      /* On over-use a receiver's REMB is ~0.85x what arrived: the link
       * carried that much. */
      est = est * 100 / 85;
    } else {
      unsigned next = fwd < 0 ? 0 : (unsigned)fwd + 1 < n ? (unsigned)fwd + 1 : (unsigned)fwd;
      uint64_t step = step_bps(bps[next], in->audio_bps);
      if (step > est) est = step;
    }
  }
  /* While paused the receiver's REMB cannot grow (no video reaches it to
   * measure): after a while (5 s, doubling with each pause up to 40 s) let
   * the selector try the lowest layer again. (Our own estimate gets there
   * by probing, unless there is no RTX to carry the padding.) */
  if (paused && (!in->bwe || !in->rtx)) {
    unsigned shift = in->pauses > 1 ? (unsigned)(in->pauses - 1 < 3 ? in->pauses - 1 : 3) : 0;
    if (now - in->paused_us >= ((int64_t)LAYER_EST_RESUME_TRY_US << shift)) {
      uint64_t step = step_bps(bps[0], in->audio_bps);
      if (step > est || est == LAYER_EST_NONE) est = step;
    }
  }
  /* Going down, the link's own rate picks the layer: while the queue toward
   * the subscriber overflows it delivers exactly what the link carries
   * (the last 200 ms acknowledged), whereas the estimate's first decrease
   * straddles the rate from before (and halves at most): it chose the
   * middle layer on a 300 kbit/s link, whose keyframe alone takes a second
   * to drain, then the lowest (a 1.3 s freeze). Never below the lowest
   * layer on this account: pausing is the estimate's call. */
  if (in->bwe && !paused && fwd < (int)n && bps[fwd] + in->audio_bps > est && in->congested) {
    uint64_t link = in->link_bps, low = bps[0] + in->audio_bps;
    if (link && link < est) est = link > low ? link : low < est ? low : est;
  }
  return est;
}
