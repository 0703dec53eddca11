// Browser side of the SFU browser tests. It speaks to the test's relay
// (ws://host/relay?participant=NAME), which turns these small messages into
// SFU control requests; the SFU is the only ICE peer. Two peer connections,
// as docs/sfu-control.md says: publisher (we offer) and subscriber (the SFU
// offers and renegotiates).
'use strict';
const params = new URLSearchParams(location.search);
const me = params.get('participant');
// maxKbps=N: ask for at most N kbit/s of video in our subscriber answers
// (b=AS on every video section), as client-web's wall tiles do.
const maxKbps = Number(params.get('maxKbps') || 0);
function limitVideo(sdp) {
  if (!maxKbps) return sdp;
  let video = false;
  const out = [];
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('m=')) video = line.startsWith('m=video');
    if (video && line.startsWith('b=')) continue;
    out.push(line);
    if (video && line.startsWith('c=')) out.push(`b=AS:${maxKbps}`);
  }
  return out.join('\r\n');
}
const relay = new WebSocket(`ws://${location.host}/relay?participant=${encodeURIComponent(me)}`);
const log = [];
function note(s) { log.push(`${Date.now()} ${s}`); document.getElementById('status').textContent = s; }
window.peerLog = log;
window.firstFrameAt = {};   // trackIdentifier -> Date.now() of first decoded frame
window.errors = [];

let pub = null;
let sub = null;
let subChain = Promise.resolve();
function send(m) { relay.send(JSON.stringify(m)); }

const pending = new Map();
let nextId = 1;
function call(op, fields) {
  const id = nextId++;
  send({ id, op, ...fields });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

// Publisher: max-bundle. Subscriber: balanced, like client-web, because the
// SFU's first offer has no media section (and so no BUNDLE group) when
// there is nothing to receive yet, which max-bundle refuses.
function pcConfig(policy = 'max-bundle') {
  return { bundlePolicy: policy, rtcpMuxPolicy: 'require', iceServers: [] };
}

function onCandidate(transport) {
  return (e) => {
    const c = e.candidate;
    send({ op: 'ice_candidate', transport, candidate: c ? c.candidate : '', sdpMid: c ? c.sdpMid : null,
      sdpMLineIndex: c ? c.sdpMLineIndex : null });
  };
}

async function publish() {
  // simulcast=1: three VP8 layers by rid, lowest first (1/4, 1/2, full of
  // 1280x720), as a browser app asks for them.
  const simulcast = params.get('simulcast') === '1';
  const size = simulcast ? { width: 1280, height: 720 } : { width: 640, height: 360 };
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { ...size, frameRate: 30 } });
  pub = new RTCPeerConnection(pcConfig());
  pub.onicecandidate = onCandidate('publisher');
  pub.onconnectionstatechange = () => note(`publisher ${pub.connectionState}`);
  for (const t of stream.getTracks()) {
    const init = { direction: 'sendonly', streams: [stream] };
    if (simulcast && t.kind === 'video') {
      init.sendEncodings = [{ rid: 'q', scaleResolutionDownBy: 4 }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'f', scaleResolutionDownBy: 1 }];
      // simKbps=A,B,C: a maxBitrate cap per layer (kbit/s, q,h,f), as an
      // app sets them; without it the browser's own defaults.
      const caps = (params.get('simKbps') || '').split(',').map(Number);
      if (caps.length === 3 && caps.every((k) => k > 0)) init.sendEncodings.forEach((e, i) => { e.maxBitrate = caps[i] * 1000; });
    }
    pub.addTransceiver(t, init);
  }
  const offer = await pub.createOffer();
  await pub.setLocalDescription(offer);
  const r = await call('publish_offer', { sdp: pub.localDescription.sdp });
  await pub.setRemoteDescription({ type: 'answer', sdp: r.sdp });
  note('published');
}

// Publisher renegotiation: a second camera track, and taking it away again.
let extra = null;
async function republish() {
  const offer = await pub.createOffer();
  await pub.setLocalDescription(offer);
  const r = await call('publish_offer', { sdp: pub.localDescription.sdp });
  await pub.setRemoteDescription({ type: 'answer', sdp: r.sdp });
}
async function addVideo() {
  const s = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 180 } });
  extra = pub.addTransceiver(s.getVideoTracks()[0], { direction: 'sendonly', streams: [s] });
  await republish();
  note('added video');
}
async function removeVideo() {
  if (!extra) return;
  extra.stop();
  await republish();
  note('removed video');
}

