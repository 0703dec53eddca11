#!/usr/bin/env node
// Random and hostile datagrams at the SFU's media ports during a live
// webrtcbin call: pure noise, STUN-, DTLS-, RTP- and RTCP-looking junk, from
// strange source ports, at every port of the media range. The call must go
// on (the subscriber keeps decoding) and the SFU must not crash.
// timeout: 180
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSfu, Control, check, diag, done, sleep, TESTBIN, onCleanup } from './sfu_lib.mjs';

const sfu = await startSfu();
const ctl = await new Control(sfu.url).connect(sfu.secret);
const peer = path.join(TESTBIN, 'sfu/prog_webrtc_peer');
const procs = [];
function run(name, args) {
  const out = path.join(sfu.dir, `${name}.out`);
  const p = spawn(peer, ['--url', sfu.url, '--secret-file', sfu.secretFile, ...args],
    { stdio: ['ignore', fs.openSync(out, 'w'), fs.openSync(path.join(sfu.dir, `${name}.log`), 'w')] });
  const done = new Promise((res) => p.on('exit', (code) => res(code)));
  procs.push(p);
  return { p, done, out: () => fs.readFileSync(out, 'utf8') };
}
onCleanup(() => { for (const p of procs) { try { p.kill('SIGTERM'); } catch { /* gone */ } } });

const pub = run('pub', ['--room', 'junk', '--participant', 'alice', '--create-room', '--publish', '--duration', '90']);
for (let i = 0; i < 300 && !/published/.test(pub.out()); i++) await sleep(100);
check(/published/.test(pub.out()), 'publisher connected');
// 450 frames at 30 fps: the subscriber decodes for ~15 s while we blast.
const sub = run('sub', ['--room', 'junk', '--participant', 'bob', '--subscribe', '--frames', '450', '--audio', '100', '--timeout', '60']);
let ports = [];
for (let i = 0; i < 200; i++) {
  const r = await ctl.request('room_stats', { room: 'junk' });
  ports = r.participants.flatMap((p) => [p.publisher, p.subscriber]).filter((t) => t && t.state === 'connected').map((t) => t.local_port);
  if (ports.length === 2) break;
  await sleep(100);
}
check(ports.length === 2, `both transports connected (media ports ${ports.join(', ')})`);

const sock = dgram.createSocket('udp4');
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
const rnd = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256)));
const kinds = {
  noise: () => rnd(1 + Math.floor(Math.random() * 1400)),
  stun: () => { const b = rnd(20 + Math.floor(Math.random() * 100)); b[0] = 0; b[1] = 1; b.writeUInt32BE(0x2112a442, 4); return b; },
  dtls: () => { const b = rnd(13 + Math.floor(Math.random() * 300)); b[0] = 22; b[1] = 0xfe; b[2] = 0xfd; return b; },
  rtp: () => { const b = rnd(12 + Math.floor(Math.random() * 1200)); b[0] = 0x80 | (b[0] & 0x3f); b[1] = 96; return b; },
  rtcp: () => { const b = rnd(8 + Math.floor(Math.random() * 200)); b[0] = 0x81; b[1] = 200 + Math.floor(Math.random() * 8); return b; },
  tiny: () => rnd(Math.floor(Math.random() * 4)),
};
const send = (buf, port) => new Promise((r) => sock.send(buf, port, '127.0.0.1', () => r()));
let sent = 0;
const t0 = Date.now();
while (Date.now() - t0 < 8000) {
  for (const k of Object.keys(kinds)) {
    for (const port of ports) { await send(kinds[k](), port); sent++; }
  }
  // And every port of the range now and then.
  if (sent % 600 === 0) for (let p = sfu.mediaMin; p <= sfu.mediaMax; p++) { await send(kinds.noise(), p); sent++; }
  await sleep(2); // the blast's pace
}
sock.close();
diag(`sent ${sent} junk datagrams`);
check(sfu.alive(), 'SFU alive after the junk');
const code = await sub.done;
const last = sub.out().trim().split('\n').pop();
diag(`subscriber: ${last.slice(0, 300)}`);
check(code === 0, 'the subscriber kept decoding through it (450 frames)');
const r = await ctl.request('room_stats', { room: 'junk' });
const undec = r.participants.flatMap((p) => [p.publisher, p.subscriber]).filter(Boolean).reduce((a, t) => a + t.undecryptable, 0);
diag(`SFU counted ${undec} undecryptable packets`);
check(r.type === 'result' && r.participants.length === 2, 'room intact, both participants still there');
// Junk from strange ports never authenticates, so it never reaches the
// engine: the engine's drop counts (by reason, every key present) stay what
// the call itself produced, and the room's total is at least the sum of its
// participants'.
const reasons = ['oversize', 'rtp_parse', 'unknown_ssrc', 'ssrc_bind', 'spoofed_ssrc', 'rtx_padding',
  'rtx_unwrap', 'rtx_duplicate', 'router', 'vp8_rewrite', 'ext_rewrite', 'twcc_stamp', 'send',
  'video_blocked', 'subscriber_rtp', 'rtcp_parse', 'private_audio'];
const keysOk = (d) => d && reasons.every((k) => Number.isInteger(d[k]) && d[k] >= 0) && Object.keys(d).length === reasons.length;
check(keysOk(r.drops) && r.participants.every((p) => keysOk(p.drops)), 'room_stats and participant_stats count drops by reason');
const partSum = (k) => r.participants.reduce((a, p) => a + p.drops[k], 0);
check(reasons.every((k) => r.drops[k] >= partSum(k)), 'the room\'s drops include its participants\'');
check(['oversize', 'rtp_parse', 'spoofed_ssrc', 'subscriber_rtp'].every((k) => r.drops[k] === 0),
  `no oversize, malformed, spoofed or misdirected RTP from the honest peers (${JSON.stringify(r.drops)})`);
check(sfu.alive(), 'SFU alive at the end');
await done();
