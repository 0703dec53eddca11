// Family: upcoming calls (join, cancel) and past calls.
import { html } from '../html.mjs';
import { page, ready, pageProblem, takeFlash, banner } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { inZone } from '../format.mjs';
import { visitsTable, splitVisits, joinButton } from '../visits-view.mjs';
import { t } from '../i18n/index.mjs';
import { idWarning } from '../id-status.mjs';
import { familyQualityLine } from '../quality-view.mjs';

const user = await requireUser(['family']);
const main = page({ title: t('nav.yourCalls'), user, active: '/family/calls.html' });
try {
  const { visits } = await get('/visits');
  const { upcoming, past } = splitVisits(visits);
  const canCancel = (v) => ['requested', 'booked'].includes(v.status) && Date.parse(v.start) > Date.now();
  const idWarn = await idWarning();
  // The quality of the last few calls that took place, in plain words (issue 19).
  const held = past.filter((v) => ['completed', 'terminated'].includes(v.status)).slice(0, 5);
  const quality = await Promise.all(held.map((v) => get(`/visits/${encodeURIComponent(v.id)}/quality`).then((q) => [v, familyQualityLine(q, t)]).catch(() => [v, ''])));
  const qualityRows = quality.filter(([, words]) => words);
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('nav.yourCalls')}</h1>
    ${idWarn}
    <a href="/family/book/prisoner.html" role="button" draggable="false" class="govuk-button" data-module="govuk-button">${t('nav.book')}</a>
    ${visitsTable(upcoming, user, { caption: t('calls.upcoming'), id: 'upcoming', actions: (v) => html`
      ${joinButton(v)}
      ${canCancel(v) ? html`<a class="govuk-link" href="/family/cancel.html?visit=${encodeURIComponent(v.id)}" data-testid="cancel-${v.id}">${t('calls.cancel')}<span class="govuk-visually-hidden"> ${t('calls.cancelOnAt', { date: inZone(v.time_zone).longDate(v.start), time: inZone(v.time_zone).timeRange(v.start, v.end) })}</span></a>` : ''}` })}
    ${visitsTable(past, user, { caption: t('calls.pastCancelled'), id: 'past' })}
    ${qualityRows.length ? html`<h2 class="govuk-heading-m">${t('quality.heading')}</h2>
    <ul class="govuk-list" id="call-quality">${qualityRows.map(([v, words]) => html`<li data-visit="${v.id}"><strong>${inZone(v.time_zone).longDate(v.start)}</strong>: ${words}</li>`)}</ul>` : ''}`);
  const f = takeFlash();
  if (f) banner(main, f);
  ready(main);
} catch (e) { pageProblem(main, e); }
