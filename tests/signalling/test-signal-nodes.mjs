#!/usr/bin/env node
// Calls are placed on SFU nodes from the configured list: the least loaded
// healthy node, ties to the first (the default). A node that dies moves its
// calls to a healthy node (media_reset node_lost, then joined
// reconnected:true with fresh transports; booking hears call_moved) and
// takes no new ones; when it comes back signalling reconnects to it
// (backoff) and uses it again. An operator drains a node ([sfu] draining,
// SIGHUP): no new calls there, live ones moved or (drain_moves = false)
// left to finish. With nowhere to move to, a lost node's calls end clearly
// (visit_ended media_failure). A node that stops answering without closing
// (SIGSTOP) is down after 3 s of silence and its calls move; when it comes
// to, the rooms it still had of moved calls are destroyed. A wrong control
// secret is refused by the SFU and no call is placed. Real media across a
// move: test-signal-move.
// timeout: 180
import fs from 'node:fs';
import { makeVar, startSfu, startSignal, join, connect, mint, claims, now, sleep, waitFor, check, step, done, diag, sfuControl, stopChecked, startBookingReceiver, ini } from './lib.mjs';

const v = makeVar('nodes');
const a = await startSfu(v);
let b = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, { sfus: [a, b], booking: booking.url });
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

await step('node b dies: its calls move to a (media_reset node_lost, then joined reconnected:true)', async () => {
  b.proc.kill('SIGKILL');
  const r2 = await calls.v2.next('media_reset', 10000);
  const r4 = await calls.v4.next('media_reset', 10000);
  const j2 = await calls.v2.next('joined', 10000);
  const j4 = await calls.v4.next('joined', 10000);
  return r2.reason === 'node_lost' && r4.reason === 'node_lost' && j2.reconnected === true && j4.reconnected === true
    && (await calls.v1.none('media_reset', 200)) && (await where('v2')) === 'a' && (await where('v4')) === 'a';
});
await step('booking hears call_moved {from_node, to_node, reason} once per moved call, and no call_ended', async () => {
  const m2 = await booking.waitFor((e) => e.type === 'call_moved' && e.visit_id === 'v2');
  await booking.waitFor((e) => e.type === 'call_moved' && e.visit_id === 'v4');
  const moved = booking.events.filter((e) => e.type === 'call_moved');
  return m2.data.from_node === b.url && m2.data.to_node === a.url && m2.data.reason === 'node_lost' && moved.length === 2
    && !booking.events.some((e) => e.type === 'call_ended') && !booking.events.some((e) => e.type === 'participant_left');
});
await step('a moved call goes on: the participant still pings, publishes on the new node', async () => {
  calls.v2.send({ type: 'ping' });
  return (await calls.v2.next('pong')).type === 'pong';
});
await step('while b is down every new call goes to a', async () => (await call('v5')) === 'a' && (await call('v6')) === 'a');
await step('b comes back: signalling reconnects and places the next call on it', async () => {
  b = await startSfu(v, {}, { port: b.port });
  const t0 = Date.now();
  const ups = () => sig.log().split('\n').filter((l) => l.includes(`event=sfu_up node=${b.url}`)).length;
  while (ups() < 2 && Date.now() - t0 < 15000) await sleep(100); // poll with a deadline
  diag(`b reconnected after ${Date.now() - t0} ms`);
  if (ups() < 2) throw new Error('signalling did not reconnect to b');
  return (await call('v7')) === 'b';
});
async function reload(extra) {
  const conf = { ...sig.conf, sfu: { ...sig.conf.sfu, ...extra } };
  fs.writeFileSync(sig.confPath, ini(conf));
  const before = sig.log().split('\n').filter((l) => l.includes('event=reloaded')).length;
  sig.proc.kill('SIGHUP');
  const t0 = Date.now();
  while (sig.log().split('\n').filter((l) => l.includes('event=reloaded')).length <= before) {
    if (Date.now() - t0 > 5000) throw new Error('no reload logged');
    await sleep(50);
  }
}
await step('drain b with drain_moves = false (SIGHUP): v7 stays and goes on, new calls go to a', async () => {
  await reload({ draining: b.url, drain_moves: 'false' });
  const stays = (await calls.v7.none('media_reset', 500)) && (await where('v7')) === 'b';
  return stays && (await call('v8')) === 'a' && (await call('v10')) === 'a';
});
await step('drain b with drain_moves = true (SIGHUP): v7 moves to a (node_draining), b holds no room', async () => {
  await reload({ draining: b.url, drain_moves: 'true' });
  const r = await calls.v7.next('media_reset', 5000);
  const j = await calls.v7.next('joined', 10000);
  const m = await booking.waitFor((e) => e.type === 'call_moved' && e.visit_id === 'v7');
  return r.reason === 'node_draining' && j.reconnected === true && (await where('v7')) === 'a'
    && m.data.from_node === b.url && m.data.reason === 'node_draining';
});
await step('undrain b (SIGHUP): the next call is placed on b again', async () => {
  await reload({ draining: '' });
  return (await call('v11')) === 'b';
});
await step('a draining entry naming no node is logged and changes nothing else', async () => {
  await reload({ draining: 'ws://127.0.0.1:1/control' });
  await sig.waitLog(/event=drain_unknown_node/, 3000);
  await reload({ draining: '' });
  return true;
});
await step('the calls on a went on throughout', async () => {
  calls.v1.send({ type: 'ping' });
  return (await calls.v1.next('pong')).type === 'pong';
});
await step('a node that stops answering (SIGSTOP: no RST) is down within ~3 s; its call moves; back, its orphan room goes', async () => {
  const t0 = Date.now();
  b.proc.kill('SIGSTOP');
  const r = await calls.v11.next('media_reset', 8000);
  const ms = Date.now() - t0;
  const m = await booking.waitFor((e) => e.type === 'call_moved' && e.visit_id === 'v11');
  await sig.waitLog(/event=sfu_down node=\S+ reason=unresponsive/, 1000);
  diag(`SIGSTOP -> media_reset node_lost after ${ms} ms`);
  b.proc.kill('SIGCONT');
  const ups = () => sig.log().split('\n').filter((l) => l.includes(`event=sfu_up node=${b.url}`)).length;
  const t1 = Date.now();
  while (ups() < 3 && Date.now() - t1 < 15000) await sleep(100); // poll with a deadline
  // The orphan's room_destroy follows the reconnect at once.
  await waitFor(async () => (await where('v11')) === 'a', { timeout: 5000, what: 'v11 on a alone' }).catch(() => {});
  return r.reason === 'node_lost' && ms < 6000 && m.data.to_node === a.url && ups() === 3 && (await where('v11')) === 'a';
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
await step('with nowhere to move to, a node that only goes silent (SIGSTOP, a congested link) keeps its call; then a lost node ends its calls (visit_ended media_failure, call_ended to booking)', async () => {
  const c = await startSfu(v);
  const solo = await startSignal(v, { sfus: [c], booking: booking.url, name: 'signal-solo' });
  const p = await join(solo, v, { ...W, room: 'v12', sub: 'p-v12', role: 'prisoner' });
  c.proc.kill('SIGSTOP');
  await solo.waitLog(/event=sfu_silent node=\S+ silent_ms=\d+ action=kept_no_alternative/, 8000);
  const droppedWhileSilent = /event=sfu_down node=\S+ reason=unresponsive/.test(solo.log());
  c.proc.kill('SIGCONT');
  p.send({ type: 'ping' });
  const stillIn = (await p.next('pong', 5000)).type === 'pong';
  diag(`silent sole node: kept (dropped=${droppedWhileSilent}, call answered after SIGCONT=${stillIn})`);
  if (droppedWhileSilent || !stillIn) return false;
  c.proc.kill('SIGKILL');
  const e = await p.next('visit_ended', 10000);
  const ended = await booking.waitFor((x) => x.type === 'call_ended' && x.visit_id === 'v12');
  await stopChecked(solo, 'parlour-signal (solo)');
  return e.reason === 'media_failure' && ended.data.reason === 'media_failure';
});
check(sig.proc.exitInfo === null, 'signal still running');
diag(sig.log().split('\n').filter((l) => /sfu_(up|down)/.test(l)).join('\n'));
await stopChecked(sig, 'parlour-signal');
await booking.stop();
done();
