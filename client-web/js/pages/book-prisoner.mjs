// Book a video call, step 1: which prisoner.
import { html } from '../html.mjs';
import { page, ready, pageProblem } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import * as state from '../booking-state.mjs';
import { t } from '../i18n/index.mjs';
import { idWarning } from '../id-status.mjs';

const user = await requireUser(['family']);
const main = page({ title: t('book.whoCall'), user, active: '/family/book/prisoner.html', backLink: '/family/' });
try {
  const { prisoners } = await get('/prisoners');
  const s = state.load();
  const pre = new URLSearchParams(location.search).get('prisoner') || s.prisoner_id;
  const idWarn = await idWarning(); // said before booking, not at the call
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    ${idWarn}
    <form id="prisoner-form" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--l">
            <span class="govuk-caption-l">${t('nav.book')}</span>
            <h1 class="govuk-fieldset__heading">${t('book.whoCall')}</h1>
          </legend>
          ${prisoners.length ? html`
          <div class="govuk-radios" data-module="govuk-radios">
            ${prisoners.map((p, i) => html`
            <div class="govuk-radios__item">
              <input class="govuk-radios__input" id="${i === 0 ? 'prisoner' : `prisoner-${p.id}`}" name="prisoner" type="radio" value="${p.id}" aria-describedby="prisoner-${p.id}-hint"${String(p.id) === String(pre) ? html` checked` : ''}>
              <label class="govuk-label govuk-radios__label" for="${i === 0 ? 'prisoner' : `prisoner-${p.id}`}">${p.name}</label>
              <div id="prisoner-${p.id}-hint" class="govuk-hint govuk-radios__hint">${t('book.prisonNumber', { n: p.prison_number })}</div>
            </div>`)}
          </div>` : html`<p class="govuk-body">${t('book.noPrisoners')}</p>`}
        </fieldset>
      </div>
      ${prisoners.length ? html`<button type="submit" class="govuk-button" data-module="govuk-button">${t('common.continue')}</button>` : ''}
    </form>
    </div></div>`);
  main.querySelector('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = new FormData(ev.target).get('prisoner');
    if (!v) { showErrors(main, [{ field: 'prisoner', text: t('book.selectWhoCall') }]); return; }
    const p = prisoners.find((x) => String(x.id) === v);
    const old = state.load();
    state.save(old.prisoner_id === p.id ? { ...old, prisoner_name: p.name } : { prisoner_id: p.id, prisoner_name: p.name });
    location.assign('/family/book/visitors.html');
  });
  ready(main);
} catch (e) { pageProblem(main, e); }
