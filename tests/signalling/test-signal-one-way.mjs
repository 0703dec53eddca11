#!/usr/bin/env node
// One-way video end to end (issue 17 part 3) with the real daemons: booking
// (demo, admission required), signalling, the SFU, and two GStreamer
// webrtcbin peers (tests/signalling/prog_signal_peer.c) with real join tokens.
// 1. Per prisoner, set before the call: the visitor decodes the prisoner's
//    video (>= 60 frames); the prisoner decodes none; the SFU's stats show
//    no video forwarded to the prisoner's subscriber (no video subscription
//    at all), audio forwarded both ways.
// 2. Turned on while the call is live (per booking): the SFU stops
//    forwarding video to the prisoner within 2 s of booking's answer
//    (measured), the prisoner is told (one_way_video), the visitor keeps
//    the prisoner's video and both keep audio.
// timeout: 240
import fs from 'node:fs';
import path from 'node:path';
import { startBooking, Client, sql } from '../booking/lib.mjs';
import {
  startSfu, startSignal, sfuControl, spawnSignalPeer, check, done, diag, sleep, ARTIFACTS, ORIGIN, stopChecked,
} from './lib.mjs';

const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-one-way');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu], booking: env.base, admission: 'required' });
await sig.waitLog(/event=decisions_started/, 10000);
const ctl = await sfuControl(sfu, v);

const staff = new Client(env); await staff.signIn('staff.booking');
const ann = new Client(env); await ann.signIn('family.ann');
const tom = new Client(env); await tom.signIn('prisoner.tom');
const mon = new Client(env); await mon.signIn('staff.monitor');
const MON = `staff_monitor-${sql(env, "SELECT id FROM users WHERE username='staff.monitor'")}`;
const TOM_ID = sql(env, "SELECT id FROM prisoners WHERE prison_number='A1234BC'");
const TOM = `prisoner-${sql(env, "SELECT id FROM users WHERE username='prisoner.tom'")}`;
const ANN = `visitor-${sql(env, "SELECT id FROM users WHERE username='family.ann'")}`;

