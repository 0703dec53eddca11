// Firefox ESR as a RID simulcast publisher through parlour-sfu (issue 9):
// alice (Firefox) sends camera video as three VP8 encodings q, h, f
// (scaleResolutionDownBy 4/2/1 of 1280x720, maxBitrate caps) plus audio;
// two Chromium subscribers: bob a wall tile (b=AS:150 in his answer), carol
// unlimited, then switched down and up through the control API
// (max_video_bitrate) as browser_simulcast.mjs does for a Chromium
// publisher. Then the demand REMB (publisher_feedback.c) with only capped
// subscribers: Firefox's bytes per rid (its getStats outbound-rtp) for h
// and f fall to nothing (Firefox honours REMB), and come back for an
// unlimited subscriber.
// Run by test-browser-firefox-simulcast inside a namespace with a veth pair
// (Firefox gathers no loopback candidates); the SFU advertises 10.200.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { startSfu, Control, check, diag, done, sleep, ARTIFACTS } from './sfu_lib.mjs';
import { startRelay, chromiumPage, firefoxPage } from './browser_lib.mjs';

const iceAddresses = (process.env.SFU_TEST_ICE || '10.200.0.1').split(';');
const sfu = await startSfu({ iceAddresses, workers: 1 });
const ctl = await new Control(sfu.url).connect(sfu.secret);
const ROOM = 'ff-simulcast';
await ctl.request('room_create', { room: ROOM, max_participants: 8 });
const relay = await startRelay(ctl, ROOM);
const pages = {};
async function open(who, kind, query = '') {
  const r = await ctl.request('participant_add', { room: ROOM, participant: who });
  if (r.type !== 'result') throw new Error(JSON.stringify(r));
  const url = `${relay.url}/peer.html?participant=${who}${query}`;
  pages[who] = kind === 'firefox' ? await firefoxPage(url) : await chromiumPage(url);
  await relay.waitPage(who);
}
const video = async (who) => (await pages[who].evaluate('window.mediaStats()')).video[0] || {};
const connected = (who) => ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === who && e.transport === 'subscriber' && e.state === 'connected', 30000);
async function sfuSub(who) {
  const rs = await ctl.request('room_stats', { room: ROOM });
  return rs.participants.find((p) => p.participant === who).subscriptions.find((s) => s.kind === 'video' && s.active);
}
async function aliceTrack() {
  const st = await ctl.request('participant_stats', { room: ROOM, participant: 'alice' });
  return { st, t: (st.tracks || []).find((x) => x.kind === 'video') || {} };
}
// pred(width, ff): ff is Firefox's current width per rid. Firefox lowers
// every layer's resolution when its CPU is short (seen under load: 1280 ->
// 960 wide, q 240), so "top" and "small" are judged against what it sends
// now: the top layer is wider than its h, the small one narrower.
async function waitWidth(who, pred, ms) {
  const end = Date.now() + ms;
  let v = {}, ff = {};
  while (Date.now() < end) {
    v = await video(who);
    ff = await ffWidths();
    if (v.framesDecoded > 0 && pred(v.width, ff)) return { ok: true, v, ff };
    await sleep(200);
  }
  return { ok: false, v, ff };
}
async function ffWidths() {
  const st = await pubStats();
  const w = {};
  for (const rid of ['q', 'h', 'f']) w[rid] = st.rids[rid]?.width || 0;
  return w;
}
const isTop = (w, ff) => w > (ff.h || 640);
const isSmall = (w, ff) => w > 0 && w < (ff.h || 640) && w <= 400;
// Firefox's own view of what it sends, per rid.
const pubStats = () => pages.alice.evaluate('window.pubRidStats()');
const RIDS = ['q', 'h', 'f'];
async function ridRates(ms = 3000) {
  const a = await pubStats();
  await sleep(ms); // the measuring window
  const b = await pubStats();
  const kbps = {};
  const rtx = {};
  for (const rid of RIDS) {
    kbps[rid] = Math.round(((b.rids[rid]?.bytes || 0) - (a.rids[rid]?.bytes || 0)) * 8 / ms);
    rtx[rid] = Math.round(((b.rids[rid]?.rtxBytes || 0) - (a.rids[rid]?.rtxBytes || 0)) * 8 / ms);
  }
  return { kbps, rtx, last: b };
}
const fmt = (r) => `q ${r.kbps.q} / h ${r.kbps.h} / f ${r.kbps.f} kbit/s (of which retransmission/padding ${RIDS.map((x) => r.rtx[x]).join('/')}; widths ${RIDS.map((x) => r.last.rids[x]?.width).join('/')}, target ${RIDS.map((x) => Math.round((r.last.rids[x]?.target || 0) / 1000)).join('/')} k, qlr ${RIDS.map((x) => r.last.rids[x]?.qlr).join(',')})`;
const layerFmt = (t) => (t.layers || []).map((l) => `${l.rid}:${Math.round((l.bps || 0) / 1000)}k`).join(' ');

