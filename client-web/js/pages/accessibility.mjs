import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { currentUser } from '../session.mjs';

const user = await currentUser().catch(() => null);
const main = page({ title: 'Accessibility statement', user });
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">Accessibility statement for video visits</h1>
  <p class="govuk-body">We want as many people as possible to be able to use this service. You should be able to:</p>
  <ul class="govuk-list govuk-list--bullet">
    <li>use it with a keyboard alone, including every control during a call</li>
    <li>zoom in up to 400% without the text spilling off the screen</li>
    <li>use it with a screen reader: the people in a call are named and changes are announced</li>
  </ul>
  <h2 class="govuk-heading-m">How accessible this service is</h2>
  <p class="govuk-body">This service aims to meet the Web Content Accessibility Guidelines version 2.2 AA standard. Every page is checked automatically with axe-core in our tests.</p>
  <h2 class="govuk-heading-m">Reporting problems</h2>
  <p class="govuk-body">If you find a problem, tell the prison's visits team or your local administrator.</p>
  </div></div>`);
ready(main);
