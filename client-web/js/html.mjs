// Escaping template tag: every interpolated value is HTML-escaped unless it
// was made with raw() or is the result of another html`` call. Arrays are
// joined. Pages build their markup with it, so text from the API can never
// become markup.
class Safe {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}

export function raw(s) { return new Safe(String(s)); }

export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function part(v) {
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === false || v === null || v === undefined) return '';
  return esc(v);
}

export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Safe(out);
}
