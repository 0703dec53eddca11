#!/usr/bin/env node
// End-to-end encrypted calls at signalling (docs/signalling-protocol.md,
// "End-to-end encryption keys"), real signalling and SFU:
// - a legal or telemedicine call refuses a join without "e2ee":true
//   (e2ee_required, 4401), whatever the token's e2ee claim says (no
//   downgrade); a bad e2ee flag or claim is refused; a social call needs none
//   and says e2ee "off";
// - joined says e2ee "required";
// - e2ee messages are relayed with `from` stamped from the sender's token,
//   to one participant (`to`) or to every other visible one, never to a
//   hidden participant; bad bodies, unknown recipients, senders that did not
//   announce E2EE and hidden senders are refused while the call goes on.
// timeout: 90
import {
  makeVar, startSfu, startSignal, connect, mint, claims, now, step, done, MONITOR_GRANTS, stopChecked,
} from './lib.mjs';

const v = makeVar('e2ee');
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu] });
const W = { start: now() - 60, end: now() + 1800 };
const LEGAL = { ...W, type: 'legal', recording: 'forbidden', monitoring: 'forbidden' };

async function tryJoin(claimOpts, fields = {}) {
  const c = await connect(sig, { name: claimOpts.sub });
  c.send({ type: 'join', token: mint(v, claims(claimOpts)), room: claimOpts.room, ...fields });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 15000);
  if (m.type === 'error') return { c, err: m, close: await c.closed };
  c.joined = m;
  return { c, joined: m };
}

const room = 'visit-e2ee-1';
const A = { ...LEGAL, room, sub: 'legal_adviser-1', name: 'Lee Adviser', role: 'legal_adviser' };
const B = { ...LEGAL, room, sub: 'prisoner-1', name: 'Pat Prisoner', role: 'prisoner' };
const C = { ...LEGAL, room, sub: 'legal_adviser-2', name: 'Second Adviser', role: 'legal_adviser' };

await step('a legal call without e2ee:true in the join: e2ee_required, closed 4401', async () => {
  const r = await tryJoin(A);
  return r.err && r.err.code === 'e2ee_required' && r.err.re === 'join' && r.close.code === 4401;
});
await step('a telemedicine call likewise, even when the token claims e2ee "off" (no downgrade)', async () => {
  const r = await tryJoin({ ...A, room: 'visit-e2ee-tele', type: 'telemedicine', extra: { e2ee: 'off' } });
  return r.err && r.err.code === 'e2ee_required' && r.close.code === 4401;
});
await step('e2ee:false is the same refusal; e2ee:"yes" is bad_message (4400)', async () => {
  const r1 = await tryJoin(A, { e2ee: false });
  const r2 = await tryJoin(A, { e2ee: 'yes' });
  return r1.err.code === 'e2ee_required' && r2.err.code === 'bad_message' && r2.close.code === 4400;
});
await step('a token whose e2ee claim is neither required nor off: token_invalid_claims', async () => {
  const r = await tryJoin({ ...A, extra: { e2ee: 'maybe' } }, { e2ee: true });
  return r.err && r.err.code === 'token_invalid_claims' && /e2ee/.test(r.err.message);
});
await step('a social call needs no e2ee and says e2ee "off"; one whose token requires it says "required"', async () => {
  const r = await tryJoin({ ...W, room: 'visit-e2ee-social', sub: 'visitor-9', name: 'Val', role: 'visitor' });
  const r2 = await tryJoin({ ...W, room: 'visit-e2ee-social2', sub: 'visitor-8', name: 'Val', role: 'visitor', extra: { e2ee: 'required' } }, { e2ee: true });
  const r3 = await tryJoin({ ...W, room: 'visit-e2ee-social3', sub: 'visitor-7', name: 'Val', role: 'visitor', extra: { e2ee: 'required' } });
  const ok = r.joined && r.joined.e2ee === 'off' && r2.joined && r2.joined.e2ee === 'required' && r3.err && r3.err.code === 'e2ee_required';
  for (const x of [r, r2]) if (x.c) x.c.close();
  return ok;
});

