import { html } from '../html.mjs';
import { page, ready } from '../layout.mjs';
import { currentUser } from '../session.mjs';
import { t } from '../i18n/index.mjs';

const user = await currentUser().catch(() => null);
const main = page({ title: t('footer.privacy'), user });
main.innerHTML = String(html`
  <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  <h1 class="govuk-heading-l">${t('privacy.title')}</h1>
  <h2 class="govuk-heading-m">${t('privacy.socialTitle')}</h2>
  <p class="govuk-body">${t('privacy.social')}</p>
  <h2 class="govuk-heading-m">${t('privacy.privateTitle')}</h2>
  <p class="govuk-body">${t('privacy.private')}</p>
  <h2 class="govuk-heading-m">${t('privacy.idTitle')}</h2>
  <p class="govuk-body">${t('privacy.id')}</p>
  <p class="govuk-body" id="privacy-e2ee">${t('privacy.e2ee')}</p>
  </div></div>`);
ready(main);
