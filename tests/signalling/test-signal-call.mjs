#!/usr/bin/env node
// A live call through the real parlour-signal and parlour-sfu: presence
// (joined lists, participant_joined/left), a hidden monitor nobody sees,
// what a visitor may not do, moderation (mute, remove, end) and its report
// to booking, the recording policy (SFU room recordable or not, record
// refused when forbidden), reconnect within the grace with no flicker, the
// grace running out, and bad input after the join (invalid JSON, unknown
// type, oversized, flood) answered clearly while the server and another
// call go on.
// timeout: 240
import {
  makeVar, startSfu, startSignal, startBookingReceiver, connect, join, mint, claims, now, sleep, waitFor,
  check, step, done, diag, sfuControl, fakePublishOffer, MONITOR_GRANTS, STAFF_GRANTS,
  stopChecked,
} from './lib.mjs';

const v = makeVar('call');
const sfu = await startSfu(v);
const booking = await startBookingReceiver(v);
const sig = await startSignal(v, {
  sfus: [sfu], booking: booking.url,
  extra: { calls: { reconnect_grace_s: 3 }, limits: { rate_per_s: 20, rate_burst: 40 } },
});
const ctl = await sfuControl(sfu, v);
const room = 'visit-social-1';
// Every token of one visit carries the same window, as booking's do.
const W = { start: now() - 60, end: now() + 1800 };
const P = { ...W, room, sub: 'prisoner-1', name: 'Pat Prisoner', role: 'prisoner' };
const V = { ...W, room, sub: 'visitor-1', name: 'Val Visitor', role: 'visitor' };
const M = { ...W, room, sub: 'monitor-1', name: 'Mo Monitor', role: 'staff_monitor', grants: MONITOR_GRANTS };
const O = { ...W, room, sub: 'officer-1', name: 'Olu Officer', role: 'officer', grants: STAFF_GRANTS };

let p, vis, mon, off;
await step('prisoner joins: joined with recording:true, nobody else yet, subscriber_offer follows', async () => {
  p = await join(sig, v, P);
  const j = p.joined;
  if (j.recording !== true || j.participants.length !== 0 || j.reconnected !== false) throw new Error(JSON.stringify(j));
  if (j.participant.id !== 'prisoner-1' || j.grants.publish !== true) throw new Error(JSON.stringify(j));
  const so = await p.next('subscriber_offer');
  return /^v=0/.test(so.sdp);
});
await step('the SFU room was created recordable (policy: recording required)', async () => {
  const st = await ctl.request('room_stats', { room });
  if (st.type !== 'result' || st.recordable !== true) throw new Error(JSON.stringify(st));
});
await step('visitor joins: sees the prisoner; the prisoner gets participant_joined', async () => {
  vis = await join(sig, v, V);
  const ids = vis.joined.participants.map((x) => x.id);
  const pj = await p.next('participant_joined');
  return ids.length === 1 && ids[0] === 'prisoner-1' && pj.participant.id === 'visitor-1' && pj.participant.name === 'Val Visitor';
});
await step('hidden staff monitor joins: sees both; nobody is told, nobody lists it', async () => {
  mon = await join(sig, v, M);
  const ids = mon.joined.participants.map((x) => x.id).sort();
  if (ids.join() !== 'prisoner-1,visitor-1' || mon.joined.grants.hidden !== true) throw new Error(JSON.stringify(mon.joined));
  await sleep(800); // a window for a wrong notice to arrive: absence has no event to wait for
  const quiet = !p.all.some((m) => JSON.stringify(m).includes('monitor-1'));
  return quiet && !vis.all.some((m) => JSON.stringify(m).includes('monitor-1'));
});
await step('the monitor may not publish (publish_not_granted)', async () => {
  mon.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  const e = await mon.next('error');
  return e.code === 'publish_not_granted' && e.re === 'publish_offer';
});
await step('visitor publishes: publish_answer; the others get track_published (audio+video)', async () => {
  vis.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  const a = await vis.next((m) => m.type === 'publish_answer' || m.type === 'error');
  if (a.type !== 'publish_answer' || !/a=fingerprint/.test(a.sdp)) throw new Error(JSON.stringify(a));
  const t1 = await p.next('track_published');
  const t2 = await p.next('track_published');
  const kinds = [t1.track.kind, t2.track.kind].sort().join();
  await mon.next('track_published');
  return kinds === 'audio,video' && t1.participant === 'visitor-1';
});
await step('a later joiner sees the visitor\'s tracks in joined (officer, visible moderator)', async () => {
  off = await join(sig, v, O);
  const vv = off.joined.participants.find((x) => x.id === 'visitor-1');
  await p.next('participant_joined');
  await vis.next('participant_joined');
  return vv && vv.tracks.length === 2 && !off.joined.participants.some((x) => x.id === 'monitor-1');
});

