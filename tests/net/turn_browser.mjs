// Headless Chromium behind a firewall that lets out nothing but TCP to one
// coturn port (and the test page's signalling port) calls through
// parlour-sfu over TURN: TURN_TRANSPORT=tcp (turn:…?transport=tcp, port
// 3478) or tls (turns:…?transport=tcp, port 443). Run by test-turn-browser
// (test-turn-tls runs it with tls), which made the namespaces, the firewall
// (policy-routing rules in the client namespace), the certificate and
// started coturn; this process runs in the server namespace with the SFU
// (ICE on SFU_IP, on that namespace's lo: no client reaches it but through
// coturn),
// Chromium in the client namespace (CHROMIUM_WRAPPER).
//
// Environment: TURN_TRANSPORT, CLIENT_NS, SERVER_IP (coturn and the page's
// relay), SFU_IP, TURN_HOST (the certificate's name, mapped to SERVER_IP by
// --host-resolver-rules), TURN_TLS_PORT, TURN_PORT (plain UDP/TCP),
// TURN_SPKI (base64 SHA-256 of the certificate's public key, trusted with
// --ignore-certificate-errors-spki-list), TURN_CRED_CMD (prog_turn_cred with
// the right secret), TURN_WRONG_CRED_CMD (with another secret).
//
// Before the call, candidate gathering alone (relay policy) shows what a
// browser can and cannot get from coturn: a relay candidate over the allowed
// transport with a good credential; nothing over the blocked ones (the
// firewall), nothing with an expired credential or one of another secret,
// and (TLS) nothing for a browser that does not trust the certificate.
import { execFileSync } from 'node:child_process';
import { startSfu, Control, check, diag, done, sleep, ok, notOk, onCleanup } from '../sfu/sfu_lib.mjs';
import { startRelay } from '../sfu/browser_lib.mjs';

const env = process.env;
const need = ['TURN_TRANSPORT', 'CLIENT_NS', 'SERVER_IP', 'SFU_IP', 'TURN_HOST', 'TURN_TLS_PORT', 'TURN_PORT', 'TURN_SPKI',
  'TURN_CRED_CMD', 'TURN_WRONG_CRED_CMD', 'CHROMIUM_WRAPPER'];
for (const k of need) if (!env[k]) { notOk(`environment has ${k}`); await done(); }
const TLS = env.TURN_TRANSPORT === 'tls';
if (!TLS && env.TURN_TRANSPORT !== 'tcp') { notOk(`TURN_TRANSPORT tcp or tls, not ${env.TURN_TRANSPORT}`); await done(); }

function mint(cmdline, user, ttl, now) {
  const [cmd, ...args] = cmdline.split(' ');
  const extra = now === undefined ? [] : [String(now)];
  const [username, credential] = execFileSync(cmd, [...args, user, String(ttl), ...extra], { encoding: 'utf8' }).trim().split(' ');
  return { username, credential };
}
const urls = {
  udp: `turn:${env.TURN_HOST}:${env.TURN_PORT}?transport=udp`,
  tcp: `turn:${env.TURN_HOST}:${env.TURN_PORT}?transport=tcp`,
  tls: `turns:${env.TURN_HOST}:${env.TURN_TLS_PORT}?transport=tcp`,
};
const allowed = urls[env.TURN_TRANSPORT];
const blocked = TLS ? [urls.udp, urls.tcp] : [urls.udp];
// What a production join carries (docs/media.md): TLS on 443 first, then
// plain UDP and TCP. In the TCP run the client's network has no TLS way out
// either, so that run leaves turns: out and offers UDP and TCP.
const callUrls = TLS ? [urls.tls, urls.udp, urls.tcp] : [urls.udp, urls.tcp];

