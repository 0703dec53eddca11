// The call quality report on a lossy link (issue 19 part 4): the whole call
// runs in this test's network namespace over its loopback, so a tc qdisc on
// `lo` is the link every media flow crosses. These kernels have no netem
// and no tc actions (tests/net/lib.sh): the loss is a tbf's tail drops — a
// 3 Mbit/s link with a 20 ms queue, less than the call's four video flows
// want, so bursts (keyframes, ramp-ups) overflow it. The pages' switch to
// audio only is held off (its waits made very long) so video goes on. The pages send
// signalling their getStats summaries every 10 s, signalling samples the
// SFU's participant_stats every 10 s, and when staff end the call booking
// holds one report per participant. Checked against the browsers' own
// getStats and the SFU's figures within stated bounds:
//   - frames: the report's frames add up to at most the page's frames
//     decoded at the end, and at least that less 25 s of video (the part
//     after the last report, and before the first);
//   - loss: on the overflowing link some client sample shows loss (> 0); the
//     SFU's upstream loss is present and bounded (it may be 0: the drops fall
//     mostly on the forwarding direction), and none shows more than 300 per
//     thousand;
//   - RTT: present (> 0 somewhere) on both sides, under 1 s on loopback;
//   - TURN: none in this call (relay false);
//   - the SFU's bit rate to each participant is within a factor of 3 of
//     what the page says it received (different windows, same flow).
// Staff then see the report on the audit page (chart with a text label and
// the table), the family their own plain-words summary on their calls page.
import { execFileSync } from 'node:child_process';
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, waitFrames, ready } from '../lib/flows.mjs';
import { waitFor } from '../lib/util.mjs';

