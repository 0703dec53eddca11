#!/usr/bin/env node
// Admission over the real wss transport: every kind of bad join token is
// refused with its own error code and the connection closed (4401); the
// visit window (too_early with seconds until it opens, too_late); the
// websocket's own defences before any join (Origin, nothing but join first,
// invalid JSON, unknown type, wrong version, oversized message, a
// connection that never joins; the flood is in test-signal-call, on a
// joined connection) — and the server stays up.
// No SFU is needed: every case here is decided before a call is placed.
// timeout: 120
import https from 'node:https';
import { makeVar, startSignal, connect, mint, claims, now, check, step, done, diag, sleep, ORIGIN, stopChecked } from './lib.mjs';

const v = makeVar('auth');
const sig = await startSignal(v, { extra: { calls: { join_timeout_s: 2 }, limits: { rate_per_s: 5, rate_burst: 20 } } });

// With no SFU reachable a good token would get sfu_unavailable: every case
// below must be refused before that.
// Sends one join and returns [first message, close info].
async function tryJoin(token, room = 'visit-1') {
  const c = await connect(sig);
  c.send({ type: 'join', token, room });
  const m = await c.next((x) => x.type === 'error' || x.type === 'joined');
  const cl = await Promise.race([c.closed, sleep(3000).then(() => null)]);
  return [m, cl];
}

async function refused(name, token, code, { room, extraCheck } = {}) {
  await step(`${name}: refused with ${code} and closed 4401`, async () => {
    const [m, cl] = await tryJoin(token, room);
    if (m.type !== 'error' || m.code !== code || m.re !== 'join' || m.v !== 1) throw new Error(`got ${JSON.stringify(m)}`);
    if (!cl || cl.code !== 4401) throw new Error(`close ${JSON.stringify(cl)}`);
    if (extraCheck) extraCheck(m);
  });
}

const good = claims();
await refused('expired token (exp passed, visit not over)', mint(v, claims({ exp: now() - 120 })), 'token_expired');
await refused('not-yet-valid token (nbf later, window open)', mint(v, claims({ nbf: now() + 600 })), 'token_not_yet_valid');
await refused('wrong room', mint(v, good), 'wrong_room', { room: 'visit-2' });
await refused('token signed by another key (kid names it)', mint(v, good, { key: 'other-private.pem' }), 'token_unknown_key');
await refused('token signed by another key without kid', mint(v, good, { key: 'other-private.pem', flags: ['--kid', 'none'] }), 'token_bad_signature');
await refused('tampered payload (role and moderate changed)', mint(v, good, { flags: ['--tamper'] }), 'token_bad_signature');
await refused('alg: none', mint(v, good, { flags: ['--alg-none'] }), 'token_bad_alg');
await refused('alg: HS256', mint(v, good, { flags: ['--hs256'] }), 'token_bad_alg');
{
  const t = mint(v, good).split('.');
  await refused('alg: none with empty signature', `${t[0]}.${t[1]}.`, 'token_malformed');
}
await refused('garbage token', 'not-a-token', 'token_malformed');
await refused('wrong issuer', mint(v, claims({ iss: 'someone-else' })), 'token_wrong_issuer');
await refused('wrong audience', mint(v, claims({ aud: 'parlour-booking' })), 'token_wrong_audience');
await refused('unknown role', mint(v, claims({ role: 'governor' })), 'token_invalid_claims');
await refused('staff monitor that could publish', mint(v, claims({ role: 'staff_monitor', grants: { publish: true, hidden: true } })), 'token_invalid_claims');
await refused('monitor token for a visit whose policy forbids monitoring',
  mint(v, claims({ role: 'staff_monitor', type: 'legal', recording: 'forbidden', monitoring: 'forbidden',
    grants: { publish: false, subscribe: true, hidden: true, moderate: true } })), 'monitoring_forbidden');

// The window: booking's tokens have nbf = start - 15 min and exp = end.
{
  const start = now() + 3600;
  await refused('too early (an hour before the visit)', mint(v, claims({ start, end: start + 1800 })), 'too_early', {
    extraCheck: (m) => { if (!(m.opens_in_s > 2600 && m.opens_in_s <= 2700)) throw new Error(`opens_in_s ${m.opens_in_s}`); },
  });
  const end = now() - 30;
  await refused('too late (the visit ended 30 s ago)', mint(v, claims({ start: end - 1800, end })), 'too_late', {
    extraCheck: (m) => { if (!(m.closed_s_ago >= 29 && m.closed_s_ago < 60)) throw new Error(`closed_s_ago ${m.closed_s_ago}`); },
  });
}

