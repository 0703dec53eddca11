/* The notifications outbox in booking's database (table notifications,
 * migration 0011; docs/booking.md "Notifications").
 *
 * Writing: book_notify_visit runs inside the caller's transaction, so a
 * message exists exactly when the change it reports was committed.
 * Sending: a sender claims due rows (book_notify_claim) in one writers'
 * transaction, on sqlite and PostgreSQL alike, so two booking instances
 * never hold the same row; it then reports each attempt's end
 * (book_notify_finish), guarded by its claim token so a sender whose lease
 * ran out cannot overwrite the row another has since claimed. */
#ifndef PARLOUR_BOOK_NOTIFY_OUTBOX_H
#define PARLOUR_BOOK_NOTIFY_OUTBOX_H

#include <glib.h>

#include "book_db.h"
#include "book_notify.h"

/* The sign-in link put in every message (set once at start-up from
 * [notify] sign_in_url; a default until then). */
void book_notify_set_link(const char *url);

/* Queues event's messages for the visit: an email and/or a text message to
 * each of its visitors with an address (in their language; one message per
 * address), and an in-cell message for the prisoner (already 'sent': it is
 * shown on their page). Visits with no establishment (probation) get none.
 * "amended" also clears the visit's reminder so the new time gets one.
 * Call inside the transaction of the change. 0, or -1 when the database
 * failed (the caller rolls back). */
int book_notify_visit(BookDb *db, const char *visit_id, const char *event, int64_t now)
    BOOK_MUST_CHECK;

/* For the visits sweep (book_visits_sweep, inside its transaction): every
 * request still undecided at its start lapses, and its family is told
 * "cancelled". 0 or -1. */
int book_notify_lapsing_requests(BookDb *db, int64_t now) BOOK_MUST_CHECK;

/* The reminder job: for every booked visit starting within lead_s whose
 * last change was more than lead_s before its start and which has no
 * reminder yet, queues "reminder" and marks the visit, in one transaction
 * (idempotent across runs and instances). The number of visits reminded,
 * or -1. */
int book_notify_queue_reminders(BookDb *db, int64_t now, int lead_s) BOOK_MUST_CHECK;

typedef struct {
  int64_t id;
  char channel[8]; /* email or sms */
  char language[3];
  char *address;
  char *subject;
  char *body;
  int attempts; /* including the one now claimed */
} BookNotifyJob;

void book_notify_job_free(gpointer job);

/* Claims at most limit due messages (queued and due, or sending with a
 * lease past its end) for token, which is unique to this one claim (the
 * sender makes a random one each time), leased until now + lease_s; each claim
 * counts as an attempt. Appends BookNotifyJob* to jobs (free with
 * book_notify_job_free). The number claimed, or -1. */
int book_notify_claim(BookDb *db, const char *token, int64_t now, int lease_s, int limit,
                      GPtrArray *jobs) BOOK_MUST_CHECK;

/* Records the end of an attempt the holder of token made: plan's status
 * and next attempt, the error text (NULL when sent: the last error of an
 * earlier attempt stays for staff to see) and the provider's reference. 1 recorded, 0 the claim was no longer token's, -1 failed. */
int book_notify_finish(BookDb *db, int64_t id, const char *token, const BookNotifyPlan *plan,
                       const char *error, const char *provider_ref, int64_t now) BOOK_MUST_CHECK;

#endif
