-- Issue 14: booking's decisions reach live calls (docs/contracts.md,
-- "Decisions reach live calls"). call_decisions is the durable outbox that
-- signalling reads in seq order; every row is written in the same
-- transaction as the decision it carries and that decision's audit row.
-- AUTOINCREMENT: a seq is never reused, even after the newest row is gone,
-- so a reader's "after" position can never skip a later decision.
CREATE TABLE call_decisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  action TEXT NOT NULL CHECK (action IN ('end_call','remove_participant','update_policy')),
  participant TEXT CHECK ((action = 'remove_participant') = (participant IS NOT NULL)),
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 40),
  message TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 1000),
  data TEXT CHECK (data IS NULL OR json_valid(data)),
  actor TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX call_decisions_undelivered ON call_decisions(seq) WHERE delivered_at IS NULL;
CREATE INDEX call_decisions_visit ON call_decisions(visit_id);

-- A participant (token sub, "<token role>-<users.id>") staff removed from a
-- visit: the admission check refuses them for the rest of that visit, after
-- any restart of booking or signalling.
CREATE TABLE visit_removals (
  visit_id TEXT NOT NULL REFERENCES visits(id),
  participant TEXT NOT NULL,
  reason TEXT NOT NULL,
  removed_by TEXT NOT NULL,
  removed_at INTEGER NOT NULL,
  PRIMARY KEY (visit_id, participant)
);

-- A disabled account cannot sign in or join, and its live calls drop it.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
