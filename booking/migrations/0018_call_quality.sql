-- Issue 19 part 4: a quality report per participant per call, as signalling
-- sends it in a call_quality event when the participant leaves or the call
-- ends (docs/contracts.md). report is the event's data as received (the
-- samples over time: resolution, frame rate, freezes, loss, RTT, bit rate;
-- join time, first frame, reconnections, ICE restarts, TURN or not);
-- minutes, clear_minutes and drops are booking's own summary of it
-- (common/quality_summary.c), the only part the family sees. Kept with the
-- call's other records (visit_events): the same retention.
CREATE TABLE call_quality (
  event_id TEXT PRIMARY KEY,
  visit_id TEXT NOT NULL REFERENCES visits(id),
  participant TEXT NOT NULL CHECK (length(participant) BETWEEN 1 AND 128),
  received_at INTEGER NOT NULL,
  minutes INTEGER NOT NULL CHECK (minutes >= 0),
  clear_minutes INTEGER NOT NULL CHECK (clear_minutes >= 0 AND clear_minutes <= minutes),
  drops INTEGER NOT NULL CHECK (drops >= 0),
  report TEXT NOT NULL
);
CREATE INDEX call_quality_visit ON call_quality(visit_id, participant);
