#!/usr/bin/env node
// Sight-only monitoring, the SFU's own layer (core/sight_policy.h): in a
// room created audio_private (a legal call) a hidden participant (a monitor)
// decodes the video and gets no audio at all, even when the control API asks
// for it; a visible participant of the same room hears the audio; a hidden
// participant of an ordinary room still gets both (monitoring as before).
// timeout: 180
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSfu, Control, check, diag, done, TESTBIN, onCleanup } from './sfu_lib.mjs';

const sfu = await startSfu();
const ctl = await new Control(sfu.url).connect(sfu.secret);
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
const lastJson = (text) => {
  const lines = text.trim().split('\n').filter((l) => l.startsWith('{'));
  try { return JSON.parse(lines.pop()); } catch { return {}; }
};

// Bad input: audio_private must be a boolean.
let r = await ctl.request('room_create', { room: 'bad', audio_private: 'yes' });
check(r.type === 'error', 'room_create refuses a non-boolean audio_private', JSON.stringify(r));
r = await ctl.request('room_create', { room: 'legal', audio_private: true });
check(r.type === 'result' && r.audio_private === true, 'legal room created audio_private', JSON.stringify(r));
r = await ctl.request('room_create', { room: 'social' });
check(r.type === 'result' && r.audio_private === false, 'social room is not audio_private', JSON.stringify(r));

run('pub', ['--room', 'legal', '--participant', 'adviser', '--publish', '--duration', '150']);
run('pub2', ['--room', 'social', '--participant', 'visitor', '--publish', '--duration', '150']);
await ctl.waitEvent((e) => e.event === 'track_published' && e.room === 'legal' && e.track.kind === 'audio', 30000);
await ctl.waitEvent((e) => e.event === 'track_published' && e.room === 'social' && e.track.kind === 'audio', 30000);
const st0 = await ctl.request('room_stats', { room: 'legal' });
const tracks = st0.participants.find((p) => p.participant === 'adviser').tracks;
const audioId = tracks.find((t) => t.kind === 'audio').id;
const videoId = tracks.find((t) => t.kind === 'video').id;

// The control API asks for the legal call's audio for a hidden participant: refused.
r = await ctl.request('participant_add', { room: 'legal', participant: 'mon2', hidden: true, subscribe_all: false });
check(r.type === 'result', 'hidden participant added without subscriptions');
r = await ctl.request('subscribe', { room: 'legal', participant: 'mon2', track: audioId });
check(r.type === 'error' && r.code === 'audio_private', 'subscribe to the legal audio for a hidden participant is refused (audio_private)', JSON.stringify(r));
r = await ctl.request('subscribe', { room: 'legal', participant: 'mon2', track: videoId });
check(r.type === 'result', 'subscribe to the legal video for the hidden participant is accepted', JSON.stringify(r));
r = await ctl.request('room_stats', { room: 'legal' });
const mon2 = r.participants.find((p) => p.participant === 'mon2');
check(mon2.subscriptions.every((s) => s.kind !== 'audio') && mon2.subscriptions.some((s) => s.kind === 'video'),
  'the hidden participant has a video slot and no audio slot', JSON.stringify(mon2.subscriptions));
await ctl.request('participant_remove', { room: 'legal', participant: 'mon2' });

// Media: the monitor (subscribe_all, hidden) decodes video, gets no audio;
// the lawyer's client (visible) gets both; the social call's monitor both.
const mon = run('mon', ['--room', 'legal', '--participant', 'monitor', '--hidden', '--subscribe', '--frames', '100', '--audio', '0', '--timeout', '90']);
const cli = run('cli', ['--room', 'legal', '--participant', 'client', '--subscribe', '--frames', '60', '--audio', '50', '--timeout', '90']);
const smon = run('smon', ['--room', 'social', '--participant', 'smonitor', '--hidden', '--subscribe', '--frames', '60', '--audio', '50', '--timeout', '90']);
const [cm, cc, cs] = await Promise.all([mon.done, cli.done, smon.done]);
const om = lastJson(mon.out()), oc = lastJson(cli.out()), os = lastJson(smon.out());
diag(`monitor: ${JSON.stringify(om).slice(0, 300)}`);
check(cm === 0 && om.frames >= 100, `the legal call's monitor decoded ${om.frames} video frames`);
check(om.audio_buffers === 0, `the legal call's monitor decoded no audio (${om.audio_buffers} buffers)`);
check(cc === 0 && oc.audio_buffers >= 50, `the legal call's visible participant heard audio (${oc.audio_buffers} buffers)`);
check(cs === 0 && os.audio_buffers >= 50, `a social call's monitor still hears (${os.audio_buffers} buffers)`);
// The SFU's own account agrees: nothing of the audio went to the monitor.
r = await ctl.request('room_stats', { room: 'legal' });
const pm = r.participants.find((p) => p.participant === 'monitor');
if (pm) {
  check(pm.subscriptions.every((s) => s.kind !== 'audio'), 'SFU stats: the monitor has no audio subscription');
  check((pm.drops?.private_audio ?? 0) === 0, 'no private audio even reached the last check (no slot was made)');
} else {
  diag('monitor left before the final stats; its last stats from the peer program:');
  const sub = (om.stats?.participants || []).find((p) => p.participant === 'monitor');
  check(!sub || sub.subscriptions.every((s) => s.kind !== 'audio'), 'SFU stats (peer-reported): no audio subscription for the monitor');
}
await done();
