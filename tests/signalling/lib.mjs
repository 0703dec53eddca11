// Harness for the signalling tests: real parlour-signal (and parlour-sfu)
// on free loopback ports with keys of their own, tokens minted by
// prog_mint_token, websocket clients over TLS (wss) speaking
// docs/signalling-protocol.md, a fake booking events receiver (the other
// side of the events contract), and TAP output.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import https from 'node:https';
import WebSocket from 'ws';

export const ROOT = process.env.PARLOUR_ROOT || path.resolve(new URL('../..', import.meta.url).pathname);
export const BIN = process.env.PARLOUR_BIN || path.join(ROOT, 'build/bin');
export const TESTBIN = process.env.PARLOUR_TESTBIN || path.join(ROOT, 'build/tests');
export const ARTIFACTS = process.env.PARLOUR_ARTIFACTS || path.join(ROOT, 'tests/artifacts');

// ---- TAP (tests/lib/tap.mjs; done() also stops the daemons and exits) ----
import { ok, notOk, check, todo, diag, step, failures, count, plan } from '../lib/tap.mjs';
export { ok, notOk, check, todo, diag, step, failures, count };
export function done() {
  const code = plan();
  cleanup();
  process.exit(code);
}

import { sleep, waitFor } from '../lib/wait.mjs';
export { sleep, waitFor };
export function now() { return Math.floor(Date.now() / 1000); }

import { freePort } from '../lib/ports.mjs';
export { freePort };

// ---- processes ----
const children = new Set();
const tmpdirs = [];
function cleanup() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  for (const d of tmpdirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* */ } }
}
process.on('exit', cleanup);
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { cleanup(); process.exit(1); });

export function tmpdir(name) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `parlour-sig-${name}-`));
  tmpdirs.push(d);
  return d;
}

export function ini(groups) {
  let out = '';
  for (const [g, kv] of Object.entries(groups)) {
    out += `[${g}]\n`;
    for (const [k, v] of Object.entries(kv)) out += `${k}=${v}\n`;
  }
  return out;
}
function merge(base, extra = {}) {
  const out = { ...base };
  for (const [g, kv] of Object.entries(extra)) out[g] = { ...(out[g] || {}), ...kv };
  return out;
}

// A started daemon: { proc, logPath, log(), waitLog(re, ms), stop() }.
function daemon(name, bin, confPath, logDir) {
  const logPath = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logPath, 'a');
  const proc = spawn(bin, ['--config', confPath], { cwd: ROOT, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  children.add(proc);
  proc.exitInfo = null;
  proc.on('exit', (code, sig) => { proc.exitInfo = { code, sig }; children.delete(proc); });
  const d = {
    proc, logPath,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async waitLog(re, ms = 10000) {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const m = d.log().match(re);
        if (m) return m;
        if (proc.exitInfo) throw new Error(`${name} exited ${JSON.stringify(proc.exitInfo)}: ${d.log().slice(-800)}`);
        await sleep(50);
      }
      throw new Error(`${name}: no log line matching ${re} in ${ms} ms; last: ${d.log().slice(-800)}`);
    },
    async stop(sig = 'SIGTERM') {
      if (proc.exitInfo) return proc.exitInfo;
      proc.kill(sig);
      const t0 = Date.now();
      while (!proc.exitInfo && Date.now() - t0 < 5000) await sleep(50);
      if (!proc.exitInfo) proc.kill('SIGKILL');
      while (!proc.exitInfo) await sleep(20);
      return proc.exitInfo;
    },
  };
  return d;
}

// Keys, certificate and secrets for one test: setup-var, plus a second
// Ed25519 key booking does not hold (for "wrong key").
export function makeVar(name) {
  const dir = tmpdir(name);
  execFileSync(path.join(ROOT, 'scripts/setup-var'), [dir], { stdio: 'ignore' });
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', `${dir}/keys/other-private.pem`]);
  const logDir = path.join(ARTIFACTS, 'logs', `signalling-${name}`);
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  return { dir, logDir, ca: fs.readFileSync(`${dir}/tls/cert.pem`) };
}

