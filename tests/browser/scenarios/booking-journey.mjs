// Scenario 1: a family member signs in, books a social call with an
// approved contact through every page of the journey; a banned contact is
// shown but cannot be chosen, with the reason; bad answers get the GOV.UK
// error summary; the booking appears for staff on its day; the family member
// can cancel it. Choosing a slot holds the place for 10 minutes: the check
// page says until when (English and Welsh); losing the last place to someone
// else and a hold that ran out are told in plain words.
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { sqlite } from '../lib/db.mjs';
import { signInUI, signInAPI, apiAs, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';

await scenario('booking-journey', async ({ tap, stack, person }) => {
  const fam = await person('family');
  const page = fam.page;

  // Wrong password first: the error summary, focused, linking to the field.
  await page.goto('/');
  await ready(page);
  await page.fill('#username', 'family');
  await page.fill('#password', 'not-the-password');
  await page.click('#sign-in-button');
  await page.waitForSelector('.govuk-error-summary');
  const err = await page.evaluate(() => ({
    focused: document.activeElement && document.activeElement.classList.contains('govuk-error-summary'),
    link: (document.querySelector('.govuk-error-summary a') || {}).getAttribute ? document.querySelector('.govuk-error-summary a').getAttribute('href') : null,
    title: document.title,
  }));
  tap.check(err.focused && err.link === '#username' && err.title.startsWith('Error:'),
    'a wrong password gives the GOV.UK error summary (focused, linked to the field, "Error:" title)', JSON.stringify(err));
  await screenshots(page, 'sign-in-error');

  await signInUI(page, 'family');
  tap.check(new URL(page.url()).pathname === '/family/', 'the family member signs in and lands on their prisoners', page.url());
  await screenshots(page, 'family-home');

  // Step 1: the prisoner.
  await page.goto('/family/book/prisoner.html');
  await ready(page);
  await page.click('button[type=submit]');
  await page.waitForSelector('.govuk-error-summary');
  tap.check(await page.isVisible('#prisoner-error'), 'continuing without choosing a prisoner shows the error next to the question');
  await page.check('label:has-text("Tom Baker")');
  await Promise.all([page.waitForURL(/visitors\.html/), page.click('button[type=submit]')]);
  await ready(page);

  // Step 2: visitors (Ann and her daughter Lily).
  const contacts = await page.$$eval('.govuk-checkboxes__item', (items) => items.map((i) => ({
    id: i.querySelector('input').value,
    name: i.querySelector('label').textContent.trim(),
    disabled: i.querySelector('input').disabled,
    hint: i.querySelector('.govuk-hint').textContent.replace(/\s+/g, ' ').trim(),
  })));
  tap.diag(`contacts shown to the family member: ${JSON.stringify(contacts)}`);
  await screenshots(page, 'book-visitors');
  await page.click('button[type=submit]');
  await page.waitForSelector('.govuk-error-summary');
  tap.check(/Select who will be on the call/.test(await page.textContent('.govuk-error-summary')), 'continuing with nobody chosen is an error');
  const child = contacts.find((c) => !c.disabled && /under 18/.test(c.hint));
  if (child) {
    await page.check(`input[value="${child.id}"]`);
    await page.click('button[type=submit]');
    await page.waitForSelector('.govuk-error-summary');
    tap.check(/18 or over/.test(await page.textContent('.govuk-error-summary')), 'a call with only a child is refused: at least one visitor must be 18 or over');
    await page.uncheck(`input[value="${child.id}"]`);
  }
  const adult = contacts.find((c) => !c.disabled && !/under 18/.test(c.hint));
  if (!adult) throw new Error('no bookable adult contact in the demo data');
  await page.check(`input[value="${adult.id}"]`);
  await Promise.all([page.waitForURL(/slot\.html/), page.click('button[type=submit]')]);
  await ready(page);

  // Step 3: date and slot, with places left.
  const slots = await page.$$eval('input[name=slot]', (xs) => xs.map((x) => ({ id: x.value, disabled: x.disabled, hint: document.getElementById(`${x.id}-hint`).textContent })));
  const free = slots.find((x) => !x.disabled);
  tap.check(free && /place/.test(free.hint), 'slots are offered with the places left', JSON.stringify(slots.slice(0, 4)));
  await screenshots(page, 'book-slot');

  // The race for the last place, lost: while the page is open, Cara holds
  // the only place left in another slot. Choosing it is refused at once.
  const db = path.join(stack.dir, 'parlour.db');
  const sql = (q) => sqlite(db, q);
  const lost = slots.filter((x) => !x.disabled && x.id !== free.id).pop();
  const [lostTpl, lostDate] = lost.id.split(':');
  const openBefore = sql(`SELECT open_capacity FROM session_templates WHERE id = ${lostTpl}`);
  sql(`UPDATE session_templates SET open_capacity = 1 WHERE id = ${lostTpl}`);
  const cara = await signInAPI(stack, { username: 'family.cara', password: 'parlour-demo' });
  const caraHold = await apiAs(stack, cara, 'POST', '/holds', { prisoner_id: 2, slot_id: lost.id, visitor_ids: [5] });
  tap.check(caraHold.status === 201, 'another family holds the last place of a slot still shown as free', `${caraHold.status} ${caraHold.text}`);
  await page.check(`input[name=slot][value="${lost.id}"]`);
  await page.click('button[type=submit]');
  await page.waitForSelector('.govuk-error-summary');
  const lostText = await page.textContent('.govuk-error-summary');
  tap.check(/Someone else has just chosen the last place at that time/.test(lostText) && /slot\.html/.test(page.url()),
    'choosing it says at once, in plain words, that someone else has just taken it', lostText.replace(/\s+/g, ' '));
  await screenshots(page, 'book-slot-lost-race');
  sql(`DELETE FROM slot_holds WHERE template_id = ${lostTpl} AND date = '${lostDate}'; UPDATE session_templates SET open_capacity = ${openBefore} WHERE id = ${lostTpl}`);

  await page.check(`input[name=slot][value="${free.id}"]`);
  await Promise.all([page.waitForURL(/check\.html/), page.click('button[type=submit]')]);
  await ready(page);

  // The place is held: until when, in the establishment's time.
  const myHolds = await page.evaluate(() => fetch('/api/v1/holds').then((r) => r.json()));
  const hold = myHolds.holds && myHolds.holds[0];
  // The expected clock, worked out here from London's 24-hour clock (not
  // ICU's en-GB 12-hour form, which writes 12:33pm as "0:33 pm" in Node).
  const until = (l) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/London' })
      .formatToParts(new Date(hold.expires_at)).map((x) => [x.type, x.value]));
    const h = Number(p.hour);
    if (p.minute === '00' && h % 12 === 0) return { en: ['midnight', 'midday'], cy: ['hanner nos', 'hanner dydd'] }[l][h ? 1 : 0];
    const clock = `${h % 12 || 12}${p.minute === '00' ? '' : `:${p.minute}`}`;
    return `${clock}${{ en: ['am', 'pm'], cy: ['yb', 'yp'] }[l][h >= 12 ? 1 : 0]}`;
  };
  const holdText = (await page.textContent('#hold-notice')).replace(/\s+/g, ' ');
  tap.check(myHolds.holds.length === 1 && hold.slot_id === free.id && holdText.includes(`We are holding this place for you until ${until('en')}.`),
    'choosing the slot holds it: "We are holding this place for you until …" (10 minutes on)', `${holdText} ${JSON.stringify(myHolds)}`);
  await screenshots(page, 'book-check-held');
  await page.goto('/family/book/check.html?lang=cy');
  await ready(page);
  const cyText = (await page.textContent('#hold-notice')).replace(/\s+/g, ' ');
  tap.check(cyText.includes(`Rydym yn cadw’r lle hwn i chi tan ${until('cy')}.`), 'the same in Welsh', cyText);
  await page.goto('/family/book/check.html?lang=en');
  await ready(page);

  // The hold runs out (its ten minutes moved back): booking says so plainly
  // and sends the person back to choose a time.
  sql(`UPDATE slot_holds SET expires_at = expires_at - 600 WHERE id = '${hold.id}'`);
  await page.click('#book-button');
  await page.waitForSelector('.govuk-error-summary');
  const expText = (await page.textContent('.govuk-error-summary')).replace(/\s+/g, ' ');
  const expLink = await page.getAttribute('.govuk-error-summary a', 'href');
  tap.check(/hold your place for 10 minutes and that time has run out/.test(expText) && /slot\.html/.test(expLink || ''),
    'an expired hold is explained in plain words, with a link to choose a time again', `${expText} ${expLink}`);
  await screenshots(page, 'book-check-hold-expired');
  await page.goto('/family/book/slot.html');
  await ready(page);
  await page.check(`input[name=slot][value="${free.id}"]`);
  await Promise.all([page.waitForURL(/check\.html/), page.click('button[type=submit]')]);
  await ready(page);
  tap.check(/We are holding this place for you until/.test(await page.textContent('#hold-notice')), 'choosing the time again holds it again');

  // Step 4: check answers (with the recording warning), book.
  const summary = await page.textContent('.govuk-summary-list');
  tap.check(summary.includes(adult.name) && /recorded/.test(await page.textContent('main')), 'check answers lists the visitor and warns that the call is recorded');
  await screenshots(page, 'book-check');
  await Promise.all([page.waitForURL(/confirmation\.html/), page.click('#book-button')]);
  await ready(page);
  const ref = (await page.textContent('[data-testid=reference]')).trim();
  tap.check(/^[0-9a-f]{16,32}$/.test(ref), 'the confirmation shows the booking reference', ref);
  await screenshots(page, 'book-confirmation');

  // Booking agrees: the visit exists with that visitor.
  const staff = await signInAPI(stack, 'staff');
  const v = await apiAs(stack, staff, 'GET', `/visits/${ref}`);
  tap.check(v.status === 200 && v.json.type === 'social' && v.json.visitors.some((x) => String(x.visitor_id) === adult.id),
    'booking holds the social visit with the chosen visitor', `${v.status} ${v.text.slice(0, 300)}`);
  tap.check(sql('SELECT count(*) FROM slot_holds WHERE user_id = (SELECT id FROM users WHERE username = \'family.ann\')') === '0',
    'booking turned the hold into the visit (no hold left)');

  // A banned contact: Ben Carter, Tom Baker's brother, is banned. When he
  // signs in he is shown on the list, with the reason, and cannot be chosen.
  const ben = await person('banned family member');
  await signInUI(ben.page, 'bannedFamily');
  await ben.page.goto('/family/book/prisoner.html');
  await ready(ben.page);
  await ben.page.check('label:has-text("Tom Baker")');
  await Promise.all([ben.page.waitForURL(/visitors\.html/), ben.page.click('button[type=submit]')]);
  await ready(ben.page);
  const benList = await ben.page.$$eval('.govuk-checkboxes__item', (items) => items.map((i) => ({
    id: i.querySelector('input').value, disabled: i.querySelector('input').disabled,
    hint: i.querySelector('.govuk-hint').textContent.replace(/\s+/g, ' ').trim(),
  })));
  const banned = benList.filter((c) => /Banned/.test(c.hint));
  tap.check(banned.length >= 1 && banned.every((c) => c.disabled), 'a banned contact is listed but cannot be chosen, with the reason shown', JSON.stringify(benList));
  await screenshots(ben.page, 'book-visitors-banned');
  // Even a tampered page cannot book him: the box stays unticked and booking says no.
  await ben.page.evaluate(() => document.querySelectorAll('.govuk-checkboxes__input').forEach((x) => { x.disabled = false; x.checked = true; }));
  await ben.page.click('button[type=submit]');
  await ben.page.waitForSelector('.govuk-error-summary');
  tap.check(/cannot be booked/.test(await ben.page.textContent('.govuk-error-summary')), 'forcing the banned contact through the page is refused with the reason');
  const benApi = await signInAPI(stack, 'bannedFamily');
  if (banned.length) {
    const bad = await apiAs(stack, benApi, 'POST', '/visits', { type: 'social', prisoner_id: v.json.prisoner.id, slot_id: free.id, visitor_ids: [Number(banned[0].id)] });
    tap.check(bad.status === 422 && bad.json.error.code === 'visitor_banned', 'booking refuses a banned visitor sent straight to the API (422 visitor_banned)', `${bad.status} ${bad.text}`);
  }
  await ben.context.close();

  // The family member sees it in their calls.
  await page.goto('/family/calls.html');
  await ready(page);
  tap.check(await page.isVisible(`#upcoming tr[data-visit="${ref}"]`), 'the call is listed under upcoming calls');
  await screenshots(page, 'family-calls');

  // Staff see it on the call's day.
  const st = await person('staff');
  await signInUI(st.page, 'staff');
  await st.page.goto(`/staff/?date=${v.json.start.slice(0, 10)}`);
  await ready(st.page);
  tap.check(await st.page.isVisible(`#today tr[data-visit="${ref}"]`), "the booking appears in staff's list of calls for that day");
  await screenshots(st.page, 'staff-day');
  await st.context.close();

  // Cancel: a reason is required; then it moves to past and cancelled.
  await page.click(`[data-testid="cancel-${ref}"]`);
  await ready(page);
  await page.click('#cancel-button');
  await page.waitForSelector('.govuk-error-summary');
  tap.check(await page.isVisible('#reason-error'), 'cancelling without a reason is an error');
  await screenshots(page, 'cancel');
  await page.check('#reason');
  await Promise.all([page.waitForURL(/calls\.html/), page.click('#cancel-button')]);
  await ready(page);
  const after = await apiAs(stack, staff, 'GET', `/visits/${ref}`);
  tap.check(after.json && after.json.status === 'cancelled' && await page.isVisible(`#past tr[data-visit="${ref}"]`),
    'the family member cancels the call; booking records it and it moves to past calls', after.text.slice(0, 200));

  // Sign out from the navigation: the session ends in booking too, and a
  // signed-in page sends the person back to sign in.
  await Promise.all([page.waitForURL(/sign-out\.html/), page.click('[data-testid=sign-out]')]);
  await ready(page);
  await page.goto('/family/calls.html');
  await page.waitForURL((u) => u.pathname === '/', { timeout: 15000 }).catch(() => {});
  const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
  tap.check(new URL(page.url()).pathname === '/' && me === 401, 'signing out ends the session: pages send the person to sign in and booking answers 401', `${page.url()} /me ${me}`);
});
