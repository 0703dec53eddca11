#!/usr/bin/env node
// ICE consent freshness (RFC 7675): a publisher that goes silent (its
// process is frozen with SIGSTOP: no close, no BYE, nothing) is dropped by
// the SFU after about 30 s, with its tracks unpublished and its resources
// freed; a peer that keeps talking is not dropped, and neither is one that
// is frozen for 12 s and then resumes.
// timeout: 180
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSfu, Control, check, diag, done, sleep, TESTBIN, onCleanup } from './sfu_lib.mjs';

const sfu = await startSfu();
const ctl = await new Control(sfu.url).connect(sfu.secret);
const peer = path.join(TESTBIN, 'sfu/prog_webrtc_peer');
const procs = [];
onCleanup(() => { for (const p of procs) { try { p.kill('SIGCONT'); p.kill('SIGKILL'); } catch { /* gone */ } } });
function run(name, args) {
  const out = path.join(sfu.dir, `${name}.out`);
  const p = spawn(peer, ['--url', sfu.url, '--secret-file', sfu.secretFile, ...args],
    { stdio: ['ignore', fs.openSync(out, 'w'), fs.openSync(path.join(sfu.dir, `${name}.log`), 'w')] });
  procs.push(p);
  return { p, out: () => fs.readFileSync(out, 'utf8') };
}
const silent = run('silent', ['--room', 'consent', '--participant', 'mute', '--create-room', '--publish', '--duration', '150']);
await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'mute' && e.state === 'connected', 30000);
const talker = run('talker', ['--room', 'consent', '--participant', 'talk', '--publish', '--duration', '150']);
await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'talk' && e.state === 'connected', 30000);
const pauser = run('pauser', ['--room', 'consent', '--participant', 'pause', '--publish', '--duration', '150']);
await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'pause' && e.state === 'connected', 30000);
check(true, 'three publishers connected');
silent.p.kill('SIGSTOP');
pauser.p.kill('SIGSTOP');
setTimeout(() => pauser.p.kill('SIGCONT'), 12000);
const t0 = Date.now();
let ev = null;
try {
  ev = await ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'mute', 60000);
} catch (e) { diag(String(e)); }
const secs = (Date.now() - t0) / 1000;
diag(`silent peer dropped after ${secs.toFixed(1)} s (reason ${ev && ev.reason})`);
check(ev && ev.reason === 'ice_failed', 'the silent peer is dropped with reason ice_failed');
check(secs >= 20 && secs <= 45, `... after about 30 s (${secs.toFixed(1)} s)`);
const un = ctl.events.filter((e) => e.event === 'track_unpublished' && e.participant === 'mute').length;
check(un === 2, `its 2 tracks were unpublished (${un})`);
const r = await ctl.request('room_stats', { room: 'consent' });
const names = r.participants.map((p) => p.participant).sort();
check(names.join(',') === 'pause,talk', `its resources are freed; the others stay (${names.join(',')})`);
check(r.participants.every((p) => p.publisher.state === 'connected'), 'the others are still connected');
const before = r.participants.find((p) => p.participant === 'pause').publisher.packets_in;
await sleep(2000);
const r2 = await ctl.request('room_stats', { room: 'consent' });
const after = r2.participants.find((p) => p.participant === 'pause').publisher.packets_in;
check(after > before + 50, `the peer frozen for 12 s flows again (${before} -> ${after} packets)`);
await done();
