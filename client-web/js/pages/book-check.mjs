// Book a video call, step 4: check answers, told the call is recorded, book.
import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { post, ApiError } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { longDate, timeRange } from '../format.mjs';
import * as state from '../booking-state.mjs';

const user = await requireUser(['family']);
const s = state.load();
if (!s.prisoner_id || !s.visitor_ids || !s.slot_id) location.replace('/family/book/prisoner.html');
const main = page({ title: 'Check your booking', user, active: '/family/book/prisoner.html', backLink: '/family/book/slot.html' });

const row = (key, value, href, what) => html`
  <div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">${key}</dt>
    <dd class="govuk-summary-list__value">${value}</dd>
    <dd class="govuk-summary-list__actions">${href ? html`<a class="govuk-link" href="${href}">Change<span class="govuk-visually-hidden"> ${what}</span></a>` : ''}</dd>
  </div>`;

main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <span class="govuk-caption-l">Book a video call</span>
  <h1 class="govuk-heading-l">Check your booking</h1>
  <dl class="govuk-summary-list govuk-!-margin-bottom-9">
    ${row('Prisoner', s.prisoner_name, '/family/book/prisoner.html', 'prisoner')}
    ${row('Who will be on the call', html`${(s.visitor_names || []).map((n, i) => html`${i ? html`<br>` : ''}${n}`)}`, '/family/book/visitors.html', 'who will be on the call')}
    ${row('Date', s.slot ? longDate(s.slot.start) : '', '/family/book/slot.html', 'date and time')}
    ${row('Time', s.slot ? timeRange(s.slot.start, s.slot.end) : '', null)}
    ${row('Type of call', 'Social video call', null)}
  </dl>
  <h2 class="govuk-heading-m">Before you book</h2>
  <div class="govuk-warning-text">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Social video calls are recorded. Prison staff may watch and listen to the call while it happens, and may end it if the rules are broken.</strong>
  </div>
  <p class="govuk-body">Everyone on the call must be one of the people you chose. Anyone 18 or over may be asked to show photo ID at the start of their first call.</p>
  <form id="book-form" novalidate>
    <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="book-button">Book video call</button>
  </form>
  </div></div>`);

const MESSAGES = {
  visitor_banned: 'One of the people you chose is banned from visits on that date. Choose other people.',
  not_approved_contact: 'One of the people you chose is not on the approved visitor list.',
  slot_full: 'That time is now fully booked. Choose another time.',
  outside_booking_window: 'That date can no longer be booked. Choose another date.',
  no_vo_balance: 'The prisoner has no visiting orders left. They can ask the prison when their next ones are due.',
  prisoner_double_booked: 'The prisoner already has a call at that time. Choose another time.',
  no_adult: 'At least one person on the call must be 18 or over.',
};
const FIELD = { visitor_banned: '/family/book/visitors.html', not_approved_contact: '/family/book/visitors.html', no_adult: '/family/book/visitors.html', slot_full: '/family/book/slot.html', outside_booking_window: '/family/book/slot.html', prisoner_double_booked: '/family/book/slot.html' };

main.querySelector('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const button = main.querySelector('#book-button');
  button.disabled = true;
  try {
    const visit = await post('/visits', {
      type: 'social', prisoner_id: Number(s.prisoner_id), slot_id: s.slot_id,
      visitor_ids: s.visitor_ids.map(Number), main_contact_id: Number(user.visitor_ids && user.visitor_ids[0]) || undefined,
    });
    state.save({ confirmed: visit });
    location.assign('/family/book/confirmation.html');
  } catch (e) {
    button.disabled = false;
    const text = (e instanceof ApiError && MESSAGES[e.code]) || e.message;
    showErrors(main, [{ field: null, text }]);
    const fix = e instanceof ApiError && FIELD[e.code];
    if (fix) {
      const li = main.querySelector('.govuk-error-summary__list li');
      li.innerHTML = String(html`<a href="${fix}">${text}</a>`);
    }
  }
});
ready(main);
