// Unexpected-person alerts in the browser (docs/faces.md): a social call
// with the prisoner in Chromium and the family's device a webrtcbin peer
// (tests/signalling/prog_signal_peer --image) showing two faces with
// booking's own join token; parlour-faces beside the SFU. The monitoring
// wall shows the alert with its snapshot and time; staff warn (the
// prisoner's page shows the notice), then end the call with a reason (the
// prisoner's page ends with it).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { sqlite } from '../lib/db.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, ready, endReason } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { freePort, waitFor } from '../lib/util.mjs';

const ROOT = path.resolve(new URL('../../..', import.meta.url).pathname);
const analyserPort = await freePort();
const reportPort = await freePort();
const kids = [];
process.on('exit', () => { for (const k of kids) { try { k.kill('SIGKILL'); } catch { /* gone */ } } });

await scenario('face-alerts', async ({ tap, stack, person }) => {
  // parlour-faces beside the SFU
  const conf = path.join(stack.dir, 'faces.ini');
  fs.writeFileSync(conf, `[analyser]\nlisten_port = ${analyserPort}\nreport_to = 127.0.0.1:${reportPort}\n[log]\nlevel = debug\n`);
  const flog = fs.openSync(path.join(stack.logDir, 'faces.log'), 'a');
  kids.push(spawn(path.join(ROOT, 'build/bin/parlour-faces'), ['--config', conf], { stdio: ['ignore', flog, flog] }));

  const staff = await signInAPI(stack, 'staff');
  const call = await createCallNow(stack, staff, 'social', { minutes: 30 });
  const pri = await person('prisoner');
  await signInUI(pri.page, 'prisoner');
  await joinCall(pri.page, call.id);
  const mon = await person('monitor');
  await signInUI(mon.page, 'monitor');
  await mon.page.goto('/staff/wall.html');
  await ready(mon.page);

  // The family's device: booking's join token, a camera showing two faces.
  // The demo call books Ann and her child on Ann's account (on_device 2: two
  // faces expected); with the child taken off the booking the device is
  // booked for one person, so two faces are one too many.
  sqlite(stack, `DELETE FROM visit_visitors WHERE visit_id = '${call.id}' AND main_contact = 0`);
  const fam = await signInAPI(stack, 'family');
  const tok = await apiAs(stack, fam, 'POST', `/visits/${call.id}/join-token`, {});
  const onDevice = tok.status === 200 ? JSON.parse(Buffer.from(tok.json.token.split('.')[1], 'base64url')).on_device : null;
  tap.check(tok.status === 200 && tok.json.token && onDevice === 1, 'the family gets a join token from booking, booked for one person on the device (on_device 1)', `${tok.status} on_device=${onDevice}`);
  const tf = path.join(stack.dir, 'family.token');
  fs.writeFileSync(tf, tok.json.token);
  const plog = fs.createWriteStream(path.join(stack.logDir, 'family-peer.log'));
  const peer = spawn(path.join(ROOT, 'build/tests/signalling/prog_signal_peer'), ['--url', stack.signalUrl, '--ca', path.join(stack.dir, 'tls/cert.pem'),
    '--origin', stack.bookingUrl, '--room', call.id, '--token-file', tf, '--timeout', '200', '--frames', '100000',
    '--image', path.join(ROOT, 'tests/faces/clips/two_faces.png')], { stdio: ['ignore', 'pipe', 'pipe'] });
  kids.push(peer);
  let out = '';
  peer.stdout.on('data', (d) => { out += d; plog.write(d); });
  peer.stderr.on('data', (d) => plog.write(d));

  const t0 = Date.now();
  await mon.page.waitForSelector(`.app-wall__call[data-visit="${call.id}"] .app-wall__alert`, { timeout: 60000 });
  const alert = await mon.page.$eval(`.app-wall__call[data-visit="${call.id}"] .app-wall__alert`, (d) => ({
    text: d.textContent.replace(/\s+/g, ' ').trim(),
    img: (d.querySelector('img') || {}).naturalWidth || 0,
    alt: (d.querySelector('img') || {}).alt || '',
  }));
  tap.check(/2 faces; 1 booked/.test(alert.text) && /\(\d{1,2}:\d\d:\d\d[ap]m\)/.test(alert.text),
    `the wall shows the alert with the count and the time (${((Date.now() - t0) / 1000).toFixed(1)} s after the family's device started)`, alert.text.slice(0, 200));
  tap.check(alert.img > 0 && /Picture from/.test(alert.alt), 'with the snapshot, described for screen readers', JSON.stringify(alert));
  await screenshots(mon.page, 'staff-wall-face-alert');

  await mon.page.click(`.app-wall__call[data-visit="${call.id}"] .app-wall__alert button[data-action="warn"]`);
  await pri.page.waitForSelector('#staff-notice', { timeout: 15000 });
  const notice = await pri.page.textContent('#staff-notice');
  tap.check(/Staff have seen someone on camera who is not booked on this call/.test(notice), 'warn: the prisoner\'s call page shows the notice', notice);
  await waitFor(() => out.includes('"type":"staff_notice"'), { timeout: 10000, what: 'staff_notice at the family' });
  tap.ok('and the family\'s device got staff_notice');
  await screenshots(pri.page, 'call-staff-notice');

  // End: an empty reason is refused on the page; a reason ends the call.
  const sel = `.app-wall__call[data-visit="${call.id}"] .app-wall__alert`;
  await mon.page.click(`${sel} button[data-action="end"]`);
  const said = await mon.page.textContent(`${sel} .app-wall__decided`);
  tap.check(/Enter a reason/.test(said), 'ending without a reason is refused on the wall', said);
  await mon.page.fill(`${sel} input[name="reason"]`, 'Someone not on the visit was present.');
  await mon.page.click(`${sel} button[data-action="end"]`);
  const end = await endReason(pri.page);
  // The page keeps its own fixed words for a call staff ended (client-web's
  // rule); the reason itself travels in visit_ended and booking's audit
  // (tests/faces/test-faces-e2e.mjs checks the message).
  tap.check(end.reason === 'terminated_by_staff' && /ended by prison staff/.test(end.text),
    'end: the prisoner\'s call ends, terminated by staff', JSON.stringify(end));
}, { stackOptions: { sfu: { faces: { analyser: `127.0.0.1:${analyserPort}` } }, signal: { faces: { listen: `127.0.0.1:${reportPort}` } } } });
