// Sign in: username and password, GOV.UK error summary, then the role's
// home page (or the page that sent the person here).
import { html } from '../html.mjs';
import { page, ready, homeFor, banner } from '../layout.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { signIn, currentUser } from '../session.mjs';
import { ApiError } from '../api.mjs';

const q = new URLSearchParams(location.search);

function safeNext(u) {
  const n = q.get('next');
  return n && n.startsWith('/') && !n.startsWith('//') ? n : homeFor(u.role);
}

const already = q.has('timedout') || q.has('signedout') ? null : await currentUser().catch(() => null);
if (already) {
  location.replace(safeNext(already));
} else {
  const main = page({ title: 'Sign in' });
  main.innerHTML = String(html`
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">Sign in to video visits</h1>
        <p class="govuk-body">Use the username and password you were given when your account was set up.</p>
        <form id="sign-in" novalidate>
          <div class="govuk-form-group">
            <label class="govuk-label" for="username">Username</label>
            <input class="govuk-input govuk-!-width-two-thirds" id="username" name="username" type="text" autocomplete="username" spellcheck="false" autocapitalize="none">
          </div>
          <div class="govuk-form-group">
            <label class="govuk-label" for="password">Password</label>
            <input class="govuk-input govuk-!-width-two-thirds" id="password" name="password" type="password" autocomplete="current-password">
          </div>
          <button type="submit" class="govuk-button" data-module="govuk-button" id="sign-in-button">Sign in</button>
        </form>
        <h2 class="govuk-heading-m">If you cannot sign in</h2>
        <p class="govuk-body">Families: contact the prison's visits booking line. Staff and professionals: contact your local administrator.</p>
      </div>
    </div>`);
  if (q.has('timedout')) {
    banner(main, { title: 'Important', heading: 'You were signed out', text: 'We signed you out because you did not do anything for 20 minutes. Your answers were not saved.', success: false });
  }
  const form = main.querySelector('#sign-in');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    const errors = [];
    if (!username) errors.push({ field: 'username', text: 'Enter your username' });
    if (!password) errors.push({ field: 'password', text: 'Enter your password' });
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
        const wait = s < 60 ? `${s} second${s === 1 ? '' : 's'}` : `${Math.ceil(s / 60)} minute${Math.ceil(s / 60) === 1 ? '' : 's'}`;
        showErrors(main, [{ field: 'username', text: `There have been too many wrong passwords from this device. Wait ${wait}, then try again.` }]);
      } else if (e instanceof ApiError && (e.code === 'invalid_credentials' || e.status === 401)) {
        showErrors(main, [{ field: 'username', text: 'Enter a correct username and password' }]);
      } else {
        showErrors(main, [{ field: null, text: e.message || 'Sorry, there is a problem with the service. Try again later.' }]);
      }
    }
  });
  ready(main);
}
