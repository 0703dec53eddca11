// The visitor ID check through the pages (docs/booking.md "ID check"). Ann
// Baker's demo approval is removed, so she starts unverified: the first
// booking page and her calls page say so early; on the ID check page she
// takes a photo of her ID and a selfie with Chromium's fake camera; the
// files booking keeps are AES-256-GCM (not a JPEG or PNG, opening only with
// the key, to a JPEG); staff of another prison cannot view them; joining a
// social call is refused while the check waits, and after staff reject it
// with the reason; she sends new photos, staff approve on their page, and
// she joins; when the approval expires (backdated), booking's housekeeping
// removes her from the live call in words. The page also reads in Welsh.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { sqlite } from '../lib/db.mjs';
import { signInUI, signInAPI, apiAs, ready, createCallNow, joinCall, endReason } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';

const sql = (stack, q) => sqlite(stack, q);

function openFile(dir, file, key) {
  const b = fs.readFileSync(path.join(dir, file));
  const d = crypto.createDecipheriv('aes-256-gcm', key, b.subarray(5, 17));
  d.setAAD(Buffer.concat([b.subarray(0, 17), Buffer.from(file)]));
  d.setAuthTag(b.subarray(b.length - 16));
  return Buffer.concat([d.update(b.subarray(17, b.length - 16)), d.final()]);
}

