// Network adaptation benchmark (issue 9, "Benchmarks"): what parlour-sfu
// forwards to one Chromium subscriber against the rate of its emulated
// downlink, and how long the subscriber takes to get the top simulcast
// layer back once congestion ends. Run by scripts/bench-net, which makes
// the namespaces: this script, the relay and Chromium (a simulcast
// publisher "alice" and a subscriber "bob", two pages of one browser) run
// in namespace B; parlour-sfu in namespace A (NB_NS_A), media on NB_A; the
// subscriber's downlink is the SFU's egress on NB_DEV (tc tbf, set here);
// the control connection has a link of its own (NB_CTL), outside the
// bottleneck. Output: a table on stdout (TAP diagnostics) and JSON to
// NB_JSON.
//
// Environment: NB_RATES ("2000 1200 800 500 300 200", kbit/s; 0 =
// unlimited, always measured first), NB_HOLD_S (20) per rate, NB_SETTLE_S
// (5) of each hold not measured, NB_CYCLES (5) of NB_CONGEST_KBIT (300) for
// NB_CONGEST_S (15) then lifted, NB_RECOVER_MAX_S (60), NB_LABEL.
import fs from 'node:fs';
import os from 'node:os';
import { startSfu, Control, check, diag, done, sleep, httpGet, onCleanup } from './sfu_lib.mjs';
import { startRelay, chromiumPage, linkShaper } from './browser_lib.mjs';

const env = process.env;
const NSA = env.NB_NS_A;
const A = env.NB_A;
const DEV = env.NB_DEV;
const CTL = env.NB_CTL;
const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const RATES = (env.NB_RATES || '2000 1200 800 500 300 200').trim().split(/\s+/).map(Number).filter((r) => r > 0);
const HOLD = num(env.NB_HOLD_S, 20) * 1000;
const SETTLE = num(env.NB_SETTLE_S, 5) * 1000;
const CYCLES = num(env.NB_CYCLES, 5);
const CONGEST_KBIT = num(env.NB_CONGEST_KBIT, 300);
const CONGEST = num(env.NB_CONGEST_S, 15) * 1000;
const RECOVER_MAX = num(env.NB_RECOVER_MAX_S, 60) * 1000;
const JSON_OUT = env.NB_JSON;
const ROOM = 'bench-net';
const TOP = 2; // simulcast=1 publishes three layers; router layer 2 is the top

// The limit on bob's downlink only (linkShaper: alice's ports go past it),
// burst about 10 ms of the rate (at least 3000 bytes), a 200 ms queue (as
// test-browser-bwe); set once alice is connected.
let shaper = null;
function setLink(kbit) {
  if (!kbit) { if (shaper) shaper.lift(); } else shaper.limit(kbit);
}

const sfu = await startSfu({ netns: NSA, controlAddress: CTL, iceAddresses: [A], workers: 1, logLevel: 'warn' });
for (let i = 0; i < 100; i++) {
  try { if ((await httpGet(`http://${CTL}:${sfu.port}/healthz`)).status === 200) break; } catch { /* not yet */ }
  await sleep(100);
}
const ctl = await new Control(`ws://${CTL}:${sfu.port}/control`).connect(sfu.secret);
onCleanup(() => setLink(0));
await ctl.request('room_create', { room: ROOM, max_participants: 4 });
const relay = await startRelay(ctl, ROOM);
const pages = {};
async function open(who, query = '') {
  await ctl.request('participant_add', { room: ROOM, participant: who });
  pages[who] = await chromiumPage(`${relay.url}/peer.html?participant=${who}${query}`);
  await relay.waitPage(who);
}

