/* The words of every notification, one table per language
 * (book_notify_text_en.c, book_notify_text_cy.c): booking owns them.
 *
 * Placeholders, written ((name)) as GOV.UK Notify writes them:
 *   ((establishment))  the prison's name
 *   ((when))           the visit's start, in the establishment's local time
 *   ((link))           where to sign in ([notify] sign_in_url)
 * Nothing else is ever put in a message: no prisoner number, no one's full
 * name, no reason text a member of staff typed (docs/booking.md
 * "Notifications": the least personal data that still helps). */
#ifndef PARLOUR_BOOK_NOTIFY_TEXT_H
#define PARLOUR_BOOK_NOTIFY_TEXT_H

typedef struct {
  const char *event;   /* booked, requested, amended, approved, rejected, cancelled, reminder */
  const char *subject; /* email subject and the in-cell heading */
  const char *body;    /* email and in-cell text */
  const char *sms;     /* the text message (short: one or two SMS parts) */
} BookNotifyText;

/* NULL-event-terminated tables. */
extern const BookNotifyText book_notify_text_en[];
extern const BookNotifyText book_notify_text_cy[];
/* The line under every email and in-cell message. */
extern const char *const book_notify_footer_en;
extern const char *const book_notify_footer_cy;

#endif
