#!/usr/bin/env node
// ICE consent freshness (RFC 7675): a publisher that goes silent (its
// process is frozen with SIGSTOP: no close, no BYE, nothing) is dropped by
// the SFU after about 30 s, with its tracks unpublished and its resources
// freed; a peer that keeps talking is not dropped, and neither is one that
// is frozen for 12 s and then resumes. Junk does not keep a peer alive: a
// fourth publisher is frozen too while forged packets (RTP, RTCP and DTLS
// look-alikes that do not authenticate, and a STUN request with wrong
// credentials) arrive from its own address and port; it is dropped like
// the silent one.
// timeout: 180
import { spawn, execFileSync } from 'node:child_process';
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
const junked = run('junked', ['--room', 'consent', '--participant', 'junk', '--publish', '--duration', '150']);
await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'junk' && e.state === 'connected', 30000);
check(true, 'four publishers connected');
const junkSfuPort = (await ctl.request('participant_stats', { room: 'consent', participant: 'junk' })).publisher.local_port;
// The frozen peer's own UDP ports (loopback only, see prog_webrtc_peer).
const junkPeerPorts = execFileSync('ss', ['-Hunap'], { encoding: 'utf8' }).split('\n')
  .filter((l) => l.includes(`pid=${junked.p.pid},`))
  .map((l) => l.trim().split(/\s+/)[3] || '')
  .filter((a) => a.startsWith('127.0.0.1:'))
  .map((a) => Number(a.split(':').pop()))
  .filter((p, i, all) => p > 0 && all.indexOf(p) === i);
check(junkPeerPorts.length > 0 && junkSfuPort > 0, `the junk peer's ports ${junkPeerPorts.join(',')} -> SFU ${junkSfuPort}`);
// Forged datagrams from the peer's address (a raw socket: the frozen
// process still holds the ports): 5 per port every 200 ms, loopback only,
// until killed (at most 60 s).
const SPRAY = `
import socket, struct, sys, time, os
src_ports = [int(p) for p in sys.argv[1].split(',')]
dst = int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
def csum(b):
    if len(b) % 2: b += b'\\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff
rtp = bytes([0x80, 96]) + os.urandom(10) + os.urandom(100)
rtcp = bytes([0x80, 200, 0, 6]) + os.urandom(24) + os.urandom(14)
dtls = bytes([23, 0xfe, 0xfd]) + os.urandom(10) + struct.pack('!H', 40) + os.urandom(40)
user = b'nobody:nothing'  # 14 bytes, padded to 16
stun = (struct.pack('!HHI', 1, 4 + 16 + 4 + 20, 0x2112A442) + os.urandom(12) +
        struct.pack('!HH', 6, len(user)) + user + bytes(2) + struct.pack('!HH', 8, 20) + os.urandom(20))
end = time.time() + 60
while time.time() < end:
    for sp in src_ports:
        for body in (rtp, rtcp, dtls, stun, os.urandom(60)):
            ln = 8 + len(body)
            ph = struct.pack('!4s4sBBH', socket.inet_aton('127.0.0.1'), socket.inet_aton('127.0.0.1'), 0, 17, ln)
            hdr = struct.pack('!HHHH', sp, dst, ln, 0)
            c = csum(ph + hdr + body) or 0xffff
            s.sendto(struct.pack('!HHHH', sp, dst, ln, c) + body, ('127.0.0.1', 0))
    time.sleep(0.2)
`;
silent.p.kill('SIGSTOP');
pauser.p.kill('SIGSTOP');
junked.p.kill('SIGSTOP');
const sprayer = spawn('/usr/bin/python3', ['-c', SPRAY, junkPeerPorts.join(','), String(junkSfuPort)], { stdio: ['ignore', 'ignore', 'inherit'] });
procs.push(sprayer);
setTimeout(() => pauser.p.kill('SIGCONT'), 12000);
const t0 = Date.now();
await sleep(5000);
const js = await ctl.request('participant_stats', { room: 'consent', participant: 'junk' });
const jp = js.publisher || {};
check(jp.undecryptable > 0, `the forged packets reach the junk peer's transport (${jp.undecryptable} undecryptable in 5 s)`);
let ev = null;
let jev = null;
try {
  const evs = await Promise.all([
    ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'mute', 60000),
    ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'junk', 60000).then((e) => { jev = { e, secs: (Date.now() - t0) / 1000 }; return e; }),
  ]);
  ev = evs[0];
} catch (e) { diag(String(e)); }
const secs = (Date.now() - t0) / 1000;
sprayer.kill('SIGKILL');
diag(`silent peer dropped after ${secs.toFixed(1)} s (reason ${ev && ev.reason})`);
check(ev && ev.reason === 'ice_failed', 'the silent peer is dropped with reason ice_failed');
check(secs >= 20 && secs <= 45, `... after about 30 s (${secs.toFixed(1)} s)`);
diag(`junk-fed peer dropped after ${jev ? jev.secs.toFixed(1) : '-'} s (reason ${jev && jev.e.reason})`);
check(jev && jev.e.reason === 'ice_failed' && jev.secs >= 20 && jev.secs <= 45,
  `junk from the peer's own address does not keep it alive: dropped after ${jev ? jev.secs.toFixed(1) : 'never'} s`);
const un = ctl.events.filter((e) => e.event === 'track_unpublished' && e.participant === 'mute').length;
check(un === 2, `its 2 tracks were unpublished (${un})`);
const r = await ctl.request('room_stats', { room: 'consent' });
const names = r.participants.map((p) => p.participant).sort();
check(names.join(',') === 'pause,talk', `their resources are freed; the others stay (${names.join(',')})`);
check(r.participants.every((p) => p.publisher.state === 'connected'), 'the others are still connected');
const before = r.participants.find((p) => p.participant === 'pause').publisher.packets_in;
await sleep(2000);
const r2 = await ctl.request('room_stats', { room: 'consent' });
const after = r2.participants.find((p) => p.participant === 'pause').publisher.packets_in;
check(after > before + 50, `the peer frozen for 12 s flows again (${before} -> ${after} packets)`);
await done();
