// Firefox ESR driven over raw WebDriver BiDi (Playwright's Firefox launcher
// does not work with stock Firefox). Just enough of the protocol for our
// tests: a session, one browsing context, navigate, evaluate, screenshot.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { freePort, waitFor, sleep } from './util.mjs';

export const FIREFOX = process.env.PARLOUR_FIREFOX || '/usr/bin/firefox-esr';

const PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'app.update.enabled': false,
  'browser.startup.homepage_override.mstone': 'ignore',
};

export class Firefox {
  static async launch({ logFile } = {}) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'parlour-ff-'));
    fs.writeFileSync(path.join(profile, 'user.js'),
      Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n');
    const port = await freePort();
    const log = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    const proc = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile,
      `--remote-debugging-port=${port}`, '--remote-allow-hosts=127.0.0.1', 'about:blank'],
    { stdio: ['ignore', log, log], env: { ...process.env, MOZ_HEADLESS: '1' } });
    const ff = new Firefox(proc, profile, port);
    process.on('exit', () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } });
    await ff.connect();
    return ff;
  }

  constructor(proc, profile, port) {
    this.proc = proc; this.profile = profile; this.port = port;
    this.nextId = 1; this.pending = new Map(); this.events = [];
    proc.on('exit', () => { this.exited = true; });
  }

  async connect() {
    this.ws = await waitFor(() => new Promise((resolve) => {
      if (this.exited) { resolve(null); return; }
      const ws = new WebSocket(`ws://127.0.0.1:${this.port}/session`);
      ws.on('open', () => resolve(ws));
      ws.on('error', () => resolve(null));
    }), { timeout: 30000, interval: 250, what: 'Firefox WebDriver BiDi socket' });
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.id !== undefined && this.pending.has(m.id)) {
        const { resolve, reject } = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.type === 'error') reject(new Error(`${m.error}: ${m.message}`));
        else resolve(m.result);
      } else if (m.type === 'event') {
        this.events.push(m);
        if (m.method === 'log.entryAdded' && this.onLog) this.onLog(m.params);
      }
    });
    await this.send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
    const tree = await this.send('browsingContext.getTree', {});
    this.context = tree.contexts[0].context;
    await this.send('session.subscribe', { events: ['log.entryAdded'] }).catch(() => {});
  }

  send(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async goto(url) {
    await this.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' });
  }

  // Evaluates an expression (a string; may be an async IIFE) in the page and
  // returns its value, passed through JSON so any plain value comes back.
  async evaluate(expression) {
    const r = await this.send('script.evaluate', {
      expression: `(async () => JSON.stringify(await (${expression})))()`,
      target: { context: this.context }, awaitPromise: true,
    });
    if (r.type === 'exception') throw new Error(`page exception: ${r.exceptionDetails.text}`);
    const v = r.result;
    return v && v.type === 'string' ? JSON.parse(v.value) : undefined;
  }

  async waitFor(expression, opts = {}) {
    return waitFor(() => this.evaluate(expression), opts);
  }

  async screenshot(file) {
    const r = await this.send('browsingContext.captureScreenshot', { context: this.context });
    fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
  }

  async close() {
    try { await Promise.race([this.send('session.end', {}), sleep(2000)]); } catch { /* closing anyway */ }
    try { this.ws.close(); } catch { /* closed */ }
    try { this.proc.kill('SIGTERM'); } catch { /* gone */ }
    await Promise.race([new Promise((r) => this.proc.once('exit', r)), sleep(3000)]);
    try { this.proc.kill('SIGKILL'); } catch { /* gone */ }
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}
