// Firefox ESR behind a firewall that lets out nothing but TCP to one coturn
// port (and the test page's port) calls through parlour-sfu over TURN:
// TURN_TRANSPORT=tcp (turn:…?transport=tcp, 3478) or tls
// (turns:…:443?transport=tcp). Run by test-turn-firefox, which made the
// namespaces, the firewall, /etc/netns/CLIENT_NS/hosts (the TURN host name),
// the CA and started coturn. This process runs in the server namespace with
// the SFU (ICE on SFU_IP, which no client reaches but through coturn) and a
// Chromium page (direct to the SFU); Firefox runs in the client namespace.
//
// Driving Firefox across namespaces: its WebDriver BiDi port listens on the
// client namespace's 127.0.0.1 only, which this process cannot reach. A
// small bridge inside the client namespace joins a Unix socket (file system
// paths are shared between network namespaces) to that port, and the `ws`
// client speaks to it as ws+unix. The session asks for no
// acceptInsecureCerts: that capability would make Firefox accept any
// certificate, the TURN server's included.
//
// Environment: TURN_TRANSPORT, CLIENT_NS, SERVER_IP, SFU_IP, TURN_HOST,
// TURN_TLS_PORT, TURN_PORT, TURN_CA (the run's CA, PEM), WRONG_HOST (another
// name for coturn's address, not in its certificate), WORK (a directory
// for profiles and logs), TURN_CRED_CMD / TURN_WRONG_CRED_CMD (prog_turn_cred
// with the right secret / another one).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startSfu, Control, check, diag, done, sleep, waitFor, ok, notOk, onCleanup, freePort } from '../sfu/sfu_lib.mjs';
import { startRelay, CHROMIUM } from '../sfu/browser_lib.mjs';

const env = process.env;
const need = ['TURN_TRANSPORT', 'CLIENT_NS', 'SERVER_IP', 'SFU_IP', 'TURN_HOST', 'WRONG_HOST', 'TURN_TLS_PORT', 'TURN_PORT', 'TURN_CA',
  'WORK', 'TURN_CRED_CMD', 'TURN_WRONG_CRED_CMD'];
for (const k of need) if (!env[k]) { notOk(`environment has ${k}`); await done(); }
const TLS = env.TURN_TRANSPORT === 'tls';
if (!TLS && env.TURN_TRANSPORT !== 'tcp') { notOk(`TURN_TRANSPORT tcp or tls, not ${env.TURN_TRANSPORT}`); await done(); }
const T = env.TURN_TRANSPORT.toUpperCase();

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
// What a production join carries (docs/media.md), minus turns: in the TCP
// run, whose network has no TLS way out either.
const callUrls = TLS ? [urls.tls, urls.udp, urls.tcp] : [urls.udp, urls.tcp];

const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  // The page comes from SERVER_IP over plain HTTP: no getUserMedia unless
  // that origin counts as secure.
  'dom.securecontext.allowlist': env.SERVER_IP,
  'media.devices.insecure.enabled': true,
  'media.getusermedia.insecure.enabled': true,
  // Nothing but the page and TURN: no proxy, no DNS-over-HTTPS, none of the
  // background services (the firewall refuses them anyway; this keeps the
  // log readable and start-up quick).
  'network.proxy.type': 0,
  'network.trr.mode': 5,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'dom.push.connection.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'extensions.update.enabled': false,
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'browser.startup.homepage_override.mstone': 'ignore',
};

// The bridge: a Unix socket in WORK, piped to Firefox's BiDi port on the
// client namespace's loopback.
const BRIDGE = `const net = require('net'); const [sock, port] = process.argv.slice(1);
net.createServer((c) => { const t = net.connect(Number(port), '127.0.0.1'); c.pipe(t); t.pipe(c);
  c.on('error', () => t.destroy()); t.on('error', () => c.destroy()); }).listen(sock, () => console.log('ready'));`;

