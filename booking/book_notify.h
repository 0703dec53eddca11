/* Notifications (issue 16 part 7, docs/booking.md "Notifications"): the
 * pure parts. Rendering a message in English or Welsh, formatting a visit's
 * time for people, and deciding what happens after a delivery attempt.
 * No I/O here; book_notify_outbox.h holds the database side and
 * book_notify_sender.h the sending. */
#ifndef PARLOUR_BOOK_NOTIFY_H
#define PARLOUR_BOOK_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* 1 for "en" and "cy", else 0. */
int book_notify_lang_ok(const char *lang);
/* 1 for an event the templates know. */
int book_notify_event_ok(const char *event);

/* The one place a visit's time is put into words for a message: its start
 * and end in the establishment's zone (an IANA name; NULL: Europe/London),
 * through booking's local-time module (book_local_describe: "Sunday 28 March
 * 2027, 9am to 10am" / "Dydd Sul 28 Mawrth 2027, 9yb i 10yb"). 0, or -1 when
 * out is too small, the zone is unknown or lang is not en/cy. */
int book_notify_format_when(int64_t start, int64_t end, const char *zone, const char *lang,
                            char *out, size_t n);

typedef struct {
  const char *establishment; /* the prison's name */
  const char *when;          /* book_notify_format_when's text */
  const char *link;          /* sign-in URL */
} BookNotifyFacts;

typedef struct {
  char *subject; /* g_free each */
  char *body;    /* the text and the footer */
  char *sms;
} BookNotifyMessage;

/* Renders event in lang. 0, or -1 for an unknown event or language. */
int book_notify_render(const char *lang, const char *event, const BookNotifyFacts *f,
                       BookNotifyMessage *out);
void book_notify_message_clear(BookNotifyMessage *m);

/* ---- retries ---- */

typedef enum {
  NOTIFY_SENT = 0,      /* the server took it */
  NOTIFY_TRANSIENT = 1, /* try again later (4xx SMTP, 429/5xx HTTP, network, TLS) */
  NOTIFY_PERMANENT = 2, /* never going to work (5xx SMTP, 400/403 HTTP, a bad address) */
} BookNotifyOutcome;

typedef struct {
  int max_attempts; /* attempts in all, the first included */
  int base_s;       /* wait after the first failure; doubles each time */
  int max_backoff_s;
} BookNotifyRetryPolicy;

typedef struct {
  const char *status;      /* "sent", "queued" (to retry) or "failed" */
  int64_t next_attempt_at; /* for "queued" */
} BookNotifyPlan;

/* What to do after attempt number `attempts` (1 = the first) ended with o at
 * now: sent; queued again after base_s * 2^(attempts-1) seconds (at most
 * max_backoff_s); or failed when o is permanent or attempts reached
 * max_attempts. */
BookNotifyPlan book_notify_plan(const BookNotifyRetryPolicy *p, int attempts, BookNotifyOutcome o,
                                int64_t now);

#endif
