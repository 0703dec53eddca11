#!/usr/bin/env node
// Issue 20 (fault injection), booking slow or gone while calls start and
// end, with the real daemons: booking, SFU, and signalling with [booking]
// admission = required whose booking URL is a TCP proxy in this test (TLS
// passes through it untouched). The proxy forwards, delays every chunk by
// seconds (slow), holds every byte (stalled) or cuts every connection (gone).
// - slow (1 s a chunk, seconds in all): the admission check waits (admit
//   timeout 20 s here) and the join succeeds.
// - stalled or gone at a first join: the admission check fails closed:
//   error admission_unavailable, close 4503; nobody is admitted.
// - gone while a call runs and ends: the call's events wait in signalling's
//   spool (files on disk); when booking is back they all reach it, each once:
//   the event ids signalling spooled for the visit are exactly the ids in
//   booking's visit_events, the visit ends terminated, the audit holds one
//   row per event.
// - afterwards, with nothing changed, a first join is admitted again.
// timeout: 300
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startBooking, Client, sql } from '../booking/lib.mjs';
import {
  startSfu, startSignal, connect, check, step, done, diag, ARTIFACTS, stopChecked,
} from './lib.mjs';

const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-booking-faults');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const bookingUrl = new URL(env.base);

// The fault: a TCP proxy between signalling and booking.
let mode = 'pass'; // pass | slow | stall | gone
const SLOW_MS = 1000;
const live = new Set();
const proxy = net.createServer((down) => {
  if (mode === 'gone') { down.destroy(); return; }
  const up = net.connect(Number(bookingUrl.port), bookingUrl.hostname);
  const pair = { down, up };
  live.add(pair);
  const end = () => { live.delete(pair); down.destroy(); up.destroy(); };
  const pipe = (from, to) => from.on('data', (b) => {
    if (mode === 'stall') return; // held: never delivered
    if (mode === 'slow') setTimeout(() => to.destroyed || to.write(b), SLOW_MS);
    else to.write(b);
  });
  pipe(down, up);
  pipe(up, down);
  down.on('error', end); up.on('error', end); down.on('close', end); up.on('close', end);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const proxyBase = `${bookingUrl.protocol}//127.0.0.1:${proxy.address().port}${bookingUrl.pathname.replace(/\/$/, '')}`;
function setMode(m) {
  mode = m;
  if (m === 'gone' || m === 'stall') for (const p of [...live]) { p.down.destroy(); p.up.destroy(); live.delete(p); }
}

const sfu = await startSfu(v);
const sig = await startSignal(v, {
  sfus: [sfu], booking: proxyBase, admission: 'required',
  extra: { booking: { admit_timeout_ms: 20000 } },
});
const signalOrigin = 'https://parlour.test';

const staff = new Client(env);
const ann = new Client(env);
const tom = new Client(env);
const mon = new Client(env);
await staff.signIn('staff.booking');
await ann.signIn('family.ann');
await tom.signIn('prisoner.tom');
await mon.signIn('staff.monitor');

async function until(what, fn, ms = 30000) {
  const t0 = Date.now();
  for (;;) {
    const r = await fn();
    if (r) return r;
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
async function newVisit() {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30 });
  if (r.status !== 201 || !r.json.id) throw new Error(JSON.stringify(r.json));
  return r.json.id;
}
async function tokenFor(client, visit) {
  const r = await client.post(`/visits/${visit}/join-token`);
  if (r.status !== 200) throw new Error(`join-token ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token;
}
// A first join: resolves with the first answer and, when refused, the close.
async function join(visit, token, name) {
  const c = await connect(sig, { origin: signalOrigin, name });
  const t0 = Date.now();
  c.send({ type: 'join', token, room: visit });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 30000);
  c.ms = Date.now() - t0;
  c.m = m;
  if (m.type === 'error') c.closeCode = (await c.closed).code;
  return c;
}
const spoolFiles = () => fs.readdirSync(`${v.dir}/spool`).filter((f) => f.endsWith('.json'));

await step(`booking slow (${SLOW_MS} ms a chunk): the admission check waits; the first join is admitted`, async () => {
  const visit = await newVisit();
  const token = await tokenFor(tom, visit);
  setMode('slow');
  const c = await join(visit, token, 'tom-slow');
  setMode('pass');
  diag(`slow admission took ${c.ms} ms: ${JSON.stringify(c.m).slice(0, 120)}`);
  c.ws.close();
  return c.m.type === 'joined' && c.ms >= 2 * SLOW_MS;
});

for (const fault of ['stall', 'gone']) {
  await step(`booking ${fault === 'stall' ? 'stalled (bytes held)' : 'gone (connections cut)'} at a first join: admission_unavailable, close 4503`, async () => {
    const visit = await newVisit();
    const token = await tokenFor(tom, visit);
    setMode(fault);
    const c = await join(visit, token, `tom-${fault}`);
    setMode('pass');
    diag(`${fault}: ${JSON.stringify(c.m)} close=${c.closeCode} after ${c.ms} ms`);
    const again = await join(visit, token, `tom-${fault}-again`);
    again.ws.close();
    return c.m.type === 'error' && c.m.code === 'admission_unavailable' && c.closeCode === 4503 &&
      again.m.type === 'joined';
  });
}

let visit, ct, ca, cm;
await step('a call starts with booking reachable: prisoner, visitor and monitor admitted', async () => {
  visit = await newVisit();
  ct = await join(visit, await tokenFor(tom, visit), 'tom');
  ca = await join(visit, await tokenFor(ann, visit), 'ann');
  cm = await join(visit, await tokenFor(mon, visit), 'mon');
  return [ct, ca, cm].every((c) => c.m.type === 'joined');
});
await step('booking saw call_started before the fault (the visit is in_progress)', async () => {
  await until('in_progress', async () => (await staff.get(`/visits/${visit}`)).json?.status === 'in_progress');
  await until('spool empty', async () => spoolFiles().length === 0);
});

let heldFiles;
await step('booking gone: the visitor leaves and the monitor ends the call; the events wait in the spool', async () => {
  setMode('gone');
  ca.send({ type: 'leave' });
  await ct.next('participant_left', 20000);
  cm.send({ type: 'end_call', reason: 'fault injection test' });
  const e = await ct.next('visit_ended', 20000);
  heldFiles = await until('events spooled', async () => {
    const f = spoolFiles();
    return f.length >= 2 ? f : null;
  });
  await sig.waitLog(/event=event_delivery_failed/, 20000);
  const st = (await staff.get(`/visits/${visit}`)).json?.status;
  diag(`held: ${heldFiles.join(' ')}; visit still ${st}`);
  return e.reason === 'terminated_by_staff' && st === 'in_progress';
});

await step('booking back: every held event reaches booking exactly once; the visit is terminated', async () => {
  setMode('pass');
  await until('spool drained', async () => spoolFiles().length === 0, 90000);
  await until('terminated', async () => (await staff.get(`/visits/${visit}`)).json?.status === 'terminated');
  const spooled = new Set([...sig.log().matchAll(new RegExp(`event=event_spooled event_id=(\\S+) type=\\S+ visit=${visit}\\b`, 'g'))].map((m) => m[1]));
  const rows = sql(env, `SELECT event_id FROM visit_events WHERE visit_id = '${visit}'`).split('\n').filter(Boolean);
  const inDb = new Set(rows);
  const missing = [...spooled].filter((id) => !inDb.has(id));
  const extra = [...inDb].filter((id) => !spooled.has(id));
  diag(`spooled ${spooled.size}, in booking ${rows.length} (distinct ${inDb.size}); missing ${missing} extra ${extra}`);
  const rejected = fs.existsSync(`${v.dir}/spool/rejected`) ? fs.readdirSync(`${v.dir}/spool/rejected`) : [];
  return spooled.size >= 4 && missing.length === 0 && extra.length === 0 && rows.length === inDb.size &&
    rejected.length === 0;
});
await step('the audit holds one row per delivered event (none doubled)', async () => {
  const r = await staff.get(`/visits/${visit}/audit`);
  const text = JSON.stringify(r.json);
  const count = (w) => text.split(w).length - 1;
  const n = { started: count('event_call_started'), ended: count('event_call_ended'), left: count('event_participant_left') };
  diag(`audit counts ${JSON.stringify(n)}`);
  return r.status === 200 && n.started === 1 && n.ended === 1 && n.left >= 1;
});
await step('service back by itself: a new first join is admitted', async () => {
  const v2 = await newVisit();
  const c = await join(v2, await tokenFor(tom, v2), 'tom-after');
  c.ws.close();
  return c.m.type === 'joined';
});
check(/event=admission_unavailable /.test(sig.log()), 'signalling logged admission_unavailable');
proxy.close();
for (const p of live) { p.down.destroy(); p.up.destroy(); }
await stopChecked(sig, 'parlour-signal');
await env.stop();
done();
