#!/usr/bin/env node
// The client's stats message and the call_quality event (issue 19 part 4,
// docs/signalling-protocol.md "Call quality"): good reports are kept, bad
// ones refused with the field named, too-frequent ones dropped; an ICE
// restart and a reconnection are counted; when the participant leaves,
// booking (a receiver standing in for its events endpoint) gets one
// call_quality event with the figures as sent, before participant_left.
// timeout: 120
import {
  makeVar, startSfu, startSignal, startBookingReceiver, join, now, check, step, done,
  stopChecked,
} from './lib.mjs';

const v = makeVar('quality');
const sfu = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, { sfus: [sfu], booking: booking.url });
const W = { start: now() - 60, end: now() + 1800 };
const room = 'visit-q-1';
const good = { type: 'stats', interval_s: 10, width: 640, height: 480, fps: 30, frames_decoded: 300, freezes: 0, loss_permille: 12, rtt_ms: 40, kbps: 800, first_frame_ms: 900, relay: false };
const waitMs = (ms) => new Promise((r) => setTimeout(r, ms)); // spacing between reports: the protocol's 2 s minimum

let p;
await step('a participant joins and sends a good report (no reply)', async () => {
  p = await join(sig, v, { ...W, room, sub: 'visitor-7', role: 'visitor' });
  p.send(good);
  p.send({ type: 'ping' });
  const m = await p.next((x) => x.type === 'pong' || x.type === 'error');
  return m.type === 'pong';
});
const bads = [
  [{ ...good, height: -1 }, 'height'], [{ ...good, fps: '30' }, 'fps'], [{ ...good, relay: 'yes' }, 'relay'],
  [{ ...good, extra: 1 }, 'unknown'], [{ ...good, interval_s: 0 }, 'interval_s'], [{ ...good, loss_permille: 5000 }, 'loss'],
];
for (const [msg, field] of bads) {
  await step(`a bad report is refused, naming ${field}`, async () => {
    p.send(msg);
    const m = await p.next((x) => x.type === 'error');
    return m.code === 'bad_message' && m.message.includes(field);
  });
}
await step('a report sooner than 2 s after the last is dropped (too_frequent)', async () => {
  p.send({ ...good, freezes: 9 });
  const m = await p.next((x) => x.type === 'error');
  return m.code === 'too_frequent';
});
await step('an ICE restart is counted, a second report kept after the gap', async () => {
  p.send({ type: 'ice_restart', transport: 'subscriber' });
  await waitMs(2100);
  p.send({ ...good, height: 180, fps: 12, freezes: 2, loss_permille: 90, first_frame_ms: 5 });
  p.send({ type: 'ping' });
  // (the restart itself may be answered either way: no subscriber yet here)
  const m = await p.next((x) => x.type === 'pong' || (x.type === 'error' && JSON.stringify(x).includes('stats')));
  return m.type === 'pong';
});
await step('leaving sends call_quality to booking with the figures, before participant_left', async () => {
  p.send({ type: 'leave' });
  await p.next('left');
  const q = await booking.waitFor((e) => e.type === 'call_quality' && e.data.participant === 'visitor-7');
  await booking.waitFor((e) => e.type === 'participant_left' && e.data.participant === 'visitor-7');
  const iq = booking.events.indexOf(q), il = booking.events.findIndex((e) => e.type === 'participant_left' && e.data.participant === 'visitor-7');
  const d = q.data;
  return iq < il && q.visit_id === room && d.samples.length === 2 && d.samples[0].h === 480 && d.samples[1].h === 180 &&
    d.samples[1].freezes === 2 && d.samples[1].loss === 90 && d.first_frame_ms === 900 && d.relay === false &&
    d.ice_restarts === 1 && d.reports_refused >= 7 && d.summary.drops === 1 && d.summary.minutes === 0;
});
await step('a participant who sent no stats still gets a report, without client samples', async () => {
  const x = await join(sig, v, { ...W, room, sub: 'visitor-8', role: 'visitor' });
  x.send({ type: 'leave' });
  await x.next('left');
  await booking.waitFor((e) => e.type === 'participant_left' && e.data.participant === 'visitor-8');
  const q = booking.events.find((e) => e.type === 'call_quality' && e.data.participant === 'visitor-8');
  return q && q.data.samples.length === 0 && Array.isArray(q.data.sfu) && q.data.summary.minutes === 0;
});
check(sig.proc.exitInfo === null, 'signal still running');
await stopChecked(sig, 'parlour-signal');
await booking.stop();
done();