// Largest gap between frames the subscriber's decoder delivers: frames read
// from a clone of the received track (MediaStreamTrackProcessor: every
// decoded frame, whether or not a headless page paints it), kept in the
// page; __nbTake() returns the largest gap since the last call and resets it.
const FRAME_WATCH = `(() => {
  if (window.__nb) return window.__nb.how;
  const nb = window.__nb = { last: 0, maxGap: 0, frames: 0, how: 'none' };
  // A stall still open when asked counts too (no frame at all is the
  // largest gap of all); the next window measures from now on.
  window.__nbTake = () => { const now = performance.now(); const open = nb.last ? now - nb.last : 0;
    const r = { maxGapMs: Math.round(Math.max(nb.maxGap, open)), frames: nb.frames, how: nb.how };
    nb.maxGap = 0; if (nb.last) nb.last = now; return r; };
  const v = document.querySelector('#remote video');
  if (!v || !v.srcObject) return 'no video element';
  const track = v.srcObject.getVideoTracks()[0];
  const seen = (t) => { if (nb.last) nb.maxGap = Math.max(nb.maxGap, t - nb.last); nb.last = t; nb.frames += 1; };
  if (typeof MediaStreamTrackProcessor === 'function') {
    nb.how = 'MediaStreamTrackProcessor';
    const reader = new MediaStreamTrackProcessor({ track: track.clone() }).readable.getReader();
    (async () => { for (;;) { const { value, done } = await reader.read(); if (done) return; seen(performance.now()); value.close(); } })();
  } else {
    nb.how = 'requestVideoFrameCallback';
    const cb = (now) => { seen(now); v.requestVideoFrameCallback(cb); };
    v.requestVideoFrameCallback(cb);
  }
  return nb.how;
})()`;

async function video() {
  const m = await pages.bob.evaluate('window.mediaStats()');
  const v = m.video[0] || {};
  const a = m.audio[0] || {};
  return { ...v, audioPackets: a.packetsReceived || 0, t: Date.now() };
}
async function sfuState() {
  const st = await ctl.request('participant_stats', { room: ROOM, participant: 'bob' });
  const subs = st.subscriptions || [];
  const sv = subs.find((x) => x.kind === 'video' && x.active) || {};
  const sa = subs.find((x) => x.kind === 'audio' && x.active) || {};
  return {
    t: Date.now(), layer: sv.layer, target: sv.target_layer, paused: !!sv.paused,
    vbytes: sv.bytes || 0, abytes: sa.bytes || 0, tbytes: (st.subscriber || {}).bytes_out || 0,
    rtx: sv.retransmitted || 0, nacks: sv.nacks_received || 0, plis: sv.plis_received || 0,
    state: (st.subscriber || {}).state,
    est: st.subscriber_estimate_bps || 0,
    // Since the transport-cc work (60127e7): which estimate drives the
    // layer, and probe padding sent (absent before: REMB only, no probes).
    src: st.subscriber_estimate_source || 'remb',
    pad: (st.bwe || {}).padding_bytes || 0,
    probesOk: (st.bwe || {}).probes_ok || 0,
    probesFailed: (st.bwe || {}).probes_failed || 0,
  };
}
// Packets per layer the publisher has sent so far (SFU side): whether the
// browser is sending each layer at all (a loaded machine makes Chromium
// drop layers by itself).
async function pubLayers() {
  const st = await ctl.request('participant_stats', { room: ROOM, participant: 'alice' });
  const t = (st.tracks || []).find((x) => x.kind === 'video') || {};
  return { t: Date.now(), packets: (t.layers || []).map((l) => l.packets || 0) };
}
async function sample() {
  const [s, v] = await Promise.all([sfuState(), video()]);
  return { s, v };
}
const take = () => pages.bob.evaluate('window.__nbTake ? window.__nbTake() : { maxGapMs: null }');
const kbps = (bytes, ms) => (ms > 0 ? Math.round((bytes * 8) / ms) : null);
const median = (xs) => { const a = xs.filter((x) => x !== null).sort((p, q) => p - q); if (!a.length) return null; const m = a.length >> 1; return a.length % 2 ? a[m] : Math.round((a[m - 1] + a[m]) / 2); };