export async function startSfu(v, extra = {}, { port: fixedPort } = {}) {
  const port = fixedPort || await freePort();
  const mediaMin = 42000 + Math.floor(Math.random() * 400) * 2;
  const conf = merge({
    control: { address: '127.0.0.1', port, secret_file: `${v.dir}/secrets/sfu-control.secret` },
    media: { port_min: mediaMin, port_max: mediaMin + 199, ice_addresses: '127.0.0.1' },
    recording: { directory: `${v.dir}/recordings` },
    log: { level: 'debug' },
  }, extra);
  const name = `sfu-${port}${fixedPort ? '-again' : ''}`;
  const confPath = path.join(v.dir, `${name}.ini`);
  fs.writeFileSync(confPath, ini(conf));
  const d = daemon(name, path.join(BIN, 'parlour-sfu'), confPath, v.logDir);
  d.url = `ws://127.0.0.1:${port}/control`;
  d.port = port;
  await d.waitLog(/event=listening/, 10000);
  return d;
}

export const ORIGIN = 'https://parlour.test';

// Starts parlour-signal. sfus: array of started SFUs (or URLs). booking:
// base URL of the events receiver, or '' to disable events. admission:
// [booking] admission — 'off' unless a test runs against the real booking
// ('required': every first join is checked, decisions reach live calls);
// the fake receiver answers no admission check, and tokens minted here name
// visits booking does not hold.
export async function startSignal(v, { sfus = [], booking = '', admission = 'off', extra = {}, name = 'signal', port: fixedPort } = {}) {
  const port = fixedPort || await freePort();
  const conf = merge({
    server: {
      address: '127.0.0.1', port, tls_cert: `${v.dir}/tls/cert.pem`, tls_key: `${v.dir}/tls/key.pem`,
      origins: `${ORIGIN};https://other.parlour.test`,
    },
    tokens: { public_key: `${v.dir}/keys/token-public.pem` },
    sfu: { nodes: sfus.map((s) => (typeof s === 'string' ? s : s.url)).join(';') || 'ws://127.0.0.1:9/control',
      secret_file: `${v.dir}/secrets/sfu-control.secret` },
    booking: { url: booking, admission, credential_file: `${v.dir}/secrets/signal-booking.secret`,
      ca_file: `${v.dir}/tls/cert.pem`, spool_dir: `${v.dir}/spool` },
    log: { level: 'debug' },
  }, extra);
  const confPath = path.join(v.dir, `${name}.ini`);
  fs.writeFileSync(confPath, ini(conf));
  const d = daemon(name, path.join(BIN, 'parlour-signal'), confPath, v.logDir);
  d.confPath = confPath; // a test may rewrite it and send SIGHUP ([sfu] draining)
  d.conf = conf;
  d.port = port;
  d.url = `wss://127.0.0.1:${port}/ws`;
  d.ca = v.ca;
  await d.waitLog(/event=started/, 10000);
  // Wait until every SFU node is connected, so joins do not race it.
  for (const s of sfus) {
    const u = typeof s === 'string' ? s : s.url;
    await d.waitLog(new RegExp(`event=sfu_up node=${u.replace(/[/.]/g, '\\$&')}`), 10000);
  }
  return d;
}

// ---- tokens ----
export function claims({ room = 'visit-1', sub = 'p1', name = 'Pat Prisoner', role = 'prisoner',
  grants = {}, type = 'social', start = now() - 60, end = now() + 1800, recording = 'required',
  monitoring = 'allowed', nbf, exp, iss = 'parlour-booking', aud = 'parlour-signal', extra = {} } = {}) {
  return {
    iss, aud, sub, jti: `j-${Math.random().toString(16).slice(2)}`, iat: now(),
    nbf: nbf ?? start - 900, exp: exp ?? end, room, name, role,
    grants: { publish: true, subscribe: true, hidden: false, moderate: false, may_record: false, ...grants },
    visit: { type, start, end }, recording, monitoring, ...extra,
  };
}

export function mint(v, c, { key = 'token-private.pem', flags = [] } = {}) {
  return execFileSync(path.join(TESTBIN, 'signalling/prog_mint_token'),
    ['--key', `${v.dir}/keys/${key}`, ...flags, JSON.stringify(c)], { encoding: 'utf8' }).trim();
}

export const MONITOR_GRANTS = { publish: false, subscribe: true, hidden: true, moderate: true, may_record: false };
export const STAFF_GRANTS = { publish: true, subscribe: true, hidden: false, moderate: true, may_record: true };

