#!/usr/bin/env node
// Dead connections are found and dropped: the server pings every
// ping_interval_s (1 s here); a live client answers and stays; a client
// whose network died (it answers no ping and sends nothing) is dropped
// after three intervals, and once the reconnect grace (2 s) is over the
// others get participant_left (disconnected).
// timeout: 120
import { makeVar, startSfu, startSignal, join, now, sleep, check, step, done, diag, stopChecked } from './lib.mjs';

const v = makeVar('keepalive');
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu], extra: { server: { ping_interval_s: 1 }, calls: { reconnect_grace_s: 2 } } });
const W = { start: now() - 60, end: now() + 1800 };
const room = 'visit-ka-1';

const live = await join(sig, v, { ...W, room, sub: 'prisoner-1', role: 'prisoner' });
const dead = await join(sig, v, { ...W, room, sub: 'visitor-1', role: 'visitor' }, { autoPong: false });
await live.next('participant_joined');
const t0 = Date.now();
await step('a client that answers no ping is dropped within ~3 intervals', async () => {
  const cl = await Promise.race([dead.closed, sleep(10000).then(() => null)]);
  const took = Date.now() - t0;
  diag(`dropped after ${took} ms, close ${JSON.stringify(cl)}, pings seen ${dead.pings}`);
  return cl !== null && dead.pings >= 1 && took <= 8000;
});
await step('after the grace the others are told: participant_left (disconnected)', async () => {
  const l = await live.next((m) => m.type === 'participant_left', 8000);
  return l.participant === 'visitor-1' && l.reason === 'disconnected';
});
await step('the live client, pinged all along, is still connected', async () => {
  live.send({ type: 'ping' });
  await live.next('pong');
  diag(`live client answered ${live.pings} pings`);
  return live.pings >= 3 && !live.closeInfo;
});
check(sig.proc.exitInfo === null, 'signal still running');
await stopChecked(sig, 'parlour-signal');
done();