// What a visitor may not do.
for (const [type, extra] of [['mute', { participant: 'prisoner-1', muted: true }],
  ['remove', { participant: 'prisoner-1', reason: 'x' }], ['end_call', { reason: 'x' }]]) {
  await step(`visitor ${type} of someone else: not_moderator, nothing happens`, async () => {
    vis.send({ type, ...extra });
    const e = await vis.next('error');
    return e.code === 'not_moderator' && e.re === type && await p.none((m) => m.type === 'visit_ended' || m.type === 'track_muted', 300);
  });
}
await step('record on a recorded call without may_record: not_permitted', async () => {
  vis.send({ type: 'record', on: true });
  return (await vis.next('error')).code === 'not_permitted';
});
await step('record off on a call whose policy requires recording: policy_requires_recording', async () => {
  off.send({ type: 'record', on: false });
  return (await off.next('error')).code === 'policy_requires_recording';
});

// Moderation by the hidden monitor: mute the visitor's tracks.
await step('hidden monitor mutes the visitor: everyone gets track_muted by "staff"; the SFU mutes', async () => {
  mon.send({ type: 'mute', participant: 'visitor-1', muted: true, reason: 'inappropriate language' });
  const d = await mon.next('mute_done');
  const m1 = await p.next('track_muted');
  const m2 = await p.next('track_muted');
  const st = await ctl.request('participant_stats', { room, participant: 'visitor-1' });
  const allMuted = st.type === 'result' && st.tracks.every((t) => t.muted === true);
  return d.tracks === 2 && m1.by === 'staff' && m2.muted === true && allMuted && !JSON.stringify(vis.all).includes('monitor-1');
});
await step('the visitor cannot unmute what staff muted (muted_by_moderator)', async () => {
  vis.send({ type: 'mute', muted: false });
  return (await vis.next('error')).code === 'muted_by_moderator';
});
await step('a moderator unmutes one track only (track field): one track_muted, the SFU agrees', async () => {
  const video = off.joined.participants.find((x) => x.id === 'visitor-1').tracks.find((t) => t.kind === 'video');
  const from = p.all.length;
  off.send({ type: 'mute', participant: 'visitor-1', track: video.id, muted: false });
  const d = await off.next('mute_done');
  const m = await p.next((x) => x.type === 'track_muted' && x.muted === false);
  await sleep(300); // a window for a duplicate track_muted to show (absence: nothing to wait for)
  const n = p.all.slice(from).filter((x) => x.type === 'track_muted').length;
  const st = await ctl.request('participant_stats', { room, participant: 'visitor-1' });
  const sv = st.tracks.find((t) => t.id === video.id), sa = st.tracks.find((t) => t.id !== video.id);
  return d.tracks === 1 && m.track === video.id && m.by === 'officer-1' && n === 1 && sv.muted === false && sa.muted === true;
});
await step('mute of a track that is not theirs: unknown_track', async () => {
  off.send({ type: 'mute', participant: 'prisoner-1', track: 'visitor-1:0', muted: true });
  return (await off.next('error')).code === 'unknown_track';
});
await step('booking got participant_muted naming the monitor and why', async () => {
  const e = await booking.waitFor((x) => x.type === 'participant_muted');
  return e.data.by === 'monitor-1' && e.data.participant === 'visitor-1' && e.data.why === 'inappropriate language' && e.visit_id === room;
});

