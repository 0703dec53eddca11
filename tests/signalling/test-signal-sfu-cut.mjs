#!/usr/bin/env node
// Issue 20 (fault injection): the signalling↔SFU control link cut in the
// middle of a negotiation, with the real daemons. Signalling reaches SFU a
// through a TCP proxy in this test (SFU b directly). A call is placed on a;
// the proxy holds signalling's bytes while the participant's publish_offer is
// on its way, then cuts the connection before any answer. The participant
// gets a clear error for that offer (sfu_unavailable), the call moves to b
// (media_reset node_lost, joined reconnected:true), a new publish_offer is
// answered there; when the link is back signalling reconnects to a by itself
// and destroys the room a still held of the moved call (nothing leaks).
// timeout: 180
import net from 'node:net';
import { makeVar, startSfu, startSignal, join, now, check, step, done, diag, sfuControl, stopChecked, fakePublishOffer } from './lib.mjs';

const v = makeVar('sfucut');
const a = await startSfu(v);
const b = await startSfu(v);
const aUrl = new URL(a.url);

let mode = 'pass'; // pass | hold | gone
let held = 0;
const live = new Set();
const proxy = net.createServer((down) => {
  if (mode === 'gone') { down.destroy(); return; }
  const up = net.connect(Number(aUrl.port), aUrl.hostname);
  const pair = { down, up };
  live.add(pair);
  const end = () => { live.delete(pair); down.destroy(); up.destroy(); };
  down.on('data', (x) => { if (mode === 'pass') up.write(x); else held += x.length; });
  up.on('data', (x) => { if (mode === 'pass') down.write(x); });
  down.on('error', end); up.on('error', end); down.on('close', end); up.on('close', end);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const viaProxy = `ws://127.0.0.1:${proxy.address().port}${aUrl.pathname}`;
const sig = await startSignal(v, { sfus: [viaProxy, b] });

async function where(room) {
  const out = [];
  for (const [name, s] of [['a', a], ['b', b]]) {
    const c = await sfuControl(s, v);
    const st = await c.request('room_stats', { room });
    c.close();
    if (st.type === 'result') out.push(name);
  }
  return out.join(',');
}
async function until(what, fn, ms = 20000) {
  const t0 = Date.now();
  for (;;) {
    const r = await fn();
    if (r) return r;
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
const W = { start: now() - 60, end: now() + 1800 };
let p;
await step('the call is placed on SFU a (reached through the proxy)', async () => {
  p = await join(sig, v, { ...W, room: 'cut-1', sub: 'p-cut', role: 'prisoner' });
  return (await where('cut-1')) === 'a';
});
await step('control link cut between publish_offer and its answer: error sfu_unavailable for the offer', async () => {
  mode = 'hold';
  p.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  await until('offer on its way to the SFU', () => held > 0);
  mode = 'gone';
  for (const x of [...live]) { x.down.destroy(); x.up.destroy(); live.delete(x); }
  const e = await p.next((m) => m.type === 'error' || m.type === 'publish_answer', 15000);
  diag(`answer to the cut offer: ${JSON.stringify(e)}`);
  return e.type === 'error' && e.code === 'sfu_unavailable' && e.re === 'publish_offer';
});
await step('the call moves to b (media_reset node_lost, joined reconnected:true)', async () => {
  const r = await p.next('media_reset', 15000);
  const j = await p.next('joined', 15000);
  const at = await where('cut-1');
  // a, cut off, may still hold its room until signalling is back (step 5).
  diag(`media_reset ${JSON.stringify(r)}; rooms now on: ${at}`);
  return r.reason === 'node_lost' && j.reconnected === true && at.split(',').includes('b');
});
await step('a new publish_offer is answered on b', async () => {
  p.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  const m = await p.next((x) => x.type === 'publish_answer' || x.type === 'error', 15000);
  return m.type === 'publish_answer' && /a=fingerprint/.test(m.sdp);
});
await step('link back: signalling reconnects to a by itself; a holds no room of the moved call', async () => {
  mode = 'pass';
  const ups = () => sig.log().split('\n').filter((l) => l.includes(`event=sfu_up node=${viaProxy}`)).length;
  await until('sfu_up again', () => ups() >= 2, 60000);
  await until('no stale room on a', async () => (await where('cut-1')) === 'b', 20000);
  return true;
});
check(!a.proc.exitInfo && !b.proc.exitInfo, 'both SFUs alive');
proxy.close();
for (const x of live) { x.down.destroy(); x.up.destroy(); }
await stopChecked(sig, 'parlour-signal');
done();
