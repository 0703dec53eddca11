// The end-to-end frame format of legal and telemedicine calls
// (docs/media.md, "End-to-end encryption"): SFrame (RFC 9605) with cipher
// suite AES_128_GCM_SHA256_128, shaped so that the SFU can still read what
// it needs. Pure WebCrypto: the same module runs in the browsers' transform
// worker and in node's unit tests (tests/client/test-e2ee-frame.mjs).
//
//   frame = clear prefix || SFrame header || AES-GCM(ciphertext || 16-byte tag)
//
// - clear prefix: what the SFU and the receiving depacketizer read, never
//   encrypted but authenticated (part of the AAD): a VP8 keyframe's first 10
//   bytes (frame tag, start code, width and height), a VP8 delta frame's
//   first 3 (frame tag: the keyframe bit the SFU switches layers on), none
//   of an Opus frame. The VP8 payload descriptor is written by the RTP
//   packetizer outside the transform and is never touched.
// - SFrame header (RFC 9605 section 4.3): config byte X|K|Y|C, then the key
//   id (KID) and the counter (CTR), big-endian, each in as few bytes as fit.
// - key and salt from the base key by HKDF-SHA256 as RFC 9605 section
//   4.4.2; nonce = salt XOR counter; AAD = clear prefix || header.
//
// Decryption never throws on bad input: a truncated frame, an unknown key
// id, a bad tag or a replayed counter is a drop with a reason.

export const SUITE = 0x0004; // AES_128_GCM_SHA256_128
const NK = 16; // key bytes
const NN = 12; // nonce bytes
export const TAG_BYTES = 16;
export const VP8_KEY_CLEAR = 10;
export const VP8_DELTA_CLEAR = 3;
export const REPLAY_WINDOW = 512; // counters kept per key
const MAX_INT = Number.MAX_SAFE_INTEGER; // KID and CTR fit JavaScript numbers

const subtle = () => globalThis.crypto.subtle;
const enc = new TextEncoder();

// How many leading bytes of a frame stay clear: VP8's frame tag says
// keyframe (bit 0 of the first byte is 0) or delta.
export function clearPrefixLength(kind, data) {
  if (kind !== 'video' || data.length === 0) return 0;
  const n = (data[0] & 0x01) === 0 ? VP8_KEY_CLEAR : VP8_DELTA_CLEAR;
  return Math.min(n, data.length);
}

function uintBytes(v) {
  const out = [];
  let x = v;
  do { out.unshift(x % 256); x = Math.floor(x / 256); } while (x > 0);
  return out;
}

function readUint(buf, off, len) {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[off + i];
  return v;
}

// RFC 9605 section 4.3. Values 0..7 fit the config byte itself.
export function encodeHeader(kid, ctr) {
  if (!Number.isSafeInteger(kid) || kid < 0 || !Number.isSafeInteger(ctr) || ctr < 0) throw new RangeError('kid and ctr are non-negative integers');
  const k = kid < 8 ? [] : uintBytes(kid);
  const c = ctr < 8 ? [] : uintBytes(ctr);
  const cfg = (kid < 8 ? kid << 4 : 0x80 | ((k.length - 1) << 4)) | (ctr < 8 ? ctr : 0x08 | (c.length - 1));
  return Uint8Array.from([cfg, ...k, ...c]);
}

// -> {kid, ctr, len} or null when the bytes do not hold a whole header.
export function parseHeader(buf, off = 0) {
  if (off >= buf.length) return null;
  const cfg = buf[off];
  let p = off + 1;
  let kid = (cfg >> 4) & 0x07;
  if (cfg & 0x80) {
    const n = kid + 1;
    if (p + n > buf.length) return null;
    kid = readUint(buf, p, n);
    p += n;
  }
  let ctr = cfg & 0x07;
  if (cfg & 0x08) {
    const n = ctr + 1;
    if (p + n > buf.length) return null;
    ctr = readUint(buf, p, n);
    p += n;
  }
  if (kid > MAX_INT || ctr > MAX_INT) return null;
  return { kid, ctr, len: p - off };
}

