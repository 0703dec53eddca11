#!/usr/bin/env node
// Several signalling instances (issue 15, part 3), with the real booking
// (admission required, decision feed) and real media: two instances
// configured as one cluster ([cluster] instances/self) pin each visit to
// one of them (rendezvous hash; a join reaching the other is redirected,
// error wrong_instance + close 4307). Two GStreamer webrtcbin peers
// (prog_signal_peer --failover) join with booking's tokens and decode each
// other's video; the instance holding the call is killed with SIGKILL; the
// peers try the next instance of joined's list, which now owns the visit:
// a first join there (booking's admission check), the SFU room left by the
// dead instance replaced, fresh transports. Asserted: media both ways again
// within 10 s of the kill (printed), every event on booking's audit once
// (each event_id once), the call ended later by booking's decision once,
// and the dead instance restarted on its own spool delivers nothing twice.
// The CallSession client logic (client-web/js/call/session.mjs) is run in
// node against the same two instances: redirected, then on to the survivor.
// timeout: 180
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import WS from 'ws';
import { startBooking, Client } from '../booking/lib.mjs';
import {
  startSfu, startSignal, freePort, sleep, waitFor, check, step, done, diag, ARTIFACTS, ORIGIN, TESTBIN, BIN, ROOT, stopChecked, ini,
  connect, mint, claims, now,
  spawnSignalPeer,
} from './lib.mjs';
import { CallSession } from '../../client-web/js/call/session.mjs';

const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-instances');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const sfu = await startSfu(v);
const ports = [await freePort(), await freePort()];
const urls = ports.map((p) => `wss://127.0.0.1:${p}/ws`);
const sigs = [];
let starts = 0;
async function startInstance(i) {
  starts += 1;
  const s = await startSignal(v, {
    sfus: [sfu], booking: env.base, admission: 'required', name: `signal${i + 1}-${starts}`, port: ports[i],
    extra: {
      cluster: { instances: urls.join(';'), self: urls[i], probe_ms: 250,
        credential_file: `${v.dir}/secrets/signal-booking.secret`, ca_file: `${v.dir}/tls/cert.pem` },
      booking: { spool_dir: `${v.dir}/spool-${i + 1}` }, // each instance's own spool, kept across restarts
    },
  });
  s.index = i;
  sigs[i] = s;
  return s;
}
await startInstance(0);
await startInstance(1);
for (const s of sigs) await s.waitLog(/event=cluster_peer_up/, 10000);

