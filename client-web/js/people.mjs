// Rules the pages show before booking says no: whether a contact can be
// chosen as a visitor, and why not. Booking checks all of them again.
import { longDate, isoDay } from './format.mjs';
import { t } from './i18n/index.mjs';

export function activeBan(contact, today = isoDay(Date.now())) {
  return (contact.restrictions || []).find((r) => r.type === 'BAN'
    && r.start_date <= today && (!r.expiry_date || r.expiry_date >= today)) || null;
}

// null when the contact can be booked as a social visitor, else the reason.
export function notBookableReason(contact) {
  const ban = activeBan(contact);
  if (ban) return ban.expiry_date ? t('people.bannedUntil', { date: longDate(ban.expiry_date + 'T12:00:00Z') }) : t('people.banned');
  if (!contact.approved) return t('people.notApprovedYet');
  if (contact.contact_type !== 'social') return t('people.notSocial');
  if (!contact.date_of_birth) return t('people.noDob');
  return null;
}

export function contactStatusTag(contact) {
  const ban = activeBan(contact);
  if (ban) return { text: t('people.tagBanned'), cls: 'govuk-tag--red' };
  if (!contact.approved) return { text: t('people.tagNotApproved'), cls: 'govuk-tag--yellow' };
  return { text: t('people.tagApproved'), cls: 'govuk-tag--green' };
}

export function restrictionText(r) {
  const name = ['BAN', 'CLOSED', 'CHILD', 'NONCON', 'PREINF', 'RESTRICT'].includes(r.type) ? t(`restriction.${r.type}`) : r.type;
  const until = r.expiry_date ? t('restriction.until', { date: longDate(r.expiry_date + 'T12:00:00Z') }) : t('restriction.noEnd');
  return t('restriction.text', { name, from: longDate(r.start_date + 'T12:00:00Z'), until });
}

// The tag colour of each visit status (the words are the catalogue's status.*).
export const STATUS_TAGS = {
  requested: ['requested', 'govuk-tag--yellow'],
  booked: ['booked', 'govuk-tag--blue'],
  in_progress: ['in_progress', 'govuk-tag--green'],
  completed: ['completed', 'govuk-tag--grey'],
  cancelled: ['cancelled', 'govuk-tag--orange'],
  terminated: ['terminated', 'govuk-tag--red'],
  missed: ['missed', 'govuk-tag--grey'],
};

// Join opens 15 minutes before the start and closes at the end.
export function joinable(visit, now = Date.now()) {
  const start = Date.parse(visit.start);
  const end = Date.parse(visit.end);
  return ['booked', 'in_progress'].includes(visit.status) && now >= start - 15 * 60 * 1000 && now < end;
}

export function otherParties(visit, user) {
  const names = [];
  if (visit.prisoner && !(user.role === 'prisoner' && user.prisoner_id === visit.prisoner.id)) names.push(visit.prisoner.name);
  if (visit.probationer && user.role !== 'probationer') names.push(visit.probationer.name);
  if (visit.professional && !['probation_officer', 'clinician', 'legal_adviser'].includes(user.role)) names.push(visit.professional.name);
  if (user.role !== 'family') for (const v of visit.visitors || []) names.push(v.name);
  return names;
}