const sfu = await startSfu({ iceAddresses: [env.SFU_IP], workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = `turn-${env.TURN_TRANSPORT}`;
let r = await ctl.request('room_create', { room: ROOM, max_participants: 4 });
check(r.type === 'result', 'room created');
const relay = await startRelay(ctl, ROOM, { host: env.SERVER_IP });
const relayPort = new URL(relay.url).port;
// Let the page's own HTTP/websocket through the client's firewall (its port
// is only known now), just that one TCP port.
execFileSync('ip', ['-n', env.CLIENT_NS, 'rule', 'add', 'pref', '101', 'ipproto', 'tcp', 'dport', relayPort, 'lookup', 'main']);

const ARGS = ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required',
  `--host-resolver-rules=MAP ${env.TURN_HOST} ${env.SERVER_IP}`,
  // The page comes from SERVER_IP over plain HTTP: not a secure context
  // (no getUserMedia) unless named here.
  `--unsafely-treat-insecure-origin-as-secure=${relay.url}`];
const { chromium } = await import('playwright-core');
async function browser(trust) {
  const args = trust ? [...ARGS, `--ignore-certificate-errors-spki-list=${env.TURN_SPKI}`] : ARGS;
  const b = await chromium.launch({ executablePath: env.CHROMIUM_WRAPPER, headless: true, args });
  onCleanup(() => b.close());
  return b;
}
async function page(b, who) {
  const ctx = await b.newContext();
  const p = await ctx.newPage();
  p.on('console', (m) => { if (m.type() === 'error' && !/favicon|status of 404/.test(m.text())) diag(`chromium console (${who}): ${m.text()}`); });
  await p.goto(`${relay.url}/peer.html?participant=${who}`);
  return p;
}

// Gather with iceTransportPolicy 'relay' only; returns the relay candidates
// (with their relayProtocol) and the icecandidateerror events.
const gather = (iceServers, ms = 12000) => `(async () => {
  const pc = new RTCPeerConnection({ iceServers: ${JSON.stringify(iceServers)}, iceTransportPolicy: 'relay' });
  pc.createDataChannel('probe');
  const cands = [], errors = [];
  pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) cands.push({ c: e.candidate.candidate, relayProtocol: e.candidate.relayProtocol, type: e.candidate.type }); };
  pc.onicecandidateerror = (e) => errors.push(e.url + ' ' + e.errorCode + ' ' + e.errorText);
  const t0 = Date.now();
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((res) => {
    const t = setTimeout(res, ${ms});
    const fin = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); res(); } };
    pc.onicegatheringstatechange = fin; fin();
  });
  const out = { cands, errors, ms: Date.now() - t0, state: pc.iceGatheringState };
  pc.close();
  return out;
})()`;

const T = env.TURN_TRANSPORT.toUpperCase();
const trusted = await browser(true);
const probe = await page(trusted, 'probe');
const good = mint(env.TURN_CRED_CMD, 'probe', 600);
let g = await probe.evaluate(gather([{ urls: allowed, ...good }]));
diag(`${allowed}, good credential: ${JSON.stringify(g)}`);
check(g.cands.length > 0 && g.cands.every((c) => c.type === 'relay' && c.relayProtocol === env.TURN_TRANSPORT),
  `Chromium gets a relay candidate over ${T} from ${allowed} (${g.ms} ms)`);

g = await probe.evaluate(gather([{ urls: blocked, ...good }]));
diag(`${blocked.join(', ')}: ${JSON.stringify(g)}`);
check(g.cands.length === 0, `${blocked.join(' and ')} ${blocked.length > 1 ? 'give' : 'gives'} no candidate (the firewall lets only ${T} to coturn out)`);

const now = Math.floor(Date.now() / 1000);
const expired = mint(env.TURN_CRED_CMD, 'probe', 600, now - 3600);
g = await probe.evaluate(gather([{ urls: allowed, ...expired }]));
diag(`expired credential: ${JSON.stringify(g)}`);
check(g.cands.length === 0 && g.errors.some((e) => / 401 /.test(e)),
  `an expired TURN REST credential is refused over ${T} (401, no relay candidate)`);

const wrong = mint(env.TURN_WRONG_CRED_CMD, 'probe', 600);
g = await probe.evaluate(gather([{ urls: allowed, ...wrong }]));
diag(`credential of another secret: ${JSON.stringify(g)}`);
check(g.cands.length === 0 && g.errors.some((e) => / 401 /.test(e)),
  `a credential minted with another secret is refused over ${T} (401, no relay candidate)`);

if (TLS) {
  const untrusted = await browser(false);
  const probe2 = await page(untrusted, 'probe2');
  g = await probe2.evaluate(gather([{ urls: allowed, ...good }]));
  diag(`browser without the certificate: ${JSON.stringify(g)}`);
  check(g.cands.length === 0, 'a Chromium that does not trust the certificate gets no relay over TLS (it verifies turns: certificates)');
  await untrusted.close();
}

// The call, relay only; the firewall leaves one way out.
const pages = {};
for (const who of ['alice', 'bob']) {
  r = await ctl.request('participant_add', { room: ROOM, participant: who });
  if (r.type !== 'result') throw new Error(JSON.stringify(r));
  pages[who] = await page(trusted, who);
  await relay.waitPage(who);
  const c = mint(env.TURN_CRED_CMD, who, 600);
  const conf = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceTransportPolicy: 'relay',
    iceServers: [{ urls: callUrls, ...c }] };
  // peer.js asks for max-bundle (publisher) or balanced (subscriber).
  await pages[who].evaluate(`pcConfig = (policy = 'max-bundle') => ({ ...${JSON.stringify(conf)}, bundlePolicy: policy }); true`);
}
ok(`two Chromium pages: relay-only, offered ${callUrls.map((u) => u.split(':')[0] + '/' + (u.split('transport=')[1])).join(', ')}; only ${T} reachable`);
const t0 = Date.now();
relay.send('alice', { op: 'publish' });
relay.send('bob', { op: 'publish' });
try {
  for (let i = 0; i < 4; i++) await ctl.waitEvent((e) => e.event === 'track_published', 30000);
  ok(`4 tracks published through the TURN/${T} relay (${Date.now() - t0} ms)`);
} catch (e) { notOk(`4 tracks published through the TURN/${T} relay`, String(e)); }
relay.send('alice', { op: 'subscribe' });
relay.send('bob', { op: 'subscribe' });

