// Low bandwidth: when the network cannot carry video, the call goes on as
// audio only. Two parts:
//   - BandwidthJudge: a pure decision over one sample a second (no browser
//     objects, so test-client-units replays recorded getStats series in node);
//   - sampleStats(): turns the peer connections' getStats into that sample.
//
// Evidence, per second:
//   outKbps  the publisher's send estimate (the selected candidate pair's
//            availableOutgoingBitrate). It falls when the path's capacity
//            falls and when the SFU's REMB caps it (a receiver's video_limit,
//            the SFU's own loss-based estimate), so it is the sender's view.
//   lossPct  packets lost in the last second, the worse of what we receive
//            (inbound-rtp) and what the SFU reports losing of ours
//            (remote-inbound-rtp fractionLost, from a report that is new
//            since the last sample).
//   rttMs    the selected pair's round trip.
// Modes: video → offered (the page asks "switch to audio only?") → audio-auto
// (nobody answered within offerSeconds: the page switched and said so) →
// video again after goodSeconds of a good link (a trial: if it is bad for 2 s
// within trialSeconds, back to audio only and the next wait doubles, up to
// maxWaitSeconds). audio-chosen
// (the person chose it) is never left by the page.
export const BW_DEFAULTS = {
  minVideoKbps: 150,   // below this a 320x240 picture stalls
  floorKbps: 35,       // the SFU's REMB floor (30 kbit/s) and a little
  poorLossPct: 10,
  badSeconds: 5,       // how long it must be bad before offering
  offerSeconds: 10,    // how long the offer waits before the page acts
  goodLossPct: 3,
  goodRttMs: 500,
  goodKbps: 300,
  goodSeconds: 15,     // a good link for this long: video comes back
  trialSeconds: 30,
  maxWaitSeconds: 120,
  declineSeconds: 120, // "keep video": not offered again for this long
};

export class BandwidthJudge {
  constructor(opts = {}) {
    this.o = { ...BW_DEFAULTS, ...opts };
    this.mode = 'video';
    this.badFor = 0; this.goodFor = 0;
    this.last = null; this.since = 0;
    this.wait = this.o.goodSeconds;
    this.returnedAt = null; this.declinedAt = null;
  }

  // In audio only our own send estimate says little (Chromium estimates no
  // more than a little above what it sends, ~40 kbit/s of audio): there only
  // loss counts, and video comes back on trial.
  // An estimate at the SFU's floor with little loss is not a bad link: every
  // receiver asked for (almost) no video — the others are in audio only — and
  // the SFU's REMB says so (docs/sfu-control.md: it caps a publisher at the
  // largest receiver limit, at least 30 kbit/s). Counting it would keep two
  // audio-only pages waiting for each other for ever.
  bad(s) {
    const audio = this.mode === 'audio-auto' || this.mode === 'audio-chosen';
    const lossy = s.lossPct != null && s.lossPct >= this.o.poorLossPct;
    const capped = s.outKbps != null && s.outKbps <= this.o.floorKbps && !(s.lossPct != null && s.lossPct >= this.o.goodLossPct);
    return (!audio && !capped && s.outKbps != null && s.outKbps < this.o.minVideoKbps) || lossy;
  }

  // A good link: little loss, a short round trip (and, while the offer is
  // up, an estimate that carries video again).
  good(s) {
    if (s.lossPct != null && s.lossPct >= this.o.goodLossPct) return false;
    if (s.rttMs != null && s.rttMs >= this.o.goodRttMs) return false;
    if (this.mode === 'offered' && s.outKbps != null && s.outKbps < this.o.goodKbps) return false;
    return true;
  }

