// A recording disk that fills mid-call, as staff see it in the browser
// (issue 20 part 2): the stack's recordings directory is a 160 KiB tmpfs in
// this test's own mount namespace (test-recording-failed-pages runs
// netns-run under unshare -m). The prisoner is in the call in Chromium, the
// family's device is a webrtcbin peer with booking's join token, a monitor
// watches the wall. When the disk fills, the wall shows a line saying whose
// recording stopped and when; the prisoner's page says nothing new and the
// call goes on; the call's audit page warns that its recording is
// incomplete, in English and Welsh; staff's day page says "Recording
// failed" (not "Recorded"), in English and Welsh; and the monitor page
// opened after the failure shows it (signalling kept the line).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';

const ROOT = path.resolve(new URL('../../..', import.meta.url).pathname);
const kids = [];
process.on('exit', () => { for (const k of kids) { try { k.kill('SIGKILL'); } catch { /* gone */ } } });

await scenario('recording-failed-pages', async ({ tap, stack, person }) => {
  const rec = path.join(stack.dir, 'recordings');
  fs.mkdirSync(rec, { recursive: true, mode: 0o700 });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160k,mode=0700', 'tmpfs', rec]);
  tap.check(execFileSync('df', ['-k', rec], { encoding: 'utf8' }).includes('tmpfs'), 'the recordings directory is a 160 KiB tmpfs (a private mount namespace)');
  try {
    const staff = await signInAPI(stack, 'staff');
    const call = await createCallNow(stack, staff, 'social', { minutes: 30 });
    const mon = await person('monitor');
    await signInUI(mon.page, 'monitor');
    await mon.page.goto('/staff/wall.html');
    await ready(mon.page);
    const pri = await person('prisoner');
    await signInUI(pri.page, 'prisoner');
    await joinCall(pri.page, call.id);
    const fam = await signInAPI(stack, 'family');
    const tok = await apiAs(stack, fam, 'POST', `/visits/${call.id}/join-token`, {});
    const tf = path.join(stack.dir, 'family.token');
    fs.writeFileSync(tf, tok.json.token);
    const plog = fs.createWriteStream(path.join(stack.logDir, 'family-peer.log'));
    const peer = spawn(path.join(ROOT, 'build/tests/signalling/prog_signal_peer'), ['--url', stack.signalUrl, '--ca', path.join(stack.dir, 'tls/cert.pem'),
      '--origin', stack.bookingUrl, '--room', call.id, '--token-file', tf, '--timeout', '200', '--frames', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    kids.push(peer);
    peer.stdout.on('data', (d) => plog.write(d));
    peer.stderr.on('data', (d) => plog.write(d));

    const sel = `.app-wall__call[data-visit="${call.id}"] .app-wall__recording-failed`;
    const t0 = Date.now();
    await mon.page.waitForSelector(sel, { timeout: 90000 });
    const line = (await mon.page.textContent(sel)).replace(/\s+/g, ' ').trim();
    tap.check(/^Recording stopped for .+ at \d{1,2}:\d\d:\d\d[ap]m: this call is no longer fully recorded\.$/.test(line),
      `the wall says whose recording stopped and when (${((Date.now() - t0) / 1000).toFixed(1)} s after the family's device started)`, line);
    await screenshots(mon.page, 'staff-wall-recording-failed');
    const priText = await pri.page.evaluate(() => document.body.textContent);
    const phase = await pri.page.evaluate(() => window.parlourCall.phase);
    tap.check(!/Recording stopped|no longer fully recorded/.test(priText) && phase === 'joined',
      'the prisoner\'s page says nothing new and the call goes on', `phase ${phase}`);

    // The failures' times as the pages write them ("9am", "1:45pm", "midday";
    // Welsh "1:45yp", "hanner dydd"), one or more, whatever the hour of the run.
    const en = '(?:\\d{1,2}(?::\\d\\d)?[ap]m|midday|midnight)';
    const cy = '(?:\\d{1,2}(?::\\d\\d)?y[bp]|hanner dydd|hanner nos)';
    for (const [lang, re] of [['en', new RegExp(`The recording of this call is incomplete: it failed during the call \\(${en}(?:, ${en})*\\)\\. The files kept are partial\\.`)],
      ['cy', new RegExp(`Mae recordiad yr alwad hon yn anghyflawn: methodd yn ystod yr alwad \\(${cy}(?:, ${cy})*\\)\\. Rhannol yw’r ffeiliau a gadwyd\\.`)]]) {
      await mon.page.goto(`/staff/audit.html?visit=${encodeURIComponent(call.id)}&lang=${lang}`);
      await ready(mon.page);
      const w = await mon.page.evaluate(() => {
        const p = document.querySelector('#recording-failed');
        const e = document.querySelector('#audit [data-action="event_recording_failed"] .moj-timeline__title');
        return { text: p ? p.textContent.replace(/\s+/g, ' ').trim() : '', entry: e ? e.textContent.trim() : '' };
      });
      tap.check(re.test(w.text) && w.entry.length > 0, `the call's audit page warns that the recording is incomplete (${lang}), the failure in its trail ("${w.entry}")`, JSON.stringify(w));
    }
    await screenshots(mon.page, 'staff-audit-recording-failed');

    // Staff's day page: "Recording failed" for this call, not "Recorded".
    for (const [lang, want] of [['en', 'Recording failed'], ['cy', 'Methodd y recordiad']]) {
      await mon.page.goto(`/staff/?lang=${lang}`);
      await ready(mon.page);
      const row = `tr[data-visit="${call.id}"]`;
      await mon.page.waitForSelector(row, { timeout: 15000 }).catch(() => null);
      const cell = await mon.page.evaluate((r) => {
        const tr = document.querySelector(r);
        const tag = tr && tr.querySelector('.app-today__recording-failed');
        return { tag: tag ? tag.textContent.trim() : '', row: tr ? tr.textContent.replace(/\s+/g, ' ').trim() : '' };
      }, row);
      tap.check(cell.tag === want && !/\bRecorded\b|Wedi’i recordio/.test(cell.row),
        `staff's day page says "${want}" for the call, not "Recorded" (${lang})`, JSON.stringify(cell));
    }
    await screenshots(mon.page, 'staff-today-recording-failed');

    // A monitor who opens the call after the failure is told on joining
    // (signalling kept the line): one line per failure, none twice.
    await mon.page.goto(`/staff/monitor.html?visit=${encodeURIComponent(call.id)}&lang=en`);
    await ready(mon.page);
    const late = await mon.page.waitForSelector('#recording-failed p', { timeout: 20000 }).then(() => mon.page.evaluate(() => {
      const ps = [...document.querySelectorAll('#recording-failed p')];
      return { lines: ps.map((p) => p.textContent.trim()), seqs: ps.map((p) => p.dataset.seq) };
    }), () => ({ lines: [], seqs: [] }));
    tap.check(late.lines.length >= 1 && /^Recording stopped for .+: this call is no longer fully recorded\.$/.test(late.lines[0]) &&
      new Set(late.seqs).size === late.seqs.length && late.seqs.every((q) => /^\d+$/.test(q)),
    `the monitor page opened after the failure shows it (${late.lines.length} line(s), seq ${late.seqs.join(',')})`, JSON.stringify(late));
  } finally {
    for (const k of kids) { try { k.kill('SIGTERM'); } catch { /* gone */ } }
    try { execFileSync('umount', ['-l', rec]); } catch { /* the namespace goes with us */ }
  }
});