const end = Date.now() + 45000;
const last = {};
let media = false;
while (Date.now() < end) {
  media = true;
  for (const [who, p] of Object.entries(pages)) {
    const s = await p.evaluate('window.mediaStats()');
    last[who] = s;
    if (!(s.video.some((v) => v.framesDecoded >= 30) && s.audio.some((a) => a.packetsReceived > 0))) media = false;
  }
  if (media) break;
  await sleep(200);
}
check(media, `each page decodes >= 30 frames of the other and receives its audio (${Date.now() - t0} ms after publish)`,
  JSON.stringify(last).slice(0, 1200));
await sleep(3000); // a few seconds of steady media for the numbers below

const pathOf = `(async () => {
  const out = {};
  for (const [name, pc] of [['pub', pub], ['sub', sub]]) {
    if (!pc) continue;
    const st = await pc.getStats();
    let pair = null;
    st.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = st.get(s.selectedCandidatePairId); });
    const l = pair && st.get(pair.localCandidateId), rc = pair && st.get(pair.remoteCandidateId);
    out[name] = l ? { type: l.candidateType, relayProtocol: l.relayProtocol, url: l.url, local: l.address + ':' + l.port,
      remote: rc && (rc.address + ':' + rc.port), bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived,
      rttMs: pair.currentRoundTripTime !== undefined ? Math.round(pair.currentRoundTripTime * 1000) : null } : null;
  }
  return out;
})()`;
let allRelayed = true;
let lost = 0, freezes = 0;
for (const [who, p] of Object.entries(pages)) {
  const paths = await p.evaluate(pathOf);
  diag(`${who}: ${JSON.stringify(paths)}`);
  const s = await p.evaluate('window.mediaStats()');
  for (const v of s.video) { lost += v.packetsLost; freezes += v.freezeCount; }
  diag(`${who} receives: ${JSON.stringify({ video: s.video, audio: s.audio })}`);
  for (const k of ['pub', 'sub']) {
    const x = paths[k];
    if (!x || x.type !== 'relay' || x.relayProtocol !== env.TURN_TRANSPORT || !(x.bytesReceived > 0) || !(x.bytesSent > 0)) allRelayed = false;
  }
}
check(allRelayed, `every selected candidate pair is a relay candidate over ${T} (${allowed.split(':')[0]}:), bytes both ways`);
diag(`video packets lost ${lost}, freezes ${freezes} (both pages)`);
const rs = await ctl.request('room_stats', { room: ROOM });
check(rs.participants && rs.participants.every((p) => p.publisher && p.publisher.state === 'connected' && p.subscriber && p.subscriber.state === 'connected'),
  'SFU: both transports of both participants connected');
check(sfu.alive(), 'SFU alive');
await done();
