// Publishers are told what the SFU can use (issue 9): a Chromium publisher
// sending three RID simulcast layers (q, h, f: 320x180, 640x360, 1280x720)
// stops encoding the layers nobody receives, and starts them again when
// somebody can use them.
//
// Twice: with transport-cc toward the publisher ([media] publisher_twcc = true:
// the SFU answers its transport-cc and sends feedback, Chromium runs its
// own uplink estimate, the REMB is the demand cap) and with REMB only (the
// SFU's default: the REMB is min(demand, loss-based uplink estimate));
// publisher_feedback.c. Measured at the
// publisher (getStats outbound-rtp per rid: bytesSent over 3 s windows) and
// at the subscribers (frames decoded, frame width):
//  (a) only wall tiles (two subscribers limited to the low layer, one by
//      b=AS:150 in its answer, one by max_video_bitrate): h and f stop;
//      the tiles keep decoding q;
//  (b) an unlimited subscriber joins: f is sent again and that subscriber
//      decodes 1280-wide frames within 10 s (required with REMB only, the
//      default; measured with transport-cc on, see below);
//  (c) it becomes limited too: h and f stop again within 10 s.
// Run by test-browser-publisher-remb in a namespace with only lo.
import { startSfu, Control, check, diag, done, sleep } from './sfu_lib.mjs';
import { startRelay, chromiumPage } from './browser_lib.mjs';

