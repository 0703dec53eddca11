// Book a video call, step 5: booked, with the reference and what next.
import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { longDate, timeRange } from '../format.mjs';
import * as state from '../booking-state.mjs';

const user = await requireUser(['family']);
const v = state.load().confirmed;
if (!v) location.replace('/family/calls.html');
const main = page({ title: 'Video call booked', user, active: '/family/calls.html' });
const requested = v.status === 'requested';
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <div class="govuk-panel govuk-panel--confirmation">
    <h1 class="govuk-panel__title">${requested ? 'Video call requested' : 'Video call booked'}</h1>
    <div class="govuk-panel__body">Your reference number<br><strong data-testid="reference">${v.id}</strong></div>
  </div>
  <p class="govuk-body">${requested ? 'The prison will check your request. We will show the result in your calls.' : 'Your social video call is booked.'}</p>
  <dl class="govuk-summary-list">
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Prisoner</dt><dd class="govuk-summary-list__value">${v.prisoner ? v.prisoner.name : ''}</dd></div>
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Date</dt><dd class="govuk-summary-list__value">${longDate(v.start)}</dd></div>
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Time</dt><dd class="govuk-summary-list__value">${timeRange(v.start, v.end)}</dd></div>
    <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Who will be on the call</dt><dd class="govuk-summary-list__value">${(v.visitors || []).map((x, i) => html`${i ? html`<br>` : ''}${x.name}`)}</dd></div>
  </dl>
  <h2 class="govuk-heading-m">What happens next</h2>
  <p class="govuk-body">Sign in from 15 minutes before the call and choose <strong>Join call</strong> in your calls. You will check your camera and microphone first.</p>
  <p class="govuk-body">The call is recorded and may be watched by prison staff.</p>
  <p class="govuk-body"><a class="govuk-link" href="/family/calls.html">Go to your calls</a></p>
  </div></div>`);
ready(main);
