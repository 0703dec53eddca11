#!/usr/bin/env node
// Against the real parlour-booking: join tokens booking issues (for a demo
// social visit) are accepted by signalling with booking's public key; a
// monitor's token gives a hidden participant; the call's events reach
// booking's internal API with the service credential, so the visit moves
// to in_progress and, when staff end the call, to terminated, with every
// event in the visit's audit trail. An event for a visit booking does not
// know is set aside (spool_dir/rejected) without blocking the others.
// timeout: 180
import fs from 'node:fs';
import path from 'node:path';
import { startBooking, Client } from '../booking/lib.mjs';
import {
  startSfu, startSignal, connect, mint, claims, now, sleep, waitFor, check, step, done, diag, ARTIFACTS, stopChecked,
} from './lib.mjs';

const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-booking');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
// Signalling shares booking's var/: its public key, certificate and the
// service credential, as in an installation.
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const sfu = await startSfu(v);
// admission off: a later step joins with a token for a visit booking does
// not know (its events must be set aside); the admission check against this
// same booking is tests/signalling/test-signal-revocation.
const sig = await startSignal(v, { sfus: [sfu], booking: env.base, admission: 'off' });
const signalOrigin = 'https://parlour.test';

const staff = new Client(env);
const ann = new Client(env);
const tom = new Client(env);
const mon = new Client(env);
await staff.signIn('staff.booking');
await ann.signIn('family.ann');
await tom.signIn('prisoner.tom');
await mon.signIn('staff.monitor');

let visit;
await step('booking creates a demo social visit starting now', async () => {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30 });
  visit = r.json && r.json.id;
  if (r.status !== 201 || !visit) throw new Error(JSON.stringify(r.json));
});

async function joinWith(client, name) {
  const r = await client.post(`/visits/${visit}/join-token`);
  if (r.status !== 200) throw new Error(`${name}: join-token ${r.status} ${JSON.stringify(r.json)}`);
  const c = await connect(sig, { origin: signalOrigin, name });
  c.send({ type: 'join', token: r.json.token, room: visit });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error');
  if (m.type !== 'joined') throw new Error(`${name}: ${JSON.stringify(m)}`);
  c.joined = m;
  return c;
}

let ct, ca, cm;
await step('booking\'s tokens are accepted: the prisoner and the visitor join; recording:true', async () => {
  ct = await joinWith(tom, 'tom');
  ca = await joinWith(ann, 'ann');
  const pj = await ct.next('participant_joined');
  diag(`roles: ${ct.joined.participant.role}, ${ca.joined.participant.role}`);
  return ct.joined.recording === true && pj.participant.id === ca.joined.participant.id;
});
await step('the monitor\'s booking token gives a hidden participant nobody is told about', async () => {
  const from = ct.all.length;
  cm = await joinWith(mon, 'mon');
  await sleep(800); // a window for a wrong notice to arrive: absence has no event to wait for
  const quiet = !ct.all.slice(from).concat(ca.all).some((m) => JSON.stringify(m).includes(cm.joined.participant.id));
  diag(`monitor joined: ${JSON.stringify(cm.joined)}`);
  return cm.joined.grants.hidden === true && cm.joined.participants.length === 2 && quiet;
});
await step('booking saw call_started: the visit is in_progress', async () => {
  for (let i = 0; i < 50; i++) {
    const r = await staff.get(`/visits/${visit}`);
    if (r.json && r.json.status === 'in_progress') return true;
    await sleep(100); // poll with a deadline
  }
  throw new Error('visit never in_progress');
});
await step('the monitor ends the call: visit_ended to all; booking marks the visit terminated', async () => {
  cm.send({ type: 'end_call', reason: 'breach of visit rules' });
  const e = await ct.next('visit_ended');
  await ca.next('visit_ended');
  let st;
  for (let i = 0; i < 50; i++) {
    const r = await staff.get(`/visits/${visit}`);
    st = r.json;
    if (st && st.status === 'terminated') break;
    await sleep(100); // poll with a deadline
  }
  diag(`visit: status=${st && st.status} reason=${st && st.status_reason}`);
  return e.reason === 'terminated_by_staff' && e.by === 'staff' && st.status === 'terminated';
});
await step('the visit\'s audit trail holds every event signalling sent', async () => {
  const want = ['event_call_started', 'event_participant_joined', 'event_call_ended'];
  let r, text, missing;
  const complete = async () => {
    r = await staff.get(`/visits/${visit}/audit`);
    text = JSON.stringify(r.json);
    missing = want.filter((w) => !text.includes(w));
    return r.status === 200 && missing.length === 0;
  };
  await waitFor(complete, { timeout: 10000, what: 'the events in the audit trail' }).catch(() => {});
  if (r.status !== 200 || missing.length) throw new Error(`audit ${r.status} missing ${missing}: ${text.slice(0, 600)}`);
});
await step('nothing is left in the spool; nothing was rejected', async () => {
  const left = fs.readdirSync(`${v.dir}/spool`).filter((f) => f.endsWith('.json'));
  return left.length === 0 && !fs.existsSync(`${v.dir}/spool/rejected`);
});
await step('events for a visit booking does not know are set aside (rejected/), later ones still delivered', async () => {
  // Signed with booking's own key, for a visit id booking never issued.
  const c = await connect(sig, { origin: signalOrigin });
  c.send({ type: 'join', room: 'no-such-visit', token: mint(v, claims({ room: 'no-such-visit', sub: 'x-1' })) });
  await c.next('joined');
  const t0 = Date.now();
  while (Date.now() - t0 < 10000) {
    const rej = fs.existsSync(`${v.dir}/spool/rejected`) ? fs.readdirSync(`${v.dir}/spool/rejected`) : [];
    const left = fs.readdirSync(`${v.dir}/spool`).filter((f) => f.endsWith('.json'));
    if (rej.length >= 2 && left.length === 0) {
      diag(`rejected: ${rej.join(' ')}`);
      return true;
    }
    await sleep(100); // poll with a deadline
  }
  throw new Error('events for the unknown visit were not set aside');
});
check(/event=event_rejected .*status=404/.test(sig.log()), 'the rejection is logged with booking\'s status');
await stopChecked(sig, 'parlour-signal');
await env.stop();
done();
