// Starts the real Parlour daemons (booking, signalling, SFU) from $PARLOUR_BIN
// with configuration files and keys of their own in a temporary directory, on
// free loopback ports, and stops them again. Meant to run inside the network
// namespace netns-run made.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import net from 'node:net';
import { freePort, waitFor } from './util.mjs';

export const ROOT = process.env.PARLOUR_ROOT || path.resolve(new URL('../../..', import.meta.url).pathname);
export const BIN = process.env.PARLOUR_BIN || path.join(ROOT, 'build/bin');
export const ARTIFACTS = process.env.PARLOUR_ARTIFACTS || path.join(ROOT, 'tests/artifacts');

const children = new Set();
function killAll(sig = 'SIGTERM') {
  for (const c of children) {
    try { c.kill(sig); } catch { /* already gone */ }
  }
}
process.on('exit', () => killAll('SIGKILL'));
for (const s of ['SIGTERM', 'SIGINT']) {
  process.on(s, () => { killAll('SIGKILL'); process.exit(s === 'SIGTERM' ? 143 : 130); });
}

function ini(groups) {
  let out = '';
  for (const [g, kv] of Object.entries(groups)) {
    out += `[${g}]\n`;
    for (const [k, v] of Object.entries(kv)) out += `${k}=${v}\n`;
    out += '\n';
  }
  return out;
}

