// Browser side of the SFU tests: a relay (HTTP for tests/sfu/www and a
// websocket the pages talk to, turned into SFU control requests), Chromium
// through playwright-core, and Firefox ESR through raw WebDriver BiDi (the
// `ws` package), both behind one tiny interface: { evaluate(expr), close() }.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import WebSocket, { WebSocketServer } from 'ws';
import { ROOT, onCleanup, diag, sleep, freePort } from './sfu_lib.mjs';

const WWW = path.join(ROOT, 'tests/sfu/www');

// The test is the signalling: page messages become control requests for
// (room, participant); SFU events for that participant go back to its page.
export async function startRelay(ctl, room, { host = '127.0.0.1' } = {}) {
  const port = await freePort();
  const pages = new Map(); // participant -> ws
  const connectedWaiters = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const f = path.join(WWW, path.basename(u.pathname));
    if (!fs.existsSync(f)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' });
    res.end(fs.readFileSync(f));
  });
  const wss = new WebSocketServer({ server, path: '/relay' });
  wss.on('connection', (ws, req) => {
    const who = new URL(req.url, 'http://x').searchParams.get('participant');
    pages.set(who, ws);
    for (const w of connectedWaiters.splice(0)) w();
    ws.on('message', async (d) => {
      const m = JSON.parse(d.toString());
      const { id, op, ...fields } = m;
      let r;
      try {
        r = await ctl.request(op, { room, participant: who, ...fields });
      } catch (e) { r = { type: 'error', code: 'relay', message: String(e) }; }
      if (r.type === 'error') diag(`relay: ${who} ${op}: ${r.code} ${r.message}`);
      if (id !== undefined && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...r, reply: id }));
    });
    ws.on('close', () => { if (pages.get(who) === ws) pages.delete(who); });
  });
  ctl.onEvent = (e) => {
    if (e.room !== room) return;
    const ws = pages.get(e.participant);
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (e.event === 'subscriber_offer') ws.send(JSON.stringify({ op: 'subscriber_offer', sdp: e.sdp }));
    else if (e.event === 'ice_candidate') ws.send(JSON.stringify({ op: 'ice_candidate', transport: e.transport, candidate: e.candidate, sdpMid: e.sdpMid, sdpMLineIndex: e.sdpMLineIndex }));
  };
  await new Promise((r) => server.listen(port, host, r));
  onCleanup(() => new Promise((r) => { for (const c of wss.clients) c.terminate(); wss.close(); server.close(() => r()); }));
  return {
    url: `http://${host}:${port}`,
    send(who, msg) { const ws = pages.get(who); if (!ws) throw new Error(`no page for ${who}`); ws.send(JSON.stringify(msg)); },
    async waitPage(who, timeoutMs = 20000) {
      const end = Date.now() + timeoutMs;
      while (!pages.has(who)) {
        if (Date.now() > end) throw new Error(`page ${who} never connected to the relay`);
        await new Promise((r) => { const t = setTimeout(r, 100); connectedWaiters.push(() => { clearTimeout(t); r(); }); });
      }
    },
  };
}

export const CHROMIUM = '/usr/lib/chromium/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required'];

let chromiumBrowser = null;
export async function chromiumPage(url) {
  const { chromium } = await import('playwright-core');
  if (!chromiumBrowser) {
    chromiumBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    onCleanup(() => chromiumBrowser.close());
  }
  const context = await chromiumBrowser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') diag(`chromium console: ${m.text()}`); });
  await page.goto(url);
  return {
    name: 'chromium',
    evaluate: (expr) => page.evaluate(expr),
    close: () => context.close(),
    pid: () => chromiumBrowser.process ? chromiumBrowser.process()?.pid : null,
  };
}

