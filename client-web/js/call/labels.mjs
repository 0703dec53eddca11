// How a participant is named on the call page. An interpreter's token name
// is booking's English "Interpreter (BSL)" (docs/booking.md "Interpreters"):
// the page shows it in the page's language from the language in brackets,
// so a Welsh page says "Cyfieithydd (BSL)".
import { t } from '../i18n/index.mjs';

export function interpreterLanguage(name) {
  const m = /^[^(]*\((.{1,40})\)\s*$/.exec(String(name || ''));
  return m ? m[1] : String(name || '').trim();
}

export function participantLabel(p) {
  if (p && p.role === 'interpreter') return t('interpreter.label', { language: interpreterLanguage(p.name) });
  return (p && p.name) || t('tile.participant');
}
