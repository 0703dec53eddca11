#!/usr/bin/env node
// GET /metrics on the real parlour-signal and parlour-sfu (docs/architecture.md,
// "Metrics"): refused without the metrics bearer token; with it, Prometheus
// text `promtool check metrics` accepts. A real call (two webrtcbin peers,
// tests/signalling/prog_signal_peer.c) moves signal_joins_total by two and
// shows one room and two present participants on signalling, and on the SFU
// two participants, connected transports, video packets and bytes forwarded
// and a forwarded bit rate; a refused join moves its refusal code. Once the
// peers have left, the SFU's counters are no lower than during the call
// (participants' last numbers are kept when they go).
// timeout: 150
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import {
  makeVar, startSfu, startSignal, mint, claims, now, check, done, diag, TESTBIN, ORIGIN, connect,
  stopChecked, sleep,
} from './lib.mjs';

const v = makeVar('metrics');
const tokenFile = `${v.dir}/secrets/metrics.secret`;
const token = fs.readFileSync(tokenFile, 'utf8').trim();
const sfu = await startSfu(v, { metrics: { token_file: tokenFile } });
// A short reconnect grace: peers that exit are removed from the SFU soon
// (participant_remove), which is the path whose last numbers must be kept.
const sig = await startSignal(v, { sfus: [sfu], extra: { metrics: { token_file: tokenFile }, calls: { reconnect_grace_s: 1 } } });
const room = 'visit-metrics-1';
const W = { start: now() - 60, end: now() + 1800 };

function get(url, headers = {}) {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers, ca: v.ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: body }));
    });
    req.on('error', reject);
  });
}
const sfuUrl = `http://127.0.0.1:${sfu.port}/metrics`;
const sigUrl = `https://127.0.0.1:${sig.port}/metrics`;
const slowest = {};
const scrape = async (url) => {
  const t = process.hrtime.bigint();
  const text = (await get(url, { authorization: `Bearer ${token}` })).text;
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  slowest[url] = Math.max(slowest[url] || 0, ms);
  return text;
};
function value(text, series) {
  for (const line of text.split('\n'))
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return 0;
}
// Sum of every series of a family matching a label filter (regexp on the labels).
function sum(text, family, labels = /.*/) {
  let s = 0;
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-z_:]+)(\{[^}]*\})? (\S+)$/);
    if (m && m[1] === family && labels.test(m[2] || '')) s += Number(m[3]);
  }
  return s;
}
function promtool(text) {
  const p = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { ok: p.status === 0, out: (p.stdout || '') + (p.stderr || '') + (p.error ? String(p.error) : '') };
}

function peer(name, c, extra = []) {
  const tf = path.join(v.dir, `${name}.token`);
  fs.writeFileSync(tf, mint(v, claims({ ...W, room, ...c })));
  const args = ['--url', sig.url, '--ca', `${v.dir}/tls/cert.pem`, '--origin', ORIGIN, '--room', room,
    '--token-file', tf, '--timeout', '60', '--frames', '30', ...extra];
  const p = spawn(path.join(TESTBIN, 'signalling/prog_signal_peer'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(path.join(v.logDir, `${name}.log`));
  let out = '';
  p.stdout.on('data', (d) => { out += d; log.write(d); });
  p.stderr.on('data', (d) => log.write(d));
  return new Promise((resolve) => p.on('exit', (code) => {
    const lines = out.trim().split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } });
    resolve({ code, verdict: lines[lines.length - 1] || {} });
  }));
}

// ---- access ----
for (const [name, url] of [['signal', sigUrl], ['sfu', sfuUrl]]) {
  const r = await get(url);
  check(r.status === 401 && /bearer/i.test(r.headers['www-authenticate'] || '') && !/_total/.test(r.text),
    `${name}: /metrics without the token is 401 and shows nothing`, `${r.status} ${r.text.slice(0, 120)}`);
  const w = await get(url, { authorization: `Bearer ${token}0` });
  check(w.status === 401, `${name}: a wrong token is 401`, w.status);
}

// ---- before ----
const sig0 = await scrape(sigUrl);
const sfu0 = await scrape(sfuUrl);
for (const [name, t] of [['signal', sig0], ['sfu', sfu0]]) {
  const pt = promtool(t);
  check(pt.ok, `${name}: promtool check metrics accepts an idle daemon's /metrics`, pt.out.slice(0, 600));
}
check(value(sig0, 'signal_sfu_nodes{state="up"}') === 1, 'signal: its one SFU node is up');
check(value(sfu0, 'sfu_participants{worker="0"}') === 0, 'sfu: no participants yet');