// ---- set-up: alice publishes three layers, bob subscribes ----
await open('alice', '&simulcast=1');
relay.send('alice', { op: 'publish' });
await ctl.waitEvent((e) => e.event === 'track_published' && e.participant === 'alice' && e.track.kind === 'video', 20000);
await open('bob');
shaper = linkShaper(NSA, DEV, await pages.alice.evaluate('window.localPorts()'));
relay.send('bob', { op: 'subscribe' });
await ctl.waitEvent((e) => e.event === 'transport_state' && e.participant === 'bob' && e.transport === 'subscriber' && e.state === 'connected', 20000);
let top = null;
for (let i = 0; i < 120; i++) {
  const { s, v } = await sample();
  if (s.layer === TOP && v.framesDecoded > 30 && v.width >= 640) { top = { width: v.width, height: v.height, after_ms: i * 250 }; break; }
  await sleep(250);
}
check(!!top, `bob decodes the top layer before any limit (${top ? `${top.width}x${top.height}` : 'never'})`);
if (!top) { await done(); }
diag(`frame gaps measured with ${await pages.bob.evaluate(FRAME_WATCH)}`);

// ---- phase 1: a hold at each link rate ----
async function hold(kbit) {
  setLink(kbit);
  const start = Date.now();
  const samples = [];
  let gapDuring = 0;
  let v0 = null;
  let p0 = null;
  await take();
  while (Date.now() - start < HOLD) {
    const x = await sample();
    if (x.s.t - start >= SETTLE) {
      if (!v0) { v0 = x; await take(); p0 = await pubLayers(); }
      samples.push(x);
    }
    await sleep(500);
  }
  const g = await take();
  gapDuring = g.maxGapMs;
  const p1 = await pubLayers();
  const a = v0;
  const b = samples[samples.length - 1];
  const ms = b.s.t - a.s.t;
  const vms = b.v.t - a.v.t;
  const layers = { 0: 0, 1: 0, 2: 0, paused: 0 };
  for (const x of samples) { if (x.s.paused) layers.paused += 1; else if (x.s.layer in layers) layers[x.s.layer] += 1; }
  const share = Object.fromEntries(Object.entries(layers).map(([k, c]) => [k, +(c / samples.length).toFixed(2)]));
  const held = Object.entries(share).sort((p, q) => q[1] - p[1])[0][0];
  const ests = samples.map((x) => x.s.est).filter((e) => e > 0);
  const seen = samples.map((x) => (x.s.paused ? 'p' : x.s.layer)).join('');
  const widths = {};
  for (const x of samples) widths[x.v.width] = (widths[x.v.width] || 0) + 1;
  return {
    link_kbit: kbit,
    fwd_video_kbps: kbps(b.s.vbytes - a.s.vbytes, ms),
    fwd_audio_kbps: kbps(b.s.abytes - a.s.abytes, ms),
    fwd_total_kbps: kbps(b.s.tbytes - a.s.tbytes, ms),
    padding_kbps: kbps(b.s.pad - a.s.pad, ms), probes_ok: b.s.probesOk - a.s.probesOk, probes_failed: b.s.probesFailed - a.s.probesFailed,
    estimate_source: b.s.src,
    nacks_received: b.s.nacks - a.s.nacks, retransmitted: b.s.rtx - a.s.rtx, plis_received: b.s.plis - a.s.plis,
    recv_video_kbps: kbps((b.v.bytesReceived || 0) - (a.v.bytesReceived || 0), vms),
    fps: +(((b.v.framesDecoded - a.v.framesDecoded) * 1000) / vms).toFixed(1),
    layer_held: held === 'paused' ? 'paused' : Number(held),
    layer_share: share,
    width_mode: Number(Object.entries(widths).sort((p, q) => q[1] - p[1])[0][0]),
    est_kbps_median: ests.length ? Math.round(median(ests) / 1000) : null,
    est_kbps_last: b.s.est ? Math.round(b.s.est / 1000) : null,
    freezes: b.v.freezeCount - a.v.freezeCount,
    freeze_s: +(b.v.totalFreezesDuration - a.v.totalFreezesDuration).toFixed(2),
    max_gap_ms: gapDuring,
    layers_seen: seen,
    pub_layer_pps: p1.packets.map((n, i) => Math.round(((n - (p0.packets[i] || 0)) * 1000) / (p1.t - p0.t))),
    transport: b.s.state,
    measured_s: +(ms / 1000).toFixed(1),
  };
}
const rates = [];
for (const kbit of [0, ...RATES]) {
  const r = await hold(kbit);
  rates.push(r);
  diag(`link ${kbit || 'unlimited'}: ${JSON.stringify(r)}`);
  if (r.transport !== 'connected') { diag(`subscriber transport ${r.transport}: stopping the rate sweep`); break; }
}
setLink(0);