// Before join: nothing else is accepted.
async function firstMessage(name, text, code) {
  await step(`first message ${name}: error ${code}, connection closed 4400`, async () => {
    const c = await connect(sig);
    c.send(text);
    const m = await c.next('error');
    const cl = await c.closed;
    if (m.code !== code) throw new Error(`got ${JSON.stringify(m)}`);
    if (cl.code !== 4400) throw new Error(`close ${JSON.stringify(cl)}`);
  });
}
await firstMessage('publish_offer before join', { type: 'publish_offer', sdp: 'v=0' }, 'join_required');
await firstMessage('ping before join', { type: 'ping' }, 'join_required');
await firstMessage('invalid JSON', '{"v":1,"type":"join",', 'invalid_json');
await firstMessage('a JSON array', '[1,2]', 'invalid_json');
await firstMessage('unknown type', { type: 'make_coffee' }, 'unknown_type');
await firstMessage('no version', '{"type":"join","token":"x","room":"r"}', 'unsupported_version');
await firstMessage('version 2', '{"v":2,"type":"join","token":"x","room":"r"}', 'unsupported_version');
await firstMessage('join with an unknown field', { type: 'join', token: 'x', room: 'r', admin: true }, 'bad_message');
await firstMessage('join without token', { type: 'join', room: 'r' }, 'bad_message');

await step('a connection that never joins is closed with join_timeout', async () => {
  const c = await connect(sig);
  const m = await c.next('error', 5000);
  const cl = await c.closed;
  if (m.code !== 'join_timeout' || cl.code !== 4400) throw new Error(`${JSON.stringify(m)} ${JSON.stringify(cl)}`);
});

await step('a message over 64 KiB closes the connection with 1009', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', token: 'x'.repeat(70 * 1024), room: 'r' });
  const cl = await c.closed;
  if (cl.code !== 1009) throw new Error(`close ${JSON.stringify(cl)}`);
});

await step('Origin not in the configured list: upgrade refused', async () => {
  try {
    const c = await connect(sig, { origin: 'https://evil.example' });
    c.close();
  } catch (e) {
    diag(`refused: ${e}`);
    await sig.waitLog(/event=ws_refused server=signal path=\/ws origin=https:\/\/evil.example/, 2000);
    return true;
  }
  throw new Error('connected with a foreign Origin');
});
await step('no Origin at all: upgrade refused', async () => {
  try {
    const c = await connect(sig, { origin: null });
    c.close();
  } catch (e) {
    return true;
  }
  throw new Error('connected without Origin');
});

// Signalling's plain HTTP answers (common/httpd.c) are HTTPS too: each
// carries Strict-Transport-Security, refusals of bad framing included.
for (const [what, method, p, headers, want] of [['GET /healthz', 'GET', '/healthz', {}, 200],
  ['an unknown path', 'GET', '/nope', {}, 404],
  ['a chunked POST (refused, 411)', 'POST', '/nope', { 'transfer-encoding': 'chunked' }, 411]]) {
  await step(`HSTS on ${what}`, async () => {
    const r = await new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: sig.port, method, path: p, ca: sig.ca, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('error', reject);
      req.end(method === 'POST' ? 'x' : undefined);
    });
    if (r.statusCode !== want || r.headers['strict-transport-security'] !== 'max-age=31536000')
      throw new Error(`${r.statusCode} ${JSON.stringify(r.headers)}`);
  });
}

await step('after all that the server is up and answers a good connection', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', token: mint(v, claims({ exp: now() - 120 })), room: 'visit-1' });
  const m = await c.next('error');
  c.close();
  return m.code === 'token_expired' && sig.proc.exitInfo === null;
});
await step('a good token while no media server is reachable: sfu_unavailable, closed 4503', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', token: mint(v, claims()), room: 'visit-1' });
  const m = await c.next('error');
  const cl = await c.closed;
  if (m.code !== 'sfu_unavailable' || cl.code !== 4503) throw new Error(`${JSON.stringify(m)} ${JSON.stringify(cl)}`);
});
check(!/level=error.*(crash|abort)|AddressSanitizer/.test(sig.log()), 'no crash or sanitizer report in the log');
diag(`log: ${sig.logPath}`);
await stopChecked(sig, 'parlour-signal');
done();