const tc = (...args) => execFileSync('tc', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const lossy = () => tc('qdisc', 'replace', 'dev', 'lo', 'root', 'tbf', 'rate', '3mbit', 'burst', '8kb', 'latency', '20ms');
const clean = () => { try { tc('qdisc', 'del', 'dev', 'lo', 'root'); } catch { /* none */ } };
const videoFrames = (p) => p.evaluate(async () => (await window.parlourCall.session.stats()).inbound.filter((i) => i.kind === 'video').reduce((a, i) => Math.max(a, i.framesDecoded), 0));
const statsSent = (p) => p.evaluate(() => window.parlourCall.session.quality ? window.parlourCall.session.quality.sentCount || 0 : 0);

await scenario('call-quality-lossy', async ({ tap, stack, person }) => {
  if (!process.env.PARLOUR_NETNS) throw new Error('this test changes lo: it must run in its own namespace (lib/netns-run)');
  const staff = await signInAPI(stack, 'staff');
  const visit = await createCallNow(stack, staff, 'social', { minutes: 30 });
  const fam = await person('family');
  const pri = await person('prisoner');
  await signInUI(fam.page, 'family');
  await signInUI(pri.page, 'prisoner');
  // joinCall, with the audio-only switch held off before joining.
  await Promise.all([fam.page, pri.page].map(async (p) => {
    await p.goto(`/call/?visit=${encodeURIComponent(visit.id)}`);
    await ready(p);
    await p.waitForFunction(() => window.parlourCall && window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
    await p.evaluate(() => { window.parlourCall.bandwidthOptions = { badSeconds: 100000, offerSeconds: 100000, goodSeconds: 1 }; });
    if (await p.$('#understood')) await p.check('#understood');
    await p.click('#join');
    await p.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 });
  }));
  await Promise.all([waitFrames(fam.page, { min: 30 }), waitFrames(pri.page, { min: 30 })]);
  tap.ok('both see each other');
  let frames;
  try {
    lossy();
    tap.ok('the link (lo) squeezed to 3 Mbit/s with a 20 ms queue (tbf tail drops)');
    // Three reports from each page under loss (10 s apart).
    const sent = await waitFor(async () => {
      const n = await Promise.all([fam.page, pri.page].map(statsSent));
      return n.every((x) => x >= 3) ? n : null;
    }, { timeout: 90000, what: 'three stats reports from each page' }).catch((e) => e);
    tap.check(!(sent instanceof Error), 'each page sent its stats reports', String(sent));
    frames = await Promise.all([fam.page, pri.page].map(videoFrames));
  } finally {
    clean();
  }
  const ids = await Promise.all([fam.page, pri.page].map((p) => p.evaluate(() => window.parlourCall.session.self)));
  const t = await apiAs(stack, staff, 'POST', `/visits/${visit.id}/terminate`, { reason: 'Test: quality report' });
  tap.check(t.status === 200, 'staff end the call', t.text);
  const q = await waitFor(async () => {
    const r = await apiAs(stack, staff, 'GET', `/visits/${visit.id}/quality`);
    return r.json && r.json.participants && r.json.participants.length >= 2 ? r.json : null;
  }, { timeout: 30000, what: 'booking to hold both reports' }).catch((e) => e);
  tap.check(!(q instanceof Error), 'booking holds a report for each participant', String(q));
  if (q instanceof Error) return;
  for (const [i, who] of [[0, 'family'], [1, 'prisoner']]) {
    const e = q.participants.find((p) => p.participant === ids[i]);
    const r = e && e.report;
    if (!tap.check(r && r.samples.length >= 2, `${who}: the report has the page's samples`, JSON.stringify(e && e.summary))) continue;
    const sum = r.samples.reduce((a, s) => a + s.frames, 0);
    const fps = Math.max(...r.samples.map((s) => s.fps));
    tap.check(sum <= frames[i] + 5 && sum >= frames[i] - 25 * Math.max(fps, 10), `${who}: frames in the report (${sum}) agree with the page's getStats (${frames[i]}) within 25 s of video`);
    const cl = Math.max(...r.samples.map((s) => s.loss));
    tap.check(cl > 0 && cl <= 300, `${who}: the page's loss shows (max ${cl} per thousand) and is bounded`);
    const sf = r.sfu || [];
    const sl = Math.max(0, ...sf.map((s) => s.up_loss));
    const srtt = Math.max(-1, ...sf.map((s) => s.rtt_ms));
    // The tail drops fall where the queue overflows, mostly on the busier
    // forwarding direction; the upstream may see none on a quiet machine.
    tap.check(sf.length >= 1 && sl >= 0 && sl <= 300, `${who}: the SFU's figure for loss on what they published is there and bounded (max ${sl} per thousand)`, JSON.stringify(sf.slice(0, 3)));
    const crtt = Math.max(...r.samples.map((s) => s.rtt_ms));
    tap.check(crtt > 0 && crtt < 1000 && srtt < 1000, `${who}: RTT present and under 1 s (page ${crtt} ms, SFU ${srtt} ms)`);
    tap.check(r.relay === false, `${who}: no TURN in this call`);
    const ck = r.samples.slice(1).reduce((a, s) => a + s.kbps, 0) / Math.max(1, r.samples.length - 1);
    const sk = sf.length ? sf.reduce((a, s) => a + s.sent_kbps, 0) / sf.length : 0;
    tap.check(sk > 0 && ck > 0 && sk / ck < 3 && ck / sk < 3, `${who}: the SFU's bit rate to them (${Math.round(sk)} kbit/s) within a factor of 3 of what the page received (${Math.round(ck)})`);
    tap.check(e.summary.minutes >= 0 && e.summary.clear_minutes <= e.summary.minutes, `${who}: a summary (${JSON.stringify(e.summary)})`);
  }
  // Staff: the audit page.
  const st = await person('staff');
  await signInUI(st.page, 'staff');
  await st.page.goto(`/staff/audit.html?visit=${encodeURIComponent(visit.id)}`);
  await ready(st.page);
  const view = await st.page.evaluate(() => ({
    charts: [...document.querySelectorAll('#quality svg[role="img"]')].map((s) => (s.querySelector('title') || {}).textContent || ''),
    tables: document.querySelectorAll('#quality table').length,
  }));
  tap.check(view.charts.length >= 2 && view.charts.every((x) => /frames a second/i.test(x)) && view.tables >= 2, 'staff see each report as a labelled chart and a table', JSON.stringify(view));
  // Family: plain words on their calls page.
  await fam.page.goto('/family/calls.html');
  await ready(fam.page);
  const words = await fam.page.textContent('#call-quality').catch(() => '');
  tap.check(/Your video was clear for \d+ of \d+ minutes?\./.test(words) && /connection/.test(words), 'the family see their summary in plain words', words);
});