async function scenario(tcc) {
const M = tcc ? '[transport-cc]' : '[REMB only]';
const chk = (c, name, why) => check(c, `${M} ${name}`, why);
const dg = (m) => diag(`${M} ${m}`);
  const sfu = await startSfu({ iceAddresses: ['127.0.0.1'], workers: 1, media: { publisher_twcc: tcc } });
  const ctl = await new Control(sfu.url).connect(sfu.secret);
  const ROOM = 'pubremb';
  await ctl.request('room_create', { room: ROOM, max_participants: 8 });
  const relay = await startRelay(ctl, ROOM);
  const pages = {};
  async function open(who, query = '', fields = {}) {
    const r = await ctl.request('participant_add', { room: ROOM, participant: who, ...fields });
    if (r.type !== 'result') throw new Error(JSON.stringify(r));
    pages[who] = await chromiumPage(`${relay.url}/peer.html?participant=${who}${query}`);
    await relay.waitPage(who);
  }
  const video = async (who) => (await pages[who].evaluate('window.mediaStats()')).video[0] || {};
  const connected = (who) => ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === who && e.transport === 'subscriber' && e.state === 'connected', 20000);

  // The publisher's own view, per rid (peer.js keeps its publisher
  // RTCPeerConnection in the script-global `pub`).
  const PUB_STATS = `(async () => {
    const out = { rids: {}, aob: 0 };
    if (!pub) return out;
    const st = await pub.getStats();
    st.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video')
        out.rids[s.rid] = { bytes: s.bytesSent || 0, frames: s.framesEncoded || 0, width: s.frameWidth || 0,
          qlr: s.qualityLimitationReason, active: s.active, target: s.targetBitrate || 0 };
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) out.aob = s.availableOutgoingBitrate;
    });
    return out;
  })()`;
  const pubStats = () => pages.alice.evaluate(PUB_STATS);
  // kbit/s per rid over `ms`, and the last snapshot.
  async function ridRates(ms = 3000) {
    const a = await pubStats();
    await sleep(ms); // the measuring window
    const b = await pubStats();
    const kbps = {};
    for (const rid of ['q', 'h', 'f']) kbps[rid] = Math.round(((b.rids[rid]?.bytes || 0) - (a.rids[rid]?.bytes || 0)) * 8 / ms);
    return { kbps, last: b };
  }
  const fmt = (r) => `q ${r.kbps.q} / h ${r.kbps.h} / f ${r.kbps.f} kbit/s (qlr ${['q', 'h', 'f'].map((x) => r.last.rids[x]?.qlr).join(',')}, target ${['q', 'h', 'f'].map((x) => Math.round((r.last.rids[x]?.target || 0) / 1000)).join('/')} k, availableOutgoingBitrate ${Math.round(r.last.aob / 1000)} k)`;
  async function aliceTrack() {
    const st = await ctl.request('participant_stats', { room: ROOM, participant: 'alice' });
    return { st, t: st.tracks.find((x) => x.kind === 'video') || {} };
  }
  // Polls the publisher every 3 s until pred(rates) or ms elapsed.
  async function waitRates(pred, ms) {
    const t0 = Date.now();
    let r;
    do {
      r = await ridRates(3000);
      if (pred(r.kbps)) return { ok: true, r, t: Date.now() - t0 };
    } while (Date.now() - t0 < ms);
    return { ok: false, r, t: Date.now() - t0 };
  }
  const OFF = 3; // kbit/s: a layer below this is not being sent
  const upperOff = (k) => k.h <= OFF && k.f <= OFF && k.q > 30;

  await open('alice', '&simulcast=1');
  relay.send('alice', { op: 'publish' });
  await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 20000);
  // Chromium starts every layer it can afford: wait until the top one has
  // been sent at all, so (a) shows layers being switched off.
  let seen = { kbps: {} };
  for (let i = 0; i < 10 && !(seen.last?.rids?.f?.bytes > 0); i++) seen = await ridRates(1000);
  dg(`publisher alone: ${fmt(seen)}`);

  // (a) two wall tiles
  await open('bob', '&maxKbps=150');
  await open('carol', '', { max_video_bitrate: 150000 });
  relay.send('bob', { op: 'subscribe' });
  relay.send('carol', { op: 'subscribe' });
  await connected('bob');
  await connected('carol');
  const tA = Date.now();
  const a = await waitRates(upperOff, 15000);
  dg(`tiles only: ${fmt(a.r)} after ${Date.now() - tA} ms`);
  let { st, t } = await aliceTrack();
  dg(`SFU: publisher_feedback ${JSON.stringify(st.publisher_feedback)}; track remb_bps ${t.remb_bps}, highest ${t.remb_highest_layer}, layers ${JSON.stringify(t.layers)}`);
  if (tcc) {
    chk(st.publisher_feedback && st.publisher_feedback.transport_cc && st.publisher_feedback.feedbacks > 20 && st.publisher_feedback.packets > 500,
      `transport-cc toward the publisher: answered, ${st.publisher_feedback?.packets} packets recorded, ${st.publisher_feedback?.feedbacks} feedbacks sent`);
    chk(a.r.last.aob > 0, `Chromium runs its send-side estimate (availableOutgoingBitrate ${Math.round(a.r.last.aob / 1000)} kbit/s)`);
  } else {
    chk(st.publisher_feedback && !st.publisher_feedback.transport_cc && st.publisher_feedback.feedbacks === 0,
      'transport-cc switched off: not answered, no feedback sent');
  }
  chk(a.ok, `only wall tiles: the publisher stops sending h and f within ~10 s (${fmt(a.r)})`);
  chk(t.remb_highest_layer === 0 && t.remb_bps < 300000, `the SFU asks for layer 0 only (REMB ${t.remb_bps} bit/s)`);
  const b0 = await video('bob'), c0 = await video('carol');
  await sleep(2000); // frames decoded in a 2 s window
  const b1 = await video('bob'), c1 = await video('carol');
  chk(b1.framesDecoded > b0.framesDecoded + 20 && b1.width > 0 && b1.width <= 400, `bob (b=AS:150) decodes the low layer (${b1.width} wide, ${b1.framesDecoded - b0.framesDecoded} frames in 2 s)`);
  chk(c1.framesDecoded > c0.framesDecoded + 20 && c1.width > 0 && c1.width <= 400, `carol (max_video_bitrate) decodes the low layer (${c1.width} wide, ${c1.framesDecoded - c0.framesDecoded} frames in 2 s)`);

  // (b) an unlimited subscriber
  await open('dave');
  relay.send('dave', { op: 'subscribe' });
  await connected('dave');
  const tB = Date.now();
  let top = null, fOn = null;
  while (Date.now() - tB < 20000 && !top) {
    const v = await video('dave');
    if (!fOn) {
      const p = await pubStats();
      if (p.rids.f && p.rids.f.bytes > (a.r.last.rids.f?.bytes || 0) + 5000) fOn = Date.now() - tB;
    }
    if (v.framesDecoded > 0 && v.width >= 1280) top = { t: Date.now() - tB, v };
    else await sleep(250);
  }
  const bRates = await ridRates(3000);
  dg(`unlimited subscriber: f sent again after ${fOn} ms, dave on 1280 after ${top ? top.t : '-'} ms; publisher ${fmt(bRates)}`);
  ({ st, t } = await aliceTrack());
  dg(`SFU: track remb_bps ${t.remb_bps}, highest ${t.remb_highest_layer}, layers ${JSON.stringify(t.layers)}`);
  // With transport-cc on, whether f comes back is Chromium's own uplink
  // estimate fed by our arrival times, taken in user space: on a busy
  // machine they jitter, its estimate stays low (663 kbit/s in a run beside
  // other browser tests) and f never comes — the reason the mode is off by
  // default (docs/media.md). There it is measured, not required; the
  // default mode below must climb.
  const climb = [
    [fOn !== null && fOn <= 10000, `an unlimited subscriber: the publisher sends f again within 10 s (${fOn} ms)`],
    [top && top.t <= 10000, `...and that subscriber decodes the top layer within 10 s (${top ? `${top.t} ms, ${top.v.width}x${top.v.height}` : 'never'})`],
    [bRates.kbps.f > 100 && bRates.kbps.h > 30, `all three layers flow (${fmt(bRates)})`],
  ];
  for (const [c, name] of climb) {
    if (tcc) dg(`measured, not required with transport-cc on: ${c ? 'yes' : 'NO'} - ${name}`);
    else chk(c, name);
  }
  chk(t.remb_highest_layer === 2, `the SFU asks for every layer (REMB ${t.remb_bps} bit/s)`);
  const b2 = await video('bob');
  chk(b2.framesDecoded > b1.framesDecoded + 30 && b2.width <= 400, `bob still decodes the low layer (${b2.width} wide)`);

  // (c) the unlimited subscriber becomes a tile too
  await ctl.request('participant_update', { room: ROOM, participant: 'dave', max_video_bitrate: 150000 });
  const tC = Date.now();
  const c = await waitRates(upperOff, 15000);
  dg(`all limited again: ${fmt(c.r)} after ${Date.now() - tC} ms`);
  chk(c.ok && Date.now() - tC <= 13000, `dave limited too: h and f stop again within ~10 s (${fmt(c.r)})`);
  const d0 = await video('dave');
  await sleep(2000); // frames decoded in a 2 s window
  const d1 = await video('dave');
  chk(d1.framesDecoded > d0.framesDecoded + 20 && d1.width <= 400, `dave keeps decoding, now the low layer (${d1.width} wide)`);
  ({ st } = await aliceTrack());
  dg(`SFU at the end: publisher_feedback ${JSON.stringify(st.publisher_feedback)}`);
  chk(st.publisher_feedback.send_errors === 0 && st.publisher_feedback.skipped === 0, 'feedback: no send error, nothing skipped');
  const errs = [];
  for (const who of Object.keys(pages)) errs.push(...(await pages[who].evaluate('window.mediaStats()')).errors);
  chk(errs.length === 0, 'no error in any page', JSON.stringify(errs));
  chk(sfu.alive(), 'SFU alive');
for (const w of Object.keys(pages)) await pages[w].close();
await sfu.stop();
}

await scenario(true);
await scenario(false);
await done();
