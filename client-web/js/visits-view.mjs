// Lists of calls as GOV.UK tables, shared by every role's "your calls" page.
import { html } from './html.mjs';
import { visitTypeName, inZone } from './format.mjs';
import { STATUS_TAGS, joinable, otherParties } from './people.mjs';
import { t } from './i18n/index.mjs';

export function statusTag(v) {
  const [text, cls] = STATUS_TAGS[v.status] ? [t(`status.${v.status}`), STATUS_TAGS[v.status][1]] : [v.status, 'govuk-tag--grey'];
  return html`<strong class="govuk-tag ${cls}">${text}</strong>`;
}

// The outcome in plain words (issue 16 part 6), for everyone who sees the call.
export function outcomeLine(v) {
  if (!v.outcome) return '';
  const k = `outcome.${v.outcome}`;
  const words = t(k) === k ? v.outcome.replace(/_/g, ' ') : t(k);
  return html`<br><span class="govuk-body-s app-outcome" data-outcome="${v.outcome}">${words}</span>`;
}

export function splitVisits(visits, now = Date.now()) {
  const upcoming = visits.filter((v) => ['requested', 'booked', 'in_progress'].includes(v.status) && Date.parse(v.end) > now)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const past = visits.filter((v) => !upcoming.includes(v)).sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
  return { upcoming, past };
}

// actions(v) returns extra markup for the actions cell.
export function visitsTable(visits, user, { caption, actions = () => '', id = 'calls' } = {}) {
  if (!visits.length) return html`<p class="govuk-body" id="${id}-empty">${t('calls.none', { caption })}</p>`;
  return html`
  <table class="govuk-table" id="${id}">
    <caption class="govuk-table__caption govuk-table__caption--m">${caption}</caption>
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">${t('calls.dateTime')}</th>
      <th scope="col" class="govuk-table__header">${t('calls.call')}</th>
      <th scope="col" class="govuk-table__header">${t('calls.status')}</th>
      <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('calls.actions')}</span></th>
    </tr></thead>
    <tbody class="govuk-table__body">
    ${visits.map((v) => html`
      <tr class="govuk-table__row" data-visit="${v.id}">
        <td class="govuk-table__cell">${inZone(v.time_zone).longDate(v.start)}<br>${inZone(v.time_zone).timeRange(v.start, v.end)}</td>
        <td class="govuk-table__cell">${visitTypeName(v.type)}<br><span class="govuk-body-s">${t('calls.with', { names: otherParties(v, user).join(', ') || t('calls.nobodyYet') })}</span>${oneWayLine(v)}</td>
        <td class="govuk-table__cell">${statusTag(v)}${v.status_reason ? html`<br><span class="govuk-body-s">${v.status_reason}</span>` : ''}${outcomeLine(v)}</td>
        <td class="govuk-table__cell">${actions(v)}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

// One-way video, told on the booking pages long before the call (docs/booking.md).
export function oneWayLine(v) {
  const d = v.one_way_video && v.one_way_video.direction;
  if (d !== 'prisoner_sees_no_video' && d !== 'visitors_see_no_video') return '';
  return html`<br><strong class="govuk-tag govuk-tag--purple govuk-!-margin-top-1" data-one-way="${d}">${t(`calls.oneWay.${d}`)}</strong>`;
}

export function joinButton(v) {
  if (!joinable(v)) return '';
  return html`<a href="/call/?visit=${encodeURIComponent(v.id)}" role="button" draggable="false" class="govuk-button govuk-!-margin-bottom-0" data-module="govuk-button" data-testid="join-${v.id}">${t('call.join')}<span class="govuk-visually-hidden"> ${t('calls.onAt', { date: inZone(v.time_zone).longDate(v.start), time: inZone(v.time_zone).timeRange(v.start, v.end) })}</span></a>`;
}
