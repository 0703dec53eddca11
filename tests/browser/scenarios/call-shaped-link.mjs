// Audio only on a shaped link (issue 19 part 2): the whole call runs in this
// test's network namespace over its loopback, so a tc tbf rate limit on `lo`
// is the link every media flow crosses (both publishers to the SFU and the
// SFU to both subscribers). Squeezed to 200 kbit/s, the pages' send
// estimates and loss say video cannot be carried: each page offers audio
// only, then switches by itself and says so; the limit lifted, each returns
// to video and says so, and video is decoded again.
// The judge's waits are shortened (3 s bad, 4 s offer, 6 s good), its rules
// are the call page's own (client-web/js/call/bandwidth.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, createCallNow, joinCall, waitFrames, ready } from '../lib/flows.mjs';
import { ARTIFACTS } from '../lib/stack.mjs';
import { waitFor } from '../lib/util.mjs';

const SHOTS = path.join(ARTIFACTS, 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });
const tc = (...args) => execFileSync('tc', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const shape = (kbit) => tc('qdisc', 'replace', 'dev', 'lo', 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '6kb', 'latency', '300ms');
const unshape = () => { try { tc('qdisc', 'del', 'dev', 'lo', 'root'); } catch { /* none */ } };

await scenario('call-shaped-link', async ({ tap, stack, person }) => {
  if (!process.env.PARLOUR_NETNS) throw new Error('this test shapes lo: it must run in its own namespace (lib/netns-run)');
  const staff = await signInAPI(stack, 'staff');
  const call = await createCallNow(stack, staff, 'legal', { minutes: 30 });
  const adv = await person('legal', { width: 1280, height: 800 });
  const pri = await person('prisoner', { width: 1366, height: 768 });
  await signInUI(adv.page, 'legal');
  await signInUI(pri.page, 'prisoner');
  for (const p of [adv.page, pri.page]) {
    await p.goto(`/call/?visit=${encodeURIComponent(call.id)}`);
    await ready(p);
    await p.waitForFunction(() => window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
    await p.evaluate(() => { window.parlourCall.bandwidthOptions = { badSeconds: 3, offerSeconds: 4, goodSeconds: 6 }; });
  }
  await Promise.all([adv.page, pri.page].map(async (p) => { await p.click('#join'); await p.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 }); }));
  await Promise.all([waitFrames(adv.page, { min: 60 }), waitFrames(pri.page, { min: 60 })]);
  tap.ok('both see each other on the open link');

  try {
    shape(200);
    tap.ok('the link (lo) squeezed to 200 kbit/s (tbf, 300 ms queue)');
    const went = await Promise.all([pri.page, adv.page].map((p) => p.waitForFunction(() => window.parlourCall.audioOnly === true && window.parlourCall.audioOnlyWhy === 'page', null, { timeout: 60000 }).then(() => true).catch(() => false)));
    const words = await Promise.all([pri.page, adv.page].map((p) => p.evaluate(() => ({
      offered: window.parlourCall.events.some((e) => e.type === 'bandwidth' && e.action === 'offer'),
      text: document.querySelector('#lowband-text').textContent,
      series: window.parlourCall.bandwidth.slice(-10).map((s) => `${Math.round(s.outKbps ?? -1)}k/${s.lossPct === null ? '-' : Math.round(s.lossPct)}%/${s.mode}`).join(' '),
    }))));
    await pri.page.screenshot({ path: path.join(SHOTS, 'call-shaped-audio-only-incell.png') });
    tap.check(went[0] && words[0].offered && /switched to audio only/.test(words[0].text),
      "on the squeezed link the prisoner's page offered audio only, then switched by itself and said so", JSON.stringify(words[0]));
    tap.check(went[1] && words[1].offered && /switched to audio only/.test(words[1].text),
      "the adviser's page did the same", JSON.stringify(words[1]));
    const sending = await pri.page.evaluate(() => window.parlourCall.session.pub.getSenders().filter((s) => s.track && s.track.kind === 'video').length);
    tap.check(sending === 0, 'in audio only the page sends no video');
  } finally {
    unshape();
  }
  tap.ok('the limit lifted');
  const back = await Promise.all([pri.page, adv.page].map((p) => p.waitForFunction(() => window.parlourCall.audioOnly === false && window.parlourCall.events.some((e) => e.type === 'bandwidth' && e.action === 'return-video'), null, { timeout: 60000 }).then(() => true).catch(() => false)));
  const backText = await Promise.all([pri.page, adv.page].map((p) => p.textContent('#lowband-text')));
  // The judge's last samples (send estimate, loss, round trip, mode): what
  // kept a page from coming back, when one does not.
  const samples = back.every(Boolean) ? [] : await Promise.all([pri.page, adv.page].map((p) => p.evaluate(() => window.parlourCall.bandwidth.slice(-12).map((s) => `${Math.round(s.outKbps ?? -1)}k/${s.lossPct === null ? '-' : s.lossPct.toFixed(1)}%/${s.rttMs === null ? '-' : Math.round(s.rttMs)}ms/${s.mode}`).join(' '))));
  tap.check(back.every(Boolean) && backText.every((x) => /video is back on/.test(x)), 'with the link open again both pages return to video by themselves and say so', JSON.stringify({ back, backText, samples }));
  const decoded = async (p) => p.evaluate(async () => (await window.parlourCall.session.stats()).inbound.filter((i) => i.kind === 'video').reduce((a, i) => a + i.framesDecoded, 0));
  const before = await Promise.all([adv.page, pri.page].map(decoded));
  const flowing = await waitFor(async () => {
    const now = await Promise.all([adv.page, pri.page].map(decoded));
    return now[0] >= before[0] + 30 && now[1] >= before[1] + 30;
  }, { timeout: 30000, what: 'video both ways again' }).then(() => true).catch(() => false);
  tap.check(flowing, 'video is decoded both ways again');
  await pri.page.screenshot({ path: path.join(SHOTS, 'call-shaped-video-back-incell.png') });
  fs.writeFileSync(path.join(ARTIFACTS, 'bandwidth-tbf-200k.json'), JSON.stringify(await pri.page.evaluate(() => window.parlourCall.bandwidth)));
});
