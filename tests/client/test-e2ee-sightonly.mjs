#!/usr/bin/env node
// Sight-only monitoring with end-to-end encryption (client-web/js/call/e2ee.mjs,
// docs/media.md "Sight-only monitoring"), in node: two participants and a
// receive-only monitor wired through a relay that behaves as signalling's
// (messages of the monitor stamped video_only). Checks:
// - the monitor is given each participant's VIDEO key and never an AUDIO key;
// - the video key it holds opens a participant's real video frame; it has
//   nothing that opens the audio;
// - the monitor sends no keys of its own and makes no sending key;
// - the participants still hold each other's audio and video keys, and the
//   monitor is not part of their safety code (same code as without it).
// timeout: 60
import { E2EE } from '../../client-web/js/call/e2ee.mjs';
import { deriveFrameKey, encryptFrame, FrameDecryptor } from '../../client-web/js/call/sframe.mjs';
import * as tap from '../browser/lib/tap.mjs';

import { waitFor } from '../lib/wait.mjs';
const room = 'visit-sight';
class FakeWorker {
  constructor() { this.log = []; this.recv = new Map(); this.send = {}; }
  postMessage(m) {
    this.log.push(m);
    if (m.type === 'recvKey') this.recv.set(m.kid, m.baseKey);
    if (m.type === 'dropKey') this.recv.delete(m.kid);
    if (m.type === 'sendKey') this.send[m.kind] = { kid: m.kid, baseKey: m.baseKey };
  }
  terminate() {}
}
const members = new Map();
const wire = [];
function join(id, { monitor = false } = {}) {
  const w = new FakeWorker();
  const e = new E2EE({ room, how: 'script', worker: w, receiveOnly: monitor });
  e.send = (to, body) => {
    wire.push({ from: id, to, body: JSON.parse(JSON.stringify(body)) });
    for (const [mid, m] of members) {
      // as signalling: a broadcast never reaches a hidden participant
      if (mid === id || (to ? to !== mid : m.monitor)) continue;
      setTimeout(() => m.e.onMessage(id, JSON.parse(JSON.stringify(body)), { videoOnly: monitor }), 1);
    }
    return true;
  };
  members.set(id, { e, w, monitor });
  return { e, w };
}

try {
  const A = join('A'); await A.e.joined('A');
  const B = join('B'); await B.e.joined('B');
  await waitFor(() => A.e.code && A.e.code === B.e.code && B.w.recv.has(A.w.send.video.kid) && A.w.recv.has(B.w.send.video.kid),
    { timeout: 5000, interval: 50, what: 'A and B to hold each other\'s keys' }).catch((e) => tap.diag(e.message));
  const codeBefore = A.e.code;
  const M = join('M', { monitor: true }); await M.e.joined('M');
  await waitFor(() => M.w.recv.has(A.w.send.video.kid) && M.w.recv.has(B.w.send.video.kid),
    { timeout: 5000, interval: 50, what: 'the monitor to hold both video keys' }).catch((e) => tap.diag(e.message));
  const a = A.w.send, b = B.w.send;
  tap.check(M.w.recv.has(a.video.kid) && M.w.recv.has(b.video.kid), "the monitor holds both participants' current video keys");
  tap.check(!M.w.recv.has(a.audio.kid) && !M.w.recv.has(b.audio.kid), 'the monitor holds no audio key');
  const toM = wire.filter((x) => x.to === 'M' && x.body.t === 'keys');
  tap.check(toM.length > 0 && toM.every((x) => x.body.keys.every((k) => k.kind === 'video')), `every key message to the monitor carries video keys only (${toM.length} messages)`);
  tap.check(!wire.some((x) => x.from === 'M' && x.body.t === 'keys') && !M.w.log.some((m) => m.type === 'sendKey'), 'the monitor sends no keys and has no sending key');
  tap.check(B.w.recv.has(a.audio.kid) && B.w.recv.has(a.video.kid) && A.w.recv.has(b.audio.kid), 'the participants hold each other\'s audio and video keys');
  tap.check(A.e.code && A.e.code === B.e.code && A.e.code === codeBefore, 'the monitor is not in the participants\' safety code');
  // Real frames: the monitor opens video, not audio.
  const vf = Uint8Array.from([0x10, 1, 2, 0x9d, 0x01, 0x2a, 0x80, 2, 0xe0, 1, ...new Array(50).fill(7)]);
  const venc = await encryptFrame('video', vf, await deriveFrameKey(a.video.baseKey, a.video.kid), 0);
  const dv = new FrameDecryptor();
  dv.setKey(await deriveFrameKey(M.w.recv.get(a.video.kid), a.video.kid));
  const rv = await dv.decrypt('video', venc);
  tap.check(rv.ok && rv.data.length === vf.length, "the monitor opens A's video frame");
  const af = Uint8Array.from(new Array(40).fill(3));
  const aenc = await encryptFrame('audio', af, await deriveFrameKey(a.audio.baseKey, a.audio.kid), 0);
  const da = new FrameDecryptor();
  for (const [kid, base] of M.w.recv) da.setKey(await deriveFrameKey(base, kid));
  const ra = await da.decrypt('audio', aenc);
  tap.check(!ra.ok, "nothing the monitor holds opens A's audio frame");
  // Garbage from the monitor's side is ignored, not thrown.
  await A.e.onMessage('M', { t: 'keys', epoch: 'x' }, { videoOnly: true });
  tap.check(true, 'garbage ignored');
} catch (e) {
  tap.check(false, 'no exception', e.stack);
}
for (const { e } of members.values()) e.close?.();
tap.done();
