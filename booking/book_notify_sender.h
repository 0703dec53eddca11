/* The notifications sender: a thread of parlour-booking with its own
 * database connection (docs/booking.md "Notifications"). Every poll_ms it
 * queues the reminders that are due, claims the messages that are due
 * (book_notify_claim: any number of booking instances may run a sender,
 * none sends a row another holds) and delivers each: email over SMTP
 * (notify_smtp.h), text messages through GOV.UK Notify (notify_sms.h), or
 * to files under [notify] sink_dir when no server is configured (make run).
 * What happens after each attempt is book_notify_plan's decision. Blocking
 * I/O stays on this thread, never on the request loop. */
#ifndef PARLOUR_BOOK_NOTIFY_SENDER_H
#define PARLOUR_BOOK_NOTIFY_SENDER_H

#include <stddef.h>

#include "booking_config.h"

typedef struct BookNotifySender BookNotifySender;

/* Starts the thread ([notify] enabled) with its own connection to the
 * database cfg names. NULL with a reason. */
BookNotifySender *book_notify_sender_start(const BookingConfig *cfg, char *err, size_t errsize);
/* Stops after the message in hand (if any) and joins. NULL is fine. */
void book_notify_sender_stop(BookNotifySender *s);

#endif
