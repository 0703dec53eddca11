// Staff: booking requests waiting for a decision (status requested):
// approve, or reject with a reason.
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, problemText, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { visitTypeName, inZone } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(STAFF_ROLES);
const main = page({ title: t('requests.title'), user, active: '/staff/requests.html' });

async function render(message) {
  const { visits } = await get('/visits?status=requested');
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('requests.title')}</h1>
    ${visits.length ? '' : html`<p class="govuk-body" id="no-requests">${t('requests.none')}</p>`}
    ${visits.map((v) => html`
    <div class="govuk-summary-card" data-visit="${v.id}">
      <div class="govuk-summary-card__title-wrapper">
        <h2 class="govuk-summary-card__title">${t('requests.typeWith', { type: visitTypeName(v.type), name: v.prisoner ? v.prisoner.name : '' })}</h2>
      </div>
      <div class="govuk-summary-card__content">
        <dl class="govuk-summary-list">
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('requests.when')}</dt><dd class="govuk-summary-list__value">${inZone(v.time_zone).longDate(v.start)}, ${inZone(v.time_zone).timeRange(v.start, v.end)}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('requests.visitors')}</dt><dd class="govuk-summary-list__value">${(v.visitors || []).map((x, i) => html`${i ? html`<br>` : ''}${x.name}${x.adult ? '' : ` ${t('family.under18')}`}`)}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('requests.bookedBy')}</dt><dd class="govuk-summary-list__value">${v.booked_by}</dd></div>
        </dl>
        <form class="app-decision" data-visit="${v.id}" novalidate>
          <div class="govuk-form-group">
            <label class="govuk-label" for="reason-${v.id}">${t('requests.reason')}</label>
            <input class="govuk-input" id="reason-${v.id}" name="reason" type="text" maxlength="400">
          </div>
          <div class="govuk-button-group">
            <button type="submit" name="decision" value="approve" class="govuk-button" data-module="govuk-button">${t('requests.approve')}<span class="govuk-visually-hidden"> ${t('requests.callOn', { date: inZone(v.time_zone).longDate(v.start) })}</span></button>
            <button type="submit" name="decision" value="reject" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('requests.reject')}<span class="govuk-visually-hidden"> ${t('requests.callOn', { date: inZone(v.time_zone).longDate(v.start) })}</span></button>
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
    if (decision === 'reject' && !reason) { showErrors(main, [{ field: `reason-${id}`, text: t('requests.enterReason') }]); return; }
    try {
      await post(`/visits/${encodeURIComponent(id)}/${decision}`, decision === 'reject' ? { reason } : {});
      await render({ heading: decision === 'approve' ? t('requests.approved') : t('requests.rejected') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  }));
  ready(main);
}

try { await render(); } catch (e) { pageProblem(main, e); }
