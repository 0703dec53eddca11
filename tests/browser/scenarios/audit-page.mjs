// The reviewers' audit page (staff/audit.html) shows whether the
// establishment's audit chain verifies (docs/booking.md "Audit chain"), in
// English and Welsh; after the test edits one of the call's audit rows in
// the database file (triggers dropped, as someone holding the file would),
// the page warns, names that entry and marks it in the timeline. A monitor
// reading the same trail is shown no verdict (not theirs to check).
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { sqlite } from '../lib/db.mjs';
import { signInUI, signInAPI, createCallNow, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { DEMO } from '../lib/demo.mjs';

await scenario('audit-page', async ({ tap, stack, person }) => {
  const db = path.join(stack.dir, 'parlour.db');
  const sql = (q) => sqlite(db, q);
  const staff = await signInAPI(stack, 'staff');
  const call = await createCallNow(stack, staff, 'social');
  const url = `/staff/audit.html?visit=${encodeURIComponent(call.id)}`;
  async function panel(page, lang) {
    await page.goto(`${url}&lang=${lang}`);
    await ready(page);
    return page.evaluate(() => {
      const p = document.querySelector('#audit-chain');
      const m = document.querySelector('#audit-misfit');
      return {
        shown: !!p, intact: p && p.dataset.intact, row: p && p.dataset.row, reason: p && p.dataset.reason,
        text: p ? p.textContent.replace(/\s+/g, ' ').trim() : '',
        misfitId: m ? m.closest('.moj-timeline__item').dataset.id : null,
        entries: document.querySelectorAll('#audit .moj-timeline__item').length,
      };
    });
  }
  const rev = await person('reviewer');
  await signInUI(rev.page, DEMO.reviewer);
  let p = await panel(rev.page, 'en');
  tap.check(p.shown && p.intact === 'true' && /audit record for PLR is intact: \d+ entries checked/.test(p.text) && p.entries > 0,
    'the reviewer\'s audit page: the chain is intact, in words', JSON.stringify(p));
  p = await panel(rev.page, 'cy');
  tap.check(p.intact === 'true' && /Mae’r cofnod archwilio ar gyfer PLR yn gyfan/.test(p.text), '... and in Welsh', JSON.stringify(p));

  // an edit made in the database file: one of this call's rows
  const row = sql(`SELECT id FROM audit_log WHERE visit_id = '${call.id}' ORDER BY id LIMIT 1`);
  sql('DROP TRIGGER audit_no_update');
  sql(`UPDATE audit_log SET actor = 'nobody' WHERE id = ${row}`);
  p = await panel(rev.page, 'en');
  tap.check(p.intact === 'false' && p.row === row && p.reason === 'edited' && p.misfitId === row &&
    p.text.includes(`entry ${row} does not fit (it was edited after it was written)`),
    `after a real edit the page warns, names entry ${row} and marks it in the timeline`, JSON.stringify(p));
  await screenshots(rev.page, 'audit-chain-broken');
  p = await panel(rev.page, 'cy');
  tap.check(p.intact === 'false' && p.text.includes(`nid yw cofnod ${row} yn ffitio (cafodd ei olygu ar ôl ei ysgrifennu)`),
    '... and in Welsh', JSON.stringify(p));

  const mon = await person('monitor');
  await signInUI(mon.page, 'monitor');
  p = await panel(mon.page, 'en');
  tap.check(!p.shown && p.entries > 0, 'a monitor reads the trail with no verdict shown', JSON.stringify(p));
});