// Presses Join and waits for the refusal (booking's join-token answer in the
// error summary, or signalling's admission refusal on the end screen).
async function joinRefused(page, visitId) {
  await page.goto(`/call/?visit=${encodeURIComponent(visitId)}`);
  await ready(page);
  await page.waitForFunction(() => window.parlourCall && window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  if (await page.$('#understood')) await page.check('#understood');
  await page.click('#join');
  await page.waitForFunction(() => window.parlourCall.endReason || document.querySelector('.govuk-error-summary'), null, { timeout: 20000 });
  return page.evaluate(() => ({
    phase: window.parlourCall.phase,
    text: ((document.querySelector('#end-reason') || document.querySelector('.govuk-error-summary') || {}).textContent || '').replace(/\s+/g, ' ').trim(),
  }));
}

async function takePhotos(page, tap, annV, label) {
  await page.goto('/family/id-check.html');
  await ready(page);
  await page.click('#start-camera');
  await page.waitForFunction((id) => !document.querySelector(`[data-testid="capture-document-${id}"]`).disabled
    && document.querySelector('#id-video').videoWidth > 0, annV, { timeout: 20000 });
  await page.click(`[data-testid="capture-document-${annV}"]`);
  await page.waitForSelector('.govuk-notification-banner--success', { timeout: 20000 });
  await page.waitForFunction((id) => !document.querySelector(`[data-testid="capture-selfie-${id}"]`).disabled, annV, { timeout: 20000 });
  await page.click(`[data-testid="capture-selfie-${annV}"]`);
  await page.waitForFunction((id) => (document.querySelector(`[data-testid="status-${id}"]`) || {}).dataset?.status === 'pending', annV, { timeout: 20000 });
  tap.check(true, `${label}: the family takes an ID photo and a selfie with the camera; the check is pending`);
}

await scenario('id-check', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const other = await signInAPI(stack, { username: 'staff.other', password: 'parlour-demo' });
  const annV = sql(stack, "SELECT id FROM visitors WHERE name = 'Ann Baker'");
  // Ann starts unverified (the demo verifies its visitors at seeding).
  sql(stack, `DELETE FROM identity_checks WHERE visitor_id = ${annV}`);

  const fam = await person('family');
  await signInUI(fam.page, 'family');
  // Said early: on the first booking page and on her calls.
  await fam.page.goto('/family/book/prisoner.html');
  await ready(fam.page);
  const early = await fam.page.textContent('#id-warning').catch(() => '');
  tap.check(/Ann Baker/.test(early) && /cannot join/.test(early) && !/Lily/.test(early), 'the first booking page says, before booking, that Ann cannot join calls yet', early);
  await fam.page.goto('/family/calls.html');
  await ready(fam.page);
  tap.check(/Ann Baker/.test(await fam.page.textContent('#id-warning').catch(() => '')), 'her calls page says so too');

  // Unverified: the join is refused in words.
  const call = await createCallNow(stack, staff, 'social', { minutes: 60 });
  let refused = await joinRefused(fam.page, call.id);
  tap.check(refused.phase !== 'joined' && /prove their identity|photo ID/.test(refused.text), 'an unverified visitor cannot join: the page says why', JSON.stringify(refused));
  await screenshots(fam.page, 'id-join-refused-unverified');

  await takePhotos(fam.page, tap, annV, 'first photos');
  await screenshots(fam.page, 'id-check-pending');

  // On disk: encrypted, opening only with the key, to the camera's JPEG.
  const idDir = path.join(stack.dir, 'identity');
  const check1 = Number(sql(stack, `SELECT max(id) FROM identity_checks WHERE visitor_id = ${annV}`));
  const files = fs.readdirSync(idDir).filter((f) => f.startsWith(`${check1}-`));
  const key = Buffer.from(fs.readFileSync(path.join(stack.dir, 'keys/identity-images.key'), 'utf8').trim(), 'hex');
  const raw = files.map((f) => fs.readFileSync(path.join(idDir, f)));
  const notImage = raw.every((b) => !(b[0] === 0xff && b[1] === 0xd8) && b.subarray(1, 4).toString() !== 'PNG' && b.subarray(0, 4).toString() === 'PLID');
  let clear = [];
  let withWrongKey = 0;
  try { clear = files.map((f) => openFile(idDir, f, key)); } catch { clear = []; }
  for (const f of files) { try { openFile(idDir, f, crypto.randomBytes(32)); withWrongKey++; } catch { /* refused, as it should be */ } }
  tap.check(files.length === 2 && notImage, 'the two files on disk are not JPEG or PNG', JSON.stringify(files));
  tap.check(clear.length === 2 && clear.every((b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) && withWrongKey === 0,
    'they decrypt with the key (to the camera\'s JPEGs) and with no other key', JSON.stringify(clear.map((b) => b.length)));

  // Another prison's staff: not found.
  // (once more on a reset: node may reuse a keep-alive socket booking has just closed as idle)
  const call2 = (p) => apiAs(stack, other, 'GET', p).catch((e) => (/hang up|ECONNRESET/.test(e.message) ? apiAs(stack, other, 'GET', p) : Promise.reject(e)));
  const view = await call2(`/identity/checks/${check1}/document`);
  const list = await call2('/identity/checks?status=all');
  tap.check(view.status === 404 && list.status === 200 && !list.json.checks.some((c) => c.check_id === check1),
    "another establishment's booking staff cannot view or list the photos (404 not_found)", `${view.status} ${view.text}`);

  // Pending: still refused, in words.
  refused = await joinRefused(fam.page, call.id);
  tap.check(refused.phase !== 'joined' && /waiting for staff/.test(refused.text), 'pending: the join is refused, saying it waits for staff', JSON.stringify(refused));

  // Staff reject on their page, with a reason.
  const st = await person('staff');
  await signInUI(st.page, 'staff');
  await st.page.goto('/staff/id-checks.html');
  await ready(st.page);
  const card = `.govuk-summary-card[data-check="${check1}"]`;
  await st.page.waitForFunction((c) => [...document.querySelectorAll(`${c} img`)].every((i) => i.complete && i.naturalWidth > 0), card, { timeout: 20000 });
  tap.check(true, 'booking staff see both photos on the ID checks page');
  const viewsBefore = Number(sql(stack, "SELECT count(*) FROM audit_log WHERE action = 'identity_image_viewed' AND actor = 'staff.booking'"));
  tap.check(viewsBefore >= 2, 'each view is audited', String(viewsBefore));
  await screenshots(st.page, 'id-checks-staff');
  await st.page.fill(`#reason-${check1}`, 'Test: the ID photo is too blurred to read');
  await st.page.click(`${card} button[value="reject"]`);
  await st.page.waitForSelector('.govuk-notification-banner--success', { timeout: 20000 });
  tap.check(sql(stack, `SELECT decision || ' ' || reason FROM identity_checks WHERE id = ${check1}`) === 'rejected Test: the ID photo is too blurred to read', 'staff reject with a reason');

  // The family sees the reason; the join is refused with it.
  await fam.page.goto('/family/id-check.html');
  await ready(fam.page);
  const why = await fam.page.textContent(`[data-testid="reason-${annV}"]`).catch(() => '');
  tap.check(/too blurred/.test(why), 'the family sees the reason on the ID check page', why);
  refused = await joinRefused(fam.page, call.id);
  tap.check(refused.phase !== 'joined' && /too blurred/.test(refused.text), 'rejected: the join is refused with the reason', JSON.stringify(refused));
  await screenshots(fam.page, 'id-join-refused-rejected');

  // New photos, staff approve, she joins.
  await takePhotos(fam.page, tap, annV, 'new photos');
  const check2 = Number(sql(stack, `SELECT max(id) FROM identity_checks WHERE visitor_id = ${annV}`));
  await st.page.goto('/staff/id-checks.html');
  await ready(st.page);
  await st.page.click(`.govuk-summary-card[data-check="${check2}"] button[value="approve"]`);
  await st.page.waitForSelector('.govuk-notification-banner--success', { timeout: 20000 });
  tap.check(sql(stack, `SELECT decision FROM identity_checks WHERE id = ${check2}`) === 'approved', 'staff approve on their page');
  await joinCall(fam.page, call.id);
  tap.check(true, 'verified: the family joins the social call');

  // The approval expires during the call: booking's housekeeping (every
  // minute) puts remove_participant identity_expired in the decision feed,
  // and the live page says so in words.
  sql(stack, `UPDATE identity_checks SET decided_at = decided_at - 366 * 86400 WHERE id = ${check2}`);
  const t0 = Date.now();
  const gone = await endReason(fam.page, 'parlourCall', 90000);
  tap.diag(`expiry reached the live call ${Date.now() - t0} ms after the approval was backdated`);
  tap.check(gone.reason === 'removed' && /expired/i.test(gone.text), 'an approval that expires removes the visitor from the live call, in words', JSON.stringify(gone));

  // Welsh.
  const cy = await person('family-cy');
  await signInUI(cy.page, 'family');
  await cy.page.goto('/family/id-check.html?lang=cy');
  await ready(cy.page);
  const h1 = await cy.page.textContent('h1');
  tap.check(/Profi pwy ydych chi/.test(h1) && /Wedi dod i ben/.test(await cy.page.textContent(`[data-testid="status-${annV}"]`)), 'the ID check page reads in Welsh (the status: expired)', h1);
});
