#!/usr/bin/env node
// Issue 14 end to end with the real daemons (booking, signalling with
// [booking] admission = required, SFU): booking's later decisions reach
// live calls (docs/contracts.md, "Decisions reach live calls").
// - For each decision on a live call (terminate, staff remove, policy change
//   removing a monitor, contact un-approved, ban, account disabled) the
//   person in the call gets the right message and close code within 2 s of
//   booking's answer (measured, printed); a rejoin with the token they
//   already hold is refused with the right code; booking's audit shows
//   decision_delivered. A cancel or an amend (booking allows them only
//   before the call starts) refuses the tokens already issued.
// - Signalling restarted between a decision and the rejoin: the admission
//   check refuses it.
// - Booking stopped at a first join: admission_unavailable, close 4503; when
//   booking is back the same join succeeds. Booking stopped while an
//   admitted participant resumes: the resume is allowed.
// timeout: 300
import fs from 'node:fs';
import path from 'node:path';
import WS from 'ws';
import { startBooking, Client } from '../booking/lib.mjs';
import {
  startSfu, startSignal, connect, check, step, done, diag, ARTIFACTS, ORIGIN, stopChecked,
} from './lib.mjs';
import { CallSession } from '../../client-web/js/call/session.mjs';

const LIMIT_MS = 2000;
const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-revocation');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const sfu = await startSfu(v);
let sigN = 0;
const startSig = () => startSignal(v, {
  sfus: [sfu], booking: env.base, admission: 'required', name: `signal${sigN++ ? sigN : ''}`,
  extra: { calls: { reconnect_grace_s: 60 } },
});
let sig = await startSig();
await sig.waitLog(/event=decisions_started/, 10000);

const staff = new Client(env);
const admin = new Client(env);
const ann = new Client(env);
const tom = new Client(env);
const mon = new Client(env);
// Booking keeps sessions in memory: sign in again after it restarts.
async function signInAll() {
  for (const [c, u] of [[staff, 'staff.booking'], [admin, 'admin'], [ann, 'family.ann'], [tom, 'prisoner.tom'], [mon, 'staff.monitor']]) {
    const r = await c.signIn(u);
    if (r.status !== 200) throw new Error(`sign-in ${u}: ${r.status}`);
  }
}
async function restartBooking() {
  await env.start();
  await signInAll();
}
await signInAll();
const measured = [];

async function newVisit(startIn = 5) {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30, start_in_minutes: startIn });
  if (r.status !== 201) throw new Error(`demo visit: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id;
}

async function tokenFor(client, visit) {
  const r = await client.post(`/visits/${visit}/join-token`);
  if (r.status !== 200) throw new Error(`${client.name}: join-token ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token;
}

// Joins with a token; resolves with the connection and the first answer.
async function tryJoin(token, visit, name, extra = {}) {
  const c = await connect(sig, { name });
  c.token = token;
  c.send({ type: 'join', token, room: visit, ...extra });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 8000);
  return { c, m };
}

async function joinAs(client, visit, name) {
  const { c, m } = await tryJoin(await tokenFor(client, visit), visit, name);
  if (m.type !== 'joined') throw new Error(`${name}: ${JSON.stringify(m)}`);
  c.joined = m;
  return c;
}

async function audit(visit) {
  const r = await staff.get(`/visits/${visit}/audit`);
  return r.json && r.json.entries ? r.json.entries : [];
}

async function waitDelivered(visit) {
  for (let i = 0; i < 60; i++) {
    const a = await audit(visit);
    if (a.some((e) => e.action === 'decision_delivered')) return a;
    await new Promise((r) => setTimeout(r, 100));
  }
  return audit(visit);
}

