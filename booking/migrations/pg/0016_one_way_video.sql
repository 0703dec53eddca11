-- PostgreSQL: as ../0016_one_way_video.sql, with one_way_set_at BIGINT (Unix seconds).
-- Issue 17 part 3: one-way video. Per prisoner (booking staff of the
-- establishment, with a reason; audited; 'off' lifts it) and per visit (set
-- when staff book, or on the visit later). The call's setting is the visit's
-- when it has one, else the prisoner's (booking/book_oneway.h); booking
-- hands it to signalling in the admission answer and the decision feed, the
-- SFU forwards no video to whoever may not see it.
ALTER TABLE prisoners ADD COLUMN one_way_video TEXT NOT NULL DEFAULT 'off'
  CHECK (one_way_video IN ('off', 'prisoner_sees_no_video', 'visitors_see_no_video'));
ALTER TABLE prisoners ADD COLUMN one_way_reason TEXT;
ALTER TABLE prisoners ADD COLUMN one_way_set_by TEXT;
ALTER TABLE prisoners ADD COLUMN one_way_set_at BIGINT;
ALTER TABLE visits ADD COLUMN one_way_video TEXT
  CHECK (one_way_video IS NULL OR one_way_video IN ('prisoner_sees_no_video', 'visitors_see_no_video'));
ALTER TABLE visits ADD COLUMN one_way_reason TEXT;
