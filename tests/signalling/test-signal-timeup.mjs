#!/usr/bin/env node
// A short call really ends itself, end to end. The rules of time-up (each
// warning at its moment and once per connection, a late joiner getting only
// the due ones, the end at visit.end) are unit-tested with a fake clock in
// tests/unit/test_signal_call_timeup.c; this run checks that the real server
// carries them out on the wire, on the real clock, in seconds: the warnings
// are configured at 12 s and 6 s before an end 18 s away
// (calls.warn_first_s / warn_second_s). A reconnect between the warnings gets
// the due one again on its new page; a late joiner gets both at once; at the
// end everyone gets visit_ended time_up and close 4000, the SFU room is
// destroyed, booking gets call_ended time_up, and a join after it is too_late.
// timeout: 90
import {
  makeVar, startSfu, startSignal, startBookingReceiver, connect, join, mint, claims, now, sleep,
  check, step, done, diag, sfuControl, stopChecked,
} from './lib.mjs';

const FIRST = 12, SECOND = 6;
const v = makeVar('timeup');
const sfu = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, {
  sfus: [sfu], booking: booking.url,
  extra: { calls: { warn_first_s: FIRST, warn_second_s: SECOND } },
});
const ctl = await sfuControl(sfu, v);
const room = 'visit-short-1';
const end = now() + 18;
const W = { start: now() - 600, end };
const untilEnd = (at) => end - at;
const waitUntil = (t) => sleep(Math.max(0, t * 1000 - Date.now())); // a moment, not a fixed pause
const TOL = 2.5; // seconds: a loaded test machine

const a = await join(sig, v, { ...W, room, sub: 'prisoner-1', role: 'prisoner' });
const b = await join(sig, v, { ...W, room, sub: 'visitor-1', role: 'visitor' });

await step(`no warning before end - ${FIRST} s; then the first one at its moment`, async () => {
  const wa = await a.next('ending_soon', 15000);
  const at = Date.now() / 1000;
  const wb = await b.next('ending_soon', 3000);
  diag(`first warning at end-${untilEnd(at).toFixed(1)} s: ${JSON.stringify(wa)}`);
  return wa.warning_s === FIRST && wb.warning_s === FIRST && wa.ends_at === end &&
    Math.abs(untilEnd(at) - FIRST) <= TOL && wa.seconds_left <= FIRST && wa.seconds_left >= FIRST - TOL;
});
let b2;
await step('a reconnect between the warnings: the old connection is replaced (4002), the new page gets the due warning at once', async () => {
  await waitUntil(end - 9);
  b2 = await join(sig, v, { ...W, room, sub: 'visitor-1', role: 'visitor' }, { name: 'visitor-1b' });
  const w = await b2.next('ending_soon', 3000);
  const cl = await b.closed;
  return w.warning_s === FIRST && w.seconds_left <= 10 && cl.code === 4002;
});
await step(`the second warning at end - ${SECOND} s, to every connected participant`, async () => {
  const w = await a.next('ending_soon', 10000);
  const at = Date.now() / 1000;
  const w2 = await b2.next('ending_soon', 3000);
  diag(`second warning at end-${untilEnd(at).toFixed(1)} s: ${JSON.stringify(w)}`);
  return w.warning_s === SECOND && w2.warning_s === SECOND && Math.abs(untilEnd(at) - SECOND) <= TOL;
});
let late;
await step('a late joiner (past both moments) gets both warnings at once, in order', async () => {
  await waitUntil(end - 4);
  late = await join(sig, v, { ...W, room, sub: 'visitor-2', role: 'visitor' });
  const w1 = await late.next('ending_soon', 3000);
  const w2 = await late.next('ending_soon', 3000);
  return w1.warning_s === FIRST && w2.warning_s === SECOND && w2.seconds_left <= 4;
});
await step('at the end: visit_ended time_up to everyone, closed 4000', async () => {
  const results = [];
  for (const c of [a, b2, late]) {
    const e = await c.next('visit_ended', 15000);
    const cl = await c.closed;
    results.push(e.reason === 'time_up' && cl.code === 4000);
  }
  const at = Date.now() / 1000;
  diag(`ended at end+${(at - end).toFixed(1)} s`);
  return results.every(Boolean) && Math.abs(at - end) <= TOL;
});
await step('each connection got each warning once', () => {
  const count = (c, s) => c.all.filter((m) => m.type === 'ending_soon' && m.warning_s === s).length;
  const counts = [a, b, b2, late].map((c) => `${count(c, FIRST)}/${count(c, SECOND)}`);
  diag(`first/second per connection (a, b, b2, late): ${counts.join(' ')}`);
  return counts.join(' ') === '1/1 1/0 1/1 1/1';
});
await step('the SFU room was destroyed (room_stats: room_not_found)', async () => {
  const deadline = Date.now() + 5000;
  for (;;) {
    const st = await ctl.request('room_stats', { room });
    if (st.type === 'error' && st.code === 'room_not_found') return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
});
await step('booking got call_ended with reason time_up, and each participant_left', async () => {
  const e = await booking.waitFor((x) => x.type === 'call_ended' && x.visit_id === room);
  const left = booking.events.filter((x) => x.type === 'participant_left' && x.visit_id === room);
  return e.data.reason === 'time_up' && e.actor === 'system' && left.length === 3;
});
await step('joining after the end: too_late', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', room, token: mint(v, claims({ ...W, room, sub: 'prisoner-1' })) });
  const e = await c.next('error');
  return e.code === 'too_late' && e.closed_s_ago >= 0;
});
check(sig.proc.exitInfo === null, 'signal still running');
ctl.close();
await stopChecked(sig, 'parlour-signal');
done();
