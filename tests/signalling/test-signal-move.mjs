#!/usr/bin/env node
// A lost SFU node moves its calls, with real media (issue 15, part 4): two
// GStreamer webrtcbin peers (tests/signalling/prog_signal_peer.c) publish
// VP8 + Opus in a recorded call and decode each other's video; the SFU node
// holding the call is killed with SIGKILL; signalling notices the control
// connection drop, recreates the room on the other node and tells each
// participant media_reset {reason:"node_lost"} and joined; the peers set up
// fresh peer connections and decode each other's video again. Asserted:
// frames decode both ways on the new node within 5 s of the loss being
// detected (the numbers are printed), booking hears call_moved once, and
// the recording goes on as a new recording session on the new node. Then
// the operator drains that node ([sfu] draining + SIGHUP): the call moves
// again (node_draining) to the third node, media both ways again within 5 s,
// the drained node's recording session is finalised and reported, a third
// session goes on, and its files reach booking when the call ends. ICE
// stays on loopback.
// timeout: 180
import fs from 'node:fs';
import path from 'node:path';
import {
  makeVar, startSfu, startSignal, startBookingReceiver, join, mint, claims, now, sleep, check, step, done, diag,
  TESTBIN, ORIGIN, MONITOR_GRANTS, sfuControl, stopChecked, ini,
  spawnSignalPeer,
} from './lib.mjs';

const v = makeVar('move');
const a = await startSfu(v);
const b = await startSfu(v);
const c3 = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, { sfus: [a, b, c3], booking: booking.url });
const room = 'visit-move-1';
const W = { start: now() - 60, end: now() + 1800 };
const sfus = { [a.url]: a, [b.url]: b, [c3.url]: c3 };

// A peer whose every stdout line is kept with the moment it arrived here.
function peer(name, c, extra = []) {
  const tokenFile = path.join(v.dir, `${name}.token`);
  fs.writeFileSync(tokenFile, mint(v, claims({ ...W, room, ...c })));
  const args = ['--url', sig.url, '--ca', `${v.dir}/tls/cert.pem`, '--origin', ORIGIN, '--room', room,
    '--token-file', tokenFile, '--timeout', '120', '--frames', '30', '--frames-after-reset', '60', '--resets', '2', '--linger', '15', ...extra];
  return spawnSignalPeer(name, args, v.logDir);
}

async function where() {
  for (const [url, s] of Object.entries(sfus)) {
    if (s.proc.exitInfo) continue;
    const c = await sfuControl(s, v);
    const st = await c.request('room_stats', { room });
    c.close();
    if (st.type === 'result') return url;
  }
  return null;
}
const esc = (x) => x.replace(/[/.?]/g, '\\$&');
const logTime = (re) => {
  const l = sig.log().split('\n').find((x) => re.test(x));
  return l ? Date.parse(l.match(/ts=(\S+)/)[1]) : null;
};
const sessions = () => {
  try { return fs.readdirSync(path.join(v.dir, 'recordings', room)).sort(); } catch { return []; }
};

// A hidden monitor (moderate grant) ends the call at the end.
const monitor = await join(sig, v, { ...W, room, sub: 'monitor-1', role: 'staff_monitor', grants: MONITOR_GRANTS });
const pa = peer('prisoner', { sub: 'prisoner-1', role: 'prisoner' });
const pb = peer('visitor', { sub: 'visitor-1', role: 'visitor', name: 'Val Visitor' });

let holder, other;
await step('both peers decode each other\'s video on the first node; the call is recorded there', async () => {
  await pa.wait((l) => l.event === 'flowing', 40000, 'video before the loss');
  await pb.wait((l) => l.event === 'flowing', 40000, 'video before the loss');
  holder = await where();
  await sig.waitLog(new RegExp(`event=recording_started room=${room} node=${esc(holder)}`), 10000);
  diag(`call on ${holder}; recording sessions so far: ${sessions().join(', ')}`);
  return !!holder && sessions().length === 1;
});

