// Booking staff: what the families and prisoners of their establishment
// were told, by which channel and language, and whether it arrived at the
// mail server or GOV.UK Notify: queued, sending, sent, or failed with the
// last error (docs/booking.md "Notifications").
import { html } from '../html.mjs';
import { page, ready, pageProblem } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { longDate, time } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const TAGS = { queued: 'govuk-tag--blue', sending: 'govuk-tag--yellow', sent: 'govuk-tag--green', failed: 'govuk-tag--red' };
const user = await requireUser(['booking_staff', 'admin']);
const main = page({ title: t('notify.title'), user, active: '/staff/notifications.html', wide: true });
const params = new URLSearchParams(location.search);
const status = ['queued', 'sending', 'sent', 'failed'].includes(params.get('status')) ? params.get('status') : '';
try {
  const { notifications } = await get(`/notifications${status ? `?status=${status}` : ''}`);
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('notify.title')}</h1>
    <p class="govuk-body">${t('notify.intro')}</p>
    <form method="get" class="govuk-!-margin-bottom-6" novalidate>
      <div class="govuk-form-group">
        <label class="govuk-label" for="status">${t('notify.filter')}</label>
        <select class="govuk-select" id="status" name="status">
          <option value="">${t('notify.all')}</option>
          ${['queued', 'sending', 'sent', 'failed'].map((s) => html`<option value="${s}"${s === status ? ' selected' : ''}>${t(`notify.status.${s}`)}</option>`)}
        </select>
      </div>
      <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('notify.show')}</button>
    </form>
    ${notifications.length ? html`
    <table class="govuk-table" id="notifications">
      <caption class="govuk-table__caption govuk-table__caption--m">${t('notify.caption')}</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">${t('notify.created')}</th>
        <th scope="col" class="govuk-table__header">${t('notify.message')}</th>
        <th scope="col" class="govuk-table__header">${t('notify.to')}</th>
        <th scope="col" class="govuk-table__header">${t('calls.status')}</th>
        <th scope="col" class="govuk-table__header govuk-table__header--numeric">${t('notify.attempts')}</th>
        <th scope="col" class="govuk-table__header">${t('notify.lastError')}</th>
      </tr></thead>
      <tbody class="govuk-table__body">
        ${notifications.map((n) => html`
        <tr class="govuk-table__row" data-notification="${n.id}" data-status="${n.status}">
          <td class="govuk-table__cell">${longDate(n.created_at * 1000)} ${time(n.created_at * 1000)}</td>
          <td class="govuk-table__cell">${t(`notify.event.${n.event}`)}<br><span class="govuk-hint">${t(`notify.channel.${n.channel}`)}, ${n.language === 'cy' ? 'Cymraeg' : 'English'}</span></td>
          <td class="govuk-table__cell">${n.address || t('notify.inCell')}</td>
          <td class="govuk-table__cell"><strong class="govuk-tag ${TAGS[n.status] || 'govuk-tag--grey'}">${t(`notify.status.${n.status}`)}</strong>${n.status === 'queued' && n.next_attempt_at ? html`<br><span class="govuk-hint">${t('notify.nextAt', { time: time(n.next_attempt_at * 1000) })}</span>` : ''}</td>
          <td class="govuk-table__cell govuk-table__cell--numeric">${n.attempts}</td>
          <td class="govuk-table__cell">${n.last_error || ''}</td>
        </tr>`)}
      </tbody>
    </table>` : html`<p class="govuk-body" id="no-notifications">${t('notify.none')}</p>`}`);
  ready(main);
} catch (e) { pageProblem(main, e); }