// Firefox logs nICEr's errors (MOZ_LOG nicer:1; FF_MOZ_LOG for more), so a
// refused turns: connection shows why: the TCP socket's close reason
// "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, 8179)" is NSS's
// SEC_ERROR_UNKNOWN_ISSUER, 12276 SSL_ERROR_BAD_CERT_DOMAIN.
const MOZ_LOG = { MOZ_LOG: env.FF_MOZ_LOG || 'nicer:1' };
const NSS_ERR = { 8179: 'SEC_ERROR_UNKNOWN_ISSUER', 12276: 'SSL_ERROR_BAD_CERT_DOMAIN' };
function spawnInClient(name, args, log) {
  const fd = fs.openSync(log, 'a');
  const p = spawn('ip', ['netns', 'exec', env.CLIENT_NS, ...args], { stdio: ['ignore', fd, fd], env: { ...env, MOZ_HEADLESS: '1', ...MOZ_LOG } });
  fs.closeSync(fd);
  let exited = false;
  p.on('exit', () => { exited = true; });
  onCleanup(async () => {
    if (exited) return;
    try { p.kill('SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 30 && !exited; i++) await sleep(100);
    if (!exited) try { p.kill('SIGKILL'); } catch { /* gone */ }
  });
  return p;
}

// Firefox ESR in the client namespace with its own profile; trustCa puts
// the run's CA into that profile's NSS database (cert9.db) with certutil.
async function firefox(name, { trustCa }) {
  const profile = path.join(env.WORK, `ff-${name}`);
  fs.mkdirSync(profile);
  fs.writeFileSync(path.join(profile, 'user.js'),
    Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n');
  if (trustCa) {
    execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
    execFileSync('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'Parlour test TURN CA', '-t', 'C,,', '-i', env.TURN_CA]);
    const listed = execFileSync('certutil', ['-L', '-d', `sql:${profile}`], { encoding: 'utf8' });
    check(/Parlour test TURN CA\s+C,,/.test(listed), `certutil: the run's CA is in Firefox profile ${name}'s NSS database, trusted for TLS servers (C,,)`);
  }
  const port = await freePort();
  const log = path.join(env.WORK, `ff-${name}.log`);
  const proc = spawnInClient(name, ['firefox-esr', '--headless', '--no-remote', '--profile', profile,
    `--remote-debugging-port=${port}`, '--remote-allow-hosts=127.0.0.1', 'about:blank'], log);
  const sock = path.join(env.WORK, `bidi-${name}.sock`);
  const blog = path.join(env.WORK, `bridge-${name}.log`);
  spawnInClient(`${name}-bridge`, ['node', '-e', BRIDGE, sock, String(port)], blog);
  let ws = null;
  for (let i = 0; i < 150 && !ws; i++) {
    await sleep(200);
    if (proc.exitCode !== null) break;
    if (!fs.existsSync(sock)) continue;
    ws = await new Promise((res) => {
      const w = new WebSocket(`ws+unix://${sock}:/session`, { headers: { host: `127.0.0.1:${port}` } });
      w.once('open', () => res(w));
      w.once('error', () => res(null));
    });
  }
  if (!ws) throw new Error(`Firefox ${name}: no BiDi session: ${fs.readFileSync(log, 'utf8').slice(-600)}`);
  onCleanup(() => { try { ws.close(); } catch { /* gone */ } });
  let nextId = 1;
  const pending = new Map();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id); pending.delete(m.id);
      if (m.type === 'error' || m.error) p.reject(new Error(`${m.error}: ${m.message}`)); else p.resolve(m.result);
    }
  });
  const cmd = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params }));
  });
  await cmd('session.new', { capabilities: {} }); // acceptInsecureCerts stays false
  const tree = await cmd('browsingContext.getTree', {});
  const context = tree.contexts[0].context;
  return {
    name,
    // NSS errors that closed Firefox's TURN/TLS sockets so far, by name.
    tlsErrors: () => [...fs.readFileSync(log, 'utf8').matchAll(/NrTcpSocket::OnClose .*NS_ERROR_MODULE_SECURITY, (\d+)\)/g)]
      .map((m) => NSS_ERR[m[1]] || `NSS -${m[1]}`),
    goto: (url) => cmd('browsingContext.navigate', { context, url, wait: 'complete' }),
    async evaluate(expr) {
      const r = await cmd('script.evaluate', { expression: `(async () => JSON.stringify(await (${expr})))()`, target: { context }, awaitPromise: true });
      if (r.type === 'exception') throw new Error(`firefox ${name}: ${JSON.stringify(r.exceptionDetails).slice(0, 400)}`);
      return r.result && r.result.value !== undefined ? JSON.parse(r.result.value) : undefined;
    },
  };
}

