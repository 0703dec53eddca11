// End-to-end encryption of one participant's call (docs/media.md, "End-to-end
// encryption"): agrees keys with the other participants' browsers through
// signalling's relay (message e2ee, docs/signalling-protocol.md), hands them
// to the frame transform worker (e2ee-worker.mjs) and attaches that
// transform to every sender and receiver. The servers see public keys and
// wrapped keys only.
//
// Messages (the relayed body; `from` is stamped by signalling from the
// sender's join token):
//   {t:"hello", pub, reply?}   our public key; to everyone when we join, and
//                              as a reply to the one who said hello
//   {t:"keys", epoch, keys:[{kind, kid, iv, ct}]}   our sending keys of an
//                              epoch, each wrapped for the one recipient
//   {t:"ack", epoch}           we hold the sender's keys of that epoch
//
// Rotation: a new epoch (new random secret, new key ids) whenever someone
// joins (we learn a new public key) or leaves. We keep sending with the old
// keys until every other participant has acknowledged the new ones (or
// ROTATE_WAIT_MS passed), so no frame goes out that a receiver cannot open;
// receivers keep a sender's previous epoch for frames still in flight.
//
// Events: safety {code} (whenever the set of keys changes), error {message}.
import { makeIdentity, pairKey, senderBaseKeys, wrapBaseKey, unwrapBaseKey, newKid, safetyCode, b64, unb64 } from './e2ee-keys.mjs';

export const ROTATE_WAIT_MS = 1500;
const ROTATE_DEBOUNCE_MS = 100;

// How this browser can run the transform: 'script' (RTCRtpScriptTransform),
// 'streams' (Chromium's createEncodedStreams, the same transform through the
// older API), or null: it cannot, and must not join an E2EE call.
export function e2eeSupport() {
  const g = globalThis;
  if (!g.crypto || !g.crypto.subtle || typeof g.Worker !== 'function' || typeof g.RTCPeerConnection !== 'function') return null;
  if (typeof g.RTCRtpScriptTransform === 'function') return 'script';
  if (g.RTCRtpSender && typeof g.RTCRtpSender.prototype.createEncodedStreams === 'function'
    && g.RTCRtpReceiver && typeof g.RTCRtpReceiver.prototype.createEncodedStreams === 'function') return 'streams';
  return null;
}

