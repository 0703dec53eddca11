-- Issue 19 part 5: an interpreter may join (docs/booking.md "Interpreters").
-- An interpreter is a person record staff of one establishment create (name,
-- language such as 'BSL' or 'Polish', organisation), optionally linked to the
-- account they sign in with (user_id). Booking staff approve one for a call
-- (visit_interpreters, audited); removal keeps the row (removed_by/_at) so
-- the history stays. On a legal or telemedicine call a row needs
-- requested_by_professional = 1 (the professional who booked asked for
-- them; enforced by book_interp_rules.c). An interpreter is never a visitor:
-- they are not in visit_visitors and never count towards the limits.
CREATE TABLE interpreters (
  id INTEGER PRIMARY KEY,
  establishment_id TEXT NOT NULL REFERENCES establishments(id),
  user_id INTEGER UNIQUE REFERENCES users(id),
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  language TEXT NOT NULL CHECK (length(language) BETWEEN 1 AND 40),
  organisation TEXT NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX interpreters_est ON interpreters(establishment_id, id);

CREATE TABLE visit_interpreters (
  id INTEGER PRIMARY KEY,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  interpreter_id INTEGER NOT NULL REFERENCES interpreters(id),
  requested_by_professional INTEGER NOT NULL DEFAULT 0
    CHECK (requested_by_professional IN (0, 1)),
  added_by TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  removed_by TEXT,
  removed_at INTEGER,
  CHECK ((removed_by IS NULL) = (removed_at IS NULL))
);
-- At most one live approval of an interpreter per call.
CREATE UNIQUE INDEX visit_interpreters_live ON visit_interpreters(visit_id, interpreter_id)
  WHERE removed_at IS NULL;
CREATE INDEX visit_interpreters_interp ON visit_interpreters(interpreter_id, visit_id);
