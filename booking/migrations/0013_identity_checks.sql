-- Issue 17 part 1: a visitor proves their identity (a photo of a government
-- ID and a selfie) before their first social call; booking staff of an
-- establishment where the visitor is a prisoner's contact compare the two
-- and approve or reject with a reason the family sees (docs/booking.md
-- "ID check"). One row per attempt; the newest row of a visitor is their
-- current check. The images live encrypted (AES-256-GCM) in files under
-- [identity] directory, named here; the files are deleted, and the names
-- cleared, [identity] image_retention_days after the decision
-- (images_deleted_at). expiry_reported_at: when the sweep sent an approved
-- check's expiry to live calls (once).
CREATE TABLE identity_checks (
  id INTEGER PRIMARY KEY,
  visitor_id INTEGER NOT NULL REFERENCES visitors(id),
  submitted_by INTEGER NOT NULL REFERENCES users(id),
  document_file TEXT,
  document_type TEXT CHECK (document_type IN ('image/jpeg','image/png')),
  selfie_file TEXT,
  selfie_type TEXT CHECK (selfie_type IN ('image/jpeg','image/png')),
  created_at INTEGER NOT NULL,
  submitted_at INTEGER,
  decision TEXT CHECK (decision IN ('approved','rejected')),
  reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
  decided_by TEXT,
  decided_at INTEGER,
  images_deleted_at INTEGER,
  expiry_reported_at INTEGER,
  CHECK ((decision IS NULL) = (decided_at IS NULL)),
  CHECK (decision IS NULL OR decision = 'approved' OR reason IS NOT NULL)
);
CREATE INDEX identity_checks_visitor ON identity_checks(visitor_id, id);
CREATE INDEX identity_checks_decided ON identity_checks(decided_at);
