// ICE restart mid-call: Chromium restarts its publisher connection
// (pc.restartIce() and a re-offer with new ice-ufrag/ice-pwd) and then its
// subscriber connection (control restart_ice: the SFU offers new
// credentials); the call stays up, frames keep flowing, and nobody sees the
// participant leave or fail (no participant_disconnected, no failed state).
import { startSfu, Control, check, diag, done, sleep, waitFor } from './sfu_lib.mjs';
import { startRelay, chromiumPage } from './browser_lib.mjs';

const sfu = await startSfu({ iceAddresses: ['127.0.0.1'], workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = 'icerestart';
await ctl.request('room_create', { room: ROOM, max_participants: 4 });
const relay = await startRelay(ctl, ROOM);
const pages = {};
async function open(who) {
  await ctl.request('participant_add', { room: ROOM, participant: who });
  pages[who] = await chromiumPage(`${relay.url}/peer.html?participant=${who}`);
  await relay.waitPage(who);
}
const stats = (who) => pages[who].evaluate('window.mediaStats()');
const ufrags = (who) => pages[who].evaluate('window.ufrags()');
const frames = async (who) => ((await stats(who)).video[0] || {}).framesDecoded || 0;

// Bad input first.
let r = await ctl.request('restart_ice', { room: ROOM, participant: 'nobody', transport: 'subscriber' });
check(r.type === 'error' && r.code === 'participant_not_found', 'restart_ice for an unknown participant: participant_not_found');
r = await ctl.request('restart_ice', { room: ROOM, participant: 'nobody', transport: 'both' });
check(r.type === 'error' && r.code === 'bad_request', 'restart_ice with a bad transport: bad_request');

await open('alice');
await open('bob');
relay.send('alice', { op: 'publish' });
relay.send('bob', { op: 'publish' });
await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 20000);
await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'bob' && e.track.kind === 'video', 20000);
relay.send('alice', { op: 'subscribe' });
relay.send('bob', { op: 'subscribe' });
for (let i = 0; i < 120 && ((await frames('bob')) < 30 || (await frames('alice')) < 30); i++) await sleep(250);
check((await frames('bob')) >= 30 && (await frames('alice')) >= 30, 'the call is up: both decode each other');
r = await ctl.request('restart_ice', { room: ROOM, participant: 'alice', transport: 'publisher' });
check(r.type === 'error' && r.code === 'bad_request', 'restart_ice of a publisher transport: bad_request (the client re-offers)');
const mark = ctl.events.length;

// Publisher restart.
const u0 = await ufrags('alice');
const f0 = await frames('bob');
relay.send('alice', { op: 'restart_pub' });
const tp = Date.now();
// Until the restart is done (new credentials, connected) and 60 more frames decoded.
await waitFor(async () => { const u = await ufrags('alice'); return u.pubLocal !== u0.pubLocal && u.pubRemote !== u0.pubRemote && u.pubState === 'connected' && (await frames('bob')) - f0 >= 60; },
  { timeout: 20000, interval: 250, what: 'the publisher restart' }).catch(() => {});
const u1 = await ufrags('alice');
const f1 = await frames('bob');
diag(`alice publisher ufrags ${u0.pubLocal}/${u0.pubRemote} -> ${u1.pubLocal}/${u1.pubRemote}, state ${u1.pubState}; bob decoded ${f1 - f0} frames of alice in ${Date.now() - tp} ms`);
check(u1.pubLocal !== u0.pubLocal && u1.pubRemote !== u0.pubRemote, 'alice\'s publisher restarted ICE: new credentials on both sides');
check(u1.pubState === 'connected', 'her publisher connection is connected again');
check(f1 - f0 >= 60, `bob keeps decoding alice across it (${f1 - f0} frames)`);

// Subscriber restart.
const s0 = await ufrags('bob');
const g0 = await frames('bob');
relay.send('bob', { op: 'restart_sub' });
const ts = Date.now();
await waitFor(async () => { const u = await ufrags('bob'); return u.subLocal !== s0.subLocal && u.subRemote !== s0.subRemote && u.subState === 'connected' && (await frames('bob')) - g0 >= 60; },
  { timeout: 20000, interval: 250, what: 'the subscriber restart' }).catch(() => {});
const s1 = await ufrags('bob');
const g1 = await frames('bob');
diag(`bob subscriber ufrags ${s0.subLocal}/${s0.subRemote} -> ${s1.subLocal}/${s1.subRemote}, state ${s1.subState}; ${g1 - g0} frames in ${Date.now() - ts} ms`);
check(s1.subRemote !== s0.subRemote && s1.subLocal !== s0.subLocal, 'bob\'s subscriber restarted ICE (the SFU offered new credentials)');
check(s1.subState === 'connected', 'his subscriber connection is connected again');
check(g1 - g0 >= 60, `bob keeps decoding across it (${g1 - g0} frames)`);

const evs = ctl.events.slice(mark);
const bad = evs.filter((e) => e.event === 'participant_disconnected' || (e.event === 'transport_state' && e.state !== 'connected'));
check(bad.length === 0, 'nobody saw a leave or a transport leave "connected"', JSON.stringify(bad));
const rs = await ctl.request('room_stats', { room: ROOM });
check(rs.participants.length === 2 && rs.participants.every((p) => p.publisher.state === 'connected' && p.subscriber.state === 'connected'), 'SFU: both participants and all four transports still there and connected');
const errs = [...(await stats('alice')).errors, ...(await stats('bob')).errors];
check(errs.length === 0, 'no error in the pages', JSON.stringify(errs));
check(sfu.alive(), 'SFU alive');
await done();
