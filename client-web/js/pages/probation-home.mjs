// Probation officer: their cases, and their supervision calls.
import { html } from '../html.mjs';
import { page, ready, pageProblem, takeFlash, banner } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { visitsTable, splitVisits, joinButton } from '../visits-view.mjs';

const user = await requireUser(['probation_officer']);
const main = page({ title: 'Your cases', user, active: '/probation/' });
try {
  const [{ cases }, { visits }] = await Promise.all([get('/probation/cases'), get('/visits')]);
  const { upcoming } = splitVisits(visits);
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${user.display_name}</span>
    <h1 class="govuk-heading-l">Your cases</h1>
    <a href="/probation/book.html" role="button" draggable="false" class="govuk-button" data-module="govuk-button">Book a supervision call</a>
    ${cases.length ? html`
    <table class="govuk-table" id="cases">
      <caption class="govuk-table__caption govuk-table__caption--m">People you supervise</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">Name</th>
        <th scope="col" class="govuk-table__header">Case reference (CRN)</th>
        <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Actions</span></th>
      </tr></thead>
      <tbody class="govuk-table__body">
      ${cases.map((c) => html`
        <tr class="govuk-table__row">
          <td class="govuk-table__cell">${c.name}</td>
          <td class="govuk-table__cell">${c.crn}</td>
          <td class="govuk-table__cell"><a class="govuk-link" href="/probation/book.html?case=${c.id}">Book a call<span class="govuk-visually-hidden"> with ${c.name}</span></a></td>
        </tr>`)}
      </tbody>
    </table>` : html`<p class="govuk-body">You have no cases.</p>`}
    ${visitsTable(upcoming, user, { caption: 'Upcoming supervision calls', id: 'upcoming', actions: joinButton })}`);
  const f = takeFlash();
  if (f) banner(main, f);
  ready(main);
} catch (e) { pageProblem(main, e); }
