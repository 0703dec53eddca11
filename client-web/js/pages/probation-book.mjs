// Probation officer: book a supervision call (who, date, start time, length).
import { html } from '../html.mjs';
import { page, ready, pageProblem, flash, problemText } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, post, ApiError } from '../api.mjs';
import { showErrors } from '../forms.mjs';
import { inZone } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['probation_officer']);
const main = page({ title: t('nav.bookSupervision'), user, active: '/probation/book.html', backLink: '/probation/' });
try {
  const { cases } = await get('/probation/cases');
  const pre = new URLSearchParams(location.search).get('case');
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
    <h1 class="govuk-heading-l">${t('nav.bookSupervision')}</h1>
    <form id="probation-form" novalidate>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('probation.who')}</legend>
          <div class="govuk-radios" data-module="govuk-radios">
            ${cases.map((c, i) => html`
            <div class="govuk-radios__item">
              <input class="govuk-radios__input" id="${i ? `case-${c.id}` : 'case'}" name="case" type="radio" value="${c.id}"${String(c.id) === pre ? html` checked` : ''}>
              <label class="govuk-label govuk-radios__label" for="${i ? `case-${c.id}` : 'case'}">${c.name} (${c.crn})</label>
            </div>`)}
          </div>
        </fieldset>
      </div>
      <div class="govuk-form-group">
        <fieldset class="govuk-fieldset" role="group" aria-describedby="date-hint">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">${t('probation.date')}</legend>
          <div id="date-hint" class="govuk-hint">${t('probation.dateHint')}</div>
          <div class="govuk-date-input" id="date">
            <div class="govuk-date-input__item"><div class="govuk-form-group">
              <label class="govuk-label govuk-date-input__label" for="date-day">${t('date.day')}</label>
              <input class="govuk-input govuk-date-input__input govuk-input--width-2" id="date-day" name="day" type="text" inputmode="numeric"></div></div>
            <div class="govuk-date-input__item"><div class="govuk-form-group">
              <label class="govuk-label govuk-date-input__label" for="date-month">${t('date.month')}</label>
              <input class="govuk-input govuk-date-input__input govuk-input--width-2" id="date-month" name="month" type="text" inputmode="numeric"></div></div>
            <div class="govuk-date-input__item"><div class="govuk-form-group">
              <label class="govuk-label govuk-date-input__label" for="date-year">${t('date.year')}</label>
              <input class="govuk-input govuk-date-input__input govuk-input--width-4" id="date-year" name="year" type="text" inputmode="numeric"></div></div>
          </div>
        </fieldset>
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--m" for="start-time">${t('probation.start')}</label>
        <div id="start-time-hint" class="govuk-hint">${t('probation.startHint')}</div>
        <input class="govuk-input govuk-input--width-5" id="start-time" name="time" type="text" aria-describedby="start-time-hint">
      </div>
      <div class="govuk-form-group">
        <label class="govuk-label govuk-label--m" for="length">${t('probation.length')}</label>
        <select class="govuk-select" id="length" name="length">
          <option value="30">${t('timeout.minutes', { n: 30 })}</option>
          <option value="45">${t('timeout.minutes', { n: 45 })}</option>
          <option value="60">${t('timeout.minutes', { n: 60 })}</option>
        </select>
      </div>
      <div class="govuk-inset-text">${t('probation.notRecorded')}</div>
      <button type="submit" class="govuk-button" data-module="govuk-button" id="book-button">${t('probation.button')}</button>
    </form>
    </div></div>`);
  main.querySelector('form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(ev.target);
    const errors = [];
    const caseId = fd.get('case');
    if (!caseId) errors.push({ field: cases.length ? 'case' : null, text: t('probation.selectWho') });
    const d = Number(fd.get('day')); const m = Number(fd.get('month')); const y = Number(fd.get('year'));
    const date = new Date(Date.UTC(y, m - 1, d));
    const dateOk = y >= 2000 && m >= 1 && m <= 12 && d >= 1 && date.getUTCDate() === d;
    if (!fd.get('day') && !fd.get('month') && !fd.get('year')) errors.push({ field: 'date-day', text: t('probation.enterDate') });
    else if (!dateOk) errors.push({ field: 'date-day', text: t('probation.realDate') });
    const tm = String(fd.get('time') || '').trim().match(/^([01]?\d|2[0-3])[:.]([0-5]\d)$/);
    if (!fd.get('time')) errors.push({ field: 'start-time', text: t('probation.enterStart') });
    else if (!tm) errors.push({ field: 'start-time', text: t('probation.start24') });
    let start; let end;
    if (dateOk && tm) {
      // The officer types UK time; find the instant whose London clock reads it.
      const guess = Date.UTC(y, m - 1, d, Number(tm[1]), Number(tm[2]));
      const offset = new Date(guess).toLocaleString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hour12: false }) - new Date(guess).getUTCHours();
      start = new Date(guess - ((offset + 24) % 24) * 3600 * 1000);
      end = new Date(start.getTime() + Number(fd.get('length')) * 60000);
      if (start.getTime() <= Date.now()) errors.push({ field: 'date-day', text: t('probation.future') });
    }
    if (errors.length) { showErrors(main, errors); return; }
    try {
      const v = await post('/visits', { type: 'probation', probationer_id: Number(caseId), start: start.toISOString().replace('.000', ''), end: end.toISOString().replace('.000', '') });
      flash({ heading: t('probation.booked'), text: `${v.probationer ? v.probationer.name : t('probation.theCall')}: ${inZone(v.time_zone).longDate(v.start)}, ${inZone(v.time_zone).timeRange(v.start, v.end)}.` });
      location.assign('/probation/');
    } catch (e) {
      const field = e instanceof ApiError && ['bad_time_range', 'overlapping_visit', 'too_long'].includes(e.code) ? 'start-time' : null;
      showErrors(main, [{ field, text: problemText(e) }]);
    }
  });
  ready(main);
} catch (e) { pageProblem(main, e); }
