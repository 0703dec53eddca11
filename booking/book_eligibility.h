/* Which prisoners a session is open to (issue 16 part 4; HMPPS: session
 * templates include or exclude prisoner location groups, categories and
 * incentive levels).
 *
 * A template has filters of three kinds. For each kind: when the template
 * has include filters of that kind, the prisoner's value must match one of
 * them (a prisoner whose value is not recorded matches none: fail safe);
 * a matching exclude filter refuses. A location filter names a location
 * group as a prefix of the cell location ("A" holds "A-1-012", "A-1" holds
 * "A-1-012" but not "A-10-001"). No filters: open to everyone.
 *
 * book_eligibility_decide is pure (facts in, decision out); the loaders
 * below it read the facts from the database. */
#ifndef PARLOUR_BOOK_ELIGIBILITY_H
#define PARLOUR_BOOK_ELIGIBILITY_H

#include <stddef.h>
#include <stdint.h>

#include "book_db.h"
#include "book_rules.h"

typedef enum {
  BOOK_FILTER_LOCATION = 0,
  BOOK_FILTER_CATEGORY = 1,
  BOOK_FILTER_INCENTIVE = 2,
} BookFilterKind;

typedef struct {
  BookFilterKind kind;
  int exclude; /* 0 include, 1 exclude */
  char value[33];
} BookSessionFilter;

typedef struct {
  char location[33]; /* "" when not recorded */
  char category[4];
  char incentive_level[16];
} BookPrisonerFacts;

typedef enum {
  BOOK_ELIGIBLE = 0,
  BOOK_INELIGIBLE_LOCATION = 1,
  BOOK_INELIGIBLE_CATEGORY = 2,
  BOOK_INELIGIBLE_INCENTIVE = 3,
} BookEligibility;

/* The kind named by text ("location", "category", "incentive_level"); -1
 * when none. */
int book_filter_kind_parse(const char *text);
const char *book_filter_kind_name(BookFilterKind k);

/* 1 when location lies in the group (a prefix ending at a '-' or the end). */
int book_location_in_group(const char *location, const char *group);

/* The decision, checking location, then category, then incentive level
 * (the first refusal is the reason given). */
BookEligibility book_eligibility_decide(const BookSessionFilter *filters, size_t n,
                                        const BookPrisonerFacts *p);

/* The API error code and plain reason for a refusal ("ineligible_location"
 * / "that session is not open to the prisoner's wing", ...). */
const char *book_eligibility_code(BookEligibility e);
const char *book_eligibility_reason(BookEligibility e);

/* Loaders: 1 found / 0 no such prisoner / -1 the database failed. */
int book_prisoner_facts_load(BookDb *db, int64_t prisoner_id, BookPrisonerFacts *out)
    BOOK_MUST_CHECK;
/* The template's filters into out (a GArray of BookSessionFilter, cleared
 * first): 0, or -1 when the database failed. */
int book_template_filters_load(BookDb *db, int64_t template_id, GArray *out) BOOK_MUST_CHECK;

/* Whether the prisoner may have a call in the template's sessions: 0 yes;
 * -1 with e filled (422 ineligible_*, or 503 when the database failed). */
int book_eligibility_check(BookDb *db, int64_t template_id, int64_t prisoner_id, BookError *e)
    BOOK_MUST_CHECK;

#endif
