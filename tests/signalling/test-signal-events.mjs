#!/usr/bin/env node
// Visit events reach booking in order and none is lost while booking is
// down: they wait in the spool directory (one fsync'd file each), survive a
// restart of signalling, and are delivered oldest first when booking comes
// back. The receiver here is a small HTTPS server standing in for booking's
// internal events endpoint (the other side of the contract), checking the
// service credential and recording each event_id once as booking does.
// timeout: 240
import fs from 'node:fs';
import {
  makeVar, startSfu, startSignal, startBookingReceiver, join, now, sleep, waitFor, check, step, done, diag,
  fakePublishOffer, STAFF_GRANTS,
  stopChecked,
} from './lib.mjs';

const v = makeVar('events');
const sfu = await startSfu(v);
const booking = await startBookingReceiver(v);
let sig = await startSignal(v, { sfus: [sfu], booking: booking.url });
const spool = `${v.dir}/spool`;
const spoolFiles = () => fs.readdirSync(spool).filter((f) => /^\d{20}-.*\.json$/.test(f)).sort();
const W = { start: now() - 60, end: now() + 1800 };
const room = 'visit-ev-1';

let p, o;
await step('booking up: call_started and participant_joined delivered, spool empty', async () => {
  p = await join(sig, v, { ...W, room, sub: 'prisoner-1', role: 'prisoner' });
  await booking.waitFor((e) => e.type === 'participant_joined' && e.data.participant === 'prisoner-1');
  await waitFor(() => spoolFiles().length === 0, { timeout: 5000, what: 'an empty spool' }).catch(() => {});
  return booking.events[0].type === 'call_started' && spoolFiles().length === 0 && booking.bad === 0;
});

await booking.stop();
diag('booking receiver stopped');
const expected = [];
await step('booking down: a call goes on and its events are spooled to disk', async () => {
  o = await join(sig, v, { ...W, room, sub: 'officer-1', role: 'officer', grants: STAFF_GRANTS });
  expected.push('participant_joined');
  for (let i = 1; i <= 5; i++) {
    const x = await join(sig, v, { ...W, room, sub: `visitor-${i}`, role: 'visitor' });
    expected.push('participant_joined');
    x.send({ type: 'leave' });
    await x.next('left');
    expected.push('call_quality'); // each visible participant's quality report, before its leave
    expected.push('participant_left');
  }
  p.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  await p.next('publish_answer');
  await o.next('track_published');
  o.send({ type: 'mute', participant: 'prisoner-1', muted: true, reason: 'test mute' });
  await o.next('mute_done');
  expected.push('participant_muted');
  await waitFor(() => spoolFiles().length >= expected.length, { timeout: 5000, what: 'every event spooled' }).catch(() => {});
  const files = spoolFiles();
  diag(`${files.length} files spooled`);
  return files.length === expected.length;
});
await step('spool files are whole JSON events, named in order', async () => {
  const evs = spoolFiles().map((f) => JSON.parse(fs.readFileSync(`${spool}/${f}`, 'utf8')));
  return evs.map((e) => e.type).join() === expected.join() && evs.every((e) => e.visit_id === room && e.event_id && e.at > 0);
});

await step('signalling restarts with events still spooled: they are kept', async () => {
  const before = spoolFiles();
  const ex = await sig.stop('SIGTERM');
  sig = await startSignal(v, { sfus: [sfu], booking: booking.url, name: 'signal2' });
  await sig.waitLog(/event=events_spool_found pending=\d+/, 5000);
  return ex.code === 0 && spoolFiles().join() === before.join();
});
const spooledIds = spoolFiles().map((f) => JSON.parse(fs.readFileSync(`${spool}/${f}`, 'utf8')).event_id);

await step('booking back: every spooled event delivered, in order, none lost, spool empty', async () => {
  await booking.start();
  const t0 = Date.now();
  while (spoolFiles().length > 0 && Date.now() - t0 < 60000) await sleep(200); // poll with a deadline
  diag(`drained in ${Date.now() - t0} ms`);
  const got = booking.events.map((e) => e.event_id);
  const idx = spooledIds.map((id) => got.indexOf(id));
  const inOrder = idx.every((x, i) => x >= 0 && (i === 0 || x > idx[i - 1]));
  return spoolFiles().length === 0 && inOrder && booking.bad === 0;
});
await step('events after recovery go straight through', async () => {
  const x = await join(sig, v, { ...W, room: 'visit-ev-2', sub: 'prisoner-9', role: 'prisoner' });
  await booking.waitFor((e) => e.visit_id === 'visit-ev-2' && e.type === 'participant_joined');
  x.close();
  return true;
});
await step('the restarted signalling took over the call the SFU still had (room_exists handled)', async () => {
  const x = await join(sig, v, { ...W, room, sub: 'prisoner-1', role: 'prisoner' });
  return x.joined.room === room;
});
await step('a wrong service credential is never accepted: signalling keeps the event spooled', async () => {
  booking.credential = 'not-the-secret';
  const x = await join(sig, v, { ...W, room: 'visit-ev-3', sub: 'prisoner-8', role: 'prisoner' });
  await waitFor(() => booking.bad >= 1 && spoolFiles().length >= 1, { timeout: 10000, what: 'a refused delivery, kept in the spool' }).catch(() => {});
  const waiting = spoolFiles().length;
  booking.credential = fs.readFileSync(`${v.dir}/secrets/signal-booking.secret`, 'utf8').trim();
  const t0 = Date.now();
  while (spoolFiles().length > 0 && Date.now() - t0 < 40000) await sleep(200); // poll with a deadline
  x.close();
  return waiting >= 1 && booking.bad >= 1 && spoolFiles().length === 0 && booking.events.some((e) => e.visit_id === 'visit-ev-3');
});
check(sig.proc.exitInfo === null, 'signal still running');
await stopChecked(sig, 'parlour-signal');
done();
