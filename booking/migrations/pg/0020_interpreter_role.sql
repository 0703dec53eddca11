-- The account role 'interpreter' (docs/booking.md "Interpreters"). PostgreSQL
-- swaps the CHECK in place (the sqlite text rebuilds the table).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('family','prisoner',
  'probationer','probation_officer','clinician','legal_adviser','booking_staff','monitor',
  'reviewer','admin','interpreter'));