// ---- phase 2: congestion then lift, CYCLES times ----
// Waits until the top layer has been forwarded and decoded continuously for
// steadyMs (a cycle must start from there, not from a passing visit).
async function untilTop(maxMs, steadyMs = 0) {
  const end = Date.now() + maxMs;
  let since = null;
  let frames = null;
  let framesSince = 0;
  while (Date.now() < end) {
    const { s, v } = await sample();
    // getStats keeps the last frame's width when decoding stops, and a
    // stalled receiver may still decode a keyframe now and then: the frame
    // count must move, at 5 frames/s or more over the steady window.
    const decoding = frames !== null && v.framesDecoded > frames;
    frames = v.framesDecoded;
    if (s.layer === TOP && !s.paused && v.width >= top.width && decoding) {
      if (since === null) { since = s.t; framesSince = v.framesDecoded; }
      if (s.t - since >= steadyMs && (v.framesDecoded - framesSince) * 1000 >= 5 * (s.t - since)) return true;
    } else since = null;
    await sleep(250);
  }
  return false;
}
const cycles = [];
for (let c = 0; c < CYCLES; c++) {
  // Start each cycle from the top layer, held for 3 s.
  const ready = await untilTop(RECOVER_MAX, 3000);
  if (!ready) {
    diag(`cycle ${c + 1}: not on the top layer for 3 s running within ${RECOVER_MAX / 1000} s without a limit; skipped`);
    cycles.push({ cycle: c + 1, skipped: `top layer not held 3 s running within ${RECOVER_MAX / 1000} s without a limit` });
    continue;
  }
  const c0 = await video();
  await take();
  setLink(CONGEST_KBIT);
  const t0 = Date.now();
  let downMs = null;
  let lowDecodedMs = null;
  while (Date.now() - t0 < CONGEST) {
    const { s, v } = await sample();
    if (downMs === null && (s.layer === 0 || s.paused)) downMs = s.t - t0;
    if (lowDecodedMs === null && v.width > 0 && v.width < top.width / 2) lowDecodedMs = v.t - t0;
    await sleep(200);
  }
  const gapCongested = (await take()).maxGapMs;
  const c1 = await video();
  const end = await sfuState();
  setLink(0);
  const tl = Date.now();
  let fwdMs = null;
  let decMs = null;
  let lastFrames = c1.framesDecoded;
  // What happened after the lift, for reading odd cycles: ms since the
  // lift, SFU layer/target ('p' paused), decoded width, frames decoded.
  const timeline = [];
  while (Date.now() - tl < RECOVER_MAX && (fwdMs === null || decMs === null)) {
    const { s, v } = await sample();
    timeline.push(`${s.t - tl}:${s.paused ? 'p' : s.layer}/${s.target}:${v.width}:${v.framesDecoded - c1.framesDecoded}`);
    if (fwdMs === null && s.layer === TOP && !s.paused) fwdMs = s.t - tl;
    if (decMs === null && v.width >= top.width && v.framesDecoded > lastFrames) decMs = v.t - tl;
    lastFrames = v.framesDecoded;
    await sleep(200);
  }
  await sleep(3000); // freezes right after the switch count too
  const gapRecovery = (await take()).maxGapMs;
  const c2 = await video();
  const cy = {
    cycle: c + 1,
    down_ms: downMs, low_decoded_ms: lowDecodedMs, layer_at_lift: end.paused ? 'paused' : end.layer,
    forward_top_ms: fwdMs, decode_top_ms: decMs,
    frames_congested: c1.framesDecoded - c0.framesDecoded, frames_recovery: c2.framesDecoded - c1.framesDecoded,
    freezes_congested: c1.freezeCount - c0.freezeCount, freeze_s_congested: +(c1.totalFreezesDuration - c0.totalFreezesDuration).toFixed(2),
    max_gap_ms_congested: gapCongested,
    freezes_recovery: c2.freezeCount - c1.freezeCount, freeze_s_recovery: +(c2.totalFreezesDuration - c1.totalFreezesDuration).toFixed(2),
    max_gap_ms_recovery: gapRecovery,
    timeline,
  };
  cycles.push(cy);
  diag(`cycle ${c + 1}: ${JSON.stringify({ ...cy, timeline: undefined })}`);
}