// Makes the decision (fn), then waits for `type` and the close on `who`.
async function decide(label, who, fn, type) {
  const t0 = Date.now();
  const r = await fn();
  const tAnswer = Date.now();
  if (r.status < 200 || r.status > 299) throw new Error(`${label}: booking answered ${r.status} ${JSON.stringify(r.json)}`);
  const m = await who.next(type, 5000);
  const closed = await who.closed;
  const ms = Date.now() - tAnswer;
  measured.push([label, ms]);
  diag(`${label}: ${type} after ${ms} ms from booking's answer (${tAnswer - t0} ms for booking to answer)`);
  return { m, closed, ms };
}

const words = (s) => typeof s === 'string' && s.length > 0;

// ---- cancel ----
// Booking refuses to cancel a visit whose call is in progress (staff
// terminate it instead), so a cancel reaches the tokens already issued for
// a visit not yet joined: the decision is applied (the call remembered as
// ended) and acknowledged, and the join is refused with booking's words.
await step('cancel: a token issued before the cancel is refused visit_cancelled with booking\'s words (4401); the decision is delivered', async () => {
  const visit = await newVisit(5);
  const token = await tokenFor(ann, visit);
  const r = await staff.post(`/visits/${visit}/cancel`, { reason: 'Test: prison closed today' });
  if (r.status !== 200) throw new Error(`cancel: ${r.status} ${JSON.stringify(r.json)}`);
  const a = await waitDelivered(visit);
  const { c, m } = await tryJoin(token, visit, 'ann-cancel');
  const closed = await c.closed;
  diag(`join after cancel: ${JSON.stringify(m)} close ${closed.code}; audit: ${a.map((e) => e.action).join(',')}`);
  check(a.some((e) => e.action === 'decision_delivered'), 'cancel: booking\'s audit shows decision_delivered');
  return m.type === 'error' && m.code === 'visit_cancelled' && words(m.message) && closed.code === 4401;
});

// ---- amend ----
// Like a cancel, booking amends a visit only before its call starts: the
// tokens already issued carry the old window, and booking's admission
// check answers with the new one.
await step('amend (the visit moved to a later slot): a token issued before is refused by booking\'s check (too_early, its words); visit_rescheduled delivered', async () => {
  const visit = await newVisit(5);
  const token = await tokenFor(ann, visit);
  const pr = (await staff.get('/prisoners')).json.prisoners.find((p) => p.name === 'Tom Baker');
  const slots = ((await staff.get(`/prisoners/${pr.id}/slots?type=social`)).json.slots || []).filter((x) => x.available);
  let r = null;
  for (const slot of slots.slice(0, 5)) {
    r = await staff.patch(`/visits/${visit}`, { slot_id: slot.id });
    if (r.status === 200) break;
  }
  if (!r || r.status !== 200) throw new Error(`amend: ${r && r.status} ${JSON.stringify(r && r.json)}`);
  const a = await waitDelivered(visit);
  const { c, m } = await tryJoin(token, visit, 'ann-amend');
  const closed = await c.closed;
  diag(`join after amend: ${JSON.stringify(m)} close ${closed.code}; audit: ${a.map((e) => e.action).join(',')}`);
  check(a.some((e) => e.action === 'decision_delivered') && JSON.stringify(a).includes('visit_rescheduled'),
    'amend: booking\'s audit shows the visit_rescheduled decision delivered');
  return m.type === 'error' && m.code === 'too_early' && words(m.message) && closed.code === 4401;
});

