// Signs out, then says so.
import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { signOut } from '../session.mjs';

await signOut();
const main = page({ title: 'You have signed out' });
main.innerHTML = String(html`
  <h1 class="govuk-heading-l">You have signed out</h1>
  <p class="govuk-body"><a class="govuk-link" href="/?signedout=1">Sign in again</a></p>`);
ready(main);