async function newVisit() {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30, start_in_minutes: 0 });
  if (r.status !== 201) throw new Error(`demo visit: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id;
}
function peer(name, client, visit, extra) {
  return (async () => {
    const r = await client.post(`/visits/${visit}/join-token`);
    if (r.status !== 200) throw new Error(`${name}: join-token ${r.status} ${JSON.stringify(r.json)}`);
    const tokenFile = path.join(v.dir, `${name}.token`);
    fs.writeFileSync(tokenFile, r.json.token);
    return spawnSignalPeer(name, ['--url', sig.url, '--ca', path.join(v.dir, 'tls/cert.pem'), '--origin', ORIGIN,
      '--room', visit, '--token-file', tokenFile, ...extra], logDir);
  })();
}
// The participant's subscriptions as the SFU reports them, by kind.
async function subs(visit, who) {
  const r = await ctl.request('participant_stats', { room: visit, participant: who });
  if (r.type !== 'result') return null;
  const s = r.subscriptions || [];
  const sum = (k) => s.filter((x) => x.kind === k).reduce((a, x) => a + x.packets, 0);
  return { video: sum('video'), audio: sum('audio'), videoForwarding: s.some((x) => x.kind === 'video' && x.forwarding),
    receiveVideo: r.receive_video, blocked: r.drops.video_blocked, raw: s };
}
async function until(fn, ms, what) {
  const t0 = Date.now();
  for (;;) {
    const x = await fn();
    if (x) return x;
    if (Date.now() - t0 > ms) throw new Error(`no ${what} in ${ms} ms`);
    await sleep(100);
  }
}

try {
  // ---- 1. per prisoner, before the call ----
  let r = await staff.post(`/prisoners/${TOM_ID}/one-way-video`, { direction: 'prisoner_sees_no_video', reason: 'e2e test' });
  check(r.status === 200, 'booking staff set prisoner_sees_no_video on Tom');
  const v1 = await newVisit();
  const [pT, pA, pM] = await Promise.all([
    peer('prisoner1', tom, v1, ['--frames', '1', '--timeout', '25']),
    peer('visitor1', ann, v1, ['--frames', '60', '--timeout', '40', '--linger', '3']),
    peer('monitor1', mon, v1, ['--no-publish', '--frames', '60', '--timeout', '40']),
  ]);
  const codeA = await pA.exit;
  const verdictA = pA.lines.at(-1) || {};
  check(codeA === 0 && verdictA.frames >= 60, `the visitor decoded the prisoner's video (${verdictA.frames} frames)`, verdictA);
  const sT = await subs(v1, TOM), sA = await subs(v1, ANN);
  diag(`prisoner's subscriptions: ${JSON.stringify(sT && sT.raw)}`);
  diag(`visitor's subscriptions: ${JSON.stringify(sA && sA.raw)}`);
  check(sT && sT.receiveVideo === false && sT.video === 0 && !sT.videoForwarding,
    'SFU: no video packet forwarded to the prisoner\'s subscriber, no video subscription', sT);
  check(sT && sT.audio > 100, `SFU: the visitor's audio forwarded to the prisoner (${sT && sT.audio} packets)`);
  check(sA && sA.receiveVideo === true && sA.video > 100 && sA.audio > 100,
    `SFU: video and audio forwarded to the visitor (${sA && sA.video} video, ${sA && sA.audio} audio packets)`);
  const codeM = await pM.exit;
  const sM = await subs(v1, MON);
  const mv = sM ? sM.raw.filter((x) => x.kind === 'video' && x.packets > 0).map((x) => x.track) : [];
  check(codeM === 0 && mv.some((x) => x.startsWith(`${TOM}:`)) && mv.some((x) => x.startsWith(`${ANN}:`)),
    `the hidden monitor is unaffected: it receives both videos (${mv.join(', ')})`, sM && sM.raw);
  const codeT = await pT.exit;
  const verdictT = pT.lines.at(-1) || {};
  check(codeT !== 0 && verdictT.frames === 0, `the prisoner decoded no video frame from the visitor (${verdictT.frames} in 25 s)`, verdictT);
  check(verdictT.audio_buffers > 100, `the prisoner decoded the visitor's audio (${verdictT.audio_buffers} buffers)`, verdictT);
  check(verdictA.audio_buffers > 50, `the visitor decoded the prisoner's audio (${verdictA.audio_buffers} buffers by its 60th frame)`, verdictA);
  r = await staff.post(`/prisoners/${TOM_ID}/one-way-video`, { direction: 'off', reason: 'e2e test over' });
  check(r.status === 200, 'lifted');

  // ---- 2. turned on while the call is live (per booking) ----
  const v2 = await newVisit();
  const [qT, qA] = await Promise.all([
    peer('prisoner2', tom, v2, ['--frames', '30', '--timeout', '60', '--linger', '30']),
    peer('visitor2', ann, v2, ['--frames', '30', '--timeout', '60', '--linger', '30']),
  ]);
  await qT.wait((l) => l.event === 'flowing' || l.result === 'ok', 30000, 'prisoner flowing');
  await qA.wait((l) => l.event === 'flowing' || l.result === 'ok', 30000, 'visitor flowing');
  const before = await subs(v2, TOM);
  check(before.video > 0 && before.receiveVideo === true, `before: the prisoner receives the visitor's video (${before.video} packets)`);
  const t0 = Date.now();
  r = await staff.post(`/visits/${v2}/one-way-video`, { direction: 'prisoner_sees_no_video', reason: 'live e2e' });
  const tAnswer = Date.now();
  check(r.status === 200, 'staff turn one-way video on for the live call');
  // Stopped: the SFU says receive_video false and the count stays put.
  const stopped = await until(async () => {
    const s = await subs(v2, TOM);
    if (!s || s.receiveVideo !== false) return null;
    await sleep(300); // stopped means the counter stays still for this long
    const s2 = await subs(v2, TOM);
    return s2.video === s.video ? { at: Date.now(), video: s.video } : null;
  }, 5000, 'stop');
  const ms = stopped.at - tAnswer;
  diag(`video to the prisoner stopped ${ms} ms after booking answered (request took ${tAnswer - t0} ms)`);
  check(ms <= 2000, `the video to the prisoner stopped within 2 s (${ms} ms, including a 300 ms stability check)`);
  await qT.wait((l) => l.event === 'message' && l.type === 'one_way_video', 3000, 'one_way_video message');
  check(true, 'the prisoner was told (one_way_video)');
  await sleep(1500); // media flows this long: none of it may be video to the prisoner
  const afterT = await subs(v2, TOM), afterA = await subs(v2, ANN);
  check(afterT.video === stopped.video, `no video to the prisoner afterwards (${afterT.video} = ${stopped.video})`);
  check(afterT.audio > before.audio, 'the prisoner still gets audio');
  const a1 = afterA.video;
  await sleep(1000); // media flows this long: the visitor's counters must grow
  const afterA2 = await subs(v2, ANN);
  check(afterA2.video > a1 && afterA2.audio > afterA.audio, 'the visitor still gets the prisoner\'s video and audio');
  qT.proc.kill('SIGTERM');
  qA.proc.kill('SIGTERM');
  await Promise.all([qT.exit, qA.exit]);

  // ---- 3. the reverse, set on the booking before the call ----
  const v3 = await newVisit();
  r = await staff.post(`/visits/${v3}/one-way-video`, { direction: 'visitors_see_no_video', reason: 'e2e reverse' });
  check(r.status === 200 && r.json.one_way_video.direction === 'visitors_see_no_video', 'visitors_see_no_video set on a booking');
  const [rT, rA] = await Promise.all([
    peer('prisoner3', tom, v3, ['--frames', '60', '--timeout', '40', '--linger', '3']),
    peer('visitor3', ann, v3, ['--frames', '1', '--timeout', '20']),
  ]);
  const [cT3, cA3] = [await rT.exit, await rA.exit];
  const vT3 = rT.lines.at(-1) || {}, vA3 = rA.lines.at(-1) || {};
  check(cT3 === 0 && vT3.frames >= 60 && vT3.audio_buffers > 50, `the prisoner decoded the visitor (${vT3.frames} frames, ${vT3.audio_buffers} audio buffers)`, vT3);
  check(cA3 !== 0 && vA3.frames === 0 && vA3.audio_buffers > 100, `the visitor decoded no video (${vA3.frames} frames) but heard the prisoner (${vA3.audio_buffers} audio buffers)`, vA3);
} catch (e) {
  check(false, 'test-signal-one-way ran to the end', String(e && e.stack));
} finally {
  ctl.close();
  await stopChecked(sig, 'signalling');
  await stopChecked(sfu, 'sfu');
  await env.stop();
  done();
}
