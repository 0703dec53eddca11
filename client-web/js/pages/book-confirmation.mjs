// Book a video call, step 5: booked, with the reference and what next.
import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { inZone } from '../format.mjs';
import * as state from '../booking-state.mjs';
import { t } from '../i18n/index.mjs';
import { idWarning } from '../id-status.mjs';

const user = await requireUser(['family']);
const v = state.load().confirmed;
if (!v) location.replace('/family/calls.html');
const main = page({ title: t('book.booked'), user, active: '/family/calls.html' });
const requested = v.status === 'requested';
const idWarn = await idWarning();
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <div class="govuk-panel govuk-panel--confirmation">
    <h1 class="govuk-panel__title">${requested ? t('book.requested') : t('book.booked')}</h1>
    <div class="govuk-panel__body">${t('book.reference')}<br><strong data-testid="reference">${v.id}</strong></div>
  </div>
  <p class="govuk-body">${requested ? t('book.requestedText') : t('book.bookedText')}</p>
  <dl class="govuk-summary-list">
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('book.prisoner')}</dt><dd class="govuk-summary-list__value">${v.prisoner ? v.prisoner.name : ''}</dd></div>
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('book.date')}</dt><dd class="govuk-summary-list__value">${inZone(v.time_zone).longDate(v.start)}</dd></div>
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('book.time')}</dt><dd class="govuk-summary-list__value">${inZone(v.time_zone).timeRange(v.start, v.end)}</dd></div>
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('book.whoOnKey')}</dt><dd class="govuk-summary-list__value">${(v.visitors || []).map((x, i) => html`${i ? html`<br>` : ''}${x.name}`)}</dd></div>
  </dl>
  ${idWarn}
  <h2 class="govuk-heading-m">${t('book.next')}</h2>
  <p class="govuk-body">${t('book.nextSignIn')} <strong>${t('call.join')}</strong> ${t('book.nextSignIn2')}</p>
  <p class="govuk-body">${t('book.nextRecorded')}</p>
  <p class="govuk-body"><a class="govuk-link" href="/family/calls.html">${t('book.goCalls')}</a></p>
  </div></div>`);
ready(main);