const staff = new Client(env);
const ann = new Client(env);
const tom = new Client(env);
for (const [c, u] of [[staff, 'staff.booking'], [ann, 'family.ann'], [tom, 'prisoner.tom']]) {
  const r = await c.signIn(u);
  if (r.status !== 200) throw new Error(`sign-in ${u}: ${r.status}`);
}
async function newVisit() {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30, start_in_minutes: 5 });
  if (r.status !== 201) throw new Error(`demo visit: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.id;
}
async function tokenFor(client, visit) {
  const r = await client.post(`/visits/${visit}/join-token`);
  if (r.status !== 200) throw new Error(`join-token ${r.status} ${JSON.stringify(r.json)}`);
  return r.json.token;
}
const esc = (x) => x.replace(/[/.?*+()[\]]/g, '\\$&');
const holderOf = (visit) => sigs.find((s) => !s.proc.exitInfo && s.log().includes(`event=call_started room=${visit}`));

// A peer whose stdout lines are kept with the moment they arrived here.
function peer(name, token, visit, url) {
  const tokenFile = path.join(v.dir, `${name}.token`);
  fs.writeFileSync(tokenFile, token);
  const args = ['--url', url, '--ca', `${v.dir}/tls/cert.pem`, '--origin', ORIGIN, '--room', visit,
    '--token-file', tokenFile, '--timeout', '90', '--frames', '30', '--frames-after-reset', '60', '--linger', '20', '--failover'];
  return spawnSignalPeer(name, args, logDir);
}

// ---- the state endpoint and bad configuration ----
function getState(url, credential) {
  const u = new URL(url.replace(/^wss/, 'https').replace(/\/ws$/, '/internal/cluster/state'));
  return new Promise((resolve, reject) => {
    const req = https.get(u, { ca: env.ca, headers: credential === undefined ? {} : { 'x-service-credential': credential } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
}
const credential = fs.readFileSync(`${v.dir}/secrets/signal-booking.secret`, 'utf8').trim();
await step('/internal/cluster/state: 401 without or with a wrong credential, 200 {instance, rooms} with it', async () => {
  const none = await getState(urls[0]);
  const wrong = await getState(urls[0], 'x'.repeat(credential.length));
  const good = await getState(urls[1], credential);
  const j = JSON.parse(good.body);
  return none.status === 401 && wrong.status === 401 && good.status === 200 && j.instance === urls[1] && Array.isArray(j.rooms);
});
function badConfig(name, cluster, sfuExtra = {}) {
  const conf = { ...sigs[0].conf, cluster: { ...sigs[0].conf.cluster, ...cluster }, sfu: { ...sigs[0].conf.sfu, ...sfuExtra } };
  const p = path.join(v.dir, `${name}.ini`);
  fs.writeFileSync(p, ini(conf));
  const r = spawnSync(path.join(BIN, 'parlour-signal'), ['--config', p], { cwd: ROOT, encoding: 'utf8', timeout: 10000 });
  return { code: r.status, err: r.stderr };
}
await step('bad [cluster] / [sfu] draining settings stop start-up with one line naming the key (exit 2)', async () => {
  const a = badConfig('bad-self', { self: 'wss://127.0.0.1:1/ws' });
  const b = badConfig('bad-url', { instances: `https://127.0.0.1:1/ws;${urls[0]}` });
  const c = badConfig('bad-drain', {}, { draining: 'ws://127.0.0.1:1/control' });
  diag([a.err, b.err, c.err].map((x) => x.trim()).join('\n'));
  return a.code === 2 && /\[cluster\] self/.test(a.err) && b.code === 2 && /\[cluster\] instances.*not a wss/.test(b.err)
    && c.code === 2 && /\[sfu\] draining/.test(c.err);
});

await step('an instance that has not heard from one ranked before it answers instance_starting (4503, retry_after), then serves', async () => {
  // The other "instance" accepts TCP and never answers: unknown until the
  // probe gives up (2 x 2000 ms), then down.
  const hole = net.createServer(() => { /* silent */ });
  const holePort = await freePort();
  await new Promise((res) => hole.listen(holePort, '127.0.0.1', res));
  const selfPort = await freePort();
  const selfUrl = `wss://127.0.0.1:${selfPort}/ws`;
  const holeUrl = `wss://127.0.0.1:${holePort}/ws`;
  const lone = await startSignal(v, {
    sfus: [sfu], name: 'signal-starting', port: selfPort,
    extra: { cluster: { instances: `${selfUrl};${holeUrl}`, self: selfUrl, probe_ms: 2000,
      credential_file: `${v.dir}/secrets/signal-booking.secret`, ca_file: `${v.dir}/tls/cert.pem` } },
  });
  const W = { start: now() - 60, end: now() + 1800 };
  // visits ranked to the silent one first are deferred; others are served
  let deferred = null;
  let served = 0;
  for (let k = 0; k < 6 && !deferred; k++) {
    const room = `starting-${k}`;
    const c = await connect(lone, { name: room });
    c.send({ type: 'join', room, token: mint(v, claims({ ...W, room, sub: `p-${k}` })) });
    const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 5000);
    if (m.type === 'error') deferred = { room, k, m, close: await c.closed };
    else { served += 1; c.send({ type: 'leave' }); }
  }
  await lone.waitLog(/event=cluster_peer_down/, 10000);
  let later = null;
  if (deferred) {
    const c = await connect(lone, { name: 'again' });
    c.send({ type: 'join', room: deferred.room, token: mint(v, claims({ ...W, room: deferred.room, sub: `p-${deferred.k}` })) });
    later = await c.next((x) => x.type === 'joined' || x.type === 'error', 5000);
  }
  diag(`served at once: ${served}; deferred: ${deferred && JSON.stringify(deferred.m)} close ${deferred && deferred.close.code}; after the silent one was down: ${later && later.type}`);
  await stopChecked(lone, 'parlour-signal (starting)');
  hole.close();
  return deferred && deferred.m.code === 'instance_starting' && deferred.m.retry_after === 1 && deferred.close.code === 4503
    && later.type === 'joined';
});

