#!/usr/bin/env node
// The SFU control API (docs/sfu-control.md), message by message, with the
// bad input it must refuse: auth first, malformed JSON, unknown types and
// fields, wrong types, unknown rooms/participants/tracks, bad SDP, wrong
// state, policy (room_full, room_not_recordable), garbage bytes and an
// oversized message. Every refusal leaves the room and the others as they were.
// timeout: 120
import { startSfu, Control, check, diag, done, httpGet, sleep, ok, notOk } from './sfu_lib.mjs';
import WebSocket from 'ws';

const FP = Array.from({ length: 32 }, (_, i) => ((i * 7 + 3) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':');
export function fakeOffer({ mids = ['0', '1'], bundle = true, rtcpMux = true, fingerprint = FP, ufrag = 'abcd' } = {}) {
  const lines = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0'];
  if (bundle) lines.push(`a=group:BUNDLE ${mids.join(' ')}`);
  mids.forEach((mid, i) => {
    const video = i % 2 === 1;
    lines.push(video ? 'm=video 9 UDP/TLS/RTP/SAVPF 96 97' : 'm=audio 9 UDP/TLS/RTP/SAVPF 111');
    lines.push('c=IN IP4 0.0.0.0', `a=mid:${mid}`, `a=ice-ufrag:${ufrag}`, 'a=ice-pwd:0123456789abcdefghijklmn');
    if (fingerprint) lines.push(`a=fingerprint:sha-256 ${fingerprint}`);
    lines.push('a=setup:actpass', 'a=sendonly');
    if (rtcpMux) lines.push('a=rtcp-mux');
    if (video) lines.push('a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack', 'a=rtcp-fb:96 nack pli', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96');
    else lines.push('a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1');
    lines.push(`a=ssrc:${1000 + i} cname:x`);
  });
  return lines.join('\r\n') + '\r\n';
}

const sfu = await startSfu();
const h = await httpGet(`http://127.0.0.1:${sfu.port}/healthz`);
check(h.status === 200 && JSON.parse(h.body).status === 'ok', 'GET /healthz answers ok');
check(!('strict-transport-security' in h.headers), 'plain-HTTP control socket: no Strict-Transport-Security header', JSON.stringify(h.headers));

// --- bound to the configured address only ---
// [control] address = 127.0.0.1 must not mean every interface: libwebsockets
// 4.1 bound the IPv6 wildcard for an IPv4 address until httpd asked it for
// an IPv4 socket. 127.0.0.2 is another local address the wildcard would
// answer on; the port must be closed there.
{
  const net = await import('node:net');
  const elsewhere = await new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.2', port: sfu.port });
    c.once('connect', () => { c.destroy(); resolve('connected'); });
    c.once('error', (e) => resolve(e.code));
  });
  check(elsewhere === 'ECONNREFUSED', `control port listens on 127.0.0.1 only (127.0.0.2: ${elsewhere})`);
}

// --- Origin: a browser always sends one, signalling never does ---
// The upgrade is refused before any websocket exists (no auth, no message).
async function upgradeWith(headers) {
  const ws = new WebSocket(sfu.url, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => { ws.close(); resolve('open'); });
    ws.once('unexpected-response', (_req, res) => { resolve(`refused ${res.statusCode}`); ws.terminate(); });
    ws.once('error', (e) => resolve(`refused (${e.message})`));
  });
}
for (const [what, headers] of [['Origin: https://visits.example', { Origin: 'https://visits.example' }],
  ['Origin: null (a sandboxed page)', { Origin: 'null' }], ['an empty Origin', { Origin: '' }],
  ['Origin: http://127.0.0.1 (a local page)', { Origin: `http://127.0.0.1:${sfu.port}` }]]) {
  const r = await upgradeWith(headers);
  check(r.startsWith('refused'), `control upgrade with ${what}: ${r}`);
}
check(await upgradeWith({}) === 'open', 'control upgrade without Origin (as signalling connects): opens');

// --- auth ---
{
  const c = await new Control(sfu.url).connect(null, { auth: false });
  const r = await c.raw({ type: 'auth', secret: 'wrong-secret-of-enough-length' });
  check(r.type === 'error' && r.code === 'unauthorized', 'wrong secret: unauthorized', JSON.stringify(r));
  const cl = await c.waitClosed();
  check(cl && cl.code === 1008, 'wrong secret: socket closed with 1008', JSON.stringify(cl));
}
{
  const c = await new Control(sfu.url).connect(null, { auth: false });
  const r = await c.raw({ id: 1, type: 'room_create', room: 'x' });
  check(r.code === 'unauthorized', 'a request before auth is refused');
  check((await c.waitClosed())?.code === 1008, '... and closes the socket');
}
{
  const c = await new Control(sfu.url).connect(null, { auth: false });
  const r = await c.raw('not json at all');
  check(r.code === 'unauthorized', 'garbage as the first message is refused');
}

