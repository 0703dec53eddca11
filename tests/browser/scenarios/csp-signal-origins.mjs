// Booking's Content-Security-Policy in a real browser (Chromium): a page
// served by booking may open a WebSocket to every signalling instance named
// in [tokens] signal_url and [tokens] signal_urls (the client fails over to
// another instance's URL, client-web/js/call/session.mjs), and to no other
// origin. Three WSS listeners on loopback stand in for instances; the test
// asserts which ones Chromium connected to and which it refused
// (securitypolicyviolation, no connection reaching the listener).
import fs from 'node:fs';
import https from 'node:https';
import { WebSocketServer } from 'ws';
import { startBooking, freePort } from '../../booking/lib.mjs';
import { launchChromium, newContext } from '../lib/chromium.mjs';
import { check, diag, done, step } from '../lib/tap.mjs';

const ports = [await freePort(), await freePort(), await freePort()];
const url = (p) => `wss://127.0.0.1:${p}/ws`;
const env = await startBooking({ demo: false, ini: `[tokens]\nsignal_url = ${url(ports[0])}\nsignal_urls = ${url(ports[1])}\n` });
const key = fs.readFileSync(`${env.dir}/var/tls/key.pem`);
const servers = [];
const reached = new Set();
for (const p of ports) {
  const srv = https.createServer({ cert: env.ca, key });
  const wss = new WebSocketServer({ server: srv });
  wss.on('connection', (ws) => { reached.add(p); ws.send('hello'); });
  await new Promise((r) => srv.listen(p, '127.0.0.1', r));
  servers.push(srv);
}
const browser = await launchChromium();
try {
  const ctx = await newContext(browser, env.base);
  const page = await ctx.newPage();
  const r = await page.goto('/');
  const csp = r.headers()['content-security-policy'] || '';
  diag(`connect-src: ${(csp.match(/connect-src [^;]*/) || [''])[0]}`);
  check(csp.includes(`127.0.0.1:${ports[0]}`) && csp.includes(`127.0.0.1:${ports[1]}`) && !csp.includes(`127.0.0.1:${ports[2]}`),
    'the header names signal_url\'s and signal_urls\' origins, not the third');
  const tryWs = (u) => page.evaluate((u) => new Promise((resolve) => {
    let violated = false;
    document.addEventListener('securitypolicyviolation', (e) => { if (e.blockedURI.startsWith(u.slice(0, 20))) violated = true; }, { once: true });
    let ws;
    try { ws = new WebSocket(u); } catch (e) { return resolve({ opened: false, error: String(e), violated: true }); }
    ws.onmessage = (m) => { resolve({ opened: true, data: m.data, violated }); ws.close(); };
    ws.onerror = () => setTimeout(() => resolve({ opened: false, violated }), 200);
    setTimeout(() => resolve({ opened: false, violated, timeout: true }), 5000);
  }), u);
  for (const [i, p] of ports.entries()) {
    const allowed = i < 2;
    await step(`a WebSocket from the page to ${allowed ? 'configured' : 'an unlisted'} instance ${url(p)} is ${allowed ? 'allowed' : 'blocked by the CSP'}`, async () => {
      const res = await tryWs(url(p));
      diag(JSON.stringify(res));
      return allowed ? res.opened && res.data === 'hello' && reached.has(p) : !res.opened && res.violated && !reached.has(p);
    });
  }
} finally {
  await browser.close();
  for (const s of servers) s.close();
  await env.stop();
}
done();
