-- Parlour booking: initial schema. Times are Unix seconds (UTC); dates are
-- 'YYYY-MM-DD' text (UTC calendar days). Rules that HMPPS makes configurable
-- are columns here, not constants in code.

CREATE TABLE establishments (
  id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 2 AND 8),
  name TEXT NOT NULL,
  min_days INTEGER NOT NULL DEFAULT 2,
  max_days INTEGER NOT NULL DEFAULT 28,
  max_visitors INTEGER NOT NULL DEFAULT 4,
  max_adults INTEGER NOT NULL DEFAULT 4,
  max_children INTEGER NOT NULL DEFAULT 4,
  adult_age INTEGER NOT NULL DEFAULT 18,
  remand_weekly_limit INTEGER NOT NULL DEFAULT 3,
  vo_allowance INTEGER NOT NULL DEFAULT 2,
  vo_period_days INTEGER NOT NULL DEFAULT 28,
  CHECK (min_days >= 0 AND min_days <= max_days),
  CHECK (max_visitors >= 1 AND max_adults >= 1 AND max_children >= 0)
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('family','prisoner','probationer','probation_officer',
    'clinician','legal_adviser','booking_staff','monitor','reviewer','admin')),
  password_hash TEXT NOT NULL,
  establishment_id TEXT REFERENCES establishments(id),
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE prisoners (
  id INTEGER PRIMARY KEY,
  prison_number TEXT NOT NULL UNIQUE CHECK (prison_number GLOB '[A-Z][0-9][0-9][0-9][0-9][A-Z][A-Z]'),
  name TEXT NOT NULL,
  establishment_id TEXT NOT NULL REFERENCES establishments(id),
  status TEXT NOT NULL CHECK (status IN ('convicted','remand')),
  incentive_level TEXT NOT NULL DEFAULT 'standard' CHECK (incentive_level IN ('basic','standard','enhanced')),
  vo_balance INTEGER NOT NULL DEFAULT 2,
  vo_allocated_on TEXT,
  user_id INTEGER UNIQUE REFERENCES users(id)
);

CREATE TABLE prisoner_restrictions (
  id INTEGER PRIMARY KEY,
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  type TEXT NOT NULL CHECK (type IN ('CLOSED','RESTRICT')),
  start_date TEXT NOT NULL,
  expiry_date TEXT,
  CHECK (expiry_date IS NULL OR expiry_date >= start_date)
);

-- Stored once per pair, lower id first; queries look both ways.
CREATE TABLE non_associations (
  prisoner_a INTEGER NOT NULL REFERENCES prisoners(id),
  prisoner_b INTEGER NOT NULL REFERENCES prisoners(id),
  PRIMARY KEY (prisoner_a, prisoner_b),
  CHECK (prisoner_a < prisoner_b)
);

CREATE TABLE probationers (
  id INTEGER PRIMARY KEY,
  crn TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  officer_user_id INTEGER NOT NULL REFERENCES users(id),
  user_id INTEGER UNIQUE REFERENCES users(id)
);

-- A person who may visit. user_id is the account that speaks for them (a
-- parent's account for a child); NULL for people with no account.
CREATE TABLE visitors (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  date_of_birth TEXT,
  user_id INTEGER REFERENCES users(id),
  legal_adviser_verified INTEGER NOT NULL DEFAULT 0 CHECK (legal_adviser_verified IN (0,1))
);
CREATE INDEX visitors_user ON visitors(user_id);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  contact_type TEXT NOT NULL CHECK (contact_type IN ('social','official')),
  relationship TEXT NOT NULL,
  approved INTEGER NOT NULL CHECK (approved IN (0,1)),
  UNIQUE (prisoner_id, visitor_id)
);
CREATE INDEX contacts_visitor ON contacts(visitor_id);

CREATE TABLE contact_restrictions (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  type TEXT NOT NULL CHECK (type IN ('BAN','CLOSED','CHILD','NONCON','PREINF','RESTRICT')),
  start_date TEXT NOT NULL,
  expiry_date TEXT,
  CHECK (expiry_date IS NULL OR expiry_date >= start_date)
);
CREATE INDEX contact_restrictions_contact ON contact_restrictions(contact_id);

