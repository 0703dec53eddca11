// A call through parlour-sfu between real browsers with fake camera and mic.
//   node browser_call.mjs chromium   two Chromium pages, then a third joins mid-call
//   node browser_call.mjs firefox    Chromium + Firefox ESR
// Run inside a network namespace the wrapper made (test-browser-*), so the
// SFU is every page's only ICE peer and nothing leaves the namespace.
import { startSfu, Control, check, diag, done, sleep, waitFor, ok, notOk } from './sfu_lib.mjs';
import { startRelay, chromiumPage, firefoxPage, cpuSeconds } from './browser_lib.mjs';

const mode = process.argv[2] || 'chromium';
const iceAddresses = (process.env.SFU_TEST_ICE || '127.0.0.1').split(';');
const sfu = await startSfu({ iceAddresses, workers: 2 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = 'browser-call';
let r = await ctl.request('room_create', { room: ROOM, max_participants: 8 });
check(r.type === 'result', 'room created');
const relay = await startRelay(ctl, ROOM, { host: process.env.SFU_TEST_HOST || '127.0.0.1' });

const open = async (who, kind) => {
  r = await ctl.request('participant_add', { room: ROOM, participant: who });
  if (r.type !== 'result') throw new Error(JSON.stringify(r));
  const url = `${relay.url}/peer.html?participant=${who}`;
  const page = kind === 'firefox' ? await firefoxPage(url) : await chromiumPage(url);
  await relay.waitPage(who);
  return page;
};

const stats = (p) => p.evaluate('window.mediaStats()');

// Polls until every page decoded `frames` frames of `videos` remote videos
// and received audio from `audios` remote tracks; returns the last stats.
async function waitMedia(pages, { videos, audios, frames, timeoutMs }) {
  const end = Date.now() + timeoutMs;
  let last = {};
  for (;;) {
    let all = true;
    for (const [who, p] of Object.entries(pages)) {
      const s = await stats(p);
      last[who] = s;
      const v = s.video.filter((x) => x.framesDecoded >= frames).length;
      const a = s.audio.filter((x) => x.packetsReceived > 0).length;
      if (v < videos || a < audios) all = false;
    }
    if (all || Date.now() > end) return { ok: all, last };
    await sleep(100);
  }
}

const kindB = mode === 'firefox' ? 'firefox' : 'chromium';
const pages = { alice: await open('alice', 'chromium'), bob: await open('bob', kindB) };
ok(`two pages open (chromium + ${kindB})`);
const tPub = Date.now();
relay.send('alice', { op: 'publish' });
relay.send('bob', { op: 'publish' });
const published = [];
try {
  for (let i = 0; i < 4; i++) published.push(await ctl.waitEvent((e) => e.event === 'track_published', 20000));
  ok(`4 tracks published (${published.map((e) => `${e.track.id}/${e.track.codec}`).join(', ')})`);
} catch (e) { notOk('4 tracks published', String(e)); }

const tSub = Date.now();
relay.send('alice', { op: 'subscribe' });
relay.send('bob', { op: 'subscribe' });
const cpu0 = cpuSeconds(sfu.proc.pid);
const w0 = Date.now();
const res = await waitMedia(pages, { videos: 1, audios: 1, frames: 60, timeoutMs: 40000 });
check(res.ok, 'each page decodes >= 60 frames of the other and receives its audio', JSON.stringify(res.last).slice(0, 1500));
for (const [who, s] of Object.entries(res.last)) {
  diag(`${who}: video ${JSON.stringify(s.video)} audio ${JSON.stringify(s.audio)} errors ${JSON.stringify(s.errors)}`);
}
const levels = res.last.alice.ssrcAudioLevels || [];
diag(`alice's receiver: audio levels from the extension ${JSON.stringify(levels)}`);
check(levels.length > 0 && levels.every((l) => typeof l === 'number'), 'the subscriber reports an audio level for the forwarded source (getSynchronizationSources; the SFU forwards the RFC 6464 extension)');
const firsts = {};
for (const [who, p] of Object.entries(pages)) {
  const f = await p.evaluate('window.firstFrameAt');
  const t = Math.min(...Object.values(f));
  firsts[who] = Number.isFinite(t) ? t - tSub : -1;
}
diag(`time to first frame after subscribe: alice ${firsts.alice} ms, bob ${firsts.bob} ms (publish started ${tSub - tPub} ms before)`);
for (const who of ['alice', 'bob']) {
  const c = ctl.events.find((e) => e.event === 'transport_state' && e.participant === who && e.transport === 'subscriber' && e.state === 'connected')
    || null;
  const f = await pages[who].evaluate('window.firstFrameAt');
  const first = Math.min(...Object.values(f));
  if (c) diag(`${who}: subscriber ICE+DTLS connected ${c.receivedAt - tSub} ms after subscribe, first frame ${first - c.receivedAt} ms after that`);
}
// CPU of the SFU over a further stretch of the two-party call.
await sleep(5000);
const cpu1 = cpuSeconds(sfu.proc.pid);
const wall = (Date.now() - w0) / 1000;
diag(`SFU CPU during the two-party call: ${(100 * (cpu1 - cpu0) / wall).toFixed(1)}% of one core over ${wall.toFixed(1)} s`);
const rs = await ctl.request('room_stats', { room: ROOM });
const profiles = rs.participants.map((p) => `${p.participant}:${p.publisher && p.publisher.srtp_profile}`);
diag(`SRTP profiles: ${profiles.join(' ')}`);
check(rs.participants.every((p) => p.publisher && p.publisher.state === 'connected' && p.subscriber && p.subscriber.state === 'connected'), 'SFU: both transports of both participants connected');
check(rs.participants.every((p) => p.subscriptions.some((s) => s.forwarding && s.packets > 100)), 'SFU: forwarding counted on every subscription');

if (mode === 'chromium') {
  // A third participant joins mid-call: video from both within 2 s of its
  // subscriber transport connecting (the SFU asks the publishers for a
  // keyframe; their encoders send none on their own for much longer).
  pages.carol = await open('carol', 'chromium');
  relay.send('carol', { op: 'publish' });
  await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'carol' && e.track.kind === 'video', 20000);
  relay.send('carol', { op: 'subscribe' });
  let conn;
  try {
    conn = await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'carol' && e.transport === 'subscriber' && e.state === 'connected', 20000);
  } catch (e) { notOk('carol subscriber connected', String(e)); }
  if (conn) {
    const end = conn.receivedAt + 10000;
    let t2 = null;
    while (Date.now() < end) {
      const s = await stats(pages.carol);
      if (s.video.filter((v) => v.framesDecoded > 0).length >= 2) { t2 = Date.now(); break; }
      await sleep(50);
    }
    const f = await pages.carol.evaluate('window.firstFrameAt');
    const lastFirst = Object.values(f).length >= 2 ? Math.max(...Object.values(f)) : null;
    const delay = lastFirst ? lastFirst - conn.receivedAt : -1;
    diag(`carol: subscriber connected, video from both others after ${delay} ms`);
    check(t2 !== null && delay >= 0 && delay <= 2000, `third participant gets both videos within 2 s of connecting (${delay} ms)`);
    const kf = ctl.events.filter((e) => e.event === 'keyframe_requested' && e.reason === 'new_subscriber');
    check(kf.some((e) => e.participant === 'alice') && kf.some((e) => e.participant === 'bob'),
      `keyframe_requested (new_subscriber) toward both publishers (${kf.length} such events)`);
  }
  const res3 = await waitMedia({ alice: pages.alice, bob: pages.bob }, { videos: 2, audios: 2, frames: 10, timeoutMs: 20000 });
  check(res3.ok, 'after renegotiation alice and bob each decode two remote videos', JSON.stringify(res3.last).slice(0, 800));

  // Publisher renegotiation: alice adds a second camera, then stops it.
  relay.send('alice', { op: 'add_video' });
  const added = await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.id === 'alice:2', 15000).catch(() => null);
  check(added && added.track.kind === 'video', 'alice renegotiates her publisher connection: a third track alice:2');
  const res4 = await waitMedia({ bob: pages.bob, carol: pages.carol }, { videos: 3, audios: 2, frames: 10, timeoutMs: 20000 });
  check(res4.ok, 'bob and carol get it by subscriber renegotiation (3 remote videos decoding)', JSON.stringify(res4.last).slice(0, 600));
  relay.send('alice', { op: 'remove_video' });
  const removed = await ctl.waitEvent((e) => e.event === 'track_unpublished' && e.track.id === 'alice:2', 15000).catch(() => null);
  check(!!removed, 'stopping that transceiver unpublishes alice:2');
  // Until bob's renegotiation has made that section inactive.
  const slotsOf = async () => (await ctl.request('room_stats', { room: ROOM })).participants.find((p) => p.participant === 'bob').subscriptions;
  const settledSlots = (s) => s.some((x) => x.track === null && !x.active) && s.filter((x) => x.active).length === 4;
  const bobSlots = await waitFor(async () => { const s = await slotsOf(); return settledSlots(s) ? s : null; },
    { timeout: 10000, what: 'bob\'s section inactive' }).catch(() => slotsOf());
  check(bobSlots.some((x) => x.track === null && !x.active) && bobSlots.filter((x) => x.active).length === 4,
    'bob\'s section for it went inactive; his other 4 stay active', JSON.stringify(bobSlots));
  const bs = await stats(pages.bob);
  check(bs.errors.length === 0, 'no negotiation error in bob\'s page', JSON.stringify(bs.errors));
}
if (mode === 'chromium') {
  // Subscribing before anyone publishes: the first subscriber offer has no
  // media section; the tracks arrive later by renegotiation.
  const ctl2 = await new Control(sfu.url).connect(sfu.secret);
  const ROOM2 = 'early-bird';
  await ctl2.request('room_create', { room: ROOM2 });
  const relay2 = await startRelay(ctl2, ROOM2);
  const open2 = async (who) => {
    await ctl2.request('participant_add', { room: ROOM2, participant: who });
    const pg = await chromiumPage(`${relay2.url}/peer.html?participant=${who}`);
    await relay2.waitPage(who);
    return pg;
  };
  const dave = await open2('dave');
  relay2.send('dave', { op: 'subscribe' });
  await sleep(1500); // an observation window: the offer is handled in it and no error may show
  const empty = await dave.evaluate('window.mediaStats()');
  check(empty.errors.length === 0, 'a subscriber alone in a room accepts the SFU\'s offer without media sections', JSON.stringify(empty.errors));
  await open2('erin');
  relay2.send('erin', { op: 'publish' });
  const resE = await waitMedia({ dave }, { videos: 1, audios: 1, frames: 30, timeoutMs: 30000 });
  check(resE.ok, 'erin publishes later: dave gets her by renegotiation and decodes 30 frames', JSON.stringify(resE.last).slice(0, 500));
}

