#!/usr/bin/env node
// Calls are placed on SFU nodes from the configured list: the least loaded
// healthy node, ties to the first (the default). A node that dies ends its
// calls clearly (visit_ended media_failure) and takes no new ones; when it
// comes back signalling reconnects to it (backoff) and uses it again. A
// wrong control secret is refused by the SFU and no call is placed.
// timeout: 180
import fs from 'node:fs';
import { makeVar, startSfu, startSignal, join, connect, mint, claims, now, sleep, check, step, done, diag, sfuControl, stopChecked } from './lib.mjs';

const v = makeVar('nodes');
const a = await startSfu(v);
let b = await startSfu(v);
const sig = await startSignal(v, { sfus: [a, b] });
const W = { start: now() - 60, end: now() + 1800 };

async function where(room) {
  const out = [];
  for (const [name, s] of [['a', a], ['b', b]]) {
    if (s.proc.exitInfo) continue;
    const c = await sfuControl(s, v);
    const st = await c.request('room_stats', { room });
    c.close();
    if (st.type === 'result') out.push(name);
  }
  return out.join(',');
}

const calls = {};
async function call(room, sub = 'p') {
  calls[room] = await join(sig, v, { ...W, room, sub: `${sub}-${room}`, role: 'prisoner' });
  return where(room);
}
await step('first call goes to the first node (the default)', async () => (await call('v1')) === 'a');
await step('second call goes to the less loaded node', async () => (await call('v2')) === 'b');
await step('third call: a tie again, the first node', async () => (await call('v3')) === 'a');
await step('fourth call: the less loaded node', async () => (await call('v4')) === 'b');

await step('node b dies: its calls end with visit_ended media_failure', async () => {
  b.proc.kill('SIGKILL');
  const e2 = await calls.v2.next('visit_ended', 10000);
  const e4 = await calls.v4.next('visit_ended', 10000);
  return e2.reason === 'media_failure' && e4.reason === 'media_failure' && (await calls.v1.none('visit_ended', 200));
});
await step('while b is down every new call goes to a', async () => (await call('v5')) === 'a' && (await call('v6')) === 'a');
await step('b comes back: signalling reconnects and places the next call on it', async () => {
  b = await startSfu(v, {}, { port: b.port });
  const t0 = Date.now();
  const ups = () => sig.log().split('\n').filter((l) => l.includes(`event=sfu_up node=${b.url}`)).length;
  while (ups() < 2 && Date.now() - t0 < 15000) await sleep(100);
  diag(`b reconnected after ${Date.now() - t0} ms`);
  if (ups() < 2) throw new Error('signalling did not reconnect to b');
  return (await call('v7')) === 'b';
});
await step('the calls on a went on throughout', async () => {
  calls.v1.send({ type: 'ping' });
  return (await calls.v1.next('pong')).type === 'pong';
});
await step('a signalling whose SFU secret is wrong: auth refused (logged), joins get sfu_unavailable', async () => {
  // Wrong, but long enough to be a secret at all (16+ characters).
  fs.writeFileSync(`${v.dir}/secrets/wrong.secret`, 'not-the-right-secret-at-all\n');
  const bad = await startSignal(v, { name: 'signal-badsecret', extra: { sfu: { nodes: a.url, secret_file: `${v.dir}/secrets/wrong.secret` } } });
  await bad.waitLog(/event=sfu_auth_failed/, 5000);
  const c = await connect(bad);
  c.send({ type: 'join', room: 'v9', token: mint(v, claims({ ...W, room: 'v9', sub: 'p-9' })) });
  const e = await c.next('error');
  await bad.stop();
  return e.code === 'sfu_unavailable';
});
check(sig.proc.exitInfo === null, 'signal still running');
diag(sig.log().split('\n').filter((l) => /sfu_(up|down)/.test(l)).join('\n'));
await stopChecked(sig, 'parlour-signal');
done();
