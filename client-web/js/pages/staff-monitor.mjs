// Staff: watch and listen to one call, unseen (a hidden participant that
// publishes nothing); mute a participant; end the call with a reason.
import { html } from '../html.mjs';
import { page, ready, pageProblem, setTitle, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { duration, visitTypeName, inZone } from '../format.mjs';
import { CallSession } from '../call/session.mjs';
import { E2EE, e2eeSupport } from '../call/e2ee.mjs';
import { Tiles } from '../call/tiles.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(STAFF_ROLES);
const id = new URLSearchParams(location.search).get('visit') || '';
const main = page({ title: t('watch.title'), user, active: '/staff/wall.html', wide: true, backLink: '/staff/wall.html' });
const M = (window.parlourMonitor = { phase: 'loading', endReason: null });
try {
  const v = await get(`/visits/${encodeURIComponent(id)}`);
  // video_only: a legal call watched without sound (docs/media.md, "Sight-only monitoring").
  if (v.monitoring !== 'allowed' && v.monitoring !== 'video_only') throw new ApiError(403, 'policy_forbids_monitoring', t('code.policy_forbids_monitoring'));
  const tok = await post(`/visits/${encodeURIComponent(id)}/join-token`, {});
  const endAt = Date.parse(v.end);
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${visitTypeName(v.type)}, ${inZone(v.time_zone).timeRange(v.start, v.end)}</span>
    <h1 class="govuk-heading-l">${t('watch.heading', { name: v.prisoner ? v.prisoner.name : '' })}</h1>
    <div class="app-call-bar">
      <strong class="govuk-tag govuk-tag--purple" id="hidden-indicator">${t('watch.hidden')}</strong>
      <p class="govuk-body govuk-!-margin-bottom-0">${t('call.timeLeft')} <strong id="time-left" role="timer">${duration((endAt - Date.now()) / 1000)}</strong></p>
      <p class="govuk-body govuk-!-margin-bottom-0" id="monitor-state" aria-live="polite">${t('watch.state.connecting')}</p>
    </div>
    <div id="recording-failed" role="status"></div>
    <ul class="app-tiles" id="tiles" aria-label="${t('call.people')}"></ul>
    <h2 class="govuk-heading-m">${t('watch.participants')}</h2>
    <ul class="govuk-list" id="participants"></ul>
    <h2 class="govuk-heading-m">${t('watch.endTitle')}</h2>
    <form id="end-form" novalidate>
      <div class="govuk-form-group">
        <label class="govuk-label" for="end-reason">${t('watch.why')}</label>
        <div id="end-reason-hint" class="govuk-hint">${t('watch.whyHint')}</div>
        <textarea class="govuk-textarea" id="end-reason" name="reason" rows="3" maxlength="500" aria-describedby="end-reason-hint"></textarea>
      </div>
      <button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" id="end-call">${t('watch.endButton')}</button>
    </form>`);
  ready(main);
  const tiles = new Tiles(main.querySelector('#tiles'));
  // An end-to-end encrypted call (legal): this page agrees keys receive-only
  // and is given the participants' video key, never their audio key.
  const how = e2eeSupport();
  if (tok.e2ee === 'required' && !how) throw new ApiError(400, 'e2ee_required', t('code.e2ee_required'));
  const e2ee = tok.e2ee === 'required' ? new E2EE({ room: id, how, receiveOnly: true }) : null;
  M.e2ee = e2ee;
  const s = new CallSession({ signalUrl: tok.signal_url, token: tok.token, iceServers: tok.ice_servers, room: id, publish: false, e2ee });
  M.session = s;
  const plist = main.querySelector('#participants');
  s.addEventListener('participants', (e) => {
    tiles.sync(e.detail.list, null);
    for (const [pid, ms] of s.remote) if (tiles.items.has(pid)) tiles.attach(pid, ms);
    plist.innerHTML = String(html`${e.detail.list.map((p) => html`
      <li data-participant="${p.id}">${p.name} <span class="govuk-body-s">(${p.role})</span>
        ${(p.tracks || []).some((t) => t.kind === 'audio' && t.muted) ? html`<strong class="govuk-tag govuk-tag--grey">${t('watch.muted')}</strong>`
          : html`<button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0 govuk-!-margin-left-2" data-mute="${p.id}">${t('call.mute')}<span class="govuk-visually-hidden"> ${p.name}</span></button>`}
      </li>`)}`);
    plist.querySelectorAll('[data-mute]').forEach((b) => b.addEventListener('click', () => s.muteParticipant(b.dataset.mute, 'audio', 'muted by staff')));
  });
  s.addEventListener('track', (e) => {
    const p = s.participants.get(e.detail.participant);
    if (!p) return;
    tiles.ensure(e.detail.participant, p.name);
    tiles.attach(e.detail.participant, e.detail.stream);
  });
  // The call's recording failed (a full disk): the same line as on the wall.
  s.addEventListener('recording_failed', (e) => {
    const f = e.detail;
    // Joining again re-sends the call's kept lines: one each.
    const box = main.querySelector('#recording-failed');
    if (f.seq != null && box.querySelector(`[data-seq="${Number(f.seq)}"]`)) return;
    const at = inZone(v.time_zone).clock(f.at);
    const line = document.createElement('p');
    line.className = 'govuk-body govuk-!-font-weight-bold';
    if (f.seq != null) line.dataset.seq = String(Number(f.seq));
    line.textContent = t('wall.recordingFailed', { name: f.name || f.participant || t('calls.call'), at });
    box.appendChild(line);
    M.recordingFailed = (M.recordingFailed || 0) + 1;
  });
  s.addEventListener('state', (e) => {
    M.phase = e.detail.state;
    main.querySelector('#monitor-state').textContent = (['connecting', 'joined', 'reconnecting', 'ended'].includes(e.detail.state) ? t(`watch.state.${e.detail.state}`) : e.detail.state);
  });
  s.addEventListener('ended', (e) => {
    M.endReason = e.detail.reason;
    clearInterval(timer);
    setTitle(t('watch.ended'));
    main.innerHTML = String(html`
      <h1 class="govuk-heading-l">${t('end.other')}</h1>
      <p class="govuk-body" id="end-reason-text" data-reason="${e.detail.reason}">${e.detail.reason === 'terminated_by_staff' ? t('watch.byStaff') : e.detail.reason === 'time_up' ? t('end.timeUp') : t('watch.stopped')}</p>
      <p class="govuk-body"><a class="govuk-link" href="/staff/audit.html?visit=${encodeURIComponent(id)}">${t('watch.seeAudit')}</a></p>
      <p class="govuk-body"><a class="govuk-link" href="/staff/wall.html">${t('watch.back')}</a></p>`);
    ready(main);
  });
  main.querySelector('#end-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const reason = ev.target.reason.value.trim();
    if (!reason) { showErrors(main, [{ field: 'end-reason', text: t('watch.enterWhy') }]); return; }
    if (!s.endCall(reason)) showErrors(main, [{ field: null, text: t('watch.notConnected') }]);
  });
  const timer = setInterval(() => {
    const el = main.querySelector('#time-left');
    if (el) el.textContent = duration((endAt - Date.now()) / 1000);
  }, 1000);
  s.start();
} catch (e) { pageProblem(main, e); }
