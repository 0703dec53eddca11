// How each person on a family account is told about their visits (email,
// mobile for text messages) and in which language: the family for its own
// people (/family/contact.html), booking staff for one contact of their
// prison (/staff/contact-details.html?visitor=ID).
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, problemText } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, patch } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['family', 'booking_staff', 'admin']);
const staff = user.role !== 'family';
const one = new URLSearchParams(location.search).get('visitor');
const main = page({ title: t('contact.title'), user, active: staff ? '/staff/contacts.html' : '/family/contact.html' });
const FIELD = { email: 'email', mobile: 'mobile', language: 'language' };

async function render(message) {
  const ids = staff ? [one].filter((x) => /^\d+$/.test(x || '')) : (user.visitor_ids || []);
  const people = await Promise.all(ids.map((id) => get(`/visitors/${id}`)));
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('contact.title')}</h1>
    <p class="govuk-body">${staff ? t('contact.introStaff') : t('contact.intro')}</p>
    ${people.map((p) => html`
    <form class="app-contact govuk-!-margin-bottom-9" data-visitor="${p.id}" novalidate>
      <h2 class="govuk-heading-m">${p.name}</h2>
      <div class="govuk-form-group">
        <label class="govuk-label" for="email-${p.id}">${t('contact.email')}</label>
        <input class="govuk-input" id="email-${p.id}" name="email" type="email" spellcheck="false" autocomplete="email" value="${p.email || ''}">
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label" for="mobile-${p.id}">${t('contact.mobile')}</label>
        <div class="govuk-hint" id="mobile-${p.id}-hint">${t('contact.mobileHint')}</div>
        <input class="govuk-input govuk-input--width-20" id="mobile-${p.id}" name="mobile" type="tel" autocomplete="tel" aria-describedby="mobile-${p.id}-hint" value="${p.mobile || ''}">
      </div>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${t('contact.language')}</legend>
          <div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">
            <div class="govuk-radios__item"><input class="govuk-radios__input" id="language-${p.id}" name="language" type="radio" value="en"${p.language === 'en' ? ' checked' : ''}><label class="govuk-label govuk-radios__label" for="language-${p.id}">English</label></div>
            <div class="govuk-radios__item"><input class="govuk-radios__input" id="language-${p.id}-cy" name="language" type="radio" value="cy" lang="cy"${p.language === 'cy' ? ' checked' : ''}><label class="govuk-label govuk-radios__label" for="language-${p.id}-cy" lang="cy">Cymraeg</label></div>
          </div>
        </fieldset>
      </div>
      <button type="submit" class="govuk-button" data-module="govuk-button">${t('contact.save')}<span class="govuk-visually-hidden"> ${p.name}</span></button>
    </form>`)}`);
  if (message) banner(main, message);
  main.querySelectorAll('form.app-contact').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const id = form.dataset.visitor;
    const lang = form.querySelector('input[name=language]:checked');
    try {
      await patch(`/visitors/${encodeURIComponent(id)}`, {
        email: form.email.value.trim(), mobile: form.mobile.value.trim(), ...(lang ? { language: lang.value } : {}),
      });
      await render({ heading: t('contact.saved') });
    } catch (e) {
      showErrors(main, [{ field: e.field && FIELD[e.field] ? `${FIELD[e.field]}-${id}` : null, text: problemText(e) }]);
    }
  }));
  ready(main);
}

try { await render(); } catch (e) { pageProblem(main, e); }
