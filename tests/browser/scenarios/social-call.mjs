// Scenarios 2 and 3. A social call that starts now:
//  2. the family member and the prisoner join; each decodes at least 60
//     frames of the other's video (getStats); both saw the recording notice
//     before joining and see the indicator during the call; after a network
//     blip (the signalling socket dropped) the family page reconnects and
//     video flows again; a network change the browser reports restarts ICE
//     over the live socket; when the family's UDP path dies the page
//     restarts ICE by itself and media comes back over new ports — the
//     prisoner never sees a leave, a join or a track go.
//  3. a staff monitor opens the live wall, sees the call, opens it and
//     receives both parties' video; the participants' pages never list the
//     monitor; the monitor mutes the family member and then ends the call
//     with a reason; both pages say "ended by staff" and booking records it.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, endReason, framesByParticipant, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { waitFor, sleep } from '../lib/util.mjs';
import { udpBlackhole } from '../lib/blackhole.mjs';

await scenario('social-call', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const visit = await createCallNow(stack, staff, 'social', { minutes: 30 });
  tap.diag(`visit ${visit.id}: ${visit.type} ${visit.start} - ${visit.end}`);

  const fam = await person('family');
  const pri = await person('prisoner');
  await signInUI(fam.page, 'family');
  await signInUI(pri.page, 'prisoner');

  // The prisoner's in-cell page lists today's call with Join.
  await pri.page.goto('/calls/');
  await ready(pri.page);
  tap.check(await pri.page.isVisible(`[data-testid="join-${visit.id}"]`), "the prisoner's page lists today's call with a Join button");
  await screenshots(pri.page, 'prisoner-calls');

  // Device check with the notice, then join.
  await fam.page.goto(`/call/?visit=${visit.id}`);
  await ready(fam.page);
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'device-check');
  await fam.page.waitForFunction(() => document.querySelector('#preview').videoWidth > 0, null, { timeout: 10000 }).catch(() => {});
  const preview = await fam.page.evaluate(() => ({ w: document.querySelector('#preview').videoWidth, cams: document.querySelectorAll('#camera option').length, mics: document.querySelectorAll('#microphone option').length }));
  tap.check(preview.w > 0 && preview.cams >= 1 && preview.mics >= 1, 'the device check shows the camera preview and lists cameras and microphones', JSON.stringify(preview));
  await screenshots(fam.page, 'call-device-check');
  // Joining without confirming the notice is an error.
  await fam.page.click('#join');
  await fam.page.waitForSelector('.govuk-error-summary');
  tap.check(await fam.page.isVisible('#understood-error'), 'joining without confirming the recording notice shows an error');

  const [nf, np] = await Promise.all([joinCall(fam.page, visit.id), joinCall(pri.page, visit.id)]);
  tap.check(nf.shown && /recorded/.test(nf.text) && np.shown && /recorded/.test(np.text),
    'both the family member and the prisoner saw the recording notice before joining', JSON.stringify({ nf, np }));
  const ind = await Promise.all([fam.page, pri.page].map((p) => p.isVisible('#recording-indicator')));
  tap.check(ind.every(Boolean), 'both see the recording indicator during the call');

  const [ff, fp] = await Promise.all([waitFrames(fam.page, { min: 60 }), waitFrames(pri.page, { min: 60 })]);
  tap.ok(`each decodes at least 60 frames of the other's video (family ${JSON.stringify(ff)}, prisoner ${JSON.stringify(fp)})`);
  const names = await Promise.all([fam.page, pri.page].map((p) => p.$$eval('#tiles .app-tile__label', (xs) => xs.map((x) => x.textContent))));
  tap.check(names[0].length === 2 && names[1].length === 2, "each page shows two named tiles (self and the other person)", JSON.stringify(names));
  const q = await fam.page.textContent('#quality');
  tap.check(['good', 'fair', 'poor'].includes(q.trim()), 'the connection-quality indicator shows a measured value', q);
  await screenshots(fam.page, 'call-in-progress');
  await screenshots(pri.page, 'call-prisoner');

  // Mute and camera buttons toggle and say so.
  await fam.page.click('#mute');
  const muted = await fam.page.evaluate(() => ({ pressed: document.querySelector('#mute').getAttribute('aria-pressed'), enabled: window.parlourCall.session.localStream.getAudioTracks()[0].enabled }));
  await fam.page.click('#mute');
  tap.check(muted.pressed === 'true' && muted.enabled === false, 'the mute button stops the microphone and says it is pressed', JSON.stringify(muted));

  // A network blip: drop the family page's signalling socket; it must
  // reconnect by itself and video must flow again.
  const before = await framesByParticipant(pri.page);
  await fam.page.evaluate(() => { window.parlourCall.session.ws.close(); });
  await fam.page.waitForFunction(() => window.parlourCall.phase === 'reconnecting', null, { timeout: 5000 }).catch(() => {});
  const sawBanner = await fam.page.isVisible('#reconnecting');
  const rejoined = await fam.page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 }).then(() => true).catch(() => false);
  if (!rejoined) {
    const st = await fam.page.evaluate(() => ({ phase: window.parlourCall.phase, history: window.parlourCall.session.history.slice(-30).join(','), events: window.parlourCall.events.slice(-15) }));
    throw new Error(`the family page did not rejoin after the blip: ${JSON.stringify(st)}`);
  }
  const again = await waitFrames(fam.page, { min: 30, timeout: 30000 }).catch((e) => e);
  const priAfter = await waitFor(async () => {
    const f = await framesByParticipant(pri.page);
    return Object.values(f).some((n) => n > Math.max(0, ...Object.values(before)) + 30) ? f : null;
  }, { timeout: 30000, what: 'prisoner receiving video again' }).catch((e) => e);
  tap.check(!(again instanceof Error) && !(priAfter instanceof Error),
    `after a network blip the family page reconnects and video flows both ways again (banner shown: ${sawBanner})`,
    `${again instanceof Error ? again.message : ''} ${priAfter instanceof Error ? priAfter.message : ''}`);

  // A network change the browser reports (the 'online' event) while the
  // signalling socket still works: the page restarts ICE on both its
  // connections over it — new ICE credentials on both, frames keep coming,
  // no "reconnecting", nothing seen by the prisoner.
  const iceOf = (page) => page.evaluate(() => {
    const s = window.parlourCall.session;
    const uf = (d) => ((d && /a=ice-ufrag:(\S+)/.exec(d.sdp)) || [])[1] || null;
    return { pub: uf(s.pub && s.pub.localDescription), sub: uf(s.sub && s.sub.localDescription), restarts: s.iceRestarts,
      pubState: s.pub && s.pub.connectionState, subState: s.sub && s.sub.connectionState };
  });
  const maxFrames = async (page) => Math.max(0, ...Object.values(await framesByParticipant(page)));
  const seenBy = (page, from) => page.evaluate((n) => window.parlourCall.session.history.slice(n), from);
  const flowsAgain = async (page, base, what) => waitFor(async () => ((await maxFrames(page)) > base + 30 ? true : null),
    { timeout: 30000, what }).then(() => true, () => false);
  {
    const c0 = await iceOf(fam.page);
    const evMark = await fam.page.evaluate(() => window.parlourCall.events.length);
    const priMark = await pri.page.evaluate(() => window.parlourCall.session.history.length);
    const [f0, p0] = [await maxFrames(fam.page), await maxFrames(pri.page)];
    await fam.page.evaluate(() => window.dispatchEvent(new Event('online')));
    const c1 = await waitFor(async () => {
      const c = await iceOf(fam.page);
      return c.pub !== c0.pub && c.sub !== c0.sub && c.pubState === 'connected' && c.subState === 'connected' ? c : null;
    }, { timeout: 20000, what: 'both connections restarted and connected' }).catch((e) => e);
    const flowing = (await flowsAgain(fam.page, f0, 'family decoding')) && (await flowsAgain(pri.page, p0, 'prisoner decoding'));
    const states = await fam.page.evaluate((n) => window.parlourCall.events.slice(n).filter((e) => e.type === 'state').map((e) => e.state), evMark);
    const priSaw = await seenBy(pri.page, priMark);
    tap.diag(`online event: ufrags pub ${c0.pub} -> ${c1.pub}, sub ${c0.sub} -> ${c1.sub}; states ${states.join(',') || 'none'}; the prisoner was told ${priSaw.join(',') || 'nothing'}`);
    tap.check(!(c1 instanceof Error) && flowing && !states.includes('reconnecting')
      && !priSaw.some((t) => ['participant_left', 'participant_joined', 'track_unpublished'].includes(t)),
    'a network change reported by the browser restarts ICE on both connections over the live socket; video flows both ways; nobody sees a leave, a join or a track go',
    c1 instanceof Error ? c1.message : JSON.stringify({ c1, flowing, states, priSaw }));
  }

  // The network the family's candidate pairs used goes away (its UDP ports
  // unreachable both ways; signalling over TCP unaffected): the page sees
  // its connections disconnected, restarts ICE by itself, and media comes
  // back over new ports while the old ones are still dead.
  {
    const bh = udpBlackhole('lo');
    try {
      const ports = await fam.page.evaluate(async () => {
        const s = window.parlourCall.session;
        const out = new Set();
        for (const pc of [s.pub, s.sub]) {
          if (!pc) continue;
          (await pc.getStats()).forEach((r) => { if (r.type === 'local-candidate' && r.protocol === 'udp' && r.port) out.add(r.port); });
        }
        return [...out];
      });
      const evMark = await fam.page.evaluate(() => window.parlourCall.events.length);
      const priMark = await pri.page.evaluate(() => window.parlourCall.session.history.length);
      const r0 = (await iceOf(fam.page)).restarts;
      const t0 = Date.now();
      bh.block(ports);
      const [f0, p0] = [await maxFrames(fam.page), await maxFrames(pri.page)];
      const restartedAt = await waitFor(async () => ((await iceOf(fam.page)).restarts > r0 ? Date.now() : null),
        { timeout: 20000, what: 'an ICE restart' }).catch(() => null);
      const flowing = (await flowsAgain(fam.page, f0, 'family decoding')) && (await flowsAgain(pri.page, p0, 'prisoner decoding'));
      const backAt = Date.now();
      const now = await fam.page.evaluate(async () => {
        const s = window.parlourCall.session;
        const out = [];
        for (const pc of [s.pub, s.sub]) {
          const st = await pc.getStats();
          st.forEach((r) => {
            if (r.type !== 'transport' || !r.selectedCandidatePairId) return;
            const pair = st.get(r.selectedCandidatePairId);
            const lc = pair && st.get(pair.localCandidateId);
            if (lc) out.push(lc.port);
          });
        }
        return out;
      });
      const dropped = bh.dropped();
      const states = await fam.page.evaluate((n) => window.parlourCall.events.slice(n).filter((e) => e.type === 'state').map((e) => e.state), evMark);
      const priSaw = await seenBy(pri.page, priMark);
      tap.diag(`blackholed ports ${ports.join(',')}: restart ${restartedAt ? restartedAt - t0 : '-'} ms after, video both ways again ${backAt - t0} ms after; now on ports ${now.join(',')}; ${dropped} packets dropped; states ${states.join(',') || 'none'}; the prisoner was told ${priSaw.join(',') || 'nothing'}`);
      tap.check(restartedAt && flowing && now.length === 2 && now.every((pt) => !ports.includes(pt)) && dropped > 0,
        'when the family\'s network path dies the page restarts ICE by itself and video flows both ways again over new ports',
        JSON.stringify({ restartedAt, flowing, now, ports, dropped }));
      tap.check(!priSaw.some((t) => ['participant_left', 'participant_joined', 'track_unpublished'].includes(t)) && !states.includes('ended'),
        'through it the prisoner sees no leave, no join and no track go', JSON.stringify({ priSaw, states }));
      // The family's media stopped reaching the prisoner for seconds; the
      // prisoner's own path was fine and must not be "repaired".
      tap.check(!priSaw.some((t) => /^(media-stalled|ice-restart):/.test(t)),
        'the prisoner\'s page does not take the silence for a broken path of its own (no ICE restart there)', JSON.stringify(priSaw));
    } finally {
      bh.lift();
    }
  }

  // Scenario 3: the monitoring wall.
  const mon = await person('monitor');
  await signInUI(mon.page, 'monitor');
  await mon.page.goto('/staff/wall.html');
  await ready(mon.page);
  await mon.page.waitForSelector(`.app-wall__call[data-visit="${visit.id}"]`, { timeout: 15000 });
  tap.ok('the live monitoring wall shows the call');
  await mon.page.waitForFunction((id) => {
    const c = window.parlourWall.calls.get(id);
    return c && c.session && c.session.state === 'joined';
  }, visit.id, { timeout: 20000 });
  const tileVideo = await waitFor(() => mon.page.evaluate((id) => {
    const li = document.querySelector(`.app-wall__call[data-visit="${id}"]`);
    const vids = [...li.querySelectorAll('video')];
    return vids.length >= 2 && vids.every((v) => v.videoWidth > 0) ? vids.map((v) => `${v.videoWidth}x${v.videoHeight}`) : null;
  }, visit.id), { timeout: 30000, what: 'both wall tiles playing' }).catch((e) => e);
  tap.check(!(tileVideo instanceof Error), `the wall tile plays both participants' video (${tileVideo instanceof Error ? tileVideo.message : tileVideo.join(', ')})`);
  // Video bitrate (kbit/s over 3 s) a page receives for this call: on the
  // wall (one tile set) or on the monitor page.
  const videoKbps = (page, where) => page.evaluate(async ({ where: w, id }) => {
    const s = w === 'wall' ? window.parlourWall.calls.get(id).session : window.parlourMonitor.session;
    const sum = async () => (await s.stats()).inbound.filter((i) => i.kind === 'video').reduce((a, i) => a + i.bytesReceived, 0);
    const a = await sum();
    await new Promise((r) => setTimeout(r, 3000)); // the measuring window
    return Math.round(((await sum()) - a) * 8 / 3000);
  }, { where, id: visit.id });
  const wallKbps = await videoKbps(mon.page, 'wall');
  // Low bandwidth: two small tiles should cost far less than the full view
  // (about 1 Mbit/s here). The wall asks with b=AS:150 per video; the SFU
  // has to honour it (or send a low simulcast layer) for this to hold.
  tap.check(wallKbps > 0 && wallKbps <= 400, `the wall's tiles of the call are live at low bandwidth (${wallKbps} kbit/s of video for both, limit 400)`,
    'the SFU forwards the full-rate stream to the wall: it ignores b=AS in the subscriber answer and has one layer per track');
  await screenshots(mon.page, 'staff-wall');

  await Promise.all([mon.page.waitForURL(/monitor\.html/), mon.page.click(`.app-wall__call[data-visit="${visit.id}"] a`)]);
  await ready(mon.page);
  await mon.page.waitForFunction(() => window.parlourMonitor && window.parlourMonitor.phase === 'joined', null, { timeout: 20000 });
  const mf = await waitFrames(mon.page, { min: 30, count: 2, handle: 'parlourMonitor' }).catch((e) => e);
  tap.check(!(mf instanceof Error), `the monitor receives both parties' video (${mf instanceof Error ? mf.message : JSON.stringify(mf)})`);
  await screenshots(mon.page, 'staff-monitor');
  tap.diag(`the monitor's full view receives ${await videoKbps(mon.page, 'monitor')} kbit/s of video in all`);

  // Participants never list the monitor.
  await sleep(1000); // an observation window: absence has no event to wait for
  const lists = await Promise.all([fam.page, pri.page].map((p) => p.evaluate(() => ({
    participants: window.parlourCall.participants, tiles: [...document.querySelectorAll('#tiles li')].length,
  }))));
  tap.check(lists.every((l) => l.participants.length === 1 && l.tiles === 2 && !l.participants.some((p) => /monitor|staff/.test(p.role))),
    "the participants' pages never list the monitor", JSON.stringify(lists));

  // Mute the family member from the monitor page.
  const famId = await fam.page.evaluate(() => window.parlourCall.session.self);
  await mon.page.click(`[data-mute="${famId}"]`);
  const told = await fam.page.waitForFunction(() => window.parlourCall.events.some((e) => e.type === 'muted'), null, { timeout: 10000 }).then(() => true).catch(() => false);
  const micOff = await fam.page.evaluate(() => !window.parlourCall.session.localStream.getAudioTracks()[0].enabled);
  tap.check(told && micOff, 'staff mute the family member: their page turns the microphone off and tells them');

  // End the call with a reason: the reason is required.
  await mon.page.click('#end-call');
  await mon.page.waitForSelector('.govuk-error-summary');
  tap.check(await mon.page.isVisible('#end-reason-error'), 'ending a call without a reason is an error');
  await mon.page.fill('#end-reason', 'Test: rules broken on the call');
  await mon.page.click('#end-call');
  const [ef, ep] = await Promise.all([endReason(fam.page), endReason(pri.page)]);
  tap.check(ef.reason === 'terminated_by_staff' && /ended by prison staff/.test(ef.text) && ep.reason === 'terminated_by_staff' && /ended by prison staff/.test(ep.text),
    'both pages say the call was ended by staff', JSON.stringify({ ef, ep }));
  await screenshots(fam.page, 'call-ended-by-staff');
  const rec = await waitFor(async () => {
    const r = await apiAs(stack, staff, 'GET', `/visits/${visit.id}`);
    return r.json && r.json.status === 'terminated' ? r.json : null;
  }, { timeout: 15000, what: 'booking to record the termination' }).catch((e) => e);
  tap.check(!(rec instanceof Error), 'booking records the call as terminated by staff', rec instanceof Error ? rec.message : rec.status_reason);
  const audit = await apiAs(stack, staff, 'GET', `/visits/${visit.id}/audit`);
  const actions = audit.json ? audit.json.entries.map((e) => e.action.replace(/^event_/, '')) : [];
  tap.check(actions.includes('call_ended') && actions.includes('participant_muted'), 'the audit trail has the mute and the end of the call', JSON.stringify(actions));
  tap.diag(`recording of the social call: ${actions.filter((a) => a === 'recording_file').length} recording_file event(s) in booking's audit`);
  await mon.page.goto(`/staff/audit.html?visit=${visit.id}`);
  await ready(mon.page);
  await screenshots(mon.page, 'staff-audit');
});