// ---- websocket client ----
// Messages are queued; next(type) takes the first queued (or coming)
// message of that type. closed resolves with {code, reason}.
export function connect(sig, { origin = ORIGIN, name = 'client', autoPong = true } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(sig.url, { ca: sig.ca, origin, servername: 'localhost', maxPayload: 4 << 20, autoPong });
    const c = { ws, name, queue: [], waiters: [], all: [] };
    c.closed = new Promise((res) => ws.on('close', (code, reason) => {
      c.closeInfo = { code, reason: reason.toString() };
      res(c.closeInfo);
      for (const w of c.waiters.splice(0)) w.reject(new Error(`${name}: closed ${code} ${reason} while waiting for ${w.type}`));
    }));
    ws.on('message', (data) => {
      let m;
      try { m = JSON.parse(data.toString()); } catch { m = { type: '_unparsable', text: data.toString() }; }
      c.all.push(m);
      const i = c.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) { const [w] = c.waiters.splice(i, 1); clearTimeout(w.timer); w.resolve(m); } else c.queue.push(m);
    });
    c.pings = 0;
    ws.on('ping', () => { c.pings += 1; });
    ws.on('open', () => resolve(c));
    ws.on('error', (e) => { if (!c.opened) reject(e); });
    ws.on('unexpected-response', (req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    c.send = (m) => ws.send(typeof m === 'string' ? m : JSON.stringify({ v: 1, ...m }));
    c.next = (type, ms = 10000) => {
      const pred = typeof type === 'function' ? type : (m) => m.type === type;
      const i = c.queue.findIndex(pred);
      if (i >= 0) return Promise.resolve(c.queue.splice(i, 1)[0]);
      if (c.closeInfo) return Promise.reject(new Error(`${name}: already closed ${c.closeInfo.code} waiting for ${type}`));
      return new Promise((res, rej) => {
        const w = { pred, type, resolve: res, reject: rej };
        w.timer = setTimeout(() => {
          c.waiters.splice(c.waiters.indexOf(w), 1);
          rej(new Error(`${name}: no ${typeof type === 'string' ? type : 'matching message'} in ${ms} ms; got ${JSON.stringify(c.all.slice(-5))}`));
        }, ms);
        c.waiters.push(w);
      });
    };
    // Resolves true if no message matching type arrives within ms.
    // Only messages arriving during the wait count.
    c.none = async (type, ms = 1000) => {
      const from = c.all.length;
      await sleep(ms); // an observation window: absence has no event to wait for
      return !c.all.slice(from).some((m) => (typeof type === 'function' ? type(m) : m.type === type));
    };
    c.close = () => { try { ws.close(); } catch { /* */ } };
    c.kill = () => { try { ws.terminate(); } catch { /* */ } };
  });
}

// Connects and joins; returns the client with c.joined set (or throws).
// A legal or telemedicine call requires end-to-end encryption: the client
// says it encrypts (e2ee:true) unless told otherwise, as client-web does.
export async function join(sig, v, claimOpts, { room, flags, key, name, autoPong, e2ee } = {}) {
  const c = await connect(sig, { name: name || claimOpts.sub, autoPong });
  const tok = mint(v, claims(claimOpts), { flags, key });
  const announce = e2ee ?? ['legal', 'telemedicine'].includes(claimOpts.type);
  c.send({ type: 'join', token: tok, room: room || claimOpts.room || 'visit-1', ...(announce ? { e2ee: true } : {}) });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 15000);
  if (m.type !== 'joined') throw new Error(`${c.name}: join refused: ${JSON.stringify(m)}`);
  c.joined = m;
  return c;
}

// ---- fake booking events receiver (HTTPS, the other side of the contract) ----
export async function startBookingReceiver(v, { port } = {}) {
  const r = { events: [], credential: fs.readFileSync(`${v.dir}/secrets/signal-booking.secret`, 'utf8').trim(), bad: 0 };
  const seen = new Set();
  r.port = port || await freePort();
  r.url = `https://127.0.0.1:${r.port}`;
  r.start = () => new Promise((resolve, reject) => {
    r.server = https.createServer({ cert: v.ca, key: fs.readFileSync(`${v.dir}/tls/key.pem`) }, (req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/api/v1/internal/events') { res.writeHead(404); res.end(); return; }
        if (req.headers['x-service-credential'] !== r.credential) { r.bad += 1; res.writeHead(401); res.end(); return; }
        let e;
        try { e = JSON.parse(body); } catch { res.writeHead(400); res.end(); return; }
        if (!seen.has(e.event_id)) { seen.add(e.event_id); r.events.push(e); }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"recorded"}');
      });
    });
    r.server.on('error', reject);
    r.server.listen(r.port, '127.0.0.1', resolve);
  });
  r.stop = () => new Promise((resolve) => { r.server.closeAllConnections?.(); r.server.close(() => resolve()); });
  r.waitFor = async (pred, ms = 15000, what = 'event') => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const e = r.events.find(pred);
      if (e) return e;
      await sleep(50);
    }
    throw new Error(`booking receiver: no ${what} in ${ms} ms; have ${JSON.stringify(r.events.map((x) => x.type))}`);
  };
  await r.start();
  return r;
}

