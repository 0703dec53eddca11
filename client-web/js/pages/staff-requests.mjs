// Staff: booking requests waiting for a decision (status requested):
// approve, or reject with a reason.
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { longDate, timeRange, visitTypeName } from '../format.mjs';

const user = await requireUser(STAFF_ROLES);
const main = page({ title: 'Requests to approve', user, active: '/staff/requests.html' });

async function render(message) {
  const { visits } = await get('/visits?status=requested');
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">Requests to approve</h1>
    ${visits.length ? '' : html`<p class="govuk-body" id="no-requests">There are no requests waiting.</p>`}
    ${visits.map((v) => html`
    <div class="govuk-summary-card" data-visit="${v.id}">
      <div class="govuk-summary-card__title-wrapper">
        <h2 class="govuk-summary-card__title">${visitTypeName(v.type)} with ${v.prisoner ? v.prisoner.name : ''}</h2>
      </div>
      <div class="govuk-summary-card__content">
        <dl class="govuk-summary-list">
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">When</dt><dd class="govuk-summary-list__value">${longDate(v.start)}, ${timeRange(v.start, v.end)}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Visitors</dt><dd class="govuk-summary-list__value">${(v.visitors || []).map((x, i) => html`${i ? html`<br>` : ''}${x.name}${x.adult ? '' : ' (under 18)'}`)}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Booked by</dt><dd class="govuk-summary-list__value">${v.booked_by}</dd></div>
        </dl>
        <form class="app-decision" data-visit="${v.id}" novalidate>
          <div class="govuk-form-group">
            <label class="govuk-label" for="reason-${v.id}">Reason if you reject it</label>
            <input class="govuk-input" id="reason-${v.id}" name="reason" type="text" maxlength="400">
          </div>
          <div class="govuk-button-group">
            <button type="submit" name="decision" value="approve" class="govuk-button" data-module="govuk-button">Approve<span class="govuk-visually-hidden"> call on ${longDate(v.start)}</span></button>
            <button type="submit" name="decision" value="reject" class="govuk-button govuk-button--warning" data-module="govuk-button">Reject<span class="govuk-visually-hidden"> call on ${longDate(v.start)}</span></button>
          </div>
        </form>
      </div>
    </div>`)}`);
  if (message) banner(main, message);
  main.querySelectorAll('form.app-decision').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = form.dataset.visit;
    const decision = ev.submitter ? ev.submitter.value : 'approve';
    const reason = form.reason.value.trim();
    clearErrors(main);
    if (decision === 'reject' && !reason) { showErrors(main, [{ field: `reason-${id}`, text: 'Enter why you are rejecting the request' }]); return; }
    try {
      await post(`/visits/${encodeURIComponent(id)}/${decision}`, decision === 'reject' ? { reason } : {});
      await render({ heading: decision === 'approve' ? 'Request approved' : 'Request rejected' });
    } catch (e) { showErrors(main, [{ field: null, text: e.message }]); }
  }));
  ready(main);
}

try { await render(); } catch (e) { pageProblem(main, e); }
