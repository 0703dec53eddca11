-- PostgreSQL text of 0005_sign_in_throttle.sql (keep the two in step).
-- Issue 14 part 4: sign-in throttling replaces the account lock. The lock
-- (users.failed_logins / locked_until) let anyone shut any account out,
-- staff and admin included, with five wrong passwords, and its 423 told an
-- outsider which usernames exist. Instead each failure is counted in rows
-- keyed by what the attempt came from (docs/booking.md "Sign-in
-- throttling"):
--   scope 'address'          key = client address
--   scope 'account_address'  key = client address, "\n", username as given
--   scope 'account'          key = username as given (soft: never refuses an
--                            address that has not failed on the account)
-- Usernames are keyed as given, known or not, so the answers are the same
-- for both. blocked_until: no attempt is checked from this key before then
-- (429 + Retry-After). refused: 429s since the last failure (the first one
-- of each wait is audited). A row is forgotten at expires_at (an hour after
-- its last failure or wait). The table is shared by every booking instance
-- on the database.
CREATE TABLE sign_in_throttle (
  scope TEXT NOT NULL CHECK (scope IN ('address','account_address','account')),
  key TEXT NOT NULL,
  failures BIGINT NOT NULL CHECK (failures >= 0),
  last_failure_at BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL DEFAULT 0,
  refused BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX sign_in_throttle_expires ON sign_in_throttle(expires_at);
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
