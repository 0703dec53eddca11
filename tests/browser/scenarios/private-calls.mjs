// Scenario 5: a probation officer and a person on probation hold a
// supervision call (both in Chromium); a clinician and a prisoner hold a
// telemedicine call with the clinician in Firefox ESR (WebDriver BiDi).
// Neither call is recorded: no notice, no indicator, the policy in booking
// says forbidden, and no recording file appears.
import fs from 'node:fs';
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, framesByParticipant, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { Firefox } from '../lib/firefox.mjs';
import { DEMO } from '../lib/demo.mjs';
import { ARTIFACTS } from '../lib/stack.mjs';
import { sleep, waitFor } from '../lib/util.mjs';

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

// Firefox gathers host candidates only on the namespace's veth address
// (10.200.0.1, see lib/netns-run), so the SFU offers that address too.
await scenario('private-calls', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');

  // --- probation supervision, both in Chromium ---
  const officerApi = await signInAPI(stack, 'officer');
  let sup = await createCallNow(stack, staff, 'probation', { minutes: 30 }).catch((e) => e);
  if (sup instanceof Error) {
    // Booking's demo endpoint is for booking staff; officers book their own
    // supervision calls. Fall back to one that starts in a minute.
    tap.diag(`demo probation visit: ${sup.message}`);
    const cases = (await apiAs(stack, officerApi, 'GET', '/probation/cases')).json.cases;
    const start = new Date(Date.now() + 60000); const end = new Date(start.getTime() + 30 * 60000);
    const r = await apiAs(stack, officerApi, 'POST', '/visits', { type: 'probation', probationer_id: cases[0].id, start: start.toISOString().replace(/\.\d+Z/, 'Z'), end: end.toISOString().replace(/\.\d+Z/, 'Z') });
    if (r.status !== 201) throw new Error(`officer booking: ${r.status} ${r.text}`);
    sup = r.json;
  }
  tap.check(sup.recording === 'forbidden' && sup.monitoring === 'forbidden', 'the supervision call is neither recorded nor monitored by policy');
  const off = await person('officer');
  const pob = await person('probationer');
  await signInUI(off.page, 'officer');
  await signInUI(pob.page, 'probationer');
  await off.page.goto('/probation/');
  await ready(off.page);
  tap.check(await off.page.isVisible('#cases'), "the officer's page lists their cases");
  await screenshots(off.page, 'probation-cases');
  // The officer books a supervision call for tomorrow at 10:00 through the page.
  const tomorrow = new Date(Date.now() + 86400000);
  await off.page.goto('/probation/book.html');
  await ready(off.page);
  await off.page.check('input[name=case]');
  await off.page.fill('#date-day', String(tomorrow.getUTCDate()));
  await off.page.fill('#date-month', String(tomorrow.getUTCMonth() + 1));
  await off.page.fill('#date-year', String(tomorrow.getUTCFullYear()));
  await off.page.fill('#start-time', '10:00');
  await off.page.selectOption('#length', '45');
  await Promise.all([off.page.waitForURL((u) => u.pathname === '/probation/'), off.page.click('#book-button')]);
  await ready(off.page);
  const bannerText = await off.page.textContent('.govuk-notification-banner').catch(() => '');
  const officerVisits = (await apiAs(stack, officerApi, 'GET', '/visits')).json.visits;
  const bookedSup = officerVisits.find((v) => v.type === 'probation' && v.start.slice(0, 10) === tomorrow.toISOString().slice(0, 10));
  tap.check(/Supervision call booked/.test(bannerText) && bookedSup && (Date.parse(bookedSup.end) - Date.parse(bookedSup.start)) === 45 * 60000 && await off.page.isVisible(`#upcoming tr[data-visit="${bookedSup.id}"]`),
    'the officer books a 45-minute supervision call for tomorrow through the page; it is listed as upcoming', JSON.stringify({ bannerText, bookedSup: bookedSup && [bookedSup.start, bookedSup.end] }));
  const [no, np] = await Promise.all([joinCall(off.page, sup.id), joinCall(pob.page, sup.id)]);
  tap.check(!no.shown && no.privacy && !np.shown && np.privacy, 'no recording notice; both told the supervision call is not recorded');
  const [fo, fp] = await Promise.all([waitFrames(off.page, { min: 60 }), waitFrames(pob.page, { min: 60 })]);
  tap.ok(`officer and person on probation each decode 60+ frames (${JSON.stringify(fo)} / ${JSON.stringify(fp)})`);
  const recInd = await Promise.all([off.page, pob.page].map((p) => p.isVisible('#recording-indicator')));
  const recFlag = await off.page.evaluate(() => window.parlourCall.session.recording);
  tap.check(!recInd.some(Boolean) && recFlag === false, 'no recording indicator, and signalling says recording:false');
  await screenshots(off.page, 'call-probation');
  await off.page.click('#leave');
  const left = await off.page.waitForFunction(() => window.parlourCall.endReason === 'left', null, { timeout: 10000 }).then(() => true).catch(() => false);
  tap.check(left && /You left the call/.test(await off.page.textContent('main')), 'leaving shows the end screen with "You left the call"');
  await screenshots(off.page, 'call-left');

  // --- telemedicine, the clinician in Firefox ESR ---
  const tele = await createCallNow(stack, staff, 'telemedicine', { minutes: 30 });
  tap.check(tele.recording === 'forbidden' && tele.monitoring === 'forbidden', 'the telemedicine call is neither recorded nor monitored by policy');
  const ff = await Firefox.launch({ logFile: path.join(stack.logDir, 'firefox.log') });
  try {
    await ff.goto(`${stack.bookingUrl}/`);
    await ff.waitFor(`document.body.dataset.ready === '1'`, { timeout: 20000 });
    const { username, password } = DEMO.clinician;
    await ff.evaluate(`(() => {
      document.querySelector('#username').value = ${JSON.stringify(username)};
      document.querySelector('#password').value = ${JSON.stringify(password)};
      document.querySelector('#sign-in-button').click();
      return true; })()`);
    await ff.waitFor(`location.pathname === '/calls/' && document.body.dataset.ready === '1'`, { timeout: 20000 });
    tap.ok('the clinician signs in in Firefox ESR and sees their calls');
    await ff.goto(`${stack.bookingUrl}/call/?visit=${tele.id}`);
    await ff.waitFor(`window.parlourCall && window.parlourCall.phase === 'device-check'`, { timeout: 20000 });
    const fnotice = await ff.evaluate(`({ shown: window.parlourCall.noticeShown, privacy: !!document.querySelector('#privacy-notice') })`);
    await ff.evaluate(`(document.querySelector('#join').click(), true)`);
    // The prisoner joins from the in-cell device (Chromium).
    const priApi = await signInAPI(stack, 'prisoner');
    const seen = await apiAs(stack, priApi, 'GET', `/visits/${tele.id}`);
    tap.check(seen.status === 200, "the telemedicine call is the signed-in prisoner's (so they can join it)",
      `${seen.status}: booking's demo telemedicine call is with prisoner ${tele.prisoner && tele.prisoner.prison_number}, who has no sign-in; the prisoner cannot join`);
    let framesCr = new Error('prisoner could not join');
    let npr = { shown: false, privacy: true };
    const pri = await person('prisoner');
    if (seen.status === 200) {
      await signInUI(pri.page, 'prisoner');
      npr = await joinCall(pri.page, tele.id);
    }
    const joinedFx = await ff.waitFor(`window.parlourCall.phase === 'joined'`, { timeout: 30000 }).catch((e) => e);
    const fxState = await ff.evaluate(`({ phase: window.parlourCall.phase, history: window.parlourCall.session ? window.parlourCall.session.history.slice(-40).join(',') : null,
      errors: window.parlourCall.events.filter((e) => e.type === 'error'), summary: (document.querySelector('.govuk-error-summary') || {}).textContent || null })`).catch((e) => String(e));
    if (!tap.check(!(joinedFx instanceof Error), 'the clinician joins the telemedicine call from Firefox ESR', JSON.stringify(fxState))) throw new Error('Firefox did not join');
    tap.check(!fnotice.shown && fnotice.privacy && !npr.shown && npr.privacy, 'no recording notice in the telemedicine call, in either browser');
    const framesFx = await ff.waitFor(`(async () => {
        const st = await window.parlourCall.session.stats();
        const v = st.inbound.filter((i) => i.kind === 'video').map((i) => i.framesDecoded);
        return v.some((n) => n >= 60) ? v : null; })()`, { timeout: seen.status === 200 ? 60000 : 1000, interval: 500 }).catch((e) => e);
    if (seen.status === 200) framesCr = await waitFrames(pri.page, { min: 60 }).catch((e) => e);
    tap.check(!(framesFx instanceof Error) && !(framesCr instanceof Error),
      `clinician (Firefox) and prisoner (Chromium) each decode 60+ frames (${framesFx instanceof Error ? framesFx.message : framesFx} / ${framesCr instanceof Error ? framesCr.message : JSON.stringify(framesCr)})`);
    fs.mkdirSync(path.join(ARTIFACTS, 'screenshots'), { recursive: true });
    await ff.screenshot(path.join(ARTIFACTS, 'screenshots', 'call-telemedicine-firefox.png'));
    await screenshots(pri.page, 'call-telemedicine');
    const fxRec = await ff.evaluate(`({ indicator: !!document.querySelector('#recording-indicator'), recording: window.parlourCall.session.recording })`);
    tap.check(!fxRec.indicator && fxRec.recording === false, 'no recording indicator in Firefox, and signalling says recording:false');

    // Firefox media with the SFU, in a call where both people can sign in:
    // the person on probation in Firefox, the officer in Chromium.
    const sup2 = await createCallNow(stack, staff, 'probation', { minutes: 30 });
    await ff.goto(`${stack.bookingUrl}/sign-out.html`);
    await ff.waitFor(`document.body.dataset.ready === '1'`, { timeout: 20000 });
    await ff.goto(`${stack.bookingUrl}/?signedout=1`);
    await ff.waitFor(`document.body.dataset.ready === '1'`, { timeout: 20000 });
    await ff.evaluate(`(() => {
      document.querySelector('#username').value = ${JSON.stringify(DEMO.probationer.username)};
      document.querySelector('#password').value = ${JSON.stringify(DEMO.probationer.password)};
      document.querySelector('#sign-in-button').click();
      return true; })()`);
    await ff.waitFor(`location.pathname === '/calls/' && document.body.dataset.ready === '1'`, { timeout: 20000 });
    await ff.goto(`${stack.bookingUrl}/call/?visit=${sup2.id}`);
    await ff.waitFor(`window.parlourCall && window.parlourCall.phase === 'device-check'`, { timeout: 20000 });
    await ff.evaluate(`(document.querySelector('#join').click(), true)`);
    const off2 = await person('officer 2');
    await signInUI(off2.page, 'officer');
    await joinCall(off2.page, sup2.id);
    await ff.waitFor(`window.parlourCall.phase === 'joined'`, { timeout: 30000 });
    const fx2 = await ff.waitFor(`(async () => {
        const st = await window.parlourCall.session.stats();
        const v = st.inbound.filter((i) => i.kind === 'video').map((i) => i.framesDecoded);
        return v.some((n) => n >= 60) ? v : null; })()`, { timeout: 60000, interval: 500 }).catch((e) => e);
    const cr2 = await waitFrames(off2.page, { min: 60 }).catch((e) => e);
    const fxSdp = await ff.evaluate(`(() => { const p = window.parlourCall.session.pub; if (!p) return null;
      const vid = (d) => d ? d.sdp.split('m=').filter((x) => x.startsWith('video')).map((x) => x.split('\\r\\n').filter((l) => /^video|rtpmap|a=(send|recv|inactive)|fmtp/.test(l)).join(' | ')) : null;
      return { offer: vid(p.localDescription), answer: vid(p.remoteDescription), tracks: window.parlourCall.session.localStream.getTracks().map((t) => t.kind) }; })()`).catch((e) => String(e));
    const fx2State = fx2 instanceof Error ? await ff.evaluate(`({ history: window.parlourCall.session.history.slice(-40).join(','), pcs: [window.parlourCall.session.pub && window.parlourCall.session.pub.connectionState, window.parlourCall.session.sub && window.parlourCall.session.sub.connectionState], errors: window.parlourCall.events.filter((e) => e.type === 'error') })`).catch((e) => String(e)) : '';
    tap.check(!(fx2 instanceof Error) && !(cr2 instanceof Error),
      `Firefox ESR and Chromium exchange video through the SFU (Firefox decoded ${fx2 instanceof Error ? fx2.message : fx2}; Chromium ${cr2 instanceof Error ? cr2.message : JSON.stringify(cr2)})`, JSON.stringify({ fx2State, fxSdp }));
    await ff.screenshot(path.join(ARTIFACTS, 'screenshots', 'call-probation-firefox.png'));

    // Firefox keeps the call across a network change: the 'online' event
    // restarts ICE on both its connections over the live socket, then a
    // dropped socket resumes (join resume:true); the officer sees no leave,
    // join or track go, and video keeps flowing both ways.
    const fxIce = () => ff.evaluate(`(() => { const s = window.parlourCall.session;
      const uf = (d) => ((d && /a=ice-ufrag:(\\S+)/.exec(d.sdp)) || [])[1] || null;
      return { pub: uf(s.pub && s.pub.localDescription), sub: uf(s.sub && s.sub.localDescription), restarts: s.iceRestarts,
        pubState: s.pub && s.pub.connectionState, subState: s.sub && s.sub.connectionState, phase: window.parlourCall.phase,
        states: window.parlourCall.events.filter((e) => e.type === 'state').map((e) => e.state) }; })()`);
    const fxFrames = () => ff.evaluate(`(async () => Math.max(0, ...(await window.parlourCall.session.stats()).inbound.filter((i) => i.kind === 'video').map((i) => i.framesDecoded)))()`);
    const crFrames = async () => Math.max(0, ...Object.values(await framesByParticipant(off2.page)));
    const offMark = await off2.page.evaluate(() => window.parlourCall.session.history.length);
    for (const [what, act] of [
      ['a network change (online event)', `(window.dispatchEvent(new Event('online')), true)`],
      ['a dropped signalling socket', `(window.parlourCall.session.ws.close(), true)`],
    ]) {
      const i0 = await fxIce();
      const [a0, b0] = [await fxFrames(), await crFrames()];
      await ff.evaluate(act);
      const i1 = await waitFor(async () => {
        const i = await fxIce();
        return i.pub !== i0.pub && i.sub !== i0.sub && i.pubState === 'connected' && i.subState === 'connected' && i.phase === 'joined' ? i : null;
      }, { timeout: 25000, interval: 500, what: 'Firefox restarted ICE on both connections' }).catch((e) => e);
      const flowing = await waitFor(async () => ((await fxFrames()) > a0 + 30 && (await crFrames()) > b0 + 30 ? true : null),
        { timeout: 30000, interval: 500, what: 'video both ways' }).then(() => true, () => false);
      const after = await fxIce();
      tap.diag(`Firefox, ${what}: ufrags pub ${i0.pub} -> ${after.pub}, sub ${i0.sub} -> ${after.sub}; ${after.restarts - i0.restarts} restarts; states ${after.states.slice(i0.states.length).join(',') || 'none'}`);
      tap.check(!(i1 instanceof Error) && flowing,
        `Firefox ESR restarts ICE on both connections after ${what} and video flows both ways`,
        i1 instanceof Error ? `${i1.message}: ${JSON.stringify(after)}` : JSON.stringify(after));
    }
    const offSaw = await off2.page.evaluate((n) => window.parlourCall.session.history.slice(n), offMark);
    tap.check(!offSaw.some((t) => ['participant_left', 'participant_joined', 'track_unpublished'].includes(t)),
      'through both the officer sees no leave, no join and no track go', offSaw.join(','));
  } finally {
    await ff.close();
  }

  // Nothing was recorded for either call.
  await sleep(1000); // an observation window: absence has no event to wait for
  const files = filesUnder(path.join(stack.dir, 'recordings'));
  tap.check(!files.some((f) => f.includes(sup.id) || f.includes(tele.id)), 'no recording file exists for either call', JSON.stringify(files));
}, { stackOptions: { iceAddresses: ['127.0.0.1', '10.200.0.1'] } });
