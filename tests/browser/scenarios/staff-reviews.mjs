// Moves, reviews and outcomes through the pages (issue 16 parts 5 and 6):
// a restriction added after booking puts the visit on the staff page
// "Visits to review"; an empty reason gets the error summary; staff cancel
// it with a reason; the family's calls page then says, in plain English and
// in Welsh, that the prison cancelled the call. On a call whose time has
// come, staff set the outcome on the audit page and see it there.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, ready, createCallNow } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';

await scenario('staff-reviews', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const fam = await signInAPI(stack, 'family');
  const tom = (await apiAs(stack, staff, 'GET', '/prisoners')).json.prisoners.find((p) => p.name === 'Tom Baker');
  const ann = (await apiAs(stack, staff, 'GET', `/prisoners/${tom.id}/contacts`)).json.contacts.find((c) => c.name === 'Ann Baker');
  const slot = (await apiAs(stack, fam, 'GET', `/prisoners/${tom.id}/slots`)).json.slots.find((s) => s.available && s.type !== 'legal' && s.type !== 'telemedicine');
  const booked = await apiAs(stack, fam, 'POST', '/visits', { type: 'social', prisoner_id: tom.id, slot_id: slot.id, visitor_ids: [ann.visitor_id], main_contact_id: ann.visitor_id });
  tap.check(booked.status === 201, 'set-up: the family books a call', `${booked.status} ${booked.text}`);
  const visit = booked.json.id;
  const rr = await apiAs(stack, staff, 'POST', `/prisoners/${tom.id}/contacts/${ann.visitor_id}/restrictions`, { type: 'CLOSED', start_date: booked.json.start.slice(0, 10), reason: 'Test: passing items' });
  tap.check(rr.status === 201, 'set-up: staff add a restriction from the call day', `${rr.status} ${rr.text}`);

  const st = await person('staff');
  await signInUI(st.page, 'staff');
  await st.page.goto('/staff/reviews.html');
  await ready(st.page);
  const card = `.govuk-summary-card[data-visit="${visit}"]`;
  const text = (await st.page.textContent(card)) || '';
  tap.check(/A restriction was added/.test(text) && /Tom Baker/.test(text), 'the review page lists the visit with what changed', text.slice(0, 300));
  await st.page.click(`${card} button[value="cancel"]`);
  await st.page.waitForSelector('.govuk-error-summary');
  tap.check(/Enter the reason/.test(await st.page.textContent('.govuk-error-summary')), 'cancelling with no reason: the GOV.UK error summary asks for one');
  await screenshots(st.page, 'reviews-no-reason');
  await st.page.fill(`${card} input[name="reason"]`, 'Test: no closed places that day');
  await st.page.click(`${card} button[value="cancel"]`);
  await st.page.waitForSelector('.govuk-notification-banner--success');
  await ready(st.page);
  tap.check(!(await st.page.$(card)) && /Visit cancelled/.test(await st.page.textContent('.govuk-notification-banner')), 'staff cancel it: the banner says so and the visit leaves the list');
  await screenshots(st.page, 'reviews-cancelled');
  const v = (await apiAs(stack, staff, 'GET', `/visits/${visit}`)).json;
  tap.check(v.status === 'cancelled' && v.outcome === 'establishment_cancelled', 'booking: cancelled with outcome establishment_cancelled', JSON.stringify({ status: v.status, outcome: v.outcome }));

  const fc = await person('family');
  await signInUI(fc.page, 'family');
  for (const [lang, words] of [['en', /The prison cancelled the call/], ['cy', /Canslodd y carchar yr alwad/]]) {
    await fc.page.goto(`/family/calls.html?lang=${lang}`);
    await ready(fc.page);
    const line = await fc.page.textContent(`tr[data-visit="${visit}"] .app-outcome`).catch(() => '');
    tap.check(words.test(line || ''), `the family's calls page says why in plain words (${lang})`, line);
  }
  await fc.page.goto('/family/calls.html?lang=en');

  // An outcome set by staff on a call whose time has come.
  const call = await createCallNow(stack, staff, 'social');
  await st.page.goto(`/staff/audit.html?visit=${encodeURIComponent(call.id)}`);
  await ready(st.page);
  await st.page.click('#outcome-set summary');
  await st.page.selectOption('#outcome-code', 'visitor_failed_security_checks');
  await st.page.fill('#outcome-why', 'Test: ID did not match');
  await st.page.click('#outcome-form button[type=submit]');
  await st.page.waitForFunction(() => document.body.dataset.ready === '1' && document.querySelector('#outcome') && document.querySelector('#outcome').dataset.outcome === 'visitor_failed_security_checks', null, { timeout: 30000 });
  const shown = await st.page.textContent('#outcome');
  const trail = await st.page.textContent('#audit');
  tap.check(/did not pass the security checks/.test(shown) && /Outcome set/.test(trail), 'the audit page shows the outcome staff set, and its audit entry', `${shown} | ${trail.slice(0, 200)}`);
  await screenshots(st.page, 'audit-outcome');
});
