#!/usr/bin/env node
// Sight-only legal monitoring, signalling's layer (signalling/sig_sightonly.h,
// docs/signalling-protocol.md), real signalling and SFU:
// - a legal call whose monitoring is "video_only" admits a hidden monitor;
//   its SFU room is audio_private and its SFU participant hidden;
// - the monitor's subscriber offer carries no audio section; when the monitor
//   answers with an audio section signalling refuses it (audio_not_granted)
//   on its own, even with a token that (wrongly) grants audio; the call goes on;
// - a visible participant of the same call is not refused audio;
// - a bad monitoring value or grants.audio is token_invalid_claims;
//   "forbidden" still refuses monitors (monitoring_forbidden).
// timeout: 90
import {
  makeVar, startSfu, startSignal, connect, join, mint, claims, now, step, done, MONITOR_GRANTS,
  sfuControl, fakePublishOffer, stopChecked,
} from './lib.mjs';

const v = makeVar('sightonly');
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu] });
const W = { start: now() - 60, end: now() + 1800 };
const room = 'visit-sight-1';
const LEGAL = { ...W, room, type: 'legal', recording: 'forbidden', monitoring: 'video_only' };
const ADV = { ...LEGAL, sub: 'legal_adviser-1', name: 'Lee Adviser', role: 'legal_adviser' };
const PRI = { ...LEGAL, sub: 'prisoner-1', name: 'Pat Prisoner', role: 'prisoner' };
const MON = { ...LEGAL, sub: 'staff_monitor-1', name: 'Mo Monitor', role: 'staff_monitor', grants: { ...MONITOR_GRANTS, audio: false } };
const audioAnswer = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=recvonly', 'a=rtpmap:111 opus/48000/2', ''].join('\r\n');
const activeAudio = (sdp) => sdp.split(/\r?\n(?=m=)/).some((s) => /^m=audio [1-9]/.test(s) && !/a=inactive/.test(s));

async function tryJoin(c0) {
  const c = await connect(sig, { name: c0.sub });
  c.send({ type: 'join', token: mint(v, claims(c0)), room: c0.room, e2ee: true });
  const m = await c.next((x) => x.type === 'joined' || x.type === 'error', 15000);
  return m.type === 'error' ? { err: m } : { c, joined: m };
}

await step('bad monitoring value, or a non-boolean grants.audio: token_invalid_claims', async () => {
  const r1 = await tryJoin({ ...MON, room: 'visit-sight-bad', monitoring: 'sometimes' });
  const r2 = await tryJoin({ ...MON, room: 'visit-sight-bad', grants: { ...MONITOR_GRANTS, audio: 'no' } });
  return r1.err?.code === 'token_invalid_claims' && /monitoring/.test(r1.err.message) &&
    r2.err?.code === 'token_invalid_claims' && /grants/.test(r2.err.message);
});
await step('monitoring "forbidden": a monitor of a legal call is still refused', async () => {
  const r = await tryJoin({ ...MON, room: 'visit-sight-forb', monitoring: 'forbidden' });
  return r.err?.code === 'monitoring_forbidden';
});

let adv; let pri; let mon;
await step('video_only: adviser, prisoner and the hidden monitor join', async () => {
  adv = await join(sig, v, ADV);
  adv.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  await adv.next('publish_answer');
  pri = await join(sig, v, PRI);
  mon = await join(sig, v, MON);
  return mon.joined.participant.role === 'staff_monitor' && mon.joined.grants.hidden === true;
});
await step('the SFU room is audio_private and the monitor hidden there: no audio slot for it', async () => {
  const ctl = await sfuControl(sfu, v);
  const r = await ctl.request('room_stats', { room });
  ctl.close();
  const m = r.participants?.find((p) => p.participant === 'staff_monitor-1');
  return r.audio_private === true && m && m.subscriptions.every((s) => s.kind !== 'audio');
});
await step('the monitor\'s subscriber offer has no audio section it could receive', async () => {
  const so = await mon.next((x) => x.type === 'subscriber_offer' && /m=video/.test(x.sdp), 10000);
  return !activeAudio(so.sdp);
});
await step('the monitor answers with audio: refused by signalling (audio_not_granted), the call goes on', async () => {
  mon.send({ type: 'subscriber_answer', sdp: audioAnswer });
  const e = await mon.next('error');
  return e.code === 'audio_not_granted' && e.re === 'subscriber_answer' && !mon.closeInfo;
});
await step('a token that wrongly grants audio to a video_only monitor: still refused', async () => {
  const c = await join(sig, v, { ...MON, sub: 'staff_monitor-2', name: 'Second Monitor', grants: { ...MONITOR_GRANTS, audio: true } });
  c.send({ type: 'subscriber_answer', sdp: audioAnswer });
  const e = await c.next('error');
  c.close();
  return e.code === 'audio_not_granted';
});
await step('a visible participant of the same call is not refused audio', async () => {
  pri.send({ type: 'subscriber_answer', sdp: audioAnswer });
  return await pri.none((m) => m.type === 'error' && m.code === 'audio_not_granted', 1000);
});
await step('a social call\'s monitor (monitoring "allowed") is not refused audio', async () => {
  const c = await join(sig, v, { ...W, room: 'visit-sight-social', type: 'social', sub: 'staff_monitor-3', name: 'M', role: 'staff_monitor', grants: MONITOR_GRANTS });
  c.send({ type: 'subscriber_answer', sdp: audioAnswer });
  const r = await c.none((m) => m.type === 'error' && m.code === 'audio_not_granted', 1000);
  c.close();
  return r;
});
await step('E2EE: the monitor\'s hello reaches the others stamped video_only', async () => {
  mon.send({ type: 'e2ee', body: { t: 'hello', pub: 'QUJD' } });
  const m = await adv.next('e2ee');
  const m2 = await pri.next('e2ee');
  return m.from === 'staff_monitor-1' && m.video_only === true && m.body.t === 'hello' && m2.video_only === true;
});
await step('E2EE: keys for the monitor with an audio key are refused (audio_not_granted), never delivered', async () => {
  adv.send({ type: 'e2ee', to: 'staff_monitor-1', body: { t: 'keys', epoch: 1, keys: [{ kind: 'audio', kid: 2, iv: 'AA', ct: 'AA' }, { kind: 'video', kid: 3, iv: 'AA', ct: 'AA' }] } });
  const e = await adv.next('error');
  return e.code === 'audio_not_granted' && e.re === 'e2ee' && await mon.none('e2ee', 500);
});
await step('E2EE: keys for the monitor with the video key only are delivered', async () => {
  adv.send({ type: 'e2ee', to: 'staff_monitor-1', body: { t: 'keys', epoch: 1, keys: [{ kind: 'video', kid: 3, iv: 'AA', ct: 'AA' }] } });
  const m = await mon.next('e2ee');
  return m.from === 'legal_adviser-1' && m.body.keys.length === 1 && m.body.keys[0].kind === 'video' && !m.video_only;
});
await step('E2EE: the monitor may not send keys; a broadcast of the others never reaches it', async () => {
  mon.send({ type: 'e2ee', body: { t: 'keys', epoch: 1, keys: [] } });
  const e = await mon.next('error');
  pri.send({ type: 'e2ee', body: { t: 'hello', pub: 'REVG' } });
  return e.code === 'e2ee_not_allowed' && await mon.none('e2ee', 500);
});
for (const c of [adv, pri, mon]) c?.close();
await step('signalling and the SFU stop cleanly', async () => (await stopChecked(sig, 'signal')) && (await stopChecked(sfu, 'sfu')));
done();