// Firefox ESR over WebDriver BiDi (Playwright's Firefox launcher does not
// drive stock Firefox).
export async function firefoxPage(url) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parlour-ff-'));
  fs.writeFileSync(path.join(profile, 'user.js'), [
    'user_pref("media.navigator.streams.fake", true);',
    'user_pref("media.navigator.permission.disabled", true);',
    'user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);',
    'user_pref("media.autoplay.default", 0);',
    'user_pref("browser.shell.checkDefaultBrowser", false);',
    'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
    'user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);',
    'user_pref("app.update.enabled", false);',
    '',
  ].join('\n'));
  const port = await freePort();
  const ff = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile,
    `--remote-debugging-port=${port}`, '--remote-allow-hosts=127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  ff.stderr.on('data', (d) => { stderr += d; });
  onCleanup(async () => {
    ff.kill('SIGTERM');
    if (ff.exitCode === null && ff.signalCode === null) await Promise.race([new Promise((r) => ff.once('exit', r)), sleep(3000)]);
    try { ff.kill('SIGKILL'); } catch { /* gone */ }
    fs.rmSync(profile, { recursive: true, force: true });
  });
  let ws = null;
  for (let i = 0; i < 150 && !ws; i++) {
    await sleep(200);
    try {
      ws = await new Promise((res, rej) => {
        const w = new WebSocket(`ws://127.0.0.1:${port}/session`);
        w.once('open', () => res(w));
        w.once('error', rej);
      });
    } catch { ws = null; }
  }
  if (!ws) throw new Error(`firefox did not open BiDi: ${stderr.slice(-500)}`);
  let nextId = 1;
  const pending = new Map();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.id !== undefined && pending.has(m.id)) {
      const p = pending.get(m.id); pending.delete(m.id);
      if (m.type === 'error' || m.error) p.reject(new Error(`${m.error}: ${m.message}`)); else p.resolve(m.result);
    }
  });
  const cmd = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params }));
  });
  await cmd('session.new', { capabilities: {} });
  const tree = await cmd('browsingContext.getTree', {});
  const context = tree.contexts[0].context;
  await cmd('browsingContext.navigate', { context, url, wait: 'complete' });
  const evaluate = async (expr) => {
    const r = await cmd('script.evaluate', { expression: `(async () => JSON.stringify(await (${expr})))()`, target: { context }, awaitPromise: true });
    if (r.type === 'exception') throw new Error(`firefox: ${JSON.stringify(r.exceptionDetails).slice(0, 400)}`);
    return r.result && r.result.value !== undefined ? JSON.parse(r.result.value) : undefined;
  };
  onCleanup(() => { try { ws.close(); } catch { /* gone */ } });
  return { name: 'firefox', evaluate, close: async () => {} , pid: () => ff.pid };
}

// CPU seconds (user+system) a process has used so far.
export function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

// A bottleneck on a namespace's egress device: tc tbf with a 200 ms queue,
// burst about 10 ms of the rate (at least 3000 bytes) unless given. UDP to
// the `exempt` destination ports goes past it: an htb root whose default
// class holds the tbf and u32 filters to an unlimited class (this kernel has
// htb, tbf and u32 but no prio or netem) — so a publisher in the same
// namespace as the limited subscriber is not behind the subscriber's link
// (the SFU's keyframe requests to her were dropped in his queue). Removed
// on cleanup.
export function linkShaper(netns, dev, exempt = []) {
  const tc = (...args) => execFileSync('ip', ['netns', 'exec', netns, 'tc', ...args], { stdio: 'pipe' });
  let root = false;
  const lift = () => { try { tc('qdisc', 'del', 'dev', dev, 'root'); } catch { /* none */ } root = false; };
  onCleanup(lift);
  return {
    limit(kbit, burst = Math.max(3000, Math.round((kbit * 1000) / 8 / 100))) {
      if (!root) {
        tc('qdisc', 'replace', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '20');
        for (const c of ['1:10', '1:20']) tc('class', 'add', 'dev', dev, 'parent', '1:', 'classid', c, 'htb', 'rate', '10gbit', 'quantum', '60000');
        for (const port of exempt)
          tc('filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dport', String(port), '0xffff', 'flowid', '1:10');
        root = true;
      }
      tc('qdisc', 'replace', 'dev', dev, 'parent', '1:20', 'handle', '20:', 'tbf', 'rate', `${kbit}kbit`, 'burst', String(burst), 'latency', '200ms');
    },
    lift,
  };
}
