/* An interpreter may join (issue 19 part 5): the pure decisions, facts in,
 * answer out (docs/booking.md, "Interpreters").
 *
 *  - An interpreter is a person record (name, language such as "BSL" or
 *    "Polish", organisation) staff of one establishment create; booking
 *    staff of the visit's establishment approve them for one call.
 *  - On a legal or telemedicine call only the professional's own booking
 *    brings an interpreter: staff may add one only when the professional
 *    who booked the call asked for them (requested_by_professional).
 *  - An interpreter never counts towards the social-visit limits (visitors,
 *    adults, children): they are neither a visitor nor a contact.
 *  - An interpreter gets a join token only for a call they are approved for
 *    (not removed), which is not cancelled, at their own establishment. */
#ifndef PARLOUR_BOOK_INTERP_RULES_H
#define PARLOUR_BOOK_INTERP_RULES_H

#include <stddef.h>

/* Longest language name ("BSL", "Polish", "Portuguese (Brazil)"). */
#define BOOK_INTERP_LANGUAGE_MAX 40

typedef struct {
  const char *visit_type;      /* social, legal, telemedicine, probation */
  const char *visit_status;    /* booked, requested, cancelled, ... */
  const char *visit_est;       /* the visit's establishment (NULL: probation) */
  const char *actor_role;      /* who asks to add */
  const char *actor_est;       /* their establishment */
  const char *interpreter_est; /* the interpreter record's establishment */
  int requested_by_professional; /* legal/telemedicine: the professional booked them */
  int already_added;
} BookInterpAdd;

/* NULL when staff may add the interpreter to the visit, else an error code:
 * "forbidden" (not booking staff of the visit's establishment),
 * "not_found" (the interpreter belongs to another establishment),
 * "invalid_state" (cancelled or finished visit), "professional_only"
 * (legal/telemedicine without the professional's request),
 * "not_supported" (probation), "already_added". */
const char *book_interp_may_add(const BookInterpAdd *f);

typedef struct {
  const char *actor_role; /* the signed-in account's role */
  const char *visit_status;
  int approved;           /* a visit_interpreters row for this account, not removed */
  int same_est;           /* the interpreter's establishment is the visit's */
} BookInterpJoin;

/* NULL when the interpreter may have a join token, else "forbidden"
 * (not an interpreter account), "not_found" (not approved for this call or
 * another establishment's: the call's existence is not revealed),
 * "invalid_state" (cancelled). */
const char *book_interp_may_join(const BookInterpJoin *f);

/* 1 when a participant of this kind counts towards the visitor limit and
 * the adult/child counts (a visitor), 0 otherwise (prisoner, professional,
 * interpreter, staff). kind: the signalling participant kind. */
int book_interp_counts_to_limit(const char *kind);

/* A language is 1..BOOK_INTERP_LANGUAGE_MAX bytes of letters, spaces,
 * brackets and hyphens (it is shown on every call page). 1 or 0. */
int book_interp_language_valid(const char *language);

/* The label everyone's call page shows: "Interpreter (BSL)" in English,
 * "Cyfieithydd (BSL)" in Welsh ("cy"). 0, or -1 when it does not fit. */
int book_interp_label(const char *language, const char *lang, char *buf, size_t size);

#endif
