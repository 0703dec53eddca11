#!/usr/bin/env node
// Recording through the real network path: a webrtcbin publisher in a
// recordable room, record_start, ~6 s of call, record_stop. The SFU reports
// the file (recording_file, recording_finished); the file exists with the
// reported size and SHA-256 and gst-discoverer reads it as VP8 + Opus of
// about the recorded length. A room created not recordable refuses
// record_start and nothing is created for it.
// timeout: 180
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startSfu, Control, check, diag, done, sleep, TESTBIN, onCleanup } from './sfu_lib.mjs';

// GStreamer (the recorder) makes GLib replace its quark table on purpose;
// tests/lsan.supp recognises that block by its constructor frame, which
// needs the slow unwinder to be seen (only matters under ASan).
const sfu = await startSfu({ env: { ASAN_OPTIONS: `${process.env.ASAN_OPTIONS || 'detect_leaks=1'}:fast_unwind_on_malloc=0` } });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const recDir = path.join(sfu.dir, 'recordings');
const peer = path.join(TESTBIN, 'sfu/prog_webrtc_peer');
const procs = [];
onCleanup(() => { for (const p of procs) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });
function run(name, args) {
  const out = path.join(sfu.dir, `${name}.out`);
  const p = spawn(peer, ['--url', sfu.url, '--secret-file', sfu.secretFile, ...args],
    { stdio: ['ignore', fs.openSync(out, 'w'), fs.openSync(path.join(sfu.dir, `${name}.log`), 'w')] });
  procs.push(p);
  return { p, done: new Promise((res) => p.on('exit', (c) => res(c))), out: () => fs.readFileSync(out, 'utf8') };
}

let r = await ctl.request('room_create', { room: 'legal1', recordable: false });
r = await ctl.request('record_start', { room: 'legal1' });
check(r.code === 'room_not_recordable', 'record_start in a room created not recordable: room_not_recordable');
check(!fs.existsSync(path.join(recDir, 'legal1')), '... and nothing was created for it');

r = await ctl.request('room_create', { room: 'social1', recordable: true });
check(r.type === 'result', 'recordable room created');
r = await ctl.request('record_stop', { room: 'social1' });
check(r.code === 'wrong_state', 'record_stop before record_start: wrong_state');
run('pub', ['--room', 'social1', '--participant', 'alice', '--publish', '--duration', '60']);
await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'alice' && e.state === 'connected', 30000);
await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 5000);
r = await ctl.request('record_start', { room: 'social1' });
check(r.type === 'result' && r.recording === true && typeof r.dir === 'string', 'record_start: recording', JSON.stringify(r));
const started = await ctl.waitEvent((e) => e.event === 'recording_started', 5000).catch(() => null);
check(!!started, 'recording_started event');
r = await ctl.request('record_start', { room: 'social1' });
check(r.code === 'wrong_state', 'record_start twice: wrong_state');
await sleep(6000); // the recording's length: the file's duration is checked against it
const st = await ctl.request('room_stats', { room: 'social1' });
check(st.recording === true && st.recorder && st.recorder.packets_queued > 100, `room_stats shows the recorder fed (${st.recorder && st.recorder.packets_queued} packets)`);
r = await ctl.request('record_stop', { room: 'social1' });
check(r.type === 'result' && r.recording === false, 'record_stop');
const file = await ctl.waitEvent((e) => e.event === 'recording_file', 30000).catch(() => null);
const fin = await ctl.waitEvent((e) => e.event === 'recording_finished', 30000).catch(() => null);
check(file && fin, 'recording_file and recording_finished events', JSON.stringify({ file, fin }).slice(0, 600));
if (file) {
  diag(JSON.stringify(file).slice(0, 500));
  const p = path.isAbsolute(file.path) ? file.path : path.join(recDir, file.path);
  check(fs.existsSync(p) && p.startsWith(recDir), `the file is in the configured directory (${p})`);
  const buf = fs.existsSync(p) ? fs.readFileSync(p) : Buffer.alloc(0);
  check(buf.length === file.size && buf.length > 10000, `size as reported (${buf.length})`);
  check(crypto.createHash('sha256').update(buf).digest('hex') === file.sha256, 'SHA-256 as reported');
  check(file.participant === 'alice' && file.complete === true, 'alice\'s piece, complete');
  let info = '';
  try { info = execFileSync('gst-discoverer-1.0', [p], { encoding: 'utf8', timeout: 30000 }); } catch (e) { info = String(e.stdout || e); }
  const dur = /Duration: (\d+):(\d+):([\d.]+)/.exec(info);
  const secs = dur ? Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]) : -1;
  diag(`gst-discoverer: duration ${secs} s; ${/VP8/.test(info) ? 'VP8' : 'no VP8'}, ${/Opus/i.test(info) ? 'Opus' : 'no Opus'}`);
  check(/VP8/.test(info) && /Opus/i.test(info), 'gst-discoverer reads VP8 video and Opus audio');
  check(secs >= 4.5 && secs <= 8.5, `duration about the 6 s recorded (${secs} s)`);
}
await done();
