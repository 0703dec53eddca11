// The call page, for every role that takes part in calls:
//   1. device check: camera preview, microphone level, choice of devices, and
//      (when the call is recorded or monitored) the notice, before any media
//      leaves the browser (GOV.UK look);
//   2. the call, like a phone video call: the others fill the window (stage.mjs),
//      your own picture small and movable, the notices and time left small at
//      the top, controls in a bar at the bottom, full screen, audio only
//      (offered or chosen by the page when the link cannot carry video:
//      call/bandwidth.mjs), clear connecting / reconnecting states;
//   3. the end screen with the reason (time up, ended by staff, left, booking's decisions).
// Every word is in the catalogues (js/i18n/). window.parlourCall exposes
// state and stats for the browser tests.
import { html, raw } from '../html.mjs';
import { page, ready, pageProblem, announce, setTitle, homeFor } from '../layout.mjs';
import { requireUser, pauseTimeout } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { visitTypeName, duration, inZone } from '../format.mjs';
import { otherParties } from '../people.mjs';
import { t, lang, has } from '../i18n/index.mjs';
import { CallSession, qualityOf } from '../call/session.mjs';
import { Tiles } from '../call/tiles.mjs';
import { participantLabel } from '../call/labels.mjs';
import { Stage } from '../call/stage.mjs';
import { BandwidthJudge, sampleStats } from '../call/bandwidth.mjs';
import { MediaMode } from '../call/media-mode.mjs';
import { ICONS } from '../call/icons.mjs';
import { openMedia, listDevices, watchLevel } from '../call/devices.mjs';
import { E2EE, e2eeSupport } from '../call/e2ee.mjs';

const user = await requireUser();
const params = new URLSearchParams(location.search);
const visitId = params.get('visit') || '';
const home = homeFor(user.role);
const main = page({ title: t('call.checkTitle'), user, wide: true, backLink: home });
const T = (window.parlourCall = { phase: 'loading', noticeShown: false, noticeAcknowledged: false, endReason: null, events: [], bandwidth: [] });

let visit;
try {
  visit = await get(`/visits/${encodeURIComponent(visitId)}`);
} catch (e) {
  pageProblem(main, e.status === 404 ? new Error(t('call.notFound')) : e);
  throw e;
}
const recorded = visit.recording === 'required';
// video_only: a legal call whose establishment lets its monitors watch the
// video, never hear the sound (docs/media.md, "Sight-only monitoring").
const sightOnly = visit.monitoring === 'video_only';
const monitored = visit.monitoring === 'allowed' || sightOnly;
const others = otherParties(visit, user);
// Legal and telemedicine calls are encrypted end to end (docs/media.md): a
// browser that cannot do it is told so and never joins (no downgrade).
const e2eeNeeded = visit.e2ee === 'required' || visit.type === 'legal' || visit.type === 'telemedicine';
const e2eeHow = e2eeSupport();
T.e2eeNeeded = e2eeNeeded;
T.e2eeHow = e2eeHow;

const noticeText = `${recorded ? t('notice.recorded') : ''}${recorded && monitored ? ' ' : ''}${monitored ? t(sightOnly ? 'notice.sightOnly' : 'notice.monitored') : ''}`;
const notice = recorded || monitored ? html`
  <div class="govuk-warning-text" id="recording-notice">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span>${noticeText}</strong>
  </div>` : html`<div class="govuk-inset-text" id="privacy-notice">${t('notice.private')}</div>`;
// One-way video (docs/booking.md): told before any media leaves the browser.
const oneWay = (visit.one_way_video && visit.one_way_video.direction) || 'off';
const oneWayKey = oneWayNotice(oneWay, user.role);
T.oneWay = oneWay;
function oneWayNotice(direction, role) {
  const prisoner = role === 'prisoner', visitor = role === 'family';
  if (direction === 'prisoner_sees_no_video') return prisoner ? 'notice.oneWay.youSeeNoVideo' : visitor ? 'notice.oneWay.prisonerSeesNoVideo' : null;
  if (direction === 'visitors_see_no_video') return visitor ? 'notice.oneWay.youSeeNoVideo' : prisoner ? 'notice.oneWay.visitorsSeeNoVideo' : null;
  return direction === 'off' ? null : 'notice.oneWay.changed';
}
const oneWayHtml = oneWayKey ? html`
  <div class="govuk-inset-text" id="one-way-notice"><strong>${t('notice.oneWay.title')}</strong> ${t(oneWayKey)}</div>` : '';
