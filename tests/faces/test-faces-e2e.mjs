#!/usr/bin/env node
// Unexpected-person alerts end to end (docs/faces.md) with the real SFU,
// signalling and parlour-faces, and GStreamer webrtcbin publishers
// (tests/signalling/prog_signal_peer.c --image) showing still pictures from
// tests/faces/clips/ as their camera:
//  - a visitor's device booked for one person shows two faces: the call's
//    hidden monitor gets face_alert (with a JPEG snapshot) within 10 s;
//  - another call whose visitor shows one face: no alert over 60 s;
//  - staff warn: the participants get staff_notice; staff end: visit_ended
//    with the reason;
//  - kill -9 of the analyser mid-call: the call goes on (a new subscriber
//    still decodes the visitor's video), the wall is told analysis is
//    unavailable, and a restarted analyser picks the call up again;
//  - never on a legal call (nothing analysed), never the prisoner;
//  - bad input: malformed reports, a report for a call that ended, bad
//    face_alert_decision messages, garbage datagrams to the analyser.
// ICE stays on loopback.
// timeout: 300
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import {
  makeVar, startSfu, startSignal, mint, claims, now, check, step, done, diag, TESTBIN, ORIGIN, BIN,
  MONITOR_GRANTS, ROOT, ini, join, sleep, spawnSignalPeer, stopChecked, freePort,
} from '../signalling/lib.mjs';

const v = makeVar('faces-e2e');
const CLIPS = path.join(ROOT, 'tests/faces/clips');
const analyserPort = await freePort();
const reportPort = await freePort();
const sfu = await startSfu(v, { faces: { analyser: `127.0.0.1:${analyserPort}` } });
const sig = await startSignal(v, { sfus: [sfu], extra: { faces: { listen: `127.0.0.1:${reportPort}` } } });
const W = { start: now() - 60, end: now() + 1800 };

// parlour-faces, started (again) by the test; its log is kept.
const faConf = path.join(v.dir, 'faces.ini');
fs.writeFileSync(faConf, ini({
  analyser: { listen_address: '127.0.0.1', listen_port: analyserPort, report_to: `127.0.0.1:${reportPort}` },
  log: { level: 'debug' },
}));
let analyserRuns = 0;
function startAnalyser() {
  analyserRuns += 1;
  const logPath = path.join(v.logDir, `faces-${analyserRuns}.log`);
  const fd = fs.openSync(logPath, 'a');
  const p = spawn(path.join(BIN, 'parlour-faces'), ['--config', faConf], { cwd: ROOT, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  p.logPath = logPath;
  p.exited = new Promise((res) => p.on('exit', (code, s) => res({ code, sig: s })));
  process.on('exit', () => { try { p.kill('SIGKILL'); } catch { /* gone */ } });
  return p;
}
const waitFor = async (pred, ms, what) => {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await pred()) return true;
    await sleep(50);
  }
  throw new Error(`no ${what} in ${ms} ms`);
};

// The next matching message that arrives from now on (stale queued ones
// dropped): a state change must be caused by what the test just did.
const fresh = (c, pred, ms) => { c.queue = c.queue.filter((m) => !pred(m)); return c.next(pred, ms); };

function tokenFile(name, c) {
  const f = path.join(v.dir, `${name}.token`);
  fs.writeFileSync(f, mint(v, claims({ ...W, ...c })));
  return f;
}
function peer(name, room, c, extra = []) {
  return spawnSignalPeer(name, ['--url', sig.url, '--ca', `${v.dir}/tls/cert.pem`, '--origin', ORIGIN,
    '--room', room, '--token-file', tokenFile(name, { room, ...c }), '--timeout', '280', '--frames', '100000',
    ...extra], v.logDir);
}