let a; let b; let c; let mon;
await step('with e2ee:true both join the legal call; joined says e2ee "required"', async () => {
  a = (await tryJoin(A, { e2ee: true })).c;
  b = (await tryJoin(B, { e2ee: true })).c;
  return a.joined.e2ee === 'required' && b.joined.e2ee === 'required';
});
await step('a hello without `to` reaches the other, with `from` stamped from the token', async () => {
  a.send({ type: 'e2ee', body: { t: 'hello', pub: 'QUJD' } });
  const m = await b.next('e2ee');
  return m.from === 'legal_adviser-1' && m.body.t === 'hello' && m.body.pub === 'QUJD' && await a.none('e2ee', 300);
});
await step('a message with `to` reaches that participant only', async () => {
  c = (await tryJoin(C, { e2ee: true })).c;
  await b.next('participant_joined');
  await a.next('participant_joined');
  b.send({ type: 'e2ee', to: 'legal_adviser-2', body: { t: 'keys', epoch: 1, keys: [] } });
  const m = await c.next('e2ee');
  return m.from === 'prisoner-1' && m.body.t === 'keys' && await a.none('e2ee', 400);
});
await step('a hidden monitor (a social call that allows monitoring) neither receives nor may send e2ee', async () => {
  const S = { ...W, room: 'visit-e2ee-mon', recording: 'required', monitoring: 'allowed' };
  const p = (await tryJoin({ ...S, sub: 'prisoner-5', name: 'Pat', role: 'prisoner' }, { e2ee: true })).c;
  const q = (await tryJoin({ ...S, sub: 'visitor-5', name: 'Val', role: 'visitor' }, { e2ee: true })).c;
  mon = (await tryJoin({ ...S, sub: 'monitor-5', name: 'Mo', role: 'staff_monitor', grants: MONITOR_GRANTS }, { e2ee: true })).c;
  p.send({ type: 'e2ee', body: { t: 'hello' } });
  const got = await q.next('e2ee');
  const monNone = await mon.none('e2ee', 400);
  mon.send({ type: 'e2ee', body: { t: 'hello' } });
  const e = await mon.next('error');
  const toMon = (p.send({ type: 'e2ee', to: 'monitor-5', body: { t: 'x' } }), await p.next('error'));
  p.close(); q.close(); mon.close();
  return got.from === 'prisoner-5' && monNone && e.code === 'e2ee_not_allowed' && toMon.code === 'not_in_call';
});
for (const [what, msg, code] of [
  ['no body', {}, 'bad_message'],
  ['a body that is not an object', { body: 'hello' }, 'bad_message'],
  ['a body over 4096 bytes', { body: { pad: 'x'.repeat(5000) } }, 'bad_message'],
  ['`to` not a string', { to: 5, body: {} }, 'bad_message'],
  ['an unknown field', { body: {}, key: 'secret' }, 'bad_message'],
  ['`to` nobody in the call', { to: 'nobody', body: {} }, 'not_in_call'],
  ['`to` itself', { to: 'legal_adviser-1', body: {} }, 'not_in_call'],
]) {
  await step(`e2ee with ${what}: ${code}, relayed to nobody, the call goes on`, async () => {
    a.send({ type: 'e2ee', ...msg });
    const e = await a.next('error');
    return e.code === code && e.re === 'e2ee' && await b.none('e2ee', 200);
  });
}
await step('a participant of a social call that did not announce e2ee may not send it', async () => {
  const S = { ...W, room: 'visit-e2ee-plain' };
  const p = (await tryJoin({ ...S, sub: 'prisoner-6', name: 'Pat', role: 'prisoner' })).c;
  p.send({ type: 'e2ee', body: { t: 'hello' } });
  const e = await p.next('error');
  p.close();
  return e.code === 'e2ee_not_allowed';
});
await step('the legal call goes on: ping answered', async () => {
  a.send({ type: 'ping' });
  return (await a.next('pong')).type === 'pong';
});
for (const x of [a, b, c]) x.close();
await stopChecked(sig, 'signal');
await stopChecked(sfu, 'sfu');
await done();