// Bad input after the join: answered, the call goes on.
await step('invalid JSON after join: invalid_json, connection stays (ping → pong)', async () => {
  vis.send('{"v":1,"type":');
  const e = await vis.next('error');
  vis.send({ type: 'ping' });
  await vis.next('pong');
  return e.code === 'invalid_json';
});
await step('unknown type after join: unknown_type, connection stays', async () => {
  vis.send({ type: 'teleport' });
  const e = await vis.next('error');
  vis.send({ type: 'ping' });
  await vis.next('pong');
  return e.code === 'unknown_type';
});
await step('bad fields: publish_offer without sdp, ice with a bad transport, mute without muted', async () => {
  vis.send({ type: 'publish_offer' });
  vis.send({ type: 'ice', transport: 'sideways', candidate: 'x' });
  vis.send({ type: 'mute' });
  const es = [await vis.next('error'), await vis.next('error'), await vis.next('error')];
  return es.every((e) => e.code === 'bad_message');
});
await step('a bad SDP is refused by the SFU and the code passed on (bad_sdp)', async () => {
  p.send({ type: 'publish_offer', sdp: fakePublishOffer().replace(/a=fingerprint[^\r]*\r\n/g, '') });
  const e = await p.next('error');
  return e.code === 'bad_sdp' && e.re === 'publish_offer';
});

// A second call alongside, to show bad input in one does not touch another.
const room2 = 'visit-legal-1';
const L1 = { ...W, room: room2, sub: 'prisoner-2', role: 'prisoner', type: 'legal', recording: 'forbidden', monitoring: 'forbidden' };
const L2 = { ...W, room: room2, sub: 'adviser-1', role: 'legal_adviser', type: 'legal', recording: 'forbidden', monitoring: 'forbidden',
  grants: { may_record: true, moderate: true } };
let l1, l2;
await step('legal call: joined says recording:false; the SFU room is not recordable', async () => {
  l1 = await join(sig, v, L1);
  l2 = await join(sig, v, L2);
  const st = await ctl.request('room_stats', { room: room2 });
  return l1.joined.recording === false && st.type === 'result' && st.recordable === false;
});
await step('legal call: record on is refused policy_forbids_recording despite may_record and moderate', async () => {
  l2.send({ type: 'record', on: true });
  return (await l2.next('error')).code === 'policy_forbids_recording';
});
await step('a monitor token for the legal call is refused (monitoring_forbidden)', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', room: room2, token: mint(v, claims({ ...L1, sub: 'monitor-9', role: 'staff_monitor', grants: MONITOR_GRANTS })) });
  const e = await c.next('error');
  const cl = await c.closed;
  return e.code === 'monitoring_forbidden' && cl.code === 4401;
});
await step('oversized message from the visitor closes only that connection (1009)', async () => {
  const x = await join(sig, v, { ...W, room: room2, sub: 'extra-1', role: 'visitor', type: 'legal', recording: 'forbidden', monitoring: 'forbidden' });
  x.send({ type: 'publish_offer', sdp: 'a'.repeat(70000) });
  const cl = await x.closed;
  l1.send({ type: 'ping' });
  await l1.next('pong');
  return cl.code === 1009;
});
await step('a flood of messages: rate_limited, closed 4429; the other call is unaffected', async () => {
  const x = await join(sig, v, { ...W, room: room2, sub: 'flooder-1', role: 'visitor', type: 'legal', recording: 'forbidden', monitoring: 'forbidden' });
  for (let i = 0; i < 300; i++) x.send({ type: 'ping' });
  const cl = await x.closed;
  const rl = x.all.find((m) => m.type === 'error' && m.code === 'rate_limited');
  p.send({ type: 'ping' });
  await p.next('pong');
  l2.send({ type: 'ping' });
  await l2.next('pong');
  return rl && cl.code === 4429 && sig.proc.exitInfo === null;
});