// Gathering only, relay policy: the relay candidates (relayProtocol from
// getStats local-candidate, which Firefox fills in) with the time each came.
const gather = (iceServers, ms = 10000) => `(async () => {
  const pc = new RTCPeerConnection({ iceServers: ${JSON.stringify(iceServers)}, iceTransportPolicy: 'relay' });
  pc.createDataChannel('probe');
  const cands = [], errors = [], states = [];
  const t0 = Date.now();
  pc.addEventListener('icegatheringstatechange', () => states.push(pc.iceGatheringState + '@' + (Date.now() - t0)));
  pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) cands.push({ c: e.candidate.candidate, ms: Date.now() - t0 }); };
  pc.onicecandidateerror = (e) => errors.push(e.url + ' ' + e.errorCode + ' ' + e.errorText);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((res) => {
    const t = setTimeout(res, ${ms});
    const fin = () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); res(); } };
    pc.onicegatheringstatechange = fin; fin();
  });
  const local = [];
  (await pc.getStats()).forEach((s) => { if (s.type === 'local-candidate') local.push({ type: s.candidateType, relayProtocol: s.relayProtocol, address: s.address, url: s.proxied || undefined }); });
  const out = { cands, local, errors, states, ms: Date.now() - t0, state: pc.iceGatheringState };
  pc.close();
  return out;
})()`;
const relayCands = (g) => g.cands.filter((c) => / typ relay /.test(c.c));

const sfu = await startSfu({ iceAddresses: [env.SFU_IP], workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = `turn-ff-${env.TURN_TRANSPORT}`;
let r = await ctl.request('room_create', { room: ROOM, max_participants: 4 });
check(r.type === 'result', 'room created');
const relay = await startRelay(ctl, ROOM, { host: env.SERVER_IP });
const relayPort = new URL(relay.url).port;
// The page's own HTTP/websocket through the client's firewall (its port is
// only known now), that one TCP port. And UDP to the same address and port:
// Firefox (nICEr) finds its default local address by connect()ing a UDP
// socket to the address the page came from; when connect() fails, as a
// "prohibit" rule makes it (EACCES; a real firewall drops packets and lets
// connect() succeed), Firefox gathers no candidate at all, relay included
// (MOZ_LOG=nicer:5: "PR_Connect failed: -5966", "failed to find default
// addresses", "ICE FAILED: Couldn't gather ICE candidates ... error=10").
// Nothing listens on UDP there (checked below), so that opens no way out.
execFileSync('ip', ['-n', env.CLIENT_NS, 'rule', 'add', 'pref', '101', 'ipproto', 'tcp', 'dport', relayPort, 'lookup', 'main']);
execFileSync('ip', ['-n', env.CLIENT_NS, 'rule', 'add', 'pref', '102', 'to', env.SERVER_IP, 'ipproto', 'udp', 'dport', relayPort, 'lookup', 'main']);
const udpHere = execFileSync('ss', ['-Hnua'], { encoding: 'utf8' });
check(!udpHere.split('\n').some((l) => l.includes(`:${relayPort} `)),
  `client firewall: UDP to the page's ${env.SERVER_IP}:${relayPort} routes (Firefox's default-address probe), and nothing listens on UDP there`);

const tLaunch = Date.now();
const ff = await firefox('trusted', { trustCa: TLS });
await ff.goto(`${relay.url}/peer.html?participant=probe`);
ok(`Firefox ESR in the client namespace, driven over BiDi through a Unix-socket bridge (${Date.now() - tLaunch} ms)`);

const good = mint(env.TURN_CRED_CMD, 'probe', 600);
let g = await ff.evaluate(gather([{ urls: allowed, ...good }]));
diag(`${allowed}, good credential: ${JSON.stringify(g)}`);
const rc = relayCands(g);
check(rc.length > 0 && g.cands.length === rc.length && g.local.length > 0 && g.local.every((c) => c.type === 'relay' && c.relayProtocol === env.TURN_TRANSPORT),
  `Firefox gets a relay candidate (relayProtocol ${env.TURN_TRANSPORT}) from ${allowed} (first after ${rc.length ? rc[0].ms : '-'} ms)`);
diag(`figure: relay candidate after ${rc.length ? rc[0].ms : -1} ms`);
if (rc.length === 0) { notOk('the call through TURN (not tried: Firefox got no relay candidate)'); await done(); }

g = await ff.evaluate(gather([{ urls: blocked, ...good }]));
diag(`${blocked.join(', ')}: ${JSON.stringify(g)}`);
check(g.cands.length === 0, `${blocked.join(' and ')} ${blocked.length > 1 ? 'give' : 'gives'} Firefox no candidate (the firewall lets only ${T} to coturn out)`);

const now = Math.floor(Date.now() / 1000);
const expired = mint(env.TURN_CRED_CMD, 'probe', 600, now - 3600);
g = await ff.evaluate(gather([{ urls: allowed, ...expired }]));
diag(`expired credential: ${JSON.stringify(g)}`);
check(g.cands.length === 0 && g.errors.some((e) => / 401 /.test(e)),
  `an expired TURN REST credential gives Firefox no relay over ${T} (icecandidateerror 401; coturn's 401 checked from its log)`);

const wrong = mint(env.TURN_WRONG_CRED_CMD, 'probe', 600);
g = await ff.evaluate(gather([{ urls: allowed, ...wrong }]));
diag(`credential of another secret: ${JSON.stringify(g)}`);
check(g.cands.length === 0 && g.errors.some((e) => / 401 /.test(e)),
  `a credential minted with another secret gives Firefox no relay over ${T} (icecandidateerror 401; coturn's 401 checked from its log)`);

if (TLS) {
  // The same Firefox, a profile without the CA: it must refuse the
  // certificate (Firefox verifies turns: servers against its NSS trust).
  const untrusted = await firefox('untrusted', { trustCa: false });
  await untrusted.goto(`${relay.url}/peer.html?participant=probe2`);
  g = await untrusted.evaluate(gather([{ urls: allowed, ...good }]));
  diag(`Firefox without the CA in its profile: ${JSON.stringify(g)}`);
  await waitFor(() => untrusted.tlsErrors().length > 0, { timeout: 3000, interval: 50, what: 'the TLS error in the log' }).catch(() => {});
  const e1 = untrusted.tlsErrors();
  check(g.cands.length === 0 && e1.length > 0 && e1.every((e) => e === 'SEC_ERROR_UNKNOWN_ISSUER'),
    `a Firefox profile without the CA gets no relay over TLS; the socket closed with ${e1.join(', ') || 'no NSS error'}: Firefox verifies turns: certificates against its profile's trust`);
  // The trusted profile, a name the certificate does not carry (WRONG_HOST
  // resolves to the same coturn in the client namespace): refused too, so
  // Firefox checks the name, not only the chain.
  const wrongName = `turns:${env.WRONG_HOST}:${env.TURN_TLS_PORT}?transport=tcp`;
  check(ff.tlsErrors().length === 0, 'the trusting Firefox had no TLS error until now');
  g = await ff.evaluate(gather([{ urls: wrongName, ...good }]));
  await waitFor(() => ff.tlsErrors().length > 0, { timeout: 3000, interval: 50, what: 'the TLS error in the log' }).catch(() => {});
  const e2 = ff.tlsErrors();
  diag(`${wrongName} (certificate is for ${env.TURN_HOST}): ${JSON.stringify(g)}`);
  check(g.cands.length === 0 && e2.length > 0 && e2.every((e) => e === 'SSL_ERROR_BAD_CERT_DOMAIN'),
    `the trusting Firefox gets no relay from ${wrongName}; the socket closed with ${e2.join(', ') || 'no NSS error'}: a certificate for another name (${env.TURN_HOST}) is refused`);
  // And the same server by its right name still works afterwards.
  g = await ff.evaluate(gather([{ urls: allowed, ...good }]));
  check(relayCands(g).length > 0, `... while ${allowed} from the same Firefox still gives a relay (${g.ms} ms)`);
}

// The call: alice is Chromium on the server side, direct to the SFU; bob is
// Firefox behind the firewall with the ICE servers a production join gives
// and the default policy ("all"): the firewall, not a setting, leaves relay
// as the only way.
const { chromium } = await import('playwright-core');
const cb = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu',
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--disable-background-networking',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required',
  `--unsafely-treat-insecure-origin-as-secure=${relay.url}`] });
