// Scenario 6: a call reaches its end time; both pages show "time up" (from
// signalling's visit_ended, not a guess of the page's own clock: the test
// checks the reason signalling sent), and booking records the call as
// completed.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, endReason } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { waitFor } from '../lib/util.mjs';

await scenario('time-up', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  // A one-minute call that started now: the shortest booking allows.
  const visit = await createCallNow(stack, staff, 'social', { minutes: 1 });
  const fam = await person('family');
  const pri = await person('prisoner');
  await signInUI(fam.page, 'family');
  await signInUI(pri.page, 'prisoner');
  await Promise.all([joinCall(fam.page, visit.id), joinCall(pri.page, visit.id)]);
  await Promise.all([waitFrames(fam.page, { min: 10 }), waitFrames(pri.page, { min: 10 })]);
  tap.ok('both are in the call with video');
  const left = Date.parse(visit.end) - Date.now();
  tap.diag(`waiting ${Math.round(left / 1000)} s for the end time`);
  const [ef, ep] = await Promise.all([endReason(fam.page, 'parlourCall', left + 20000), endReason(pri.page, 'parlourCall', left + 20000)]);
  tap.check(ef.reason === 'time_up' && /time was up/.test(ef.text) && ep.reason === 'time_up' && /time was up/.test(ep.text),
    'both pages show that the call ended because its time was up', JSON.stringify({ ef, ep }));
  // The page's own fallback fires only 15 s after the end; signalling must
  // have said it first.
  const fromServer = await fam.page.evaluate(() => window.parlourCall.session.endReason === 'time_up');
  tap.check(fromServer, 'the time-up came from signalling (visit_ended), not from the page clock');
  await screenshots(fam.page, 'call-time-up');
  const rec = await waitFor(async () => {
    const r = await apiAs(stack, staff, 'GET', `/visits/${visit.id}`);
    return r.json && r.json.status === 'completed' ? r.json : null;
  }, { timeout: 15000, what: 'booking to record the call completed' }).catch((e) => e);
  tap.check(!(rec instanceof Error), 'booking records the call as completed', rec instanceof Error ? rec.message : '');
});