function ensureSub() {
  if (sub) return sub;
  sub = new RTCPeerConnection(pcConfig('balanced'));
  sub.onicecandidate = onCandidate('subscriber');
  sub.onconnectionstatechange = () => note(`subscriber ${sub.connectionState}`);
  sub.ontrack = (e) => {
    const el = document.createElement(e.track.kind === 'video' ? 'video' : 'audio');
    el.autoplay = true; el.muted = true; el.playsInline = true;
    el.srcObject = new MediaStream([e.track]);
    document.getElementById('remote').appendChild(el);
    if (e.track.kind === 'video') watchFrames(el);
  };
  return sub;
}

// Offers from the SFU (the reply to our subscriber_offer, or a
// renegotiation event) are applied one at a time.
function onSubscriberOffer(sdp) {
  subChain = subChain.then(async () => {
    const pc = ensureSub();
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await call('subscriber_answer', { sdp: limitVideo(pc.localDescription.sdp) });
    note('subscriber answered');
  }).catch((e) => { window.errors.push(String(e)); note(`error ${e}`); });
  return subChain;
}

async function subscribe() {
  ensureSub();
  const r = await call('subscriber_offer', {});
  await onSubscriberOffer(r.sdp);
}

relay.onmessage = async (ev) => {
  const m = JSON.parse(ev.data);
  if (m.reply !== undefined) {
    const p = pending.get(m.reply);
    pending.delete(m.reply);
    if (!p) return;
    if (m.type === 'error') { window.errors.push(`${m.code}: ${m.message}`); p.reject(new Error(m.code)); } else p.resolve(m);
    return;
  }
  try {
    if (m.op === 'publish') await publish();
    else if (m.op === 'subscribe') await subscribe();
    else if (m.op === 'add_video') await addVideo();
    else if (m.op === 'remove_video') await removeVideo();
    else if (m.op === 'subscriber_offer') await onSubscriberOffer(m.sdp);
    else if (m.op === 'restart_pub') { pub.restartIce(); await republish(); note('publisher ICE restarted'); }
    else if (m.op === 'restart_sub') {
      const r = await call('restart_ice', { transport: 'subscriber' });
      await onSubscriberOffer(r.sdp);
      note('subscriber ICE restarted');
    }
    else if (m.op === 'ice_candidate') {
      const pc = m.transport === 'publisher' ? pub : sub;
      if (pc && m.candidate) await pc.addIceCandidate({ candidate: m.candidate, sdpMid: m.sdpMid, sdpMLineIndex: m.sdpMLineIndex });
    } else if (m.op === 'close') {
      if (pub) pub.close();
      if (sub) sub.close();
      note('closed');
    }
  } catch (e) { window.errors.push(String(e)); note(`error ${e}`); }
};
relay.onopen = () => note('relay open');

// ICE credentials now in use on each connection (local and remote), to see
// a restart happen.
window.ufrags = () => {
  const u = (d) => (d && (d.sdp.match(/a=ice-ufrag:(\S+)/) || [])[1]) || null;
  return { pubLocal: pub && u(pub.localDescription), pubRemote: pub && u(pub.remoteDescription),
    subLocal: sub && u(sub.localDescription), subRemote: sub && u(sub.remoteDescription),
    pubState: pub && pub.connectionState, subState: sub && sub.connectionState };
};