// ---- publish ----
await open('alice', 'firefox', '&simulcast=1&simKbps=150,500,2000');
relay.send('alice', { op: 'publish' });
const pubEv = await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 30000);
const audEv = await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'audio', 5000).catch(() => null);
check(!!audEv, `Firefox's audio published too (${audEv ? `${audEv.track.id}/${audEv.track.codec}` : 'none'})`);
{
  // What Firefox offers for simulcast, and what the SFU answered (the
  // lines that matter; for docs/media.md and the SDP parser's tests).
  const sdp = await pages.alice.evaluate('window.pubSdp()');
  const keep = (x) => (x || '').split('\r\n').filter((l) => /^(m=|a=simulcast|a=rid|a=extmap:.*(rtp-stream-id|mid|transport-cc)|a=ssrc-group|a=rtcp-fb:\d+ (nack|ccm|goog-remb|transport-cc))/.test(l) || /^a=ssrc:\d+ cname/.test(l)).join(' | ');
  diag(`Firefox's offer: ${keep(sdp.offer)}`);
  try {
    fs.mkdirSync(path.join(ARTIFACTS, 'sfu'), { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'sfu', 'firefox-simulcast-offer.sdp'), sdp.offer || '');
  } catch (e) { diag(`could not save the offer: ${e}`); }
  diag(`SFU's answer: ${keep(sdp.answer)}`);
}
let { t } = await aliceTrack();
check(t.layers && t.layers.length === 3 && t.layers.map((l) => l.rid).join() === 'q,h,f',
  `the SFU answered Firefox's offer with recv simulcast: 3 layers q,h,f (${pubEv.track.id}/${pubEv.track.codec})`, JSON.stringify(t));

// ---- subscribers ----
await open('bob', 'chromium', '&maxKbps=150');
await open('carol', 'chromium');
relay.send('bob', { op: 'subscribe' });
relay.send('carol', { op: 'subscribe' });
await connected('bob');
await connected('carol');

// All three layers arrive at the SFU (bps > 0 each). Firefox ramps its
// layers up behind its estimate, so allow it time.
const tL = Date.now();
while (Date.now() - tL < 30000) {
  ({ t } = await aliceTrack());
  if (t.layers && t.layers.length === 3 && t.layers.every((l) => l.bps > 0 && l.ssrc > 0)) break;
  await sleep(500);
}
diag(`alice's video track at the SFU after ${Date.now() - tL} ms: ${JSON.stringify(t)}`);
check(t.layers && t.layers.length === 3 && t.layers.every((l) => l.ssrc > 0 && l.packets > 0 && l.bps > 0),
  `the SFU sees three layers from Firefox, each SSRC learned from the RID extension, bps > 0 each (${layerFmt(t)})`);
