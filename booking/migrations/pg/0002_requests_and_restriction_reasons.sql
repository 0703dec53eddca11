-- PostgreSQL text of 0002_requests_and_restriction_reasons.sql (keep the two in step).
-- Booking requests that wait for staff: when an establishment sets
-- approve_public_bookings, a family's social booking starts as 'requested'
-- (holding its place) until booking staff approve or reject it.
-- Restrictions added by staff keep who added them and why.
ALTER TABLE establishments ADD COLUMN approve_public_bookings BIGINT NOT NULL DEFAULT 0
  CHECK (approve_public_bookings IN (0, 1));
ALTER TABLE contact_restrictions ADD COLUMN reason TEXT;
ALTER TABLE contact_restrictions ADD COLUMN added_by TEXT;
