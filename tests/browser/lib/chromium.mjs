// Debian's Chromium driven by playwright-core, with a fake camera and
// microphone (a test pattern and a beep) and loopback ICE candidates.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { ARTIFACTS, ROOT } from './stack.mjs';

export const CHROMIUM = process.env.PARLOUR_CHROMIUM || '/usr/lib/chromium/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--ignore-certificate-errors',
  // Pages in the background (two participants in one browser) must keep
  // decoding and running timers at full rate.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// A fresh context (own cookies: one signed-in person) with camera and mic
// allowed and the dev certificate accepted.
export async function newContext(browser, baseURL, { width = 1280, height = 900 } = {}) {
  const ctx = await browser.newContext({
    baseURL, ignoreHTTPSErrors: true, viewport: { width, height },
    permissions: ['camera', 'microphone'],
  });
  return ctx;
}

// Collects console errors and failed requests of a page, for diagnostics.
export function watchPage(page, label, sink = []) {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') sink.push(`${label} console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => sink.push(`${label} pageerror: ${e.message}`));
  page.on('requestfailed', (r) => sink.push(`${label} requestfailed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  return sink;
}

const SHOTS = path.join(ARTIFACTS, 'screenshots');

// Saves the page at desktop (1280) and phone (375) width, full height, as
// tests/artifacts/screenshots/<name>-desktop.png and -phone.png, then puts the
// viewport back.
export async function screenshots(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
  if (before) await page.setViewportSize(before);
}

const require = createRequire(path.join(ROOT, 'package.json'));
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// Runs axe-core on the page with the WCAG 2.2 A/AA rules. Returns the
// violations whose impact is serious or critical (and all of them for the log).
export async function axe(page) {
  // Evaluated through the DevTools protocol rather than added as a <script>:
  // the pages' Content-Security-Policy (script-src 'self') rightly refuses
  // inline scripts, and the test must not weaken it.
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(`${AXE_SOURCE}\n;true`);
  const result = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  }, AXE_TAGS);
  return {
    all: result,
    serious: result.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
  };
}

export function describeViolations(list) {
  return list.map((v) => `${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`).join('\n');
}
