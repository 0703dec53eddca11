// Scenario 4: a legal call in progress (the legal adviser and the prisoner
// both in it) never appears on the live monitoring wall, and booking refuses
// a monitor token for it. A social call running at the same time does
// appear, so the wall is shown to work.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { waitFor, sleep } from '../lib/util.mjs';

await scenario('legal-not-monitored', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const legal = await createCallNow(stack, staff, 'legal', { minutes: 30 });
  tap.check(legal.monitoring === 'forbidden' && legal.recording === 'forbidden', 'booking made the legal call neither monitored nor recorded', JSON.stringify({ m: legal.monitoring, r: legal.recording }));

  // The legal adviser and the prisoner (in-cell device) join.
  const adv = await person('legal');
  const pri = await person('prisoner');
  await signInUI(adv.page, 'legal');
  await signInUI(pri.page, 'prisoner');
  const [na, np] = await Promise.all([joinCall(adv.page, legal.id), joinCall(pri.page, legal.id)]);
  tap.check(!na.shown && na.privacy && !np.shown && np.privacy, 'both are told the legal call is not recorded or monitored (no recording notice)', JSON.stringify({ na, np }));
  tap.check(!(await adv.page.isVisible('#recording-indicator')) && !(await pri.page.isVisible('#recording-indicator')), 'no recording indicator in a legal call');
  const [fa, fp] = await Promise.all([waitFrames(adv.page, { min: 30 }), waitFrames(pri.page, { min: 30 })]);
  tap.ok(`the legal adviser and the prisoner see each other (${JSON.stringify(fa)} / ${JSON.stringify(fp)})`);
  await screenshots(adv.page, 'call-legal');

  // Booking knows it is in progress (so leaving it off the wall is policy).
  const inProgress = await waitFor(async () => {
    const r = await apiAs(stack, staff, 'GET', '/visits?status=in_progress');
    return r.json && r.json.visits.some((v) => v.id === legal.id) ? r.json.visits : null;
  }, { timeout: 15000, what: 'booking to mark the legal call in progress' }).catch((e) => e);
  tap.check(!(inProgress instanceof Error), 'booking lists the legal call as in progress', inProgress instanceof Error ? inProgress.message : '');

  // A social call at the same time, for contrast (booking's demo puts every
  // prison call with Tom Baker; overlapping calls are allowed for the demo).
  const social = await createCallNow(stack, staff, 'social', { minutes: 30 });
  const fam = await person('family');
  await signInUI(fam.page, 'family');
  await joinCall(fam.page, social.id);

  const mon = await person('monitor');
  await signInUI(mon.page, 'monitor');
  await mon.page.goto('/staff/wall.html');
  await ready(mon.page);
  await mon.page.waitForSelector(`.app-wall__call[data-visit="${social.id}"]`, { timeout: 20000 }).catch(() => {});
  await sleep(1500); // an observation window: the legal call must not appear in it either
  const onWall = await mon.page.$$eval('.app-wall__call', (xs) => xs.map((x) => x.dataset.visit));
  tap.check(onWall.includes(social.id), 'the social call in progress is on the wall', JSON.stringify(onWall));
  tap.check(!onWall.includes(legal.id), 'the legal call in progress is not on the wall', JSON.stringify(onWall));
  const wallErrors = await mon.page.evaluate(() => window.parlourWall.errors);
  tap.check(!wallErrors.some((e) => e.visit === legal.id), 'the wall never even asked for a token for the legal call', JSON.stringify(wallErrors));
  await screenshots(mon.page, 'staff-wall-legal-hidden');

  // Asking booking directly for a monitor token is refused.
  const monitor = await signInAPI(stack, 'monitor');
  const r = await apiAs(stack, monitor, 'POST', `/visits/${legal.id}/join-token`, {});
  tap.check(r.status === 403 && r.json && r.json.error.code === 'policy_forbids_monitoring',
    'booking refuses a monitor token for the legal call (403 policy_forbids_monitoring)', `${r.status} ${r.text}`);
  // And the monitor page, opened by hand, says so instead of joining.
  await mon.page.goto(`/staff/monitor.html?visit=${legal.id}`);
  await ready(mon.page);
  const text = await mon.page.textContent('main');
  tap.check(/may not monitor|not found|problem/i.test(text) && !(await mon.page.$('#tiles')), 'the monitor page refuses to watch the legal call', text.slice(0, 200));
});
