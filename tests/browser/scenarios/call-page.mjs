// The call page as a phone video call (issue 19, parts 1–3 in the browser):
// - the remote person's picture covers ≥ 60 % of the window's width at 1280
//   and 768 pixels and the in-cell laptop's 1366x768, and the full width at 375;
// - every control (mute, camera, audio only, full screen, leave, move your
//   picture) is reached with Tab, works with Enter, shows a visible focus;
// - screenshots of each state: connecting, waiting, in the call (desktop,
//   tablet, phone, in-cell), reconnecting, audio only, ended (English and
//   Welsh), kept under tests/artifacts/screenshots/call-*.png;
// - axe: no serious or critical WCAG 2.2 AA violation in English and Welsh;
// - Welsh: chosen with the header's switch, remembered (localStorage and the
//   parlour_lang cookie), <html lang="cy">, dates in Welsh;
// - low bandwidth in a browser: the far side's video_limit makes the SFU cap
//   this page's sender (REMB), the page offers audio only, switches by itself
//   saying so, and returns to video when the cap goes;
// - the establishment's low-bandwidth profile reaches the in-cell page.
import fs from 'node:fs';
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, ready } from '../lib/flows.mjs';
import { axe, describeViolations } from '../lib/chromium.mjs';
import { ARTIFACTS } from '../lib/stack.mjs';
import { waitFor } from '../lib/util.mjs';

const SHOTS = path.join(ARTIFACTS, 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });

// Test-only: hold the page's websocket connections while window.__holdWs is
// set, so the connecting and reconnecting states stay long enough to see.
const HOLD_WS = () => {
  const Real = window.WebSocket;
  window.WebSocket = function HeldWebSocket(...args) {
    if (!window.__holdWs) return new Real(...args);
    const fake = new EventTarget();
    fake.readyState = 0;
    fake.send = () => {}; fake.close = () => {};
    const wait = setInterval(() => {
      if (window.__holdWs) return;
      clearInterval(wait);
      const ws = new Real(...args);
      for (const k of ['onopen', 'onmessage', 'onclose', 'onerror']) if (fake[k]) ws[k] = fake[k];
      Object.assign(fake, { real: ws });
    }, 100);
    return new Proxy(fake, {
      get(tgt, k) { return tgt.real ? (typeof tgt.real[k] === 'function' ? tgt.real[k].bind(tgt.real) : tgt.real[k]) : tgt[k]; },
      set(tgt, k, v) { if (tgt.real) tgt.real[k] = v; else tgt[k] = v; return true; },
    });
  };
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
};

