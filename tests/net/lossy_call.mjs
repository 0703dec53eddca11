// Run by test-lossy-call inside a namespace with lo only. Alice (Chromium)
// publishes straight to the SFU; bob (Chromium) subscribes through a UDP
// relay that delays every datagram 150 ms (+0..10 ms jitter) and drops 2 %,
// each way (tests/net/prog_udp_impair). Bob must only reach the SFU
// through it: the SFU's candidates handed to bob's page name the relay, and
// bob's own candidates are not handed to the SFU (it learns him as a
// peer-reflexive candidate from the relay's upstream socket). Over 20 s bob
// must keep decoding video and receiving audio, ask for retransmissions,
// and the SFU must answer them.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSfu, Control, check, diag, done, sleep, TESTBIN, onCleanup } from '../sfu/sfu_lib.mjs';
import { startRelay, chromiumPage } from '../sfu/browser_lib.mjs';

const DELAY_MS = 150;
const JITTER_MS = 10;
const LOSS = 2;
const ROOM = 'lossy';
const sfu = await startSfu({ workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
await ctl.request('room_create', { room: ROOM, max_participants: 4 });
const relay = await startRelay(ctl, ROOM);

// One impairing relay per SFU port bob is told about.
const impairs = new Map(); // sfu port -> { port, proc, out }
async function impairFor(sfuPort) {
  if (impairs.has(sfuPort)) return impairs.get(sfuPort).port;
  const proc = spawn(path.join(TESTBIN, 'net/prog_udp_impair'), ['--listen', '127.0.0.1:0',
    '--forward', `127.0.0.1:${sfuPort}`, '--delay-ms', String(DELAY_MS), '--jitter-ms', String(JITTER_MS),
    '--loss', String(LOSS), '--seed', String(sfuPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } });
  const entry = { port: 0, proc, out: '' };
  impairs.set(sfuPort, entry);
  proc.stdout.on('data', (d) => { entry.out += d.toString(); });
  for (let i = 0; i < 100 && !/ready (\d+)/.test(entry.out); i++) await sleep(50);
  const m = /ready (\d+)/.exec(entry.out);
  if (!m) throw new Error(`prog_udp_impair for ${sfuPort} did not start: ${entry.out}`);
  entry.port = Number(m[1]);
  return entry.port;
}
// "candidate:... 1 udp PRIO 127.0.0.1 PORT typ host": the relay instead.
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
// Bob's side of the relay, in order (an offer before its candidates).
const relayed = ctl.onEvent;
let chain = Promise.resolve();
ctl.onEvent = (e) => {
  if (e.participant !== 'bob' || (e.event !== 'subscriber_offer' && e.event !== 'ice_candidate')) { relayed(e); return; }
  chain = chain.then(async () => {
    if (e.event === 'subscriber_offer') relayed({ ...e, sdp: await sdpViaRelay(e.sdp) });
    else if (e.candidate) relayed({ ...e, candidate: await viaRelay(e.candidate) });
    else relayed(e);
  }).catch((err) => diag(`relay rewrite: ${err}`));
};
const request = ctl.request.bind(ctl);
let bobCandidatesHeld = 0;
ctl.request = async (op, fields, ...rest) => {
  if (fields && fields.participant === 'bob') {
    if (op === 'ice_candidate') { bobCandidatesHeld++; return { type: 'result' }; }
    if (op === 'subscriber_answer' && fields.sdp) {
      fields = { ...fields, sdp: fields.sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:')).join('\r\n') };
    }
  }
  const r = await request(op, fields, ...rest);
  // The SFU's offer to bob comes back as the reply to his subscriber_offer.
  if (fields && fields.participant === 'bob' && r && typeof r.sdp === 'string') r.sdp = await sdpViaRelay(r.sdp);
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
await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 20000);
await open('bob');
relay.send('bob', { op: 'subscribe' });
let connected = true;
try {
  await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'bob' && e.transport === 'subscriber' && e.state === 'connected', 40000);
} catch { connected = false; }
check(connected && impairs.size > 0, `bob's subscriber transport connects through the impairing relay (${impairs.size} relay(s); ${bobCandidatesHeld} of bob's candidates withheld from the SFU)`);
const bs = await ctl.request('participant_stats', { room: ROOM, participant: 'bob' });
diag(`bob's subscriber transport: ${JSON.stringify(bs.subscriber || {})}`);

// Let it settle, then measure 20 s.
for (let i = 0; i < 40; i++) { const s = await stats('bob'); if ((s.video[0] || {}).framesDecoded > 10) break; await sleep(500); }
await pages.bob.evaluate('window.frameGapReset(false)');
const s0 = await stats('bob');
const t0 = Date.now();
let minFps = Infinity;
let prev = s0;
for (let i = 0; i < 4; i++) {
  await sleep(5000); // a 5 s measuring window of the lossy call
  const s = await stats('bob');
  const fps = ((s.video[0] || {}).framesDecoded - (prev.video[0] || {}).framesDecoded) / 5;
  minFps = Math.min(minFps, fps);
  prev = s;
}
const s1 = prev;
const secs = (Date.now() - t0) / 1000;
const v0 = s0.video[0] || {}, v1 = s1.video[0] || {}, a0 = s0.audio[0] || {}, a1 = s1.audio[0] || {};
diag(`bob over ${secs.toFixed(1)} s: video ${JSON.stringify(v1)}; audio ${JSON.stringify(a1)}`);
check(v1.framesDecoded - v0.framesDecoded >= 15 * secs && minFps >= 8,
  `video keeps playing: ${((v1.framesDecoded - v0.framesDecoded) / secs).toFixed(1)} fps over ${secs.toFixed(0)} s, no 5 s stretch under ${minFps.toFixed(1)} fps`);
// A retransmission costs a round trip (300 ms here) plus the NACK delay, so
// short stalls are expected; none may reach a second.
const gr = await pages.bob.evaluate('window.frameGap()');
const g = { ms: gr.rvfcFrames > 0 ? gr.rvfcMs : gr.pollMs, how: gr.rvfcFrames > 0 ? 'rVFC' : 'poll' };
check(g.ms < 1000, `... never stalling a second: largest frame gap ${g.ms} ms by ${g.how} (freezeCount +${v1.freezeCount - v0.freezeCount}, ${(v1.totalFreezesDuration - v0.totalFreezesDuration).toFixed(2)} s in all)`);
check(a1.packetsReceived - a0.packetsReceived >= 40 * secs && a1.samples - a0.samples >= 40000 * secs,
  `audio keeps playing: ${((a1.packetsReceived - a0.packetsReceived) / secs).toFixed(1)} packets/s, ${((a1.samples - a0.samples) / secs).toFixed(0)} samples/s`);
const st = await ctl.request('participant_stats', { room: ROOM, participant: 'bob' });
const sv = (st.subscriptions || []).find((x) => x.kind === 'video' && x.active) || {};
diag(`SFU, bob's video subscription: ${JSON.stringify(sv)}`);
check(v1.nackCount > 0 && sv.nacks_received > 0, `bob NACKs what the relay dropped (${v1.nackCount} NACKs sent, the SFU received ${sv.nacks_received})`);
check(sv.retransmitted > 0 && sv.retransmitted >= sv.nacks_received * 0.5,
  `the SFU answers them (${sv.retransmitted} retransmitted for ${sv.nacks_received} NACKed)`);
const lossPct = (100 * (v1.packetsLost || 0)) / Math.max(1, (v1.packetsReceived || 0) + (v1.packetsLost || 0));
diag(`video packets bob counts as lost: ${lossPct.toFixed(2)} % (the path drops 2 % each way; a retransmission can be dropped too, or come after its frame was given up)`);
for (const [p, e] of impairs) {
  e.proc.kill('SIGTERM');
  // Its last line (its counters) is written as it exits.
  if (e.proc.exitCode === null && e.proc.signalCode === null) await Promise.race([new Promise((r) => e.proc.once('exit', r)), sleep(3000)]);
  diag(`relay for SFU port ${p}: ${e.out.trim().split('\n').pop()}`);
}
check(sfu.alive(), 'SFU alive');
await done();
