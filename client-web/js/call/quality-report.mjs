// The call's quality report, client side (docs/client-web.md "The quality
// report"; docs/signalling-protocol.md "Call quality"):
//   - readSnapshot(pc): the subscriber's getStats reduced to what the report
//     needs (the main received video: the one with the most frames decoded;
//     loss over all inbound streams; the selected pair's RTT and whether it
//     goes through TURN).
//   - statsMessage(prev, cur): the "stats" message for the interval between
//     two snapshots (pure: deltas, rates, every field clamped to the bounds
//     signalling accepts), or null when there is nothing to say.
//   - QualityReporter: every 10 s while the call is joined, sends it.
//   - summaryWords(summary, t): the family's plain words, English or Welsh.

export const REPORT_INTERVAL_MS = 10000;

const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, Math.round(Number.isFinite(x) ? x : 0)));

export async function readSnapshot(pc, now = Date.now()) {
  const snap = { at: now, video: null, lost: 0, received: 0, bytes: 0, rttMs: null, relay: null };
  if (!pc) return snap;
  const rep = await pc.getStats();
  const byId = new Map();
  rep.forEach((s) => byId.set(s.id, s));
  rep.forEach((s) => {
    if (s.type === 'inbound-rtp') {
      snap.lost += s.packetsLost || 0;
      snap.received += s.packetsReceived || 0;
      snap.bytes += s.bytesReceived || 0;
      if (s.kind === 'video' && (!snap.video || (s.framesDecoded || 0) > snap.video.frames)) {
        snap.video = { id: s.id, frames: s.framesDecoded || 0, freezes: s.freezeCount || 0, w: s.frameWidth || 0, h: s.frameHeight || 0 };
      }
    }
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      if (s.currentRoundTripTime !== undefined) snap.rttMs = s.currentRoundTripTime * 1000;
      const local = byId.get(s.localCandidateId);
      const remote = byId.get(s.remoteCandidateId);
      if (local || remote) snap.relay = (local && local.candidateType === 'relay') || (remote && remote.candidateType === 'relay') || false;
    }
  });
  return snap;
}

export function statsMessage(prev, cur, firstFrameMs = null) {
  if (!prev || !cur || !(cur.at > prev.at)) return null;
  const secs = (cur.at - prev.at) / 1000;
  const sameVideo = prev.video && cur.video && prev.video.id === cur.video.id;
  const frames = cur.video ? cur.video.frames - (sameVideo ? prev.video.frames : 0) : 0;
  const freezes = cur.video ? cur.video.freezes - (sameVideo ? prev.video.freezes : 0) : 0;
  const lost = Math.max(0, cur.lost - prev.lost);
  const recv = Math.max(0, cur.received - prev.received);
  const msg = {
    interval_s: clamp(secs, 1, 60),
    width: clamp(cur.video ? cur.video.w : 0, 0, 8192),
    height: clamp(cur.video ? cur.video.h : 0, 0, 8192),
    fps: clamp(frames / secs, 0, 240),
    frames_decoded: clamp(frames, 0, 14400),
    freezes: clamp(freezes, 0, 1000),
    loss_permille: clamp(lost + recv > 0 ? (1000 * lost) / (lost + recv) : 0, 0, 1000),
    rtt_ms: clamp(cur.rttMs ?? 0, 0, 60000),
    kbps: clamp(((cur.bytes - prev.bytes) * 8) / 1000 / secs, 0, 100000),
  };
  if (Number.isFinite(firstFrameMs) && firstFrameMs >= 0) msg.first_frame_ms = clamp(firstFrameMs, 0, 3600000);
  if (cur.relay === true || cur.relay === false) msg.relay = cur.relay;
  return msg;
}

// Sends a stats message every REPORT_INTERVAL_MS while session.state is
// 'joined'. session: a CallSession (sub, send, state, joinedAt).
export class QualityReporter {
  constructor(session) {
    this.session = session;
    this.prev = null;
    this.firstFrameMs = null;
    this.sentFirst = false;
    this.sentCount = 0; // reports sent (tests wait on it)
    this.joinedAt = Date.now();
    this.timer = setInterval(() => this.tick().catch(() => {}), REPORT_INTERVAL_MS);
  }
  async tick() {
    const s = this.session;
    if (s.state !== 'joined' || !s.sub) return;
    const cur = await readSnapshot(s.sub);
    if (this.firstFrameMs === null && cur.video && cur.video.frames > 0) this.firstFrameMs = Date.now() - this.joinedAt;
    const msg = statsMessage(this.prev, cur, this.sentFirst ? null : this.firstFrameMs);
    this.prev = cur;
    if (msg && s.send('stats', msg)) {
      this.sentCount++;
      if (msg.first_frame_ms !== undefined) this.sentFirst = true;
    }
  }
  stop() { clearInterval(this.timer); }
}

// The family's summary in plain words: {minutes, clear_minutes, drops}.
export function summaryWords(sum, t) {
  if (!sum || !Number.isInteger(sum.minutes) || sum.minutes <= 0) return t('quality.none');
  const clear = sum.minutes === 1 ? t('quality.clearOne', { clear: sum.clear_minutes }) : t('quality.clear', { clear: sum.clear_minutes, minutes: sum.minutes });
  const drops = sum.drops === 0 ? t('quality.drops0') : sum.drops === 1 ? t('quality.drops1') : sum.drops === 2 ? t('quality.drops2') : t('quality.dropsN', { n: sum.drops });
  return `${clear} ${drops}`;
}
