// An interpreter's day (issue 19 part 5; docs/booking.md "Interpreters"):
// the demo BSL interpreter signs in through the page and lands on "Your
// calls", which lists today's social call staff approved them for (demo
// social calls approve the demo interpreter) with Join, and not a legal
// call they are not approved for. The prisoner's device check says an
// interpreter will join; the interpreter joins from the list, each side
// decodes the other's video, and the prisoner's page names the tile
// "Interpreter (BSL)".
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, createCallNow, joinCall, waitFrames, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { waitFor } from '../lib/util.mjs';

await scenario('interpreter-call', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const social = await createCallNow(stack, staff, 'social', { minutes: 30 });
  const legal = await createCallNow(stack, staff, 'legal', { minutes: 30, startIn: 60 });

  const pri = await person('prisoner');
  await signInUI(pri.page, 'prisoner');
  await pri.page.goto(`/call/?visit=${encodeURIComponent(social.id)}`);
  await ready(pri.page);
  const told = await pri.page.textContent('#interpreter-notice').catch(() => '');
  tap.check(/interpreter \(BSL\)/i.test(told), "the prisoner's device check says an interpreter (BSL) will join", told);
  await joinCall(pri.page, social.id);

  const ivy = await person('interpreter');
  await signInUI(ivy.page, 'interpreter');
  const landed = new URL(ivy.page.url()).pathname;
  tap.check(landed === '/calls/', 'the interpreter lands on "Your calls" after signing in', landed);
  const nav = await ivy.page.$$eval('.govuk-service-navigation__link', (xs) => xs.map((x) => x.getAttribute('href')));
  tap.check(nav.includes('/calls/'), 'the service navigation links "Your calls"', JSON.stringify(nav));
  tap.check(await ivy.page.isVisible(`[data-testid="join-${social.id}"]`), "today's social call they are approved for is listed with Join");
  const listed = await ivy.page.$$eval('[data-visit], [data-testid^="join-"]', (xs) => xs.map((x) => x.dataset.visit || x.dataset.testid));
  tap.check(!listed.some((x) => x && x.includes(legal.id)), 'a legal call they are not approved for is not listed', JSON.stringify(listed));
  await screenshots(ivy.page, 'interpreter-calls');

  await Promise.all([
    ivy.page.waitForURL((u) => u.pathname === '/call/', { timeout: 30000 }),
    ivy.page.click(`[data-testid="join-${social.id}"]`),
  ]);
  await joinCall(ivy.page, social.id);
  const [fi, fp] = await Promise.all([waitFrames(ivy.page, { min: 30 }), waitFrames(pri.page, { min: 30 })]);
  tap.ok(`the interpreter and the prisoner each decode the other's video (interpreter ${JSON.stringify(fi)}, prisoner ${JSON.stringify(fp)})`);
  const labels = await waitFor(async () => {
    const xs = await pri.page.$$eval('#tiles .app-tile__label', (ls) => ls.map((l) => l.textContent.trim()));
    return xs.some((x) => /Interpreter \(BSL\)/.test(x)) ? xs : null;
  }, { timeout: 15000, what: 'the interpreter tile' }).catch((e) => [String(e.message)]);
  tap.check(labels.some((x) => /Interpreter \(BSL\)/.test(x)), 'the prisoner\'s page names the tile "Interpreter (BSL)"', JSON.stringify(labels));
  await screenshots(pri.page, 'call-with-interpreter');
});
