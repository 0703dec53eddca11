// Book a video call, step 2: who will be on the call, from the family
// member's approved contacts for that prisoner. Contacts who cannot be
// booked (banned, not approved, no date of birth) are shown, disabled, with
// the reason.
import { html } from '../html.mjs';
import { page, ready, pageProblem } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { notBookableReason } from '../people.mjs';
import * as state from '../booking-state.mjs';
import { t } from '../i18n/index.mjs';

const MAX_VISITORS = 4; // social video calls: up to 4 people with the prisoner

const user = await requireUser(['family']);
const s = state.load();
if (!s.prisoner_id) location.replace('/family/book/prisoner.html');
const main = page({ title: t('book.whoOn'), user, active: '/family/book/prisoner.html', backLink: '/family/book/prisoner.html' });
try {
  const { contacts } = await get(`/prisoners/${s.prisoner_id}/contacts`);
  const chosen = new Set((s.visitor_ids || []).map(String));
  const firstBookable = contacts.find((c) => !notBookableReason(c));
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <form id="visitors-form" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset" aria-describedby="visitors-hint">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--l">
            <span class="govuk-caption-l">${t('book.captionWith', { name: s.prisoner_name })}</span>
            <h1 class="govuk-fieldset__heading">${t('book.whoOn')}</h1>
          </legend>
          <div id="visitors-hint" class="govuk-hint">${t('book.visitorsHint', { max: MAX_VISITORS, name: s.prisoner_name })}</div>
          <div class="govuk-checkboxes" data-module="govuk-checkboxes">
            ${contacts.map((c) => {
              const why = notBookableReason(c);
              const id = c === firstBookable ? 'visitors' : `visitor-${c.visitor_id}`;
              return html`
            <div class="govuk-checkboxes__item" data-testid="contact-${c.visitor_id}">
              <input class="govuk-checkboxes__input" id="${id}" name="visitors" type="checkbox" value="${c.visitor_id}" aria-describedby="visitor-${c.visitor_id}-hint"${why ? html` disabled` : ''}${!why && chosen.has(String(c.visitor_id)) ? html` checked` : ''}>
              <label class="govuk-label govuk-checkboxes__label" for="${id}">${c.name}</label>
              <div id="visitor-${c.visitor_id}-hint" class="govuk-hint govuk-checkboxes__hint">${c.relationship}${c.adult ? '' : t('book.under18')}${why ? html`<br><strong class="app-not-bookable">${t('book.cannotBeBooked', { why })}</strong>` : ''}</div>
            </div>`; })}
          </div>
        </fieldset>
      </div>
      <button type="submit" class="govuk-button" data-module="govuk-button">${t('common.continue')}</button>
    </form>
    </div></div>`);
  main.querySelector('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ids = new FormData(ev.target).getAll('visitors').map(Number);
    const picked = contacts.filter((c) => ids.includes(c.visitor_id));
    const field = firstBookable ? 'visitors' : null;
    if (!picked.length) { showErrors(main, [{ field, text: t('book.selectWhoOn') }]); return; }
    if (picked.length > MAX_VISITORS) { showErrors(main, [{ field, text: t('book.tooMany', { max: MAX_VISITORS }) }]); return; }
    if (!picked.some((c) => c.adult)) { showErrors(main, [{ field, text: t('book.needAdult') }]); return; }
    const bad = picked.find((c) => notBookableReason(c));
    if (bad) { showErrors(main, [{ field, text: t('book.nameCannot', { name: bad.name, why: notBookableReason(bad) }) }]); return; }
    state.update({ visitor_ids: picked.map((c) => c.visitor_id), visitor_names: picked.map((c) => c.name) });
    location.assign('/family/book/slot.html');
  });
  ready(main);
} catch (e) { pageProblem(main, e); }
