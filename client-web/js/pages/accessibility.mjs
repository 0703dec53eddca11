import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { currentUser } from '../session.mjs';
import { t } from '../i18n/index.mjs';

const user = await currentUser().catch(() => null);
const main = page({ title: t('footer.accessibility'), user });
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">${t('a11y.title')}</h1>
  <p class="govuk-body">${t('a11y.intro')}</p>
  <ul class="govuk-list govuk-list--bullet">
    <li>${t('a11y.keyboard')}</li>
    <li>${t('a11y.zoom')}</li>
    <li>${t('a11y.reader')}</li>
  </ul>
  <h2 class="govuk-heading-m">${t('a11y.howTitle')}</h2>
  <p class="govuk-body">${t('a11y.how')}</p>
  <h2 class="govuk-heading-m">${t('a11y.reportTitle')}</h2>
  <p class="govuk-body">${t('a11y.report')}</p>
  </div></div>`);
ready(main);
