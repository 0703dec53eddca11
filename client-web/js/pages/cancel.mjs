// Cancel a call: confirm, with a reason (booking requires one).
import { html } from '../html.mjs';
import { page, ready, pageProblem, flash } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { visitTypeName, inZone } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['family', 'booking_staff', 'admin']);
const id = new URLSearchParams(location.search).get('visit') || '';
const back = user.role === 'family' ? '/family/calls.html' : '/staff/';
const main = page({ title: t('cancel.title'), user, active: back, backLink: back });
try {
  const v = await get(`/visits/${encodeURIComponent(id)}`);
  // Booking keeps the reason as given: each option's value stays English
  // (staff read it in the audit trail); its label is in the person's language.
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <h1 class="govuk-heading-l">${t('cancel.title')}</h1>
    <p class="govuk-body">${t('cancel.what', { type: visitTypeName(v.type), name: v.prisoner ? v.prisoner.name : '', date: inZone(v.time_zone).longDate(v.start), time: inZone(v.time_zone).timeRange(v.start, v.end) })}</p>
    <form id="cancel-form" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('cancel.why')}</legend>
          <div class="govuk-radios" data-module="govuk-radios">
            ${[['reason', 'Visitor cannot make it', 'cancel.visitor'], ['reason-prisoner', 'Prisoner asked to cancel', 'cancel.prisoner'], ['reason-other', 'Another reason', 'cancel.other']].map(([rid, value, key]) => html`
            <div class="govuk-radios__item">
              <input class="govuk-radios__input" id="${rid}" name="reason" type="radio" value="${value}">
              <label class="govuk-label govuk-radios__label" for="${rid}">${t(key)}</label>
            </div>`)}
          </div>
        </fieldset>
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label" for="detail">${t('cancel.detail')}</label>
        <textarea class="govuk-textarea" id="detail" name="detail" rows="3" maxlength="400"></textarea>
      </div>
      <div class="govuk-button-group">
        <button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" id="cancel-button">${t('cancel.button')}</button>
        <a class="govuk-link" href="${back}">${t('cancel.keep')}</a>
      </div>
    </form>
    </div></div>`);
  main.querySelector('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(ev.target);
    const reason = fd.get('reason');
    if (!reason) { showErrors(main, [{ field: 'reason', text: t('cancel.selectWhy') }]); return; }
    const detail = String(fd.get('detail') || '').trim();
    try {
      await post(`/visits/${encodeURIComponent(id)}/cancel`, { reason: detail ? `${reason}: ${detail}` : reason });
      flash({ heading: t('cancel.done'), text: t('cancel.doneText', { date: inZone(v.time_zone).longDate(v.start) }) });
      location.assign(back);
    } catch (e) {
      const text = e instanceof ApiError && e.code === 'visit_started' ? t('code.visit_started')
        : e instanceof ApiError && e.code === 'already_cancelled' ? t('code.already_cancelled') : e.message;
      showErrors(main, [{ field: null, text }]);
    }
  });
  ready(main);
} catch (e) { pageProblem(main, e); }
