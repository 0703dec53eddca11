-- Issue 16 part 7: families (and the prisoner's in-cell page) are told what
-- happens to a visit (docs/booking.md "Notifications").
-- Each visitor says how to reach them and in which language (en or cy);
-- the prisoner's in-cell messages follow prisoners.language.
ALTER TABLE visitors ADD COLUMN email TEXT
  CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'));
ALTER TABLE visitors ADD COLUMN mobile TEXT
  CHECK (mobile IS NULL OR length(mobile) BETWEEN 7 AND 20);
ALTER TABLE visitors ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en','cy'));
ALTER TABLE prisoners ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en','cy'));
-- When the 24-hour reminder of the visit's current time was queued (NULL:
-- not yet; an amendment clears it so the new time gets its own reminder).
ALTER TABLE visits ADD COLUMN reminder_queued_at INTEGER;

-- The outbox: one row per message per recipient per channel, written in the
-- same transaction as the change it reports. The sender claims rows
-- (status queued -> sending, claimed_by = its batch token, lease until
-- claimed_until) inside the writers' lock, so two booking instances never
-- claim one row; a lease that runs out (a sender that died) is claimed again.
-- incell rows are shown on the prisoner's page and are 'sent' when written.
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  visit_id TEXT REFERENCES visits(id),
  establishment_id TEXT NOT NULL REFERENCES establishments(id),
  event TEXT NOT NULL CHECK (event IN ('booked','requested','amended','approved','rejected',
    'cancelled','reminder')),
  channel TEXT NOT NULL CHECK (channel IN ('email','sms','incell')),
  visitor_id INTEGER REFERENCES visitors(id),
  prisoner_id INTEGER REFERENCES prisoners(id),
  language TEXT NOT NULL CHECK (language IN ('en','cy')),
  address TEXT,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  claimed_by TEXT,
  claimed_until INTEGER,
  provider_ref TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  CHECK ((channel = 'incell') = (address IS NULL)),
  CHECK ((visitor_id IS NULL) <> (prisoner_id IS NULL))
);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
CREATE INDEX notifications_est ON notifications(establishment_id, id);
CREATE INDEX notifications_prisoner ON notifications(prisoner_id, channel);
CREATE INDEX notifications_visit ON notifications(visit_id);
