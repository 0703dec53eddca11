// Booking staff: ID checks waiting for a decision (docs/booking.md "ID
// check"). The photos come straight from booking, which records each view;
// approve, or reject with a reason the family sees.
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, problemText } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { longDate, time } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['booking_staff']);
const main = page({ title: t('ids.title'), user, active: '/staff/id-checks.html' });
const when = (s) => { const iso = new Date(s * 1000).toISOString(); return `${longDate(iso)}, ${time(iso)}`; };

async function render(message) {
  const { checks } = await get('/identity/checks');
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('ids.title')}</h1>
    <p class="govuk-body">${t('ids.viewsAudited')}</p>
    ${checks.length ? '' : html`<p class="govuk-body" id="no-checks">${t('ids.none')}</p>`}
    ${checks.map((c) => html`
    <div class="govuk-summary-card" data-check="${c.check_id}">
      <div class="govuk-summary-card__title-wrapper">
        <h2 class="govuk-summary-card__title">${c.visitor_name}</h2>
      </div>
      <div class="govuk-summary-card__content">
        <dl class="govuk-summary-list">
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('ids.dob')}</dt><dd class="govuk-summary-list__value">${c.date_of_birth ? longDate(c.date_of_birth) : ''}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('ids.sent')}</dt><dd class="govuk-summary-list__value">${c.submitted_at ? when(c.submitted_at) : ''}</dd></div>
        </dl>
        <div class="govuk-grid-row">
          <div class="govuk-grid-column-one-half"><p class="govuk-body govuk-!-font-weight-bold">${t('ids.document')}</p><img class="app-id-photo" src="/api/v1/identity/checks/${c.check_id}/document" alt="${t('ids.document')}: ${c.visitor_name}" width="320" data-testid="document-${c.check_id}"></div>
          <div class="govuk-grid-column-one-half"><p class="govuk-body govuk-!-font-weight-bold">${t('ids.selfie')}</p><img class="app-id-photo" src="/api/v1/identity/checks/${c.check_id}/selfie" alt="${t('ids.selfie')}: ${c.visitor_name}" width="320" data-testid="selfie-${c.check_id}"></div>
        </div>
        <form class="app-decision" data-check="${c.check_id}" novalidate>
          <div class="govuk-form-group">
            <label class="govuk-label" for="reason-${c.check_id}">${t('ids.reason')}</label>
            <input class="govuk-input" id="reason-${c.check_id}" name="reason" type="text" maxlength="500">
          </div>
          <div class="govuk-button-group">
            <button type="submit" name="decision" value="approve" class="govuk-button" data-module="govuk-button">${t('ids.approve')}<span class="govuk-visually-hidden"> – ${c.visitor_name}</span></button>
            <button type="submit" name="decision" value="reject" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('ids.reject')}<span class="govuk-visually-hidden"> – ${c.visitor_name}</span></button>
          </div>
        </form>
      </div>
    </div>`)}`);
  if (message) banner(main, message);
  main.querySelectorAll('form.app-decision').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = form.dataset.check;
    const decision = ev.submitter ? ev.submitter.value : 'approve';
    const reason = form.reason.value.trim();
    clearErrors(main);
    if (decision === 'reject' && !reason) { showErrors(main, [{ field: `reason-${id}`, text: t('ids.enterReason') }]); return; }
    try {
      await post(`/identity/checks/${encodeURIComponent(id)}/${decision}`, decision === 'reject' ? { reason } : {});
      await render({ heading: decision === 'approve' ? t('ids.approved') : t('ids.rejected') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  }));
  ready(main);
}

try { await render(); } catch (e) { pageProblem(main, e); }
