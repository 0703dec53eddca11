-- Issue 18 part 3: the audit chain (docs/booking.md "Audit chain"). Each
-- audit row is sealed into its establishment's chain (chain_id: the visit's
-- establishment, or '*' for the global chain) at position seq, with the
-- previous row's hash and its own SHA-256 over a canonical serialisation
-- (booking/book_audit_chain.h). book_audit writes all four with the row.
-- Rows written before this migration are sealed once by the program right
-- after it migrates (book_audit_seal, in id order), and every recording
-- already stored gets its recording_stored row then; audit_seal_pending
-- says that one-off step is still to do.
ALTER TABLE audit_log ADD COLUMN chain_id TEXT;
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE INDEX audit_chain ON audit_log(chain_id, seq);
CREATE INDEX audit_unsealed ON audit_log(id) WHERE hash IS NULL;
-- The last row of each chain: appending reads and moves it in the same
-- transaction as the row (PostgreSQL locks it FOR UPDATE).
CREATE TABLE audit_chain_heads (
  chain_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE audit_seal_pending (one INTEGER PRIMARY KEY CHECK (one = 1));
INSERT INTO audit_seal_pending(one) VALUES (1);
-- Still append-only, except that an unsealed row may be sealed once (its
-- chain columns set, nothing else changed).
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  WHEN OLD.hash IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
    OR NEW.actor IS NOT OLD.actor OR NEW.visit_id IS NOT OLD.visit_id
    OR NEW.action IS NOT OLD.action OR NEW.detail IS NOT OLD.detail
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