// ---- the SFU's control API, to check what signalling did there ----
export async function sfuControl(sfu, v) {
  const secret = fs.readFileSync(`${v.dir}/secrets/sfu-control.secret`, 'utf8').trim();
  const ws = new WebSocket(sfu.url);
  await new Promise((res, rej) => { ws.on('open', res); ws.on('error', rej); });
  let id = 1000;
  const pending = new Map();
  let authed;
  const authP = new Promise((res) => { authed = res; });
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'auth_ok') authed();
    else if (m.id !== undefined && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); }
  });
  ws.send(JSON.stringify({ type: 'auth', secret }));
  await authP;
  return {
    request: (type, fields = {}) => new Promise((res) => {
      const i = id++;
      pending.set(i, res);
      ws.send(JSON.stringify({ id: i, type, ...fields }));
    }),
    close: () => ws.close(),
  };
}

// A publisher offer the SFU accepts (BUNDLE, rtcp-mux, Opus + VP8). No
// media will flow (the fingerprint is not a real certificate's), but the
// SFU publishes its tracks, which is what moderation and presence need.
export function fakePublishOffer() {
  const ufrag = Math.random().toString(36).slice(2, 10);
  const fp = Array.from({ length: 32 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
  return [
    'v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS s',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:abcdefghijklmnopqrstuvwx', `a=fingerprint:sha-256 ${fp}`,
    'a=setup:actpass', 'a=mid:0', 'a=sendonly', 'a=msid:s a', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2',
    'a=ssrc:1111 cname:x',
    'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:abcdefghijklmnopqrstuvwx', `a=fingerprint:sha-256 ${fp}`,
    'a=setup:actpass', 'a=mid:1', 'a=sendonly', 'a=msid:s v', 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli', 'a=ssrc:2222 cname:x', '',
  ].join('\r\n');
}

// Stops a daemon with SIGTERM and checks it exits 0 within 5 s with no
// sanitizer report in its log (under ASan, leaks are reported at exit).
export async function stopChecked(d, name) {
  const ex = await d.stop('SIGTERM');
  const log = d.log();
  const san = /AddressSanitizer|LeakSanitizer|runtime error:/.test(log);
  check(ex.code === 0 && !san, `${name} stops cleanly on SIGTERM (exit ${ex.code}${san ? ', sanitizer report in log' : ''})`);
}

// ---- a GStreamer webrtcbin peer (prog_signal_peer) ----
// Spawns it with args; every JSON line it prints is kept with the moment it
// arrived here (P.lines), its output goes to logDir/name.log. P.wait(pred,
// ms, what) resolves with the first line pred accepts, or throws once the
// time is up or the peer has exited.
export function spawnSignalPeer(name, args, logDir) {
  const p = spawn(path.join(TESTBIN, 'signalling/prog_signal_peer'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(path.join(logDir, `${name}.log`));
  const P = { name, lines: [], proc: p };
  let buf = '';
  p.stdout.on('data', (d) => {
    log.write(d);
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try { P.lines.push({ at: Date.now(), ...JSON.parse(l) }); } catch { /* not JSON */ }
    }
  });
  p.stderr.on('data', (d) => log.write(d));
  P.exit = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  P.wait = async (pred, ms, what) => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const l = P.lines.find(pred);
      if (l) return l;
      if (p.exitCode !== null) break;
      await sleep(20);
    }
    throw new Error(`${name}: no ${what} in ${ms} ms (exit ${p.exitCode}); last: ${JSON.stringify(P.lines.slice(-3))}`);
  };
  return P;
}
