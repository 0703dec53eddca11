#!/usr/bin/env node
// ICE consent freshness (RFC 7675): a publisher that goes silent (its
// process is frozen with SIGSTOP: no close, no BYE, nothing) is dropped by
// the SFU after about 30 s, with its tracks unpublished and its resources
// freed; a peer that keeps talking is not dropped, and neither is one that
// is frozen for 12 s and then resumes. Junk does not keep a peer alive: a
// fourth publisher is frozen too while forged packets (RTP, RTCP and DTLS
// look-alikes that do not authenticate, and a STUN request with wrong
// credentials) arrive from its own address and port; it is dropped like
// the silent one. Two peers that only speak ICE (a STUN agent written
// here: it answers the SFU's checks, never sends DTLS or media) are dropped
// about 30 s after connecting whether they keep answering or not: the SFU
// keeps consent from authenticated traffic (SRTP/SRTCP, the DTLS
// handshake), which every WebRTC peer sends every few seconds, not from
// libnice's consent checks (sfu/peer_transport.c says why). Two peers whose
// ICE never completes (no candidate; a candidate that never answers) are
// given up on within 45 s of their offers (the first only by the SFU's own
// 30 s connect deadline).
// timeout: 180
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
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
// ---- a peer that speaks only ICE (RFC 8445 checks, RFC 7675 answers) ----
const COOKIE = 0x2112a442;
function stunAttr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc(pad)]);
}
// A STUN message with MESSAGE-INTEGRITY (HMAC-SHA1, short-term key) and
// FINGERPRINT, as ICE wants them.
function stunMessage(type, txid, attrs, key) {
  const head = (len) => {
    const b = Buffer.alloc(20);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(len, 2);
    b.writeUInt32BE(COOKIE, 4);
    txid.copy(b, 8);
    return b;
  };
  const body = Buffer.concat(attrs);
  const mi = crypto.createHmac('sha1', key).update(Buffer.concat([head(body.length + 24), body])).digest();
  const withMi = Buffer.concat([body, stunAttr(0x0008, mi)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((zlib.crc32(Buffer.concat([head(withMi.length + 8), withMi])) ^ 0x5354554e) >>> 0, 0);
  const all = Buffer.concat([withMi, stunAttr(0x8028, crc)]);
  return Buffer.concat([head(all.length), all]);
}
function xorMapped(addr, port) {
  const v = Buffer.alloc(8);
  v.writeUInt16BE(1, 0);
  v.writeUInt16BE(port ^ (COOKIE >>> 16), 2);
  const ip = addr.split('.').map(Number);
  v.writeUInt32BE((((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) ^ COOKIE) >>> 0, 4);
  return v;
}
async function icePeer(room, who) {
  const ufrag = `ice${who}`;
  const pwd = crypto.randomBytes(16).toString('hex');
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  onCleanup(() => { try { sock.close(); } catch { /* closed */ } });
  const st = { answering: true, answered: 0, firstSuccessAt: 0, sfuChecks: 0 };
  await ctl.request('participant_add', { room, participant: who });
  // setup:active: the SFU is the DTLS server and waits for a ClientHello
  // that never comes (no DTLS timer runs out), so only ICE consent decides.
  const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0', 'a=mid:0', `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`,
    `a=fingerprint:sha-256 ${Array.from(crypto.randomBytes(32)).map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
    'a=setup:active', 'a=sendonly', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=ssrc:4242 cname:ice', ''].join('\r\n');
  const ans = await ctl.request('publish_offer', { room, participant: who, sdp });
  if (ans.type !== 'result') throw new Error(`publish_offer for ${who}: ${JSON.stringify(ans)}`);
  const sfuUfrag = /a=ice-ufrag:(\S+)/.exec(ans.sdp)[1];
  const sfuPwd = /a=ice-pwd:(\S+)/.exec(ans.sdp)[1];
  const cand = /a=candidate:\S+ 1 udp \d+ (127\.0\.0\.1) (\d+) typ host/i.exec(ans.sdp);
  const sfuPort = Number(cand[2]);
  await ctl.request('ice_candidate', { room, participant: who, transport: 'publisher',
    candidate: `candidate:1 1 udp 2130706431 127.0.0.1 ${sock.address().port} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
  sock.on('message', (m, rinfo) => {
    if (m.length < 20 || m.readUInt32BE(4) !== COOKIE) return;
    const type = m.readUInt16BE(0);
    if (type === 0x0101) { if (!st.firstSuccessAt) st.firstSuccessAt = Date.now(); return; }
    if (type !== 0x0001) return;
    st.sfuChecks++;
    if (!st.answering) return;
    st.answered++;
    sock.send(stunMessage(0x0101, m.subarray(8, 20), [stunAttr(0x0020, xorMapped(rinfo.address, rinfo.port))], pwd),
      rinfo.port, rinfo.address);
  });
  // Our own checks (controlling, nominating) only until the SFU answered
  // one: after that nothing but answers comes from this peer.
  const tie = crypto.randomBytes(8);
  const prio = Buffer.alloc(4);
  prio.writeUInt32BE(1853824767, 0);
  for (let i = 0; i < 50 && !st.firstSuccessAt; i++) {
    sock.send(stunMessage(0x0001, crypto.randomBytes(12), [stunAttr(0x0006, Buffer.from(`${sfuUfrag}:${ufrag}`)),
      stunAttr(0x0024, prio), stunAttr(0x802a, tie), stunAttr(0x0025, Buffer.alloc(0))], sfuPwd), sfuPort, '127.0.0.1');
    await sleep(200);
  }
  return st;
}

// A peer whose ICE never completes: its offer arrives, then either no
// candidate ever does (it trickles none and never says it is done) or its
// one candidate is a socket that never answers. libnice alone waits for
// ever on the first (it fails the second itself); the SFU gives up 30 s
// after the offer.
async function neverConnects(room, who, withCandidate) {
  await ctl.request('participant_add', { room, participant: who });
  const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0', 'a=mid:0', `a=ice-ufrag:nv${who}`, `a=ice-pwd:${crypto.randomBytes(16).toString('hex')}`,
    `a=fingerprint:sha-256 ${Array.from(crypto.randomBytes(32)).map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
    'a=setup:actpass', 'a=sendonly', 'a=rtcp-mux', 'a=rtpmap:111 opus/48000/2', 'a=ssrc:4343 cname:nv', ''].join('\r\n');
  const ans = await ctl.request('publish_offer', { room, participant: who, sdp });
  if (ans.type !== 'result') throw new Error(`publish_offer for ${who}: ${JSON.stringify(ans)}`);
  const at = Date.now();
  if (withCandidate) {
    const sock = dgram.createSocket('udp4'); // bound, never reads or answers
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    onCleanup(() => { try { sock.close(); } catch { /* closed */ } });
    await ctl.request('ice_candidate', { room, participant: who, transport: 'publisher',
      candidate: `candidate:1 1 udp 2130706431 127.0.0.1 ${sock.address().port} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
  }
  // (wrapped: awaiting the caller must not wait for the drop itself)
  return { gone: ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === who, 70000)
    .then((e) => ({ e, secs: (Date.now() - at) / 1000 }), () => null) };
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
const noCandGone = await neverConnects('consent', 'nocand', false);
const deadCandGone = await neverConnects('consent', 'deadcand', true);
const iceOk = await icePeer('consent', 'iceok');
const iceStop = await icePeer('consent', 'icestop');
await sleep(3000);
check(iceOk.firstSuccessAt && iceStop.firstSuccessAt && iceOk.answered > 0 && iceStop.answered > 0,
  `two ICE-only peers connected (the SFU checked them ${iceOk.sfuChecks} and ${iceStop.sfuChecks} times)`);
const iceOkGone = ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'iceok', 90000)
  .then((e) => ({ e, secs: (Date.now() - iceOk.firstSuccessAt) / 1000 }), () => null);
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
iceStop.answering = false;
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
let iev = null;
try {
  const evs = await Promise.all([
    ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'mute', 60000),
    ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'junk', 60000).then((e) => { jev = { e, secs: (Date.now() - t0) / 1000 }; return e; }),
    ctl.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'icestop', 60000).then((e) => { iev = { e, secs: (Date.now() - t0) / 1000 }; return e; }),
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
diag(`ICE-only peer that stopped answering dropped ${iev ? iev.secs.toFixed(1) : '-'} s after the freeze (reason ${iev && iev.e.reason})`);
check(iev && iev.e.reason === 'ice_failed' && iev.secs <= 45,
  `an ICE-only peer that stops answering is dropped (${iev ? iev.secs.toFixed(1) : 'never'} s)`);
// libnice fails the unanswered pair by itself (7 s here); with no pair at
// all only the SFU's own connect deadline ends it.
for (const [name, w, least] of [['no candidate', noCandGone, 25], ['a candidate that never answers', deadCandGone, 0]]) {
  const g = await w.gone;
  diag(`a peer with ${name} dropped ${g ? g.secs.toFixed(1) : '-'} s after its offer (reason ${g && g.e.reason})`);
  check(g && g.e.reason === 'ice_failed' && g.secs >= least && g.secs <= 45,
    `a peer whose ICE never completes (${name}) is given up on within 45 s of its offer (${g ? g.secs.toFixed(1) : 'never'} s)`);
}
const un = ctl.events.filter((e) => e.event === 'track_unpublished' && e.participant === 'mute').length;
check(un === 2, `its 2 tracks were unpublished (${un})`);
const r = await ctl.request('room_stats', { room: 'consent' });
const names = r.participants.map((p) => p.participant).sort();
check(names.filter((n) => n !== 'iceok').join(',') === 'pause,talk', `their resources are freed; the others stay (${names.join(',')})`);
check(r.participants.filter((p) => p.participant !== 'iceok').every((p) => p.publisher.state === 'connected'), 'the others are still connected');
const before = r.participants.find((p) => p.participant === 'pause').publisher.packets_in;
await sleep(2000);
const r2 = await ctl.request('room_stats', { room: 'consent' });
const after = r2.participants.find((p) => p.participant === 'pause').publisher.packets_in;
check(after > before + 50, `the peer frozen for 12 s flows again (${before} -> ${after} packets)`);
// The ICE-only peer that keeps answering: STUN is not proof of a WebRTC
// peer (no DTLS, no SRTCP ever came), so it goes ~30 s after connecting.
const ig = await iceOkGone;
diag(`ICE-only peer that kept answering (${iceOk.answered} answers) dropped ${ig ? ig.secs.toFixed(1) : '-'} s after it connected`);
check(ig && ig.e.reason === 'ice_failed' && ig.secs >= 25 && ig.secs <= 45,
  `a peer that answers ICE checks but never starts DTLS or sends media is dropped about 30 s after connecting (${ig ? ig.secs.toFixed(1) : 'never'} s)`);
await done();
