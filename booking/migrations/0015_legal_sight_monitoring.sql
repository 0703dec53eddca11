-- Issue 18 part 2: sight-only monitoring of legal calls, per establishment.
-- Since January 2025 the images, never the sound, of a legal video call may
-- be watched where the governor judges it necessary. Off (0) by default: a
-- legal call is then not monitored at all, as before. On (1): its monitors
-- get a video-only grant (book_sightonly.h). Set with PUT
-- /establishments/{id}/legal-sight-monitoring (admin or booking staff of the
-- establishment, audited). Telemedicine is never monitored whatever this says.
ALTER TABLE establishments ADD COLUMN legal_sight_monitoring INTEGER NOT NULL DEFAULT 0
  CHECK (legal_sight_monitoring IN (0, 1));
