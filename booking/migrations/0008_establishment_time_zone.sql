-- Issue 16 part 1: each establishment keeps its own time zone (an IANA name
-- read from the machine's tzdata), and booking counts session templates,
-- "today", the booking window, weekly limits and the ISO week in it
-- (booking/book_localtime.c). Existing establishments are in England and
-- Wales: Europe/London. Whether a name is a real zone is checked by booking
-- when it is set (PATCH /establishments/{id}); the schema keeps it short.
ALTER TABLE establishments ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/London'
  CHECK (length(time_zone) BETWEEN 1 AND 64);
