#!/usr/bin/env node
// The end-to-end frame format and key agreement of legal and telemedicine
// calls (client-web/js/call/sframe.mjs, e2ee-keys.mjs) in node, on node's
// own WebCrypto: round trips of VP8 keyframes, delta frames and Opus frames
// with the clear prefix the SFU reads, the SFrame header (RFC 9605 section
// 4.3) at its edges, and bad input — truncated frames, a wrong key id, a
// flipped bit, a replayed counter — dropped with a reason, never thrown.
// Then the key agreement: both sides derive the same wrapping key, a key
// wrapped for one participant does not open for another or under another
// room, audio and video keys differ, and the safety code is the same on
// both sides and changes when a public key is swapped.
// timeout: 60
import { encodeHeader, parseHeader, deriveFrameKey, encryptFrame, FrameDecryptor, FrameEncryptor, clearPrefixLength, frameKid, TAG_BYTES, VP8_KEY_CLEAR, VP8_DELTA_CLEAR, REPLAY_WINDOW } from '../../client-web/js/call/sframe.mjs';
import { makeIdentity, pairKey, senderBaseKeys, wrapBaseKey, unwrapBaseKey, safetyCode, newKid, unb64, b64 } from '../../client-web/js/call/e2ee-keys.mjs';
import * as tap from '../browser/lib/tap.mjs';

const rnd = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
// A VP8 keyframe: frame tag with P=0, start code 9d 01 2a, 640x480.
function vp8Key(n = 400) {
  const f = rnd(n);
  f[0] = (f[0] & 0xfe); f[3] = 0x9d; f[4] = 0x01; f[5] = 0x2a; f[6] = 0x80; f[7] = 0x02; f[8] = 0xe0; f[9] = 0x01;
  return f;
}
function vp8Delta(n = 120) { const f = rnd(n); f[0] |= 0x01; return f; }

