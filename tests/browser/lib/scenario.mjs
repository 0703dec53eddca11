// The frame of every browser test: start the daemons, launch Chromium, run
// the body, always clean up, print the TAP plan and exit with its verdict.
// A failure to start anything is one failing line with the reason and the
// tail of the daemons' logs, never a silent skip.
import fs from 'node:fs';
import path from 'node:path';
import * as tap from './tap.mjs';
import { startStack } from './stack.mjs';
import { launchChromium, newContext, watchPage } from './chromium.mjs';

function logTails(stack) {
  if (!stack || !stack.logDir) return '';
  let out = '';
  for (const f of fs.readdirSync(stack.logDir)) {
    const lines = fs.readFileSync(path.join(stack.logDir, f), 'utf8').trim().split('\n');
    out += `--- ${f} (last lines) ---\n${lines.slice(-12).join('\n')}\n`;
  }
  return out;
}

export async function scenario(name, body, { stackOptions = {}, chromium = true } = {}) {
  if (!process.env.PARLOUR_NETNS) tap.diag('warning: not inside a network namespace (run through lib/netns-run)');
  let stack = null;
  let browser = null;
  const problems = [];
  const ctx = {
    tap, problems,
    get stack() { return stack; },
    get browser() { return browser; },
    // A new signed-out browser context (one person) and its first page.
    async person(label, opts) {
      const c = await newContext(browser, stack.bookingUrl, opts);
      const page = await c.newPage();
      watchPage(page, label, problems);
      return { context: c, page };
    },
  };
  let code = 1;
  let started = false;
  try {
    try {
      stack = await startStack({ name, ...stackOptions });
      started = true;
      tap.ok('booking, signalling and SFU start on free ports');
    } catch (e) {
      tap.notOk('booking, signalling and SFU start on free ports', `${e.message}\n${logTails(stack)}`);
    }
    if (started) {
      if (chromium) browser = await launchChromium();
      await body(ctx);
    }
  } catch (e) {
    // A step that throws ends the scenario: one failing line says where.
    // The error's first line goes into the failing line itself: a CI
    // summary that keeps only the failing lines still says why.
    const why = String((e && e.message) || e).split('\n')[0].slice(0, 160);
    tap.notOk(`${name}: stopped by an error: ${why}`, e && e.stack ? e.stack : String(e));
  } finally {
    if (tap.failures() > 0) {
      if (problems.length) tap.diag(`browser console problems:\n${problems.slice(-30).join('\n')}`);
      if (stack) tap.diag(logTails(stack));
    }
    try { if (browser) await browser.close(); } catch { /* closing anyway */ }
    try { if (stack) await stack.stop(); } catch { /* stopping anyway */ }
    code = tap.done();
  }
  process.exit(code);
}