// ---- a visit pinned to one instance, whichever a participant reaches ----
const visit = await newVisit();
// Both start on instance 1's URL: if the visit is instance 2's, they are redirected.
const pa = peer('prisoner', await tokenFor(tom, visit), visit, urls[0]);
const pb = peer('visitor', await tokenFor(ann, visit), visit, urls[0]);
let holder, survivor;
await step('both participants reach the visit\'s one instance and decode each other\'s video', async () => {
  await pa.wait((l) => l.event === 'flowing', 40000, 'video');
  await pb.wait((l) => l.event === 'flowing', 40000, 'video');
  holder = holderOf(visit);
  survivor = sigs[1 - holder.index];
  const redirected = sigs[0].log().includes(`event=join_redirected`);
  diag(`visit ${visit} is instance ${holder.index + 1}'s (${holder === sigs[0] ? 'reached directly' : 'redirected from instance 1'})`);
  return !!holder && !survivor.log().includes(`event=call_started room=${visit}`) && (holder === sigs[0] || redirected);
});

const tKill = Date.now();
holder.proc.kill('SIGKILL');
await step('kill -9 of that instance: the peers resume on the survivor and media flows both ways within 10 s', async () => {
  await pa.wait((l) => l.event === 'signalling_lost', 10000, 'signalling_lost');
  const fa = await pa.wait((l) => l.event === 'first_frame_after_reset', 20000, 'a frame on the survivor');
  const fb = await pb.wait((l) => l.event === 'first_frame_after_reset', 20000, 'a frame on the survivor');
  const ts = (re) => {
    const at = (x) => Date.parse((x.match(/ts=(\S+)/) || [])[1]);
    const l = survivor.log().split('\n').find((x) => re.test(x) && at(x) >= tKill);
    return l ? at(l) - tKill : null;
  };
  const both = Math.max(fa.at, fb.at) - tKill;
  diag(`kill -> survivor sees the peer down ${ts(/event=cluster_peer_down/)} ms; -> admitted ${ts(new RegExp(`event=admission visit=${visit}`))} ms; -> call_started there ${ts(new RegExp(`event=call_started room=${visit}`))} ms`);
  diag(`kill -> first frame on the new transports: prisoner ${fa.at - tKill} ms, visitor ${fb.at - tKill} ms; both ways ${both} ms`);
  return both < 10000 && holderOf(visit) === survivor && /replaced_stale_room|room_stale/.test(survivor.log());
});
await step('both peers decode 60 frames on the survivor', async () => {
  const ra = await pa.wait((l) => l.result, 30000, 'a result');
  const rb = await pb.wait((l) => l.result, 30000, 'a result');
  return ra.result === 'ok' && rb.result === 'ok';
});

await step('booking\'s decision reaches the call on the survivor: terminate ends it once', async () => {
  const r = await staff.post(`/visits/${visit}/terminate`, { reason: 'Test: instances' });
  if (r.status !== 200) throw new Error(`terminate ${r.status}`);
  await survivor.waitLog(new RegExp(`event=call_ended room=${visit}`), 10000);
  return true;
});

