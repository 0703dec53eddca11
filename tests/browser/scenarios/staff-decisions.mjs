// Staff decisions through the staff pages: approve a contact, add a ban
// with an expiry date (and the family member then sees the contact as not
// bookable, with the date); approve one booking request and reject another
// with a reason. Bad answers get the GOV.UK error summary.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';

const isoIn = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

await scenario('staff-decisions', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const fam = await signInAPI(stack, 'family');
  const tom = (await apiAs(stack, staff, 'GET', '/prisoners')).json.prisoners.find((p) => p.name === 'Tom Baker');
  const contacts = (await apiAs(stack, staff, 'GET', `/prisoners/${tom.id}/contacts`)).json.contacts;
  const lily = contacts.find((c) => c.name === 'Lily Baker');
  // Set-up through the API: Lily's approval withdrawn, so staff can approve her.
  const un = await apiAs(stack, staff, 'PATCH', `/prisoners/${tom.id}/contacts/${lily.visitor_id}`, { approved: false });
  tap.check(un.status === 200, 'set-up: a contact of Tom Baker is not approved', `${un.status} ${un.text}`);

  const st = await person('staff');
  await signInUI(st.page, 'staff');
  await st.page.goto(`/staff/contacts.html?prisoner=${tom.id}`);
  await ready(st.page);
  const row = `#contacts tr[data-contact="${lily.visitor_id}"]`;
  tap.check(/Not approved/.test(await st.page.textContent(row)), 'the contacts page shows the contact as not approved');
  await st.page.click(`${row} [data-approve]`);
  await st.page.waitForSelector('.govuk-notification-banner--success');
  await ready(st.page);
  const after = (await apiAs(stack, staff, 'GET', `/prisoners/${tom.id}/contacts`)).json.contacts.find((c) => c.visitor_id === lily.visitor_id);
  tap.check(after.approved === true && /Approved/.test(await st.page.textContent(row)), 'staff approve the contact; booking records it');

  // A ban: errors first (no contact, a date in the past, no reason).
  await st.page.fill('#ban-expiry-day', '1');
  await st.page.fill('#ban-expiry-month', '1');
  await st.page.fill('#ban-expiry-year', '2020');
  await st.page.click('#ban-form button[type=submit]');
  await st.page.waitForSelector('.govuk-error-summary');
  const errs = await st.page.$$eval('.govuk-error-summary a', (xs) => xs.map((a) => a.textContent));
  tap.check(errs.length === 3 && errs.some((t) => /future/.test(t)), 'a ban with no contact, a past end date and no reason gives three errors in the summary', JSON.stringify(errs));
  await screenshots(st.page, 'staff-ban-errors');
  const until = isoIn(30);
  await st.page.selectOption('#ban-contact', String(lily.visitor_id));
  await st.page.fill('#ban-expiry-day', String(Number(until.slice(8, 10))));
  await st.page.fill('#ban-expiry-month', String(Number(until.slice(5, 7))));
  await st.page.fill('#ban-expiry-year', until.slice(0, 4));
  await st.page.fill('#ban-reason', 'Test: breach of visiting rules');
  await st.page.click('#ban-form button[type=submit]');
  await st.page.waitForSelector('.govuk-notification-banner--success');
  await ready(st.page);
  const banned = (await apiAs(stack, staff, 'GET', `/prisoners/${tom.id}/contacts`)).json.contacts.find((c) => c.visitor_id === lily.visitor_id);
  tap.check(banned.restrictions.some((r) => r.type === 'BAN' && r.expiry_date === until) && /Banned/.test(await st.page.textContent(row)),
    'staff add a ban with an expiry date; booking holds it and the page shows it', JSON.stringify(banned.restrictions));
  await screenshots(st.page, 'staff-contacts');

  // The family member now sees Lily as not bookable, until that date.
  const f = await person('family');
  await signInUI(f.page, 'family');
  await f.page.goto('/family/book/prisoner.html');
  await ready(f.page);
  await f.page.check('label:has-text("Tom Baker")');
  await Promise.all([f.page.waitForURL(/visitors\.html/), f.page.click('button[type=submit]')]);
  await ready(f.page);
  const lilyItem = await f.page.$eval(`[data-testid="contact-${lily.visitor_id}"]`, (el) => ({ disabled: el.querySelector('input').disabled, hint: el.textContent.replace(/\s+/g, ' ') }));
  tap.check(lilyItem.disabled && /Banned from visits until/.test(lilyItem.hint), 'the family member sees the banned contact, not bookable, with the ban\'s end date', JSON.stringify(lilyItem));
  await screenshots(f.page, 'book-visitors-ban-expiry');

  // Requests: the prison asks for approval of public bookings.
  const admin = await signInAPI(stack, 'admin');
  const set = await apiAs(stack, admin, 'PATCH', `/establishments/${tom.establishment_id}`, { approve_public_bookings: true });
  tap.check(set.status === 200, 'set-up: the prison approves public bookings', `${set.status} ${set.text}`);
  const slots = (await apiAs(stack, fam, 'GET', `/prisoners/${tom.id}/slots?type=social`)).json.slots.filter((s) => s.available);
  const ann = contacts.find((c) => c.name === 'Ann Baker');
  const reqs = [];
  for (const s of slots.slice(0, 2)) {
    const r = await apiAs(stack, fam, 'POST', '/visits', { type: 'social', prisoner_id: tom.id, slot_id: s.id, visitor_ids: [ann.visitor_id] });
    reqs.push(r.json);
  }
  tap.check(reqs.length === 2 && reqs.every((v) => v && v.status === 'requested'), 'two family bookings wait as requests', JSON.stringify(reqs.map((v) => v && v.status)));
  await st.page.goto('/staff/requests.html');
  await ready(st.page);
  const listed = await st.page.$$eval('.govuk-summary-card[data-visit]', (xs) => xs.map((x) => x.dataset.visit));
  tap.check(reqs.every((v) => listed.includes(v.id)), 'the requests page lists them', JSON.stringify(listed));
  await screenshots(st.page, 'staff-requests');
  // Reject without a reason: an error.
  await st.page.click(`form[data-visit="${reqs[1].id}"] button[value=reject]`);
  await st.page.waitForSelector('.govuk-error-summary');
  tap.check(await st.page.isVisible(`#reason-${reqs[1].id}-error`), 'rejecting without a reason is an error');
  await st.page.click(`form[data-visit="${reqs[0].id}"] button[value=approve]`);
  await st.page.waitForSelector('.govuk-notification-banner--success');
  await st.page.fill(`#reason-${reqs[1].id}`, 'Test: the prisoner is not available');
  await st.page.click(`form[data-visit="${reqs[1].id}"] button[value=reject]`);
  await st.page.waitForFunction(() => /Request rejected/.test(document.body.textContent), null, { timeout: 15000 });
  const v0 = (await apiAs(stack, staff, 'GET', `/visits/${reqs[0].id}`)).json;
  const v1 = (await apiAs(stack, staff, 'GET', `/visits/${reqs[1].id}`)).json;
  tap.check(v0.status === 'booked', 'staff approve one request: booking makes it booked', v0.status);
  tap.check(v1.status === 'cancelled' && /not available/.test(v1.status_reason || ''), 'staff reject the other with a reason: booking cancels it and keeps the reason', `${v1.status} ${v1.status_reason}`);
});