  // One sample {t (seconds), outKbps, lossPct, rttMs} (null = not known).
  // Returns the action for the page: null, 'offer', 'withdraw', 'auto-audio', 'return-video'.
  step(s) {
    const dt = this.last === null ? 1 : Math.max(0, Math.min(5, s.t - this.last));
    this.last = s.t;
    const bad = this.bad(s);
    this.badFor = bad ? this.badFor + dt : 0;
    this.goodFor = this.good(s) && !bad ? this.goodFor + dt : 0;
    switch (this.mode) {
      case 'video': {
        // (Two bad seconds: the first second of forwarded video again can
        // count a gap as lost.)
        if (this.returnedAt !== null && this.badFor >= 2 && s.t - this.returnedAt <= this.o.trialSeconds) {
          // The trial failed: straight back to audio, and wait longer next time.
          this.wait = Math.min(this.wait * 2, this.o.maxWaitSeconds);
          this.returnedAt = null;
          return this.to('audio-auto', s.t, 'auto-audio');
        }
        if (this.returnedAt !== null && s.t - this.returnedAt > this.o.trialSeconds) { this.returnedAt = null; this.wait = this.o.goodSeconds; }
        if (this.declinedAt !== null && s.t - this.declinedAt < this.o.declineSeconds) return null;
        if (this.badFor >= this.o.badSeconds) return this.to('offered', s.t, 'offer');
        return null;
      }
      case 'offered':
        if (this.goodFor >= this.o.badSeconds) return this.to('video', s.t, 'withdraw');
        if (s.t - this.since >= this.o.offerSeconds) return this.to('audio-auto', s.t, 'auto-audio');
        return null;
      case 'audio-auto':
        if (this.goodFor >= this.wait) { this.returnedAt = s.t; return this.to('video', s.t, 'return-video'); }
        return null;
      default:
        return null;
    }
  }

  to(mode, t, action) { this.mode = mode; this.since = t; this.badFor = 0; this.goodFor = 0; return action; }

  // The person's own choice: audio only (kept until they turn video back
  // on), or video (declining an offer, or leaving audio only).
  choose(audioOnly, t = this.last ?? 0) {
    if (audioOnly) { this.to('audio-chosen', t, null); return; }
    if (this.mode === 'offered') this.declinedAt = t;
    this.returnedAt = null;
    this.to('video', t, null);
  }
}

// The candidate pair ICE uses: the transport's selectedCandidatePairId. A
// browser may list several nominated, succeeded pairs; a backup one keeps
// the round trip it had when last checked (on a link squeezed a minute ago),
// so only where the browser names no selected pair is the first nominated
// one taken.
function selectedPair(report) {
  let id = null;
  let nominated = null;
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) id = s.selectedCandidatePairId;
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded' && !nominated) nominated = s;
  });
  return (id && report.get(id)) || nominated;
}

// One sample from the two peer connections. prev is the last call's
// counters (returned as .counters) so loss is per interval, not since the start.
export async function sampleStats(pub, sub, prev = {}, now = Date.now()) {
  const out = { t: now / 1000, outKbps: null, lossPct: null, rttMs: null, counters: { lost: 0, recv: 0, remote: {} } };
  let remoteLoss = null;
  if (pub) {
    const report = await pub.getStats();
    const pair = selectedPair(report);
    if (pair && pair.availableOutgoingBitrate !== undefined) out.outKbps = pair.availableOutgoingBitrate / 1000;
    if (pair && pair.currentRoundTripTime !== undefined) out.rttMs = pair.currentRoundTripTime * 1000;
    report.forEach((s) => {
      if (s.type !== 'remote-inbound-rtp' || s.fractionLost === undefined) return;
      // The SFU's last report on a stream stays in the stats after the
      // stream stops (video while audio only): a fraction lost from the
      // squeezed link would then count for ever. Only a report that is new
      // since the last sample counts (its cumulative loss or round-trip
      // count moved); with no new loss a fresh one says 0 anyway.
      const mark = `${s.packetsLost ?? ''}/${s.roundTripTimeMeasurements ?? ''}`;
      out.counters.remote[s.id] = mark;
      if (prev.remote && prev.remote[s.id] === mark) return;
      remoteLoss = Math.max(remoteLoss ?? 0, s.fractionLost * 100);
    });
  }
  if (sub) {
    const report = await sub.getStats();
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') { out.counters.lost += s.packetsLost || 0; out.counters.recv += s.packetsReceived || 0; }
    });
    const pair = out.rttMs === null ? selectedPair(report) : null;
    if (pair && pair.currentRoundTripTime !== undefined) out.rttMs = pair.currentRoundTripTime * 1000;
    if (prev.recv !== undefined) {
      const lost = out.counters.lost - prev.lost; const recv = out.counters.recv - prev.recv;
      if (lost + recv > 0 && lost >= 0) out.lossPct = (100 * lost) / (lost + recv);
    }
  }
  if (remoteLoss !== null) out.lossPct = Math.max(out.lossPct ?? 0, remoteLoss);
  return out;
}