try {
  // --- header ---
  const cases = [[0, 0], [7, 7], [8, 8], [255, 256], [0x123456, 0xffffffff], [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1], [3, 1e12]];
  let allRound = true;
  for (const [k, c] of cases) {
    const h = encodeHeader(k, c);
    const p = parseHeader(h, 0);
    if (!p || p.kid !== k || p.ctr !== c || p.len !== h.length) { allRound = false; tap.diag(`header ${k}/${c}: ${JSON.stringify(p)}`); }
  }
  tap.check(allRound, 'SFrame header round-trips key ids and counters from 0 to 2^53-1');
  tap.check(eq(encodeHeader(3, 5), [0x35]) && eq(encodeHeader(8, 1), [0x81, 0x08]) && eq(encodeHeader(1, 300), [0x19, 0x01, 0x2c]),
    'SFrame header bytes as RFC 9605 section 4.3 (small values in the config byte, else X/Y and length-1)');
  tap.check(parseHeader(Uint8Array.from([0x80]), 0) === null && parseHeader(Uint8Array.from([0x0f, 1, 2]), 0) === null && parseHeader(new Uint8Array(0), 0) === null,
    'a header cut short parses as nothing (null), not as a key id');
  let threw = false;
  try { encodeHeader(-1, 0); } catch { threw = true; }
  tap.check(threw, 'a negative key id is refused when encoding');

  // --- frames ---
  const baseV = rnd(32); const baseA = rnd(32);
  const kv = await deriveFrameKey(baseV, 1001); const ka = await deriveFrameKey(baseA, 1000);
  const dec = new FrameDecryptor();
  dec.setKey(kv); dec.setKey(ka);
  const key = vp8Key(); const delta = vp8Delta(); const opus = rnd(80);
  const eKey = await encryptFrame('video', key, kv, 0);
  const eDelta = await encryptFrame('video', delta, kv, 1);
  const eOpus = await encryptFrame('audio', opus, ka, 0);
  tap.check(eq(eKey.subarray(0, VP8_KEY_CLEAR), key.subarray(0, VP8_KEY_CLEAR)) && !eq(eKey.subarray(VP8_KEY_CLEAR + 3, 40), key.subarray(VP8_KEY_CLEAR, 40 - 3)),
    `a VP8 keyframe keeps its first ${VP8_KEY_CLEAR} bytes (frame tag, start code, size) clear and the rest encrypted`);
  tap.check(eq(eDelta.subarray(0, VP8_DELTA_CLEAR), delta.subarray(0, VP8_DELTA_CLEAR)) && clearPrefixLength('video', eDelta) === VP8_DELTA_CLEAR,
    `a VP8 delta frame keeps its first ${VP8_DELTA_CLEAR} bytes (the frame tag) clear`);
  const h = parseHeader(eOpus, 0);
  tap.check(h && h.kid === 1000 && eOpus.length === opus.length + h.len + TAG_BYTES && !eq(eOpus.subarray(h.len, h.len + 16), opus.subarray(0, 16)),
    'an Opus frame is encrypted whole: header, ciphertext and a 16-byte tag');
  tap.check(eKey.length === key.length + encodeHeader(1001, 0).length + TAG_BYTES, 'a frame grows by its header and the tag only');
  const [dKey, dDelta, dOpus] = [await dec.decrypt('video', eKey), await dec.decrypt('video', eDelta), await dec.decrypt('audio', eOpus)];
  tap.check(dKey.ok && eq(dKey.data, key) && dDelta.ok && eq(dDelta.data, delta) && dOpus.ok && eq(dOpus.data, opus), 'keyframe, delta frame and Opus frame decrypt to what was sent');
  tap.check(frameKid('video', eKey) === 1001 && frameKid('audio', eOpus) === 1000, 'the key id is readable without the key (for the tap)');

  // --- bad input: dropped with a reason, never thrown ---
  const reasons = [];
  const tryDrop = async (what, kind, data, want) => {
    let r;
    try { r = await dec.decrypt(kind, data); } catch (e) { r = { ok: false, reason: `threw ${e}` }; }
    reasons.push(`${what}: ${r.ok ? 'ok' : r.reason}`);
    return !r.ok && r.reason === want;
  };
  const e2 = await encryptFrame('video', vp8Delta(200), kv, 2);
  let allTrunc = true;
  for (const n of [0, 1, 2, 3, 4, 5, 10, e2.length - TAG_BYTES - 1, e2.length - 1]) {
    const ok = await tryDrop(`truncated to ${n}`, 'video', e2.subarray(0, n), n >= VP8_DELTA_CLEAR + 3 + TAG_BYTES ? 'auth_failed' : 'truncated');
    if (!ok) allTrunc = false;
  }
  tap.check(allTrunc, 'truncated frames (0 bytes up to one byte short) are dropped as truncated or failing authentication', reasons.join('; '));
  tap.check(await tryDrop('not bytes', 'video', 'hello', 'truncated') && await tryDrop('null', 'audio', null, 'truncated'), 'input that is not bytes is dropped');
  const kOther = await deriveFrameKey(rnd(32), 4242);
  const wrongKid = await encryptFrame('audio', opus, kOther, 0);
  tap.check(await tryDrop('unknown kid', 'audio', wrongKid, 'unknown_key'), 'a frame under a key id we do not hold is dropped (unknown_key)');
  // A frame whose header names our key id but was made with another key.
  const forged = await encryptFrame('audio', opus, { ...kOther, kid: 1000 }, 50);
  tap.check(await tryDrop('other key same kid', 'audio', forged, 'auth_failed'), 'a frame made with another key under our key id fails authentication');
  const flip = Uint8Array.from(await encryptFrame('video', vp8Key(), kv, 3));
  flip[1] ^= 0x04; // inside the clear prefix: authenticated
  tap.check(await tryDrop('clear prefix altered', 'video', flip, 'auth_failed'), 'altering the clear prefix (the SFU could read it, not change it) fails authentication');
  const flip2 = Uint8Array.from(await encryptFrame('audio', opus, ka, 7));
  flip2[flip2.length - 20] ^= 1;
  tap.check(await tryDrop('ciphertext altered', 'audio', flip2, 'auth_failed'), 'a flipped ciphertext bit fails authentication');
  tap.check(await tryDrop('replay', 'video', eKey, 'replayed') && await tryDrop('replay', 'audio', eOpus, 'replayed'), 'a replayed counter is dropped (replayed)');
  // Out of order within the window is fine; far behind is a replay.
  const later = await encryptFrame('video', vp8Delta(), kv, 1000);
  const earlier = await encryptFrame('video', vp8Delta(), kv, 999);
  const old = await encryptFrame('video', vp8Delta(), kv, 1000 - REPLAY_WINDOW);
  const rl = await dec.decrypt('video', later); const re = await dec.decrypt('video', earlier);
  tap.check(rl.ok && re.ok && await tryDrop('too old', 'video', old, 'replayed'), `a frame a little out of order decrypts; one ${REPLAY_WINDOW} counters behind is a replay`);
  // A dropped frame did not move the window: the real one still decrypts.
  const real = await encryptFrame('audio', opus, ka, 60);
  const fake = Uint8Array.from(real); fake[fake.length - 1] ^= 1;
  await dec.decrypt('audio', fake);
  tap.check((await dec.decrypt('audio', real)).ok, 'a forged frame with a fresh counter does not burn that counter for the real one');
  dec.removeKey(1000);
  tap.check(await tryDrop('removed key', 'audio', await encryptFrame('audio', opus, ka, 61), 'unknown_key'), 'after a key is removed its frames are dropped');

  // Encryptor: no key, no frame; the counter belongs to the key.
  const fe = new FrameEncryptor();
  tap.check(await fe.encrypt('audio', opus) === null, 'with no key yet nothing is sent (null, not the clear frame)');
  const shared = await deriveFrameKey(rnd(32), 77);
  const fe2 = new FrameEncryptor(); fe.setKey(shared); fe2.setKey(shared);
  const c1 = parseHeader(await fe.encrypt('audio', opus), 0).ctr; const c2 = parseHeader(await fe2.encrypt('audio', opus), 0).ctr;
  tap.check(c1 !== c2, 'two tracks sharing a key never share a counter (no nonce reuse)', `${c1} ${c2}`);

  // --- key agreement ---
  const a = await makeIdentity(); const b = await makeIdentity(); const m = await makeIdentity();
  const room = 'visit-1';
  const aToB = await pairKey(a, b.pub, { room, from: 'A', to: 'B' });
  const bFromA = await pairKey(b, a.pub, { room, from: 'A', to: 'B' });
  const secret = rnd(32);
  const base = await senderBaseKeys(secret, { room, sender: 'A', epoch: 1 });
  tap.check(!eq(base.audio, base.video) && base.audio.length === 32, 'a sender has separate audio and video keys from one epoch secret');
  const meta = { room, from: 'A', to: 'B', epoch: 1, kind: 'video', kid: 9 };
  const w = await wrapBaseKey(aToB, base.video, meta);
  const un = await unwrapBaseKey(bFromA, w, meta);
  tap.check(un && eq(un, base.video), 'B unwraps the video key A wrapped for B (ECDH P-256 + HKDF, both sides)');
  const mFromA = await pairKey(m, a.pub, { room, from: 'A', to: 'B' });
  tap.check(await unwrapBaseKey(mFromA, w, meta) === null, 'a third party (another key pair) cannot unwrap it');
  tap.check(await unwrapBaseKey(bFromA, w, { ...meta, kind: 'audio' }) === null && await unwrapBaseKey(bFromA, w, { ...meta, to: 'C' }) === null,
    'a wrapped key bound to kind and recipient does not open as another');
  const otherRoom = await pairKey(b, a.pub, { room: 'visit-2', from: 'A', to: 'B' });
  tap.check(await unwrapBaseKey(otherRoom, w, meta) === null, 'nor under another room');
  tap.check(await unwrapBaseKey(bFromA, { iv: 'x', ct: '!!' }, meta) === null && await unwrapBaseKey(bFromA, {}, meta) === null, 'garbage wrapped keys are refused, not thrown');
  let bad = null;
  try { await pairKey(a, rnd(65), { room, from: 'A', to: 'B' }); } catch (e) { bad = e; }
  tap.check(bad instanceof Error, 'a public key that is not a P-256 point is refused');
  const codeA = await safetyCode([{ id: 'A', pub: a.pub }, { id: 'B', pub: b.pub }]);
  const codeB = await safetyCode([{ id: 'B', pub: b.pub }, { id: 'A', pub: a.pub }]);
  const codeM = await safetyCode([{ id: 'A', pub: a.pub }, { id: 'B', pub: m.pub }]);
  tap.check(codeA === codeB && /^\d{4} \d{4} \d{4}$/.test(codeA), `both sides show the same safety code (${codeA})`);
  tap.check(codeA !== codeM, `a swapped public key changes it (${codeM})`);
  const kids = Array.from({ length: 20 }, () => newKid('video'));
  tap.check(kids.every((k) => k % 2 === 1 && Number.isSafeInteger(k)) && newKid('audio') % 2 === 0, 'key ids: odd for video, even for audio');
  tap.check(unb64('%%') === null && eq(unb64(b64(Uint8Array.from([1, 2, 255]))), [1, 2, 255]), 'base64 of the key messages round-trips and refuses garbage');
} catch (e) {
  tap.notOk('frame and key tests ran to the end', e && e.stack ? e.stack : String(e));
}
process.exit(tap.done());
