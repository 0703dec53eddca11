// Staff: a prisoner's contacts and their restrictions; approve a contact,
// add a ban with an expiry date; record the prisoner's cell location,
// category and incentive level (session eligibility, booking staff only).
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, problemText, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post, patch } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { contactStatusTag, restrictionText } from '../people.mjs';
import { t } from '../i18n/index.mjs';
import { voSection, voAdjustForm, readAdjust } from '../visiting-orders.mjs';
import { oneWaySection, wireOneWay } from '../oneway-form.mjs';

const user = await requireUser(STAFF_ROLES);
const main = page({ title: t('nav.contacts'), user, active: '/staff/contacts.html' });

function dateField(id, legend, hint) {
  return html`
  <div class="govuk-form-group">
    <fieldset class="govuk-fieldset" role="group" aria-describedby="${id}-hint">
      <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${legend}</legend>
      <div id="${id}-hint" class="govuk-hint">${hint}</div>
      <div class="govuk-date-input" id="${id}">
        ${[['day', t('date.day'), 2], ['month', t('date.month'), 2], ['year', t('date.year'), 4]].map(([k, l, w]) => html`
        <div class="govuk-date-input__item"><div class="govuk-form-group">
          <label class="govuk-label govuk-date-input__label" for="${id}-${k}">${l}</label>
          <input class="govuk-input govuk-date-input__input govuk-input--width-${w}" id="${id}-${k}" name="${id}-${k}" type="text" inputmode="numeric">
        </div></div>`)}
      </div>
    </fieldset>
  </div>`;
}

function readDate(fd, id) {
  const d = String(fd.get(`${id}-day`) || '').trim(); const m = String(fd.get(`${id}-month`) || '').trim(); const y = String(fd.get(`${id}-year`) || '').trim();
  if (!d && !m && !y) return { empty: true };
  const dt = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (!/^\d{4}$/.test(y) || !(Number(m) >= 1 && Number(m) <= 12) || dt.getUTCDate() !== Number(d)) return { invalid: true };
  return { iso: dt.toISOString().slice(0, 10) };
}

const CATEGORIES = ['A', 'B', 'C', 'D', 'R', 'T', 'I', 'J', 'U'];
function factsForm(p) {
  const opt = (v, label, cur) => html`<option value="${v}"${v === (cur || '') ? html` selected` : ''}>${label}</option>`;
  return html`
    <h2 class="govuk-heading-m">${t('facts.heading')}</h2>
    <p class="govuk-body">${t('facts.hint')}</p>
    <form id="facts-form" class="govuk-!-margin-bottom-8" novalidate>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="facts-location">${t('facts.location')}</label>
        <div id="facts-location-hint" class="govuk-hint">${t('facts.locationHint')}</div>
        <input class="govuk-input govuk-input--width-10" id="facts-location" name="location" type="text" spellcheck="false" aria-describedby="facts-location-hint" value="${p.location || ''}">
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="facts-category">${t('facts.category')}</label>
        <select class="govuk-select" id="facts-category" name="category">
          ${opt('', t('facts.notRecorded'), p.category)}${CATEGORIES.map((c) => opt(c, c, p.category))}
        </select>
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="facts-incentive">${t('facts.incentive')}</label>
        <select class="govuk-select" id="facts-incentive" name="incentive_level">
          ${['basic', 'standard', 'enhanced'].map((l) => opt(l, t(`facts.${l}`), p.incentive_level))}
        </select>
      </div>
      <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('facts.save')}</button>
    </form>`;
}

