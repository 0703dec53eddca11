#!/usr/bin/env node
// A monitor who opens a call after its recording failed is told: signalling
// keeps each recording_failed line on the call's room and sends it to a
// hidden monitor after joined (docs/signalling-protocol.md
// "recording_failed"). Real parlour-signal and SFU, the fake booking
// receiver. The failure is a real one of the SFU's, without a full disk: a
// participant id signalling accepts but the recorder refuses as a file name
// (".p-dot": a leading dot) makes its piece fail to start when it publishes
// (recording_failed {stage:"piece_start", error:"bad_request"}).
// Asserted: booking gets the event; a monitor joining after it gets the
// line after joined (seq 1, whose, when); a monitor connected then gets a
// second failure (another participant's) live (seq 2) and a monitor
// joining later both, in order; a monitor who joins again gets them again (same seqs, clients skip
// those they show); a visible participant joining later is sent none.
// timeout: 120
import {
  makeVar, startSfu, startSignal, startBookingReceiver, join, now, check, step, done,
  fakePublishOffer, MONITOR_GRANTS, stopChecked,
} from './lib.mjs';

const v = makeVar('recfail-late');
const sfu = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, { sfus: [sfu], booking: booking.url });
const W = { start: now() - 60, end: now() + 1800, recording: 'required' };
const room = 'visit-recfail-1';
const monitor = (sub) => ({ ...W, room, sub, name: `Mo ${sub}`, role: 'staff_monitor', grants: MONITOR_GRANTS });
// Everything queued on c before a reply to a bad message: the server sends
// in order, so a recording_failed sent after joined is queued by then
// (taken off the queue here).
async function drained(c) {
  c.send({ type: 'no_such_type' });
  await c.next('error');
  const got = c.queue.filter((m) => m.type === 'recording_failed');
  c.queue = c.queue.filter((m) => m.type !== 'recording_failed');
  return got;
}

const socks = [];
let p, m1, m2, m3;
try {
  await step('a prisoner whose id the recorder refuses joins a recorded call and publishes', async () => {
    p = await join(sig, v, { ...W, room, sub: '.p-dot', role: 'prisoner' });
    socks.push(p);
    p.send({ type: 'publish_offer', sdp: fakePublishOffer() });
    const a = await p.next((x) => x.type === 'publish_answer' || x.type === 'error');
    return a.type === 'publish_answer';
  });
  await step('booking gets the SFU\'s recording_failed (piece_start, whose)', async () => {
    const e = await booking.waitFor((x) => x.type === 'recording_failed', 15000, 'recording_failed');
    return e.data.stage === 'piece_start' && e.data.participant === '.p-dot' && e.actor === 'system';
  });
  await step('a monitor who joins after the failure is told after joined (seq 1, whose, when)', async () => {
    m1 = await join(sig, v, monitor('mon-1'));
    socks.push(m1);
    const got = await drained(m1);
    const f = got[0] || {};
    const afterJoined = m1.all.findIndex((x) => x.type === 'recording_failed') > m1.all.findIndex((x) => x.type === 'joined');
    check(got.length === 1 && f.seq === 1 && f.stage === 'piece_start' && f.error === 'bad_request' &&
      f.participant === '.p-dot' && f.name === 'Pat Prisoner' && f.at > 0 && afterJoined, '... the one kept line', JSON.stringify(got));
    return got.length === 1;
  });
  await step('a second failure (a visitor the recorder refuses publishes) reaches the connected monitor live: seq 2', async () => {
    const q = await join(sig, v, { ...W, room, sub: '.v-dot', name: 'Val Dot', role: 'visitor' });
    socks.push(q);
    q.send({ type: 'publish_offer', sdp: fakePublishOffer() });
    await q.next((x) => x.type === 'publish_answer' || x.type === 'error');
    const f = await m1.next('recording_failed');
    return f.seq === 2 && f.participant === '.v-dot' && f.name === 'Val Dot';
  });
  await step('a monitor joining later gets both, oldest first', async () => {
    m2 = await join(sig, v, monitor('mon-2'));
    socks.push(m2);
    const got = await drained(m2);
    return got.map((f) => f.seq).join() === '1,2';
  });
  await step('a monitor who joins again (its socket replaced) gets them again, the same seqs', async () => {
    m3 = await join(sig, v, monitor('mon-2'));
    socks.push(m3);
    const got = await drained(m3);
    return got.map((f) => f.seq).join() === '1,2';
  });
  await step('a visible participant joining later is sent none (participants are told nothing new)', async () => {
    const vis = await join(sig, v, { ...W, room, sub: 'visitor-1', name: 'Val Visitor', role: 'visitor' });
    socks.push(vis);
    const got = await drained(vis);
    const pGot = await drained(p);
    return got.length === 0 && pGot.length === 0;
  });
  await stopChecked(sig, 'signal');
  await stopChecked(sfu, 'sfu');
} finally {
  for (const c of socks) c.close();
  await booking.stop();
}
done();
