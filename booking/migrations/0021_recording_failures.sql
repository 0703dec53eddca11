-- Issue 20 part 2: a recording that fails, above all mid-call (a full disk),
-- as the SFU's recording_failed event says it (docs/sfu-control.md, through
-- signalling's events). One row per event: the stage (piece_start: a
-- participant's piece refused; write: a piece's file failed mid-call, the
-- call went on; stop: the session could not be finalised, e.g. no
-- manifest), whose piece, the disk's message, what was kept (files and
-- bytes on disk then: they are listed as partial, complete = 0, when their
-- recording_file events come), and when (Unix ms). Kept with the call's
-- other records.
CREATE TABLE recording_failures (
  event_id TEXT PRIMARY KEY,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  stage TEXT NOT NULL CHECK (stage IN ('piece_start', 'write', 'stop')),
  error TEXT NOT NULL CHECK (length(error) BETWEEN 1 AND 40),
  participant TEXT CHECK (participant IS NULL OR length(participant) BETWEEN 1 AND 128),
  piece INTEGER,
  part INTEGER,
  detail TEXT CHECK (detail IS NULL OR length(detail) <= 300),
  files_kept INTEGER,
  bytes_kept INTEGER,
  failed_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX recording_failures_visit ON recording_failures(visit_id, failed_at);
