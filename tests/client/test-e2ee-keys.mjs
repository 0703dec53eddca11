#!/usr/bin/env node
// The key protocol of end-to-end encrypted calls (client-web/js/call/e2ee.mjs)
// in node, three participants' E2EE objects wired through a relay that
// behaves as signalling's (`from` stamped, `to` or everyone else); the
// transform worker replaced by a recorder of what the page gives it (the
// frame transform itself is tests/client/test-e2ee-frame.mjs and the
// browsers' tests/browser/test-e2ee-calls). Checks:
// - after the hellos, each sender switches to keys every other participant
//   already holds (no frame goes out that a receiver cannot open), with
//   separate audio and video key ids;
// - the keys a receiver got open real frames of the sender (the worker's
//   sframe.mjs with the base keys handed over);
// - a join rotates every sender, the newcomer gets only the new epoch;
// - a leave rotates again and the leaver gets nothing new;
// - the safety code is the same for all and changes with the membership;
// - a relay that swaps a public key (a man in the middle) changes the code;
// - garbage messages are ignored, not thrown.
// timeout: 60
import { E2EE } from '../../client-web/js/call/e2ee.mjs';
import { deriveFrameKey, encryptFrame, FrameDecryptor } from '../../client-web/js/call/sframe.mjs';
import * as tap from '../browser/lib/tap.mjs';

import { sleep, waitFor } from '../lib/wait.mjs';
const room = 'visit-k1';

class FakeWorker {
  constructor() { this.log = []; this.recv = new Map(); this.send = {}; }
  postMessage(m) {
    this.log.push({ ...m, at: Date.now() });
    if (m.type === 'recvKey') this.recv.set(m.kid, m.baseKey);
    if (m.type === 'dropKey') this.recv.delete(m.kid);
    if (m.type === 'sendKey') this.send[m.kind] = { kid: m.kid, baseKey: m.baseKey };
  }
  terminate() {}
}

// The relay: like signalling, delivers to `to` or every other member.
const members = new Map();
const wire = [];
let tamper = null;
function join(id) {
  const w = new FakeWorker();
  const e = new E2EE({ room, how: 'script', worker: w });
  e.send = (to, body) => {
    const b = tamper ? tamper(id, to, body) : body;
    wire.push({ from: id, to, t: body.t });
    for (const [mid, m] of members) if (mid !== id && (!to || to === mid)) setTimeout(() => m.e.onMessage(id, JSON.parse(JSON.stringify(b))), 1);
    return true;
  };
  members.set(id, { e, w });
  return { e, w };
}
// A rotation is over when its condition holds (at most 5 s); where an
// acknowledgement never comes, only the protocol's fallback ends it.
const settled = (what, cond) => waitFor(cond, { timeout: 5000, interval: 50, what }).catch((e) => tap.diag(e.message));
const holds = (w, kid) => w.recv.has(kid);