CREATE TABLE visit_types (
  code TEXT PRIMARY KEY CHECK (code IN ('social','legal','probation','telemedicine')),
  name TEXT NOT NULL,
  monitoring TEXT NOT NULL CHECK (monitoring IN ('allowed','forbidden')),
  recording TEXT NOT NULL CHECK (recording IN ('required','forbidden')),
  max_minutes INTEGER NOT NULL CHECK (max_minutes BETWEEN 1 AND 240),
  needs_vo INTEGER NOT NULL CHECK (needs_vo IN (0,1)),
  participants TEXT NOT NULL
);
INSERT INTO visit_types VALUES
  ('social','Social video call','allowed','required',60,1,
   'prisoner + 1-4 approved social contacts, at least one adult'),
  ('legal','Legal video call','forbidden','forbidden',60,0,
   'prisoner + a verified legal adviser (approved official contact)'),
  ('probation','Probation supervision','forbidden','forbidden',60,0,
   'person on probation + their probation officer'),
  ('telemedicine','Telemedicine','forbidden','forbidden',60,0,
   'prisoner-patient + clinician');

-- day_of_week: 1 = Monday .. 7 = Sunday (ISO 8601). Times 'HH:MM' UTC.
CREATE TABLE session_templates (
  id INTEGER PRIMARY KEY,
  establishment_id TEXT NOT NULL REFERENCES establishments(id),
  visit_type TEXT NOT NULL REFERENCES visit_types(code),
  day_of_week INTEGER NOT NULL CHECK (day_of_week BETWEEN 1 AND 7),
  start_time TEXT NOT NULL CHECK (start_time GLOB '[0-2][0-9]:[0-5][0-9]'),
  end_time TEXT NOT NULL CHECK (end_time GLOB '[0-2][0-9]:[0-5][0-9]'),
  open_capacity INTEGER NOT NULL CHECK (open_capacity >= 0),
  closed_capacity INTEGER NOT NULL CHECK (closed_capacity >= 0),
  valid_from TEXT NOT NULL,
  valid_to TEXT,
  CHECK (end_time > start_time),
  CHECK (open_capacity + closed_capacity > 0)
);
CREATE INDEX session_templates_est ON session_templates(establishment_id, visit_type);

-- template_id NULL: the whole establishment is closed that day.
CREATE TABLE excluded_dates (
  id INTEGER PRIMARY KEY,
  establishment_id TEXT NOT NULL REFERENCES establishments(id),
  template_id INTEGER REFERENCES session_templates(id),
  date TEXT NOT NULL
);
CREATE INDEX excluded_dates_est ON excluded_dates(establishment_id, date);

CREATE TABLE visits (
  id TEXT PRIMARY KEY,
  visit_type TEXT NOT NULL REFERENCES visit_types(code),
  establishment_id TEXT REFERENCES establishments(id),
  prisoner_id INTEGER REFERENCES prisoners(id),
  probationer_id INTEGER REFERENCES probationers(id),
  professional_user_id INTEGER REFERENCES users(id),
  template_id INTEGER REFERENCES session_templates(id),
  date TEXT NOT NULL,
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  restriction TEXT NOT NULL CHECK (restriction IN ('open','closed')),
  status TEXT NOT NULL CHECK (status IN ('requested','booked','in_progress','completed',
    'cancelled','terminated','missed')),
  status_reason TEXT,
  vo_used INTEGER NOT NULL DEFAULT 0,
  booked_by INTEGER NOT NULL REFERENCES users(id),
  booked_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (end_at > start_at),
  CHECK (prisoner_id IS NOT NULL OR probationer_id IS NOT NULL)
);
CREATE INDEX visits_slot ON visits(template_id, date, status);
CREATE INDEX visits_prisoner ON visits(prisoner_id, date);
CREATE INDEX visits_est_date ON visits(establishment_id, date);
CREATE INDEX visits_prof ON visits(professional_user_id, start_at);

CREATE TABLE visit_visitors (
  visit_id TEXT NOT NULL REFERENCES visits(id),
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  main_contact INTEGER NOT NULL DEFAULT 0 CHECK (main_contact IN (0,1)),
  PRIMARY KEY (visit_id, visitor_id)
);
CREATE INDEX visit_visitors_visitor ON visit_visitors(visitor_id);

-- Append-only: triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  visit_id TEXT,
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_visit ON audit_log(visit_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Signalling's events, once each.
CREATE TABLE visit_events (
  event_id TEXT PRIMARY KEY,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  type TEXT NOT NULL,
  at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);

CREATE TABLE recordings (
  id INTEGER PRIMARY KEY,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  keep_reason TEXT
);
