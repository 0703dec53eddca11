// The frame transform of end-to-end encrypted calls, in a worker (module):
// every encoded frame we send is encrypted here and every frame we receive
// decrypted here (sframe.mjs), through RTCRtpScriptTransform (the standard
// way, Chromium and Firefox) or, where a browser has only the older API,
// the streams of createEncodedStreams posted to us — the same transform.
// The page (e2ee.mjs) gives us keys: the current sending key per kind and
// every receiving key by key id. Keys never leave the browser.
import { deriveFrameKey, FrameDecryptor, FrameEncryptor } from './sframe.mjs';

const senders = { audio: new FrameEncryptor(), video: new FrameEncryptor() };
const receiver = new FrameDecryptor();
const stats = {
  sent: { audio: 0, video: 0 }, sendNoKey: { audio: 0, video: 0 },
  received: { audio: 0, video: 0 },
  dropped: { truncated: 0, unknown_key: 0, auth_failed: 0, replayed: 0 },
  sendKid: { audio: null, video: null },
};
// Receivers that dropped a frame for want of its key: asked for a keyframe
// once the key comes (the decoder can start only at one).
const waitingForKey = new Set();

function transformStream(role, kind, ctl) {
  return new TransformStream({
    async transform(frame, out) {
      const data = new Uint8Array(frame.data);
      if (role === 'send') {
        const enc = await senders[kind].encrypt(kind, data);
        if (!enc) { stats.sendNoKey[kind] += 1; return; } // never in the clear
        frame.data = enc.buffer;
        stats.sent[kind] += 1;
        out.enqueue(frame);
        return;
      }
      const r = await receiver.decrypt(kind, data);
      if (!r.ok) {
        stats.dropped[r.reason] = (stats.dropped[r.reason] || 0) + 1;
        if (r.reason === 'unknown_key' && ctl) waitingForKey.add(ctl);
        return;
      }
      frame.data = r.data.buffer;
      stats.received[kind] += 1;
      out.enqueue(frame);
    },
  });
}

function run(role, kind, readable, writable, ctl) {
  readable.pipeThrough(transformStream(role, kind, ctl)).pipeTo(writable).catch(() => { /* the track ended */ });
}

// RTCRtpScriptTransform: options {role, kind} from the page.
self.onrtctransform = (ev) => {
  const t = ev.transformer;
  const { role, kind } = t.options || {};
  if ((role !== 'send' && role !== 'recv') || (kind !== 'audio' && kind !== 'video')) return;
  const ctl = role === 'recv' && kind === 'video' && typeof t.sendKeyFrameRequest === 'function'
    ? { request: () => t.sendKeyFrameRequest().catch(() => {}) } : null;
  run(role, kind, t.readable, t.writable, ctl);
};

self.onmessage = async (ev) => {
  const m = ev.data || {};
  try {
    if (m.type === 'streams') run(m.role, m.kind, m.readable, m.writable, null);
    else if (m.type === 'sendKey') {
      senders[m.kind].setKey(await deriveFrameKey(m.baseKey, m.kid));
      stats.sendKid[m.kind] = m.kid;
    } else if (m.type === 'recvKey') {
      receiver.setKey(await deriveFrameKey(m.baseKey, m.kid));
      for (const c of waitingForKey) c.request();
      waitingForKey.clear();
    } else if (m.type === 'dropKey') receiver.removeKey(m.kid);
    else if (m.type === 'stats') self.postMessage({ type: 'stats', id: m.id, stats });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e && e.message || e) });
  }
};
