// Key agreement for end-to-end encrypted calls (docs/media.md, "End-to-end
// encryption"): pure WebCrypto, no page or socket, so node tests drive it.
//
// - Each participant's browser makes an ECDH P-256 key pair when it joins;
//   the public half goes to the others through signalling's relay (message
//   e2ee, docs/signalling-protocol.md), which stamps the sender's participant
//   id from its join token.
// - Each sender makes a random 32-byte secret per epoch (a new one whenever
//   someone joins or leaves) and derives from it, by HKDF, one base key per
//   media kind: audio and video are separate keys, so a browser may be given
//   the video key alone (sight-only monitoring).
// - Each base key goes to each other participant wrapped (AES-GCM) under a
//   key derived by HKDF from the ECDH secret of the pair, bound to the room
//   and both participant ids and the direction; the servers relay only
//   wrapped keys and public keys.
// - The safety code: digits from a hash over every participant's id and
//   public key, the same on every page of the call exactly when nobody in
//   between swapped a key.

const subtle = () => globalThis.crypto.subtle;
const enc = new TextEncoder();

export function b64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function unb64(text) {
  if (typeof text !== 'string' || text.length > 4096 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    const s = atob(text);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch { return null; }
}

// -> {privateKey, pub: raw uncompressed point (65 bytes)}
export async function makeIdentity() {
  const kp = await subtle().generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const pub = new Uint8Array(await subtle().exportKey('raw', kp.publicKey));
  return { privateKey: kp.privateKey, pub };
}

async function importPub(raw) {
  if (!(raw instanceof Uint8Array) || raw.length !== 65 || raw[0] !== 4) throw new Error('not a P-256 public key');
  return subtle().importKey('raw', raw, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
}

// The wrapping key from `from` to `to` (direction matters: each side
// derives the same one for the same direction).
export async function pairKey(identity, peerPubRaw, { room, from, to }) {
  const peer = await importPub(peerPubRaw);
  const shared = await subtle().deriveBits({ name: 'ECDH', public: peer }, identity.privateKey, 256);
  const ikm = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(`parlour e2ee wrap v1|${room}|${from}|${to}`) },
    ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

// One sender's base keys of an epoch, one per kind.
export async function senderBaseKeys(secret, { room, sender, epoch }) {
  const ikm = await subtle().importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  const one = async (kind) => new Uint8Array(await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(`parlour e2ee sender v1|${room}|${sender}|${epoch}|${kind}`) }, ikm, 256));
  return { audio: await one('audio'), video: await one('video') };
}

const wrapAad = ({ room, from, to, epoch, kind, kid }) => enc.encode(JSON.stringify([room, from, to, epoch, kind, kid]));

export async function wrapBaseKey(wrappingKey, baseKey, meta) {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: wrapAad(meta) }, wrappingKey, baseKey));
  return { iv: b64(iv), ct: b64(ct) };
}

// -> the base key bytes, or null when it does not unwrap (never throws).
export async function unwrapBaseKey(wrappingKey, { iv, ct }, meta) {
  const i = unb64(iv); const c = unb64(ct);
  if (!i || i.length !== 12 || !c || c.length < 17) return null;
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: i, additionalData: wrapAad(meta) }, wrappingKey, c));
  } catch { return null; }
}

// A key id for a sender's key of one kind: random, even for audio and odd
// for video (so a tap can tell which is which), below 2^40.
export function newKid(kind) {
  const r = globalThis.crypto.getRandomValues(new Uint32Array(2));
  const v = (r[0] % 0x80) * 0x100000000 + r[1];
  return (v - (v % 2)) + (kind === 'video' ? 1 : 0);
}

// 12 digits in three groups from SHA-256 over every participant's id and
// public key, sorted by id: "0123 4567 8901".
export async function safetyCode(entries) {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const parts = [enc.encode('parlour safety code v1')];
  for (const e of sorted) parts.push(enc.encode(`${e.id.length}:${e.id}`), e.pub);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  const h = new Uint8Array(await subtle().digest('SHA-256', all));
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + h[i];
  const digits = String(n % 1e12).padStart(12, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8)}`;
}
