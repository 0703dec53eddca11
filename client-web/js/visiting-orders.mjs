// A prisoner's visiting orders as a page section: the balance, when the next
// ones are due, the unused orders and the history in plain words (English or
// Welsh). The same renderer for staff (who also see who made a change and
// why) and for a family or the prisoner (the API's plain view carries no
// names, reasons or ids). GET /api/v1/prisoners/{id}/visiting-orders.
import { html } from './html.mjs';
import { longDate } from './format.mjs';
import { t } from './i18n/index.mjs';

const KINDS = ['VO', 'PVO'];
const EVENTS = ['accrued', 'booked', 'used', 'refunded', 'expired', 'accumulated', 'granted', 'removed', 'override', 'repaid', 'migrated'];

// The order's kind in words ("visiting order" / "privileged visiting order").
export function kindText(kind, l) { return t(KINDS.includes(kind) ? `vo.kind.${kind}` : 'vo.kind.VO', {}, l); }

// One history entry as a sentence: "A privileged visiting order was used to book a call".
export function eventText(h, l) {
  const key = EVENTS.includes(h.event) ? `vo.event.${h.event}` : 'vo.event.other';
  return t(key, { kind: kindText(h.kind, l) }, l);
}

const day = (d) => longDate(`${d}T12:00:00Z`);

// The section's HTML. staff: show the orders table and who/why columns.
export function voSection(acc, { staff = false } = {}) {
  if (!acc.entitled && acc.balance.total === 0 && acc.history.length === 0)
    return html`<section class="govuk-!-margin-bottom-6" data-testid="vo-account">
      <h2 class="govuk-heading-m">${t('vo.heading')}</h2>
      <p class="govuk-body">${t('vo.notEntitled')}</p></section>`;
  const row = (k, v, id) => html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${k}</dt><dd class="govuk-summary-list__value"${id ? html` data-testid="${id}"` : ''}>${v}</dd></div>`;
  return html`<section class="govuk-!-margin-bottom-6" data-testid="vo-account">
    <h2 class="govuk-heading-m">${t('vo.heading')}</h2>
    <dl class="govuk-summary-list">
      ${row(t('vo.total'), acc.balance.total, 'vo-total')}
      ${row(t('vo.vo'), acc.balance.vo, 'vo-vo')}
      ${row(t('vo.pvo'), acc.balance.pvo, 'vo-pvo')}
      ${acc.balance.owed ? row(t('vo.owed'), acc.balance.owed, 'vo-owed') : ''}
      ${acc.next_vo_on ? row(t('vo.nextVo'), day(acc.next_vo_on)) : ''}
      ${acc.next_pvo_on && acc.allowance.pvos_per_28_days ? row(t('vo.nextPvo'), day(acc.next_pvo_on)) : ''}
    </dl>
    ${acc.orders.length ? html`
    <table class="govuk-table">
      <caption class="govuk-table__caption govuk-table__caption--s">${t('vo.orders')}</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">${t('vo.kindHeader')}</th>
        <th scope="col" class="govuk-table__header">${t('calls.status')}</th>
        <th scope="col" class="govuk-table__header">${t('vo.issued')}</th>
        <th scope="col" class="govuk-table__header">${t('vo.expiresOn')}</th>
      </tr></thead>
      <tbody class="govuk-table__body">
      ${acc.orders.map((o) => html`<tr class="govuk-table__row">
        <td class="govuk-table__cell">${kindText(o.kind)}</td>
        <td class="govuk-table__cell">${t(`vo.status.${o.status}`)}</td>
        <td class="govuk-table__cell">${day(o.issued_on)}</td>
        <td class="govuk-table__cell">${o.expires_on ? day(o.expires_on) : t('vo.noExpiry')}</td></tr>`)}
      </tbody>
    </table>` : ''}
    <details class="govuk-details" data-testid="vo-history">
      <summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('vo.history')}</span></summary>
      <div class="govuk-details__text">
      ${acc.history.length === 0 ? html`<p class="govuk-body">${t('vo.noHistory')}</p>` : html`
      <table class="govuk-table">
        <thead class="govuk-table__head"><tr class="govuk-table__row">
          <th scope="col" class="govuk-table__header">${t('vo.when')}</th>
          <th scope="col" class="govuk-table__header">${t('vo.what')}</th>
          ${staff ? html`<th scope="col" class="govuk-table__header">${t('vo.who')}</th><th scope="col" class="govuk-table__header">${t('vo.why')}</th>` : ''}
        </tr></thead>
        <tbody class="govuk-table__body">
        ${acc.history.map((h) => html`<tr class="govuk-table__row">
          <td class="govuk-table__cell">${day(h.date)}</td>
          <td class="govuk-table__cell">${eventText(h)}</td>
          ${staff ? html`<td class="govuk-table__cell">${h.actor || ''}</td><td class="govuk-table__cell">${h.reason || ''}</td>` : ''}</tr>`)}
        </tbody>
      </table>`}
      </div>
    </details>
  </section>`;
}

// Booking staff's form to give or remove orders (POST .../adjustments).
export function voAdjustForm() {
  return html`<form id="vo-adjust" novalidate class="govuk-!-margin-bottom-6">
    <h3 class="govuk-heading-s">${t('vo.adjust')}</h3>
    <div class="govuk-form-group">
      <label class="govuk-label" for="vo-action">${t('vo.action')}</label>
      <select class="govuk-select" id="vo-action" name="action">
        <option value="grant">${t('vo.grant')}</option><option value="remove">${t('vo.remove')}</option>
      </select>
    </div>
    <div class="govuk-form-group">
      <label class="govuk-label" for="vo-kind">${t('vo.kindHeader')}</label>
      <select class="govuk-select" id="vo-kind" name="kind">
        <option value="VO">${kindText('VO')}</option><option value="PVO">${kindText('PVO')}</option>
      </select>
    </div>
    <div class="govuk-form-group">
      <label class="govuk-label" for="vo-count">${t('vo.count')}</label>
      <input class="govuk-input govuk-input--width-2" id="vo-count" name="count" type="text" inputmode="numeric" value="1">
    </div>
    <div class="govuk-form-group">
      <label class="govuk-label" for="vo-reason">${t('vo.why')}</label>
      <textarea class="govuk-textarea" id="vo-reason" name="reason" rows="2" maxlength="500"></textarea>
    </div>
    <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">${t('vo.adjustButton')}</button>
  </form>`;
}

// The form's fields checked: { body } or { errors: [{field, text}] }.
export function readAdjust(fd) {
  const errors = [];
  const count = String(fd.get('count') || '').trim();
  if (!/^\d{1,2}$/.test(count) || Number(count) < 1 || Number(count) > 26) errors.push({ field: 'vo-count', text: t('vo.enterCount') });
  const reason = String(fd.get('reason') || '').trim();
  if (!reason) errors.push({ field: 'vo-reason', text: t('vo.enterReason') });
  if (errors.length) return { errors };
  return { body: { action: String(fd.get('action')), kind: String(fd.get('kind')), count: Number(count), reason } };
}
