// Sight-only legal monitoring in browsers (docs/media.md, "Sight-only
// monitoring"): the establishment's booking staff switch it on; a legal call
// (end-to-end encrypted) between the legal adviser and the prisoner tells
// both before it starts that staff may watch the video without sound; the
// monitor's page decodes their video and receives no audio: the browser's
// getStats has no inbound-rtp audio (or no audio bytes) and the SFU's own
// stats show no audio subscription for the monitor. The participants still
// hear each other. Switched off again, the monitor is refused (as before).
import fs from 'node:fs';
import WebSocket from 'ws';
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, ready } from '../lib/flows.mjs';

async function sfuStats(stack, room) {
  const secret = fs.readFileSync(`${stack.dir}/secrets/sfu-control.secret`, 'utf8').trim();
  const ws = new WebSocket(`ws://127.0.0.1:${stack.ports.control}/control`);
  await new Promise((res, rej) => { ws.on('open', res); ws.on('error', rej); });
  const reply = new Promise((res) => ws.on('message', (d) => { const m = JSON.parse(d.toString()); if (m.type === 'auth_ok') ws.send(JSON.stringify({ id: 1, type: 'room_stats', room })); else if (m.id === 1) res(m); }));
  ws.send(JSON.stringify({ type: 'auth', secret }));
  const r = await reply;
  ws.close();
  return r;
}

await scenario('legal-sight-only', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  let r = await apiAs(stack, staff, 'PUT', '/establishments/PLR/legal-sight-monitoring', { legal_sight_monitoring: true });
  tap.check(r.status === 200 && r.json.legal_sight_monitoring === true, 'booking staff switch sight-only legal monitoring on', `${r.status} ${r.text}`);
  const legal = await createCallNow(stack, staff, 'legal', { minutes: 30 });
  const adv = await person('legal');
  const pri = await person('prisoner');
  await signInUI(adv.page, 'legal');
  await signInUI(pri.page, 'prisoner');
  const [na, np] = await Promise.all([joinCall(adv.page, legal.id), joinCall(pri.page, legal.id)]);
  tap.check(/without sound/.test(na.text) && /without sound/.test(np.text), 'both are told before the call: staff may watch the video, without sound', JSON.stringify({ na, np }));
  await Promise.all([waitFrames(adv.page, { min: 30 }), waitFrames(pri.page, { min: 30 })]);

  const mon = await person('monitor');
  await signInUI(mon.page, 'monitor');
  await mon.page.goto(`/staff/monitor.html?visit=${legal.id}`);
  await ready(mon.page);
  const frames = await waitFrames(mon.page, { min: 60, count: 1, handle: 'parlourMonitor' }).catch((e) => e);
  tap.check(!(frames instanceof Error), `the monitor's page decodes the call's video (${frames instanceof Error ? frames.message.slice(0, 300) : JSON.stringify(frames)})`);
  const stats = await mon.page.evaluate(async () => {
    const s = window.parlourMonitor.session;
    const out = { video: 0, audioBytes: 0, audioReports: 0, audioTracks: 0, keys: null };
    if (!s || !s.sub) return out;
    (await s.sub.getStats()).forEach((x) => {
      if (x.type !== 'inbound-rtp') return;
      if (x.kind === 'video') out.video += x.framesDecoded || 0;
      if (x.kind === 'audio') { out.audioReports++; out.audioBytes += x.bytesReceived || 0; }
    });
    out.audioTracks = s.sub.getReceivers().filter((x) => x.track && x.track.kind === 'audio').length;
    return out;
  });
  const keys = await mon.page.evaluate(() => {
    const e = window.parlourMonitor.e2ee;
    return e ? { peers: e.peers.size, receiveOnly: e.receiveOnly, sent: e.rotations.length } : null;
  });
  tap.check(keys && keys.receiveOnly && keys.peers >= 2 && keys.sent === 0, `the monitor's page agreed keys receive-only with both participants, E2EE on (${JSON.stringify(keys)})`);
  tap.check(stats.video >= 60, `the monitor's browser decoded ${stats.video} video frames (getStats)`);
  tap.check(stats.audioBytes === 0 && stats.audioTracks === 0, `the monitor's browser received no audio (inbound-rtp audio reports ${stats.audioReports}, bytes ${stats.audioBytes}, audio tracks ${stats.audioTracks})`);
  const sfu = await sfuStats(stack, legal.id);
  const m = (sfu.participants || []).find((p) => p.participant.startsWith('staff_monitor-'));
  tap.check(sfu.audio_private === true && m && m.subscriptions.every((s) => s.kind !== 'audio') && m.subscriptions.some((s) => s.kind === 'video' && s.packets > 0),
    'the SFU agrees: the room is audio_private, the monitor has video subscriptions with packets and no audio one', JSON.stringify(m && m.subscriptions.map((s) => [s.kind, s.packets])));
  // The participants still hear each other.
  const heard = await adv.page.evaluate(async () => {
    let b = 0;
    (await window.parlourCall.session.sub.getStats()).forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'audio') b += x.bytesReceived || 0; });
    return b;
  }).catch(() => -1);
  tap.check(heard > 0, `the legal adviser receives the prisoner's audio (${heard} bytes)`);

  // Off again: no monitor token for legal calls (as before).
  r = await apiAs(stack, staff, 'PUT', '/establishments/PLR/legal-sight-monitoring', { legal_sight_monitoring: false });
  const monitor = await signInAPI(stack, 'monitor');
  r = await apiAs(stack, monitor, 'POST', `/visits/${legal.id}/join-token`, {});
  tap.check(r.status === 403 && r.json && r.json.error.code === 'policy_forbids_monitoring', 'switched off: booking refuses the monitor again', `${r.status}`);
});
