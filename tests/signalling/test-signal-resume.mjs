#!/usr/bin/env node
// A reconnect that resumes (join with resume:true, the client kept its peer
// connections across a network change): the participant keeps its SFU
// transports (the same media port), the others see nothing at all — no
// leave, no join, not even its tracks going — and an offer the SFU made
// that was never answered comes again. A reconnect without resume, or one
// after the SFU lost the participant's media while it was away, gets fresh
// transports (resumed:false, the others see its tracks go). resume that is
// not a boolean is refused.
// timeout: 150
import {
  makeVar, startSfu, startSignal, join, connect, mint, claims, now, step, done, check, diag,
  sfuControl, fakePublishOffer, sleep, stopChecked,
} from './lib.mjs';

const v = makeVar('resume');
const sfu = await startSfu(v);
// A grace longer than the SFU's 30 s connect deadline, for the last step.
const sig = await startSignal(v, { sfus: [sfu], extra: { calls: { reconnect_grace_s: 90 } } });
const ctl = await sfuControl(sfu, v);
const room = 'visit-resume-1';
const W = { start: now() - 60, end: now() + 1800 };
const PAT = { ...W, room, sub: 'prisoner-1', name: 'Pat Prisoner', role: 'prisoner' };

async function rejoin(fields, name) {
  const c = await connect(sig, { name });
  c.send({ type: 'join', token: mint(v, claims(PAT)), room, ...fields });
  c.reply = await c.next((x) => x.type === 'joined' || x.type === 'error', 15000);
  return c;
}
const pubPort = async () => {
  const s = await ctl.request('participant_stats', { room, participant: 'prisoner-1' });
  return s.publisher && s.publisher.local_port;
};

let p, vis, firstOffer, port0;
await step('prisoner and visitor join; the prisoner publishes', async () => {
  p = await join(sig, v, PAT);
  vis = await join(sig, v, { ...W, room, sub: 'visitor-1', name: 'Val Visitor', role: 'visitor' });
  firstOffer = (await p.next('subscriber_offer')).sdp;
  p.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  await p.next('publish_answer');
  await vis.next((m) => m.type === 'track_published' && m.track.kind === 'video');
  port0 = await pubPort();
  return /^v=0/.test(firstOffer) && port0 > 0 && p.joined.resumed === false;
});

await step('join with resume not a boolean: bad_message, connection closed', async () => {
  const c = await rejoin({ resume: 'yes' }, 'bad-resume');
  const closed = await c.closed;
  return c.reply.type === 'error' && c.reply.code === 'bad_message' && closed.code === 4400;
});

let p2;
await step('the prisoner\'s socket dies; a join with resume:true resumes', async () => {
  const mark = vis.all.length;
  p.kill();
  await sleep(300); // the outage: the socket is gone this long before the rejoin
  p2 = await rejoin({ resume: true }, 'prisoner-resumed');
  const j = p2.reply;
  diag(`joined: reconnected=${j.reconnected} resumed=${j.resumed}`);
  const again = await p2.next('subscriber_offer');
  const quiet = await vis.none((m) => ['participant_left', 'participant_joined', 'track_unpublished'].includes(m.type), 1500);
  const port1 = await pubPort();
  check(again.sdp === firstOffer, 'the SFU\'s unanswered subscriber offer comes again, unchanged');
  check(port1 === port0, `the SFU transport is the same one (media port ${port0} -> ${port1})`);
  return j.type === 'joined' && j.reconnected === true && j.resumed === true && quiet
    && !vis.all.slice(mark).some((m) => m.type === 'track_unpublished');
});

await step('the resumed connection works: ping, ice_restart reaches the SFU (its offer is still unanswered: wrong_state)', async () => {
  p2.send({ type: 'ping' });
  await p2.next('pong');
  p2.send({ type: 'ice_restart', transport: 'subscriber' });
  const e = await p2.next('error');
  return e.code === 'wrong_state' && e.re === 'ice_restart';
});

let p3;
await step('a reconnect without resume gets fresh transports: resumed:false, the others see its tracks go', async () => {
  p2.kill();
  await sleep(300); // the outage: the socket is gone this long before the rejoin
  p3 = await rejoin({}, 'prisoner-fresh');
  const gone = await vis.next('track_unpublished');
  const offer = await p3.next('subscriber_offer');
  return p3.reply.type === 'joined' && p3.reply.reconnected === true && p3.reply.resumed === false
    && gone.participant === 'prisoner-1' && offer.sdp !== firstOffer
    && !vis.all.some((m) => m.type === 'participant_left');
});

await step('media lost while away (the SFU gave up on its ICE): resume:true gets fresh transports instead', async () => {
  p3.send({ type: 'publish_offer', sdp: fakePublishOffer() });
  await p3.next('publish_answer');
  const offeredAt = Date.now();
  p3.kill();
  // The fake publisher never does ICE: the SFU drops it 30 s after its offer.
  await sig.waitLog(/event=media_lost room=visit-resume-1 participant=prisoner-1/, 60000);
  diag(`the SFU dropped the absent prisoner's media after ${((Date.now() - offeredAt) / 1000).toFixed(1)} s`);
  await sleep(500); // margin for the media reset signalling starts on media_lost (no event says it is done)
  const p4 = await rejoin({ resume: true }, 'prisoner-after-reset');
  await p4.next('subscriber_offer');
  const ok = p4.reply.type === 'joined' && p4.reply.resumed === false;
  p4.close();
  return ok && !vis.all.some((m) => m.type === 'participant_left');
});

ctl.close();
vis.close();
await stopChecked(sig, 'signal');
await stopChecked(sfu, 'sfu');
await done();