// Keyframe requests toward each publisher are throttled: never two for one
// track within 500 ms (event arrival times, so allow some delivery jitter).
const byTrack = {};
for (const e of ctl.events.filter((x) => x.event === 'keyframe_requested')) (byTrack[e.track] ||= []).push(e.receivedAt);
const gaps = Object.values(byTrack).flatMap((ts) => ts.sort((a, b) => a - b).slice(1).map((t, i) => t - ts[i]));
diag(`keyframe requests per track: ${JSON.stringify(Object.fromEntries(Object.entries(byTrack).map(([k, v]) => [k, v.length])))}, smallest gap ${gaps.length ? Math.min(...gaps) : '-'} ms`);
check(gaps.every((g) => g >= 350), 'keyframe requests per track ~500 ms apart or more (350 ms allows for event delivery jitter)');
const fin = await ctl.request('room_stats', { room: ROOM });
for (const p of fin.participants) {
  const v = p.tracks.find((t) => t.kind === 'video');
  if (v) diag(`${p.participant}: video ${v.codec} remb_bps=${v.remb_bps} nacks_sent=${v.nacks_sent} keyframe_requests=${v.keyframe_requests}`);
}
for (const [who, pg] of Object.entries(pages)) {
  const s = await stats(pg);
  if (s.pub) diag(`${who} publisher (browser view): ${JSON.stringify(s.pub)}`);
}
check(sfu.alive(), 'SFU alive');
await done();
