// Booking across a daylight-saving change (issue 16 part 1): the family
// member books the 09:00 session on the next last Sunday of March or
// October through every page of the journey, in a browser whose own zone is
// New York, and every page shows 9am on that Sunday (London time, from the
// API's time_zone), in English and in Welsh; staff see the same on their
// day list and the audit page. A session in the missing or repeated hour is
// shown by the documented rule. The window is moved (min_days/max_days) so
// that it holds that Sunday: there is no clock to wind.
import fs from 'node:fs';
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { sqlite } from '../lib/db.mjs';
import { signInUI, signInAPI, apiAs, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { waitFor } from '../lib/util.mjs';

const DAY = 86400000;
const londonDate = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
const lastSunday = (y, m) => { const l = new Date(Date.UTC(y, m, 0)); return new Date(l.getTime() - l.getUTCDay() * DAY).toISOString().slice(0, 10); };
// The next last Sunday of March or October at least 6 days after London's today.
function nextChange(today) {
  const soon = Date.parse(`${today}T00:00:00Z`) + 6 * DAY;
  const y = new Date(soon).getUTCFullYear();
  return [lastSunday(y, 3), lastSunday(y, 10), lastSunday(y + 1, 3)].find((d) => Date.parse(`${d}T00:00:00Z`) >= soon);
}

await scenario('booking-dst', async ({ tap, stack, browser, problems }) => {
  const db = path.join(stack.dir, 'parlour.db');
  const sql = (q) => sqlite(db, q);
  const today = londonDate(Date.now());
  const day = nextChange(today);
  const spring = day.slice(5, 7) === '03';
  const n = Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY);
  const off = spring ? '+01:00' : '+00:00';
  const longDay = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(`${day}T12:00:00Z`)).replace(',', '');
  const cyMonth = spring ? 'Mawrth' : 'Hydref';
  const cyDay = `Dydd Sul ${Number(day.slice(8))} ${cyMonth} ${day.slice(0, 4)}`;
  tap.diag(`London today ${today}; the clocks go ${spring ? 'forward' : 'back'} on ${day} (${longDay}), ${n} days ahead`);

  // The window holds that Sunday (first day 3 days before it); Tom has VOs;
  // a session at 01:30 on Sundays, in the missing or repeated hour.
  const admin = await signInAPI(stack, 'admin');
  let r = await apiAs(stack, admin, 'PATCH', '/establishments/PLR', { min_days: n - 4, max_days: n + 20 });
  tap.check(r.status === 200 && r.json.time_zone === 'Europe/London', 'HMP Parlour is in Europe/London; its window now holds the DST Sunday', `${r.status} ${r.text.slice(0, 200)}`);
  sql("UPDATE prisoners SET vo_balance = 20; INSERT INTO session_templates(establishment_id, visit_type, day_of_week, start_time, end_time, open_capacity, closed_capacity, valid_from) VALUES ('PLR','social',7,'01:30','02:30',4,1,'2026-01-01')");

  // The family member's browser is in New York: London's time must come
  // from booking's time_zone, not from the browser.
  const context = await browser.newContext({ baseURL: stack.bookingUrl, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`[family] ${m.text()}`); });
  tap.check(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone) === 'America/New_York', "the browser's own zone is America/New_York");
  await signInUI(page, 'family');

  await page.goto('/family/book/prisoner.html');
  await ready(page);
  await page.check('label:has-text("Tom Baker")');
  await Promise.all([page.waitForURL(/visitors\.html/), page.click('button[type=submit]')]);
  await ready(page);
  const adult = await page.$$eval('.govuk-checkboxes__item', (items) => items.map((i) => ({ id: i.querySelector('input').value, disabled: i.querySelector('input').disabled, hint: i.querySelector('.govuk-hint').textContent }))
    .find((c) => !c.disabled && !/under 18/.test(c.hint)));
  await page.check(`input[value="${adult.id}"]`);
  await Promise.all([page.waitForURL(/slot\.html/), page.click('button[type=submit]')]);
  await ready(page);

  // The slot page: that Sunday's 09:00 session reads 9am to 9:30am.
  const slots = await page.evaluate(async (d) => (await (await fetch(`/api/v1/prisoners/1/slots?from=${d}&to=${d}`)).json()).slots, day);
  const nine = slots.find((s) => s.start === `${day}T09:00:00${off}`);
  const early = slots.find((s) => s.start.startsWith(`${day}T0${spring ? '2:30' : '1:30'}:00+01:00`));
  tap.check(nine && nine.time_zone === 'Europe/London' && early, `booking offers the 09:00 session at ${day}T09:00:00${off} and the 01:30 one by the rule`, JSON.stringify(slots.map((s) => [s.id, s.start, s.end])));
  const label = await page.textContent(`label[for="${await page.getAttribute(`input[name=slot][value="${nine.id}"]`, 'id')}"]`);
  const heading = await page.evaluate((d) => [...document.querySelectorAll('h2.govuk-heading-s')].map((h) => h.textContent.trim()), day);
  tap.check(/^9am to 9:30am/.test(label.trim()) && heading.includes(longDay), `the slot page shows ${longDay}, 9am to 9:30am`, `${label.trim()} | ${heading.slice(0, 8).join(' / ')}`);
  await screenshots(page, 'dst-slot');
  await page.check(`input[name=slot][value="${nine.id}"]`);
  await Promise.all([page.waitForURL(/check\.html/), page.click('button[type=submit]')]);
  await ready(page);
  const check = (await page.textContent('.govuk-summary-list')).replace(/\s+/g, ' ');
  tap.check(check.includes(longDay) && check.includes('9am to 9:30am'), 'check answers: the same date and 9am to 9:30am', check.slice(0, 300));
  await Promise.all([page.waitForURL(/confirmation\.html/), page.click('#book-button')]);
  await ready(page);
  const ref = (await page.textContent('[data-testid=reference]')).trim();
  const conf = (await page.textContent('main')).replace(/\s+/g, ' ');
  tap.check(conf.includes(longDay) && conf.includes('9am to 9:30am'), 'the confirmation: the same date and 9am to 9:30am', conf.slice(0, 300));
  await screenshots(page, 'dst-confirmation');
  // The email booking sends (the stack's sink: a whole RFC 5322 message,
  // base64 body) names the same local date and time.
  const sink = path.join(stack.dir, 'notify');
  const bodies = () => (fs.existsSync(sink) ? fs.readdirSync(sink) : []).filter((f) => f.endsWith('-email.eml'))
    .map((f) => Buffer.from((fs.readFileSync(path.join(sink, f), 'utf8').split('\r\n\r\n')[1] || ''), 'base64').toString('utf8'));
  let mail = '';
  try {
    await waitFor(() => (mail = bodies().find((b) => b.includes('booked')) || ''), { timeout: 20000, what: 'the booking email' });
  } catch { /* reported below */ }
  tap.check(mail.includes(longDay) && mail.includes('9am to 9:30am'), `the email says ${longDay}, 9am to 9:30am`, mail.slice(0, 300));
  const staff = await signInAPI(stack, 'staff');
  r = await apiAs(stack, staff, 'GET', `/visits/${ref}`);
  tap.check(r.status === 200 && r.json.start === `${day}T09:00:00${off}` && Date.parse(r.json.start) === Date.parse(`${day}T09:00:00${off}`),
    `booking holds it at ${day}T09:00:00${off}`, r.text.slice(0, 200));

  // The session in the missing / repeated hour, booked through the API.
  const ann = await signInAPI(stack, 'family');
  r = await apiAs(stack, ann, 'POST', '/visits', { type: 'social', prisoner_id: 1, slot_id: early.id, visitor_ids: [Number(adult.id)] });
  tap.check(r.status === 201, 'the 01:30 session is booked too', `${r.status} ${r.text.slice(0, 200)}`);
  const earlyRef = r.json && r.json.id;
  const earlyText = spring ? '2:30am to 3:30am' : '1:30am to 1:30am';

  // Their calls, in English then Welsh.
  await page.goto('/family/calls.html');
  await ready(page);
  const row = (await page.textContent(`tr[data-visit="${ref}"]`)).replace(/\s+/g, ' ');
  const row2 = (await page.textContent(`tr[data-visit="${earlyRef}"]`)).replace(/\s+/g, ' ');
  tap.check(row.includes(longDay) && row.includes('9am to 9:30am'), 'the calls page lists it on that Sunday, 9am to 9:30am', row);
  tap.check(row2.includes(earlyText), `the 01:30 session reads ${earlyText} (${spring ? 'moved forward by the gap' : 'the first 01:30, for an hour'})`, row2);
  await screenshots(page, 'dst-calls');
  await page.goto('/family/calls.html?lang=cy');
  await ready(page);
  const rowCy = (await page.textContent(`tr[data-visit="${ref}"]`)).replace(/\s+/g, ' ');
  tap.check(rowCy.includes(cyDay) && rowCy.includes('9yb i 9:30yb'), `in Welsh: ${cyDay}, 9yb i 9:30yb`, rowCy);
  await page.goto('/family/calls.html?lang=en');
  await ready(page);
  await page.click(`[data-testid="cancel-${ref}"]`);
  await ready(page);
  const cancel = (await page.textContent('main')).replace(/\s+/g, ' ');
  tap.check(cancel.includes(longDay) && cancel.includes('9am to 9:30am'), 'the cancel page names the same date and time', cancel.slice(0, 300));

  // Staff, also in New York's browser zone.
  const sc = await browser.newContext({ baseURL: stack.bookingUrl, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
  const sp = await sc.newPage();
  await signInUI(sp, 'staff');
  await sp.goto(`/staff/?date=${day}`);
  await ready(sp);
  const srow = (await sp.textContent(`tr[data-visit="${ref}"]`)).replace(/\s+/g, ' ');
  tap.check(srow.includes('9am to 9:30am'), "staff's list for that day: 9am to 9:30am", srow);
  await screenshots(sp, 'dst-staff-day');
  await sp.goto(`/staff/audit.html?visit=${encodeURIComponent(ref)}`);
  await ready(sp);
  const cap = (await sp.textContent('.govuk-caption-l')).replace(/\s+/g, ' ');
  tap.check(cap.includes(longDay) && cap.includes('9am to 9:30am'), 'the audit page: the same date and time', cap);
  await sp.goto('/staff/');
  await ready(sp);
  const h = (await sp.textContent('main p.govuk-body')).replace(/\s+/g, ' ');
  const londonLong = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date()).replace(',', '');
  tap.check(h.startsWith(londonLong), `staff's "today" is London's (${londonLong})`, h);
  await sc.close();
  await context.close();
}, { stackOptions: {} });
