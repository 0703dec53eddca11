// Dates and times as GOV.UK style writes them: "Monday 3 March 2025", "2:30pm";
// in Welsh "Dydd Llun 3 Mawrth 2025", "2:30yp" (GOV.UK Welsh style).
// Times are shown in the establishment's time zone as booking names it
// (`time_zone` on every visit and slot; Europe/London by default), never the
// browser's own, in the person's language (i18n: Intl 'cy' or 'en-GB').
// Pages pass the zone: `inZone(v.time_zone).timeRange(v.start, v.end)`.
import { lang, locale, t } from './i18n/index.mjs';

export const DEFAULT_TZ = 'Europe/London';
const zoneOr = (tz) => tz || DEFAULT_TZ;

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

export function longDate(when, l = lang(), tz = DEFAULT_TZ) {
  if (l === 'cy' && !hasWelsh) {
    const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'numeric', year: 'numeric', timeZone: zoneOr(tz) })
      .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
    const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
    return `${CY_DAYS[wd]} ${Number(p.day)} ${CY_MONTHS[Number(p.month) - 1]} ${p.year}`;
  }
  const p = Object.fromEntries(new Intl.DateTimeFormat(locale(l), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zoneOr(tz) })
    .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

// 12-hour clock, "2:30pm" / "2pm"; Welsh "2:30yp" / "2yp" (yb before noon);
// GOV.UK style says "midday" and "midnight", never 12pm or 12am (booking's
// book_localtime.c words its emails the same). The hour is read on the 24-hour
// clock and turned here: ICU's en-GB "hour12" writes noon as "0:30 pm" in some
// engines (Node 20) and "12:30 pm" in others (Chromium).
export function time(when, l = lang(), tz = DEFAULT_TZ) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zoneOr(tz) })
    .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
  const h = Number(p.hour) % 24;
  if (p.minute === '00' && h % 12 === 0) return h ? t('time.midday', {}, l) : t('time.midnight', {}, l);
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const pm = h >= 12;
  const hm = p.minute === '00' ? `${h12}` : `${h12}:${p.minute}`;
  return `${hm}${l === 'cy' ? (pm ? 'yp' : 'yb') : (pm ? 'pm' : 'am')}`;
}

// An event's moment to the second, for staff logs (an alert, a failed
// recording): "2:30:05pm", "12:00:00pm" (never "midday": the seconds
// matter), Welsh "2:30:05yp", in the establishment's zone.
export function clock(when, l = lang(), tz = DEFAULT_TZ) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: zoneOr(tz) })
    .formatToParts(toDate(when)).map((x) => [x.type, x.value]));
  const h = Number(p.hour) % 24;
  const pm = h >= 12;
  return `${h % 12 || 12}:${p.minute}:${p.second}${l === 'cy' ? (pm ? 'yp' : 'yb') : (pm ? 'pm' : 'am')}`;
}

export function timeRange(a, b, l = lang(), tz = DEFAULT_TZ) { return t('time.range', { from: time(a, l, tz), to: time(b, l, tz) }, l); }

// yyyy-mm-dd of an instant in the establishment's zone.
export function isoDay(t, tz = DEFAULT_TZ) {
  const d = toDate(t);
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zoneOr(tz), year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function sameDay(a, b, tz = DEFAULT_TZ) { return isoDay(a, tz) === isoDay(b, tz); }

// The same formatters bound to one zone (a visit's or a slot's time_zone;
// undefined: Europe/London). The language stays the page's unless given.
export function inZone(tz) {
  const z = zoneOr(tz);
  return {
    longDate: (when, l = lang()) => longDate(when, l, z),
    time: (when, l = lang()) => time(when, l, z),
    clock: (when, l = lang()) => clock(when, l, z),
    timeRange: (a, b, l = lang()) => timeRange(a, b, l, z),
    isoDay: (when) => isoDay(when, z),
    sameDay: (a, b) => sameDay(a, b, z),
  };
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  const r = s % 60;
  return `${m}:${String(r).padStart(2, '0')}`;
}

export const VISIT_TYPES = ['social', 'legal', 'probation', 'telemedicine'];

export function visitTypeName(type) { return VISIT_TYPES.includes(type) ? t(`visitType.${type}`) : type; }
