// Scenario 7: axe-core with the WCAG 2.0/2.1/2.2 A and AA rules on every
// page, signed in as each role, including the states people meet along the
// way (error summaries, the time-out warning, a call in progress, the end
// screen): no serious or critical violation anywhere. Keyboard-only use:
// the skip link, signing in with the keyboard alone, a visible GOV.UK focus
// state. Screenshots of each page at desktop (1280) and phone (375) width.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, ready } from '../lib/flows.mjs';
import { axe, describeViolations, screenshots } from '../lib/chromium.mjs';
import { DEMO } from '../lib/demo.mjs';

await scenario('accessibility', async ({ tap, stack, person }) => {
  const checked = [];
  async function audit(page, label, shot = true) {
    await page.waitForTimeout(200);
    const r = await axe(page);
    checked.push(label);
    tap.check(r.serious.length === 0, `axe: no serious or critical WCAG 2.2 AA violation on ${label}`, describeViolations(r.serious));
    if (r.all.length) tap.diag(`${label}: minor: ${describeViolations(r.all.filter((v) => !r.serious.includes(v)))}`);
    if (shot) await screenshots(page, label.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
  }
  // Each page in English, then in Welsh (?lang=cy, as the header's switch
  // does), then back in English (the choice is remembered, so it is undone).
  const withLang = (url, l) => `${url}${url.includes('?') ? '&' : '?'}lang=${l}`;
  async function visit(page, url, label) {
    await page.goto(url);
    await ready(page);
    await audit(page, label);
    await page.goto(withLang(url, 'cy'));
    await ready(page);
    const cy = await page.evaluate(() => document.documentElement.lang);
    tap.check(cy === 'cy', `${label} in Welsh has <html lang="cy">`, cy);
    await audit(page, `${label} (Welsh)`, false);
    await page.goto(withLang(url, 'en'));
    await ready(page);
  }
  async function submitEmpty(page, selector, label) {
    await page.click(selector);
    await page.waitForSelector('.govuk-error-summary', { timeout: 5000 });
    const ok = await page.evaluate(() => document.title.startsWith('Error:')
      && [...document.querySelectorAll('.govuk-error-summary a')].every((a) => document.getElementById(a.getAttribute('href').slice(1))));
    tap.check(ok, `${label}: GOV.UK error summary, "Error:" title, every link goes to a field`);
    await audit(page, `${label} with errors`);
  }

  const staff = await signInAPI(stack, 'staff');
  const call = await createCallNow(stack, staff, 'social', { minutes: 30 });

  // --- signed out, and keyboard-only sign-in ---
  const anon = await person('anonymous');
  await visit(anon.page, '/', 'sign in');
  await visit(anon.page, '/accessibility.html', 'accessibility statement');
  await visit(anon.page, '/privacy.html', 'privacy and monitoring');
  await anon.page.goto('/');
  await ready(anon.page);
  await submitEmpty(anon.page, '#sign-in-button', 'sign in');
  await anon.page.goto('/');
  await ready(anon.page);
  await anon.page.keyboard.press('Tab');
  const skip = await anon.page.evaluate(() => {
    const a = document.activeElement;
    const cs = getComputedStyle(a);
    return { cls: a.className, bg: cs.backgroundColor, visible: a.getBoundingClientRect().height > 0 };
  });
  tap.check(/govuk-skip-link/.test(skip.cls) && skip.visible && skip.bg === 'rgb(255, 221, 0)', 'the first Tab reaches the skip link, shown with the GOV.UK focus colour', JSON.stringify(skip));
  await anon.page.keyboard.press('Enter');
  const inMain = await anon.page.evaluate(() => document.activeElement && document.activeElement.id === 'main-content');
  tap.check(inMain, 'the skip link moves focus to the main content');
  // Tab on to the username, type, Tab to password, type, Enter.
  let guard = 0;
  while (guard++ < 20 && !(await anon.page.evaluate(() => document.activeElement && document.activeElement.id === 'username'))) await anon.page.keyboard.press('Tab');
  await anon.page.keyboard.type(DEMO.family.username);
  await anon.page.keyboard.press('Tab');
  const onPassword = await anon.page.evaluate(() => document.activeElement.id === 'password');
  const ring = await anon.page.evaluate(() => getComputedStyle(document.activeElement).outlineColor);
  await anon.page.keyboard.type(DEMO.family.password);
  await Promise.all([anon.page.waitForURL((u) => u.pathname !== '/', { timeout: 15000 }).catch(() => {}), anon.page.keyboard.press('Enter')]);
  tap.check(onPassword && new URL(anon.page.url()).pathname === '/family/', 'signing in works with the keyboard alone', anon.page.url());
  tap.check(ring === 'rgb(255, 221, 0)', 'a focused field shows the GOV.UK yellow focus outline', ring);
  await anon.context.close();

  // --- family ---
  const fam = await person('family');
  await signInUI(fam.page, 'family');
  await visit(fam.page, '/family/', 'family - your prisoners');
  await visit(fam.page, '/family/book/prisoner.html', 'family - book - prisoner');
  await submitEmpty(fam.page, 'button[type=submit]', 'family - book - prisoner');
  await fam.page.check('label:has-text("Tom Baker")');
  await Promise.all([fam.page.waitForURL(/visitors/), fam.page.click('button[type=submit]')]);
  await ready(fam.page);
  await audit(fam.page, 'family - book - visitors');
  await submitEmpty(fam.page, 'button[type=submit]', 'family - book - visitors');
  const adult = await fam.page.$eval('.govuk-checkboxes__input:not([disabled])', (x) => x.value);
  await fam.page.check(`input[value="${adult}"]`);
  await Promise.all([fam.page.waitForURL(/slot/), fam.page.click('button[type=submit]')]);
  await ready(fam.page);
  await audit(fam.page, 'family - book - date and time');
  await submitEmpty(fam.page, 'button[type=submit]', 'family - book - date and time');
  await fam.page.check('input[name=slot]:not([disabled])');
  await Promise.all([fam.page.waitForURL(/check/), fam.page.click('button[type=submit]')]);
  await ready(fam.page);
  await audit(fam.page, 'family - book - check answers');
  await Promise.all([fam.page.waitForURL(/confirmation/), fam.page.click('#book-button')]);
  await ready(fam.page);
  await audit(fam.page, 'family - book - confirmation');
  const booked = (await fam.page.textContent('[data-testid=reference]')).trim();
  await visit(fam.page, '/family/calls.html', 'family - your calls');
  await visit(fam.page, '/family/id-check.html', 'family - ID check');
  await visit(fam.page, `/family/cancel.html?visit=${booked}`, 'family - cancel a call');
  await submitEmpty(fam.page, '#cancel-button', 'family - cancel a call');
  await visit(fam.page, '/family/contact.html', 'family - contact details');
  // The session time-out warning (shortened with ?idle= for the test: the
  // warning at 15 s, signing out at 30 s, time enough to check the warning
  // on a loaded machine before it signs the person out).
  await fam.page.goto('/family/?idle=30');
  await ready(fam.page);
  await fam.page.waitForSelector('#timeout-dialog[open]', { timeout: 25000 });
  const dlg = await fam.page.evaluate(() => ({ modal: document.querySelector('#timeout-dialog').matches(':modal'), focus: document.activeElement && document.activeElement.id }));
  tap.check(dlg.modal && dlg.focus === 'timeout-stay', 'the time-out warning opens as a modal with focus on "Stay signed in"', JSON.stringify(dlg));
  await audit(fam.page, 'family - session time-out warning');
  await fam.page.keyboard.press('Enter');
  tap.check(!(await fam.page.isVisible('#timeout-dialog')), 'pressing Enter on "Stay signed in" closes the warning');
  // The call page: device check, then in the call.
  await fam.page.goto(`/call/?visit=${call.id}`);
  await ready(fam.page);
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'device-check');
  await audit(fam.page, 'call - device check');
  await submitEmpty(fam.page, '#join', 'call - device check');

  // --- prisoner ---
  const pri = await person('prisoner');
  await signInUI(pri.page, 'prisoner');
  await visit(pri.page, '/calls/', 'prisoner - your calls');
  // The prisoner joins with the keyboard alone: Tab to the notice's box,
  // Space, Tab to Join call, Enter.
  await pri.page.goto(`/call/?visit=${call.id}`);
  await ready(pri.page);
  await pri.page.waitForFunction(() => window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  const tabTo = async (page, id) => {
    for (let i = 0; i < 40; i++) {
      if (await page.evaluate((x) => document.activeElement && document.activeElement.id === x, id)) return true;
      await page.keyboard.press('Tab');
    }
    return false;
  };
  const reachedBox = await tabTo(pri.page, 'understood');
  await pri.page.keyboard.press('Space');
  const reachedJoin = await tabTo(pri.page, 'join');
  await pri.page.keyboard.press('Enter');
  const keyJoined = await pri.page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 }).then(() => true).catch(() => false);
  tap.check(reachedBox && reachedJoin && keyJoined, 'a call can be joined with the keyboard alone (notice box, Join call)', JSON.stringify({ reachedBox, reachedJoin, keyJoined }));
  await joinCall(fam.page, call.id);
  // In the call every control is reachable by Tab and works with Enter.
  const reachedMute = await tabTo(pri.page, 'mute');
  await pri.page.keyboard.press('Enter');
  const pressed = await pri.page.getAttribute('#mute', 'aria-pressed');
  await pri.page.keyboard.press('Enter');
  const reachedLeave = await tabTo(pri.page, 'leave');
  tap.check(reachedMute && pressed === 'true' && reachedLeave, 'in the call, Mute and Leave are reached with Tab and Mute works with Enter', JSON.stringify({ reachedMute, pressed, reachedLeave }));
  await fam.page.waitForSelector('#tiles li:nth-child(2) video', { timeout: 20000 }).catch(() => {});
  await audit(fam.page, 'call - in progress');

  // --- staff and monitor ---
  const st = await person('staff');
  await signInUI(st.page, 'staff');
  await visit(st.page, '/staff/', 'staff - calls today');
  await visit(st.page, '/staff/requests.html', 'staff - requests');
  await visit(st.page, '/staff/id-checks.html', 'staff - ID checks');
  await visit(st.page, '/staff/reviews.html', 'staff - visits to review');
  await visit(st.page, '/staff/contacts.html', 'staff - contacts and restrictions');
  await visit(st.page, '/staff/notifications.html', 'staff - messages sent');
  await visit(st.page, '/staff/contact-details.html?visitor=1', 'staff - a visitor\'s contact details');
  if (await st.page.$('#ban-form')) await submitEmpty(st.page, '#ban-form button[type=submit]', 'staff - add a ban');
  await visit(st.page, `/staff/audit.html?visit=${call.id}`, 'staff - audit trail');
  const mon = await person('monitor');
  await signInUI(mon.page, 'monitor');
  await visit(mon.page, '/staff/wall.html', 'monitor - live wall');
  await mon.page.goto(`/staff/monitor.html?visit=${call.id}`);
  await ready(mon.page);
  await mon.page.waitForFunction(() => window.parlourMonitor.phase === 'joined', null, { timeout: 20000 }).catch(() => {});
  await audit(mon.page, 'monitor - watching a call');
  await submitEmpty(mon.page, '#end-call', 'monitor - end a call');
  await fam.page.click('#leave');
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'ended', null, { timeout: 10000 });
  await audit(fam.page, 'call - end screen');

  // --- probation officer, person on probation, clinician, legal adviser ---
  const off = await person('officer');
  await signInUI(off.page, 'officer');
  await visit(off.page, '/probation/', 'officer - your cases');
  await visit(off.page, '/probation/book.html', 'officer - book a supervision call');
  await submitEmpty(off.page, '#book-button', 'officer - book a supervision call');
  await visit(off.page, '/calls/', 'officer - your calls');
  for (const role of ['probationer', 'clinician', 'legal']) {
    const p = await person(role);
    await signInUI(p.page, role);
    await visit(p.page, '/calls/', `${role} - your calls`);
    await p.context.close();
  }
  // Doing nothing until the limit signs the person out, and says why.
  const idle = await person('idle family member');
  await signInUI(idle.page, 'family');
  await idle.page.goto('/family/?idle=4');
  await ready(idle.page);
  const timedOut = await idle.page.waitForURL((u) => u.pathname === '/' && u.searchParams.has('timedout'), { timeout: 20000 }).then(() => true).catch(() => false);
  await ready(idle.page);
  const banner = await idle.page.textContent('.govuk-notification-banner').catch(() => '');
  const me = await idle.page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
  tap.check(timedOut && /signed out/.test(banner) && me === 401, 'at the idle limit the page signs the person out and the sign-in page says why', JSON.stringify({ timedOut, banner, me }));
  await audit(idle.page, 'sign in after a time-out');
  await visit(st.page, '/sign-out.html', 'signed out');
  tap.diag(`pages and states checked: ${checked.length}`);
  void apiAs;
});