// GET/POST over HTTPS trusting the test's own certificate.
export function httpsRequest(url, { method = 'GET', headers = {}, body, ca } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const req = https.request({
      hostname: u.hostname, port: u.port, path: u.pathname + u.search, method,
      headers: { ...(data !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers },
      ca, servername: 'localhost', rejectUnauthorized: !!ca, timeout: 10000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout ${method} ${url}`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

function startDaemon(name, bin, conf, logDir) {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is not built`);
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  const c = spawn(bin, ['--config', conf], { cwd: ROOT, stdio: ['ignore', log, log] });
  children.add(c);
  c.exitInfo = null;
  c.on('exit', (code, sig) => { c.exitInfo = { code, sig }; children.delete(c); });
  return c;
}

async function waitHealthy(name, url, proc, ca) {
  await waitFor(async () => {
    if (proc.exitInfo) throw new Error(`${name} exited (${JSON.stringify(proc.exitInfo)})`);
    const r = await httpsRequest(url, { ca }).catch(() => null);
    return r && r.status === 200;
  }, { timeout: 15000, what: `${name} /healthz` }).catch((e) => {
    if (proc.exitInfo) throw new Error(`${name} exited at start (${JSON.stringify(proc.exitInfo)}); see its log`);
    throw e;
  });
}

// Options:
//   name         test name (log directory)
//   iceAddresses SFU ICE addresses (default 127.0.0.1; add 10.200.0.1 for Firefox)
//   booking      extra INI groups merged into booking's configuration
// Returns { bookingUrl, signalUrl, dir, ca, api(), stop() }.
export async function startStack({ name = 'browser', iceAddresses = ['127.0.0.1'], booking = {}, signal = {}, sfu = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `parlour-${name}-`));
  const logDir = path.join(ARTIFACTS, 'logs', `browser-${name}`);
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  execFileSync(path.join(ROOT, 'scripts/setup-var'), [dir], { stdio: 'ignore' });
  const ca = fs.readFileSync(path.join(dir, 'tls/cert.pem'));

  const bookingPort = await freePort();
  const signalPort = await freePort();
  const controlPort = await freePort();
  const mediaMin = 41000 + Math.floor(Math.random() * 500) * 2;
  const bookingUrl = `https://127.0.0.1:${bookingPort}`;
  const signalUrl = `wss://127.0.0.1:${signalPort}/ws`;

  const merge = (base, extra) => {
    const out = { ...base };
    for (const [g, kv] of Object.entries(extra)) out[g] = { ...(out[g] || {}), ...kv };
    return out;
  };
  const sfuConf = merge({
    control: { address: '127.0.0.1', port: controlPort, secret_file: `${dir}/secrets/sfu-control.secret` },
    media: { port_min: mediaMin, port_max: mediaMin + 199, ice_addresses: iceAddresses.join(';') },
    recording: { directory: `${dir}/recordings` },
    metrics: { token_file: `${dir}/secrets/metrics.secret` },
    log: { level: 'debug' },
  }, sfu);
  const signalConf = merge({
    server: {
      address: '127.0.0.1', port: signalPort, tls_cert: `${dir}/tls/cert.pem`, tls_key: `${dir}/tls/key.pem`,
      origins: `${bookingUrl};https://localhost:${bookingPort}`,
    },
    tokens: { public_key: `${dir}/keys/token-public.pem` },
    sfu: { nodes: `ws://127.0.0.1:${controlPort}/control`, secret_file: `${dir}/secrets/sfu-control.secret` },
    booking: {
      url: bookingUrl, credential_file: `${dir}/secrets/signal-booking.secret`,
      ca_file: `${dir}/tls/cert.pem`, spool_dir: `${dir}/spool`,
    },
    log: { level: 'debug' },
  }, signal);
  const bookingConf = merge({
    server: {
      address: '127.0.0.1', port: bookingPort, tls_cert: `${dir}/tls/cert.pem`, tls_key: `${dir}/tls/key.pem`,
      client_dir: path.join(ROOT, 'client-web'),
    },
    database: { path: `${dir}/parlour.db` },
    tokens: { private_key: `${dir}/keys/token-private.pem`, signal_url: signalUrl },
    service: { credential_file: `${dir}/secrets/signal-booking.secret` },
    demo: { enabled: 'true' },
    recording: { directory: `${dir}/recordings` },
    // Messages to families go to files in the stack's own directory (the
    // demo's sink), never into the repository's var/.
    notify: { sink_dir: `${dir}/notify`, poll_ms: 200 },
    identity: { key_file: `${dir}/keys/identity-images.key`, directory: `${dir}/identity` },
    log: { level: 'debug' },
  }, booking);
  for (const [n, c] of [['sfu', sfuConf], ['signal', signalConf], ['booking', bookingConf]]) {
    fs.writeFileSync(path.join(dir, `${n}.conf`), ini(c));
  }

  const procs = {};
  procs.sfu = startDaemon('sfu', path.join(BIN, 'parlour-sfu'), path.join(dir, 'sfu.conf'), logDir);
  procs.booking = startDaemon('booking', path.join(BIN, 'parlour-booking'), path.join(dir, 'booking.conf'), logDir);
  procs.signal = startDaemon('signal', path.join(BIN, 'parlour-signal'), path.join(dir, 'signal.conf'), logDir);
  // The SFU's control socket is plain ws; the two others answer /healthz on HTTPS.
  try {
    await waitHealthy('booking', `${bookingUrl}/healthz`, procs.booking, ca);
    await waitHealthy('signal', `https://127.0.0.1:${signalPort}/healthz`, procs.signal, ca);
    await waitFor(async () => {
      if (procs.sfu.exitInfo) throw new Error(`sfu exited at start (${JSON.stringify(procs.sfu.exitInfo)}); see its log`);
      return tcpOpen(controlPort);
    }, { timeout: 15000, what: 'sfu control port' });
  } catch (e) {
    for (const p of Object.values(procs)) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
    let tails = '';
    for (const f of fs.readdirSync(logDir)) {
      tails += `--- ${f} ---\n${fs.readFileSync(path.join(logDir, f), 'utf8').trim().split('\n').slice(-8).join('\n')}\n`;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    e.message += `\n${tails}`;
    throw e;
  }

  const stack = {
    dir, ca, bookingUrl, signalUrl, logDir, procs,
    ports: { booking: bookingPort, signal: signalPort, control: controlPort },
    // Calls booking's JSON API. `session` is a cookie string (from signIn).
    api: (p, opts = {}) => httpsRequest(`${bookingUrl}${p}`, {
      ...opts, ca, headers: { ...(opts.session ? { cookie: opts.session } : {}), ...(opts.headers || {}) },
    }),
    serviceCredential: fs.readFileSync(path.join(dir, 'secrets/signal-booking.secret'), 'utf8').trim(),
    // The SFU's GET /metrics (Prometheus text) on its control port.
    async sfuMetrics() {
      const token = fs.readFileSync(path.join(dir, 'secrets/metrics.secret'), 'utf8').trim();
      const r = await fetch(`http://127.0.0.1:${controlPort}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 200) throw new Error(`sfu /metrics: ${r.status}`);
      return r.text();
    },
    async stop() {
      for (const p of Object.values(procs)) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
      await waitFor(() => Object.values(procs).every((p) => p.exitInfo), { timeout: 3000, interval: 50, what: 'the daemons to exit' }).catch(() => {});
      for (const p of Object.values(procs)) { if (!p.exitInfo) { try { p.kill('SIGKILL'); } catch { /* gone */ } } }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
function tcpOpen(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}
