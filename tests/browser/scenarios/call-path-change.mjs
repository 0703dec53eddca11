// The browser changes its path mid-call. Each browser here has three host
// addresses (127.0.0.1 on lo, 10.200.0.1 and 10.200.0.2 on the namespace's
// veth pair) and the SFU one (127.0.0.1), so each peer connection has three
// candidate pairs. Chromium prefers the 10.200.0.x ones (the loopback
// adapter costs more) although 127.0.0.1's has the highest ICE priority.
//
// 1. A better pair that comes late. The 10.200.0.x pairs are blocked (tc)
//    while the pages join, so both calls start on 127.0.0.1 <-> 127.0.0.1 and
//    the SFU's libnice selects it; then the block is lifted. Chromium moves
//    its publisher connection (it is the controlling agent there) to a
//    10.200.0.x pair and nominates it. libnice keeps a nominated pair of
//    higher priority, so only the SFU's fast path following the nomination
//    keeps the picture: before it did, the media from the new address was
//    dropped while the old pair still answered, so the page never noticed
//    (a CI run's call-page and shaped-link failures, where load delayed
//    Chromium's move until after its first nomination).
// 2. A path that dies. Every pair from 127.0.0.1 and 10.200.0.1 is cut, as
//    a laptop's Wi-Fi when it walks out of range, while 10.200.0.2's works;
//    video comes back both ways without the pages reconnecting (Chromium
//    moves by itself and the SFU follows, or the page restarts ICE).
// Proof each time: frames decoded on both sides.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, createCallNow, ready } from '../lib/flows.mjs';
import { udpBlackhole } from '../lib/blackhole.mjs';
import { waitFor } from '../lib/util.mjs';

// Each peer connection's selected local address and state, the frames
// decoded of remote video so far, and the page's restarts and reconnects.
const view = (p) => p.evaluate(async () => {
  const s = window.parlourCall.session;
  const local = async (pc) => {
    if (!pc) return null;
    const r = await pc.getStats();
    let pairId = null;
    r.forEach((x) => { if (x.type === 'transport' && x.selectedCandidatePairId) pairId = x.selectedCandidatePairId; });
    const pair = pairId && r.get(pairId);
    const lc = pair && r.get(pair.localCandidateId);
    return lc ? lc.address : null;
  };
  const frames = (await s.stats()).inbound.filter((i) => i.kind === 'video').reduce((a, i) => a + i.framesDecoded, 0);
  return {
    pub: await local(s.pub), sub: await local(s.sub), frames,
    state: [s.pub && s.pub.connectionState, s.sub && s.sub.connectionState],
    phase: window.parlourCall.phase,
    restarts: s.history.filter((h) => /^ice-restart/.test(h)).length,
    // Each (re)join is a 'joined' from signalling: more than one, a reconnect.
    reconnects: s.history.filter((h) => h === 'joined').length - 1,
  };
});
const both = (pages) => Promise.all(pages.map(view));
// One series of the SFU's /metrics, e.g. ('sfu_path_switches_total', 'why="nominated"').
async function sfuMetric(stack, name, labels) {
  const text = await stack.sfuMetrics();
  const m = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name}{${labels}} in the SFU's /metrics`);
  return Number(m[1]);
}

// Both sides decode `n` more frames within the deadline; the views then.
async function moreFrames(pages, n, timeout) {
  const base = await both(pages);
  const now = await waitFor(async () => {
    const v = await both(pages);
    return v.every((x, i) => x.frames >= base[i].frames + n) ? v : null;
  }, { timeout, interval: 500, what: `${n} more frames both ways` }).catch(() => null);
  return { ok: now !== null, base, now: now || await both(pages) };
}

await scenario('call-path-change', async ({ tap, stack, person }) => {
  if (!process.env.PARLOUR_NETNS) throw new Error('this test filters lo: it must run in its own namespace (lib/netns-run)');
  const staff = await signInAPI(stack, 'staff');
  const call = await createCallNow(stack, staff, 'legal', { minutes: 30 });
  const adv = await person('legal', { width: 1280, height: 800 });
  const pri = await person('prisoner', { width: 1366, height: 768 });
  const pages = [adv.page, pri.page];
  await signInUI(adv.page, 'legal');
  await signInUI(pri.page, 'prisoner');
  for (const p of pages) {
    await p.goto(`/call/?visit=${encodeURIComponent(call.id)}`);
    await ready(p);
    await p.waitForFunction(() => window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  }

  const hole = udpBlackhole('lo');
  try {
    // 1. Start on the loopback pair, then let the better pairs in.
    for (const a of ['10.200.0.1', '10.200.0.2']) { hole.blockBetween(a, '127.0.0.1'); hole.blockBetween('127.0.0.1', a); }
    await Promise.all(pages.map(async (p) => { await p.click('#join'); await p.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 }); }));
    const start = await waitFor(async () => {
      const v = await both(pages);
      return v.every((x) => x.pub === '127.0.0.1' && x.sub === '127.0.0.1' && x.state.every((st) => st === 'connected')) ? v : null;
    }, { timeout: 30000, interval: 100, what: 'both pages connected on the loopback pair' }).catch(() => null);
    tap.check(start !== null, 'with the 10.200.0.x pairs blocked, both pages connect on 127.0.0.1 <-> 127.0.0.1', JSON.stringify(start || await both(pages)));
    hole.lift();
    const moved = await waitFor(async () => {
      const v = await both(pages);
      return v.every((x) => /^10\.200\.0\./.test(x.pub || '')) ? v : null;
    }, { timeout: 30000, interval: 250, what: 'both publishers on a 10.200.0.x pair' }).catch(() => null);
    tap.check(moved !== null, 'the block lifted, each browser moves its publisher connection to a 10.200.0.x pair', JSON.stringify(moved || await both(pages)));
    const flow1 = await moreFrames(pages, 60, 30000);
    tap.check(flow1.ok, 'video is decoded both ways on the pairs the browsers moved to', JSON.stringify(flow1));
    tap.check(flow1.now.every((x) => x.phase === 'joined' && x.restarts === 0 && x.reconnects === 0),
      'without an ICE restart or a reconnection', JSON.stringify(flow1.now));
    const nominated = await sfuMetric(stack, 'sfu_path_switches_total', 'why="nominated"');
    const unchecked = await sfuMetric(stack, 'sfu_dropped_packets_total', 'reason="unchecked_address"');
    tap.check(nominated >= 2 && unchecked === 0,
      "the SFU moved each publisher's path to the address the browser nominated, and dropped none of its media as from an unknown address",
      `sfu_path_switches_total{why="nominated"} ${nominated}, sfu_dropped_packets_total{reason="unchecked_address"} ${unchecked}`);

    // 2. The pairs in use die; 10.200.0.2's still works.
    for (const a of ['127.0.0.1', '10.200.0.1']) { hole.blockBetween(a, '127.0.0.1'); if (a !== '127.0.0.1') hole.blockBetween('127.0.0.1', a); }
    const flow2 = await moreFrames(pages, 60, 45000);
    tap.check(flow2.ok && hole.dropped() > 0, 'every pair but 10.200.0.2 cut: video is decoded both ways again',
      JSON.stringify({ dropped: hole.dropped(), ...flow2 }));
    tap.check(flow2.now.every((x) => x.phase === 'joined' && x.reconnects === 0 && x.pub === '10.200.0.2' && x.sub === '10.200.0.2'),
      'on the 10.200.0.2 pairs, without the pages reconnecting',
      JSON.stringify({ views: flow2.now, followed: await sfuMetric(stack, 'sfu_path_switches_total', 'why="followed"') }));
  } finally {
    hole.lift();
  }
});