export class E2EE extends EventTarget {
  // worker: for node tests of the key protocol, anything with postMessage.
  // receiveOnly: a sight-only monitor's page (docs/media.md, "Sight-only
  // monitoring"): it says hello and acknowledges, never sends keys of its
  // own, and is given the video key only.
  constructor({ room, how = e2eeSupport(), worker = null, receiveOnly = false } = {}) {
    super();
    this.receiveOnly = receiveOnly;
    if (!how) throw new Error('this browser cannot encrypt calls end to end');
    this.room = room;
    this.how = how;
    this.worker = worker || new Worker(new URL('./e2ee-worker.mjs', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev) => this.onWorker(ev.data);
    // A worker that does not load or dies takes every frame with it: the
    // call cannot go on (the session ends it, e2ee_failed).
    this.worker.onerror = (ev) => { this.failed = true; this.emit('error', { message: ev.message || 'worker error', fatal: true }); };
    this.self = null;
    this.send = () => false;      // (to|null, body) -> bool: set by the session
    this.peers = new Map();       // id -> {pub, pubB64, wrapTo, wrapFrom, epochs: [{epoch, kids}]}
    this.epoch = 0;
    this.current = null;          // {epoch, kids} we send with
    this.pending = null;          // {epoch, base, kids, waiting: Set}
    this.attached = new WeakSet();
    this.statsWaiters = new Map();
    this.nextStatsId = 1;
    this.rotations = [];          // for tests: {epoch, at, activatedAt, why}
    this.code = null;
    this.inbox = Promise.resolve(); // messages are handled one at a time, in order
    this.ready = makeIdentity().then((id) => { this.identity = id; return id; });
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  // RTCPeerConnection options the transform needs (the older API only).
  rtcConfig() { return this.how === 'streams' ? { encodedInsertableStreams: true } : {}; }

  attach(senderOrReceiver, role, kind) {
    if (!senderOrReceiver || this.attached.has(senderOrReceiver) || (kind !== 'audio' && kind !== 'video')) return;
    this.attached.add(senderOrReceiver);
    if (this.how === 'script') {
      senderOrReceiver.transform = new RTCRtpScriptTransform(this.worker, { role, kind });
    } else {
      const { readable, writable } = senderOrReceiver.createEncodedStreams();
      this.worker.postMessage({ type: 'streams', role, kind, readable, writable }, [readable, writable]);
    }
  }
  attachSender(sender, kind) { this.attach(sender, 'send', kind); }
  attachReceiver(receiver, kind) { this.attach(receiver, 'recv', kind); }

  // Signalling said joined: say hello to everyone (again after a
  // reconnect: someone may have missed us).
  async joined(selfId) {
    await this.ready;
    this.self = selfId;
    this.send(null, { t: 'hello', pub: b64(this.identity.pub) });
    if (!this.current && !this.pending && !this.receiveOnly) this.scheduleRotate('start');
    this.updateCode();
  }

  peerLeft(id) {
    const p = this.peers.get(id);
    if (!p) return;
    this.peers.delete(id);
    for (const e of p.epochs) for (const kid of Object.values(e.kids)) this.worker.postMessage({ type: 'dropKey', kid });
    if (this.pending) { this.pending.waiting.delete(id); this.maybeActivate(); }
    this.updateCode();
    if (!this.receiveOnly) this.scheduleRotate('leave'); // the one who left must not read what follows
  }

  // In arrival order: a sender's keys must not overtake its hello (whose
  // key derivation is asynchronous).
  // meta.videoOnly: signalling stamped the sender a sight-only monitor: it
  // gets our video key and never our audio key, and is not in the safety code.
  onMessage(from, body, meta = {}) {
    if (meta.videoOnly) (this.videoOnly ||= new Set()).add(from);
    this.inbox = this.inbox.then(() => this.handle(from, body));
    return this.inbox;
  }

  async handle(from, body) {
    await this.ready;
    if (!this.self || typeof from !== 'string' || from === this.self || !body || typeof body !== 'object') return;
    try {
      if (body.t === 'hello') await this.onHello(from, body);
      else if (body.t === 'keys') await this.onKeys(from, body);
      else if (body.t === 'ack') this.onAck(from, body);
    } catch (e) {
      this.emit('error', { message: `e2ee ${body.t} from ${from}: ${e && e.message || e}` });
    }
  }

  async onHello(from, { pub, reply }) {
    const raw = unb64(pub);
    if (!raw || raw.length !== 65) return;
    const known = this.peers.get(from);
    const changed = !known || known.pubB64 !== pub;
    if (changed) {
      // A new participant, or one whose page started afresh: their own
      // keys, and a new epoch of ours that they may read.
      if (known) for (const e of known.epochs) for (const kid of Object.values(e.kids)) this.worker.postMessage({ type: 'dropKey', kid });
      const meta = { room: this.room };
      this.peers.set(from, {
        pub: raw, pubB64: pub, epochs: [],
        wrapTo: await pairKey(this.identity, raw, { ...meta, from: this.self, to: from }),
        wrapFrom: await pairKey(this.identity, raw, { ...meta, from, to: this.self }),
      });
      this.updateCode();
    }
    if (!reply) this.send(from, { t: 'hello', pub: b64(this.identity.pub), reply: true });
    if (this.receiveOnly) return; // a monitor has no keys to give
    if (changed) this.scheduleRotate('join');
    else if (!reply && this.current) await this.sendKeys(from, this.current); // they lost ours
  }

  async onKeys(from, { epoch, keys }) {
    const p = this.peers.get(from);
    if (!p || !Number.isSafeInteger(epoch) || !Array.isArray(keys) || keys.length > 4) return;
    const kids = {};
    for (const k of keys) {
      if (!k || (k.kind !== 'audio' && k.kind !== 'video') || !Number.isSafeInteger(k.kid) || k.kid < 0) continue;
      const base = await unwrapBaseKey(p.wrapFrom, k, { room: this.room, from, to: this.self, epoch, kind: k.kind, kid: k.kid });
      if (!base) { this.emit('error', { message: `a ${k.kind} key from ${from} did not unwrap` }); continue; }
      this.worker.postMessage({ type: 'recvKey', kid: k.kid, baseKey: base });
      kids[k.kind] = k.kid;
    }
    if (!Object.keys(kids).length) return;
    p.epochs = p.epochs.filter((e) => e.epoch !== epoch);
    p.epochs.push({ epoch, kids });
    p.epochs.sort((a, b) => a.epoch - b.epoch);
    // The sender's previous epoch stays for frames in flight; older go.
    while (p.epochs.length > 2) {
      const old = p.epochs.shift();
      for (const kid of Object.values(old.kids)) this.worker.postMessage({ type: 'dropKey', kid });
    }
    this.send(from, { t: 'ack', epoch });
  }

  onAck(from, { epoch }) {
    if (this.pending && this.pending.epoch === epoch) {
      this.pending.waiting.delete(from);
      this.maybeActivate();
    }
  }

  scheduleRotate(why) {
    this.rotateWhy = this.rotateWhy ? `${this.rotateWhy}+${why}` : why;
    clearTimeout(this.rotateTimer);
    this.rotateTimer = setTimeout(() => { const w = this.rotateWhy; this.rotateWhy = null; this.rotate(w).catch((e) => this.emit('error', { message: String(e) })); }, ROTATE_DEBOUNCE_MS);
  }

  async rotate(why) {
    await this.ready;
    if (!this.self) return;
    const epoch = ++this.epoch;
    const secret = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const base = await senderBaseKeys(secret, { room: this.room, sender: this.self, epoch });
    secret.fill(0);
    const kids = { audio: newKid('audio'), video: newKid('video') };
    const pend = { epoch, base, kids, waiting: new Set(this.peers.keys()), why, at: Date.now() };
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = pend;
    await Promise.all([...this.peers.keys()].map((id) => this.sendKeys(id, pend)));
    pend.timer = setTimeout(() => { if (this.pending === pend) this.activate(); }, ROTATE_WAIT_MS);
    this.maybeActivate();
  }

  async sendKeys(to, { epoch, base, kids }) {
    const p = this.peers.get(to);
    if (!p) return;
    const keys = [];
    // A sight-only monitor is given the video key, never the audio key.
    for (const kind of this.videoOnly && this.videoOnly.has(to) ? ['video'] : ['audio', 'video']) {
      const w = await wrapBaseKey(p.wrapTo, base[kind], { room: this.room, from: this.self, to, epoch, kind, kid: kids[kind] });
      keys.push({ kind, kid: kids[kind], ...w });
    }
    this.send(to, { t: 'keys', epoch, keys });
  }

  maybeActivate() { if (this.pending && this.pending.waiting.size === 0) this.activate(); }

  activate() {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = null;
    for (const kind of ['audio', 'video']) this.worker.postMessage({ type: 'sendKey', kind, kid: p.kids[kind], baseKey: p.base[kind] });
    this.current = p; // kept: a participant who lost our keys gets them again
    // Whoever did not acknowledge in time gets the keys once more (a lost
    // message must not leave them unable to read us until the next epoch).
    for (const id of p.waiting) this.sendKeys(id, p).catch(() => {});
    this.rotations.push({ epoch: p.epoch, why: p.why, at: p.at, activatedAt: Date.now(), unacked: p.waiting.size, kids: p.kids });
    if (this.rotations.length > 50) this.rotations.shift();
  }

  async updateCode() {
    if (!this.identity || !this.self) return;
    const entries = [{ id: this.self, pub: this.identity.pub }];
    for (const [id, p] of this.peers) if (!(this.videoOnly && this.videoOnly.has(id))) entries.push({ id, pub: p.pub });
    const code = entries.length > 1 ? await safetyCode(entries) : null;
    if (code !== this.code) { this.code = code; this.emit('safety', { code, participants: entries.length }); }
  }

  onWorker(m) {
    if (m && m.type === 'stats' && this.statsWaiters.has(m.id)) {
      this.statsWaiters.get(m.id)(m.stats);
      this.statsWaiters.delete(m.id);
    } else if (m && m.type === 'error') this.emit('error', { message: m.message });
  }

  // The worker's counters: frames encrypted, decrypted, dropped and why.
  stats() {
    const id = this.nextStatsId++;
    return new Promise((resolve) => {
      this.statsWaiters.set(id, resolve);
      this.worker.postMessage({ type: 'stats', id });
      setTimeout(() => { if (this.statsWaiters.delete(id)) resolve(null); }, 2000);
    });
  }

  // A sender whose frames do not pass through the transform would send them
  // in the clear (Chromium applies a script transform set too late to
  // nothing, silently). Called every second: false when, on the same
  // connection, the encoder has made many frames of a kind (90 video frames,
  // 250 audio packets: seconds' worth, so a worker slowed by a loaded machine
  // is not taken for one that is bypassed) since the worker last saw one.
  // The session then ends the call.
  async sendingThroughTransform(pc) {
    if (!pc) return true;
    const enc = { audio: 0, video: 0 };
    (await pc.getStats()).forEach((r) => {
      if (r.type !== 'outbound-rtp') return;
      if (r.kind === 'video') enc.video += r.framesEncoded || 0;
      if (r.kind === 'audio') enc.audio += r.packetsSent || 0;
    });
    const st = await this.stats();
    if (this.failed) return false;
    if (!st) return true;
    const through = { audio: st.sent.audio + st.sendNoKey.audio, video: st.sent.video + st.sendNoKey.video };
    if (!this.sendCheck || this.sendCheck.pc !== pc) this.sendCheck = { pc, base: {} };
    let ok = true;
    for (const k of ['audio', 'video']) {
      const b = this.sendCheck.base[k];
      if (!b || through[k] !== b.through || enc[k] < b.enc) this.sendCheck.base[k] = { through: through[k], enc: enc[k] };
      else if (enc[k] - b.enc >= (k === 'video' ? 90 : 250)) ok = false;
    }
    return ok;
  }

  close() {
    clearTimeout(this.rotateTimer);
    if (this.pending) clearTimeout(this.pending.timer);
    try { this.worker.terminate(); } catch { /* gone */ }
  }
}
