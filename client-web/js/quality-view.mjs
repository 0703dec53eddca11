// The call quality report on pages (docs/client-web.md "The quality report"):
// staff see each participant's figures on the call's audit page as a small
// chart (inline SVG of frames a second over the call, role="img" with a
// label) and, as its accessible alternative, a table of every sample; the
// family see their own plain-words summary on their calls page.
import { html } from './html.mjs';
import { summaryWords } from './call/quality-report.mjs';

const W = 600, H = 120, PAD = 4;

// Points of the frames-a-second line: x over the call's time, y 0..max fps.
export function chartPoints(samples) {
  if (!Array.isArray(samples) || !samples.length) return '';
  const end = Math.max(...samples.map((s) => (Number(s.t) || 0)), 1);
  const top = Math.max(30, ...samples.map((s) => Number(s.fps) || 0));
  return samples.map((s) => {
    const x = PAD + ((Number(s.t) || 0) / end) * (W - 2 * PAD);
    const y = H - PAD - ((Number(s.fps) || 0) / top) * (H - 2 * PAD);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  }).join(' ');
}

const yn = (v, t) => (v === true ? t('quality.yes') : v === false ? t('quality.no') : t('quality.unknown'));

function staffEntry(p, i, t) {
  const r = p.report || {};
  const samples = Array.isArray(r.samples) ? r.samples : [];
  const titleId = `quality-chart-${i}`;
  return html`
    <div class="app-quality" data-participant="${p.participant}">
      <h3 class="govuk-heading-s">${p.participant}</h3>
      <p class="govuk-body" data-testid="quality-summary">${t('quality.staffSummary', { clear: p.summary.clear_minutes, minutes: p.summary.minutes, drops: p.summary.drops })}</p>
      <dl class="govuk-summary-list govuk-summary-list--no-border">
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('quality.firstFrame')}</dt><dd class="govuk-summary-list__value">${r.first_frame_ms ?? t('quality.unknown')}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('quality.relay')}</dt><dd class="govuk-summary-list__value">${yn(r.relay, t)}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('quality.reconnections')}</dt><dd class="govuk-summary-list__value">${r.reconnections ?? 0}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('quality.iceRestarts')}</dt><dd class="govuk-summary-list__value">${r.ice_restarts ?? 0}</dd></div>
      </dl>
      ${samples.length ? html`
      <svg class="app-quality__chart" viewBox="0 0 ${W} ${H}" width="100%" height="${H}" role="img" aria-labelledby="${titleId}" focusable="false">
        <title id="${titleId}">${t('quality.chart', { p: p.participant })}</title>
        <rect x="0" y="0" width="${W}" height="${H}" fill="#f3f2f1"></rect>
        <polyline fill="none" stroke="#1d70b8" stroke-width="2" points="${chartPoints(samples)}"></polyline>
      </svg>
      <details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('quality.details')}</span></summary>
      <div class="govuk-details__text"><table class="govuk-table" data-testid="quality-table">
        <thead class="govuk-table__head"><tr class="govuk-table__row">
          ${[t('quality.minute'), t('quality.resolution'), t('quality.fps'), t('quality.freezes'), t('quality.loss'), t('quality.rtt'), t('quality.kbps')].map((h) => html`<th scope="col" class="govuk-table__header">${h}</th>`)}
        </tr></thead>
        <tbody class="govuk-table__body">${samples.map((s) => html`<tr class="govuk-table__row">
          <td class="govuk-table__cell">${Math.floor((Number(s.t) || 0) / 60)}</td><td class="govuk-table__cell">${s.w}×${s.h}</td>
          <td class="govuk-table__cell">${s.fps}</td><td class="govuk-table__cell">${s.freezes}</td><td class="govuk-table__cell">${s.loss}</td>
          <td class="govuk-table__cell">${s.rtt_ms}</td><td class="govuk-table__cell">${s.kbps}</td></tr>`)}</tbody>
      </table></div></details>` : ''}
    </div>`;
}

// Staff: every participant's report, or nothing when there is none.
export function staffQualityPanel(q, t) {
  const list = q && Array.isArray(q.participants) ? q.participants : [];
  if (!list.length) return '';
  return html`<section id="quality" aria-labelledby="quality-heading">
    <h2 class="govuk-heading-m" id="quality-heading">${t('quality.heading')}</h2>
    ${list.map((p, i) => staffEntry(p, i, t))}
  </section>`;
}

// Family: their own summary in plain words.
export function familyQualityLine(q, t) {
  const own = q && Array.isArray(q.participants) ? q.participants : [];
  if (!own.length) return '';
  // A participant who left and came back has several reports: add them up.
  const sum = own.reduce((a, p) => ({ minutes: a.minutes + p.summary.minutes, clear_minutes: a.clear_minutes + p.summary.clear_minutes, drops: a.drops + p.summary.drops }), { minutes: 0, clear_minutes: 0, drops: 0 });
  return summaryWords(sum, t);
}