// ---- terminate, then signalling restarted before the rejoin ----
await step('terminate: visit_ended terminated_by_staff, 4000, within 2 s; after a signalling restart the rejoin is refused by the admission check', async () => {
  const visit = await newVisit(0);
  const ca = await joinAs(ann, visit, 'ann-term');
  const { m, closed, ms } = await decide('terminate', ca, () => staff.post(`/visits/${visit}/terminate`, { reason: 'Test: breach of rules' }), 'visit_ended');
  await waitDelivered(visit); // the restart comes after signalling acknowledged
  await stopChecked(sig, 'signalling');
  sig = await startSig();
  const again = await tryJoin(ca.token, visit, 'ann-term-again');
  const closedAgain = await again.c.closed;
  diag(`after restart: ${JSON.stringify(again.m)} close ${closedAgain.code}`);
  check(again.m.type === 'error' && again.m.code === 'visit_terminated' && words(again.m.message) && closedAgain.code === 4401,
    'terminate: after a signalling restart the admission check refuses the rejoin (visit_terminated, 4401)', JSON.stringify(again.m));
  const a = await waitDelivered(visit);
  check(a.some((e) => e.action === 'decision_delivered') && a.some((e) => e.action === 'call_admission_refused'),
    'terminate: booking\'s audit shows decision_delivered and call_admission_refused', a.map((e) => e.action).join(','));
  return m.reason === 'terminated_by_staff' && closed.code === 4000 && ms <= LIMIT_MS;
});

// ---- staff remove one participant ----
await step('staff remove a participant: removed {reason, by:staff, message}, 4001, within 2 s; the others see participant_left; rejoin refused', async () => {
  const visit = await newVisit(0);
  const ct = await joinAs(tom, visit, 'tom-rm');
  const ca = await joinAs(ann, visit, 'ann-rm');
  await ct.next('participant_joined');
  const sub = ca.joined.participant.id;
  const { m, closed, ms } = await decide('staff remove', ca,
    () => staff.post(`/visits/${visit}/participants/${encodeURIComponent(sub)}/remove`, { reason: 'Test: disruptive' }), 'removed');
  const left = await ct.next('participant_left', 3000);
  const again = await tryJoin(ca.token, visit, 'ann-rm-again');
  diag(`removed: ${JSON.stringify(m)}; rejoin: ${JSON.stringify(again.m)}`);
  check(again.m.type === 'error' && again.m.code === 'participant_removed' && (await again.c.closed).code === 4401,
    'staff remove: a rejoin with the same token is refused participant_removed', JSON.stringify(again.m));
  const a = await waitDelivered(visit);
  check(a.some((e) => e.action === 'decision_delivered'), 'staff remove: booking\'s audit shows decision_delivered');
  ct.close();
  return m.reason === 'removed_by_staff' && m.by === 'staff' && words(m.message) && closed.code === 4001 &&
    left.participant === sub && left.reason === 'removed' && ms <= LIMIT_MS;
});

// ---- policy change: monitoring forbidden removes the hidden monitor ----
await step('policy change (monitoring forbidden): the hidden monitor is removed policy_changed within 2 s; the others see nothing; a monitor rejoin is refused', async () => {
  const visit = await newVisit(0);
  const ct = await joinAs(tom, visit, 'tom-pol');
  const cm = await joinAs(mon, visit, 'mon-pol');
  try {
    const { m, closed, ms } = await decide('policy change', cm,
      () => admin.patch('/visit-types/social', { monitoring: 'forbidden' }), 'removed');
    const quiet = await ct.none((x) => x.type === 'participant_left', 800);
    const again = await tryJoin(cm.token, visit, 'mon-pol-again');
    diag(`removed: ${JSON.stringify(m)}; rejoin: ${JSON.stringify(again.m)}`);
    check(again.m.type === 'error' && (await again.c.closed).code === 4401, 'policy change: the monitor\'s rejoin is refused', JSON.stringify(again.m));
    ct.close();
    return m.reason === 'policy_changed' && closed.code === 4001 && quiet && ms <= LIMIT_MS;
  } finally {
    await admin.patch('/visit-types/social', { monitoring: 'allowed' });
  }
});