async function render(prisonerId, message) {
  const { prisoners } = await get('/prisoners');
  const pid = prisonerId || (prisoners[0] && String(prisoners[0].id));
  const contacts = pid ? (await get(`/prisoners/${pid}/contacts`)).contacts : [];
  const p = prisoners.find((x) => String(x.id) === String(pid));
  const vo = pid ? await get(`/prisoners/${pid}/visiting-orders`) : null;
  const mayAdjust = ['booking_staff', 'admin'].includes(user.role) && vo && vo.entitled;
  const one = pid ? await get(`/prisoners/${pid}`) : null; // one-way video (the list leaves it out)
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('nav.contacts')}</h1>
    <form id="choose-prisoner" class="govuk-!-margin-bottom-6" novalidate>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="prisoner">${t('book.prisoner')}</label>
        <select class="govuk-select" id="prisoner" name="prisoner">
          ${prisoners.map((x) => html`<option value="${x.id}"${String(x.id) === String(pid) ? html` selected` : ''}>${x.name} (${x.prison_number})</option>`)}
        </select>
      </div>
      <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('contacts.show')}</button>
    </form>
    ${p ? html`
    <table class="govuk-table" id="contacts">
      <caption class="govuk-table__caption govuk-table__caption--m">${t('contacts.of', { name: p.name })}</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">${t('family.name')}</th>
        <th scope="col" class="govuk-table__header">${t('staff.type')}</th>
        <th scope="col" class="govuk-table__header">${t('contacts.statusRestrictions')}</th>
        <th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">${t('calls.actions')}</span></th>
      </tr></thead>
      <tbody class="govuk-table__body">
      ${contacts.map((c) => { const tag = contactStatusTag(c); return html`
        <tr class="govuk-table__row" data-contact="${c.visitor_id}">
          <td class="govuk-table__cell">${c.name}<br><span class="govuk-body-s">${c.relationship}${c.date_of_birth ? t('contacts.born', { date: c.date_of_birth }) : t('contacts.noDob')}</span><br><a class="govuk-link govuk-body-s" href="/staff/contact-details.html?visitor=${c.visitor_id}">${t('contact.change')}<span class="govuk-visually-hidden"> ${c.name}</span></a></td>
          <td class="govuk-table__cell">${c.contact_type === 'official' ? t('contacts.official') : t('contacts.social')}</td>
          <td class="govuk-table__cell"><strong class="govuk-tag ${tag.cls}">${tag.text}</strong>
            ${(c.restrictions || []).map((r) => html`<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">${restrictionText(r)}</p>`)}</td>
          <td class="govuk-table__cell">${c.approved ? '' : html`<button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" data-approve="${c.visitor_id}">${t('requests.approve')}<span class="govuk-visually-hidden"> ${c.name}</span></button>`}</td>
        </tr>`; })}
      </tbody>
    </table>
    ${vo ? voSection(vo, { staff: true }) : ''}
    ${mayAdjust ? voAdjustForm() : ''}
    ${['booking_staff', 'admin'].includes(user.role) ? factsForm(p) : ''}
    <h2 class="govuk-heading-m">${t('contacts.addBan')}</h2>
    <form id="ban-form" novalidate>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="ban-contact">${t('contacts.contact')}</label>
        <select class="govuk-select" id="ban-contact" name="contact">
          <option value="">${t('contacts.choose')}</option>
          ${contacts.map((c) => html`<option value="${c.visitor_id}">${c.name}</option>`)}
        </select>
      </div>
      ${dateField('ban-expiry', t('contacts.banEnds'), t('contacts.banEndsHint'))}
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--s" for="ban-reason">${t('contacts.reason')}</label>
        <textarea class="govuk-textarea" id="ban-reason" name="reason" rows="3" maxlength="400"></textarea>
      </div>
      <button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('contacts.addBanButton')}</button>
    </form>
    ${oneWaySection(one, user.role === 'booking_staff' || user.role === 'admin')}` : html`<p class="govuk-body">${t('contacts.noPrisoners')}</p>`}`);
  if (message) banner(main, message);
  if (p) wireOneWay(main, pid, () => render(pid, { heading: t('oneWay.saved') }));
  main.querySelector('#choose-prisoner').addEventListener('submit', (ev) => {
    ev.preventDefault();
    render(ev.target.prisoner.value).catch((e) => pageProblem(main, e));
  });
  main.querySelectorAll('[data-approve]').forEach((b) => b.addEventListener('click', async () => {
    try {
      await patch(`/prisoners/${pid}/contacts/${b.dataset.approve}`, { approved: true });
      await render(pid, { heading: t('contacts.approved') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  }));
  const facts = main.querySelector('#facts-form');
  if (facts) facts.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const fd = new FormData(facts);
    const loc = String(fd.get('location') || '').trim().toUpperCase();
    if (loc && !/^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(loc)) { showErrors(main, [{ field: 'facts-location', text: t('facts.badLocation') }]); return; }
    try {
      await patch(`/prisoners/${pid}`, { location: loc || null, category: fd.get('category') || null, incentive_level: fd.get('incentive_level') });
      await render(pid, { heading: t('facts.saved') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  });
  const adj = main.querySelector('#vo-adjust');
  if (adj) adj.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const { body, errors } = readAdjust(new FormData(adj));
    if (errors) { showErrors(main, errors); return; }
    try {
      await post(`/prisoners/${pid}/visiting-orders/adjustments`, body);
      await render(pid, { heading: t('vo.adjusted') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  });
  const ban = main.querySelector('#ban-form');
  if (ban) ban.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const fd = new FormData(ban);
    const errors = [];
    if (!fd.get('contact')) errors.push({ field: 'ban-contact', text: t('contacts.chooseBan') });
    const exp = readDate(fd, 'ban-expiry');
    const today = new Date().toISOString().slice(0, 10);
    if (exp.empty) errors.push({ field: 'ban-expiry-day', text: t('contacts.enterEnd') });
    else if (exp.invalid) errors.push({ field: 'ban-expiry-day', text: t('contacts.realEnd') });
    else if (exp.iso < today) errors.push({ field: 'ban-expiry-day', text: t('contacts.futureEnd') });
    if (!String(fd.get('reason') || '').trim()) errors.push({ field: 'ban-reason', text: t('contacts.enterReason') });
    if (errors.length) { showErrors(main, errors); return; }
    try {
      await post(`/prisoners/${pid}/contacts/${fd.get('contact')}/restrictions`, {
        type: 'BAN', start_date: today, expiry_date: exp.iso, reason: String(fd.get('reason')).trim(),
      });
      await render(pid, { heading: t('contacts.banAdded') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  });
  ready(main);
}

try { await render(new URLSearchParams(location.search).get('prisoner')); } catch (e) { pageProblem(main, e); }