// Frame gaps (the freeze a viewer sees): the largest interval between
// presented frames of the remote video, measured in the page (so a slow
// test process or a loaded machine does not stretch it): from
// requestVideoFrameCallback, and from framesDecoded polled every 100 ms as
// a cross-check. frameGapReset() starts a window, frameGap() reads it (an
// ongoing gap counts up to now).
const frameLog = { rvfc: { last: 0, max: 0, frames: 0 }, poll: { last: 0, count: -1, max: 0 } };
const widthChanges = [];
window.widthChanges = () => widthChanges;
function watchFrames(el) {
  if (!('requestVideoFrameCallback' in el)) return;
  let lastW = 0, lastT = 0; // this element's
  const cb = (now, meta) => {
    const f = frameLog.rvfc;
    if (f.last) f.max = Math.max(f.max, now - f.last);
    // A change of frame width (a simulcast layer switch): the gap between
    // this element's last frame of the old width and first of the new.
    if (meta && meta.width) {
      if (lastW && meta.width !== lastW && widthChanges.length < 1000)
        widthChanges.push({ at: Date.now(), from: lastW, to: meta.width, gapMs: Math.round(now - lastT) });
      lastW = meta.width;
    }
    lastT = now;
    f.last = now;
    f.frames++;
    el.requestVideoFrameCallback(cb);
  };
  el.requestVideoFrameCallback(cb);
}
setInterval(async () => {
  if (!sub) return;
  let n = 0;
  (await sub.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') n += s.framesDecoded || 0; });
  const p = frameLog.poll;
  const t = performance.now();
  if (n !== p.count) {
    if (p.last && p.count >= 0) p.max = Math.max(p.max, t - p.last);
    p.last = t;
    p.count = n;
  }
}, 100);
// fromNextFrame: the window starts at the next frame (after a video pause,
// whose length is not a freeze of the switch that ends it).
window.frameGapReset = (fromNextFrame = false) => {
  frameLog.rvfc.max = 0;
  frameLog.rvfc.frames = 0;
  frameLog.poll.max = 0;
  if (fromNextFrame) {
    frameLog.rvfc.last = 0;
    frameLog.poll.last = 0;
  }
  return true;
};
window.frameGap = () => {
  const t = performance.now();
  const f = frameLog.rvfc;
  const p = frameLog.poll;
  return { rvfcMs: Math.round(Math.max(f.max, f.last ? t - f.last : 0)), rvfcFrames: f.frames,
    pollMs: Math.round(Math.max(p.max, p.last ? t - p.last : 0)) };
};

// The local UDP ports of the candidate pairs in use (publisher and
// subscriber connection): a test that shapes one participant's link can
// leave another's traffic out of it by port.
window.localPorts = async () => {
  const ports = [];
  for (const pc of [pub, sub]) {
    if (!pc) continue;
    const st = await pc.getStats();
    let pairId = null;
    st.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
    const pair = pairId && st.get(pairId);
    const local = pair && st.get(pair.localCandidateId);
    if (local && local.port) ports.push(local.port);
  }
  return ports;
};

// What the test asks for: decoded video frames and received audio per
// remote track, from getStats (the honest "it arrived" check).
window.mediaStats = async () => {
  const out = { video: [], audio: [], pub: null };
  if (sub) {
    const st = await sub.getStats();
    st.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.video.push({ id: s.trackIdentifier || s.mid, framesDecoded: s.framesDecoded || 0, width: s.frameWidth || 0,
          height: s.frameHeight || 0, freezeCount: s.freezeCount || 0, totalFreezesDuration: s.totalFreezesDuration || 0,
          bytesReceived: s.bytesReceived || 0,
          nackCount: s.nackCount || 0, pliCount: s.pliCount || 0, packetsLost: s.packetsLost || 0, packetsReceived: s.packetsReceived || 0 });
        if ((s.framesDecoded || 0) > 0 && !window.firstFrameAt[s.trackIdentifier || s.mid]) window.firstFrameAt[s.trackIdentifier || s.mid] = Date.now();
      } else if (s.kind === 'audio') {
        out.audio.push({ id: s.trackIdentifier || s.mid, packetsReceived: s.packetsReceived || 0, samples: s.totalSamplesReceived || 0,
          energy: s.totalAudioEnergy || 0 });
      }
    });
  }
  if (sub) {
    // Audio levels from the RFC 6464 header extension (what
    // getSynchronizationSources reports): proves the SFU kept it.
    out.ssrcAudioLevels = [];
    for (const r of sub.getReceivers()) {
      if (r.track && r.track.kind === 'audio') {
        for (const s of r.getSynchronizationSources()) out.ssrcAudioLevels.push(s.audioLevel);
      }
    }
  }
  if (pub) {
    const st = await pub.getStats();
    st.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.pub = { nackCount: s.nackCount || 0, pliCount: s.pliCount || 0,
        firCount: s.firCount || 0, retransmittedPacketsSent: s.retransmittedPacketsSent || 0, keyFramesEncoded: s.keyFramesEncoded || 0,
        targetBitrate: s.targetBitrate || 0 };
    });
  }
  out.errors = window.errors;
  return out;
};

// The publisher's own view of its video, per rid (simulcast) from getStats
// outbound-rtp: bytes, frames, width; works alike in Chromium and Firefox.
window.pubRidStats = async () => {
  const out = { rids: {} };
  if (!pub) return out;
  const st = await pub.getStats();
  st.forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video')
      out.rids[s.rid || '-'] = { ssrc: s.ssrc, bytes: s.bytesSent || 0, packets: s.packetsSent || 0, rtxBytes: s.retransmittedBytesSent || 0, frames: s.framesEncoded || 0,
        width: s.frameWidth || 0, height: s.frameHeight || 0, target: s.targetBitrate || 0, qlr: s.qualityLimitationReason || null };
  });
  return out;
};
// The publisher's local and remote SDP (to record what a browser offers).
window.pubSdp = () => ({ offer: pub && pub.localDescription ? pub.localDescription.sdp : null,
  answer: pub && pub.remoteDescription ? pub.remoteDescription.sdp : null });
