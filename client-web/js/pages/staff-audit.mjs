// Staff: the audit trail of one call, oldest first, as an MoJ timeline.
import { html } from '../html.mjs';
import { page, ready, pageProblem, problemText, STAFF_ROLES } from '../layout.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { requireUser } from '../session.mjs';
import { get, post } from '../api.mjs';
import { visitTypeName, inZone } from '../format.mjs';
import { statusTag } from '../visits-view.mjs';
import { t } from '../i18n/index.mjs';
import { staffQualityPanel } from '../quality-view.mjs';

const user = await requireUser(STAFF_ROLES);
const id = new URLSearchParams(location.search).get('visit') || '';
const main = page({ title: t('staff.audit'), user, active: '/staff/', backLink: '/staff/' });
const ACTIONS = ['call_started', 'participant_joined', 'participant_left', 'participant_muted', 'participant_removed', 'call_ended', 'recording_file', 'recording_stored',
  'visit_booked', 'visit_cancelled', 'visit_terminated', 'visit_amended', 'join_token_issued', 'monitor_token_issued', 'demo_visit_created',
  'outcome_set', 'review_flagged', 'review_resolved', 'recording_failed'];
const label = (a) => { const k = ACTIONS.includes(a) ? a : a.replace(/^event_/, ''); return ACTIONS.includes(k) ? t(`audit.${k}`) : k.replace(/_/g, ' '); };
// Ids, tokens and raw clock values are for machines; the trail shows what
// a person reviewing it needs (who, why, reason, role, recording file).
const NOISE = new Set(['at', 'event_id', 'jti', 'visit_id', 'joined_at', 'left_at', 'started_at', 'ended_at', 'visit_start', 'visit_end', 'node', 'sha256', 'status']);
const REASON_CODES = ['terminated_by_staff', 'time_up', 'left', 'disconnected', 'call_ended', 'media_failure', 'removed'];
const REASONS = Object.fromEntries(REASON_CODES.map((c) => [c, t(`audit.reason.${c}`)]));
function describe(detail) {
  if (!detail || typeof detail !== 'object') return '';
  return Object.entries(detail).filter(([k, v]) => !NOISE.has(k) && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k === 'why' ? t('audit.reasonGiven') : k.replace(/_/g, ' ')}: ${REASONS[v] || v}`).join('; ');
}
// Reviewers and admins also see whether the establishment's audit chain
// (docs/booking.md "Audit chain") still verifies, and which entry does not
// fit when it does not. The chain only (files=false): re-hashing every
// recording on each page load would read them all. null: not theirs.
const CHECKERS = ['reviewer', 'admin'];
async function chainCheck(v) {
  if (!CHECKERS.includes(user.role)) return null;
  try {
    const r = await get(`/audit/verify?chain=${encodeURIComponent(v.establishment_id || '*')}&files=false`);
    return r.chains && r.chains[0] ? r.chains[0] : { failed: true };
  } catch { return { failed: true }; }
}
function chainPanel(c) {
  if (!c) return '';
  if (c.failed) return html`<div class="govuk-inset-text" id="audit-chain" data-intact="unknown">${t('audit.chain.unavailable')}</div>`;
  const chain = c.chain === '*' ? t('audit.chain.global') : c.chain;
  if (c.intact) {
    return html`<div class="govuk-inset-text" id="audit-chain" data-intact="true">
      <h2 class="govuk-heading-s">${t('audit.chain.title')}</h2>
      <p class="govuk-body">${t('audit.chain.intact', { chain, rows: c.rows })}</p></div>`;
  }
  const reason = t(`audit.chain.reason.${c.reason}`);
  return html`<div class="govuk-warning-text" id="audit-chain" data-intact="false" data-row="${c.row_id ?? ''}" data-reason="${c.reason}">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('audit.chain.title')}: </span>
      ${c.row_id ? t('audit.chain.broken', { chain, row: c.row_id, reason }) : t('audit.chain.brokenNoRow', { chain, reason })}
      ${t('audit.chain.tell')}</strong></div>`;
}
// The outcome (issue 16 part 6): shown to every staff role; booking staff,
// monitors and admins set or correct it once the call's time has come.
const OUTCOMES = ['completed', 'prisoner_completed_early', 'visitor_completed_early', 'terminated_by_staff',
  'visitor_failed_security_checks', 'visitor_declined_entry', 'visitor_did_not_arrive', 'prisoner_did_not_attend',
  'prisoner_refused_to_attend', 'establishment_cancelled', 'administrative_cancellation', 'administrative_error',
  'booker_cancelled', 'visitor_cancelled', 'prisoner_cancelled', 'details_changed_after_booking', 'no_visiting_order',
  'visit_order_cancelled', 'batch_cancellation', 'prisoner_released', 'prisoner_transferred', 'technical_failure', 'not_recorded'];
const maySetOutcome = (v) => ['booking_staff', 'monitor', 'admin'].includes(user.role) &&
  (v.status === 'cancelled' || Date.parse(v.start) <= Date.now());
function outcomePanel(v) {
  const shown = v.outcome ? html`<strong id="outcome" data-outcome="${v.outcome}">${t(`outcome.${v.outcome}`)}</strong> (${v.outcome}${v.outcome_by ? `, ${v.outcome_by}` : ''})`
    : html`<span id="outcome" data-outcome="">${t('outcome.none')}</span>`;
  return html`<p class="govuk-body">${t('outcome.label')}: ${shown}</p>
    ${maySetOutcome(v) ? html`<details class="govuk-details" id="outcome-set"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${t('outcome.set')}</span></summary>
      <div class="govuk-details__text"><form id="outcome-form" novalidate>
        <div class="govuk-form-group"><label class="govuk-label" for="outcome-code">${t('outcome.choose')}</label>
          <select class="govuk-select" id="outcome-code" name="outcome">${OUTCOMES.map((o) => html`<option value="${o}"${o === v.outcome ? ' selected' : ''}>${t(`outcome.${o}`)}</option>`)}</select></div>
        <div class="govuk-form-group"><label class="govuk-label" for="outcome-why">${t('outcome.reason')}</label>
          <input class="govuk-input" id="outcome-why" name="reason" type="text" maxlength="400"></div>
        <button type="submit" class="govuk-button" data-module="govuk-button">${t('outcome.save')}</button>
      </form></div></details>` : ''}`;
}
function wireOutcome(v) {
  const form = main.querySelector('#outcome-form');
  if (!form) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(main);
    const reason = form.reason.value.trim();
    if (!reason) { showErrors(main, [{ field: 'outcome-why', text: t('outcome.enterReason') }]); return; }
    try {
      await post(`/visits/${encodeURIComponent(v.id)}/outcome`, { outcome: form.outcome.value, reason });
      location.reload();
    } catch (e) { showErrors(main, [{ field: null, text: problemText(e) }]); }
  });
}

// A recording that failed during the call (a full disk; docs/booking.md
// "Recordings"): said above the trail, not only as one entry in it.
function recordingFailedPanel(v, entries) {
  const fails = entries.filter((e) => e.action === 'event_recording_failed');
  if (!fails.length) return '';
  const times = fails.map((e) => inZone(v.time_zone).time(e.at)).join(', ');
  return html`<div class="govuk-warning-text" id="recording-failed" data-failures="${fails.length}">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">${t('audit.recording_failed')}: </span>${t('audit.recordingIncomplete', { times })}</strong></div>`;
}