await step('the dead instance restarts on its own spool: it delivers what it had not, nothing twice', async () => {
  const again = await startInstance(holder.index);
  await again.waitLog(/event=cluster_peer_up/, 10000);
  // its spool is empty once every event it had is delivered
  const spool = `${v.dir}/spool-${holder.index + 1}`;
  const t0 = Date.now();
  const pending = () => { try { return fs.readdirSync(spool).filter((f) => f.endsWith('.json')).length; } catch { return 0; } };
  while (pending() > 0 && Date.now() - t0 < 10000) await sleep(100); // poll with a deadline
  diag(`restarted instance ${holder.index + 1}: ${pending()} events left in its spool`);
  return pending() === 0;
});

await step('booking\'s audit: every event once (each event_id once), two call_started (one per instance), one call_ended', async () => {
  // The last posts land: wait for call_ended in the audit (the check below is exact).
  const ended = async () => {
    const a = await staff.get(`/visits/${visit}/audit`);
    return a.status === 200 && a.json.entries.some((e) => e.action === 'event_call_ended');
  };
  await waitFor(ended, { timeout: 10000, what: 'event_call_ended in the audit' }).catch(() => {});
  const r = await staff.get(`/visits/${visit}/audit`);
  const ev = r.json.entries.filter((e) => e.action.startsWith('event_'));
  const ids = ev.map((e) => e.detail.event_id);
  const dup = ids.filter((x, i) => ids.indexOf(x) !== i);
  const count = (a) => ev.filter((e) => e.action === a).length;
  diag(`audit events: ${ev.map((e) => e.action.slice(6)).join(', ')}`);
  return r.status === 200 && dup.length === 0 && count('event_call_started') === 2 && count('event_call_ended') === 1
    && count('event_participant_joined') === 4;
});
await Promise.all([pa.exit, pb.exit]);

// ---- the web client's logic: redirected, then on to the survivor ----
await step('CallSession (the real client module) is redirected to the visit\'s instance and resumes on the other when it dies', async () => {
  globalThis.WebSocket = class extends WS {
    constructor(u) { super(u, { ca: env.ca, headers: { origin: ORIGIN } }); }
  };
  // A visit that is the other instance's, so the first join is redirected
  // (a raw join asks; a visit this instance keeps is joined and left).
  const live = sigs.filter((x) => !x.proc.exitInfo);
  let vis, owner;
  for (let k = 0; k < 8; k++) {
    vis = await newVisit();
    const c = new WS(live[0].url, { ca: env.ca, headers: { origin: ORIGIN } });
    await new Promise((res) => c.on('open', res));
    c.send(JSON.stringify({ v: 1, type: 'join', token: await tokenFor(ann, vis), room: vis }));
    const m = await new Promise((res) => c.on('message', (d) => res(JSON.parse(d))));
    c.close();
    owner = m.type === 'error' && m.code === 'wrong_instance' ? m.signal_url : live[0].url;
    if (owner !== live[0].url) break;
  }
  const s = new CallSession({ signalUrl: live[0].url, token: await tokenFor(tom, vis), room: vis, publish: false });
  const joined = () => new Promise((res) => s.addEventListener('joined', (e) => res(e.detail), { once: true }));
  let j = joined();
  s.start();
  const first = await Promise.race([j, sleep(15000).then(() => null)]);
  const firstUrl = s.signalUrl;
  const list = [...s.signalUrls];
  diag(`CallSession joined on ${firstUrl} (asked ${live[0].url}); instances ${JSON.stringify(list)}`);
  const ownerSig = sigs.find((x) => !x.proc.exitInfo && x.url === firstUrl);
  const other = sigs.find((x) => !x.proc.exitInfo && x !== ownerSig);
  j = joined();
  const t0 = Date.now();
  ownerSig.proc.kill('SIGKILL');
  const second = await Promise.race([j, sleep(15000).then(() => null)]);
  diag(`CallSession joined again on ${s.signalUrl} after ${Date.now() - t0} ms`);
  const ok = !!first && first.self && list.length === 2 && !!second && s.signalUrl === other.url
    && (owner === live[0].url || firstUrl === owner);
  s.leave();
  return ok;
});

for (const s of sigs) if (!s.proc.exitInfo) await stopChecked(s, `parlour-signal ${s.index + 1}`);
await env.stop?.();
done();