// Reconnect.
await step('visitor\'s network drops and it rejoins within the grace: reconnected, no leave/join flicker', async () => {
  const before = p.all.length;
  vis.kill();
  await sleep(500); // the outage itself: the network is gone this long, well inside the grace
  vis = await join(sig, v, V);
  const ok1 = vis.joined.reconnected === true && vis.joined.participants.some((x) => x.id === 'prisoner-1');
  await sleep(3500); // past the grace: a leave would have been sent by now
  const after = p.all.slice(before);
  const flicker = after.filter((m) => m.type === 'participant_left' || m.type === 'participant_joined');
  if (flicker.length) throw new Error(`flicker: ${JSON.stringify(flicker)}`);
  return ok1;
});
await step('the same participant joining from a second connection replaces the first (4002)', async () => {
  const old = vis;
  vis = await join(sig, v, V);
  const cl = await old.closed;
  return cl.code === 4002 && vis.joined.reconnected === true && old.all.some((m) => m.code === 'replaced');
});
await step('a participant gone longer than the grace: participant_left (disconnected)', async () => {
  const x = await join(sig, v, { ...V, sub: 'visitor-2', name: 'Vic' });
  await p.next((m) => m.type === 'participant_joined' && m.participant.id === 'visitor-2');
  x.kill();
  const t0 = Date.now();
  const l = await p.next((m) => m.type === 'participant_left' && m.participant === 'visitor-2', 8000);
  const took = Date.now() - t0;
  diag(`left after ${took} ms (grace 3 s)`);
  return l.reason === 'disconnected' && took >= 2500;
});

// Removal and ending by staff.
await step('officer removes the visitor: removed + 4001 to it, participant_left(removed) to others', async () => {
  off.send({ type: 'remove', participant: 'visitor-1', reason: 'showed a weapon' });
  const r = await vis.next('removed');
  const cl = await vis.closed;
  const l = await p.next((m) => m.type === 'participant_left' && m.participant === 'visitor-1');
  await off.next('remove_done');
  return r.reason === 'showed a weapon' && r.by === 'officer-1' && cl.code === 4001 && l.reason === 'removed';
});
await step('booking got participant_removed with who and why', async () => {
  const e = await booking.waitFor((x) => x.type === 'participant_removed');
  return e.data.participant === 'visitor-1' && e.data.by === 'officer-1' && e.data.why === 'showed a weapon' && e.actor === 'officer-1';
});
await step('the removed visitor cannot come back (participant_removed)', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', room, token: mint(v, claims(V)) });
  return (await c.next('error')).code === 'participant_removed';
});
await step('officer ends the call: everyone gets visit_ended terminated_by_staff and 4000', async () => {
  off.send({ type: 'end_call', reason: 'security incident' });
  const results = [];
  for (const c of [p, mon, off]) {
    const e = await c.next('visit_ended');
    const cl = await c.closed;
    results.push(e.reason === 'terminated_by_staff' && e.message === 'security incident' && cl.code === 4000);
  }
  return results.every(Boolean);
});
await step('the SFU room is gone (room_not_found)', async () => {
  const gone = async () => { const st = await ctl.request('room_stats', { room }); return st.type === 'error' && st.code === 'room_not_found'; };
  return waitFor(gone, { timeout: 5000, what: 'room_not_found' }).catch(() => false);
});
await step('booking got call_ended: terminated_by_staff, by the officer, why', async () => {
  const e = await booking.waitFor((x) => x.type === 'call_ended' && x.visit_id === room);
  return e.data.reason === 'terminated_by_staff' && e.data.by === 'officer-1' && e.data.why === 'security incident';
});
await step('joining the ended call: call_ended', async () => {
  const c = await connect(sig);
  c.send({ type: 'join', room, token: mint(v, claims(P)) });
  return (await c.next('error')).code === 'call_ended';
});
await step('booking\'s trail for the call is complete and in order', async () => {
  await booking.waitFor((e) => e.visit_id === room && e.type === 'call_ended', 10000, 'call_ended').catch(() => null);
  const t = booking.events.filter((e) => e.visit_id === room).map((e) => e.type);
  diag(t.join(' '));
  const first = t[0] === 'call_started';
  const last = t[t.length - 1] === 'call_ended';
  const joins = t.filter((x) => x === 'participant_joined').length;
  return first && last && joins === 5 && booking.bad === 0;
});
await step('the other call is still up', async () => {
  l1.send({ type: 'ping' });
  return (await l1.next('pong')).type === 'pong';
});
check(sig.proc.exitInfo === null && sfu.proc.exitInfo === null, 'signal and SFU still running');
ctl.close();
await stopChecked(sig, 'parlour-signal');
done();