const tKill = Date.now();
sfus[holder].proc.kill('SIGKILL');
await step('the loss is detected and the call moves: each peer gets media_reset node_lost', async () => {
  const ra = await pa.wait((l) => l.event === 'media_reset', 10000, 'media_reset');
  const rb = await pb.wait((l) => l.event === 'media_reset', 10000, 'media_reset');
  return ra.reason === 'node_lost' && rb.reason === 'node_lost';
});
await step('frames decode both ways on the new node within 5 s of the loss being detected', async () => {
  const fa = await pa.wait((l) => l.event === 'first_frame_after_reset' && l.resets === 1, 15000, 'a frame after the move');
  const fb = await pb.wait((l) => l.event === 'first_frame_after_reset' && l.resets === 1, 15000, 'a frame after the move');
  const detected = logTime(new RegExp(`event=sfu_down node=${esc(holder)}`));
  const moved = logTime(new RegExp(`event=call_moved room=${room}`));
  const both = Math.max(fa.at, fb.at);
  other = await where();
  diag(`kill -> detected ${detected - tKill} ms; detected -> room on the new node ${moved - detected} ms`);
  diag(`detected -> first frame: prisoner ${fa.at - detected} ms, visitor ${fb.at - detected} ms; both ways ${both - detected} ms (${fa.width}x${fa.height})`);
  return detected && both - detected < 5000 && fa.width === 320 && fb.width === 320 && other && other !== holder;
});
await step('both peers decode 60 frames from the new transports', async () => {
  await pa.wait((l) => l.event === 'frames_after_reset' && l.resets === 1, 30000, '60 frames after the move');
  await pb.wait((l) => l.event === 'frames_after_reset' && l.resets === 1, 30000, '60 frames after the move');
  return true;
});
await step('booking hears call_moved {from_node, to_node, reason:"node_lost"} once, no call_ended, no leave', async () => {
  const m = await booking.waitFor((e) => e.type === 'call_moved' && e.visit_id === room);
  return m.data.from_node === holder && m.data.to_node === other && m.data.reason === 'node_lost' && m.data.recording === true
    && booking.events.filter((e) => e.type === 'call_moved').length === 1
    && !booking.events.some((e) => e.type === 'call_ended' || e.type === 'participant_left');
});
await step('the recording goes on as a new recording session on the new node', async () => {
  await sig.waitLog(new RegExp(`event=recording_started room=${room} node=${esc(other)}`), 10000);
  const t0 = Date.now();
  while (sessions().length < 2 && Date.now() - t0 < 10000) await sleep(100);
  diag(`recording sessions: ${sessions().join(', ')}`);
  return sessions().length === 2;
});

// ---- the operator drains the node the call moved to ----
let third;
const tDrain = Date.now();
fs.writeFileSync(sig.confPath, ini({ ...sig.conf, sfu: { ...sig.conf.sfu, draining: other, drain_moves: 'true' } }));
sig.proc.kill('SIGHUP');
await step('drain (SIGHUP): the call moves again (media_reset node_draining) and decodes both ways within 5 s', async () => {
  const ra = await pa.wait((l) => l.event === 'media_reset' && l.reason === 'node_draining', 10000, 'media_reset node_draining');
  await pb.wait((l) => l.event === 'media_reset' && l.reason === 'node_draining', 10000, 'media_reset node_draining');
  const fa = await pa.wait((l) => l.event === 'first_frame_after_reset' && l.resets === 2, 15000, 'a frame after the drain');
  const fb = await pb.wait((l) => l.event === 'first_frame_after_reset' && l.resets === 2, 15000, 'a frame after the drain');
  const drained = logTime(new RegExp(`event=sfu_draining node=${esc(other)}`));
  const both = Math.max(fa.at, fb.at);
  third = await where();
  diag(`SIGHUP -> draining logged ${drained - tDrain} ms; draining -> first frame both ways ${both - drained} ms`);
  return !!ra && both - drained < 5000 && third && third !== other && third !== holder;
});
await step('both peers decode 60 frames on the third node; booking hears the second move (node_draining)', async () => {
  const ra = await pa.wait((l) => l.result, 30000, 'a result');
  const rb = await pb.wait((l) => l.result, 30000, 'a result');
  const m = await booking.waitFor((e) => e.type === 'call_moved' && e.data.reason === 'node_draining');
  return ra.result === 'ok' && rb.result === 'ok' && m.data.from_node === other && m.data.to_node === third;
});
await step('the drained node\'s recording session is finalised and reported; a third session goes on', async () => {
  const second = sessions()[1];
  const t0 = Date.now();
  const of = (dir) => booking.events.filter((e) => e.type === 'recording_file' && e.data.path.includes(`/${dir}/`));
  while ((of(second).length < 2 || sessions().length < 3) && Date.now() - t0 < 15000) await sleep(100);
  diag(`recording sessions: ${sessions().join(', ')}; reported from the drained node's: ${of(second).map((f) => f.data.path).join(', ')}`);
  return of(second).length >= 2 && sessions().length === 3 && !booking.events.some((e) => e.type === 'recording_file' && e.data.path.includes(`/${sessions()[0]}/`));
});
await step('the call ends: the third session\'s files reach booking (recording_file), audio and video each', async () => {
  monitor.send({ type: 'end_call', reason: 'test over' });
  await monitor.next('visit_ended', 10000);
  const files = () => booking.events.filter((e) => e.type === 'recording_file' && e.visit_id === room);
  const t0 = Date.now();
  while (files().filter((f) => f.data.path.includes(`/${sessions()[2]}/`)).length < 2 && Date.now() - t0 < 20000) await sleep(100);
  const second = sessions()[2];
  const got = files().filter((f) => f.data.path.includes(`/${sessions()[2]}/`));
  diag(`recording_file: ${got.map((f) => `${f.data.path} (${f.data.size} B, tracks ${JSON.stringify(f.data.tracks)})`).join(', ')}`);
  // Each participant's piece on the new node holds its audio and its video.
  const kinds = (f) => JSON.stringify(f.data.tracks);
  return got.length >= 2 && got.every((f) => /audio|opus/i.test(kinds(f)) && /video|vp8/i.test(kinds(f))) && got.every((f) => f.data.path.includes(`/${second}/`)) && got.every((f) => f.data.size > 0);
});
await Promise.all([pa.exit, pb.exit]);
check(sig.proc.exitInfo === null, 'signal still running');
await stopChecked(sig, 'parlour-signal');
await booking.stop();
done();
