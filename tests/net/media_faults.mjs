// Run by test-media-faults inside a namespace with lo only (issue 20,
// media-path faults). Alice (Chromium) publishes to the real SFU through
// tests/net/prog_udp_impair, which upstream reorders 3 %, duplicates 3 % and
// truncates 2 % of her RTP/RTCP datagrams (to half their length); bob
// (Chromium) subscribes straight. Alice must only reach the SFU through it:
// the SFU's candidates handed to her page name the relay, and hers are not
// handed to the SFU (it learns her as a peer-reflexive candidate from the
// relay's upstream socket). Over 15 s: bob keeps decoding video and
// receiving audio; the SFU counts the truncated and duplicated datagrams as
// dropped (the publisher transport's "undecryptable": SRTP authentication
// and replay checks), at least as many as the relay truncated (a truncated
// SRTP packet fails authentication before any parser sees it, so it is not
// an engine parse drop); the SFU stays up and stops cleanly.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSfu, Control, check, diag, done, sleep, TESTBIN, onCleanup } from '../sfu/sfu_lib.mjs';
import { startRelay, chromiumPage } from '../sfu/browser_lib.mjs';

const VIA = 'alice';
const FAULTS = ['--up-reorder', '3', '--up-duplicate', '3', '--up-truncate', '2'];
const ROOM = 'mediafaults';
const sfu = await startSfu({ workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
await ctl.request('room_create', { room: ROOM, max_participants: 4 });
const relay = await startRelay(ctl, ROOM);

const impairs = new Map(); // sfu port -> { port, proc, out }
async function impairFor(sfuPort) {
  if (impairs.has(sfuPort)) return impairs.get(sfuPort).port;
  const proc = spawn(path.join(TESTBIN, 'net/prog_udp_impair'), ['--listen', '127.0.0.1:0',
    '--forward', `127.0.0.1:${sfuPort}`, ...FAULTS, '--seed', String(sfuPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } });
  const entry = { port: 0, proc, out: '' };
  impairs.set(sfuPort, entry);
  proc.stdout.on('data', (d) => { entry.out += d.toString(); });
  const t0 = Date.now();
  while (!/ready (\d+)/.test(entry.out) && Date.now() - t0 < 10000) await sleep(50);
  const m = /ready (\d+)/.exec(entry.out);
  if (!m) throw new Error(`prog_udp_impair for ${sfuPort} did not start: ${entry.out}`);
  entry.port = Number(m[1]);
  return entry.port;
}
async function viaRelay(cand) {
  const m = /^(\S+ \d+ udp \d+ )(\S+) (\d+)( typ .*)$/i.exec(cand);
  if (!m) return cand;
  return `${m[1]}127.0.0.1 ${await impairFor(Number(m[3]))}${m[4]}`;
}
async function sdpViaRelay(sdp) {
  const out = [];
  for (const l of sdp.split('\r\n')) out.push(l.startsWith('a=candidate:') ? `a=${await viaRelay(l.slice(2))}` : l);
  return out.join('\r\n');
}
const relayed = ctl.onEvent;
let chain = Promise.resolve();
ctl.onEvent = (e) => {
  if (e.participant !== VIA || e.event !== 'ice_candidate') { relayed(e); return; }
  chain = chain.then(async () => relayed(e.candidate ? { ...e, candidate: await viaRelay(e.candidate) } : e))
    .catch((err) => diag(`relay rewrite: ${err}`));
};
const request = ctl.request.bind(ctl);
let held = 0;
ctl.request = async (op, fields, ...rest) => {
  if (fields && fields.participant === VIA) {
    if (op === 'ice_candidate') { held++; return { type: 'result' }; }
    if (typeof fields.sdp === 'string') {
      fields = { ...fields, sdp: fields.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:')).join('\r\n') };
    }
  }
  const r = await request(op, fields, ...rest);
  if (fields && fields.participant === VIA && r && typeof r.sdp === 'string') r.sdp = await sdpViaRelay(r.sdp);
  return r;
};

const pages = {};
async function open(who) {
  await ctl.request('participant_add', { room: ROOM, participant: who });
  pages[who] = await chromiumPage(`${relay.url}/peer.html?participant=${who}`);
  await relay.waitPage(who);
}
const stats = async (who) => pages[who].evaluate('window.mediaStats()');
await open('alice');
relay.send('alice', { op: 'publish' });
let published = true;
try {
  await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'alice' && e.transport === 'publisher' && e.state === 'connected', 60000);
} catch { published = false; }
diag(`impairing relays: ${impairs.size}`);
check(published && impairs.size > 0, `alice's publisher transport connects through the impairing relay (${impairs.size} relay(s); ${held} of her candidates withheld from the SFU)`);
await open('bob');
relay.send('bob', { op: 'subscribe' });
let s0;
for (let i = 0; i < 80; i++) { s0 = await stats('bob'); if ((s0.video[0] || {}).framesDecoded > 10) break; await sleep(500); }
const p0 = await ctl.request('participant_stats', { room: ROOM, participant: 'alice' });
const t0 = Date.now();
let minFps = Infinity;
let prev = s0;
for (let i = 0; i < 3; i++) {
  await sleep(5000); // a measuring window, not a wait for a condition
  const s = await stats('bob');
  minFps = Math.min(minFps, ((s.video[0] || {}).framesDecoded - (prev.video[0] || {}).framesDecoded) / 5);
  prev = s;
}
const s1 = prev;
const secs = (Date.now() - t0) / 1000;
const v0 = s0.video[0] || {}, v1 = s1.video[0] || {}, a0 = s0.audio[0] || {}, a1 = s1.audio[0] || {};
diag(`bob over ${secs.toFixed(1)} s: video ${JSON.stringify(v1)}; audio ${JSON.stringify(a1)}`);
check(v1.framesDecoded - v0.framesDecoded >= 10 * secs && minFps >= 5,
  `bob keeps decoding alice's video: ${((v1.framesDecoded - v0.framesDecoded) / secs).toFixed(1)} fps over ${secs.toFixed(0)} s, no 5 s stretch under ${minFps.toFixed(1)} fps`);
check(a1.packetsReceived - a0.packetsReceived >= 30 * secs,
  `bob keeps receiving alice's audio: ${((a1.packetsReceived - a0.packetsReceived) / secs).toFixed(1)} packets/s`);
const p1 = await ctl.request('participant_stats', { room: ROOM, participant: 'alice' });
diag(`SFU, alice's publisher transport: ${JSON.stringify(p1.publisher || {})}; drops ${JSON.stringify(p1.drops || {})}`);
let counters = '';
for (const [, e] of impairs) {
  e.proc.kill('SIGTERM');
  const te = Date.now();
  while (!/truncated=\d+/.test(e.out) && Date.now() - te < 10000) await sleep(50);
  counters += e.out.trim().split('\n').pop();
}
diag(`relay: ${counters}`);
const truncated = [...counters.matchAll(/truncated=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
const duplicated = [...counters.matchAll(/duplicated=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
const reordered = [...counters.matchAll(/reordered=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
const und = (p1.publisher || {}).undecryptable || 0;
check(truncated > 0 && duplicated > 0 && reordered > 0, `the relay truncated ${truncated}, duplicated ${duplicated}, reordered ${reordered} of alice's datagrams`);
check(und >= truncated, `the SFU dropped them as undecryptable (SRTP authentication / replay): ${und} (>= ${truncated} truncated; ${duplicated} duplicates)`);
check(sfu.alive(), 'SFU alive (no crash on truncated, duplicated, reordered media)');
await done();
