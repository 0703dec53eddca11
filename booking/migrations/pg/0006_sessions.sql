-- PostgreSQL text of 0006_sessions.sql (keep the two in step).
-- Sessions in the database, not in one process's memory: a restart keeps
-- everyone signed in, and every booking instance on the same database
-- serves every request. The cookie value itself is never stored, only its
-- SHA-256 (a leaked database row signs nobody in). The account's name, role
-- and establishment are read from users on each request, so a change to
-- them applies at once.
CREATE TABLE sessions (
  id_sha256 TEXT PRIMARY KEY,
  csrf TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_last_seen ON sessions(last_seen);
