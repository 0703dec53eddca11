// Cancel a call: confirm, with a reason (booking requires one).
import { html } from '../html.mjs';
import { page, ready, pageProblem, flash } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { longDate, timeRange, visitTypeName } from '../format.mjs';

const user = await requireUser(['family', 'booking_staff', 'admin']);
const id = new URLSearchParams(location.search).get('visit') || '';
const back = user.role === 'family' ? '/family/calls.html' : '/staff/';
const main = page({ title: 'Are you sure you want to cancel this call?', user, active: back, backLink: back });
try {
  const v = await get(`/visits/${encodeURIComponent(id)}`);
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <h1 class="govuk-heading-l">Are you sure you want to cancel this call?</h1>
    <p class="govuk-body">${visitTypeName(v.type)} with ${v.prisoner ? v.prisoner.name : ''} on ${longDate(v.start)}, ${timeRange(v.start, v.end)}.</p>
    <form id="cancel-form" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Why are you cancelling?</legend>
          <div class="govuk-radios" data-module="govuk-radios">
            ${[['reason', 'Visitor cannot make it'], ['reason-prisoner', 'Prisoner asked to cancel'], ['reason-other', 'Another reason']].map(([rid, text]) => html`
            <div class="govuk-radios__item">
              <input class="govuk-radios__input" id="${rid}" name="reason" type="radio" value="${text}">
              <label class="govuk-label govuk-radios__label" for="${rid}">${text}</label>
            </div>`)}
          </div>
        </fieldset>
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label" for="detail">Give details (optional)</label>
        <textarea class="govuk-textarea" id="detail" name="detail" rows="3" maxlength="400"></textarea>
      </div>
      <div class="govuk-button-group">
        <button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" id="cancel-button">Cancel call</button>
        <a class="govuk-link" href="${back}">Keep this call</a>
      </div>
    </form>
    </div></div>`);
  main.querySelector('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(ev.target);
    const reason = fd.get('reason');
    if (!reason) { showErrors(main, [{ field: 'reason', text: 'Select why you are cancelling the call' }]); return; }
    const detail = String(fd.get('detail') || '').trim();
    try {
      await post(`/visits/${encodeURIComponent(id)}/cancel`, { reason: detail ? `${reason}: ${detail}` : reason });
      flash({ heading: 'Call cancelled', text: `Your call on ${longDate(v.start)} has been cancelled.` });
      location.assign(back);
    } catch (e) {
      const text = e instanceof ApiError && e.code === 'visit_started' ? 'This call has already started and cannot be cancelled.'
        : e instanceof ApiError && e.code === 'already_cancelled' ? 'This call is already cancelled.' : e.message;
      showErrors(main, [{ field: null, text }]);
    }
  });
  ready(main);
} catch (e) { pageProblem(main, e); }
