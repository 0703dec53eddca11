// Dates and times as GOV.UK style writes them: "Monday 3 March 2025", "2:30pm".
// Times are shown in the establishment's zone (Europe/London).
const TZ = 'Europe/London';

export function toDate(t) {
  if (t instanceof Date) return t;
  if (typeof t === 'number') return new Date(t < 1e12 ? t * 1000 : t);
  return new Date(t);
}

// "Saturday 21 November 2026" (GOV.UK style: no comma after the weekday,
// which some ICU versions add).
export function longDate(t) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: TZ })
    .formatToParts(toDate(t)).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

export function time(t) {
  const s = toDate(t).toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit', hour12: true, timeZone: TZ });
  return s.replace(/\s/g, '').replace(':00', '').toLowerCase();
}

export function timeRange(a, b) { return `${time(a)} to ${time(b)}`; }

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

export const VISIT_TYPES = {
  social: 'Social video call',
  legal: 'Legal video call',
  probation: 'Probation supervision',
  telemedicine: 'Telemedicine consultation',
};

export function visitTypeName(t) { return VISIT_TYPES[t] || t; }
