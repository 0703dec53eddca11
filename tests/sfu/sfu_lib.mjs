// Harness for the SFU's node tests: a real parlour-sfu on free loopback
// ports with its own config and secret, a control-API client (docs/sfu-control.md),
// and TAP output. Cleans up on exit, even on failure.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import http from 'node:http';
import WebSocket from 'ws';

export const ROOT = process.env.PARLOUR_ROOT || path.resolve(new URL('../..', import.meta.url).pathname);
export const BIN = process.env.PARLOUR_BIN || path.join(ROOT, 'build/bin');
export const TESTBIN = process.env.PARLOUR_TESTBIN || path.join(ROOT, 'build/tests');
export const ARTIFACTS = process.env.PARLOUR_ARTIFACTS || path.join(ROOT, 'tests/artifacts');

// ---- TAP (tests/lib/tap.mjs; done() below cleans up first, then exits) ----
import { ok, notOk, check, todo, diag, step, failures, count, plan } from '../lib/tap.mjs';
export { ok, notOk, check, todo, diag, step, failures, count };

const cleanups = [];
export function onCleanup(fn) { cleanups.push(fn); }
let cleaned = false;
export async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse()) {
    try { await fn(); } catch (e) { diag(`cleanup: ${e}`); }
  }
}
export async function done() {
  await cleanup();
  process.exit(plan());
}
process.on('SIGTERM', async () => { await cleanup(); process.exit(1); });
process.on('uncaughtException', async (e) => { notOk('uncaught exception', e.stack); await done(); });
process.on('unhandledRejection', async (e) => { notOk('unhandled rejection', e && e.stack ? e.stack : String(e)); await done(); });

import { sleep, waitFor } from '../lib/wait.mjs';
export { sleep, waitFor };

import { freePort } from '../lib/ports.mjs';
export { freePort };