await scenario('call-page', async ({ tap, stack, person }) => {
  async function shot(page, name) {
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `call-${name}.png`) });
  }
  async function audit(page, label) {
    const r = await axe(page);
    tap.check(r.serious.length === 0, `axe: no serious or critical WCAG 2.2 AA violation on ${label}`, describeViolations(r.serious));
  }
  // How much of the window's width the remote person's picture covers: the
  // picture inside its <video> box (object-fit: contain keeps its shape).
  const coverage = (page) => page.evaluate(() => {
    const v = document.querySelector('#tiles li:not(.app-tile--self) video');
    if (!v || !v.videoWidth) return null;
    const r = v.getBoundingClientRect();
    const w = Math.min(r.width, r.height * (v.videoWidth / v.videoHeight));
    return { fraction: w / window.innerWidth, box: [Math.round(r.width), Math.round(r.height)], picture: [v.videoWidth, v.videoHeight], window: [window.innerWidth, window.innerHeight] };
  });

  const staff = await signInAPI(stack, 'staff');
  const call = await createCallNow(stack, staff, 'social', { minutes: 30 });
  // The establishment asks its in-cell devices for the low-bandwidth profile.
  const admin = await signInAPI(stack, 'admin');
  const patched = await apiAs(stack, admin, 'PATCH', '/establishments/PLR', { incell_video_profile: 'low' });
  tap.check(patched.status === 200 && patched.json.incell_video_profile === 'low', 'the establishment sets the low-bandwidth profile for in-cell devices', patched.text);

  const fam = await person('family', { width: 1280, height: 900 });
  const pri = await person('prisoner', { width: 1366, height: 768 });
  await fam.context.addInitScript(HOLD_WS);
  await signInUI(fam.page, 'family');
  await signInUI(pri.page, 'prisoner');

  // Connecting: the family's socket held for a moment.
  await fam.page.goto(`/call/?visit=${encodeURIComponent(call.id)}`);
  await ready(fam.page);
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  await audit(fam.page, 'the device check (English)');
  await fam.page.check('#understood');
  await fam.page.evaluate(() => { window.__holdWs = true; });
  await fam.page.click('#join');
  await fam.page.waitForSelector('#call[data-state="connecting"] #call-status:not([hidden])', { timeout: 15000 });
  await shot(fam.page, 'connecting-desktop');
  const connectingText = await fam.page.textContent('#call-status');
  tap.check(/Connecting to the call/.test(connectingText), 'while connecting the page says so', connectingText);
  await fam.page.evaluate(() => { window.__holdWs = false; });
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 });
  await fam.page.waitForSelector('#call[data-state="waiting"] #waiting:not([hidden])', { timeout: 10000 }).catch(() => {});
  tap.check(await fam.page.isVisible('#waiting'), 'alone in the call, the page says it is waiting for others');
  await shot(fam.page, 'waiting-desktop');

  // The prisoner joins on the in-cell laptop (1366x768).
  await joinCall(pri.page, call.id);
  await Promise.all([waitFrames(fam.page, { min: 30 }), waitFrames(pri.page, { min: 30 })]);
  await fam.page.waitForFunction(() => document.querySelector('#call').dataset.state === 'in-call', null, { timeout: 10000 });
  tap.check(await fam.page.isVisible('#recording-indicator') && await fam.page.isVisible('#time-left') && await fam.page.isVisible('#monitoring-indicator'),
    'the recording and monitoring notices and the time left stay visible in the call');
  const ids = await fam.page.$$eval('#tiles li', (xs) => xs.map((x) => x.dataset.participant));
  tap.check(ids.length === 2 && ids.includes('self'), 'two tiles: the prisoner and your own picture', JSON.stringify(ids));

  // The prisoner's page uses the low profile: fewer bits, a lower frame rate.
  const prof = await waitFor(async () => {
    const p = await pri.page.evaluate(() => ({
      profile: window.parlourCall.videoProfile,
      encodings: window.parlourCall.session.pub.getSenders().filter((s) => s.track && s.track.kind === 'video').flatMap((s) => s.getParameters().encodings.map((e) => ({ maxBitrate: e.maxBitrate, maxFramerate: e.maxFramerate }))),
      family: window.parlourCall.session === undefined,
    }));
    return p.encodings.length && p.encodings.every((e) => e.maxFramerate && e.maxFramerate <= 15 && e.maxBitrate <= 250000) ? p : null;
  }, { timeout: 10000, what: 'the low profile on the prisoner\'s sender' }).catch((e) => ({ error: e.message }));
  const famProfile = await fam.page.evaluate(() => window.parlourCall.videoProfile);
  tap.check(prof.profile === 'low' && famProfile === 'standard', "the prisoner's in-cell page sends at ≤ 15 fps and ≤ 250 kbit/s per layer (the family's page is not affected)", JSON.stringify({ prof, famProfile }));
  await apiAs(stack, admin, 'PATCH', '/establishments/PLR', { incell_video_profile: 'standard' });

  // Sizes.
  const sizes = {};
  for (const [w, h, name] of [[1280, 900, 'desktop'], [768, 1024, 'tablet'], [375, 812, 'phone']]) {
    await fam.page.setViewportSize({ width: w, height: h });
    await fam.page.waitForTimeout(400);
    sizes[name] = await coverage(fam.page);
    await shot(fam.page, `in-call-${name}`);
  }
  await fam.page.setViewportSize({ width: 1280, height: 900 });
  sizes.incell = await coverage(pri.page);
  await shot(pri.page, 'in-call-incell-1366x768');
  tap.check(sizes.desktop && sizes.desktop.fraction >= 0.6, `at 1280 px the remote picture covers ≥ 60 % of the width (${sizes.desktop && Math.round(sizes.desktop.fraction * 100)} %)`, JSON.stringify(sizes.desktop));
  tap.check(sizes.tablet && sizes.tablet.fraction >= 0.6, `at 768 px the remote picture covers ≥ 60 % of the width (${sizes.tablet && Math.round(sizes.tablet.fraction * 100)} %)`, JSON.stringify(sizes.tablet));
  tap.check(sizes.phone && sizes.phone.fraction >= 0.99, `at 375 px the remote picture takes the full width (${sizes.phone && Math.round(sizes.phone.fraction * 100)} %)`, JSON.stringify(sizes.phone));
  tap.check(sizes.incell && sizes.incell.fraction >= 0.6, `on the in-cell laptop (1366x768) the remote picture covers ≥ 60 % of the width (${sizes.incell && Math.round(sizes.incell.fraction * 100)} %)`, JSON.stringify(sizes.incell));
  // The self view is small and inside the stage; the controls sit at the bottom.
  const geo = await fam.page.evaluate(() => {
    const self = document.querySelector('#tiles li[data-participant="self"]').getBoundingClientRect();
    const bar = document.querySelector('.app-call__controls').getBoundingClientRect();
    return { selfW: self.width, win: window.innerWidth, barBottom: bar.bottom, winH: window.innerHeight };
  });
  tap.check(geo.selfW <= geo.win * 0.25 && Math.abs(geo.barBottom - geo.winH) < 2, 'your own picture is small (≤ 25 % of the width) and the controls are at the bottom of the window', JSON.stringify(geo));
  await audit(fam.page, 'a call in progress (English)');

  // Keyboard: every control is reached with Tab, shows the focus, works with Enter.
  const tabTo = async (page, id) => {
    for (let i = 0; i < 30; i++) {
      if (await page.evaluate((x) => document.activeElement && document.activeElement.id === x, id)) return true;
      await page.keyboard.press('Tab');
    }
    return false;
  };
  const focusShown = (page) => page.evaluate(() => {
    const a = document.activeElement;
    const icon = a.querySelector('.app-ctl__icon');
    const cs = getComputedStyle(icon || a);
    return /255, 221, 0/.test(cs.boxShadow) || /255, 221, 0/.test(cs.outlineColor);
  });
  const keys = {};
  for (const id of ['mute', 'camera-toggle', 'audio-only', 'fullscreen']) {
    const reached = await tabTo(fam.page, id);
    const focus = reached && await focusShown(fam.page);
    await fam.page.keyboard.press('Enter');
    await fam.page.waitForTimeout(id === 'fullscreen' ? 500 : 100);
    const on = await fam.page.getAttribute(`#${id}`, 'aria-pressed');
    await fam.page.keyboard.press('Enter');
    await fam.page.waitForTimeout(id === 'fullscreen' ? 500 : 100);
    const off = await fam.page.getAttribute(`#${id}`, 'aria-pressed');
    keys[id] = { reached, focus, on, off };
  }
  tap.check(Object.values(keys).every((k) => k.reached && k.focus && k.on === 'true' && k.off === 'false'),
    'mute, camera, audio only and full screen are reached with Tab, show the yellow focus, and Enter turns each on and off (aria-pressed)', JSON.stringify(keys));
  const reachedMove = await tabTo(fam.page, 'move-self');
  await fam.page.keyboard.press('ArrowUp');
  const c1 = await fam.page.getAttribute('#tiles li[data-participant="self"]', 'data-corner');
  await fam.page.keyboard.press('ArrowLeft');
  const c2 = await fam.page.getAttribute('#tiles li[data-participant="self"]', 'data-corner');
  await fam.page.keyboard.press('Enter');
  const c3 = await fam.page.getAttribute('#tiles li[data-participant="self"]', 'data-corner');
  tap.check(reachedMove && c1 === 'top-right' && c2 === 'top-left' && c3 === 'top-right', 'your own picture moves between corners with the arrow keys and Enter', JSON.stringify({ reachedMove, c1, c2, c3 }));
  // Dragging it with the pointer settles it in the nearest corner.
  const box = await fam.page.locator('#tiles li[data-participant="self"]').boundingBox();
  await fam.page.mouse.move(box.x + 20, box.y + box.height - 20);
  await fam.page.mouse.down();
  await fam.page.mouse.move(60, 800, { steps: 8 });
  await fam.page.mouse.up();
  const dragged = await fam.page.getAttribute('#tiles li[data-participant="self"]', 'data-corner');
  tap.check(dragged === 'bottom-left', 'dragging your picture to the lower left puts it in that corner', dragged);
  const reachedLeave = await tabTo(fam.page, 'leave');
  tap.check(reachedLeave, 'Leave is reached with Tab');

  // The grid for up to five: four more people (presence messages as
  // signalling sends them; they publish nothing, so they show their initial).
  const extra = ['Cara One', 'Dan Two', 'Eve Three', 'Fay Four'];
  await fam.page.evaluate((names) => names.forEach((name, i) => window.parlourCall.session.onMessage({ type: 'participant_joined', participant: { id: `extra-${i}`, name, role: 'visitor', tracks: [{ id: `extra-${i}:1`, kind: 'video', muted: true }] } })), extra);
  const grid = {};
  for (const [w, h, name] of [[1280, 900, 'desktop'], [375, 812, 'phone']]) {
    await fam.page.setViewportSize({ width: w, height: h });
    await fam.page.waitForTimeout(300);
    grid[name] = await fam.page.evaluate(() => {
      const lis = [...document.querySelectorAll('#tiles li:not([data-participant="self"])')];
      const rects = lis.map((li) => li.getBoundingClientRect());
      return { count: document.querySelector('#tiles').dataset.count, columns: new Set(rects.map((r) => Math.round(r.left))).size, widths: rects.map((r) => Math.round(r.width)), win: window.innerWidth };
    });
    await shot(fam.page, `grid-5-${name}`);
  }
  await fam.page.setViewportSize({ width: 1280, height: 900 });
  tap.check(grid.desktop.count === '5' && grid.desktop.columns === 3 && grid.phone.columns === 2 && grid.phone.widths.every((x) => x >= grid.phone.win * 0.45),
    'five people: a 3-column grid on the desktop, 2 columns on the phone', JSON.stringify(grid));
  await fam.page.evaluate((n) => { for (let i = 0; i < n; i++) window.parlourCall.session.onMessage({ type: 'participant_left', participant: `extra-${i}`, reason: 'left' }); }, extra.length);
  const back1 = await fam.page.evaluate(() => document.querySelector('#tiles').dataset.count);
  tap.check(back1 === '1', 'when they leave, the one person fills the stage again', back1);

  // Active speaker: the page marks the tile signalling names.
  const prisonerId = ids.find((x) => x !== 'self');
  await fam.page.evaluate((pid) => window.parlourCall.session.onMessage({ type: 'speaking', participant: pid, speaking: true }), prisonerId);
  const marked = await fam.page.evaluate((pid) => document.querySelector(`#tiles li[data-participant="${pid}"]`).className, prisonerId);
  tap.check(/app-tile--speaking/.test(marked), 'a speaking event marks the speaker\'s tile', marked);

  // Audio only, chosen by the person.
  await fam.page.click('#audio-only');
  await fam.page.waitForFunction(() => window.parlourCall.audioOnly === true, null, { timeout: 5000 });
  const sending = await fam.page.evaluate(() => window.parlourCall.session.pub.getSenders().filter((s) => s.track && s.track.kind === 'video').length);
  tap.check(sending === 0 && await fam.page.isVisible('#media-mode'), 'audio only stops sending video and says so at the top', JSON.stringify({ sending }));
  await shot(fam.page, 'audio-only-desktop');
  await fam.page.setViewportSize({ width: 375, height: 812 });
  await shot(fam.page, 'audio-only-phone');
  await fam.page.setViewportSize({ width: 1280, height: 900 });
  await fam.page.click('#audio-only');
  await fam.page.waitForFunction(() => window.parlourCall.audioOnly === false, null, { timeout: 5000 });

  // Reconnecting: the socket dropped and the next connection held.
  await fam.page.evaluate(() => { window.__holdWs = true; window.parlourCall.session.ws.close(); });
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'reconnecting', null, { timeout: 10000 });
  await fam.page.waitForSelector('#reconnecting:not([hidden])', { timeout: 5000 });
  await shot(fam.page, 'reconnecting-desktop');
  await fam.page.setViewportSize({ width: 375, height: 812 });
  await shot(fam.page, 'reconnecting-phone');
  await fam.page.setViewportSize({ width: 1280, height: 900 });
  await audit(fam.page, 'reconnecting (English)');
  await fam.page.evaluate(() => { window.__holdWs = false; });
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 });
  tap.ok('the page rejoins after the held reconnect');

  // Welsh: the prisoner switches language with the header's link on its calls page.
  await pri.page.setViewportSize({ width: 1366, height: 768 });
  const pri2 = await pri.context.newPage();
  await pri2.goto('/calls/');
  await ready(pri2);
  await pri2.click('.app-lang a[data-lang="cy"]');
  await pri2.waitForFunction(() => document.documentElement.lang === 'cy' && document.body.dataset.ready === '1', null, { timeout: 15000 });
  await pri2.goto('/calls/');
  await ready(pri2);
  const remembered = await pri2.evaluate(() => ({ lang: document.documentElement.lang, stored: localStorage.getItem('parlour.lang'), cookie: /parlour_lang=cy/.test(document.cookie), signOut: document.querySelector('[data-testid=sign-out]').textContent.trim() }));
  tap.check(remembered.lang === 'cy' && remembered.stored === 'cy' && remembered.cookie && remembered.signOut === 'Allgofnodi',
    'Cymraeg chosen in the header is remembered (localStorage and cookie): <html lang="cy">, "Allgofnodi"', JSON.stringify(remembered));
  await pri2.close();
  // The family's end screen stays English; the prisoner's page reloads into Welsh.
  await pri.page.goto(`/call/?visit=${encodeURIComponent(call.id)}`);
  await ready(pri.page);
  await pri.page.waitForFunction(() => window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  const cyCheck = await pri.page.evaluate(() => ({ h1: document.querySelector('h1').textContent, caption: document.querySelector('.govuk-caption-l').textContent, lang: document.documentElement.lang }));
  tap.check(cyCheck.lang === 'cy' && /Gwirio eich camera/.test(cyCheck.h1) && /Dydd (Llun|Mawrth|Mercher|Iau|Gwener|Sadwrn|Sul)/.test(cyCheck.caption) && /(yb|yp) i /.test(cyCheck.caption),
    'the device check is in Welsh, with the date and times in Welsh', JSON.stringify(cyCheck));
  await audit(pri.page, 'the device check (Welsh)');
  await shot(pri.page, 'device-check-cy');
  await pri.page.click('#join');
  await pri.page.waitForSelector('.govuk-error-summary', { timeout: 5000 });
  const cyErr = await pri.page.evaluate(() => ({ title: document.title, summary: document.querySelector('.govuk-error-summary').textContent }));
  tap.check(/^Gwall: /.test(cyErr.title) && /Mae problem wedi codi/.test(cyErr.summary) && /Cadarnhewch/.test(cyErr.summary), 'the notice\'s error is in Welsh ("Gwall:", "Mae problem wedi codi")', JSON.stringify(cyErr));
  await pri.page.check('#understood');
  await pri.page.click('#join');
  await pri.page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 });
  await waitFrames(pri.page, { min: 30 });
  const cyCall = await pri.page.evaluate(() => ({ leave: document.querySelector('#leave').textContent.trim(), rec: document.querySelector('#recording-indicator').textContent }));
  tap.check(/Gadael/.test(cyCall.leave) && /Yn recordio/.test(cyCall.rec), 'the call\'s controls and notices are in Welsh', JSON.stringify(cyCall));
  await shot(pri.page, 'in-call-incell-cy');
  await audit(pri.page, 'a call in progress (Welsh)');

  // Ended, both languages.
  await pri.page.click('#leave');
  await pri.page.waitForFunction(() => window.parlourCall.endReason === 'left', null, { timeout: 10000 });
  const cyEnd = await pri.page.textContent('#end-reason');
  tap.check(/Rydych wedi gadael yr alwad/.test(cyEnd), 'the end screen gives the reason in Welsh', cyEnd);
  await shot(pri.page, 'ended-cy');
  await audit(pri.page, 'the end screen (Welsh)');
  await fam.page.click('#leave');
  await fam.page.waitForFunction(() => window.parlourCall.endReason === 'left', null, { timeout: 10000 });
  tap.check(/You left the call/.test(await fam.page.textContent('#end-reason')), 'the end screen gives the reason in English');
  await shot(fam.page, 'ended-desktop');
  await audit(fam.page, 'the end screen (English)');

  // --- Low bandwidth: a single-layer call (legal); the adviser's page asks
  // the SFU for at most 40 kbit/s of video, so the SFU's REMB caps the
  // prisoner's sender; the prisoner's page must offer audio only, switch by
  // itself and say so, then return to video when the cap goes.
  const legal = await createCallNow(stack, staff, 'legal', { minutes: 30 });
  const adv = await person('legal', { width: 1280, height: 800 });
  await signInUI(adv.page, 'legal');
  await pri.page.evaluate(() => { localStorage.setItem('parlour.lang', 'en'); document.cookie = 'parlour_lang=en; Path=/'; });
  await pri.page.goto(`/call/?visit=${encodeURIComponent(legal.id)}`);
  await ready(pri.page);
  await pri.page.waitForFunction(() => window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  // Shorter waits than a real call's, the same decisions (call/bandwidth.mjs).
  await pri.page.evaluate(() => { window.parlourCall.bandwidthOptions = { badSeconds: 3, offerSeconds: 4, goodSeconds: 6 }; });
  await pri.page.click('#join');
  await pri.page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 });
  await joinCall(adv.page, legal.id);
  await Promise.all([waitFrames(adv.page, { min: 30 }), waitFrames(pri.page, { min: 30 })]);
  await adv.page.waitForTimeout(1500);
  await adv.page.evaluate(() => window.parlourCall.session.send('video_limit', { max_kbps: 40 }));
  const offered = await pri.page.waitForFunction(() => window.parlourCall.events.some((e) => e.type === 'bandwidth' && e.action === 'offer'), null, { timeout: 45000 }).then(() => true).catch(() => false);
  const offerText = offered ? await pri.page.textContent('#lowband-text') : '';
  if (offered) await shot(pri.page, 'low-bandwidth-offer');
  const auto = await pri.page.waitForFunction(() => window.parlourCall.audioOnly === true && window.parlourCall.audioOnlyWhy === 'page', null, { timeout: 30000 }).then(() => true).catch(() => false);
  const autoText = auto ? await pri.page.textContent('#lowband-text') : '';
  if (auto) await shot(pri.page, 'low-bandwidth-audio-only');
  const series = await pri.page.evaluate(() => window.parlourCall.bandwidth.slice(-20));
  tap.check(offered && /too slow for video/.test(offerText), 'the capped page offers audio only in words', JSON.stringify({ offered, offerText, series }));
  tap.check(auto && /switched to audio only/.test(autoText), 'nobody answering, the page switches to audio only by itself and says so', JSON.stringify({ auto, autoText }));
  await adv.page.evaluate(() => window.parlourCall.session.send('video_limit', { max_kbps: 0 }));
  const back = await pri.page.waitForFunction(() => window.parlourCall.audioOnly === false && window.parlourCall.events.some((e) => e.type === 'bandwidth' && e.action === 'return-video'), null, { timeout: 60000 }).then(() => true).catch(() => false);
  const backText = back ? await pri.page.textContent('#lowband-text') : '';
  const before = await adv.page.evaluate(async () => (await window.parlourCall.session.stats()).inbound.filter((i) => i.kind === 'video').reduce((a, i) => a + i.framesDecoded, 0));
  const flowing = back && await waitFor(async () => {
    const n = await adv.page.evaluate(async () => (await window.parlourCall.session.stats()).inbound.filter((i) => i.kind === 'video').reduce((a, i) => a + i.framesDecoded, 0));
    return n >= before + 30;
  }, { timeout: 20000, what: 'video again' }).then(() => true).catch(() => false);
  tap.check(back && flowing && /video is back on/.test(backText), 'when the cap goes, the page returns to video by itself, says so, and the other side decodes video again', JSON.stringify({ back, flowing, backText, series: await pri.page.evaluate(() => window.parlourCall.bandwidth.slice(-12)) }));
  if (back) await shot(pri.page, 'low-bandwidth-video-back');
  // The series the page judged, kept (test-client-units replays a copy of one).
  fs.writeFileSync(path.join(ARTIFACTS, 'bandwidth-remb-capped.json'), JSON.stringify(await pri.page.evaluate(() => window.parlourCall.bandwidth), null, 0));
});
