// The call page, for every role that takes part in calls:
//   1. device check: camera preview, microphone level, choice of devices, and
//      (when the call is recorded or monitored) the notice, before any media
//      leaves the browser;
//   2. the call: tiles with names, recording indicator, time left,
//      connection quality, mute / camera off / leave, automatic reconnect;
//   3. the end screen with the reason (time up, ended by staff, left).
// window.parlourCall exposes state and stats for the browser tests.
import { html } from '../html.mjs';
import { page, ready, pageProblem, announce, setTitle, homeFor } from '../layout.mjs';
import { requireUser, pauseTimeout } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { longDate, timeRange, visitTypeName, duration } from '../format.mjs';
import { otherParties } from '../people.mjs';
import { CallSession, qualityOf } from '../call/session.mjs';
import { Tiles } from '../call/tiles.mjs';
import { openMedia, listDevices, watchLevel } from '../call/devices.mjs';

const user = await requireUser();
const visitId = new URLSearchParams(location.search).get('visit') || '';
const home = homeFor(user.role);
const main = page({ title: 'Check your camera and microphone', user, wide: true, backLink: home });
const T = (window.parlourCall = { phase: 'loading', noticeShown: false, noticeAcknowledged: false, endReason: null, events: [] });

let visit;
try {
  visit = await get(`/visits/${encodeURIComponent(visitId)}`);
} catch (e) {
  pageProblem(main, e.status === 404 ? new Error('We could not find that call.') : e);
  throw e;
}
const recorded = visit.recording === 'required';
const monitored = visit.monitoring === 'allowed';
const others = otherParties(visit, user);

const notice = recorded || monitored ? html`
  <div class="govuk-warning-text" id="recording-notice">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>${recorded ? 'This call is recorded. ' : ''}${monitored ? 'Prison staff may watch and listen to it while it happens, and may end it if the rules are broken.' : ''}</strong>
  </div>` : html`<div class="govuk-inset-text" id="privacy-notice">This call is not recorded, and prison staff do not watch or listen to it.</div>`;

