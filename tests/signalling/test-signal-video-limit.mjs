#!/usr/bin/env node
// video_limit: a client (a monitoring wall tile) asks for little video; the
// SFU participant gets max_video_bitrate, 0 lifts it, and bad values,
// unknown fields and a client
// without the subscribe grant are refused while the call goes on.
// timeout: 90
import {
  makeVar, startSfu, startSignal, join, now, step, done, sfuControl, MONITOR_GRANTS, stopChecked,
} from './lib.mjs';

const v = makeVar('vlimit');
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu] });
const ctl = await sfuControl(sfu, v);
const room = 'visit-vlimit-1';
const W = { start: now() - 60, end: now() + 1800 };
const P = { ...W, room, sub: 'prisoner-1', name: 'Pat Prisoner', role: 'prisoner' };
const M = { ...W, room, sub: 'monitor-1', name: 'Mo Monitor', role: 'staff_monitor', grants: MONITOR_GRANTS };
const limitOf = async (who) => (await ctl.request('participant_stats', { room, participant: who })).max_video_bitrate;

let p, mon;
await step('prisoner and a hidden monitor join; no limit at first', async () => {
  p = await join(sig, v, P);
  mon = await join(sig, v, M);
  return (await limitOf('monitor-1')) === 0 && (await limitOf('prisoner-1')) === 0;
});
await step('video_limit max_kbps:150 from the monitor: the SFU participant gets max_video_bitrate 150000', async () => {
  mon.send({ type: 'video_limit', max_kbps: 150 });
  for (let i = 0; i < 50; i++) {
    if ((await limitOf('monitor-1')) === 150000) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
});
await step('the others are not limited by it', async () => (await limitOf('prisoner-1')) === 0);
for (const [what, msg] of [
  ['negative', { max_kbps: -1 }], ['a string', { max_kbps: '150' }], ['missing', {}],
  ['too large', { max_kbps: 100001 }], ['an unknown field', { max_kbps: 10, layer: 'low' }],
]) {
  await step(`video_limit with ${what}: bad_message, limit unchanged`, async () => {
    mon.send({ type: 'video_limit', ...msg });
    const e = await mon.next('error');
    return e.code === 'bad_message' && e.re === 'video_limit' && (await limitOf('monitor-1')) === 150000;
  });
}
await step('max_kbps:0 lifts the limit', async () => {
  mon.send({ type: 'video_limit', max_kbps: 0 });
  for (let i = 0; i < 50; i++) {
    if ((await limitOf('monitor-1')) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
});
await step('a participant without the subscribe grant: subscribe_not_granted', async () => {
  const c = await join(sig, v, { ...W, room, sub: 'officer-2', name: 'Olu Officer', role: 'officer',
    grants: { publish: true, subscribe: false, hidden: false, moderate: false, may_record: false } });
  c.send({ type: 'video_limit', max_kbps: 100 });
  const e = await c.next('error');
  return e.code === 'subscribe_not_granted' && e.re === 'video_limit' && (await limitOf('officer-2')) === 0;
});
await step('the call goes on: ping answered', async () => {
  p.send({ type: 'ping' });
  return (await p.next('pong')).type === 'pong';
});
await stopChecked(sig, 'signal');
await stopChecked(sfu, 'sfu');
await done();