try {
  const A = join('A'); await A.e.joined('A');
  const B = join('B'); await B.e.joined('B');
  await settled('A and B to hold each other\'s keys', () => A.e.code && A.e.code === B.e.code
    && holds(B.w, A.w.send.video.kid) && holds(B.w, A.w.send.audio.kid) && holds(A.w, B.w.send.video.kid) && holds(A.w, B.w.send.audio.kid));
  const aKeys = A.w.send; const bKeys = B.w.send;
  tap.check(aKeys.audio && aKeys.video && aKeys.audio.kid !== aKeys.video.kid && aKeys.audio.kid % 2 === 0 && aKeys.video.kid % 2 === 1,
    'each sender has separate audio and video keys (even and odd key ids)', JSON.stringify(Object.keys(aKeys)));
  tap.check(holds(B.w, aKeys.audio.kid) && holds(B.w, aKeys.video.kid) && holds(A.w, bKeys.video.kid) && holds(A.w, bKeys.audio.kid),
    'A and B each hold the other\'s current audio and video keys');
  // Every sendKey came after the receiver installed that key.
  const sentAt = (w, kid) => (w.log.find((m) => m.type === 'sendKey' && m.kid === kid) || {}).at;
  const gotAt = (w, kid) => (w.log.find((m) => m.type === 'recvKey' && m.kid === kid) || {}).at;
  tap.check(sentAt(A.w, aKeys.video.kid) >= gotAt(B.w, aKeys.video.kid) && sentAt(B.w, bKeys.video.kid) >= gotAt(A.w, bKeys.video.kid),
    'a sender switches to new keys only after the receiver installed them (acknowledged)');
  const rotA = A.e.rotations[A.e.rotations.length - 1];
  tap.check(rotA.unacked === 0 && rotA.activatedAt - rotA.at < 1000, `the switch waited for acknowledgements, not the 1.5 s fallback (${rotA.activatedAt - rotA.at} ms)`);
  // The handed-over base key opens A's real frames.
  const fk = await deriveFrameKey(aKeys.video.baseKey, aKeys.video.kid);
  const frame = Uint8Array.from([0x10, 1, 2, 0x9d, 0x01, 0x2a, 0x80, 2, 0xe0, 1, ...new Array(50).fill(7)]);
  const enc = await encryptFrame('video', frame, fk, 0);
  const dec = new FrameDecryptor();
  dec.setKey(await deriveFrameKey(B.w.recv.get(aKeys.video.kid), aKeys.video.kid));
  const r = await dec.decrypt('video', enc);
  tap.check(r.ok && r.data.length === frame.length, "B opens A's video frame with the key it was given");
  const dec2 = new FrameDecryptor();
  dec2.setKey(await deriveFrameKey(B.w.recv.get(aKeys.audio.kid), aKeys.video.kid));
  tap.check(!(await dec2.decrypt('video', enc)).ok, "A's audio key does not open A's video (separate keys)");
  const codeAB = A.e.code;
  tap.check(codeAB && codeAB === B.e.code, `A and B show the same safety code (${codeAB})`);

  // C joins: a new epoch everywhere; C gets only the new keys.
  const oldA = aKeys.video.kid;
  const oldB = bKeys.video.kid;
  const C = join('C'); await C.e.joined('C');
  await settled('the join\'s rotation everywhere', () => A.w.send.video.kid !== oldA && B.w.send.video.kid !== oldB
    && holds(C.w, A.w.send.video.kid) && holds(B.w, A.w.send.video.kid) && holds(B.w, C.w.send.video.kid) && holds(A.w, C.w.send.audio.kid)
    && A.e.code === B.e.code && B.e.code === C.e.code);
  const newA = A.w.send.video.kid;
  tap.check(newA !== oldA && A.e.rotations.some((x) => /join/.test(x.why) && x.kids.video === newA), 'a join rotates A\'s keys');
  tap.check(holds(C.w, newA) && !holds(C.w, oldA), "the newcomer holds A's new key and never had the old one");
  tap.check(holds(B.w, newA) && holds(B.w, C.w.send.video.kid) && holds(A.w, C.w.send.audio.kid), 'everyone holds everyone\'s current keys');
  tap.check(A.e.code === B.e.code && B.e.code === C.e.code && A.e.code !== codeAB, `all three show the same new safety code (${A.e.code})`);

  // C leaves: A and B rotate; C gets nothing new and its keys are dropped.
  const cKid = C.w.send.video.kid;
  members.delete('C');
  A.e.peerLeft('C'); B.e.peerLeft('C');
  const newB = B.w.send.video.kid;
  await settled('the leave\'s rotation', () => A.w.send.video.kid !== newA && B.w.send.video.kid !== newB
    && holds(B.w, A.w.send.video.kid) && holds(A.w, B.w.send.video.kid) && A.e.code === codeAB && B.e.code === codeAB);
  const afterA = A.w.send.video.kid;
  tap.check(afterA !== newA && A.e.rotations.some((x) => /leave/.test(x.why)), 'a leave rotates the keys of those who stay');
  tap.check(!holds(C.w, afterA) && holds(B.w, afterA), 'the one who left never gets the new keys; the others do');
  tap.check(!holds(A.w, cKid) && !holds(B.w, cKid), "the leaver's keys are dropped");
  tap.check(A.e.code === codeAB && B.e.code === codeAB, 'with the same two people again the code is the first one again');

  // Bad messages: ignored, never thrown.
  let threw = null;
  try {
    for (const b of [null, 5, 'x', {}, { t: 'hello' }, { t: 'hello', pub: '!!' }, { t: 'hello', pub: 'AAAA' }, { t: 'keys' },
      { t: 'keys', epoch: 'x', keys: [] }, { t: 'keys', epoch: 9, keys: [{ kind: 'video', kid: 1, iv: 'AAAA', ct: 'AAAA' }] },
      { t: 'ack', epoch: -1 }, { t: 'unknown' }]) await A.e.onMessage('B', b);
    await A.e.onMessage(null, { t: 'hello' });
    await A.e.onMessage('A', { t: 'ack', epoch: 1 });
  } catch (e) { threw = e; }
  tap.check(!threw && A.w.send.video.kid === afterA && holds(A.w, B.w.send.video.kid), 'garbage key messages are ignored: nothing thrown, keys unchanged', String(threw));

  // A man in the middle swaps D's public key on its way to A.
  const { makeIdentity, b64 } = await import('../../client-web/js/call/e2ee-keys.mjs');
  const evil = await makeIdentity();
  tamper = (from, to, body) => (from === 'D' && body.t === 'hello' && (to === 'A' || !to) ? { ...body, pub: b64(evil.pub) } : body);
  const D = join('D'); await D.e.joined('D');
  await sleep(2200); // D's acknowledgements never come: the rotation ends by its 1.5 s fallback (ROTATE_WAIT_MS)
  tap.check(A.e.code !== D.e.code, `a swapped public key shows as different safety codes (A ${A.e.code}, D ${D.e.code})`);
  tap.check(!holds(D.w, A.w.send.video.kid), "and the real D cannot open A's keys wrapped for the impostor's key");
  for (const m of members.values()) m.e.close();
} catch (e) {
  tap.notOk('key protocol tests ran to the end', e && e.stack ? e.stack : String(e));
}
process.exit(tap.done());
