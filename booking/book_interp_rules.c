/* Interpreters' rules (book_interp_rules.h): no I/O. */
#include "book_interp_rules.h"

#include <glib.h>
#include <string.h>

static int eq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

const char *book_interp_may_add(const BookInterpAdd *f) {
  if (!eq(f->actor_role, "booking_staff")) return "forbidden";
  if (!f->visit_est) return "not_supported"; /* probation: no establishment's staff */
  if (!eq(f->actor_est, f->visit_est)) return "forbidden";
  if (!eq(f->interpreter_est, f->visit_est)) return "not_found";
  if (!eq(f->visit_status, "booked") && !eq(f->visit_status, "requested"))
    return "invalid_state";
  if ((eq(f->visit_type, "legal") || eq(f->visit_type, "telemedicine")) &&
      !f->requested_by_professional)
    return "professional_only";
  if (f->already_added) return "already_added";
  return NULL;
}

const char *book_interp_may_join(const BookInterpJoin *f) {
  if (!eq(f->actor_role, "interpreter")) return "forbidden";
  /* Not approved and another establishment's look the same: nothing about
   * a call an interpreter is not part of is revealed. */
  if (!f->approved || !f->same_est) return "not_found";
  if (!eq(f->visit_status, "booked")) return "invalid_state";
  return NULL;
}

int book_interp_counts_to_limit(const char *kind) { return eq(kind, "visitor"); }

int book_interp_language_valid(const char *language) {
  if (!language) return 0;
  size_t n = strlen(language);
  if (n < 1 || n > BOOK_INTERP_LANGUAGE_MAX) return 0;
  if (language[0] == ' ' || language[n - 1] == ' ') return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)language[i];
    if (!g_ascii_isalpha(c) && c != ' ' && c != '(' && c != ')' && c != '-') return 0;
  }
  return 1;
}

int book_interp_label(const char *language, const char *lang, char *buf, size_t size) {
  if (!book_interp_language_valid(language)) return -1;
  const char *word = eq(lang, "cy") ? "Cyfieithydd" : "Interpreter";
  int n = g_snprintf(buf, size, "%s (%s)", word, language);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}
