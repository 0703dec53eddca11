#!/usr/bin/env node
// Issue 16 part 5 end to end with the real daemons (booking, signalling
// with [booking] admission = required, SFU): staff record a transfer of the
// prisoner while his call is live; booking cancels the visit through the
// staff cancellation's own path, whose end_call decision reaches the call
// through the decisions channel (docs/contracts.md, "Decisions reach live
// calls"): everyone in it gets visit_ended visit_cancelled and close 4000
// within 2 s of booking's answer (measured, printed), the decision is
// acknowledged, a rejoin is refused, and the visit keeps its outcome
// prisoner_transferred after signalling reports the end. The same for a
// release, on the engine PARLOUR_DB_ENGINE names.
// timeout: 300
import fs from 'node:fs';
import path from 'node:path';
import { startBooking, Client } from '../booking/lib.mjs';
import {
  startSfu, startSignal, connect, check, step, done, diag, ARTIFACTS, stopChecked,
} from './lib.mjs';

const LIMIT_MS = 2000;
const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-prisoner-move');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu], booking: env.base, admission: 'required', name: 'signal' });
await sig.waitLog(/event=decisions_started/, 10000);

const staff = new Client(env); await staff.signIn('staff.booking');
const ann = new Client(env); await ann.signIn('family.ann');
const tom = new Client(env); await tom.signIn('prisoner.tom');
const today = new Date().toISOString().slice(0, 10);
const measured = [];

async function newVisit() {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30, start_in_minutes: 0 });
  if (r.status !== 201) throw new Error(`demo visit: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id;
}
async function tokenFor(client, visit) {
  const r = await client.post(`/visits/${visit}/join-token`);
  if (r.status !== 200) throw new Error(`${client.name}: join-token ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token;
}
async function tryJoin(token, visit, name) {
  const c = await connect(sig, { name });
  c.token = token;
  c.send({ type: 'join', token, room: visit });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 8000);
  return { c, m };
}
async function joinAs(client, visit, name) {
  const { c, m } = await tryJoin(await tokenFor(client, visit), visit, name);
  if (m.type !== 'joined') throw new Error(`${name}: ${JSON.stringify(m)}`);
  return c;
}
async function waitFor(pred, ms = 6000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const auditOf = async (visit) => ((await staff.get(`/visits/${visit}/audit`)).json.entries || []);

async function liveMove(label, body, wantOutcome) {
  const visit = await newVisit();
  const ct = await joinAs(tom, visit, `tom-${label}`);
  const ca = await joinAs(ann, visit, `ann-${label}`);
  await ct.next('participant_joined');
  const pid = (await staff.get('/prisoners')).json.prisoners.find((p) => p.name === 'Tom Baker').id;
  const tAsk = Date.now();
  const r = await staff.post(`/prisoners/${pid}/moves`, body);
  const tAnswer = Date.now();
  if (r.status !== 201) throw new Error(`${label}: booking answered ${r.status} ${JSON.stringify(r.json)}`);
  check(r.json.cancelled.includes(visit), `${label}: booking lists the live visit as cancelled`, JSON.stringify(r.json));
  const [ma, mt] = await Promise.all([ca.next('visit_ended', 5000), ct.next('visit_ended', 5000)]);
  const ms = Date.now() - tAnswer;
  const [closedA, closedT] = await Promise.all([ca.closed, ct.closed]);
  measured.push([label, ms]);
  diag(`${label}: visit_ended after ${ms} ms from booking's answer (${tAnswer - tAsk} ms for booking to answer): ${JSON.stringify(ma)}`);
  const delivered = await waitFor(async () => (await auditOf(visit)).some((e) => e.action === 'decision_delivered'));
  check(delivered, `${label}: booking's audit shows decision_delivered`);
  const again = await tryJoin(ca.token, visit, `ann-${label}-again`);
  const closedAgain = await again.c.closed;
  check(again.m.type === 'error' && again.m.code === 'visit_cancelled' && closedAgain.code === 4401,
    `${label}: a rejoin is refused visit_cancelled (4401)`, JSON.stringify(again.m));
  // signalling reports the end (reason visit_cancelled): the status and the
  // move's outcome stay.
  const ended = await waitFor(async () => (await auditOf(visit)).some((e) => e.action === 'event_call_ended'));
  const vis = (await staff.get(`/visits/${visit}`)).json;
  check(ended && vis.status === 'cancelled' && vis.outcome === wantOutcome,
    `${label}: after signalling's call_ended the visit is cancelled with outcome ${wantOutcome}`, JSON.stringify({ ended, status: vis.status, outcome: vis.outcome }));
  return ma.reason === 'visit_cancelled' && mt.reason === 'visit_cancelled' && typeof ma.message === 'string' &&
    closedA.code === 4000 && closedT.code === 4000 && ms <= LIMIT_MS;
}

await step('a transfer today while the call is live ends it for everyone: visit_ended visit_cancelled, 4000, within 2 s', () =>
  liveMove('transfer', { kind: 'transfer', to_establishment: 'LEI', date: today, reason: 'Test: moved to HMP Leeds' }, 'prisoner_transferred'));
await step('a release today while the call is live ends it the same way', () =>
  liveMove('release', { kind: 'release', date: today, reason: 'Test: released by the court' }, 'prisoner_released'));

diag(`move to visit_ended (ms): ${measured.map(([l, ms]) => `${l}=${ms}`).join(' ')}`);
await stopChecked(sig, 'signalling');
await sfu.stop('SIGTERM');
await env.stop();
done();
