#!/usr/bin/env node
// End to end with the real SFU: two participants (a prisoner and a visitor)
// join through parlour-signal over wss with their join tokens, publish VP8 +
// Opus from GStreamer webrtcbin (tests/signalling/prog_signal_peer.c), and
// each decodes the other's video through the SFU. A hidden monitor joins
// too and decodes the call without publishing. Then a network change in a
// second call: a participant reconnects and media resumes both ways with
// no leave/join flicker. ICE stays on loopback.
// timeout: 180
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  makeVar, startSfu, startSignal, mint, claims, now, check, step, done, diag, TESTBIN, ORIGIN, MONITOR_GRANTS,
  stopChecked,
} from './lib.mjs';

const v = makeVar('e2e');
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu] });
const room = 'visit-e2e-1';
const W = { start: now() - 60, end: now() + 1800 };

function peer(name, c, extra = [], rm = room) {
  const tokenFile = path.join(v.dir, `${name}.token`);
  fs.writeFileSync(tokenFile, mint(v, claims({ ...W, room: rm, ...c })));
  const args = ['--url', sig.url, '--ca', `${v.dir}/tls/cert.pem`, '--origin', ORIGIN, '--room', rm,
    '--token-file', tokenFile, '--timeout', '60', ...(extra.includes('--frames') ? [] : ['--frames', '30']), ...extra];
  const p = spawn(path.join(TESTBIN, 'signalling/prog_signal_peer'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(path.join(v.logDir, `${name}.log`));
  let out = '';
  p.stdout.on('data', (d) => { out += d; log.write(d); });
  p.stderr.on('data', (d) => log.write(d));
  return new Promise((resolve) => p.on('exit', (code) => {
    const lines = out.trim().split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } });
    resolve({ code, lines, verdict: lines[lines.length - 1] || {} });
  }));
}

const t0 = Date.now();
// Linger so that whoever finishes first keeps publishing for the other.
const [a, b, m] = await Promise.all([
  peer('prisoner', { sub: 'prisoner-1', role: 'prisoner' }, ['--linger', '8']),
  peer('visitor', { sub: 'visitor-1', role: 'visitor' }, ['--linger', '8']),
  peer('monitor', { sub: 'monitor-1', role: 'staff_monitor', grants: MONITOR_GRANTS }, ['--no-publish']),
]);
diag(`prisoner: ${JSON.stringify(a.verdict)}`);
diag(`visitor:  ${JSON.stringify(b.verdict)}`);
diag(`monitor:  ${JSON.stringify(m.verdict)}`);
diag(`all done in ${Date.now() - t0} ms`);
for (const [name, r] of [['prisoner', a], ['visitor', b]]) {
  check(r.code === 0 && r.verdict.frames >= 30 && r.verdict.width === 320 && r.verdict.height === 240,
    `${name} decoded the other's 320x240 video through signalling and the SFU (${r.verdict.frames} frames, first at ${r.verdict.first_frame_ms} ms)`);
}
check(a.lines.some((l) => l.event === 'joined' && l.recording === true), 'the join answer said recording:true before media');
check(m.code === 0 && m.verdict.frames >= 30, `the hidden monitor decoded the call without publishing (${m.verdict.frames} frames)`);
check(![...a.lines, ...b.lines].some((l) => JSON.stringify(l).includes('monitor-1')), 'neither participant ever heard of the monitor');

// A network change with media flowing: the visitor drops its signalling
// connection (no leave) after 20 decoded frames, joins again with the same
// token within the grace, sets its peer connections up afresh and must
// decode 30 more frames; the prisoner keeps decoding the visitor's new
// tracks (150 frames in all, most after the change) and never hears that
// anyone left or joined.
const room2 = 'visit-e2e-2';
const [ra, rb] = await Promise.all([
  peer('prisoner2', { sub: 'prisoner-2', role: 'prisoner' }, ['--frames', '150', '--linger', '3'], room2),
  peer('visitor2', { sub: 'visitor-2', role: 'visitor' }, ['--reconnect-after', '20', '--frames', '30', '--linger', '8'], room2),
]);
diag(`prisoner2: ${JSON.stringify(ra.verdict)}`);
diag(`visitor2:  ${JSON.stringify(rb.verdict)}`);
check(rb.code === 0 && rb.verdict.reconnected === true && rb.verdict.frames >= 30,
  `after a network change the visitor rejoined (reconnected:true) and decoded ${rb.verdict.frames} frames in the new session`);
const presence = ra.lines.filter((l) => l.event === 'message' && /^participant_(left|joined)$/.test(l.type)).map((l) => l.type);
check(ra.code === 0 && ra.verdict.frames >= 150 && !presence.includes('participant_left') && presence.length <= 1,
  `the prisoner kept decoding across the visitor's reconnect (${ra.verdict.frames} frames) and saw no leave/join flicker (${presence.join(',') || 'none'})`);
check(sig.proc.exitInfo === null && sfu.proc.exitInfo === null, 'signal and SFU still running');
await stopChecked(sig, 'parlour-signal');
done();
