-- Issue 16 parts 5 and 6 (docs/booking.md "Moves, reviews and outcomes").
-- A visit's outcome (booking/book_outcomes.h lists the codes, after HMPPS's
-- outcome list): set from signalling's call_ended reason, by the sweep when
-- the time passed with no call, or by staff with a reason (audited).
ALTER TABLE visits ADD COLUMN outcome TEXT;
ALTER TABLE visits ADD COLUMN outcome_reason TEXT;
ALTER TABLE visits ADD COLUMN outcome_by TEXT;
-- The first day the prisoner is no longer at their establishment (a release
-- or a transfer recorded by staff): no call can be booked from that day.
ALTER TABLE prisoners ADD COLUMN leaving_on TEXT;
-- Releases and transfers recorded by staff. to_establishment is an
-- establishment code, Parlour's or not (a transfer to a Parlour
-- establishment moves the prisoner there when the date comes: applied_at).
CREATE TABLE prisoner_moves (
  id INTEGER PRIMARY KEY,
  prisoner_id INTEGER NOT NULL REFERENCES prisoners(id),
  kind TEXT NOT NULL CHECK (kind IN ('release','transfer')),
  from_establishment TEXT NOT NULL,
  to_establishment TEXT,
  move_date TEXT NOT NULL,
  reason TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  applied_at INTEGER,
  CHECK ((kind = 'transfer') = (to_establishment IS NOT NULL))
);
CREATE INDEX prisoner_moves_due ON prisoner_moves(move_date) WHERE applied_at IS NULL;
-- A booked visit whose facts changed, for booking staff of its
-- establishment to keep or cancel. One row per (visit, reason) ever: a
-- review resolved as "keep" is not raised again by the daily scan for the
-- same reason, and two booking instances scanning at once insert it once.
CREATE TABLE visit_reviews (
  id INTEGER PRIMARY KEY,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  establishment_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  flagged_by TEXT NOT NULL,
  flagged_at INTEGER NOT NULL,
  resolution TEXT CHECK (resolution IS NULL OR resolution IN ('keep','cancel')),
  resolution_reason TEXT,
  resolved_by TEXT,
  resolved_at INTEGER,
  UNIQUE (visit_id, reason)
);
CREATE INDEX visit_reviews_est ON visit_reviews(establishment_id, resolved_at);
-- The daily scan's marker: the first instance to insert the day's row scans.
CREATE TABLE review_scans (day TEXT PRIMARY KEY, at INTEGER NOT NULL);