// ---- 1. device check -------------------------------------------------------
let stream = null;
let stopLevel = () => {};
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <span class="govuk-caption-l">${visitTypeName(visit.type)}${others.length ? ` with ${others.join(', ')}` : ''}, ${longDate(visit.start)}, ${timeRange(visit.start, visit.end)}</span>
  <h1 class="govuk-heading-l">Check your camera and microphone</h1>
  ${notice}
  <div class="app-preview">
    <video id="preview" class="app-preview__video" autoplay playsinline muted aria-label="Your camera preview"></video>
  </div>
  <div class="govuk-form-group">
    <label class="govuk-label" for="mic-level">Microphone level: speak and the bar should move</label>
    <meter id="mic-level" class="app-meter" min="0" max="1" low="0.05" high="0.9" optimum="0.5" value="0"></meter>
  </div>
  <form id="device-form" novalidate>
    <div class="govuk-form-group">
      <label class="govuk-label" for="camera">Camera</label>
      <select class="govuk-select" id="camera" name="camera"></select>
    </div>
    <div class="govuk-form-group">
      <label class="govuk-label" for="microphone">Microphone</label>
      <select class="govuk-select" id="microphone" name="microphone"></select>
    </div>
    ${recorded || monitored ? html`
    <div class="govuk-form-group">
      <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
        <div class="govuk-checkboxes__item">
          <input class="govuk-checkboxes__input" id="understood" name="understood" type="checkbox" value="yes">
          <label class="govuk-label govuk-checkboxes__label" for="understood">I understand this call is ${recorded ? 'recorded' : ''}${recorded && monitored ? ' and ' : ''}${monitored ? 'may be watched by staff' : ''}</label>
        </div>
      </div>
    </div>` : ''}
    <button type="submit" class="govuk-button" data-module="govuk-button" id="join">Join call</button>
  </form>
  </div></div>`);
T.noticeShown = !!main.querySelector('#recording-notice');

async function startPreview(cameraId, micId) {
  if (stream) stream.getTracks().forEach((t) => t.stop());
  stopLevel();
  stream = await openMedia({ cameraId, micId });
  main.querySelector('#preview').srcObject = stream;
  const meter = main.querySelector('#mic-level');
  stopLevel = watchLevel(stream, (v) => { meter.value = v; T.micLevel = Math.max(T.micLevel || 0, v); });
  const { cameras, mics } = await listDevices();
  const fill = (sel, list, current, noun) => {
    sel.innerHTML = String(html`${list.map((d, i) => html`<option value="${d.deviceId}"${d.deviceId === current ? html` selected` : ''}>${d.label || `${noun} ${i + 1}`}</option>`)}`);
  };
  const vt = stream.getVideoTracks()[0]; const at = stream.getAudioTracks()[0];
  fill(main.querySelector('#camera'), cameras, vt && vt.getSettings().deviceId, 'Camera');
  fill(main.querySelector('#microphone'), mics, at && at.getSettings().deviceId, 'Microphone');
}

main.querySelector('#device-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(main);
  const box = main.querySelector('#understood');
  if (box && !box.checked) {
    showErrors(main, [{ field: 'understood', text: `Confirm you understand the call is ${recorded ? 'recorded' : 'monitored'}` }]);
    return;
  }
  if (!stream) {
    showErrors(main, [{ field: null, text: 'Your camera and microphone are not working. Allow this site to use them, then reload the page.' }]);
    return;
  }
  const button = main.querySelector('#join');
  button.disabled = true;
  try {
    const tok = await post(`/visits/${encodeURIComponent(visitId)}/join-token`, {});
    T.noticeAcknowledged = T.noticeShown;
    stopLevel();
    startCall(tok);
  } catch (e) {
    button.disabled = false;
    const text = e instanceof ApiError && e.code === 'too_early' ? 'You can join from 15 minutes before the call starts.'
      : e instanceof ApiError && e.code === 'visit_over' ? 'This call has ended.' : e.message;
    showErrors(main, [{ field: null, text }]);
  }
});

try {
  await startPreview();
} catch (e) {
  showErrors(main, [{ field: null, text: `We cannot use your camera or microphone (${e.name || e.message}). Allow this site to use them in your browser settings, then reload the page.` }]);
}
main.querySelector('#camera').addEventListener('change', (e) => startPreview(e.target.value, main.querySelector('#microphone').value).catch(() => {}));
main.querySelector('#microphone').addEventListener('change', (e) => startPreview(main.querySelector('#camera').value, e.target.value).catch(() => {}));

// The form is live (its handler attached) before anyone can press Join.
T.phase = 'device-check';
ready(main);

// ---- 2. the call -----------------------------------------------------------
function startCall(tok) {
  pauseTimeout();
  setTitle('Video call');
  const endAt = Date.parse(visit.end);
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l govuk-!-margin-bottom-2">${visitTypeName(visit.type)}</h1>
    <div class="app-call-bar">
      ${recorded ? html`<strong class="govuk-tag govuk-tag--red" id="recording-indicator"><span aria-hidden="true">&#9679; </span>Recording</strong>` : ''}
      ${monitored ? html`<strong class="govuk-tag govuk-tag--orange" id="monitoring-indicator">Staff may be watching</strong>` : ''}
      <p class="govuk-body govuk-!-margin-bottom-0">Time left: <strong id="time-left" role="timer">${duration((endAt - Date.now()) / 1000)}</strong></p>
      <p class="govuk-body govuk-!-margin-bottom-0">Connection: <strong class="govuk-tag govuk-tag--grey" id="quality">checking</strong></p>
    </div>
    <div id="reconnecting" class="govuk-notification-banner" role="region" aria-labelledby="reconnecting-title" hidden>
      <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="reconnecting-title">Connection lost</h2></div>
      <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="reconnecting-text">Reconnecting to the call. Please wait.</p></div>
    </div>
    <ul class="app-tiles" id="tiles" aria-label="People in the call"></ul>
    <p class="govuk-body" id="waiting">Waiting for others to join.</p>
    <div class="govuk-button-group app-controls">
      <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="mute" aria-pressed="false">Mute microphone</button>
      <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="camera-toggle" aria-pressed="false">Turn camera off</button>
      <button type="button" class="govuk-button govuk-button--warning" data-module="govuk-button" id="leave">Leave call</button>
    </div>`);
  ready(main);
  T.phase = 'joining';
  const tiles = new Tiles(main.querySelector('#tiles'));
  tiles.ensure('self', user.display_name, { self: true });
  tiles.attach('self', stream);
  const session = new CallSession({ signalUrl: tok.signal_url, token: tok.token, iceServers: tok.ice_servers, room: visitId, publish: tok.grants ? tok.grants.publish !== false : true, localStream: stream });
  T.session = session;
  const log = (type, d) => T.events.push({ type, at: Date.now(), ...(d || {}) });

  // The banner says why we are waiting: a lost connection, or booking not
  // yet confirming the visit (admission_unavailable: we try again by ourselves).
  const banner = (checking) => {
    const title = main.querySelector('#reconnecting-title');
    const text = main.querySelector('#reconnecting-text');
    if (title) title.textContent = checking ? 'Checking your visit' : 'Connection lost';
    if (text) text.textContent = checking ? CHECKING_TEXT : 'Reconnecting to the call. Please wait.';
  };
  session.addEventListener('checking', (e) => {
    log('checking', e.detail);
    T.checking = (T.checking || 0) + 1;
    banner(true);
    announce(CHECKING_TEXT);
  });
  session.addEventListener('state', (e) => {
    log('state', e.detail);
    T.phase = e.detail.state;
    const r = main.querySelector('#reconnecting');
    if (r) r.hidden = e.detail.state !== 'reconnecting';
    const checking = e.detail.state === 'reconnecting' && !!T.checking && session.lastError === null && !T.everJoined;
    banner(checking);
    if (e.detail.state === 'reconnecting' && !checking) announce('Connection lost. Reconnecting.');
    if (e.detail.state === 'joined' && T.everJoined) announce('Reconnected.');
    if (e.detail.state === 'joined') T.everJoined = true;
  });
  session.addEventListener('participants', (e) => {
    tiles.sync(e.detail.list, 'self');
    for (const [pid, ms] of session.remote) if (tiles.items.has(pid)) tiles.attach(pid, ms);
    T.participants = e.detail.list.map((p) => ({ id: p.id, name: p.name, role: p.role }));
    main.querySelector('#waiting').hidden = e.detail.list.length > 0;
  });
  session.addEventListener('track', (e) => {
    const p = session.participants.get(e.detail.participant);
    if (!p) return; // a track of someone we are not told about is never shown
    tiles.ensure(e.detail.participant, p.name);
    tiles.attach(e.detail.participant, e.detail.stream);
  });
  session.addEventListener('trackgone', (e) => tiles.remove(e.detail.participant));
  session.addEventListener('muted', (e) => {
    const b = main.querySelector(e.detail.kind === 'video' ? '#camera-toggle' : '#mute');
    if (b) { b.setAttribute('aria-pressed', 'true'); b.textContent = e.detail.kind === 'video' ? 'Turn camera on' : 'Unmute microphone'; }
    announce(`Staff turned off your ${e.detail.kind === 'video' ? 'camera' : 'microphone'}.`);
    log('muted', e.detail);
  });
  session.addEventListener('ending_soon', (e) => {
    const s = e.detail.seconds;
    announce(`The call ends in ${s >= 60 ? `${Math.round(s / 60)} minutes` : `${s} seconds`}.`);
  });
  session.addEventListener('error', (e) => log('error', e.detail));
  session.addEventListener('ended', (e) => endScreen(e.detail.reason, e.detail.message, e.detail));

  main.querySelector('#mute').addEventListener('click', (e) => {
    const on = e.target.getAttribute('aria-pressed') !== 'true';
    session.setLocalEnabled('audio', !on);
    e.target.setAttribute('aria-pressed', String(on));
    e.target.textContent = on ? 'Unmute microphone' : 'Mute microphone';
  });
  main.querySelector('#camera-toggle').addEventListener('click', (e) => {
    const off = e.target.getAttribute('aria-pressed') !== 'true';
    session.setLocalEnabled('video', !off);
    e.target.setAttribute('aria-pressed', String(off));
    e.target.textContent = off ? 'Turn camera on' : 'Turn camera off';
  });
  main.querySelector('#leave').addEventListener('click', () => session.leave());

  // Time left, and the quality indicator from getStats.
  const timer = setInterval(async () => {
    const left = (endAt - Date.now()) / 1000;
    const el = main.querySelector('#time-left');
    if (el) el.textContent = duration(left);
    // Signalling ends the call at its end time; if we hear nothing 15 s
    // after, we end it here so nobody is left in a dead call.
    if (left < -15 && !session.ended) session.finish('time_up');
    if (session.state !== 'joined') return;
    try {
      const st = await session.stats();
      T.lastStats = st;
      const q = qualityOf(st);
      const tag = main.querySelector('#quality');
      if (tag) {
        tag.textContent = { good: 'good', fair: 'fair', poor: 'poor', unknown: 'checking' }[q];
        tag.className = `govuk-tag ${{ good: 'govuk-tag--green', fair: 'govuk-tag--yellow', poor: 'govuk-tag--red', unknown: 'govuk-tag--grey' }[q]}`;
      }
    } catch { /* stats are best effort */ }
  }, 1000);
  T.stopTimer = () => clearInterval(timer);
  session.start();
}

// ---- 3. the end screen -----------------------------------------------------
const REASONS = {
  time_up: ['The call has ended because its time was up.', 'time up'],
  terminated_by_staff: ['The call was ended by prison staff.', 'ended by staff'],
  ended_by_staff: ['The call was ended by prison staff.', 'ended by staff'],
  left: ['You left the call.', 'left'],
  removed: ['Prison staff removed you from the call.', 'removed by staff'],
  replaced: ['You joined this call from another window or device, so this one was closed.', 'joined elsewhere'],
};
// Booking's decisions and refusals (docs/signalling-protocol.md): signalling
// sends booking's plain words as message; these are the words when it does not.
const CODE_WORDS = {
  visit_cancelled: 'This visit was cancelled.',
  visit_rescheduled: 'This visit was moved to another time. Join it at its new time.',
  removed_by_staff: 'Prison staff removed you from the call.',
  visitor_banned: 'You can no longer take part in visits with this person.',
  contact_not_approved: 'You are no longer an approved contact for this visit.',
  account_disabled: 'Your account has been disabled.',
  policy_changed: 'The rules for this type of visit changed, so you were removed from the call.',
  visit_not_found: 'We cannot find this visit.',
  visit_terminated: 'This call was ended by prison staff.',
  visit_over: 'This call has ended.',
  too_early: 'This call has not started yet. You can join from 15 minutes before it starts.',
  too_late: 'This call has ended.',
  participant_removed: 'You were removed from this call, so you cannot join it again.',
  not_participant: 'You are not taking part in this visit.',
  policy_forbids_monitoring: 'This visit can no longer be monitored.',
  call_ended: 'This call has ended.',
};
const CHECKING_TEXT = 'Checking your visit with the booking service… trying again';

function endScreen(reason, message, detail = {}) {
  if (T.stopTimer) T.stopTimer();
  if (stream) stream.getTracks().forEach((t) => t.stop());
  T.phase = 'ended';
  T.endReason = reason;
  if (detail.code) T.endCode = detail.code;
  // The call's own ends keep their fixed words; booking's decisions and
  // refusals use booking's message, else the words for the code.
  const own = REASONS[reason] && !(reason === 'removed' && (message || CODE_WORDS[detail.code]));
  const words = reason === 'removed' ? (message || CODE_WORDS[detail.code]) : (message || CODE_WORDS[reason]);
  const [text, short] = own ? REASONS[reason]
    : words ? [words, detail.code || reason]
      : [`The call has ended${message ? `: ${message}` : '.'}`, reason];
  const heading = detail.refused ? 'You cannot join this call' : reason === 'removed' ? 'You have been removed from the call' : 'Your call has ended';
  setTitle(heading);
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <h1 class="govuk-heading-l">${heading}</h1>
    <p class="govuk-body-l" id="end-reason" data-reason="${reason}" data-code="${detail.code || reason}">${text}</p>
    <p class="govuk-body govuk-visually-hidden">Reason: ${short}</p>
    ${reason === 'left' && Date.parse(visit.end) > Date.now() ? html`<p class="govuk-body"><a class="govuk-link" href="${location.pathname}${location.search}">Rejoin the call</a></p>` : ''}
    <p class="govuk-body"><a class="govuk-link" href="${home}">Back to your calls</a></p>
    </div></div>`);
  announce(text);
  ready(main);
}
