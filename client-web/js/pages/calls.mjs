// Prisoner (in-cell device), person on probation, clinician, legal adviser,
// probation officer, interpreter (the calls staff approved them for):
// today's and upcoming calls, with Join.
import { html } from '../html.mjs';
import { page, ready, pageProblem } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { inZone } from '../format.mjs';
import { visitsTable, splitVisits, joinButton } from '../visits-view.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['prisoner', 'probationer', 'clinician', 'legal_adviser', 'probation_officer', 'interpreter']);
const main = page({ title: t('nav.yourCalls'), user, active: '/calls/' });
try {
  const { visits } = await get('/visits');
  // The prisoner's in-cell messages: what their family was told (docs/booking.md "Notifications").
  const messages = user.role === 'prisoner' ? (await get('/messages')).messages.slice(0, 10) : [];
  const { upcoming, past } = splitVisits(visits.filter((v) => v.status !== 'requested'));
  const today = upcoming.filter((v) => inZone(v.time_zone).sameDay(v.start, Date.now()));
  const later = upcoming.filter((v) => !today.includes(v));
  main.innerHTML = String(html`
    <span class="govuk-caption-l">${user.display_name}</span>
    <h1 class="govuk-heading-l">${t('nav.yourCalls')}</h1>
    <p class="govuk-body">${t('calls.joinFrom')}</p>
    ${visitsTable(today, user, { caption: t('nav.today'), id: 'today', actions: joinButton })}
    ${visitsTable(later, user, { caption: t('calls.upcoming'), id: 'upcoming', actions: joinButton })}
    ${visitsTable(past.slice(0, 20), user, { caption: t('calls.past'), id: 'past' })}
    ${messages.length ? html`
    <h2 class="govuk-heading-m">${t('messages.title')}</h2>
    <div id="messages">${messages.map((m) => html`
      <div class="govuk-inset-text" data-message="${m.id}" lang="${m.language}">
        <h3 class="govuk-heading-s">${m.subject}</h3>
        <p class="govuk-body app-pre-line">${m.body}</p>
      </div>`)}</div>` : ''}`);
  ready(main);
  // Keep the Join buttons current as calls open.
  setTimeout(() => location.reload(), 120000);
} catch (e) { pageProblem(main, e); }