export function httpGet(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

// Starts parlour-sfu. opts: { iceAddresses, workers, netns, bin, logLevel }.
export async function startSfu(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parlour-sfu-node-'));
  execFileSync(path.join(ROOT, 'scripts/setup-var'), [path.join(dir, 'var')], { stdio: 'ignore' });
  const port = opts.port || await freePort();
  const base = 20000 + Math.floor(Math.random() * 200) * 100;
  const secretFile = path.join(dir, 'var/secrets/sfu-control.secret');
  const ini = [
    '[control]', `address=${opts.controlAddress || '127.0.0.1'}`, `port=${port}`, `secret_file=${secretFile}`,
    '[media]', `port_min=${base}`, `port_max=${base + 99}`,
    `ice_addresses=${(opts.iceAddresses || ['127.0.0.1']).join(';')}`,
    `workers=${opts.workers || 2}`,
    // further [media] settings, e.g. { publisher_twcc: true, batch_us: 0 }
    ...Object.entries(opts.media || {}).map(([k, v]) => `${k}=${v}`),
    '[recording]', `directory=${path.join(dir, 'recordings')}`,
    '[log]', `level=${opts.logLevel || 'info'}`, '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'sfu.ini'), ini);
  const bin = opts.bin || process.env.SFU_BIN || path.join(BIN, 'parlour-sfu');
  const logPath = path.join(dir, 'sfu.log');
  const log = fs.openSync(logPath, 'w');
  const cmd = opts.netns ? 'ip' : bin;
  const args = opts.netns ? ['netns', 'exec', opts.netns, bin, '--config', path.join(dir, 'sfu.ini')]
    : ['--config', path.join(dir, 'sfu.ini')];
  const proc = spawn(cmd, args, { stdio: ['ignore', log, log], env: { ...process.env, ...(opts.env || {}) } });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = { code, sig }; });
  const sfu = {
    dir, port, proc, logPath, secret: fs.readFileSync(secretFile, 'utf8').trim(), secretFile,
    url: `ws://127.0.0.1:${port}/control`, mediaMin: base, mediaMax: base + 99,
    alive: () => exited === null,
    exitInfo: () => exited,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      if (exited) return exited;
      proc.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) { proc.kill('SIGKILL'); for (let i = 0; i < 50 && !exited; i++) await sleep(20); }
      return exited;
    },
  };
  onCleanup(async () => {
    const st = await sfu.stop();
    // With SFU_BIN pointing at an ASan build this is the leak check.
    const report = /LeakSanitizer|AddressSanitizer|runtime error:/.test(sfu.log());
    check(!report && st && (st.code === 0 || st.sig === null), 'SFU stopped cleanly with no sanitizer report',
      report ? sfu.log().split('\n').filter((l) => !/^ts=/.test(l)).slice(0, 60).join('\n') : JSON.stringify(st));
    if (failures() > 0 || process.env.PARLOUR_KEEP_LOGS) { // PARLOUR_KEEP_LOGS=1: keep it after a pass too
      const keep = path.join(ARTIFACTS, 'sfu', `${path.basename(process.argv[1])}-${process.pid}`);
      fs.mkdirSync(keep, { recursive: true });
      fs.copyFileSync(logPath, path.join(keep, 'sfu.log'));
      diag(`sfu log kept in ${keep}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  if (!opts.netns) {
    for (let i = 0; i < 100; i++) {
      try { const r = await httpGet(`http://127.0.0.1:${port}/healthz`); if (r.status === 200) return sfu; } catch { /* not yet */ }
      if (exited) break;
      await sleep(100);
    }
    throw new Error(`parlour-sfu did not start: ${sfu.log()}`);
  }
  return sfu;
}

// A control-API client: request() resolves with the reply (result or error
// alike); events are kept and can be awaited.
export class Control {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.events = [];
    this.waiters = [];
    this.closed = null;
  }
  async connect(secret, { auth = true } = {}) {
    this.ws = new WebSocket(this.url, { maxPayload: 16 * 1024 * 1024 });
    this.ws.on('message', (d) => this._onMessage(d.toString()));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const [, p] of this.pending) p.reject(new Error(`control closed ${code}`));
      this.pending.clear();
      this._notify();
    });
    await new Promise((res, rej) => { this.ws.once('open', res); this.ws.once('error', rej); });
    onCleanup(() => this.close());
    if (auth) {
      const r = await this.raw({ type: 'auth', secret });
      if (r.type !== 'auth_ok') throw new Error(`auth failed: ${JSON.stringify(r)}`);
    }
    return this;
  }
  _onMessage(text) {
    let m;
    try { m = JSON.parse(text); } catch { return; }
    if (this.rawWaiter) { const w = this.rawWaiter; this.rawWaiter = null; w(m); return; }
    if (m.type === 'event') {
      m.receivedAt = Date.now();
      this.events.push(m);
      if (this.onEvent) this.onEvent(m);
      this._notify();
      return;
    }
    const key = JSON.stringify(m.id === undefined ? null : m.id);
    const p = this.pending.get(key);
    if (p) { this.pending.delete(key); p.resolve(m); return; }
    this.unmatched = (this.unmatched || []).concat([m]);
    this._notify();
  }
  _notify() { for (const w of this.waiters.splice(0)) w(); }
  // Sends any object/text and waits for the very next message.
  raw(obj, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.rawWaiter = null; reject(new Error('no answer')); }, timeoutMs);
      this.rawWaiter = (m) => { clearTimeout(t); resolve(m); };
      this.ws.send(typeof obj === 'string' || Buffer.isBuffer(obj) ? obj : JSON.stringify(obj));
    });
  }
  request(type, fields = {}, timeoutMs = 10000) {
    const id = this.nextId++;
    const msg = { id, type, ...fields };
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.pending.delete(JSON.stringify(id)); reject(new Error(`${type}: no reply`)); }, timeoutMs);
      this.pending.set(JSON.stringify(id), { resolve: (m) => { clearTimeout(t); resolve(m); }, reject });
      this.ws.send(JSON.stringify(msg));
    });
  }
  // Waits for an event matching pred (already received ones count).
  async waitEvent(pred, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex(pred);
      if (i >= 0) return this.events.splice(i, 1)[0];
      if (this.closed) throw new Error('control closed');
      const left = end - Date.now();
      if (left <= 0) throw new Error('event did not come');
      await new Promise((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }
  async waitClosed(timeoutMs = 5000) {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await new Promise((r) => { const t = setTimeout(r, 50); this.waiters.push(() => { clearTimeout(t); r(); }); });
    return this.closed;
  }
  close() { try { this.ws.close(); } catch { /* gone */ } }
}