const r0 = await ridRates(3000);
diag(`Firefox sends (its getStats): ${fmt(r0)}`);
check(RIDS.every((x) => r0.last.rids[x]), `Firefox reports outbound-rtp per rid q,h,f (${Object.keys(r0.last.rids).join(',')})`);

const low = await waitWidth('bob', (w) => w > 0 && w <= 400, 20000);
diag(`bob (b=AS:150): ${JSON.stringify(low.v)}; SFU: ${JSON.stringify(await sfuSub('bob'))}`);
check(low.ok, `the wall tile (b=AS:150) decodes Firefox's small layer (frameWidth ${low.v.width})`);
const tH = Date.now();
const high = await waitWidth('carol', isTop, 30000);
diag(`carol (no limit) on the top layer after ${Date.now() - tH} ms: ${JSON.stringify(high.v)}; SFU: ${JSON.stringify(await sfuSub('carol'))}`);
check(high.ok, `the unlimited subscriber decodes Firefox's top layer (frameWidth ${high.v.width}; Firefox sends ${JSON.stringify(high.ff)})`);

// ---- switches through the control API ----
// Two measures of each switch: the gap in the page between the last frame
// of the old width and the first of the new (requestVideoFrameCallback),
// and the largest gap between decoded frames from the SFU's decision to
// 2 s after the new width shows.
const switchGap = async (since) => ((await pages.carol.evaluate('window.widthChanges()')) || []).filter((c) => c.at >= since);
async function waitTarget(who, layer, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await sfuSub(who);
    if (s && s.target_layer === layer) return true;
    await sleep(100);
  }
  return false;
}
await pages.carol.evaluate('window.frameGapReset()');
const c0 = await video('carol');
let r = await ctl.request('participant_update', { room: ROOM, participant: 'carol', max_video_bitrate: 100000 });
check(r.type === 'result', 'participant_update limits carol to 100 kbit/s');
const tD = Date.now();
const down = await waitWidth('carol', isSmall, 15000);
const downMs = Date.now() - tD;
await sleep(2000); // an observation window after the switch: frames and gaps
const c1 = await video('carol');
const gapD = await pages.carol.evaluate('window.frameGap()');
diag(`carol down: on the small layer ${downMs} ms after her limit; ${JSON.stringify(c1)}; largest frame gap ${JSON.stringify(gapD)}; SFU ${JSON.stringify(await sfuSub('carol'))}`);
const swD = await switchGap(tD);
diag(`carol's width changes after her limit: ${JSON.stringify(swD)}`);
check(down.ok, `carol switches down to Firefox's small layer within 15 s (${c0.width} -> ${down.v.width}, ${downMs} ms; Firefox sends ${JSON.stringify(down.ff)})`);
check(c1.framesDecoded > c0.framesDecoded + 30, `carol keeps decoding across the down-switch (${c1.framesDecoded - c0.framesDecoded} frames)`);
check(swD.length > 0 && swD.every((c) => c.gapMs < 1000), `the down-switch itself: ${swD.map((c) => `${c.from} -> ${c.to} after a ${c.gapMs} ms gap`).join(', ')}`);
check(gapD.pollMs < 1000, `no freeze over 1 s across the down-switch (largest gap between decoded frames ${gapD.pollMs} ms, between presented frames ${gapD.rvfcMs} ms)`);

