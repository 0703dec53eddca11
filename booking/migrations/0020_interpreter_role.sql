-- parlour: foreign_keys off
-- The account role 'interpreter' (docs/booking.md "Interpreters"): an
-- interpreter signs in and joins only the calls booking staff approved them
-- for. sqlite cannot alter a CHECK, so users is rebuilt (the 12-step table
-- rebuild); the marker above makes the runner turn foreign keys off around
-- this transaction and run PRAGMA foreign_key_check before COMMIT, so the
-- tables that reference users(id) keep pointing at the same rows. users has
-- no indexes or triggers besides its UNIQUE(username) autoindex.
CREATE TABLE users_new (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('family','prisoner','probationer','probation_officer',
    'clinician','legal_adviser','booking_staff','monitor','reviewer','admin','interpreter')),
  password_hash TEXT NOT NULL,
  establishment_id TEXT REFERENCES establishments(id),
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);
INSERT INTO users_new (id, username, display_name, role, password_hash, establishment_id,
                       created_at, disabled)
  SELECT id, username, display_name, role, password_hash, establishment_id, created_at, disabled
  FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
