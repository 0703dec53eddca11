-- Issue 16 parts 3 and 4: held slots and session eligibility.
--
-- A hold keeps one place in a slot for its user while the rest of the
-- booking is filled in (HMPPS: an application reserves a place for 10
-- minutes). A hold is live while expires_at > now; capacity counts the live
-- holds of other users beside the booked visits (book_capacity.c), so an
-- expired row changes nothing and the sweep only tidies. One hold per user
-- and prisoner: choosing another slot replaces it.
CREATE TABLE slot_holds (
  id TEXT PRIMARY KEY CHECK (length(id) = 32),
  user_id INTEGER NOT NULL REFERENCES users(id),
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  template_id INTEGER NOT NULL REFERENCES session_templates(id),
  date TEXT NOT NULL,
  restriction TEXT NOT NULL CHECK (restriction IN ('open','closed')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  UNIQUE (user_id, prisoner_id)
);
CREATE INDEX slot_holds_slot ON slot_holds(template_id, date);

-- The facts eligibility needs (HMPPS: session templates include or exclude
-- prisoner location groups, categories and incentive levels). location is the
-- cell location as HMPPS writes it ("A-1-012": wing A, landing 1, cell 12);
-- category is the security category code (A, B, C, D for men; R closed, T
-- open for women; I, J for young offenders; U unsentenced).
ALTER TABLE prisoners ADD COLUMN location TEXT
  CHECK (location IS NULL OR (length(location) BETWEEN 1 AND 32));
ALTER TABLE prisoners ADD COLUMN category TEXT
  CHECK (category IS NULL OR category IN ('A','B','C','D','R','T','I','J','U'));

-- A template's filters. For each kind: when it has include rows the
-- prisoner's value must match one; a matching exclude row refuses. A
-- location value is a location-group prefix ("A" matches "A-1-012", "A-1"
-- matches "A-1-*"). No rows: open to every prisoner.
CREATE TABLE session_template_filters (
  id INTEGER PRIMARY KEY,
  template_id INTEGER NOT NULL REFERENCES session_templates(id),
  kind TEXT NOT NULL CHECK (kind IN ('location','category','incentive_level')),
  mode TEXT NOT NULL CHECK (mode IN ('include','exclude')),
  value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 32),
  UNIQUE (template_id, kind, value)
);
CREATE INDEX session_template_filters_tpl ON session_template_filters(template_id);
