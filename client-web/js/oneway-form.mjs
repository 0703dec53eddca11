// Staff: one-way video for a prisoner (docs/booking.md "One-way video"):
// the current setting with its reason, and a form to set, change or lift
// it with a reason (booking staff and admins; the API refuses others).
import { html } from './html.mjs';
import { post } from './api.mjs';
import { showErrors, clearErrors } from './forms.mjs';
import { problemText } from './layout.mjs';
import { t } from './i18n/index.mjs';

const DIRS = ['off', 'prisoner_sees_no_video', 'visitors_see_no_video'];

export function oneWaySection(prisoner, canSet) {
  const ow = (prisoner && prisoner.one_way_video) || { direction: 'off' };
  return html`
  <h2 class="govuk-heading-m" id="one-way-heading">${t('oneWay.heading')}</h2>
  <p class="govuk-body" id="one-way-current">${t(`oneWay.dir.${ow.direction}`)}${ow.reason ? html`<br><span class="govuk-body-s">${t('oneWay.because', { reason: ow.reason, by: ow.set_by || '' })}</span>` : ''}</p>
  ${canSet ? html`
  <form id="one-way-form" novalidate>
    <div class="govuk-form-group">
      <fieldset class="govuk-fieldset">
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('oneWay.choose')}</legend>
        <div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
          ${DIRS.map((d) => html`
          <div class="govuk-radios__item">
            <input class="govuk-radios__input" id="one-way-${d}" name="direction" type="radio" value="${d}"${d === ow.direction ? html` checked` : ''}>
            <label class="govuk-label govuk-radios__label" for="one-way-${d}">${t(`oneWay.dir.${d}`)}</label>
          </div>`)}
        </div>
      </fieldset>
    </div>
    <div class="govuk-form-group">
      <label class="govuk-label govuk-label--s" for="one-way-reason">${t('contacts.reason')}</label>
      <textarea class="govuk-textarea" id="one-way-reason" name="reason" rows="2" maxlength="500"></textarea>
    </div>
    <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('oneWay.save')}</button>
  </form>` : ''}`;
}

// onDone(): re-render after a change.
export function wireOneWay(main, prisonerId, onDone) {
  const form = main.querySelector('#one-way-form');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const fd = new FormData(form);
    const reason = String(fd.get('reason') || '').trim();
    if (!reason) { showErrors(main, [{ field: 'one-way-reason', text: t('contacts.enterReason') }]); return; }
    try {
      await post(`/prisoners/${prisonerId}/one-way-video`, { direction: fd.get('direction') || 'off', reason });
      await onDone();
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  });
}
