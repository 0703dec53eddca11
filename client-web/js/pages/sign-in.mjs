// Sign in: username and password, GOV.UK error summary, then the role's
// home page (or the page that sent the person here).
import { html } from '../html.mjs';
import { page, ready, homeFor, banner } from '../layout.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { signIn, currentUser } from '../session.mjs';
import { ApiError } from '../api.mjs';
import { t } from '../i18n/index.mjs';

const q = new URLSearchParams(location.search);

function safeNext(u) {
  const n = q.get('next');
  return n && n.startsWith('/') && !n.startsWith('//') ? n : homeFor(u.role);
}

const already = q.has('timedout') || q.has('signedout') ? null : await currentUser().catch(() => null);
if (already) {
  location.replace(safeNext(already));
} else {
  const main = page({ title: t('signin.title') });
  main.innerHTML = String(html`
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">${t('signin.heading')}</h1>
        <p class="govuk-body">${t('signin.intro')}</p>
        <form id="sign-in" novalidate>
          <div class="govuk-form-group">
            <label class="govuk-label" for="username">${t('signin.username')}</label>
            <input class="govuk-input govuk-!-width-two-thirds" id="username" name="username" type="text" autocomplete="username" spellcheck="false" autocapitalize="none">
          </div>
          <div class="govuk-form-group">
            <label class="govuk-label" for="password">${t('signin.password')}</label>
            <input class="govuk-input govuk-!-width-two-thirds" id="password" name="password" type="password" autocomplete="current-password">
          </div>
          <button type="submit" class="govuk-button" data-module="govuk-button" id="sign-in-button">${t('signin.button')}</button>
        </form>
        <h2 class="govuk-heading-m">${t('signin.helpTitle')}</h2>
        <p class="govuk-body">${t('signin.help')}</p>
      </div>
    </div>`);
  if (q.has('timedout')) {
    banner(main, { title: t('banner.important'), heading: t('signin.timedOutHeading'), text: t('signin.timedOut'), success: false });
  }
  const form = main.querySelector('#sign-in');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    const errors = [];
    if (!username) errors.push({ field: 'username', text: t('signin.enterUsername') });
    if (!password) errors.push({ field: 'password', text: t('signin.enterPassword') });
    if (errors.length) { showErrors(main, errors); return; }
    clearErrors(main);
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const user = await signIn(username, password);
      location.assign(safeNext(user));
    } catch (e) {
      button.disabled = false;
      form.password.value = '';
      if (e instanceof ApiError && e.code === 'too_many_attempts') {
        const s = e.retryAfter || 1;
        const wait = s < 60 ? t('timeout.seconds', { n: s }) : t('timeout.minutes', { n: Math.ceil(s / 60) });
        showErrors(main, [{ field: 'username', text: t('signin.tooMany', { wait }) }]);
      } else if (e instanceof ApiError && (e.code === 'invalid_credentials' || e.status === 401)) {
        showErrors(main, [{ field: 'username', text: t('signin.wrong') }]);
      } else {
        showErrors(main, [{ field: null, text: e.message || t('problem.tryLater') }]);
      }
    }
  });
  ready(main);
}
