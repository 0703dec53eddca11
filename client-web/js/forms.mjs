// GOV.UK error pattern: an error summary at the top of main, focused, linking
// to each field; the field's group marked and its message above the input;
// "Error: " before the page title.
import { html } from './html.mjs';
import { markTitleError } from './layout.mjs';
import { t } from './i18n/index.mjs';

// errors: [{ field: 'input-id', text: 'Select a prisoner' }]
export function showErrors(main, errors) {
  clearErrors(main);
  if (!errors.length) return;
  const summary = document.createElement('div');
  summary.className = 'govuk-error-summary';
  summary.setAttribute('data-module', 'govuk-error-summary');
  summary.innerHTML = String(html`
    <div role="alert">
      <h2 class="govuk-error-summary__title">${t('errors.title')}</h2>
      <div class="govuk-error-summary__body">
        <ul class="govuk-list govuk-error-summary__list">
          ${errors.map((e) => html`<li>${e.field ? html`<a href="#${e.field}">${e.text}</a>` : e.text}</li>`)}
        </ul>
      </div>
    </div>`);
  main.prepend(summary);
  for (const e of errors) {
    if (!e.field) continue;
    const input = document.getElementById(e.field);
    if (!input) continue;
    const group = input.closest('.govuk-form-group');
    if (group) group.classList.add('govuk-form-group--error');
    const msg = document.createElement('p');
    msg.className = 'govuk-error-message';
    msg.id = `${e.field}-error`;
    msg.innerHTML = String(html`<span class="govuk-visually-hidden">${t('errors.prefix')}</span> ${e.text}`);
    // Above the input, or above the whole set of options in a fieldset.
    const fieldset = input.closest('fieldset');
    const anchor = fieldset && group && group.contains(fieldset)
      ? fieldset.querySelector('.govuk-radios, .govuk-checkboxes, .govuk-date-input') || input
      : input.closest('.govuk-input__wrapper') || input;
    anchor.parentNode.insertBefore(msg, anchor);
    const target = fieldset && group && group.contains(fieldset) ? fieldset : input;
    const described = (target.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    described.push(msg.id);
    target.setAttribute('aria-describedby', described.join(' '));
    if (input.classList.contains('govuk-input')) input.classList.add('govuk-input--error');
    if (input.classList.contains('govuk-select')) input.classList.add('govuk-select--error');
    if (input.classList.contains('govuk-textarea')) input.classList.add('govuk-textarea--error');
  }
  markTitleError(true);
  // Links in the summary move focus to the field, as govuk-frontend does.
  summary.addEventListener('click', (ev) => {
    const a = ev.target.closest('a');
    if (!a) return;
    const el = document.getElementById(a.getAttribute('href').slice(1));
    if (el) { ev.preventDefault(); el.focus(); el.scrollIntoView({ block: 'center' }); }
  });
  summary.setAttribute('tabindex', '-1');
  summary.focus();
  window.scrollTo(0, 0);
}

export function clearErrors(main) {
  main.querySelectorAll('.govuk-error-summary').forEach((e) => e.remove());
  main.querySelectorAll('.govuk-error-message').forEach((e) => {
    document.querySelectorAll(`[aria-describedby~="${e.id}"]`).forEach((t) => {
      const rest = t.getAttribute('aria-describedby').split(' ').filter((x) => x && x !== e.id);
      if (rest.length) t.setAttribute('aria-describedby', rest.join(' ')); else t.removeAttribute('aria-describedby');
    });
    e.remove();
  });
  main.querySelectorAll('.govuk-form-group--error').forEach((e) => e.classList.remove('govuk-form-group--error'));
  main.querySelectorAll('.govuk-input--error, .govuk-select--error, .govuk-textarea--error').forEach((e) => {
    e.classList.remove('govuk-input--error', 'govuk-select--error', 'govuk-textarea--error');
  });
  markTitleError(false);
}

// An error that is not about one field (the API said no): shown in the
// summary alone.
export function showProblem(main, text) {
  showErrors(main, [{ field: null, text }]);
}

export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (k in out) out[k] = [].concat(out[k], v);
    else out[k] = v;
  }
  return out;
}
