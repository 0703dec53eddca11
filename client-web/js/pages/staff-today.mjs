// Staff: today's calls at the establishment, with status, participants and
// links to the audit trail and (when policy allows) live monitoring.
import { html } from '../html.mjs';
import { page, ready, pageProblem, takeFlash, banner, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { longDate, isoDay, visitTypeName, inZone } from '../format.mjs';
import { statusTag } from '../visits-view.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(STAFF_ROLES);
const asked = new URLSearchParams(location.search).get('date');
// Today at the staff member's establishment (its time_zone; an admin with
// none: Europe/London), not in UTC or the browser's zone.
const zone = user.establishment_id ? await get(`/establishments/${encodeURIComponent(user.establishment_id)}`).then((e) => e.time_zone, () => undefined) : undefined;
const todayIso = isoDay(Date.now(), zone);
const today = asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? asked : todayIso;
const isToday = today === todayIso;
const shift = (n) => new Date(Date.parse(`${today}T12:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const main = page({ title: isToday ? t('nav.today') : t('staff.calls'), user, active: '/staff/' });
const partyNames = (v) => [v.prisoner && `${v.prisoner.name} (${v.prisoner.prison_number || t('staff.prisoner')})`, v.probationer && v.probationer.name, v.professional && v.professional.name, ...(v.visitors || []).map((x) => x.name)].filter(Boolean);
try {
  const { visits } = await get(`/visits?from=${today}&to=${today}`);
  visits.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${user.establishment_id || ''}</span>
    <h1 class="govuk-heading-l">${isToday ? t('nav.today') : t('staff.callsOn', { date: longDate(`${today}T12:00:00Z`, undefined, 'UTC') })}</h1>
    <p class="govuk-body">${longDate(`${today}T12:00:00Z`, undefined, 'UTC')}. ${t('staff.nCalls', { n: visits.length })}</p>
    <nav class="govuk-pagination govuk-pagination--block" aria-label="${t('staff.otherDays')}">
      <div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="/staff/?date=${shift(-1)}" rel="prev"><span class="govuk-pagination__link-title">${t('staff.prevDay')}</span></a></div>
      <div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="/staff/?date=${shift(1)}" rel="next"><span class="govuk-pagination__link-title">${t('staff.nextDay')}</span></a></div>
    </nav>
    ${visits.length ? html`
    <table class="govuk-table" id="today">
      <caption class="govuk-table__caption govuk-visually-hidden">${t('staff.callsOn', { date: longDate(`${today}T12:00:00Z`, undefined, 'UTC') })}</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">${t('book.time')}</th>
        <th scope="col" class="govuk-table__header">${t('staff.type')}</th>
        <th scope="col" class="govuk-table__header">${t('staff.who')}</th>
        <th scope="col" class="govuk-table__header">${t('calls.status')}</th>
        <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('calls.actions')}</span></th>
      </tr></thead>
      <tbody class="govuk-table__body">
      ${visits.map((v) => html`
        <tr class="govuk-table__row" data-visit="${v.id}">
          <td class="govuk-table__cell">${inZone(v.time_zone).timeRange(v.start, v.end)}</td>
          <td class="govuk-table__cell">${visitTypeName(v.type)}${v.restriction === 'closed' ? html` <strong class="govuk-tag govuk-tag--orange">${t('staff.closed')}</strong>` : ''}<br>${v.recording_state === 'failed' ? html`<strong class="govuk-tag govuk-tag--red app-today__recording-failed">${t('staff.recordingFailed')}</strong>` : html`<span class="govuk-body-s">${v.recording === 'required' ? t('staff.recorded') : t('staff.notRecorded')}</span>`}</td>
          <td class="govuk-table__cell">${partyNames(v).map((n, i) => html`${i ? html`<br>` : ''}${n}`)}</td>
          <td class="govuk-table__cell">${statusTag(v)}</td>
          <td class="govuk-table__cell">
            <a class="govuk-link" href="/staff/audit.html?visit=${encodeURIComponent(v.id)}">${t('staff.audit')}<span class="govuk-visually-hidden"> ${t('staff.forCallAt', { time: inZone(v.time_zone).timeRange(v.start, v.end) })}</span></a>
            ${v.status === 'in_progress' && v.monitoring === 'allowed' ? html`<br><a class="govuk-link" href="/staff/monitor.html?visit=${encodeURIComponent(v.id)}">${t('staff.watch')}<span class="govuk-visually-hidden"> ${t('staff.theCallAt', { time: inZone(v.time_zone).timeRange(v.start, v.end) })}</span></a>` : ''}
            ${['booked', 'requested'].includes(v.status) && Date.parse(v.start) > Date.now() ? html`<br><a class="govuk-link" href="/family/cancel.html?visit=${encodeURIComponent(v.id)}">${t('calls.cancel')}<span class="govuk-visually-hidden"> ${t('staff.theCallAt', { time: inZone(v.time_zone).timeRange(v.start, v.end) })}</span></a>` : ''}
          </td>
        </tr>`)}
      </tbody>
    </table>` : html`<p class="govuk-body">${t('staff.noCalls')}</p>`}`);
  const f = takeFlash();
  if (f) banner(main, f);
  ready(main);
} catch (e) { pageProblem(main, e); }
