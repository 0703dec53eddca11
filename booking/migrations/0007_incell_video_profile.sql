-- Issue 19 part 2: an establishment may ask its in-cell devices (the
-- prisoner's own laptop or tablet, on the prison's often thin network) to use
-- a low-bandwidth video profile: fewer bits, a lower frame rate and a small
-- layer (client-web/js/call/media-mode.mjs). 'standard' changes nothing.
-- Booking hands it to the prisoner's page in the join-token answer
-- (video_profile); set with PATCH /establishments/{id}.
ALTER TABLE establishments ADD COLUMN incell_video_profile TEXT NOT NULL DEFAULT 'standard'
  CHECK (incell_video_profile IN ('standard', 'low'));
