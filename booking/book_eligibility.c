#include "book_eligibility.h"

#include <string.h>

static const char *const KIND_NAMES[] = {"location", "category", "incentive_level"};

int book_filter_kind_parse(const char *text) {
  for (int i = 0; text && i < 3; i++)
    if (!strcmp(text, KIND_NAMES[i])) return i;
  return -1;
}

const char *book_filter_kind_name(BookFilterKind k) {
  return (unsigned)k < 3 ? KIND_NAMES[k] : "unknown";
}

int book_location_in_group(const char *location, const char *group) {
  if (!location || !group || !*location || !*group) return 0;
  size_t n = strlen(group);
  return strncmp(location, group, n) == 0 && (location[n] == '\0' || location[n] == '-');
}

static int matches(const BookSessionFilter *f, const BookPrisonerFacts *p) {
  switch (f->kind) {
  case BOOK_FILTER_LOCATION:
    return book_location_in_group(p->location, f->value);
  case BOOK_FILTER_CATEGORY:
    return p->category[0] && !strcmp(p->category, f->value);
  case BOOK_FILTER_INCENTIVE:
    return p->incentive_level[0] && !strcmp(p->incentive_level, f->value);
  }
  return 0;
}

BookEligibility book_eligibility_decide(const BookSessionFilter *filters, size_t n,
                                        const BookPrisonerFacts *p) {
  static const BookEligibility refusal[] = {BOOK_INELIGIBLE_LOCATION, BOOK_INELIGIBLE_CATEGORY,
                                            BOOK_INELIGIBLE_INCENTIVE};
  for (int kind = 0; kind < 3; kind++) {
    int includes = 0, included = 0;
    for (size_t i = 0; i < n; i++) {
      const BookSessionFilter *f = &filters[i];
      if ((int)f->kind != kind) continue;
      int m = matches(f, p);
      if (f->exclude && m) return refusal[kind];
      if (!f->exclude) {
        includes++;
        included |= m;
      }
    }
    if (includes && !included) return refusal[kind];
  }
  return BOOK_ELIGIBLE;
}

const char *book_eligibility_code(BookEligibility e) {
  switch (e) {
  case BOOK_ELIGIBLE: return "eligible";
  case BOOK_INELIGIBLE_LOCATION: return "ineligible_location";
  case BOOK_INELIGIBLE_CATEGORY: return "ineligible_category";
  case BOOK_INELIGIBLE_INCENTIVE: return "ineligible_incentive_level";
  }
  return "ineligible";
}

const char *book_eligibility_reason(BookEligibility e) {
  switch (e) {
  case BOOK_ELIGIBLE: return "the session is open to the prisoner";
  case BOOK_INELIGIBLE_LOCATION: return "that session is not open to the prisoner's wing";
  case BOOK_INELIGIBLE_CATEGORY: return "that session is not open to the prisoner's category";
  case BOOK_INELIGIBLE_INCENTIVE:
    return "that session is not open to the prisoner's incentive level";
  }
  return "that session is not open to the prisoner";
}

int book_prisoner_facts_load(BookDb *db, int64_t prisoner_id, BookPrisonerFacts *out) {
  memset(out, 0, sizeof *out);
  BookStmt *st = book_db_stmt(
      db, "SELECT location, category, incentive_level FROM prisoners WHERE id = ?");
  book_bind_i64(st, 1, prisoner_id);
  int ok = book_db_row(db, st);
  if (ok == 1) {
    const char *l = book_col_text(st, 0), *c = book_col_text(st, 1), *i = book_col_text(st, 2);
    g_strlcpy(out->location, l ? l : "", sizeof out->location);
    g_strlcpy(out->category, c ? c : "", sizeof out->category);
    g_strlcpy(out->incentive_level, i ? i : "", sizeof out->incentive_level);
    book_stmt_reset(st);
  }
  return ok;
}

int book_template_filters_load(BookDb *db, int64_t template_id, GArray *out) {
  g_array_set_size(out, 0);
  BookStmt *st = book_db_stmt(db, "SELECT kind, mode, value FROM session_template_filters "
                                  "WHERE template_id = ? ORDER BY kind, mode, value");
  book_bind_i64(st, 1, template_id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    BookSessionFilter f = {0};
    int k = book_filter_kind_parse(book_col_text(st, 0));
    if (k < 0) continue; /* the CHECK constraint makes this impossible */
    f.kind = (BookFilterKind)k;
    f.exclude = !strcmp(book_col_text(st, 1), "exclude");
    g_strlcpy(f.value, book_col_text(st, 2), sizeof f.value);
    g_array_append_val(out, f);
  }
  return row < 0 ? -1 : 0;
}

int book_eligibility_check(BookDb *db, int64_t template_id, int64_t prisoner_id, BookError *e) {
  BookPrisonerFacts p;
  GArray *fs = g_array_new(FALSE, TRUE, sizeof(BookSessionFilter));
  int rc = book_template_filters_load(db, template_id, fs);
  int found = rc == 0 && fs->len ? book_prisoner_facts_load(db, prisoner_id, &p) : 1;
  if (rc < 0 || found < 0) {
    g_array_free(fs, TRUE);
    return book_error_storage(e);
  }
  BookEligibility d = fs->len && found == 1
                          ? book_eligibility_decide((BookSessionFilter *)fs->data, fs->len, &p)
                          : BOOK_ELIGIBLE;
  g_array_free(fs, TRUE);
  if (d == BOOK_ELIGIBLE) return 0;
  e->http = 422;
  g_strlcpy(e->code, book_eligibility_code(d), sizeof e->code);
  g_strlcpy(e->field, "slot_id", sizeof e->field);
  g_strlcpy(e->message, book_eligibility_reason(d), sizeof e->message);
  return -1;
}