// ---- report ----
const ran = cycles.filter((c) => !c.skipped);
const fwd = ran.map((c) => c.forward_top_ms);
const dec = ran.map((c) => c.decode_top_ms);
const summary = {
  cycles: ran.length,
  skipped: cycles.length - ran.length,
  recovered: ran.filter((c) => c.decode_top_ms !== null).length,
  forward_top_ms_median: median(fwd), forward_top_ms_max: fwd.some((x) => x === null) ? null : Math.max(...fwd),
  decode_top_ms_median: median(dec), decode_top_ms_max: dec.some((x) => x === null) ? null : Math.max(...dec),
  down_ms_median: median(ran.map((c) => c.down_ms)),
  freezes_total: ran.reduce((n, c) => n + c.freezes_congested + c.freezes_recovery, 0),
  freeze_s_total: +ran.reduce((n, c) => n + c.freeze_s_congested + c.freeze_s_recovery, 0).toFixed(2),
  max_gap_ms: Math.max(0, ...ran.map((c) => Math.max(c.max_gap_ms_congested || 0, c.max_gap_ms_recovery || 0))),
  within_10s: ran.filter((c) => c.decode_top_ms !== null && c.decode_top_ms <= 10000).length,
};
const out = {
  label: env.NB_LABEL || '',
  date: new Date().toISOString(),
  sfu_bin: env.SFU_BIN || '',
  load_avg_end: os.loadavg().map((x) => +x.toFixed(2)),
  params: { rates_kbit: RATES, hold_s: HOLD / 1000, settle_s: SETTLE / 1000, cycles: CYCLES, congest_kbit: CONGEST_KBIT,
    congest_s: CONGEST / 1000, recover_max_s: RECOVER_MAX / 1000, tbf: 'burst max(3000 B, 10 ms), latency 200 ms, on the SFU egress' },
  top, rates, cycles, summary,
};
if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`);

const pad = (s, n) => String(s === null || s === undefined ? '-' : s).padStart(n);
diag('');
diag('link kbit/s | fwd video | fwd total | recv video | fps  | layer (share)         | width | estimate | freezes | max gap ms');
for (const r of rates) {
  const sh = `${r.layer_held} (${r.layer_share[0]}/${r.layer_share[1]}/${r.layer_share[2]}/p${r.layer_share.paused})`;
  diag(`${pad(r.link_kbit || 'unlimited', 11)} | ${pad(r.fwd_video_kbps, 9)} | ${pad(r.fwd_total_kbps, 9)} | ${pad(r.recv_video_kbps, 10)} | ${pad(r.fps, 4)} | ${sh.padEnd(21)} | ${pad(r.width_mode, 5)} | ${pad(r.est_kbps_median, 8)} | ${pad(`${r.freezes}/${r.freeze_s}s`, 7)} | ${pad(r.max_gap_ms, 9)}`);
}
diag('');
diag(`cycle | down ms | top fwd ms | top decoded ms | freezes congested/recovery | max gap ms congested/recovery`);
for (const c of cycles) {
  if (c.skipped) { diag(`${pad(c.cycle, 5)} | skipped: ${c.skipped}`); continue; }
  diag(`${pad(c.cycle, 5)} | ${pad(c.down_ms, 7)} | ${pad(c.forward_top_ms, 10)} | ${pad(c.decode_top_ms, 14)} | ${pad(`${c.freezes_congested} (${c.freeze_s_congested}s) / ${c.freezes_recovery} (${c.freeze_s_recovery}s)`, 26)} | ${pad(`${c.max_gap_ms_congested} / ${c.max_gap_ms_recovery}`, 14)}`);
}
diag(`summary: ${JSON.stringify(summary)}`);
check(rates.length === RATES.length + 1, `every link rate measured (${rates.length} of ${RATES.length + 1})`);
check(ran.length === CYCLES, `every congestion cycle ran (${ran.length} of ${CYCLES})`);
check(sfu.alive(), 'SFU alive');
await done();
