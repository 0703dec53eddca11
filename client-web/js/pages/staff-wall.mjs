// Staff: the live monitoring wall. Every call in progress at the
// establishment that policy lets staff monitor (never legal or medical
// calls: booking refuses a monitor token for them, and we never ask), each
// as a small, silent tile of every participant, joined hidden. Open one to
// watch and listen.
import { html } from '../html.mjs';
import { page, ready, pageProblem, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post } from '../api.mjs';
import { visitTypeName, inZone } from '../format.mjs';
import { CallSession } from '../call/session.mjs';
import { Tiles } from '../call/tiles.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(STAFF_ROLES);
const main = page({ title: t('nav.monitoring'), user, active: '/staff/wall.html', wide: true });
const W = (window.parlourWall = { calls: new Map(), finished: new Set(), refreshed: 0, errors: [] });

main.innerHTML = String(html`
  <h1 class="govuk-heading-l">${t('nav.monitoring')}</h1>
  <p class="govuk-body">${t('wall.intro')}</p>
  <p class="govuk-body" id="wall-count" aria-live="polite">${t('wall.looking')}</p>
  <ul class="app-wall" id="wall" aria-label="${t('wall.calls')}"></ul>`);
ready(main);
const wall = main.querySelector('#wall');

function addCall(v) {
  const li = document.createElement('li');
  li.className = 'app-wall__call';
  li.dataset.visit = v.id;
  const names = [v.prisoner && v.prisoner.name, ...(v.visitors || []).map((x) => x.name)].filter(Boolean);
  li.innerHTML = String(html`
    <h2 class="govuk-heading-s govuk-!-margin-bottom-1">${v.prisoner ? v.prisoner.name : t('calls.call')}</h2>
    <p class="govuk-body-s govuk-!-margin-bottom-1">${visitTypeName(v.type)}, ${inZone(v.time_zone).timeRange(v.start, v.end)}<br>${t('calls.with', { names: names.slice(1).join(', ') })}</p>
    <ul class="app-tiles app-tiles--small" aria-label="${t('wall.people')}"></ul>
    <p class="govuk-body-s govuk-!-margin-bottom-1 app-wall__state">${t('watch.state.connecting')}</p>
    <p class="govuk-body-s govuk-!-margin-bottom-1 app-wall__analysis" aria-live="polite"></p>
    <div class="app-wall__recording" role="status"></div>
    <div class="app-wall__alerts"></div>
    <a class="govuk-link" href="/staff/monitor.html?visit=${encodeURIComponent(v.id)}">${t('wall.watch')}<span class="govuk-visually-hidden"> ${t('wall.toCallWith', { names: names.join(', ') })}</span></a>`);
  wall.appendChild(li);
  const tiles = new Tiles(li.querySelector('ul'), { muted: true, small: true });
  const entry = { visit: v, li, tiles, session: null };
  W.calls.set(v.id, entry);
  post(`/visits/${encodeURIComponent(v.id)}/join-token`, {}).then((tok) => {
    if (!W.calls.has(v.id)) return;
    const s = new CallSession({ signalUrl: tok.signal_url, token: tok.token, iceServers: tok.ice_servers, room: v.id, publish: false, lowBandwidth: true });
    entry.session = s;
    s.addEventListener('participants', (e) => {
      tiles.sync(e.detail.list, null);
      for (const [pid, ms] of s.remote) if (tiles.items.has(pid)) tiles.attach(pid, ms);
    });
    s.addEventListener('track', (e) => {
      const p = s.participants.get(e.detail.participant);
      if (!p) return;
      tiles.ensure(e.detail.participant, p.name);
      tiles.attach(e.detail.participant, e.detail.stream);
    });
    s.addEventListener('face_alert', (e) => showAlert(entry, e.detail));
    s.addEventListener('face_alert_decided', (e) => decided(entry, e.detail));
    s.addEventListener('face_analysis', (e) => {
      li.querySelector('.app-wall__analysis').textContent = e.detail.available ? '' : t('wall.alert.unavailable');
    });
    // The call's recording failed (docs/signalling-protocol.md): one line
    // per participant whose recording stopped; the call goes on.
    s.addEventListener('recording_failed', (e) => recordingFailed(entry, e.detail));
    s.addEventListener('state', (e) => { li.querySelector('.app-wall__state').textContent = (['connecting', 'joined', 'reconnecting', 'ended'].includes(e.detail.state) ? t(`watch.state.${e.detail.state}`) : e.detail.state); });
    // Booking may list a call as in progress for a moment after it ended:
    // remember it so the next refresh does not join it again.
    s.addEventListener('ended', () => { W.finished.add(v.id); removeCall(v.id); });
    s.start();
  }).catch((e) => {
    W.errors.push({ visit: v.id, code: e.code, message: e.message });
    li.querySelector('.app-wall__state').textContent = t('wall.cannot', { why: e.message });
  });
}

