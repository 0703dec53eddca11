// Dates and times as GOV.UK style writes them: "Monday 3 March 2025", "2:30pm";
// in Welsh "Dydd Llun 3 Mawrth 2025", "2:30yp" (GOV.UK Welsh style).
// Times are shown in the establishment's zone (Europe/London), in the
// person's language (i18n: Intl 'cy' or 'en-GB').
import { lang, locale, t } from './i18n/index.mjs';

const TZ = 'Europe/London';

export function toDate(t) {
  if (t instanceof Date) return t;
  if (typeof t === 'number') return new Date(t < 1e12 ? t * 1000 : t);
  return new Date(t);
}

// "Saturday 21 November 2026" (GOV.UK style: no comma after the weekday,
// which some ICU versions add).
// Welsh names, for browsers whose ICU data has no Welsh (Chromium's reduced
// set falls back to English for 'cy').
const CY_DAYS = ['Dydd Sul', 'Dydd Llun', 'Dydd Mawrth', 'Dydd Mercher', 'Dydd Iau', 'Dydd Gwener', 'Dydd Sadwrn'];
const CY_MONTHS = ['Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin', 'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr'];
const hasWelsh = (() => { try { return new Intl.DateTimeFormat('cy').resolvedOptions().locale.startsWith('cy'); } catch { return false; } })();

export function longDate(when, l = lang()) {
  if (l === 'cy' && !hasWelsh) {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'numeric', year: 'numeric', timeZone: TZ })
      .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
    const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
    return `${CY_DAYS[wd]} ${Number(p.day)} ${CY_MONTHS[Number(p.month) - 1]} ${p.year}`;
  }
  const p = Object.fromEntries(new Intl.DateTimeFormat(locale(l), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: TZ })
    .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

// 12-hour clock, "2:30pm" / "2pm"; Welsh "2:30yp" / "2yp" (yb before noon).
export function time(when, l = lang()) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit', hour12: true, timeZone: TZ })
    .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
  const pm = /p/i.test(p.dayPeriod || '');
  const hm = p.minute === '00' ? `${Number(p.hour)}` : `${Number(p.hour)}:${p.minute}`;
  return `${hm}${l === 'cy' ? (pm ? 'yp' : 'yb') : (pm ? 'pm' : 'am')}`;
}

export function timeRange(a, b, l = lang()) { return t('time.range', { from: time(a, l), to: time(b, l) }, l); }

// yyyy-mm-dd of an instant in the establishment's zone.
export function isoDay(t) {
  const d = toDate(t);
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function sameDay(a, b) { return isoDay(a) === isoDay(b); }

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  const r = s % 60;
  return `${m}:${String(r).padStart(2, '0')}`;
}

export const VISIT_TYPES = ['social', 'legal', 'probation', 'telemedicine'];

export function visitTypeName(type) { return VISIT_TYPES.includes(type) ? t(`visitType.${type}`) : type; }
