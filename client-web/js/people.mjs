// Rules the pages show before booking says no: whether a contact can be
// chosen as a visitor, and why not. Booking checks all of them again.
import { longDate, isoDay } from './format.mjs';

export function activeBan(contact, today = isoDay(Date.now())) {
  return (contact.restrictions || []).find((r) => r.type === 'BAN'
    && r.start_date <= today && (!r.expiry_date || r.expiry_date >= today)) || null;
}

// null when the contact can be booked as a social visitor, else the reason.
export function notBookableReason(contact) {
  const ban = activeBan(contact);
  if (ban) return ban.expiry_date ? `Banned from visits until ${longDate(ban.expiry_date + 'T12:00:00Z')}` : 'Banned from visits';
  if (!contact.approved) return 'Not approved by the prison yet';
  if (contact.contact_type !== 'social') return 'Not a social contact';
  if (!contact.date_of_birth) return 'No date of birth on record: contact the prison';
  return null;
}

export function contactStatusTag(contact) {
  const ban = activeBan(contact);
  if (ban) return { text: 'Banned', cls: 'govuk-tag--red' };
  if (!contact.approved) return { text: 'Not approved', cls: 'govuk-tag--yellow' };
  return { text: 'Approved', cls: 'govuk-tag--green' };
}

export function restrictionText(r) {
  const names = { BAN: 'Banned', CLOSED: 'Closed visits', CHILD: 'Child restriction', NONCON: 'No contact', PREINF: 'Previous information', RESTRICT: 'Restricted' };
  const until = r.expiry_date ? `until ${longDate(r.expiry_date + 'T12:00:00Z')}` : 'no end date';
  return `${names[r.type] || r.type} from ${longDate(r.start_date + 'T12:00:00Z')}, ${until}`;
}

export const STATUS_TAGS = {
  requested: ['Requested', 'govuk-tag--yellow'],
  booked: ['Booked', 'govuk-tag--blue'],
  in_progress: ['In progress', 'govuk-tag--green'],
  completed: ['Completed', 'govuk-tag--grey'],
  cancelled: ['Cancelled', 'govuk-tag--orange'],
  terminated: ['Ended by staff', 'govuk-tag--red'],
  missed: ['Missed', 'govuk-tag--grey'],
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