await step('policy change (recording forbidden): everyone in the live call is told recording:false policy_changed within 2 s; the SFU stops recording', async () => {
  const visit = await newVisit(0);
  const ct = await joinAs(tom, visit, 'tom-rec');
  const ca = await joinAs(ann, visit, 'ann-rec');
  try {
    if (ct.joined.recording !== true) throw new Error(`the social call is not recorded: ${JSON.stringify(ct.joined)}`);
    const t0 = Date.now();
    const r = await admin.patch('/visit-types/social', { recording: 'forbidden' });
    if (r.status !== 200) throw new Error(`policy: ${r.status} ${JSON.stringify(r.json)}`);
    const [mt, ma] = await Promise.all([ct.next('recording', 5000), ca.next('recording', 5000)]);
    const ms = Date.now() - t0;
    measured.push(['recording forbidden', ms]);
    diag(`recording forbidden: ${JSON.stringify(mt)} after ${ms} ms`);
    await sig.waitLog(new RegExp(`event=recording_stopped room=${visit}`), 5000);
    ct.close();
    ca.close();
    return mt.on === false && mt.reason === 'policy_changed' && ma.on === false && ms <= LIMIT_MS;
  } finally {
    await admin.patch('/visit-types/social', { recording: 'required' });
  }
});

// ---- booking unreachable ----
await step('booking stopped at a first join: error admission_unavailable (retry_after 2), close 4503; booking back: the same join succeeds', async () => {
  const visit = await newVisit(0);
  const token = await tokenFor(tom, visit);
  await env.kill('SIGTERM');
  const t0 = Date.now();
  const down = await tryJoin(token, visit, 'tom-down');
  const closedDown = await down.c.closed;
  diag(`booking down: ${JSON.stringify(down.m)} close ${closedDown.code} after ${Date.now() - t0} ms`);
  await restartBooking();
  const up = await tryJoin(token, visit, 'tom-up');
  up.c.close();
  return down.m.type === 'error' && down.m.code === 'admission_unavailable' && down.m.retry_after === 2 &&
    closedDown.code === 4503 && up.m.type === 'joined';
});

