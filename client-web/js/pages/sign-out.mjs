// Signs out, then says so.
import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { signOut } from '../session.mjs';
import { t } from '../i18n/index.mjs';

await signOut();
const main = page({ title: t('signout.title') });
main.innerHTML = String(html`
  <h1 class="govuk-heading-l">${t('signout.title')}</h1>
  <p class="govuk-body"><a class="govuk-link" href="/?signedout=1">${t('signout.again')}</a></p>`);
ready(main);
