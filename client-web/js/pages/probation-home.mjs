// Probation officer: their cases, and their supervision calls.
import { html } from '../html.mjs';
import { page, ready, pageProblem, takeFlash, banner } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { visitsTable, splitVisits, joinButton } from '../visits-view.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['probation_officer']);
const main = page({ title: t('nav.yourCases'), user, active: '/probation/' });
try {
  const [{ cases }, { visits }] = await Promise.all([get('/probation/cases'), get('/visits')]);
  const { upcoming } = splitVisits(visits);
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${user.display_name}</span>
    <h1 class="govuk-heading-l">${t('nav.yourCases')}</h1>
    <a href="/probation/book.html" role="button" draggable="false" class="govuk-button" data-module="govuk-button">${t('nav.bookSupervision')}</a>
    ${cases.length ? html`
    <table class="govuk-table" id="cases">
      <caption class="govuk-table__caption govuk-table__caption--m">${t('probation.people')}</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">${t('family.name')}</th>
        <th scope="col" class="govuk-table__header">${t('probation.crn')}</th>
        <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('calls.actions')}</span></th>
      </tr></thead>
      <tbody class="govuk-table__body">
      ${cases.map((c) => html`
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">${c.name}</td>
          <td class="govuk-table__cell">${c.crn}</td>
          <td class="govuk-table__cell"><a class="govuk-link" href="/probation/book.html?case=${c.id}">${t('probation.bookCall')}<span class="govuk-visually-hidden"> ${t('family.withName', { name: c.name })}</span></a></td>
        </tr>`)}
      </tbody>
    </table>` : html`<p class="govuk-body">${t('probation.noCases')}</p>`}
    ${visitsTable(upcoming, user, { caption: t('probation.upcoming'), id: 'upcoming', actions: joinButton })}`);
  const f = takeFlash();
  if (f) banner(main, f);
  ready(main);
} catch (e) { pageProblem(main, e); }
