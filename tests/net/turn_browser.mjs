// Two headless Chromium pages that may only use TURN over TCP
// (iceTransportPolicy 'relay', one turn:...?transport=tcp server, credentials
// from common/turn_rest) publish and subscribe through parlour-sfu; coturn
// relays their media to the SFU (a normal ICE peer on 127.0.0.1). Run by
// test-turn-browser inside a network namespace with only lo, with coturn
// already started there: TURN_PORT, TURN_CRED_CMD in the environment.
// The page is tests/sfu's peer page; only its RTCPeerConnection
// configuration (the global pcConfig) is replaced before it publishes.
import { execFileSync } from 'node:child_process';
import { startSfu, Control, check, diag, done, sleep, ok, notOk } from '../sfu/sfu_lib.mjs';
import { startRelay, chromiumPage } from '../sfu/browser_lib.mjs';

const turnPort = process.env.TURN_PORT;
const [cmd, ...args] = process.env.TURN_CRED_CMD.split(' ');
const sfu = await startSfu({ iceAddresses: ['127.0.0.1'], workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = 'turn-tcp';
let r = await ctl.request('room_create', { room: ROOM, max_participants: 4 });
check(r.type === 'result', 'room created');
const relay = await startRelay(ctl, ROOM);

const pages = {};
for (const who of ['alice', 'bob']) {
  r = await ctl.request('participant_add', { room: ROOM, participant: who });
  if (r.type !== 'result') throw new Error(JSON.stringify(r));
  pages[who] = await chromiumPage(`${relay.url}/peer.html?participant=${who}`);
  await relay.waitPage(who);
  const [username, credential] = execFileSync(cmd, [...args, who, '600'], { encoding: 'utf8' }).trim().split(' ');
  const conf = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceTransportPolicy: 'relay',
    iceServers: [{ urls: `turn:127.0.0.1:${turnPort}?transport=tcp`, username, credential }] };
  await pages[who].evaluate(`pcConfig = () => (${JSON.stringify(conf)}); true`);
}
ok('two Chromium pages restricted to TURN over TCP (relay-only policy)');
relay.send('alice', { op: 'publish' });
relay.send('bob', { op: 'publish' });
try {
  for (let i = 0; i < 4; i++) await ctl.waitEvent((e) => e.event === 'track_published', 30000);
  ok('4 tracks published through the TURN relay');
} catch (e) { notOk('4 tracks published through the TURN relay', String(e)); }
relay.send('alice', { op: 'subscribe' });
relay.send('bob', { op: 'subscribe' });

const end = Date.now() + 40000;
let last = {};
let good = false;
while (Date.now() < end) {
  good = true;
  for (const [who, p] of Object.entries(pages)) {
    const s = await p.evaluate('window.mediaStats()');
    last[who] = s;
    if (!(s.video.some((v) => v.framesDecoded >= 30) && s.audio.some((a) => a.packetsReceived > 0))) good = false;
  }
  if (good) break;
  await sleep(200);
}
check(good, 'each page decodes >= 30 frames of the other and receives its audio', JSON.stringify(last).slice(0, 1200));

// Which path did the media take? The selected pair's local candidate must be
// a relay candidate reached over TCP, on both peer connections of both pages.
const pathOf = `(async () => {
  const out = {};
  for (const [name, pc] of [['pub', pub], ['sub', sub]]) {
    if (!pc) continue;
    const st = await pc.getStats();
    let pair = null;
    st.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = st.get(s.selectedCandidatePairId); });
    if (!pair) st.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
    const l = pair && st.get(pair.localCandidateId), rc = pair && st.get(pair.remoteCandidateId);
    out[name] = l ? { type: l.candidateType, relayProtocol: l.relayProtocol, local: l.address + ':' + l.port,
      remote: rc && (rc.address + ':' + rc.port), bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived } : null;
  }
  return out;
})()`;
let allRelayTcp = true;
for (const [who, p] of Object.entries(pages)) {
  const paths = await p.evaluate(pathOf);
  diag(`${who}: ${JSON.stringify(paths)}`);
  for (const k of ['pub', 'sub']) {
    const x = paths[k];
    if (!x || x.type !== 'relay' || x.relayProtocol !== 'tcp' || !(x.bytesReceived > 0)) allRelayTcp = false;
  }
}
check(allRelayTcp, 'every selected candidate pair is a relay candidate over TCP (TURN/TCP), with bytes flowing');
const rs = await ctl.request('room_stats', { room: ROOM });
check(rs.participants && rs.participants.every((p) => p.publisher && p.publisher.state === 'connected' && p.subscriber && p.subscriber.state === 'connected'),
  'SFU: both transports of both participants connected');
check(sfu.alive(), 'SFU alive');
await done();
