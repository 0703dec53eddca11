// RID simulcast through parlour-sfu: a Chromium publisher sends three VP8
// layers (q, h, f: 1/4, 1/2, full of 1280x720); a subscriber with a limit
// (b=AS:150, a wall tile) receives the lowest, one without the highest;
// switching a subscriber up and down (control max_video_bitrate) happens on
// keyframes with frames decoding throughout and no long freeze.
import { startSfu, Control, check, diag, done, sleep, waitFor } from './sfu_lib.mjs';
import { startRelay, chromiumPage } from './browser_lib.mjs';

const sfu = await startSfu({ iceAddresses: ['127.0.0.1'], workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = 'simulcast';
await ctl.request('room_create', { room: ROOM, max_participants: 8 });
const relay = await startRelay(ctl, ROOM);
const pages = {};
async function open(who, query = '') {
  const r = await ctl.request('participant_add', { room: ROOM, participant: who });
  if (r.type !== 'result') throw new Error(JSON.stringify(r));
  pages[who] = await chromiumPage(`${relay.url}/peer.html?participant=${who}${query}`);
  await relay.waitPage(who);
}
const video = async (who) => (await pages[who].evaluate('window.mediaStats()')).video[0] || {};
const connected = (who) => ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === who && e.transport === 'subscriber' && e.state === 'connected', 20000);
async function sfuSub(who) {
  const rs = await ctl.request('room_stats', { room: ROOM });
  return rs.participants.find((p) => p.participant === who).subscriptions.find((s) => s.kind === 'video' && s.active);
}
// Waits until `who` decodes frames of the given width predicate; returns the stats.
async function waitWidth(who, pred, ms) {
  const end = Date.now() + ms;
  let v = {};
  while (Date.now() < end) {
    v = await video(who);
    if (v.framesDecoded > 0 && pred(v.width)) return { ok: true, v };
    await sleep(250);
  }
  return { ok: false, v };
}

await open('alice', '&simulcast=1');
relay.send('alice', { op: 'publish' });
const pubEv = await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 20000);
await open('bob', '&maxKbps=150');
await open('carol');
relay.send('bob', { op: 'subscribe' });
relay.send('carol', { op: 'subscribe' });
await connected('bob');
await connected('carol');
// Until the SFU has learnt all three layers and packets arrive on each.
const aliceVideo = async () => (await ctl.request('participant_stats', { room: ROOM, participant: 'alice' })).tracks.find((t) => t.kind === 'video');
const vt = await waitFor(async () => { const t = await aliceVideo(); return t && t.layers && t.layers.length === 3 && t.layers.every((l) => l.ssrc > 0 && l.packets > 0) ? t : null; },
  { timeout: 30000, what: 'three layers with packets' }).catch(() => aliceVideo());
diag(`alice's video track: ${JSON.stringify(vt)}`);
check(vt.layers && vt.layers.length === 3 && vt.layers.map((l) => l.rid).join() === 'q,h,f', `the SFU answered recv simulcast: 3 layers q,h,f (${pubEv.track.id})`);
check(vt.layers && vt.layers.every((l) => l.ssrc > 0 && l.packets > 0), 'each layer\'s SSRC learned from the RID extension, packets on each');

const low = await waitWidth('bob', (w) => w > 0 && w <= 400, 20000);
const high = await waitWidth('carol', (w) => w >= 640, 30000);
diag(`bob (b=AS:150): ${JSON.stringify(low.v)}; SFU: ${JSON.stringify(await sfuSub('bob'))}`);
diag(`carol (no limit): ${JSON.stringify(high.v)}; SFU: ${JSON.stringify(await sfuSub('carol'))}`);
check(low.ok, `the limited subscriber decodes the small layer (frameWidth ${low.v.width})`);
// Its layer follows its own REMB, which climbs behind what arrives: the top
// layer usually within ~10 s here, the middle one at least (slower under ASan).
check(high.v.width >= 2 * low.v.width, `the unlimited subscriber decodes a larger layer (frameWidth ${high.v.width} vs ${low.v.width})`);

// Switch bob up (limit lifted), then down again: frames keep coming.
const b0 = await video('bob');
let r = await ctl.request('participant_update', { room: ROOM, participant: 'bob', max_video_bitrate: 0 });
check(r.type === 'result', 'participant_update lifts bob\'s limit');
// bob's answer still says b=AS:150, so he stays limited (the smaller
// wins). The switches are shown on carol: a limit, then none.
r = await ctl.request('participant_update', { room: ROOM, participant: 'carol', max_video_bitrate: 100000 });
const c0 = await video('carol');
const tSwitch = Date.now();
const down = await waitWidth('carol', (w) => w > 0 && w <= 400, 15000);
diag(`carol on the small layer ${Date.now() - tSwitch} ms after her limit`);
await sleep(2000); // an observation window after the switch: decoding goes on, freezes would show
const c1 = await video('carol');
diag(`carol after her limit: ${JSON.stringify(c1)}; SFU ${JSON.stringify(await sfuSub('carol'))}`);
check(down.ok, `carol switches down to the small layer within 15 s (frameWidth ${c1.width})`);
check(c1.framesDecoded > c0.framesDecoded + 30, `carol keeps decoding across the switch (${c1.framesDecoded - c0.framesDecoded} frames)`);
r = await ctl.request('participant_update', { room: ROOM, participant: 'carol', max_video_bitrate: 0 });
const tUp = Date.now();
const up = await waitWidth('carol', (w) => w >= 640, 15000);
diag(`carol on the large layer ${Date.now() - tUp} ms after the lift`);
await sleep(2000); // an observation window after the switch: decoding goes on, freezes would show
const c2 = await video('carol');
diag(`carol after the lift: ${JSON.stringify(c2)}`);
check(up.ok, `carol climbs back to the large layer within 15 s (frameWidth ${c2.width})`);
check(c2.framesDecoded > c1.framesDecoded + 30, `carol keeps decoding across the up-switch (${c2.framesDecoded - c1.framesDecoded} frames)`);
const fz = c2.totalFreezesDuration - c0.totalFreezesDuration;
check(fz < 1.0, `freezes over both switches under 1 s in total (${(fz).toFixed(2)} s, ${c2.freezeCount - c0.freezeCount} freezes)`);
const b1 = await video('bob');
check(b1.framesDecoded > b0.framesDecoded + 30 && b1.width <= 400, `bob (b=AS:150 in his answer) stays on the small layer and decodes (${b1.width}, ${b1.framesDecoded - b0.framesDecoded} frames)`);
// Active speaker: Chromium's fake microphone beeps; its audio carries the
// RFC 6464 level, which the SFU turns into speaking events.
const spk = ctl.events.filter((e) => e.event === 'speaking' && e.participant === 'alice');
const act = ctl.events.filter((e) => e.event === 'active_speaker');
diag(`speaking events for alice: ${spk.map((e) => e.speaking).join(',')}; active_speaker: ${act.map((e) => e.participant).join(',')}`);
check(spk.some((e) => e.speaking === true && e.track === 'alice:0'), 'speaking:true for alice\'s audio track from its audio levels');
check(act.some((e) => e.participant === 'alice'), 'active_speaker names alice');
check(!ctl.events.some((e) => e.event === 'speaking' && e.participant !== 'alice'), 'no speaking event for the subscribers (they publish nothing)');
const errs = [];
for (const who of ['alice', 'bob', 'carol']) errs.push(...(await pages[who].evaluate('window.mediaStats()')).errors);
check(errs.length === 0, 'no error in any page', JSON.stringify(errs));
check(sfu.alive(), 'SFU alive');
await done();
