// Staff decisions through the staff pages: approve a contact, add a ban
// with an expiry date (and the family member then sees the contact as not
// bookable, with the date); approve one booking request and reject another
// with a reason. Bad answers get the GOV.UK error summary. Booking's
// decisions reach a live call page (issue 14): staff remove the family
// member (the page says so in booking's words; joining again is refused in
// words, with no retry loop) and staff terminate a call (the page says the
// call was ended by prison staff).
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, ready, createCallNow, joinCall, endReason } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';

const isoIn = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

await scenario('staff-decisions', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const fam = await signInAPI(stack, 'family');
  const tom = (await apiAs(stack, staff, 'GET', '/prisoners')).json.prisoners.find((p) => p.name === 'Tom Baker');
  const contacts = (await apiAs(stack, staff, 'GET', `/prisoners/${tom.id}/contacts`)).json.contacts;
  const lily = contacts.find((c) => c.name === 'Lily Baker');
  // Booking's decisions on a live call page (first: the ban below keeps
  // this family member out of calls with Tom Baker).
  const fc = await person('family');
  await signInUI(fc.page, 'family');
  const joinOrSay = (id) => joinCall(fc.page, id).catch(async (e) => {
    const why = await fc.page.evaluate(() => ({ phase: window.parlourCall && window.parlourCall.phase, events: window.parlourCall && window.parlourCall.events, errors: (document.querySelector('.govuk-error-summary') || {}).textContent }));
    throw new Error(`${e.message}; the page: ${JSON.stringify(why)}`);
  });
  const call1 = await createCallNow(stack, staff, 'social');
  await joinOrSay(call1.id);
  const famSub = await fc.page.evaluate(() => window.parlourCall.session.self);
  const t0 = Date.now();
  const rm = await apiAs(stack, staff, 'POST', `/visits/${call1.id}/participants/${encodeURIComponent(famSub)}/remove`, { reason: 'Test: disruptive' });
  const gone = await endReason(fc.page, 'parlourCall', 15000);
  tap.diag(`removed: the page said so ${Date.now() - t0} ms after staff asked`);
  const heading = await fc.page.textContent('h1');
  tap.check(rm.status >= 200 && rm.status < 300 && gone.reason === 'removed' && gone.text.length > 10 && !/undefined|null/.test(gone.text) && /removed/i.test(heading),
    'staff remove the family member from a live call: the page says so in plain words', JSON.stringify({ status: rm.status, gone, heading }));
  await screenshots(fc.page, 'call-removed-by-booking');
  // Joining again: refused by booking's admission check, in words, no retry.
  await fc.page.goto(`/call/?visit=${encodeURIComponent(call1.id)}`);
  await ready(fc.page);
  await fc.page.waitForFunction(() => window.parlourCall && window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  if (await fc.page.$('#understood')) await fc.page.check('#understood');
  await fc.page.click('#join');
  // Booking may already refuse the join token (an error summary), or
  // signalling's admission check refuses the join (the end screen).
  await fc.page.waitForFunction(() => window.parlourCall.endReason || document.querySelector('.govuk-error-summary'), null, { timeout: 15000 });
  const again = await fc.page.evaluate(() => ({
    reason: window.parlourCall.endReason,
    h1: document.querySelector('h1').textContent,
    text: (document.querySelector('#end-reason') || document.querySelector('.govuk-error-summary') || {}).textContent || '',
    checking: window.parlourCall.events.some((e) => e.type === 'checking'),
  }));
  tap.diag(`joining again: ${JSON.stringify(again)}`);
  tap.check(again.text.trim().length > 10 && !/undefined|null/.test(again.text) && !again.checking &&
    (again.reason === null || (again.reason === 'participant_removed' && /cannot join/i.test(again.h1))),
    'joining again after the removal is refused in plain words, with no retry', JSON.stringify(again));
  await screenshots(fc.page, 'call-join-refused');
  // Staff terminate a call: the page says it was ended by prison staff.
  const call2 = await createCallNow(stack, staff, 'social');
  await joinOrSay(call2.id);
  const term = await apiAs(stack, staff, 'POST', `/visits/${call2.id}/terminate`, { reason: 'Test: breach of rules' });
  const ended = await endReason(fc.page, 'parlourCall', 15000);
  tap.check(term.status === 200 && ended.reason === 'terminated_by_staff' && /ended by prison staff/.test(ended.text),
    'staff terminate the call in booking: the page says the call was ended by prison staff', JSON.stringify({ status: term.status, ended }));

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

  // The prisoner's wing, category and incentive level (session eligibility):
  // a malformed location is an error; then saved, in booking and audited.
  await st.page.fill('#facts-location', 'A 1');
  await st.page.click('#facts-form button[type=submit]');
  await st.page.waitForSelector('.govuk-error-summary');
  tap.check(/like A-1-012/.test(await st.page.textContent('.govuk-error-summary')), 'a malformed cell location is an error in the summary');
  await st.page.fill('#facts-location', 'b-2-017');
  await st.page.selectOption('#facts-category', 'C');
  await st.page.click('#facts-form button[type=submit]');
  await st.page.waitForSelector('.govuk-notification-banner--success');
  await ready(st.page);
  const tomNow = (await apiAs(stack, staff, 'GET', `/prisoners/${tom.id}`)).json;
  // The page renders again after the banner: wait for the form to show it.
  const shownFacts = await st.page.waitForFunction(() => (document.querySelector('#facts-location') || {}).value === 'B-2-017', null, { timeout: 15000 }).then(() => true, () => false);
  tap.check(tomNow.location === 'B-2-017' && tomNow.category === 'C' && shownFacts,
    "staff record the prisoner's cell location and category; booking holds them", JSON.stringify(tomNow));
  await screenshots(st.page, 'staff-prisoner-facts');

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
  // The page renders again after the banner (the contacts are fetched anew):
  // wait for the row to say so, with a deadline, rather than read it once.
  const shown = await st.page.waitForFunction((sel) => /Banned/.test(document.querySelector(sel)?.textContent || ''), row, { timeout: 15000 }).then(() => true, () => false);
  tap.check(banned.restrictions.some((r) => r.type === 'BAN' && r.expiry_date === until) && shown,
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