r = await ctl.request('participant_update', { room: ROOM, participant: 'carol', max_video_bitrate: 0 });
const tU = Date.now();
// Up waits for carol's estimate to fit the top layer (a 2 s hold at least;
// longer on a loaded machine); the switch starts with the SFU's decision.
const decided = await waitTarget('carol', 2, 20000);
const decidedMs = Date.now() - tU;
await pages.carol.evaluate('window.frameGapReset()');
const up = await waitWidth('carol', isTop, Math.max(5000, 20000 - decidedMs));
const upMs = Date.now() - tU;
await sleep(2000); // an observation window after the switch: frames and gaps
const c2 = await video('carol');
const gapU = await pages.carol.evaluate('window.frameGap()');
const swU = await switchGap(tU);
diag(`carol's width changes after the lift: ${JSON.stringify(swU)}; the SFU chose the top layer ${decided ? `${decidedMs} ms` : 'not within 20 s'} after the lift`);
diag(`carol up: on the top layer ${upMs} ms after the lift; ${JSON.stringify(c2)}; largest frame gap ${JSON.stringify(gapU)}`);
check(up.ok, `carol climbs back to Firefox's top layer within 20 s (${c1.width} -> ${up.v.width}, ${upMs} ms; Firefox sends ${JSON.stringify(up.ff)})`);
check(c2.framesDecoded > c1.framesDecoded + 30, `carol keeps decoding across the up-switch (${c2.framesDecoded - c1.framesDecoded} frames)`);
const swUp = swU.filter((c) => c.to > c.from);
check(swUp.length > 0 && swUp.every((c) => c.gapMs < 1000), `the up-switch itself: ${swU.map((c) => `${c.from} -> ${c.to} after a ${c.gapMs} ms gap`).join(', ')}`);
check(gapU.pollMs < 1000, `no freeze over 1 s across the up-switch, from the SFU's decision on (largest gap between decoded frames ${gapU.pollMs} ms, between presented frames ${gapU.rvfcMs} ms)`);
// The freeze limit is the frame-gap checks above (no gap over 1 s at
// either switch); Chromium's own freeze counters are reported beside them
// (on a loaded machine they count freezes that have nothing to do with
// the switch, e.g. before it).
const fz = c2.totalFreezesDuration - c0.totalFreezesDuration;
diag(`getStats freezes over both switches: ${fz.toFixed(2)} s, ${c2.freezeCount - c0.freezeCount} freezes`);
const b1 = await video('bob');
check(b1.framesDecoded > low.v.framesDecoded + 30 && b1.width > 0 && b1.width <= 400, `bob stays on the small layer and decodes (${b1.width}, ${b1.framesDecoded - low.v.framesDecoded} frames)`);