// ---- a refused join ----
const bad = await connect(sig, { name: 'bad' });
bad.send({ type: 'join', token: mint(v, claims({ ...W, room, sub: 'x', aud: 'someone-else' })), room });
const err = await bad.next('error');
await bad.closed;
const sig1 = await scrape(sigUrl);
check(value(sig1, `signal_join_refusals_total{code="${err.code}"}`) === value(sig0, `signal_join_refusals_total{code="${err.code}"}`) + 1,
  `a refused join moved signal_join_refusals_total{code="${err.code}"} by one`);

// ---- a real call ----
const calls = Promise.all([
  peer('prisoner', { sub: 'prisoner-1', role: 'prisoner' }, ['--linger', '6']),
  peer('visitor', { sub: 'visitor-1', role: 'visitor' }, ['--linger', '6']),
]);
let finished = false;
calls.then(() => { finished = true; });
let during = null;
let bps = 0;
const t0 = Date.now();
while (!finished && Date.now() - t0 < 60000) {
  const t = await scrape(sfuUrl);
  const fwd = value(t, 'sfu_forwarded_packets_total{kind="video"}');
  bps = Math.max(bps, value(t, 'sfu_forwarded_bitrate_bps'));
  if (sum(t, 'sfu_participants') === 2 && fwd > 100) during = during || t;
  if (during && bps > 0) break;
  await sleep(300);
}
const sigDuring = await scrape(sigUrl);
check(during !== null, 'sfu: during the call, two participants and video forwarded (>100 packets)',
  during ? '' : 'never saw it');
if (during) {
  check(value(during, 'sfu_forwarded_bytes_total{kind="video"}') > 10000 && value(during, 'sfu_forwarded_packets_total{kind="audio"}') >= 0,
    `sfu: video bytes forwarded (${value(during, 'sfu_forwarded_bytes_total{kind="video"}')})`);
  check(value(during, 'sfu_received_packets_total') > 0, 'sfu: packets received from publishers');
  check(value(during, 'sfu_transports{state="connected"}') >= 2, `sfu: connected transports (${value(during, 'sfu_transports{state="connected"}')})`);
  check(sum(during, 'sfu_rooms') === 1 && sum(during, 'sfu_tracks') >= 2, 'sfu: one room, its tracks published');
  const pt = promtool(during);
  check(pt.ok, 'sfu: promtool accepts /metrics during a call', pt.out.slice(0, 600));
}
check(bps > 0, `sfu: a forwarded bit rate between scrapes (${Math.round(bps)} bit/s)`);
check(value(sigDuring, 'signal_joins_total{kind="first"}') === value(sig0, 'signal_joins_total{kind="first"}') + 2,
  'signal: the two joins moved signal_joins_total{kind="first"} by two',
  [value(sig0, 'signal_joins_total{kind="first"}'), value(sigDuring, 'signal_joins_total{kind="first"}')]);
check(value(sigDuring, 'signal_rooms') === 1 && value(sigDuring, 'signal_participants{state="present"}') === 2,
  'signal: one room, two present participants during the call');
const ptSig = promtool(sigDuring);
check(ptSig.ok, 'signal: promtool accepts /metrics during a call', ptSig.out.slice(0, 600));
check(!sigDuring.includes(room) && !sigDuring.includes('prisoner-1') && !(during || '').includes(room),
  'no room or participant id in either /metrics');

const [a, b] = await calls;
check(a.code === 0 && b.code === 0, `the call itself worked (${a.verdict.frames}, ${b.verdict.frames} frames)`);

// ---- after: counters keep what the participants forwarded ----
let after = '';
const t1 = Date.now();
while (Date.now() - t1 < 15000) {
  after = await scrape(sfuUrl);
  if (sum(after, 'sfu_participants') === 0) break;
  await sleep(200);
}
check(sum(after, 'sfu_participants') === 0, 'sfu: the participants are gone');
if (during) {
  const d = value(during, 'sfu_forwarded_packets_total{kind="video"}'), x = value(after, 'sfu_forwarded_packets_total{kind="video"}');
  check(x >= d, `sfu: forwarded packets counter did not go down when they left (${d} -> ${x})`);
  const dr = value(during, 'sfu_received_bytes_total'), xr = value(after, 'sfu_received_bytes_total');
  check(xr >= dr, `sfu: received bytes counter did not go down (${dr} -> ${xr})`);
}
diag(`sfu disconnects: ${after.split('\n').filter((l) => l.startsWith('sfu_participant_disconnects_total')).join(' ')}`);

diag(`slowest scrape (ms, client side, one call): ${JSON.stringify(Object.fromEntries(Object.entries(slowest).map(([k, x]) => [k.replace(/^.*:(\d+)\/.*$/, '$1'), Math.round(x * 10) / 10])))}`);
diag(`sizes: sfu ${after.length} bytes, ${after.split('\n').filter((l) => l && !l.startsWith('#')).length} series`);
check(sig.proc.exitInfo === null && sfu.proc.exitInfo === null, 'signal and SFU still running');
await stopChecked(sig, 'parlour-signal');
await stopChecked(sfu, 'parlour-sfu');
done();
