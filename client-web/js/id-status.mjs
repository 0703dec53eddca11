// The ID check's status on the family's booking pages (docs/booking.md
// "ID check"): a warning, early, naming each adult on the account who cannot
// join calls yet. Empty when everyone is verified or the check is off.
import { html } from './html.mjs';
import { get } from './api.mjs';
import { t } from './i18n/index.mjs';

export async function idWarning() {
  let r;
  try { r = await get('/identity/visitors'); } catch { return ''; }
  const missing = r.visitors.filter((v) => v.needs_check && v.status !== 'verified');
  if (!missing.length) return '';
  return html`
    <div class="govuk-notification-banner" role="region" aria-labelledby="id-warning-title" data-module="govuk-notification-banner" id="id-warning">
      <div class="govuk-notification-banner__header">
        <h2 class="govuk-notification-banner__title" id="id-warning-title">${t('id.warnTitle')}</h2>
      </div>
      <div class="govuk-notification-banner__content">
        <p class="govuk-body">${t('id.warnIntro')}</p>
        <ul class="govuk-list govuk-list--bullet">
          ${missing.map((v) => html`<li data-visitor="${v.visitor_id}">${t('id.warnOne', { name: v.name, status: t(`id.status.${v.status}`).toLowerCase() })}</li>`)}
        </ul>
        <p class="govuk-body"><a class="govuk-notification-banner__link" href="/family/id-check.html">${t('id.warnLink')}</a></p>
      </div>
    </div>`;
}
