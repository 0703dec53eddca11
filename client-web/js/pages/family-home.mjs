// Family: the prisoners they visit and their own approved contacts, each
// with its status (approved, not approved, banned) and restrictions.
import { html } from '../html.mjs';
import { page, ready, pageProblem, takeFlash, banner } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { contactStatusTag, restrictionText } from '../people.mjs';
import { voSection } from '../visiting-orders.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['family']);
const main = page({ title: t('nav.yourPrisoners'), user, active: '/family/' });
try {
  const { prisoners } = await get('/prisoners');
  const withContacts = await Promise.all(prisoners.map(async (p) => ({
    ...p, contacts: (await get(`/prisoners/${p.id}/contacts`)).contacts,
    // Visiting orders with their history: approved visitors only (404 otherwise).
    vo: p.vo_balance === null || p.vo_balance === undefined ? null
      : await get(`/prisoners/${p.id}/visiting-orders`).catch((e) => { if (e && e.status === 404) return null; throw e; }),
  })));
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${t('family.signedInAs', { name: user.display_name })}</span>
    <h1 class="govuk-heading-l">${t('nav.yourPrisoners')}</h1>
    ${withContacts.length === 0 ? html`<p class="govuk-body">${t('family.noPrisoners')}</p>` : ''}
    ${withContacts.map((p) => html`
    <div class="govuk-summary-card" data-testid="prisoner-${p.id}">
      <div class="govuk-summary-card__title-wrapper">
        <h2 class="govuk-summary-card__title">${p.name}</h2>
        <ul class="govuk-summary-card__actions">
          <li class="govuk-summary-card__action"><a class="govuk-link" href="/family/book/prisoner.html?prisoner=${p.id}">${t('nav.book')}<span class="govuk-visually-hidden"> ${t('family.withName', { name: p.name })}</span></a></li>
        </ul>
      </div>
      <div class="govuk-summary-card__content">
        <dl class="govuk-summary-list">
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('family.prisonNumber')}</dt><dd class="govuk-summary-list__value">${p.prison_number}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('family.prison')}</dt><dd class="govuk-summary-list__value">${p.establishment_name || p.establishment_id}</dd></div>
          ${p.vo_balance !== null && p.vo_balance !== undefined ? html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('family.voLeft')}</dt><dd class="govuk-summary-list__value">${p.vo_balance}</dd></div>` : ''}
        </dl>
        ${p.vo ? voSection(p.vo) : ''}
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--s">${t('family.contactsFor', { name: p.name })}</caption>
          <thead class="govuk-table__head"><tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header">${t('family.name')}</th>
            <th scope="col" class="govuk-table__header">${t('family.relationship')}</th>
            <th scope="col" class="govuk-table__header">${t('calls.status')}</th>
          </tr></thead>
          <tbody class="govuk-table__body">
            ${p.contacts.map((c) => { const tag = contactStatusTag(c); return html`
            <tr class="govuk-table__row">
              <td class="govuk-table__cell">${c.name}${c.adult ? '' : html` <span class="govuk-body-s">${t('family.under18')}</span>`}</td>
              <td class="govuk-table__cell">${c.relationship}</td>
              <td class="govuk-table__cell"><strong class="govuk-tag ${tag.cls}">${tag.text}</strong>
                ${(c.restrictions || []).map((r) => html`<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">${restrictionText(r)}</p>`)}
              </td>
            </tr>`; })}
          </tbody>
        </table>
      </div>
    </div>`)}
    <p class="govuk-body"><a class="govuk-link" href="/family/calls.html">${t('family.seeCalls')}</a></p>`);
  const f = takeFlash();
  if (f) banner(main, f);
  ready(main);
} catch (e) {
  pageProblem(main, e);
}
