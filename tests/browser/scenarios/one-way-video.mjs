// One-way video (issue 17 part 3) in two browsers: booking staff set
// prisoner_sees_no_video on Tom with a reason; both call pages tell it before
// any media (the family: the prisoner will not see you; the prisoner: you will
// not see them), and the calls list says it too; in the call the family page
// decodes >= 60 frames of the prisoner's video while the prisoner's page
// decodes none (it never even gets a video track: the SFU does not forward
// it), and both receive audio. Lifted afterwards.
import { scenario } from '../lib/scenario.mjs';
import { signInUI, signInAPI, apiAs, createCallNow, joinCall, waitFrames, framesByParticipant, ready } from '../lib/flows.mjs';
import { screenshots } from '../lib/chromium.mjs';
import { sleep } from '../lib/util.mjs';

await scenario('one-way-video', async ({ tap, stack, person }) => {
  const staff = await signInAPI(stack, 'staff');
  const tom = (await apiAs(stack, staff, 'GET', '/prisoners')).json.prisoners.find((p) => p.prison_number === 'A1234BC');
  let r = await apiAs(stack, staff, 'POST', `/prisoners/${tom.id}/one-way-video`, { direction: 'prisoner_sees_no_video', reason: 'browser test' });
  tap.check(r.status === 200, 'booking staff set one-way video on the prisoner', r.text);
  const visit = await createCallNow(stack, staff, 'social', { minutes: 30 });

  const fam = await person('family');
  const pri = await person('prisoner');
  await signInUI(fam.page, 'family');
  await signInUI(pri.page, 'prisoner');
  await pri.page.goto('/calls/');
  await ready(pri.page);
  tap.check(await pri.page.isVisible(`[data-visit="${visit.id}"] [data-one-way="prisoner_sees_no_video"]`), 'the calls list says one-way video on the call');

  const [nf, np] = await Promise.all([joinCall(fam.page, visit.id), joinCall(pri.page, visit.id)]);
  const notices = await Promise.all([fam.page, pri.page].map((p) => p.evaluate(() => ({
    shown: window.parlourCall.oneWayNoticeShown, text: window.parlourCall.oneWayNoticeText }))));
  tap.check(notices[0].shown && /will not see you/.test(notices[0].text), 'the family page told them before the call that the prisoner will not see them', JSON.stringify(notices[0]));
  tap.check(notices[1].shown && /You will not see the other people/.test(notices[1].text), 'the prisoner\'s page told him before the call that he will not see them', JSON.stringify(notices[1]));
  tap.check(nf.shown && np.shown, 'the recording notice was shown too');
  const ind = await Promise.all([fam.page, pri.page].map((p) => p.isVisible('#one-way-indicator')));
  tap.check(ind.every(Boolean), 'both see the one-way video tag during the call');

  const ff = await waitFrames(fam.page, { min: 60 });
  tap.ok(`the family page decodes the prisoner's video (${JSON.stringify(ff)})`);
  await sleep(3000); // the prisoner's page has had every chance to receive video
  const fp = await framesByParticipant(pri.page);
  const tracks = await pri.page.evaluate(async () => {
    const st = await window.parlourCall.session.stats();
    return { video: st.inbound.filter((i) => i.kind === 'video').length, audio: st.inbound.filter((i) => i.kind === 'audio').reduce((a, i) => a + i.packetsReceived, 0) };
  });
  const famAudio = await fam.page.evaluate(async () => (await window.parlourCall.session.stats()).inbound.filter((i) => i.kind === 'audio').reduce((a, i) => a + i.packetsReceived, 0));
  tap.check(Object.values(fp).every((n) => n === 0) && tracks.video === 0,
    `the prisoner's page decodes no video frame (no inbound video at all: ${JSON.stringify(fp)}, ${tracks.video} video streams)`);
  tap.check(tracks.audio > 100 && famAudio > 100, `both receive audio (prisoner ${tracks.audio}, family ${famAudio} packets)`);
  await screenshots(pri.page, 'one-way-prisoner');
  await screenshots(fam.page, 'one-way-family');
  r = await apiAs(stack, staff, 'POST', `/prisoners/${tom.id}/one-way-video`, { direction: 'off', reason: 'browser test over' });
  tap.check(r.status === 200, 'lifted');
});
