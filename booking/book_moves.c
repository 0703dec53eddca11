/* book_change_effect: the pure decision of what a change of facts does to a
 * visit (book_moves.h). */
#include "book_moves.h"

#include <string.h>

static const char *reason_of(BookChangeKind k) {
  switch (k) {
    case BOOK_CHANGE_RELEASE:
      return "prisoner_released";
    case BOOK_CHANGE_TRANSFER:
      return "prisoner_transferred";
    case BOOK_CHANGE_RESTRICTION:
      return "restriction_added";
    case BOOK_CHANGE_CONTACT_UNAPPROVED:
      return "contact_unapproved";
    case BOOK_CHANGE_NON_ASSOCIATION:
      return "non_association";
    case BOOK_CHANGE_DATE_EXCLUDED:
      return "date_excluded";
  }
  return "facts_changed";
}

static int still_to_happen(const BookChangeVisit *v, int64_t now) {
  if (!v->status || !v->date) return 0;
  int open = !strcmp(v->status, "requested") || !strcmp(v->status, "booked") ||
             !strcmp(v->status, "in_progress");
  return open && now < v->end;
}

BookEffect book_change_effect(const BookChange *c, const BookChangeVisit *v, int64_t now,
                              const char *today, const char **reason) {
  *reason = reason_of(c->kind);
  if (!still_to_happen(v, now) || !v->involved) return BOOK_EFFECT_NONE;
  const char *from = c->from ? c->from : today;
  int live = now >= v->start;
  if (c->kind == BOOK_CHANGE_RELEASE || c->kind == BOOK_CHANGE_TRANSFER) {
    if (live) return strcmp(from, today) <= 0 ? BOOK_EFFECT_CANCEL : BOOK_EFFECT_NONE;
    if (strcmp(v->date, from) < 0) return BOOK_EFFECT_NONE;
    if (c->kind == BOOK_CHANGE_TRANSFER && c->to_parlour) return BOOK_EFFECT_FLAG;
    return BOOK_EFFECT_CANCEL;
  }
  if (strcmp(v->date, from) < 0) return BOOK_EFFECT_NONE;
  if (c->to && strcmp(v->date, c->to) > 0) return BOOK_EFFECT_NONE;
  return BOOK_EFFECT_FLAG;
}