function kidBytes(kid) {
  const b = new Uint8Array(8);
  let x = kid;
  for (let i = 7; i >= 0; i--) { b[i] = x % 256; x = Math.floor(x / 256); }
  return b;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// RFC 9605 section 4.4.2: sframe_key and sframe_salt from a base key.
// baseKey: raw bytes (at least 16). Returns {kid, key: CryptoKey, salt}.
export async function deriveFrameKey(baseKey, kid) {
  const ikm = await subtle().importKey('raw', baseKey, 'HKDF', false, ['deriveBits']);
  const info = (label) => concat(enc.encode(label), kidBytes(kid), Uint8Array.from([SUITE >> 8, SUITE & 0xff]));
  const bits = (label, n) => subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: info(label) }, ikm, n * 8);
  const rawKey = new Uint8Array(await bits('SFrame 1.0 Secret key ', NK));
  const salt = new Uint8Array(await bits('SFrame 1.0 Secret salt ', NN));
  const key = await subtle().importKey('raw', rawKey, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { kid, key, salt };
}

function nonceFor(salt, ctr) {
  const n = Uint8Array.from(salt);
  const c = kidBytes(ctr); // the counter as 8 bytes big-endian, into the last 8
  for (let i = 0; i < 8; i++) n[NN - 8 + i] ^= c[i];
  return n;
}

// Encrypts one encoded frame. kind: 'audio' | 'video'.
export async function encryptFrame(kind, data, fk, ctr) {
  const clear = data.subarray(0, clearPrefixLength(kind, data));
  const header = encodeHeader(fk.kid, ctr);
  const aad = concat(clear, header);
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: nonceFor(fk.salt, ctr), additionalData: aad, tagLength: TAG_BYTES * 8 },
    fk.key, data.subarray(clear.length)));
  return concat(aad, ct);
}

// Reads the KID of an encrypted frame without a key (for tests and for the
// tap that checks what the SFU forwards); null when it is not one of ours.
export function frameKid(kind, data) {
  const h = parseHeader(data, clearPrefixLength(kind, data));
  return h ? h.kid : null;
}

// The counter after which a frame of key id is fresh; a sliding window of
// REPLAY_WINDOW counters (frames may arrive a little out of order).
class ReplayWindow {
  constructor() { this.max = -1; this.seen = new Set(); }
  fresh(ctr) { return ctr > this.max - REPLAY_WINDOW && !this.seen.has(ctr); }
  note(ctr) {
    this.seen.add(ctr);
    if (ctr > this.max) {
      this.max = ctr;
      if (this.seen.size > REPLAY_WINDOW * 2) for (const c of this.seen) if (c <= this.max - REPLAY_WINDOW) this.seen.delete(c);
    }
  }
}

// The receiving side: every key it may use, by key id, each with its own
// replay window. decrypt() resolves {ok:true, data} or {ok:false, reason}
// with reason one of truncated, unknown_key, auth_failed, replayed.
export class FrameDecryptor {
  constructor() { this.keys = new Map(); }
  setKey(fk) { this.keys.set(fk.kid, { fk, window: new ReplayWindow() }); }
  removeKey(kid) { this.keys.delete(kid); }
  hasKey(kid) { return this.keys.has(kid); }

  async decrypt(kind, data) {
    if (!(data instanceof Uint8Array)) return { ok: false, reason: 'truncated' };
    const clearLen = clearPrefixLength(kind, data);
    const h = parseHeader(data, clearLen);
    if (!h) return { ok: false, reason: 'truncated' };
    const start = clearLen + h.len;
    if (data.length < start + TAG_BYTES) return { ok: false, reason: 'truncated' };
    const entry = this.keys.get(h.kid);
    if (!entry) return { ok: false, reason: 'unknown_key', kid: h.kid };
    if (!entry.window.fresh(h.ctr)) return { ok: false, reason: 'replayed', kid: h.kid };
    let pt;
    try {
      pt = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: nonceFor(entry.fk.salt, h.ctr), additionalData: data.subarray(0, start), tagLength: TAG_BYTES * 8 },
        entry.fk.key, data.subarray(start)));
    } catch {
      return { ok: false, reason: 'auth_failed', kid: h.kid };
    }
    entry.window.note(h.ctr); // only an authentic frame moves the window
    return { ok: true, data: concat(data.subarray(0, clearLen), pt), kid: h.kid, ctr: h.ctr };
  }
}

// The sending side of one track: its current key. The counter belongs to
// the key (fk.ctr), so two tracks that share a key never reuse a nonce.
export class FrameEncryptor {
  constructor() { this.fk = null; }
  setKey(fk) { if (typeof fk.ctr !== 'number') fk.ctr = 0; this.fk = fk; }
  // -> encrypted bytes, or null when there is no key yet (the frame is
  // dropped: nothing is ever sent in the clear).
  async encrypt(kind, data) {
    if (!this.fk) return null;
    const ctr = this.fk.ctr++;
    return encryptFrame(kind, data, this.fk, ctr);
  }
}
