-- PostgreSQL text of 0012_audit_chain.sql (keep the two in step).
ALTER TABLE audit_log ADD COLUMN chain_id TEXT;
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE INDEX audit_chain ON audit_log(chain_id, seq);
CREATE INDEX audit_unsealed ON audit_log(id) WHERE hash IS NULL;
CREATE TABLE audit_chain_heads (
  chain_id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE audit_seal_pending (one BIGINT PRIMARY KEY CHECK (one = 1));
INSERT INTO audit_seal_pending(one) VALUES (1);
DROP TRIGGER audit_no_update ON audit_log;
CREATE FUNCTION audit_log_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF OLD.hash IS NOT NULL OR NEW.id IS DISTINCT FROM OLD.id OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.actor IS DISTINCT FROM OLD.actor OR NEW.visit_id IS DISTINCT FROM OLD.visit_id
       OR NEW.action IS DISTINCT FROM OLD.action OR NEW.detail IS DISTINCT FROM OLD.detail THEN
      RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
  END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_seal_once();