const understoodText = recorded && monitored ? t('notice.understandBoth') : recorded ? t('notice.understandRecorded') : sightOnly ? t('notice.understandSightOnly') : t('notice.understandMonitored');

// ---- 1. device check -------------------------------------------------------
let stream = null;
let stopLevel = () => {};
const caption = others.length
  ? t('call.captionWith', { type: visitTypeName(visit.type), names: others.join(', '), date: inZone(visit.time_zone).longDate(visit.start), time: inZone(visit.time_zone).timeRange(visit.start, visit.end) })
  : t('call.caption', { type: visitTypeName(visit.type), date: inZone(visit.time_zone).longDate(visit.start), time: inZone(visit.time_zone).timeRange(visit.start, visit.end) });
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <span class="govuk-caption-l">${caption}</span>
  <h1 class="govuk-heading-l">${t('call.checkTitle')}</h1>
  ${notice}
  ${e2eeNeeded && e2eeHow ? html`<div class="govuk-inset-text" id="e2ee-notice">${t(sightOnly ? 'call.e2eeNoticeSightOnly' : 'call.e2eeNotice')}</div>` : ''}
  ${(visit.interpreters || []).map((i) => html`<div class="govuk-inset-text" id="interpreter-notice">${t('interpreter.notice', { language: i.language })}</div>`)}
  ${e2eeNeeded && !e2eeHow ? html`<div class="govuk-error-summary" data-module="govuk-error-summary" id="e2ee-unsupported" role="alert" tabindex="-1">
    <div class="govuk-error-summary__body"><p class="govuk-body">${t('call.e2eeUnsupported')}</p></div></div>` : ''}
  ${oneWayHtml}
  <div class="app-preview">
    <video id="preview" class="app-preview__video" autoplay playsinline muted aria-label="${t('call.preview')}"></video>
  </div>
  <div class="govuk-form-group">
    <label class="govuk-label" for="mic-level">${t('call.micLevel')}</label>
    <meter id="mic-level" class="app-meter" min="0" max="1" low="0.05" high="0.9" optimum="0.5" value="0"></meter>
  </div>
  <form id="device-form" novalidate>
    <div class="govuk-form-group">
      <label class="govuk-label" for="camera">${t('call.camera')}</label>
      <select class="govuk-select" id="camera" name="camera"></select>
    </div>
    <div class="govuk-form-group">
      <label class="govuk-label" for="microphone">${t('call.microphone')}</label>
      <select class="govuk-select" id="microphone" name="microphone"></select>
    </div>
    ${recorded || monitored ? html`
    <div class="govuk-form-group">
      <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
        <div class="govuk-checkboxes__item">
          <input class="govuk-checkboxes__input" id="understood" name="understood" type="checkbox" value="yes">
          <label class="govuk-label govuk-checkboxes__label" for="understood">${understoodText}</label>
        </div>
      </div>
    </div>` : ''}
    <button type="submit" class="govuk-button" data-module="govuk-button" id="join">${t('call.join')}</button>
  </form>
  </div></div>`);
T.noticeShown = !!main.querySelector('#recording-notice');
T.oneWayNoticeShown = !!main.querySelector('#one-way-notice');
T.oneWayNoticeText = T.oneWayNoticeShown ? main.querySelector('#one-way-notice').textContent.trim() : '';

async function startPreview(cameraId, micId) {
  if (stream) stream.getTracks().forEach((x) => x.stop());
  stopLevel();
  stream = await openMedia({ cameraId, micId });
  main.querySelector('#preview').srcObject = stream;
  const meter = main.querySelector('#mic-level');
  stopLevel = watchLevel(stream, (v) => { meter.value = v; T.micLevel = Math.max(T.micLevel || 0, v); });
  const { cameras, mics } = await listDevices();
  const fill = (sel, list, current, key) => {
    sel.innerHTML = String(html`${list.map((d, i) => html`<option value="${d.deviceId}"${d.deviceId === current ? html` selected` : ''}>${d.label || t(key, { n: i + 1 })}</option>`)}`);
  };
  const vt = stream.getVideoTracks()[0]; const at = stream.getAudioTracks()[0];
  fill(main.querySelector('#camera'), cameras, vt && vt.getSettings().deviceId, 'call.cameraN');
  fill(main.querySelector('#microphone'), mics, at && at.getSettings().deviceId, 'call.microphoneN');
}

main.querySelector('#device-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(main);
  const box = main.querySelector('#understood');
  if (box && !box.checked) {
    showErrors(main, [{ field: 'understood', text: recorded ? t('notice.confirmRecorded') : t('notice.confirmMonitored') }]);
    return;
  }
  if (!stream) {
    showErrors(main, [{ field: null, text: t('call.noDevices') }]);
    return;
  }
  if ((e2eeNeeded && !e2eeHow)) {
    showErrors(main, [{ field: null, text: t('call.e2eeUnsupported') }]);
    T.e2eeRefused = true;
    return;
  }
  const button = main.querySelector('#join');
  button.disabled = true;
  try {
    const tok = await post(`/visits/${encodeURIComponent(visitId)}/join-token`, {});
    if (tok.e2ee === 'required' && !e2eeHow) {
      button.disabled = false;
      showErrors(main, [{ field: null, text: t('call.e2eeUnsupported') }]);
      T.e2eeRefused = true;
      return;
    }
    T.noticeAcknowledged = T.noticeShown;
    stopLevel();
    startCall(tok);
  } catch (e) {
    button.disabled = false;
    // Booking's messages are English; the codes a person meets here have words in each language.
    const code = e instanceof ApiError ? e.code : null;
    // The ID check's refusals name the visitor (and a rejection's reason): booking's words in English.
    const text = code === 'too_early' ? t('call.tooEarly') : code && code.startsWith('identity_') ? bookingWords(e.message, code) : code && has(`code.${code}`) ? t(`code.${code}`) : e.message;
    showErrors(main, [{ field: null, text }]);
  }
});

try {
  await startPreview();
} catch (e) {
  showErrors(main, [{ field: null, text: t('call.devicesRefused', { why: e.name || e.message }) }]);
}
main.querySelector('#camera').addEventListener('change', (e) => startPreview(e.target.value, main.querySelector('#microphone').value).catch(() => {}));
main.querySelector('#microphone').addEventListener('change', (e) => startPreview(main.querySelector('#camera').value, e.target.value).catch(() => {}));

// The form is live (its handler attached) before anyone can press Join.
T.phase = 'device-check';
ready(main);

// ---- 2. the call -----------------------------------------------------------
const control = (id, key, icon, extra = '') => html`
  <button type="button" class="app-ctl${extra}" id="${id}"${id === 'leave' ? '' : raw(' aria-pressed="false"')}>
    <span class="app-ctl__icon" aria-hidden="true">${raw(ICONS[icon])}</span><span class="app-ctl__label">${t(key)}</span>
  </button>`;

function startCall(tok) {
  pauseTimeout();
  const e2ee = tok.e2ee === 'required' || e2eeNeeded ? new E2EE({ room: visitId, how: e2eeHow }) : null;
  T.e2ee = e2ee;
  setTitle(t('call.title'));
  document.body.classList.add('app-in-call');
  const endAt = Date.parse(visit.end);
  const canFullscreen = !!(document.documentElement.requestFullscreen && document.fullscreenEnabled !== false);
  main.innerHTML = String(html`
    <div class="app-call" id="call" data-state="connecting">
      <div class="app-call__top">
        <h1 class="app-call__title">${visitTypeName(visit.type)}</h1>
        ${recorded ? html`<strong class="govuk-tag govuk-tag--red" id="recording-indicator"><span aria-hidden="true">&#9679; </span>${t('call.recording')}</strong>` : ''}
        ${monitored ? html`<strong class="govuk-tag govuk-tag--orange" id="monitoring-indicator">${t('call.monitoring')}</strong>` : ''}
        <strong class="govuk-tag govuk-tag--purple" id="one-way-indicator"${oneWayKey ? '' : raw(' hidden')}>${t('call.oneWay')}</strong>
        <p class="app-call__item">${t('call.timeLeft')} <strong id="time-left" role="timer">${duration((endAt - Date.now()) / 1000)}</strong></p>
        <p class="app-call__item">${t('call.connection')} <strong class="govuk-tag govuk-tag--grey" id="quality">${t('quality.unknown')}</strong></p>
        <p class="app-call__item" id="media-mode" hidden></p>
        ${e2ee ? html`<strong class="govuk-tag govuk-tag--green" id="e2ee-indicator">${t('call.encrypted')}</strong>
        <p class="app-call__item" id="safety">${t('call.safetyCode')} <strong id="safety-code" aria-describedby="safety-help">${t('call.safetyWaiting')}</strong>
          <span class="govuk-visually-hidden" id="safety-help">${t('call.safetyHelp')}</span></p>` : ''}
      </div>
      <div class="app-call__main">
        <ul class="app-stage" id="tiles" aria-label="${t('call.people')}"></ul>
        <p class="app-call__status" id="call-status" role="status"><span class="app-spinner" aria-hidden="true"></span>${t('call.connecting')}</p>
        <p class="app-call__status" id="waiting" hidden>${t('call.waiting')}</p>
        <div class="app-call__banners">
          <div id="reconnecting" class="govuk-notification-banner" role="region" aria-labelledby="reconnecting-title" hidden>
            <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="reconnecting-title">${t('call.lostTitle')}</h2></div>
            <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="reconnecting-text">${t('call.reconnecting')}</p></div>
          </div>
          <div id="lowband" class="app-lowband" role="region" aria-label="${t('lowband.region')}" hidden>
            <p id="lowband-text"></p>
            <button type="button" class="govuk-button govuk-button--secondary" id="lowband-yes" hidden>${t('lowband.switch')}</button>
            <button type="button" class="govuk-button govuk-button--secondary" id="lowband-no" hidden>${t('lowband.keep')}</button>
          </div>
        </div>
      </div>
      <div class="app-call__controls" role="group" aria-label="${t('call.controls')}">
        ${control('mute', 'call.mute', 'mic')}
        ${control('camera-toggle', 'call.cameraOff', 'camera')}
        ${control('audio-only', 'call.audioOnly', 'audio')}
        ${canFullscreen ? control('fullscreen', 'call.fullscreen', 'fullscreen') : ''}
        ${control('leave', 'call.leave', 'leave', ' app-ctl--leave')}
      </div>
    </div>`);
  ready(main);
  T.phase = 'joining';
  const $ = (s) => main.querySelector(s);
  const callEl = $('#call');
  const tiles = new Tiles($('#tiles'));
  tiles.ensure('self', user.display_name, { self: true });
  tiles.attach('self', stream);
  const stage = new Stage($('#tiles'), tiles, 'self');
  const session = new CallSession({ signalUrl: tok.signal_url, token: tok.token, iceServers: tok.ice_servers, room: visitId, publish: tok.grants ? tok.grants.publish !== false : true, localStream: stream, e2ee });
  if (e2ee) {
    // The safety code: the same on both pages exactly when nobody in
    // between swapped a key (e2ee-keys.mjs).
    e2ee.addEventListener('safety', (e) => {
      T.safetyCode = e.detail.code;
      main.querySelector('#safety-code').textContent = e.detail.code || t('call.safetyWaiting');
    });
    e2ee.addEventListener('error', (e) => T.events.push({ type: 'e2ee-error', at: Date.now(), ...e.detail }));
  }
  T.session = session;
  // The establishment's low-bandwidth profile applies to in-cell devices
  // (booking says so in the join-token answer: video_profile).
  const profile = user.role === 'prisoner' && tok.video_profile === 'low' ? 'low' : 'standard';
  T.videoProfile = profile;
  const media = new MediaMode(session, { profile });
  T.media = media;
  const judge = new BandwidthJudge(T.bandwidthOptions || {});
  T.judge = judge;
  const log = (type, d) => T.events.push({ type, at: Date.now(), ...(d || {}) });

  // What the stage shows: connecting, waiting for others, or the call.
  const showState = () => {
    const s = session.state;
    const n = session.participants.size;
    const st = s === 'joined' ? (n ? 'in-call' : 'waiting') : s === 'reconnecting' ? 'reconnecting' : 'connecting';
    callEl.dataset.state = st;
    $('#call-status').hidden = st !== 'connecting';
    $('#waiting').hidden = st !== 'waiting';
  };

  // The banner says why we are waiting: a lost connection, or booking not
  // yet confirming the visit (admission_unavailable: we try again by ourselves).
  const banner = (checking) => {
    $('#reconnecting-title').textContent = checking ? t('call.checkingTitle') : t('call.lostTitle');
    $('#reconnecting-text').textContent = checking ? t('call.checking') : t('call.reconnecting');
  };
  session.addEventListener('checking', (e) => {
    log('checking', e.detail);
    T.checking = (T.checking || 0) + 1;
    banner(true);
    announce(t('call.checking'));
  });
  session.addEventListener('state', (e) => {
    log('state', e.detail);
    T.phase = e.detail.state;
    if (e.detail.state === 'ended') return;
    $('#reconnecting').hidden = e.detail.state !== 'reconnecting';
    const checking = e.detail.state === 'reconnecting' && !!T.checking && session.lastError === null && !T.everJoined;
    banner(checking);
    if (e.detail.state === 'reconnecting' && !checking) announce(t('call.lostAnnounce'));
    if (e.detail.state === 'joined' && T.everJoined) announce(t('call.reconnected'));
    if (e.detail.state === 'joined') T.everJoined = true;
    showState();
  });
  session.addEventListener('participants', (e) => {
    tiles.sync(e.detail.list, 'self');
    for (const [pid, ms] of session.remote) if (tiles.items.has(pid)) tiles.attach(pid, ms);
    T.participants = e.detail.list.map((p) => ({ id: p.id, name: p.name, role: p.role, label: participantLabel(p) }));
    showState();
  });
  session.addEventListener('track', (e) => {
    const p = session.participants.get(e.detail.participant);
    if (!p) return; // a track of someone we are not told about is never shown
    tiles.ensure(e.detail.participant, participantLabel(p));
    tiles.attach(e.detail.participant, e.detail.stream);
  });
  session.addEventListener('trackgone', (e) => tiles.remove(e.detail.participant));
  session.addEventListener('speaking', (e) => stage.speaking(e.detail.participant, e.detail.speaking));
  session.addEventListener('active_speaker', (e) => stage.activeSpeaker(e.detail.participant));
  session.addEventListener('muted', (e) => {
    const video = e.detail.kind === 'video';
    const b = $(video ? '#camera-toggle' : '#mute');
    b.setAttribute('aria-pressed', 'true');
    if (video) media.cameraOff = true;
    announce(video ? t('call.staffCameraOff') : t('call.staffMicOff'));
    log('muted', e.detail);
  });
  session.addEventListener('ending_soon', (e) => {
    const s = e.detail.seconds;
    announce(s >= 60 ? t('call.endsInMinutes', { n: Math.round(s / 60) }) : t('call.endsInSeconds', { n: s }));
  });
  // Staff saw someone on camera who is not booked on this call: the words are
  // ours (English or Welsh), shown until the call ends.
  session.addEventListener('staff_notice', (e) => {
    if (e.detail.notice !== 'unexpected_person') return;
    let box = document.getElementById('staff-notice');
    if (!box) {
      box = document.createElement('div');
      box.id = 'staff-notice';
      box.className = 'govuk-notification-banner';
      box.setAttribute('role', 'alert');
      box.innerHTML = String(html`<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title">${t('call.notice.title')}</h2></div>
        <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${t('call.notice.unexpectedPerson')}</p></div>`);
      main.prepend(box);
    }
    announce(t('call.notice.unexpectedPerson'));
    log('staff_notice', e.detail);
  });
  session.addEventListener('one_way_video', (e) => {
    const key = oneWayNotice(e.detail.direction, user.role);
    T.oneWay = e.detail.direction;
    $('#one-way-indicator').hidden = !key;
    announce(key ? t(key) : t('notice.oneWay.lifted'));
    log('one_way_video', e.detail);
  });
  session.addEventListener('error', (e) => log('error', e.detail));
  session.addEventListener('ended', (e) => endScreen(e.detail.reason, e.detail.message, e.detail));
  // After each (re)join the connections may be new: audio only and the
  // profile are applied to them again.
  session.addEventListener('joined', () => { setTimeout(() => media.apply().catch(() => {}), 500); });

  const press = (b, on) => b.setAttribute('aria-pressed', String(on));
  $('#mute').addEventListener('click', (e) => {
    const b = e.currentTarget;
    const on = b.getAttribute('aria-pressed') !== 'true';
    session.setLocalEnabled('audio', !on);
    press(b, on);
  });
  $('#camera-toggle').addEventListener('click', (e) => {
    const b = e.currentTarget;
    const off = b.getAttribute('aria-pressed') !== 'true';
    media.setCameraOff(off);
    press(b, off);
  });

  // Audio only: chosen by the person (the button, or yes to the offer) or
  // by the page when the link cannot carry video (then it says so).
  const modeLine = $('#media-mode');
  const lowband = (text, { offer = false } = {}) => {
    $('#lowband').hidden = !text;
    $('#lowband-text').textContent = text || '';
    $('#lowband-yes').hidden = !offer;
    $('#lowband-no').hidden = !offer;
    if (text) announce(text);
  };
  const setAudioOnly = async (on, why) => {
    press($('#audio-only'), on);
    $('#tiles').classList.toggle('app-stage--audio-only', on);
    callEl.dataset.media = on ? 'audio-only' : 'video';
    modeLine.hidden = !on;
    modeLine.textContent = on ? t('call.audioOnlyOn') : '';
    log('audio-only', { on, why });
    await media.setAudioOnly(on);
    T.audioOnlyWhy = why;
    T.audioOnly = on;
  };
  $('#audio-only').addEventListener('click', async (e) => {
    const on = e.currentTarget.getAttribute('aria-pressed') !== 'true';
    judge.choose(on);
    lowband(null);
    await setAudioOnly(on, 'person');
  });
  $('#lowband-yes').addEventListener('click', async () => {
    judge.choose(true);
    lowband(t('lowband.chosen'));
    await setAudioOnly(true, 'person');
  });
  $('#lowband-no').addEventListener('click', () => { judge.choose(false); lowband(null); });

  // Full screen: the whole page (the live region stays in it).
  const fsButton = $('#fullscreen');
  if (fsButton) {
    fsButton.addEventListener('click', async () => {
      try {
        if (document.fullscreenElement) await document.exitFullscreen();
        else await document.documentElement.requestFullscreen({ navigationUI: 'hide' });
      } catch (err) { log('fullscreen', { error: String(err && err.message || err) }); }
    });
    document.addEventListener('fullscreenchange', () => press(fsButton, !!document.fullscreenElement));
  }
  $('#leave').addEventListener('click', () => session.leave());

  // Once a second: time left, the quality tag, and the bandwidth judge.
  let counters = {};
  const timer = setInterval(async () => {
    const left = (endAt - Date.now()) / 1000;
    const el = $('#time-left');
    if (el) el.textContent = duration(left);
    // Signalling ends the call at its end time; if we hear nothing 15 s
    // after, we end it here so nobody is left in a dead call.
    if (left < -15 && !session.ended) session.finish('time_up');
    if (session.state !== 'joined') return;
    media.tick().catch(() => {});
    try {
      const st = await session.stats();
      T.lastStats = st;
      const q = qualityOf(st);
      const tag = $('#quality');
      if (tag) {
        tag.textContent = t(`quality.${q}`);
        tag.dataset.quality = q;
        tag.className = `govuk-tag ${{ good: 'govuk-tag--green', fair: 'govuk-tag--yellow', poor: 'govuk-tag--red', unknown: 'govuk-tag--grey' }[q]}`;
      }
      const sample = await sampleStats(session.pub, session.sub, counters);
      counters = sample.counters;
      if (T.sampleOverride) Object.assign(sample, T.sampleOverride);
      T.bandwidth.push({ t: sample.t, outKbps: sample.outKbps, lossPct: sample.lossPct, rttMs: sample.rttMs, mode: judge.mode });
      if (T.bandwidth.length > 600) T.bandwidth.shift();
      const action = judge.step(sample);
      if (action) log('bandwidth', { action, sample: { outKbps: sample.outKbps, lossPct: sample.lossPct, rttMs: sample.rttMs } });
      if (action === 'offer') lowband(t('lowband.offer'), { offer: true });
      else if (action === 'withdraw') lowband(null);
      else if (action === 'auto-audio') { lowband(t('lowband.auto')); await setAudioOnly(true, 'page'); }
      else if (action === 'return-video') { lowband(t('lowband.back')); await setAudioOnly(false, 'page'); }
    } catch { /* stats are best effort */ }
  }, 1000);
  T.stopTimer = () => clearInterval(timer);
  showState();
  session.start();
}

// ---- 3. the end screen -----------------------------------------------------
// The call's own ends: [words, short reason] (catalogue keys).
const REASONS = {
  time_up: ['end.timeUp', 'end.timeUpShort'],
  terminated_by_staff: ['end.byStaff', 'end.byStaffShort'],
  ended_by_staff: ['end.byStaff', 'end.byStaffShort'],
  left: ['end.left', 'end.leftShort'],
  removed: ['end.removed', 'end.removedShort'],
  replaced: ['end.replaced', 'end.replacedShort'],
  e2ee_required: ['code.e2ee_required', 'end.e2eeShort'],
  e2ee_unsupported: ['code.e2ee_required', 'end.e2eeShort'],
  e2ee_failed: ['end.e2eeFailed', 'end.e2eeShort'],
};
// Booking's decisions and refusals (docs/signalling-protocol.md): signalling
// sends booking's plain words (English) as message; in English they are
// shown, in Welsh the words for the code (catalogue "code.<code>").
const CODES = ['visit_cancelled', 'visit_rescheduled', 'removed_by_staff', 'visitor_banned', 'contact_not_approved', 'account_disabled', 'policy_changed', 'visit_not_found', 'visit_terminated', 'visit_over', 'too_early', 'too_late', 'participant_removed', 'not_participant', 'policy_forbids_monitoring', 'call_ended', 'identity_unverified', 'identity_pending', 'identity_rejected', 'identity_expired'];
const codeWords = (code) => (CODES.includes(code) ? t(`code.${code}`) : null);
const bookingWords = (message, code) => (lang() === 'en' ? (message || codeWords(code)) : (codeWords(code) || message));

function endScreen(reason, message, detail = {}) {
  if (T.stopTimer) T.stopTimer();
  if (stream) stream.getTracks().forEach((x) => x.stop());
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  document.body.classList.remove('app-in-call');
  T.phase = 'ended';
  T.endReason = reason;
  if (detail.code) T.endCode = detail.code;
  // The call's own ends keep their fixed words; booking's decisions and
  // refusals use booking's message, else the words for the code.
  const own = REASONS[reason] && !(reason === 'removed' && (message || codeWords(detail.code)));
  const words = reason === 'removed' ? bookingWords(message, detail.code) : bookingWords(message, reason);
  const [text, short] = own ? REASONS[reason].map((k) => t(k))
    : words ? [words, detail.code || reason]
      : [message ? t('end.otherWith', { message }) : t('end.other'), reason];
  const heading = detail.refused ? t('end.refusedTitle') : reason === 'removed' ? t('end.removedTitle') : t('end.title');
  setTitle(heading);
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <h1 class="govuk-heading-l">${heading}</h1>
    <p class="govuk-body-l" id="end-reason" data-reason="${reason}" data-code="${detail.code || reason}">${text}</p>
    <p class="govuk-body govuk-visually-hidden">${t('end.reason', { short })}</p>
    ${reason === 'left' && Date.parse(visit.end) > Date.now() ? html`<p class="govuk-body"><a class="govuk-link" href="${location.pathname}${location.search}">${t('end.rejoin')}</a></p>` : ''}
    <p class="govuk-body"><a class="govuk-link" href="${home}">${t('end.back')}</a></p>
    </div></div>`);
  announce(text);
  ready(main);
}