// An unexpected-person alert (docs/faces.md): the snapshot, the time, and
// staff's three choices. Nothing happens to the call until staff choose.
function showAlert(entry, a) {
  const box = entry.li.querySelector('.app-wall__alerts');
  if (box.querySelector(`[data-alert="${CSS.escape(a.alert)}"]`)) return;
  const div = document.createElement('div');
  div.className = 'govuk-warning-text app-wall__alert';
  div.dataset.alert = a.alert;
  div.setAttribute('role', 'alert');
  const at = inZone(entry.visit.time_zone).clock(a.at);
  div.innerHTML = String(html`
    <p class="govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1">${t('wall.alert.title', { name: a.name, faces: a.faces, booked: a.booked, at })}</p>
    ${a.snapshot ? html`<img class="app-wall__snapshot" width="240" height="180" alt="${t('wall.alert.snapshot', { name: a.name, at })}" src="data:image/jpeg;base64,${a.snapshot}">` : html`<p class="govuk-body-s">${t('wall.alert.noSnapshot')}</p>`}
    <div class="govuk-button-group govuk-!-margin-bottom-1">
      <button type="button" class="govuk-button govuk-button--secondary" data-action="dismiss">${t('wall.alert.dismiss')}</button>
      <button type="button" class="govuk-button govuk-button--secondary" data-action="warn">${t('wall.alert.warn')}</button>
    </div>
    <form class="app-wall__end" novalidate>
      <label class="govuk-label govuk-label--s" for="end-${a.alert}">${t('wall.alert.endReason')}</label>
      <input class="govuk-input" id="end-${a.alert}" name="reason" maxlength="500" autocomplete="off">
      <button type="submit" class="govuk-button govuk-button--warning" data-action="end">${t('wall.alert.end')}</button>
    </form>
    <p class="govuk-body-s app-wall__decided" aria-live="polite"></p>`);
  div.querySelectorAll('button[type=button]').forEach((b) => b.addEventListener('click', () => entry.session.decideAlert(a.alert, b.dataset.action)));
  div.querySelector('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const reason = div.querySelector('input').value.trim();
    if (!reason) { div.querySelector('.app-wall__decided').textContent = t('wall.alert.endNeedsReason'); return; }
    entry.session.decideAlert(a.alert, 'end', reason);
  });
  box.appendChild(div);
  W.alerts = (W.alerts || 0) + 1;
}

function recordingFailed(entry, f) {
  // A page that joins again is sent the call's kept lines again: one each.
  const box = entry.li.querySelector('.app-wall__recording');
  if (f.seq != null && box.querySelector(`[data-seq="${Number(f.seq)}"]`)) return;
  const at = inZone(entry.visit.time_zone).clock(f.at);
  const p = document.createElement('p');
  p.className = 'govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1 app-wall__recording-failed';
  p.dataset.participant = f.participant || '';
  if (f.seq != null) p.dataset.seq = String(Number(f.seq));
  p.textContent = t('wall.recordingFailed', { name: f.name || f.participant || t('calls.call'), at });
  box.appendChild(p);
  W.recordingFailed = (W.recordingFailed || 0) + 1;
}

function decided(entry, d) {
  const div = entry.li.querySelector(`[data-alert="${CSS.escape(d.alert)}"]`);
  if (!div) return;
  div.querySelector('.app-wall__decided').textContent = t(`wall.alert.decided.${d.action}`);
  if (d.action === 'dismiss') setTimeout(() => div.remove(), 3000);
}

function removeCall(id) {
  const c = W.calls.get(id);
  if (!c) return;
  W.calls.delete(id);
  if (c.session && !c.session.ended) c.session.finish('left');
  c.li.remove();
}

async function refresh() {
  try {
    const { visits } = await get('/visits?status=in_progress');
    const now = Date.now();
    const live = visits.filter((v) => v.monitoring === 'allowed' && v.status === 'in_progress' && Date.parse(v.end) > now);
    const ids = new Set(live.map((v) => v.id));
    for (const id of [...W.calls.keys()]) if (!ids.has(id)) removeCall(id);
    for (const v of live) if (!W.calls.has(v.id) && !W.finished.has(v.id)) addCall(v);
    main.querySelector('#wall-count').textContent = live.length ? t('wall.count', { n: live.length }) : t('wall.none');
    W.refreshed += 1;
  } catch (e) {
    W.errors.push({ code: e.code, message: e.message });
    if (W.refreshed === 0) pageProblem(main, e);
  }
}

await refresh();
setInterval(refresh, 5000);