let analyser = startAnalyser();
const peers = [];
try {
  // ---- the calls: two faces, one face, a legal call ----
  const monTwo = await join(sig, v, { ...W, room: 'visit-two', sub: 'mon-two', role: 'staff_monitor', grants: MONITOR_GRANTS });
  const monOne = await join(sig, v, { ...W, room: 'visit-one', sub: 'mon-one', role: 'staff_monitor', grants: MONITOR_GRANTS });
  await step('the wall hears that analysis is available once the analyser is up', async () => {
    const m = await monTwo.next((x) => x.type === 'face_analysis' && x.available === true, 10000);
    check(m.available === true, 'face_analysis {available:true} reached the monitor');
  });
  peers.push(peer('prisoner-two', 'visit-two', { sub: 'pris-two', role: 'prisoner' }));
  const visTwo = peer('visitor-two', 'visit-two', { sub: 'vis-two', role: 'visitor' }, ['--image', path.join(CLIPS, 'two_faces.png')]);
  const visOne = peer('visitor-one', 'visit-one', { sub: 'vis-one', role: 'visitor' }, ['--image', path.join(CLIPS, 'one_face.png')]);
  const legal = peer('legal', 'visit-legal', { sub: 'adviser', role: 'legal_adviser', type: 'legal', recording: 'forbidden', monitoring: 'forbidden' },
    ['--image', path.join(CLIPS, 'two_faces.png'), '--e2ee']); // a legal call is end-to-end encrypted (docs/media.md)
  peers.push(visTwo, visOne, legal);
  // a second visitor on the two-face call without media: it sees what the participants see
  const family = await join(sig, v, { ...W, room: 'visit-two', sub: 'vis-two-b', role: 'visitor' });

  let alert;
  await step('two faces on a device booked for one: face_alert on the wall within 10 s', async () => {
    // from when the device's video is in the call (the wall is told of the track)
    await monTwo.next((x) => x.type === 'track_published' && x.participant === 'vis-two' && x.track.kind === 'video', 60000);
    const tVideo = Date.now();
    alert = await monTwo.next('face_alert', 20000);
    const after = (Date.now() - tVideo) / 1000;
    diag(`face_alert ${after.toFixed(1)} s after the visitor started: ${JSON.stringify({ ...alert, snapshot: alert.snapshot ? `${alert.snapshot.length} chars` : null })}`);
    check(alert.participant === 'vis-two' && alert.faces >= 2 && alert.booked === 1 && alert.state === 'open',
      'the alert names the visitor\'s device, two faces against one booked');
    check(after <= 10, `raised ${after.toFixed(1)} s after the visitor's video was published in the call (<= 10 s)`);
    check(typeof alert.snapshot === 'string' && Buffer.from(alert.snapshot, 'base64').subarray(0, 2).equals(Buffer.from([0xff, 0xd8])),
      'the alert carries a JPEG snapshot');
    check(Math.abs(alert.at - Date.now()) < 30000, 'the alert carries the time');
    // the picture is kept beside the call's recording, reported as a recording file
    const m = await sfu.waitLog(/event=faces_snapshot_kept room=visit-two path=(\S+)/, 10000);
    const file = path.join(v.dir, 'recordings', m[1]);
    const st = fs.statSync(file);
    check(fs.readFileSync(file).equals(Buffer.from(alert.snapshot, 'base64')) && (st.mode & 0o777) === 0o600,
      `the snapshot is kept in the call's recording directory (${m[1]}, mode 0600)`);
    await sig.waitLog(/event=recording_file room=visit-two/, 10000);
    check(true, 'and reported to booking as one of the recording\'s files');
  });

  await step('bad face_alert_decision messages are refused; a visitor cannot decide', async () => {
    monTwo.send({ type: 'face_alert_decision', alert: 'fa-999', action: 'dismiss' });
    check((await monTwo.next('error')).code === 'unknown_alert', 'unknown alert: unknown_alert');
    monTwo.send({ type: 'face_alert_decision', alert: alert.alert, action: 'explode' });
    check((await monTwo.next('error')).code === 'bad_message', 'unknown action: bad_message');
    monTwo.send({ type: 'face_alert_decision', alert: alert.alert, action: 'end' });
    check((await monTwo.next('error')).code === 'bad_message', 'end without a reason: bad_message');
    monTwo.send({ type: 'face_alert_decision', alert: alert.alert, action: 'warn', extra: 1 });
    check((await monTwo.next('error')).code === 'bad_message', 'an unknown field: bad_message');
    monOne.send({ type: 'face_alert_decision', alert: alert.alert, action: 'dismiss' });
    check((await monOne.next('error')).code === 'unknown_alert', 'another call\'s alert: unknown_alert');
    family.send({ type: 'face_alert_decision', alert: alert.alert, action: 'dismiss' });
    check((await family.next('error')).code === 'not_moderator', 'a visitor: not_moderator');
  });

  await step('bad reports to signalling are dropped; a report for a call that ended changes nothing', async () => {
    const s = dgram.createSocket('udp4');
    const send = (b) => new Promise((res) => s.send(Buffer.isBuffer(b) ? b : Buffer.from(b), reportPort, '127.0.0.1', res));
    const bad = ['', 'not json', '[]', '{"v":2,"type":"faces"}', '{"v":1,"type":"nope"}',
      '{"v":1,"type":"faces","room":"visit-two","participant":"vis-two","faces":-1,"at_ms":1}',
      '{"v":1,"type":"faces","room":"visit-two","participant":"vis two","faces":2,"at_ms":1}',
      '{"v":1,"type":"faces","room":"visit-two","participant":"vis-two","faces":1000,"at_ms":1}',
      '{"v":1,"type":"faces","room":"visit-two","participant":"vis-two","faces":2,"at_ms":1,"snapshot":"%%%"}',
      '{"v":1,"type":"faces","room":"visit-two","participant":"vis-two","faces":2,"at_ms":1,"v":1}'];
    for (const b of bad) await send(b);
    await send(Buffer.alloc(3000, 0xff));
    // a well-formed report stream for a call that is not (or no longer) live
    for (let i = 0; i < 40; i++) await send(JSON.stringify({ v: 1, type: 'faces', room: 'visit-gone', participant: 'x', faces: 5, at_ms: Date.now() }));
    // and for the prisoner, whom the policy never analyses
    for (let i = 0; i < 40; i++) await send(JSON.stringify({ v: 1, type: 'faces', room: 'visit-two', participant: 'pris-two', faces: 5, at_ms: Date.now() }));
    s.close();
    await sig.waitLog(/faces_report_refused why=faces/, 5000);
    check(true, 'signalling logged the refused reports and kept running');
    check(await monTwo.none('face_alert', 4000), 'no alert for the prisoner or a call that is not live');
  });

  await step('bad datagrams to the analyser are dropped; it keeps running', async () => {
    const s = dgram.createSocket('udp4');
    for (const b of ['PFR1', 'PFK1\x05visit\x01x', 'garbage', 'PFR1\x00\x00', `PFR1\x09visit-two\x07vis-two${'\x00'.repeat(20)}`])
      await new Promise((res) => s.send(Buffer.from(b, 'latin1'), analyserPort, '127.0.0.1', res));
    s.close();
    await sleep(1500); // an observation window: a crash on them would show in it
    check(analyser.exitCode === null, 'the analyser is still running');
  });

  await step('staff dismiss: the wall records it, the participants hear nothing', async () => {
    monTwo.send({ type: 'face_alert_decision', alert: alert.alert, action: 'dismiss' });
    const d = await monTwo.next('face_alert_decided', 5000);
    check(d.action === 'dismiss' && d.by === 'mon-two', 'the wall shows the dismissal');
    check(await family.none('staff_notice', 1500), 'no notice to the participants');
  });

  await step('staff warn: the participants\' pages get staff_notice', async () => {
    monTwo.send({ type: 'face_alert_decision', alert: alert.alert, action: 'warn' });
    const n = await family.next('staff_notice', 5000);
    check(n.notice === 'unexpected_person', 'the other visitor got staff_notice {notice:"unexpected_person"}');
    await visTwo.wait((l) => l.event === 'message' && l.type === 'staff_notice', 5000, 'staff_notice at the webrtcbin visitor');
    check(true, 'the visitor showing two faces got it too');
    const d = await monTwo.next('face_alert_decided', 5000);
    check(d.action === 'warn' && d.alert === alert.alert, 'the wall shows the decision');
  });

  await step('the visitor showing one face raises no alert over 60 s', async () => {
    // 60 s from when its video reached the analyser
    const started = await waitFor(() => /stream_started room=visit-one participant=vis-one/.test(fs.readFileSync(analyser.logPath, 'utf8')), 20000, 'visit-one analysed');
    const t = Date.now();
    check(started && await monOne.none('face_alert', 60000), `no face_alert in ${((Date.now() - t) / 1000).toFixed(0)} s of one face`);
    const n = (sig.log().match(/faces_report room=visit-one participant=vis-one faces=1/g) || []).length;
    const other = (sig.log().match(/faces_report room=visit-one participant=vis-one faces=[02-9]/g) || []).length;
    diag(`signalling had ${n} one-face reports and ${other} others for visit-one`);
    check(n >= 60, 'the one-face visitor was analysed all along');
  });

  await step('never the legal call, never the prisoner', async () => {
    const slog = sfu.log();
    check(/faces_analysed room=visit-two participant=vis-two/.test(slog), 'the SFU copies the social visitor\'s video');
    check(!/faces_analysed room=visit-legal/.test(slog), 'the SFU analyses nothing of the legal call');
    check(!/faces_analysed room=visit-two participant=pris-two/.test(slog), 'nor the prisoner');
    check(!/room=visit-legal/.test(fs.readFileSync(analyser.logPath, 'utf8')), 'the analyser never saw the legal call');
    await legal.wait((l) => l.event === 'joined', 1000, 'legal adviser joined');
  });

  await step('kill -9 of the analyser mid-call: the call goes on, the wall says analysis is unavailable', async () => {
    analyser.kill('SIGKILL');
    await analyser.exited;
    const t = Date.now();
    const m = await fresh(monTwo, (x) => x.type === 'face_analysis' && x.available === false, 10000);
    check(m.available === false, `face_analysis {available:false} ${((Date.now() - t) / 1000).toFixed(1)} s after the kill`);
    // a new subscriber decodes the visitor's video: forwarding never depended on the analyser
    const late = peer('late-monitor', 'visit-two', { sub: 'mon-late', role: 'staff_monitor', grants: MONITOR_GRANTS }, ['--no-publish', '--frames', '60']);
    const v2 = await late.wait((l) => l.result, 30000, 'verdict');
    check(v2.result === 'ok' && v2.frames >= 60, `a subscriber joining after the kill decoded ${v2.frames} frames of the call`);
    check(visTwo.proc.exitCode === null && peers[0].proc.exitCode === null, 'both participants are still in the call');
  });

  await step('a restarted analyser picks the call up again', async () => {
    analyser = startAnalyser();
    const m = await fresh(monTwo, (x) => x.type === 'face_analysis' && x.available === true, 15000);
    check(m.available === true, 'face_analysis {available:true} again');
    await waitFor(() => /stream_started room=visit-two participant=vis-two/.test(fs.readFileSync(analyser.logPath, 'utf8')), 15000, 'restream');
    const mark = sig.log().length;
    await waitFor(() => /faces_report room=visit-two participant=vis-two faces=2/.test(sig.log().slice(mark)), 15000, 'reports');
    check(true, 'the new analyser decodes the visitor\'s video and reports');
  });

  await step('staff end the call with a reason', async () => {
    monTwo.send({ type: 'face_alert_decision', alert: alert.alert, action: 'end', reason: 'A person not on the visit was present.' });
    const e = await family.next('visit_ended', 5000);
    check(e.reason === 'terminated_by_staff' && e.message === 'A person not on the visit was present.',
      'everyone gets visit_ended (terminated_by_staff) with the reason');
    const code = (await family.closed).code;
    check(code === 4000, 'closed with 4000');
  });
} finally {
  for (const p of peers) { try { p.proc.kill('SIGKILL'); } catch { /* gone */ } }
}
analyser.kill('SIGTERM');
const ex = await analyser.exited;
check(ex.code === 0, `the analyser stops cleanly on SIGTERM (${JSON.stringify(ex)})`);
await stopChecked(sig, 'signalling');
await stopChecked(sfu, 'sfu');
done();