// The web client's own session (client-web/js/call/session.mjs, as the call
// page uses it; receive-only, so no media is needed in node).
const within = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`no ${what} in ${ms} ms`)), ms))]);
await step('the web client, refused admission_unavailable, says it is checking and joins by itself once booking is back', async () => {
  const visit = await newVisit(0);
  const token = await tokenFor(tom, visit);
  await env.kill('SIGTERM');
  globalThis.WebSocket = class extends WS {
    constructor(url) { super(url, { ca: sig.ca, origin: ORIGIN, servername: 'localhost' }); }
  };
  const s = new CallSession({ signalUrl: sig.url, token, room: visit, publish: false });
  const checks = [];
  let ended = null;
  s.addEventListener('checking', (e) => checks.push({ ...e.detail, at: Date.now() }));
  s.addEventListener('ended', (e) => { ended = e.detail; });
  const joined = new Promise((res) => s.addEventListener('joined', () => res(Date.now()), { once: true }));
  s.start();
  try {
    for (let i = 0; i < 80 && checks.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await restartBooking();
    const tBack = Date.now();
    const at = await within(joined, 15000, 'joined');
    diag(`client: ${checks.length} checking event(s) (retry in ${checks.map((c) => c.retryInMs).join(', ')} ms) while booking was down; joined ${at - tBack} ms after booking was back; history ${s.history.slice(0, 8).join(',')}`);
    return checks.length >= 2 && checks.every((c) => c.retryInMs >= 2000) && ended === null;
  } finally {
    s.finish('left');
  }
});

await step('booking stopped while an admitted participant resumes: the resume is allowed', async () => {
  const visit = await newVisit(0);
  const ct = await joinAs(tom, visit, 'tom-resume');
  await env.kill('SIGTERM');
  try {
    ct.kill();
    const { c, m } = await tryJoin(ct.token, visit, 'tom-resume-2', { resume: true });
    diag(`resume with booking down: ${JSON.stringify({ type: m.type, code: m.code, reconnected: m.reconnected })}`);
    c.close();
    return m.type === 'joined' && m.reconnected === true;
  } finally {
    await restartBooking();
  }
});

// ---- contact un-approved, ban, account disabled ----
async function contactOfTom(name) {
  const pr = (await staff.get('/prisoners')).json.prisoners.find((p) => p.name === 'Tom Baker');
  const c = (await staff.get(`/prisoners/${pr.id}/contacts`)).json.contacts.find((x) => x.name === name);
  return { prisoner: pr.id, visitor: c.visitor_id };
}

await step('contact un-approved: the visitor is removed contact_not_approved within 2 s; rejoin refused', async () => {
  const visit = await newVisit(0);
  const ca = await joinAs(ann, visit, 'ann-unapp');
  const k = await contactOfTom('Ann Baker');
  try {
    const { m, closed, ms } = await decide('un-approve', ca,
      () => staff.patch(`/prisoners/${k.prisoner}/contacts/${k.visitor}`, { approved: false }), 'removed');
    const again = await tryJoin(ca.token, visit, 'ann-unapp-again');
    check(again.m.type === 'error' && (await again.c.closed).code === 4401, 'un-approve: a rejoin is refused', JSON.stringify(again.m));
    return m.reason === 'contact_not_approved' && words(m.message) && closed.code === 4001 && ms <= LIMIT_MS;
  } finally {
    await staff.patch(`/prisoners/${k.prisoner}/contacts/${k.visitor}`, { approved: true });
  }
});

await step('visitor banned: removed visitor_banned within 2 s; after a signalling restart the admission check refuses the rejoin', async () => {
  const visit = await newVisit(0);
  const ca = await joinAs(ann, visit, 'ann-ban');
  const k = await contactOfTom('Ann Baker');
  const today = new Date().toISOString().slice(0, 10);
  const { m, closed, ms } = await decide('ban', ca,
    () => staff.post(`/prisoners/${k.prisoner}/contacts/${k.visitor}/restrictions`, { type: 'BAN', start_date: today, reason: 'Test: ban' }), 'removed');
  const a = await waitDelivered(visit);
  check(a.some((e) => e.action === 'decision_delivered'), 'ban: booking\'s audit shows decision_delivered');
  await stopChecked(sig, 'signalling');
  sig = await startSig();
  const again = await tryJoin(ca.token, visit, 'ann-ban-again');
  diag(`after restart: ${JSON.stringify(again.m)}`);
  check(again.m.type === 'error' && ['visitor_banned', 'participant_removed'].includes(again.m.code) && (await again.c.closed).code === 4401,
    'ban: after a signalling restart the admission check refuses the rejoin', JSON.stringify(again.m));
  return m.reason === 'visitor_banned' && words(m.message) && closed.code === 4001 && ms <= LIMIT_MS;
});

await step('account disabled: removed account_disabled within 2 s; rejoin refused', async () => {
  const visit = await newVisit(0);
  const ct = await joinAs(tom, visit, 'tom-dis');
  const uid = Number(String(ct.joined.participant.id).split('-').pop());
  const { m, closed, ms } = await decide('account disabled', ct, () => admin.patch(`/users/${uid}`, { disabled: true }), 'removed');
  const again = await tryJoin(ct.token, visit, 'tom-dis-again');
  check(again.m.type === 'error' && (await again.c.closed).code === 4401, 'account disabled: a rejoin is refused', JSON.stringify(again.m));
  const a = await waitDelivered(visit);
  check(a.some((e) => e.action === 'decision_delivered'), 'account disabled: booking\'s audit shows decision_delivered');
  return m.reason === 'account_disabled' && words(m.message) && closed.code === 4001 && ms <= LIMIT_MS;
});

diag(`decision to message (ms): ${measured.map(([l, ms]) => `${l}=${ms}`).join(' ')}`);
if (measured.length) diag(`max ${Math.max(...measured.map((x) => x[1]))} ms (limit ${LIMIT_MS} ms)`);
await stopChecked(sig, 'signalling');
await sfu.stop('SIGTERM');
await env.stop();
done();
