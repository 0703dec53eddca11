/* The ID check's pure decisions: see book_idcheck_rules.h. */
#include "book_idcheck_rules.h"

#include <string.h>

#define DAY_S INT64_C(86400)

int64_t book_idcheck_expires_at(int64_t decided_at, int valid_days) {
  if (valid_days <= 0) return INT64_MAX;
  return decided_at + (int64_t)valid_days * DAY_S;
}

BookIdStatus book_idcheck_status(const BookIdFacts *f, int valid_days, int64_t now) {
  if (!f || !f->has_check) return BOOK_ID_NONE;
  if (f->decision < 0) return BOOK_ID_REJECTED;
  if (f->decision > 0)
    return now >= book_idcheck_expires_at(f->decided_at, valid_days) ? BOOK_ID_EXPIRED
                                                                     : BOOK_ID_VERIFIED;
  /* Undecided: staff see it only once both images are in. */
  if (f->submitted || (f->has_document && f->has_selfie)) return BOOK_ID_PENDING;
  return BOOK_ID_NONE;
}

const char *book_idcheck_status_name(BookIdStatus s) {
  switch (s) {
  case BOOK_ID_PENDING: return "pending";
  case BOOK_ID_VERIFIED: return "verified";
  case BOOK_ID_REJECTED: return "rejected";
  case BOOK_ID_EXPIRED: return "expired";
  case BOOK_ID_NONE: break;
  }
  return "none";
}

const char *book_idcheck_refusal(BookIdStatus s) {
  switch (s) {
  case BOOK_ID_VERIFIED: return NULL;
  case BOOK_ID_PENDING: return "identity_pending";
  case BOOK_ID_REJECTED: return "identity_rejected";
  case BOOK_ID_EXPIRED: return "identity_expired";
  case BOOK_ID_NONE: break;
  }
  return "identity_unverified";
}

int book_idcheck_images_due(int decision, int64_t decided_at, int retention_days, int64_t now) {
  if (decision == 0) return 0;
  return now >= decided_at + (int64_t)retention_days * DAY_S;
}

const char *book_idcheck_sniff(const unsigned char *d, size_t len) {
  static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!d) return NULL;
  if (len >= 4 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff) return "image/jpeg";
  if (len >= 16 && memcmp(d, png, sizeof png) == 0) return "image/png";
  return NULL;
}