onCleanup(() => cb.close());
const alice = await (await cb.newContext()).newPage();
r = await ctl.request('participant_add', { room: ROOM, participant: 'alice' });
if (r.type !== 'result') throw new Error(JSON.stringify(r));
await alice.goto(`${relay.url}/peer.html?participant=alice`);
await relay.waitPage('alice');
r = await ctl.request('participant_add', { room: ROOM, participant: 'bob' });
if (r.type !== 'result') throw new Error(JSON.stringify(r));
await ff.goto(`${relay.url}/peer.html?participant=bob`);
await relay.waitPage('bob');
const c = mint(env.TURN_CRED_CMD, 'bob', 600);
const conf = { rtcpMuxPolicy: 'require', iceServers: [{ urls: callUrls, ...c }] };
await ff.evaluate(`(pcConfig = (policy = 'max-bundle') => ({ ...${JSON.stringify(conf)}, bundlePolicy: policy }), true)`);
ok(`Chromium (server side, direct) and Firefox (client side, ICE servers ${callUrls.map((u) => u.split(':')[0] + '/' + u.split('transport=')[1]).join(', ')}, policy all; only ${T} reachable)`);
const pages = { alice, bob: ff };

const t0 = Date.now();
relay.send('alice', { op: 'publish' });
relay.send('bob', { op: 'publish' });
try {
  for (let i = 0; i < 4; i++) await ctl.waitEvent((e) => e.event === 'track_published', 30000);
  ok(`4 tracks published, Firefox's through the TURN/${T} relay (${Date.now() - t0} ms)`);
} catch (e) { notOk(`4 tracks published, Firefox's through the TURN/${T} relay`, String(e)); }
relay.send('alice', { op: 'subscribe' });
relay.send('bob', { op: 'subscribe' });

