import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { currentUser } from '../session.mjs';

const user = await currentUser().catch(() => null);
const main = page({ title: 'Privacy and monitoring', user });
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">Privacy and monitoring of calls</h1>
  <h2 class="govuk-heading-m">Social video calls</h2>
  <p class="govuk-body">Social video calls are always recorded. Prison staff may watch and listen to them while they happen, and may end a call if the rules are broken. You are told this before every call. Recordings are kept for 90 days unless there is a recorded reason to keep them longer.</p>
  <h2 class="govuk-heading-m">Legal, probation and medical calls</h2>
  <p class="govuk-body">Calls with a legal adviser, probation supervision calls and telemedicine consultations are not recorded, and staff do not watch or listen to them.</p>
  </div></div>`);
ready(main);
