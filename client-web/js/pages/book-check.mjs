// Book a video call, step 4: check answers, told the call is recorded, book.
import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { post, ApiError } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { inZone } from '../format.mjs';
import * as state from '../booking-state.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['family']);
const s = state.load();
if (!s.prisoner_id || !s.visitor_ids || !s.slot_id) location.replace('/family/book/prisoner.html');
const main = page({ title: t('book.checkTitle'), user, active: '/family/book/prisoner.html', backLink: '/family/book/slot.html' });

// The place chosen is held for 10 minutes (POST /holds on the slot page).
const holdLive = () => s.hold && Date.parse(s.hold.expires_at) > Date.now();
function holdNotice() {
  if (holdLive()) {
    return html`<div class="govuk-inset-text" id="hold-notice">
      <p class="govuk-body govuk-!-font-weight-bold">${t('book.holding', { time: inZone(s.slot && s.slot.time_zone).time(s.hold.expires_at) })}</p>
      <p class="govuk-body">${t('book.holdingHint')}</p></div>`;
  }
  return html`<div class="govuk-inset-text" id="hold-notice"><p class="govuk-body">${t('book.holdGone')}</p></div>`;
}

const row = (key, value, href, what) => html`
  <div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">${key}</dt>
    <dd class="govuk-summary-list__value">${value}</dd>
    <dd class="govuk-summary-list__actions">${href ? html`<a class="govuk-link" href="${href}">${t('book.change')}<span class="govuk-visually-hidden"> ${what}</span></a>` : ''}</dd>
  </div>`;

main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <span class="govuk-caption-l">${t('nav.book')}</span>
  <h1 class="govuk-heading-l">${t('book.checkTitle')}</h1>
  ${holdNotice()}
  <dl class="govuk-summary-list govuk-!-margin-bottom-9">
    ${row(t('book.prisoner'), s.prisoner_name, '/family/book/prisoner.html', t('book.changePrisoner'))}
    ${row(t('book.whoOnKey'), html`${(s.visitor_names || []).map((n, i) => html`${i ? html`<br>` : ''}${n}`)}`, '/family/book/visitors.html', t('book.changeWho'))}
    ${row(t('book.date'), s.slot ? inZone(s.slot.time_zone).longDate(s.slot.start) : '', '/family/book/slot.html', t('book.changeDate'))}
    ${row(t('book.time'), s.slot ? inZone(s.slot.time_zone).timeRange(s.slot.start, s.slot.end) : '', null)}
    ${row(t('book.type'), t('visitType.social'), null)}
  </dl>
  <h2 class="govuk-heading-m">${t('book.before')}</h2>
  <div class="govuk-warning-text">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('common.warning')}</span>${t('book.recordedWarning')}</strong>
  </div>
  <p class="govuk-body">${t('book.idNote')}</p>
  <form id="book-form" novalidate>
    <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="book-button">${t('book.button')}</button>
  </form>
  </div></div>`);

// Booking's codes a family can act on, in the person's language (book.code.*).
const SLOT_CODES = ['slot_held', 'hold_expired', 'hold_not_found', 'ineligible_location', 'ineligible_category', 'ineligible_incentive_level'];
const MESSAGES = Object.fromEntries(['visitor_banned', 'not_approved_contact', 'slot_full', 'outside_booking_window', 'no_vo_balance', 'prisoner_double_booked', 'no_adult', ...SLOT_CODES]
  .map((c) => [c, t(`book.code.${c}`)]));
const FIELD = { visitor_banned: '/family/book/visitors.html', not_approved_contact: '/family/book/visitors.html', no_adult: '/family/book/visitors.html', slot_full: '/family/book/slot.html', outside_booking_window: '/family/book/slot.html', prisoner_double_booked: '/family/book/slot.html',
  ...Object.fromEntries(SLOT_CODES.map((c) => [c, '/family/book/slot.html'])) };

main.querySelector('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const button = main.querySelector('#book-button');
  button.disabled = true;
  try {
    const visit = await post('/visits', {
      type: 'social', prisoner_id: Number(s.prisoner_id), slot_id: s.slot_id,
      visitor_ids: s.visitor_ids.map(Number), main_contact_id: Number(user.visitor_ids && user.visitor_ids[0]) || undefined,
      // Only a hold we still think live: an expired one would be refused
      // (hold_expired) even when the place is still free.
      hold_id: holdLive() ? s.hold.id : undefined,
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