try {
  const [v, { entries }] = await Promise.all([get(`/visits/${encodeURIComponent(id)}`), get(`/visits/${encodeURIComponent(id)}/audit`)]);
  const chain = await chainCheck(v);
  // The call's quality report (issue 19): none yet, or not readable, shows nothing.
  const quality = await get(`/visits/${encodeURIComponent(id)}/quality`).catch(() => null);
  const misfit = chain && !chain.intact && chain.row_id;
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${visitTypeName(v.type)}, ${inZone(v.time_zone).longDate(v.start)}, ${inZone(v.time_zone).timeRange(v.start, v.end)}</span>
    <h1 class="govuk-heading-l">${t('staff.audit')}</h1>
    <p class="govuk-body">${t('audit.status')} ${statusTag(v)}${v.status_reason ? html` <span id="status-reason">${REASONS[v.status_reason] || v.status_reason}</span>` : ''}</p>
    ${outcomePanel(v)}
    ${chainPanel(chain)}
    ${staffQualityPanel(quality, t)}
    ${recordingFailedPanel(v, entries)}
    <div class="moj-timeline" id="audit">
      ${entries.map((e) => html`
      <div class="moj-timeline__item" data-action="${e.action}" data-id="${e.id}">
        <div class="moj-timeline__header">
          <h2 class="moj-timeline__title">${label(e.action)}${e.id === misfit ? html` <strong class="govuk-tag govuk-tag--red" id="audit-misfit">${t('audit.chain.here')}</strong>` : ''}</h2>
          <p class="moj-timeline__byline">${t('audit.by', { actor: e.actor })}</p>
        </div>
        <p class="moj-timeline__date"><time datetime="${e.at}">${t('audit.dateAt', { date: inZone(v.time_zone).longDate(e.at), time: inZone(v.time_zone).time(e.at) })}</time></p>
        <div class="moj-timeline__description">${describe(e.detail)}</div>
      </div>`)}
    </div>
    ${entries.length ? '' : html`<p class="govuk-body">${t('audit.nothing')}</p>`}`);
  wireOutcome(v);
  ready(main);
} catch (e) { pageProblem(main, e); }
