#!/usr/bin/env node
// ice_restart relays to the SFU's restart_ice (the restart itself, with a
// real browser, is tests/sfu/test-browser-icerestart): bad transports,
// unknown fields and a client without the subscribe grant are refused; a
// restart while the SFU's first offer is still unanswered comes back as the
// SFU's wrong_state with re "ice_restart"; the call goes on, nobody leaves.
// timeout: 90
import {
  makeVar, startSfu, startSignal, join, now, step, done, MONITOR_GRANTS, stopChecked,
} from './lib.mjs';

const v = makeVar('icerestart');
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu] });
const room = 'visit-icer-1';
const W = { start: now() - 60, end: now() + 1800 };
let p, vis;
await step('prisoner and visitor join; each gets a subscriber_offer', async () => {
  p = await join(sig, v, { ...W, room, sub: 'prisoner-1', name: 'Pat Prisoner', role: 'prisoner' });
  vis = await join(sig, v, { ...W, room, sub: 'visitor-1', name: 'Val Visitor', role: 'visitor' });
  return /^v=0/.test((await p.next('subscriber_offer')).sdp) && /^v=0/.test((await vis.next('subscriber_offer')).sdp);
});
for (const [what, msg] of [
  ['transport publisher', { transport: 'publisher' }], ['no transport', {}],
  ['transport a number', { transport: 1 }], ['an unknown field', { transport: 'subscriber', now: true }],
]) {
  await step(`ice_restart with ${what}: bad_message`, async () => {
    p.send({ type: 'ice_restart', ...msg });
    const e = await p.next('error');
    return e.code === 'bad_message' && e.re === 'ice_restart';
  });
}
await step('ice_restart while the first offer is unanswered: the SFU\'s wrong_state, re ice_restart', async () => {
  p.send({ type: 'ice_restart', transport: 'subscriber' });
  const e = await p.next('error');
  return e.code === 'wrong_state' && e.re === 'ice_restart';
});
await step('a participant without the subscribe grant: subscribe_not_granted', async () => {
  const c = await join(sig, v, { ...W, room, sub: 'officer-2', name: 'Olu Officer', role: 'officer',
    grants: { publish: true, subscribe: false, hidden: false, moderate: false, may_record: false } });
  c.send({ type: 'ice_restart', transport: 'subscriber' });
  const e = await c.next('error');
  return e.code === 'subscribe_not_granted' && e.re === 'ice_restart';
});
await step('nobody left: the visitor saw no participant_left, ping answered', async () => {
  p.send({ type: 'ping' });
  await p.next('pong');
  return !vis.all.some((m) => m.type === 'participant_left');
});
await stopChecked(sig, 'signal');
await stopChecked(sfu, 'sfu');
await done();
