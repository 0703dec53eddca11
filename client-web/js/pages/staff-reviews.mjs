// Staff: booked visits flagged for review because a fact under them changed
// (a move, a restriction, an un-approved contact, a blocked date, a
// non-association): keep the visit or cancel it, with a reason (audited).
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, problemText, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { longDate, timeRange } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(STAFF_ROLES);
const main = page({ title: t('reviews.title'), user, active: '/staff/reviews.html' });
const why = (r) => { const k = `reviews.reason.${r.reason}`; const s = t(k); return s === k ? r.reason : s; };

async function render(message) {
  const { reviews } = await get('/reviews');
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('reviews.title')}</h1>
    <p class="govuk-body">${t('reviews.intro')}</p>
    ${reviews.length ? '' : html`<p class="govuk-body" id="no-reviews">${t('reviews.none')}</p>`}
    ${reviews.map((r) => html`
    <div class="govuk-summary-card" data-review="${r.id}" data-visit="${r.visit_id}" data-reason="${r.reason}">
      <div class="govuk-summary-card__title-wrapper">
        <h2 class="govuk-summary-card__title">${r.prisoner ? `${r.prisoner.name} (${r.prisoner.prison_number})` : r.visit_id}</h2>
        <ul class="govuk-summary-card__actions"><li class="govuk-summary-card__action"><a class="govuk-link" href="/staff/audit.html?visit=${encodeURIComponent(r.visit_id)}">${t('staff.audit')}</a></li></ul>
      </div>
      <div class="govuk-summary-card__content">
        <dl class="govuk-summary-list">
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('reviews.why')}</dt><dd class="govuk-summary-list__value">${why(r)}${r.detail && !r.detail.startsWith('{') ? html`<br><span class="govuk-body-s">${r.detail}</span>` : ''}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('reviews.when')}</dt><dd class="govuk-summary-list__value">${longDate(r.visit.start)}, ${timeRange(r.visit.start, r.visit.end)}</dd></div>
          <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('reviews.flaggedBy')}</dt><dd class="govuk-summary-list__value">${r.flagged_by}</dd></div>
        </dl>
        <form class="app-review" data-review="${r.id}" novalidate>
          <div class="govuk-form-group">
            <label class="govuk-label" for="reason-${r.id}">${t('reviews.reason')}</label>
            <input class="govuk-input" id="reason-${r.id}" name="reason" type="text" maxlength="400">
          </div>
          <div class="govuk-button-group">
            <button type="submit" name="decision" value="keep" class="govuk-button" data-module="govuk-button">${t('reviews.keep')}<span class="govuk-visually-hidden"> ${t('reviews.callOn', { date: longDate(r.visit.start) })}</span></button>
            <button type="submit" name="decision" value="cancel" class="govuk-button govuk-button--warning" data-module="govuk-button">${t('reviews.cancel')}<span class="govuk-visually-hidden"> ${t('reviews.callOn', { date: longDate(r.visit.start) })}</span></button>
          </div>
        </form>
      </div>
    </div>`)}`);
  if (message) banner(main, message);
  main.querySelectorAll('form.app-review').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = form.dataset.review;
    const decision = ev.submitter ? ev.submitter.value : 'keep';
    const reason = form.reason.value.trim();
    clearErrors(main);
    if (!reason) { showErrors(main, [{ field: `reason-${id}`, text: t('reviews.enterReason') }]); return; }
    try {
      await post(`/reviews/${encodeURIComponent(id)}/resolve`, { decision, reason });
      await render({ heading: decision === 'keep' ? t('reviews.kept') : t('reviews.cancelled') });
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  }));
  ready(main);
}

try { await render(); } catch (e) { pageProblem(main, e); }