const c = await new Control(sfu.url).connect(sfu.secret);
ok('auth with the right secret: auth_ok');
const watcher = await new Control(sfu.url).connect(sfu.secret);

// --- shape errors ---
let r = await c.raw('{"id":1, "type": ');
check(r.type === 'error' && r.code === 'bad_json' && r.id === null, 'truncated JSON: bad_json with id null', JSON.stringify(r));
r = await c.raw('[1,2,3]');
check(r.code === 'bad_json', 'a JSON array: bad_json');
r = await c.raw({ type: 'room_create', room: 'a' });
check(r.code === 'bad_request' && r.field === 'id', 'missing id: bad_request field id', JSON.stringify(r));
r = await c.request('room_explode', { room: 'a' });
check(r.code === 'unknown_type', 'unknown type: unknown_type');
r = await c.request('room_create', { room: 'a', colour: 'red' });
check(r.code === 'unknown_field' && r.field === 'colour', 'unknown field: unknown_field naming it', JSON.stringify(r));
r = await c.request('room_create', {});
check(r.code === 'bad_request' && r.field === 'room', 'missing room: bad_request field room');
r = await c.request('room_create', { room: 'bad room/../x' });
check(r.code === 'bad_request' && r.field === 'room', 'room id with spaces and slashes refused');
r = await c.request('room_create', { room: 'a', max_participants: 0 });
check(r.code === 'bad_request' && r.field === 'max_participants', 'max_participants 0 refused');
r = await c.request('room_create', { room: 'a', recordable: 'yes' });
check(r.code === 'bad_request' && r.field === 'recordable', 'recordable must be a boolean');
const sid = await c.request('room_stats', { room: 'nope' });
check(sid.code === 'room_not_found' && sid.id === c.nextId - 1, 'unknown room: room_not_found, id echoed');
r = await new Promise((res) => { c.ws.send(JSON.stringify({ id: 'str-id-7', type: 'room_stats', room: 'nope' })); c.pending.set(JSON.stringify('str-id-7'), { resolve: res, reject: () => {} }); });
check(r.id === 'str-id-7', 'a string id is echoed unchanged');

// --- rooms and participants ---
r = await c.request('room_create', { room: 'v1', max_participants: 2, recordable: false });
check(r.type === 'result' && r.room === 'v1' && Number.isInteger(r.worker), 'room_create: result with worker', JSON.stringify(r));
r = await c.request('room_create', { room: 'v1' });
check(r.code === 'room_exists', 'room_create twice: room_exists');
r = await c.request('participant_add', { room: 'v1', participant: 'alice' });
check(r.type === 'result', 'participant_add alice');
r = await c.request('participant_add', { room: 'v1', participant: 'alice' });
check(r.code === 'participant_exists', 'participant_add twice: participant_exists');
r = await c.request('participant_add', { room: 'v1', participant: 'bob', subscribe_all: true });
check(r.type === 'result', 'participant_add bob');
r = await c.request('participant_add', { room: 'v1', participant: 'carol' });
check(r.code === 'room_full', 'third participant in a room of 2: room_full');
r = await c.request('participant_stats', { room: 'v1', participant: 'zed' });
check(r.code === 'participant_not_found', 'unknown participant: participant_not_found');
r = await c.request('record_start', { room: 'v1' });
check(r.code === 'room_not_recordable', 'record_start in a non-recordable room: room_not_recordable');

