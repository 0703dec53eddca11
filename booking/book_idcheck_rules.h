/* The visitor ID check's pure decisions (docs/booking.md "ID check"): what a
 * visitor's status is, given the facts of their newest check and the time,
 * and what an admission check says about it. No database, no clock: the
 * callers read the facts and pass now; test_booking_idcheck drives these. */
#ifndef PARLOUR_BOOK_IDCHECK_RULES_H
#define PARLOUR_BOOK_IDCHECK_RULES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  BOOK_ID_NONE,       /* never sent, or only one of the two images so far */
  BOOK_ID_PENDING,    /* both images in, waiting for staff */
  BOOK_ID_VERIFIED,   /* approved and not yet expired */
  BOOK_ID_REJECTED,   /* staff said no, with a reason */
  BOOK_ID_EXPIRED,    /* approved, but longer ago than valid_days */
} BookIdStatus;

/* The facts of a visitor's newest check (has_check 0: none at all). */
typedef struct {
  int has_check;
  int has_document, has_selfie; /* the images were received (even if deleted since) */
  int submitted;                /* both images were in at some time */
  int decision;                 /* 0 none, 1 approved, -1 rejected */
  int64_t decided_at;
} BookIdFacts;

/* valid_days 0: an approval never expires. */
BookIdStatus book_idcheck_status(const BookIdFacts *f, int valid_days, int64_t now);

/* When an approval made at decided_at stops counting (INT64_MAX: never). */
int64_t book_idcheck_expires_at(int64_t decided_at, int valid_days);

/* "none", "pending", "verified", "rejected", "expired". */
const char *book_idcheck_status_name(BookIdStatus s);

/* The admission refusal code for a visitor in status s on a social call, or
 * NULL when s lets them join: identity_unverified (none), identity_pending,
 * identity_rejected, identity_expired. */
const char *book_idcheck_refusal(BookIdStatus s);

/* Whether a check decided at decided_at has outlived its images
 * (retention_days after the decision). Undecided checks keep them. */
int book_idcheck_images_due(int decision, int64_t decided_at, int retention_days, int64_t now);

/* The image's type from its first bytes: "image/jpeg", "image/png" or NULL. */
const char *book_idcheck_sniff(const unsigned char *data, size_t len);

#endif
