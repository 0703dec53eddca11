-- PostgreSQL text of 0003_recordings.sql (keep the two in step).
-- Issue 7: one row per recorded file (a participant's piece, part N), as the
-- SFU's recording_file event describes it (docs/recording.md). path is
-- relative to [recording] directory; booking never serves anything outside
-- it. verified: the file's SHA-256 was checked against sha256 before it was
-- first served (1) or found wrong (-1). A reviewer may keep a recording past
-- the retention period with a reason; the purge deletes the file and marks
-- the row (the row stays: it is the record that the file existed).
ALTER TABLE recordings ADD COLUMN participant TEXT;
ALTER TABLE recordings ADD COLUMN piece BIGINT;
ALTER TABLE recordings ADD COLUMN part BIGINT;
ALTER TABLE recordings ADD COLUMN start_offset_ms BIGINT;
ALTER TABLE recordings ADD COLUMN duration_ms BIGINT;
ALTER TABLE recordings ADD COLUMN complete BIGINT NOT NULL DEFAULT 1 CHECK (complete IN (0,1));
ALTER TABLE recordings ADD COLUMN event_id TEXT;
ALTER TABLE recordings ADD COLUMN verified BIGINT NOT NULL DEFAULT 0 CHECK (verified IN (-1,0,1));
ALTER TABLE recordings ADD COLUMN retain_reason TEXT;
ALTER TABLE recordings ADD COLUMN retain_by TEXT;
ALTER TABLE recordings ADD COLUMN retain_at BIGINT;
ALTER TABLE recordings ADD COLUMN deleted_at BIGINT;
ALTER TABLE recordings ADD COLUMN deleted_by TEXT;
-- when the purge first found it past its period but kept (audited once)
ALTER TABLE recordings ADD COLUMN purge_skipped_at BIGINT;
CREATE UNIQUE INDEX recordings_path ON recordings(path);
CREATE INDEX recordings_visit ON recordings(visit_id);
CREATE INDEX recordings_created ON recordings(created_at);