// ---- the demand REMB toward Firefox ----
// Firefox's bytesSent for q runs ~1 Mbit/s above the media the SFU counts
// on q's SSRC: RTX padding (the SFU's rtx_received climbs with it while
// retransmissions are 0). Both measured over the same 3 s.
const rtx0 = (await aliceTrack()).t.rtx_received;
const rAll = await ridRates(3000);
({ t } = await aliceTrack());
diag(`REMB: SFU rtx_received ${Math.round((t.rtx_received - rtx0) / 3)} packets/s meanwhile (nacks_sent ${t.nacks_sent})`);
diag(`REMB: carol unlimited: Firefox sends ${fmt(rAll)}; SFU REMB ${t.remb_bps} bit/s, highest layer ${t.remb_highest_layer}; layers ${layerFmt(t)}`);
await ctl.request('participant_update', { room: ROOM, participant: 'carol', max_video_bitrate: 150000 });
const tR = Date.now();
// Every 500 ms: the SFU's REMB and Firefox's bytes per rid; rates over the
// last 3 s. Times: when the REMB fell to layer 0's demand, and when h and
// f stopped (no byte for 1 s).
let rCap = null;
const hist = [];
let tRembLow = null, tStopped = null;
while (Date.now() - tR < 21000) {
  const snap = await pubStats();
  const remb = (await aliceTrack()).t.remb_bps;
  const now = Date.now() - tR;
  hist.push({ now, snap, remb });
  if (tRembLow === null && remb > 0 && remb < 300000) tRembLow = now;
  const back = (ms) => hist.find((x) => x.now >= now - ms - 250) || hist[0];
  const d = (a, rid) => (snap.rids[rid]?.bytes || 0) - (a.snap.rids[rid]?.bytes || 0);
  const b1 = back(1000);
  if (tStopped === null && now - b1.now >= 900 && d(b1, 'h') === 0 && d(b1, 'f') === 0) tStopped = b1.now;
  const b3 = back(3000);
  if (now - b3.now >= 2900) {
    const kbps = {}, rtx = {};
    for (const rid of RIDS) {
      kbps[rid] = Math.round(d(b3, rid) * 8 / (now - b3.now));
      rtx[rid] = Math.round(((snap.rids[rid]?.rtxBytes || 0) - (b3.snap.rids[rid]?.rtxBytes || 0)) * 8 / (now - b3.now));
    }
    rCap = { kbps, rtx, last: snap };
    if (kbps.h <= 3 && kbps.f <= 3) break;
  }
  await sleep(500);
}
const series = hist.filter((x, i) => i % 2 === 0).map((x) => `${(x.now / 1000).toFixed(1)}s REMB ${Math.round(x.remb / 1000)}k h ${x.snap.rids.h?.bytes} f ${x.snap.rids.f?.bytes}`);
// (The SFU keeps a layer wanted for 5 s after its last subscriber left it:
// publisher_remb's off_hold_us.)
diag(`REMB: the SFU's REMB fell to layer 0's demand ${tRembLow} ms after the cap (seen at a 500 ms poll); Firefox's h and f sent no byte after the poll at ${tStopped === null ? 'never' : `${tStopped} ms`} (${tStopped !== null && tRembLow !== null ? tStopped - tRembLow : '-'} ms from the REMB's fall, to the poll's resolution)`);
diag(`REMB: timeline (bytes sent so far): ${series.join('; ')}`);
const rtx1 = t.rtx_received;
({ t } = await aliceTrack());
diag(`REMB: SFU rtx_received ${t.rtx_received - rtx1} packets over the capped phase`);
diag(`REMB: SFU REMB ${t.remb_bps} bit/s, highest layer ${t.remb_highest_layer}; layers ${layerFmt(t)}; Firefox ${fmt(rCap)}`);
check(t.remb_highest_layer === 0 && t.remb_bps > 0 && t.remb_bps < 300000, `the SFU's demand REMB toward Firefox asks for layer 0 only (${t.remb_bps} bit/s)`);
// Firefox honours the REMB (measured: h and f stop 6-12 s after the cap,
// 3-4 s after the SFU's REMB fell):
// a layer "falls" when it is under a quarter of its rate before, or off.
const fell = (rid) => rCap.kbps[rid] <= Math.max(3, rAll.kbps[rid] / 4);
const tFell = Date.now() - tR;
check(fell('h') && fell('f'), `Firefox's upper layers fall with only capped subscribers within ~20 s (h ${rAll.kbps.h} -> ${rCap.kbps.h}, f ${rAll.kbps.f} -> ${rCap.kbps.f} kbit/s, ${tFell} ms)`);
const b2 = await video('bob'), cc = await video('carol');
await sleep(2000); // frames decoded in a 2 s window
const b3 = await video('bob'), c3 = await video('carol');
check(b3.framesDecoded > b2.framesDecoded + 20 && c3.framesDecoded > cc.framesDecoded + 20 && c3.width <= 400,
  `the capped subscribers keep decoding the small layer meanwhile (bob ${b3.width}, carol ${c3.width})`);
// Lift again: the top layer comes back for carol (whatever Firefox did).
await ctl.request('participant_update', { room: ROOM, participant: 'carol', max_video_bitrate: 0 });
const tB = Date.now();
const back = await waitWidth('carol', isTop, 20000);
const rBack = await ridRates(3000);
diag(`REMB: carol unlimited again: on the top layer after ${Date.now() - tB} ms; Firefox ${fmt(rBack)}`);
check(back.ok, `carol unlimited again decodes the top layer within 20 s (${back.v.width})`);

const errs = [];
for (const who of Object.keys(pages)) errs.push(...(await pages[who].evaluate('window.mediaStats()')).errors);
check(errs.length === 0, 'no error in any page', JSON.stringify(errs));
check(sfu.alive(), 'SFU alive');
await done();
