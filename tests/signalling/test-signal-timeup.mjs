#!/usr/bin/env node
// A 2-minute call really ends itself: visit.end is now + 130 s. Both
// participants get the 5-minute warning at once (its moment passed before
// they joined: sent at once, once), the 1-minute warning at end - 60 s, then
// visit_ended time_up at the end and close 4000; the SFU room is destroyed;
// booking gets call_ended time_up; a join after the end is too_late. A late
// joiner with under a minute left gets both warnings at once.
// timeout: 400
import {
  makeVar, startSfu, startSignal, startBookingReceiver, connect, join, mint, claims, now, sleep,
  check, step, done, diag, sfuControl,
  stopChecked,
} from './lib.mjs';

const v = makeVar('timeup');
const sfu = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, { sfus: [sfu], booking: booking.url });
const ctl = await sfuControl(sfu, v);
const room = 'visit-short-1';
const W = { start: now() - 600, end: now() + 130 };
const end = W.end;

const a = await join(sig, v, { ...W, room, sub: 'prisoner-1', role: 'prisoner' });
const b = await join(sig, v, { ...W, room, sub: 'visitor-1', role: 'visitor' });

await step('both get the 5-minute warning at once (seconds_left ≈ 130)', async () => {
  const wa = await a.next('ending_soon', 3000);
  const wb = await b.next('ending_soon', 3000);
  diag(`a: ${JSON.stringify(wa)}`);
  return wa.warning_s === 300 && wb.warning_s === 300 && wa.seconds_left > 120 && wa.seconds_left <= 131 && wa.ends_at === end;
});
await step('the 5-minute warning is sent once only', async () => {
  await sleep(2000);
  return a.all.filter((m) => m.type === 'ending_soon').length === 1;
});
await step('the 1-minute warning arrives at end - 60 s (±2 s)', async () => {
  const w = await a.next('ending_soon', 90000);
  await b.next('ending_soon', 5000);
  const at = Date.now() / 1000;
  diag(`1-minute warning at end-${(end - at).toFixed(1)} s: ${JSON.stringify(w)}`);
  return w.warning_s === 60 && Math.abs(end - 60 - at) <= 2 && w.seconds_left <= 61 && w.seconds_left >= 58;
});
let late;
await step('a late joiner (under a minute left) gets both warnings at once, once each', async () => {
  await sleep(Math.max(0, (end - 50) * 1000 - Date.now()));
  late = await join(sig, v, { ...W, room, sub: 'visitor-2', role: 'visitor' });
  const w1 = await late.next('ending_soon', 3000);
  const w2 = await late.next('ending_soon', 3000);
  return w1.warning_s === 300 && w2.warning_s === 60 && w2.seconds_left <= 50;
});
await step('at the end: visit_ended time_up to everyone, closed 4000', async () => {
  const results = [];
  for (const c of [a, b, late]) {
    const e = await c.next('visit_ended', 70000);
    const cl = await c.closed;
    results.push(e.reason === 'time_up' && cl.code === 4000);
  }
  const at = Date.now() / 1000;
  diag(`ended at end+${(at - end).toFixed(1)} s`);
  return results.every(Boolean) && Math.abs(at - end) <= 2;
});
await step('the SFU room was destroyed (room_stats: room_not_found)', async () => {
  await sleep(300);
  const st = await ctl.request('room_stats', { room });
  return st.type === 'error' && st.code === 'room_not_found';
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
