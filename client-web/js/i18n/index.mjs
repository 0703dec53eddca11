// Languages: English and Welsh. One lookup, t(key, vars); the person's choice
// is kept in localStorage and in a cookie (parlour_lang) so that it survives
// signing out and is visible to the server; ?lang=cy on any URL chooses too
// (the header's "English | Cymraeg" links use it). Dates and times use the
// chosen language through locale() (format.mjs).
import en from './en.mjs';
import cy from './cy.mjs';

export const CATALOGUES = { en, cy };
export const LANGS = ['en', 'cy'];
const KEY = 'parlour.lang';
const COOKIE = 'parlour_lang';

let current = null;

function fromCookie() {
  if (typeof document === 'undefined' || !document.cookie) return null;
  const m = document.cookie.match(/(?:^|;\s*)parlour_lang=(en|cy)(?:;|$)/);
  return m ? m[1] : null;
}

function stored() {
  try { const v = globalThis.localStorage && globalThis.localStorage.getItem(KEY); if (LANGS.includes(v)) return v; } catch { /* storage refused */ }
  return fromCookie();
}

export function lang() {
  if (current) return current;
  let fromUrl = null;
  try { fromUrl = typeof location !== 'undefined' ? new URLSearchParams(location.search).get('lang') : null; } catch { /* no location */ }
  if (LANGS.includes(fromUrl)) { setLang(fromUrl); return current; }
  current = stored() || 'en';
  return current;
}

export function setLang(l) {
  if (!LANGS.includes(l)) throw new Error(`unknown language ${l}`);
  current = l;
  try { globalThis.localStorage && globalThis.localStorage.setItem(KEY, l); } catch { /* storage refused: the cookie still remembers */ }
  if (typeof document !== 'undefined') {
    document.cookie = `${COOKIE}=${l}; Path=/; Max-Age=31536000; SameSite=Lax${typeof location !== 'undefined' && location.protocol === 'https:' ? '; Secure' : ''}`;
    if (document.documentElement) document.documentElement.lang = l;
  }
}

// The locale for Intl: Welsh, or British English.
export function locale(l = lang()) { return l === 'cy' ? 'cy' : 'en-GB'; }

// The text for key in the chosen language; {name} placeholders filled from
// vars. A key missing from a catalogue is a bug (test-client-units checks
// both have the same keys); English is shown rather than nothing.
export function t(key, vars = {}, l = lang()) {
  const cat = CATALOGUES[l] || en;
  let s = cat[key] ?? en[key];
  if (s === undefined) return key;
  if (typeof s === 'function') return s(vars);
  return s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
}

// Whether the catalogue has this key (error code mapping).
export function has(key, l = lang()) { return (CATALOGUES[l] || en)[key] !== undefined; }
