// Staff: the audit trail of one call, oldest first, as an MoJ timeline.
import { html } from '../html.mjs';
import { page, ready, pageProblem, STAFF_ROLES } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { longDate, time, timeRange, visitTypeName } from '../format.mjs';
import { statusTag } from '../visits-view.mjs';

const user = await requireUser(STAFF_ROLES);
const id = new URLSearchParams(location.search).get('visit') || '';
const main = page({ title: 'Audit trail', user, active: '/staff/', backLink: '/staff/' });
const ACTIONS = {
  call_started: 'Call started', participant_joined: 'Joined', participant_left: 'Left', participant_muted: 'Muted by staff',
  participant_removed: 'Removed by staff', call_ended: 'Call ended', recording_file: 'Recording saved',
  visit_booked: 'Booked', visit_cancelled: 'Cancelled', visit_terminated: 'Ended by staff', visit_amended: 'Changed',
  join_token_issued: 'Joining pass issued', monitor_token_issued: 'Staff monitoring started', demo_visit_created: 'Created (demo)',
};
const label = (a) => ACTIONS[a] || ACTIONS[a.replace(/^event_/, '')] || a.replace(/^event_/, '').replace(/_/g, ' ');
// Ids, tokens and raw clock values are for machines; the trail shows what
// a person reviewing it needs (who, why, reason, role, recording file).
const NOISE = new Set(['at', 'event_id', 'jti', 'visit_id', 'joined_at', 'left_at', 'started_at', 'ended_at', 'visit_start', 'visit_end', 'node', 'sha256', 'status']);
const REASONS = { terminated_by_staff: 'ended by staff', time_up: 'time up', left: 'left the call', disconnected: 'lost connection', call_ended: 'the call ended', media_failure: 'media failure', removed: 'removed by staff' };
function describe(detail) {
  if (!detail || typeof detail !== 'object') return '';
  return Object.entries(detail).filter(([k, v]) => !NOISE.has(k) && v !== null && typeof v !== 'object')
    .map(([k, v]) => `${k === 'why' ? 'reason given' : k.replace(/_/g, ' ')}: ${REASONS[v] || v}`).join('; ');
}
try {
  const [v, { entries }] = await Promise.all([get(`/visits/${encodeURIComponent(id)}`), get(`/visits/${encodeURIComponent(id)}/audit`)]);
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${visitTypeName(v.type)}, ${longDate(v.start)}, ${timeRange(v.start, v.end)}</span>
    <h1 class="govuk-heading-l">Audit trail</h1>
    <p class="govuk-body">Status: ${statusTag(v)}${v.status_reason ? html` <span id="status-reason">${REASONS[v.status_reason] || v.status_reason}</span>` : ''}</p>
    <div class="moj-timeline" id="audit">
      ${entries.map((e) => html`
      <div class="moj-timeline__item" data-action="${e.action}">
        <div class="moj-timeline__header">
          <h2 class="moj-timeline__title">${label(e.action)}</h2>
          <p class="moj-timeline__byline">by ${e.actor}</p>
        </div>
        <p class="moj-timeline__date"><time datetime="${e.at}">${longDate(e.at)} at ${time(e.at)}</time></p>
        <div class="moj-timeline__description">${describe(e.detail)}</div>
      </div>`)}
    </div>
    ${entries.length ? '' : html`<p class="govuk-body">Nothing has been recorded for this call yet.</p>`}`);
  ready(main);
} catch (e) { pageProblem(main, e); }