// --- SDP and state ---
r = await c.request('publish_offer', { room: 'v1', participant: 'alice', sdp: 'this is not sdp' });
check(r.code === 'bad_sdp', 'garbage SDP: bad_sdp', JSON.stringify(r));
r = await c.request('publish_offer', { room: 'v1', participant: 'alice', sdp: fakeOffer({ bundle: false }) });
check(r.code === 'bad_sdp' && /BUNDLE/.test(r.message), 'offer without BUNDLE: bad_sdp', JSON.stringify(r));
r = await c.request('publish_offer', { room: 'v1', participant: 'alice', sdp: fakeOffer({ rtcpMux: false }) });
check(r.code === 'bad_sdp' && /rtcp-mux/.test(r.message), 'offer without rtcp-mux: bad_sdp');
r = await c.request('publish_offer', { room: 'v1', participant: 'alice', sdp: fakeOffer({ fingerprint: null }) });
check(r.code === 'bad_sdp' && /fingerprint/.test(r.message), 'offer without fingerprint: bad_sdp');
r = await c.request('publish_offer', { room: 'v1', participant: 'alice', sdp: 12 });
check(r.code === 'bad_request' && r.field === 'sdp', 'sdp of the wrong type: bad_request');
r = await c.request('ice_candidate', { room: 'v1', participant: 'alice', transport: 'publisher', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
check(r.code === 'wrong_state', 'candidate before any transport: wrong_state');
r = await c.request('ice_candidate', { room: 'v1', participant: 'alice', transport: 'sideways', candidate: null });
check(r.code === 'bad_request' && r.field === 'transport', 'unknown transport name: bad_request');
r = await c.request('subscriber_answer', { room: 'v1', participant: 'bob', sdp: fakeOffer() });
check(r.code === 'wrong_state', 'subscriber_answer with no offer outstanding: wrong_state');

r = await c.request('publish_offer', { room: 'v1', participant: 'alice', sdp: fakeOffer() });
check(r.type === 'result' && /^v=0/.test(r.sdp), 'valid offer: an answer', JSON.stringify(r).slice(0, 300));
const ans = r.sdp || '';
check(/a=group:BUNDLE 0 1/.test(ans) && /a=rtcp-mux/.test(ans) && /a=setup:passive/.test(ans), 'answer: BUNDLE, rtcp-mux, setup:passive');
check(/a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/.test(ans), 'answer: a sha-256 fingerprint');
check(/a=candidate:\S+ 1 UDP \d+ 127\.0\.0\.1 \d+ typ host/.test(ans) && !/192\.0\.2|fd00/.test(ans), 'answer: host candidates on 127.0.0.1 only');
const port = Number((/127\.0\.0\.1 (\d+) typ host/.exec(ans) || [])[1]);
check(port >= sfu.mediaMin && port <= sfu.mediaMax, `candidate port ${port} within the configured range`);
check(/a=recvonly/.test(ans) && /a=rtpmap:96 VP8\/90000/.test(ans) && /a=rtpmap:111 opus\/48000\/2/.test(ans), 'answer: recvonly, VP8 and Opus');
const pubEv = await watcher.waitEvent((e) => e.event === 'track_published' && e.track.kind === 'video');
check(pubEv.room === 'v1' && pubEv.participant === 'alice' && pubEv.track.id === 'alice:1' && pubEv.track.mid === '1', 'track_published event to every control connection', JSON.stringify(pubEv));
r = await c.request('ice_candidate', { room: 'v1', participant: 'alice', transport: 'publisher', candidate: 'candidate:garbage' });
check(r.code === 'bad_candidate', 'unparsable candidate: bad_candidate', JSON.stringify(r));
r = await c.request('ice_candidate', { room: 'v1', participant: 'alice', transport: 'publisher', candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' });
check(r.type === 'result', 'a good candidate: result');
r = await c.request('ice_candidate', { room: 'v1', participant: 'alice', transport: 'publisher', candidate: 'candidate:1 1 udp 2130706431 3f1c7a.local 9 typ host' });
check(r.type === 'result', 'an mDNS candidate is ignored, not an error');
r = await c.request('ice_candidate', { room: 'v1', participant: 'alice', transport: 'publisher', candidate: '' });
check(r.type === 'result', 'end of candidates: result');

// subscriber side
r = await c.request('subscriber_offer', { room: 'v1', participant: 'bob' });
check(r.type === 'result' && /m=audio/.test(r.sdp) && /m=video/.test(r.sdp), 'subscriber_offer: an offer carrying alice\'s two tracks');
check(/a=sendonly/.test(r.sdp) && /a=setup:actpass/.test(r.sdp) && /a=ssrc:\d+ msid:alice alice:1/.test(r.sdp), 'subscriber offer: sendonly, actpass, SSRCs and msid');
r = await c.request('subscriber_offer', { room: 'v1', participant: 'bob' });
check(r.code === 'wrong_state', 'a second subscriber_offer while one is outstanding: wrong_state');
r = await c.request('subscriber_answer', { room: 'v1', participant: 'bob', sdp: fakeOffer({ mids: ['0'] }) });
check(r.code === 'bad_sdp', 'an answer with the wrong number of sections: bad_sdp');
r = await c.request('subscribe', { room: 'v1', participant: 'bob', track: 'nosuch:9' });
check(r.code === 'track_not_found', 'subscribe to an unknown track: track_not_found');
r = await c.request('subscribe', { room: 'v1', participant: 'alice', track: 'alice:1' });
check(r.code === 'bad_request', 'subscribing to one\'s own track: bad_request');
r = await c.request('track_mute', { room: 'v1', track: 'alice:1', muted: true });
check(r.type === 'result' && r.muted === true, 'track_mute: result');
r = await c.request('track_mute', { room: 'v1', track: 'alice:7', muted: true });
check(r.code === 'track_not_found', 'track_mute of an unknown track: track_not_found');
r = await c.request('room_stats', { room: 'v1' });
check(r.type === 'result' && r.participants.length === 2 && r.tracks === 2, 'room_stats: 2 participants, 2 tracks', JSON.stringify(r).slice(0, 400));
const a = r.participants.find((p) => p.participant === 'alice');
check(a && a.publisher && a.publisher.state === 'checking' && a.tracks.find((t) => t.id === 'alice:1').muted === true, 'participant stats: transport state and muted track');

// --- garbage on the socket ---
for (let i = 0; i < 50; i++) {
  const junk = Buffer.from(Array.from({ length: 1 + Math.floor(Math.random() * 400) }, () => Math.floor(Math.random() * 256)));
  c.ws.send(junk, { binary: true });
}
c.ws.send('{"id": 1e999999, "type": "room_stats"}');
c.ws.send('{"id": 5, "type": "room_stats", "room": "v1", "room": "v2"}');
await sleep(300); // the answers to the bad messages (one reuses id 5) come first, not in place of the next
r = await c.request('room_stats', { room: 'v1' });
check(r.type === 'result' && r.participants.length === 2, '50 random binary messages: connection and room unaffected');
check((c.unmatched || []).every((m) => m.type === 'error'), 'every garbage message got an error reply');
{
  const big = await new Control(sfu.url).connect(sfu.secret);
  big.ws.send(JSON.stringify({ id: 1, type: 'room_stats', room: 'v1', pad: 'x'.repeat(300 * 1024) }));
  const cl = await big.waitClosed();
  check(cl && cl.code === 1009, 'a 300 KiB message closes that connection with 1009', JSON.stringify(cl));
}
{
  // Random bytes straight at the TCP port, not even a websocket.
  const net = await import('node:net');
  await new Promise((res) => {
    const s = net.connect(sfu.port, '127.0.0.1', () => {
      s.write(Buffer.from(Array.from({ length: 4096 }, () => Math.floor(Math.random() * 256))));
      setTimeout(() => { s.destroy(); res(); }, 300);
    });
    s.on('error', res);
  });
}
r = await c.request('room_stats', { room: 'v1' });
check(r.type === 'result' && sfu.alive(), 'random bytes on the control TCP port: SFU alive, room intact');

// --- removal and destruction ---
r = await c.request('participant_remove', { room: 'v1', participant: 'alice' });
check(r.type === 'result', 'participant_remove alice');
const unpub = await watcher.waitEvent((e) => e.event === 'track_unpublished' && e.participant === 'alice');
check(!!unpub, 'her tracks are unpublished');
const gone = await watcher.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'alice');
check(gone.reason === 'removed', 'participant_disconnected reason removed');
r = await c.request('participant_remove', { room: 'v1', participant: 'alice' });
check(r.code === 'participant_not_found', 'removing her again: participant_not_found');
r = await c.request('room_destroy', { room: 'v1' });
check(r.type === 'result', 'room_destroy');
const bobGone = await watcher.waitEvent((e) => e.event === 'participant_disconnected' && e.participant === 'bob');
check(bobGone.reason === 'room_destroyed', 'bob disconnected with reason room_destroyed');
r = await c.request('room_stats', { room: 'v1' });
check(r.code === 'room_not_found', 'the room is gone');
r = await c.request('room_create', { room: 'v2', recordable: true });
const w2 = r.worker;
const r3 = await c.request('room_create', { room: 'v3' });
check(r3.type === 'result' && r3.worker !== w2, `rooms spread over the worker threads (v2 on ${w2}, v3 on ${r3.worker})`);
r = await c.request('record_start', { room: 'v2' });
check(r.type === 'result' && r.recording === true, 'record_start in a recordable room: recording', JSON.stringify(r));
r = await c.request('record_stop', { room: 'v2' });
check(r.type === 'result' && r.recording === false, 'record_stop: result at once');
const fin = await watcher.waitEvent((e) => e.event === 'recording_finished' && e.room === 'v2', 20000).catch(() => null);
check(fin && fin.files === 0, 'recording_finished (no participant: no file)', JSON.stringify(fin));
check(sfu.alive(), 'sfu alive at the end');
await done();
