/* Visit outcome codes and the pure mappings (book_outcomes.h). */
#include "book_outcomes.h"

#include <string.h>

/* After HMPPS's outcome list (../shared/DOMAIN.md), lower-case, plus the two
 * Parlour's moves need and technical_failure for a call the media lost. */
const char *const BOOK_OUTCOMES[] = {
    "completed",
    "prisoner_completed_early",
    "visitor_completed_early",
    "terminated_by_staff",
    "visitor_failed_security_checks",
    "visitor_declined_entry",
    "visitor_did_not_arrive",
    "prisoner_did_not_attend",
    "prisoner_refused_to_attend",
    "establishment_cancelled",
    "administrative_cancellation",
    "administrative_error",
    "booker_cancelled",
    "visitor_cancelled",
    "prisoner_cancelled",
    "details_changed_after_booking",
    "no_visiting_order",
    "visit_order_cancelled",
    "batch_cancellation",
    "prisoner_released",
    "prisoner_transferred",
    "technical_failure",
    "not_recorded",
    NULL,
};

int book_outcome_valid(const char *code) {
  if (!code) return 0;
  for (const char *const *o = BOOK_OUTCOMES; *o; o++)
    if (!strcmp(*o, code)) return 1;
  return 0;
}

const char *book_outcome_for_call_end(const char *reason) {
  if (!reason) return "completed";
  if (!strcmp(reason, "visit_cancelled") || !strcmp(reason, "visit_rescheduled")) return NULL;
  if (!strcmp(reason, "terminated_by_staff")) return "terminated_by_staff";
  if (!strcmp(reason, "media_failure")) return "technical_failure";
  return "completed";
}

const char *book_outcome_for_no_call(int prisoner_joined, int visitor_joined) {
  if (visitor_joined && !prisoner_joined) return "prisoner_did_not_attend";
  return "visitor_did_not_arrive";
}
