// Book a video call, step 3: a date and time with places left.
import { html } from '../html.mjs';
import { page, ready, pageProblem } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { inZone } from '../format.mjs';
import * as state from '../booking-state.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['family']);
const s = state.load();
if (!s.prisoner_id || !s.visitor_ids) location.replace('/family/book/prisoner.html');
const main = page({ title: t('book.chooseTime'), user, active: '/family/book/prisoner.html', backLink: '/family/book/visitors.html' });

function placesLeft(slot) {
  // The prisoner's own restriction decides open or closed; booking tells us
  // whether that capacity has room (available). Show the open places left,
  // other people's holds taken off (a place held for us is ours).
  return Math.max(0, slot.open_capacity - slot.open_booked - (slot.open_held || 0));
}

try {
  const { slots } = await get(`/prisoners/${s.prisoner_id}/slots?type=social`);
  const byDate = new Map();
  for (const sl of slots) { if (!byDate.has(sl.date)) byDate.set(sl.date, []); byDate.get(sl.date).push(sl); }
  const firstAvailable = slots.find((x) => x.available);
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <form id="slot-form" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset" aria-describedby="slot-fieldset-hint">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--l">
            <span class="govuk-caption-l">${t('book.captionWith', { name: s.prisoner_name })}</span>
            <h1 class="govuk-fieldset__heading">${t('book.chooseTime')}</h1>
          </legend>
          <div id="slot-fieldset-hint" class="govuk-hint">${t('book.slotHint', { from: slots.length ? inZone(slots[0].time_zone).longDate(slots[0].start) : t('book.fewDays') })}</div>
          ${slots.length === 0 ? html`<p class="govuk-body">${t('book.noSlots')}</p>` : ''}
          <div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
          ${[...byDate.entries()].map(([date, list]) => html`
            <h2 class="govuk-heading-s govuk-!-margin-top-4 govuk-!-margin-bottom-2">${inZone(list[0].time_zone).longDate(list[0].start)}</h2>
            ${list.map((sl) => { const id = sl === firstAvailable ? 'slot' : `slot-${sl.id.replace(/[^0-9a-z]/gi, '-')}`; const left = placesLeft(sl); return html`
            <div class="govuk-radios__item">
              <input class="govuk-radios__input" id="${id}" name="slot" type="radio" value="${sl.id}" aria-describedby="${id}-hint"${sl.available ? '' : html` disabled`}${sl.available && s.slot_id === sl.id ? html` checked` : ''}>
              <label class="govuk-label govuk-radios__label" for="${id}">${inZone(sl.time_zone).timeRange(sl.start, sl.end)}<span class="govuk-visually-hidden"> ${t('book.onDate', { date: inZone(sl.time_zone).longDate(sl.start) })}</span></label>
              <div id="${id}-hint" class="govuk-hint govuk-radios__hint">${sl.available ? t('book.placesLeft', { n: left }) : t('book.full')}</div>
            </div>`; })}`)}
          </div>
        </fieldset>
      </div>
      <button type="submit" class="govuk-button" data-module="govuk-button">${t('common.continue')}</button>
    </form>
    </div></div>`);
  main.querySelector('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = new FormData(ev.target).get('slot');
    if (!id) { showErrors(main, [{ field: firstAvailable ? 'slot' : null, text: t('book.selectTime') }]); return; }
    const sl = slots.find((x) => x.id === id);
    // Choosing holds the place for 10 minutes (and releases an earlier hold);
    // losing the race for the last place is said at once, in plain words.
    const button = main.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const hold = await post('/holds', { prisoner_id: Number(s.prisoner_id), slot_id: sl.id, visitor_ids: s.visitor_ids.map(Number) });
      state.update({ slot_id: sl.id, slot: { start: sl.start, end: sl.end, date: sl.date, time_zone: sl.time_zone }, hold: { id: hold.id, expires_at: hold.expires_at } });
      location.assign('/family/book/check.html');
    } catch (e) {
      button.disabled = false;
      const known = e instanceof ApiError && ['slot_held', 'slot_full', 'outside_booking_window', 'prisoner_double_booked', 'ineligible_location', 'ineligible_category', 'ineligible_incentive_level'].includes(e.code);
      showErrors(main, [{ field: 'slot', text: known ? t(`book.code.${e.code}`) : e.message }]);
    }
  });
  ready(main);
} catch (e) { pageProblem(main, e); }