const end = Date.now() + 45000;
const last = {};
const first = {};
let media = false;
while (Date.now() < end) {
  media = true;
  for (const [who, p] of Object.entries(pages)) {
    const s = await p.evaluate('window.mediaStats()');
    last[who] = s;
    if (!first[who] && s.video.some((v) => v.framesDecoded > 0)) first[who] = Date.now() - t0;
    if (!(s.video.some((v) => v.framesDecoded >= 30) && s.audio.some((a) => a.packetsReceived > 0))) media = false;
  }
  if (media) break;
  await sleep(200);
}
check(media, `Firefox decodes >= 30 frames of Chromium's video and Chromium >= 30 of Firefox's, audio both ways (${Date.now() - t0} ms after publish)`,
  JSON.stringify(last).slice(0, 1200));
diag(`figure: first frame decoded ${first.bob} ms (Firefox) and ${first.alice} ms (Chromium) after publish; >= 30 both ways at ${Date.now() - t0} ms`);
await sleep(3000); // steady media for the numbers below

// Firefox's ICE view: the selected pair of each transport and every pair
// that succeeded, with their local candidates. Firefox marks the selected
// pair with `selected` (it has no transport.selectedCandidatePairId).
const pathOf = `(async () => {
  const out = {};
  for (const [name, pc] of [['pub', pub], ['sub', sub]]) {
    if (!pc) continue;
    const st = await pc.getStats();
    const sel = [], succeeded = [], local = [];
    st.forEach((s) => {
      if (s.type === 'local-candidate') local.push({ type: s.candidateType, relayProtocol: s.relayProtocol, address: s.address });
      if (s.type !== 'candidate-pair') return;
      const l = st.get(s.localCandidateId), rc = st.get(s.remoteCandidateId);
      const x = { state: s.state, nominated: s.nominated, selected: s.selected, type: l && l.candidateType,
        relayProtocol: l && l.relayProtocol, local: l && (l.address + ':' + l.port), remote: rc && (rc.address + ':' + rc.port),
        bytesSent: s.bytesSent, bytesReceived: s.bytesReceived };
      if (s.state === 'succeeded') succeeded.push(x);
      if (s.selected) sel.push(x);
    });
    out[name] = { selected: sel, succeeded, local };
  }
  return out;
})()`;
const paths = await ff.evaluate(pathOf);
diag(`Firefox ICE: ${JSON.stringify(paths)}`);
let relayed = true;
for (const k of ['pub', 'sub']) {
  const x = paths[k];
  if (!x || x.selected.length !== 1 || x.succeeded.length === 0) { relayed = false; continue; }
  const s = x.selected[0];
  if (s.type !== 'relay' || s.relayProtocol !== env.TURN_TRANSPORT || !(s.bytesSent > 0) || !(s.bytesReceived > 0)) relayed = false;
  if (!x.succeeded.every((p) => p.type === 'relay' && p.relayProtocol === env.TURN_TRANSPORT)) relayed = false;
}
check(relayed, `Firefox: both transports' selected pairs, and every pair that succeeded, use a relay candidate with relayProtocol ${env.TURN_TRANSPORT}, bytes both ways`);
for (const [who, p] of Object.entries(pages)) {
  const s = await p.evaluate('window.mediaStats()');
  diag(`figure: ${who} received video ${JSON.stringify(s.video.map((v) => ({ frames: v.framesDecoded, w: v.width, h: v.height, lost: v.packetsLost, freezes: v.freezeCount })))} audio packets ${s.audio.map((a) => a.packetsReceived).join(',')}`);
}
const rs = await ctl.request('room_stats', { room: ROOM });
check(rs.participants && rs.participants.filter((p) => p.publisher && p.publisher.state === 'connected' && p.subscriber && p.subscriber.state === 'connected').length === 2,
  'SFU: both transports of both participants connected');
check(sfu.alive(), 'SFU alive');
await done();
