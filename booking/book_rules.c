#include "book_rules.h"
#include "book_reviews.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "book_audit.h"
#include "book_decisions.h"
#include "book_notify_outbox.h"
#include "book_eligibility.h"
#include "book_holds.h"
#include "book_local_today.h"
#include "book_localtime.h"
#include "book_vo.h"
#include "book_oneway.h"
#include "ids.h"
#include "log.h"
#include "timeutil.h"

#define NOT_CANCELLED "status <> 'cancelled'"

static int fail(BookError *e, int http, const char *code, const char *field, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
static int fail(BookError *e, int http, const char *code, const char *field, const char *fmt,
                ...) {
  e->http = http;
  g_strlcpy(e->code, code, sizeof e->code);
  g_strlcpy(e->field, field ? field : "", sizeof e->field);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return -1;
}

/* The database failed (I/O error, full disk, corrupt page...): the request
 * is refused as a whole and may be tried again. Never read as "no row" or
 * "no conflict": a rule that could not be checked refuses. */
static int storage_fail(BookError *e) { return book_error_storage(e); }

/* The establishment's time zone is not one this machine knows (set behind
 * booking's back, or tzdata removed): dates cannot be worked out, so the
 * rule refuses rather than guess in UTC. */
static int zone_fail(BookError *e) {
  return fail(e, 503, "time_zone_unavailable", NULL,
              "the establishment's time zone is not known on this server; nothing was changed");
}

int book_error_storage(BookError *e) {
  return fail(e, 503, "storage_unavailable", NULL,
              "the booking database is unavailable just now; nothing was changed, try again");
}

/* ---- dates ---- */

void book_date_of(int64_t t, char out[11]) {
  char buf[32];
  time_format_iso8601(t, buf, sizeof buf);
  memcpy(out, buf, 10);
  out[10] = '\0';
}

int book_date_add(const char *date, int days, char out[11]) {
  int64_t t;
  if (time_parse_date(date, &t) != 0) return -1;
  book_date_of(t + (int64_t)days * 86400, out);
  return 0;
}

static int iso_dow(int64_t midnight) {
  int64_t days = midnight / 86400;
  return (int)(((days % 7) + 7 + 3) % 7) + 1; /* 1970-01-01 was a Thursday */
}

int book_age_on(const char *dob, const char *date) {
  int64_t a, b;
  if (time_parse_date(dob, &a) || time_parse_date(date, &b)) return -1;
  int y1 = atoi(dob), m1 = atoi(dob + 5), d1 = atoi(dob + 8);
  int y2 = atoi(date), m2 = atoi(date + 5), d2 = atoi(date + 8);
  int age = y2 - y1;
  if (m2 < m1 || (m2 == m1 && d2 < d1)) age--;
  return age;
}

static const char *col_text(BookStmt *st, int i) {
  const char *t = book_col_text(st, i);
  return t ? (const char *)t : NULL;
}

/* ---- roles ---- */

int book_is_staff(const char *role) {
  return role && (!strcmp(role, "booking_staff") || !strcmp(role, "monitor") ||
                  !strcmp(role, "reviewer") || !strcmp(role, "admin"));
}

static int is_booking_staff(const char *role) {
  return role && (!strcmp(role, "booking_staff") || !strcmp(role, "admin"));
}

int book_can_book(const char *role) {
  return role && (!strcmp(role, "family") || !strcmp(role, "legal_adviser") ||
                  !strcmp(role, "clinician") || !strcmp(role, "probation_officer") ||
                  is_booking_staff(role));
}

/* Which roles may book which type. */
static int role_may_book_type(const char *role, const char *type) {
  if (is_booking_staff(role)) return strcmp(type, "probation") != 0;
  if (!strcmp(role, "family")) return !strcmp(type, "social");
  if (!strcmp(role, "legal_adviser")) return !strcmp(type, "legal");
  if (!strcmp(role, "clinician")) return !strcmp(type, "telemedicine");
  if (!strcmp(role, "probation_officer")) return !strcmp(type, "probation");
  return 0;
}

/* ---- loading ---- */

/* Each loader answers as book_db_row does: 1 found, 0 no such row, -1 the
 * database failed. */

typedef struct {
  char id[16];
  int min_days, max_days, max_visitors, max_adults, max_children, adult_age;
  int remand_weekly_limit, vo_allowance, vo_period_days;
  int approve_public;
  char time_zone[TZ_NAME_MAX + 1];
} Est;

static int load_est(BookDb *db, const char *id, Est *e) {
  BookStmt *st = book_db_stmt(
      db, "SELECT id, min_days, max_days, max_visitors, max_adults, max_children, adult_age, "
          "remand_weekly_limit, vo_allowance, vo_period_days, approve_public_bookings, time_zone "
          "FROM establishments WHERE id = ?");
  book_bind_text(st, 1, id);
  int ok = book_db_row(db, st);
  if (ok == 1) {
    g_strlcpy(e->id, col_text(st, 0), sizeof e->id);
    int *f[] = {&e->min_days,     &e->max_days,  &e->max_visitors,        &e->max_adults,
                &e->max_children, &e->adult_age, &e->remand_weekly_limit, &e->vo_allowance,
                &e->vo_period_days};
    for (int i = 0; i < 9; i++) *f[i] = book_col_int(st, i + 1);
    e->approve_public = book_col_int(st, 10);
    g_strlcpy(e->time_zone, col_text(st, 11), sizeof e->time_zone);
    book_stmt_reset(st);
  }
  return ok;
}

typedef struct {
  int64_t id;
  char est[16];
  char status[16];
  int vo_balance;
} Prisoner;

static int load_prisoner(BookDb *db, int64_t id, Prisoner *p) {
  BookStmt *st = book_db_stmt(
      db, "SELECT id, establishment_id, status, vo_balance FROM prisoners WHERE id = ?");
  book_bind_i64(st, 1, id);
  int ok = book_db_row(db, st);
  if (ok == 1) {
    p->id = book_col_i64(st, 0);
    g_strlcpy(p->est, col_text(st, 1), sizeof p->est);
    g_strlcpy(p->status, col_text(st, 2), sizeof p->status);
    p->vo_balance = book_col_int(st, 3);
    book_stmt_reset(st);
  }
  return ok;
}

typedef struct {
  char monitoring[16], recording[16];
  int max_minutes, needs_vo;
} VType;

static int load_vtype(BookDb *db, const char *code, VType *v) {
  BookStmt *st = book_db_stmt(
      db, "SELECT monitoring, recording, max_minutes, needs_vo FROM visit_types WHERE code = ?");
  book_bind_text(st, 1, code);
  int ok = book_db_row(db, st);
  if (ok == 1) {
    g_strlcpy(v->monitoring, col_text(st, 0), sizeof v->monitoring);
    g_strlcpy(v->recording, col_text(st, 1), sizeof v->recording);
    v->max_minutes = book_col_int(st, 2);
    v->needs_vo = book_col_int(st, 3);
    book_stmt_reset(st);
  }
  return ok;
}

typedef struct {
  int64_t template_id;
  char date[11];
  char est[16];
  char type[16];
  int open_capacity, closed_capacity;
  int64_t start, end;
} Slot;

/* Resolves "<template>:<date>" to a real, bookable-in-principle slot. */
static int resolve_slot(BookDb *db, const char *slot_id, Slot *s, BookError *e) {
  const char *colon = slot_id ? strchr(slot_id, ':') : NULL;
  if (!colon || colon == slot_id || colon - slot_id > 12 || strlen(colon + 1) != 10)
    return fail(e, 400, "invalid_field", "slot_id", "slot_id must look like 12:2026-11-30");
  for (const char *c = slot_id; c < colon; c++)
    if (*c < '0' || *c > '9')
      return fail(e, 400, "invalid_field", "slot_id", "slot_id must look like 12:2026-11-30");
  int64_t midnight;
  if (time_parse_date(colon + 1, &midnight) != 0)
    return fail(e, 400, "invalid_field", "slot_id", "slot_id has no real date");
  s->template_id = g_ascii_strtoll(slot_id, NULL, 10);
  g_strlcpy(s->date, colon + 1, sizeof s->date);
  BookStmt *st = book_db_stmt(
      db, "SELECT t.establishment_id, t.visit_type, t.day_of_week, t.start_time, t.end_time, "
          "t.open_capacity, t.closed_capacity, t.valid_from, t.valid_to, e.time_zone FROM "
          "session_templates t JOIN establishments e ON e.id = t.establishment_id WHERE t.id = ?");
  book_bind_i64(st, 1, s->template_id);
  int found = book_db_row(db, st);
  if (found < 0) return storage_fail(e);
  if (found == 0) return fail(e, 422, "slot_not_found", "slot_id", "there is no such slot");
  g_strlcpy(s->est, col_text(st, 0), sizeof s->est);
  g_strlcpy(s->type, col_text(st, 1), sizeof s->type);
  int dow = book_col_int(st, 2);
  /* Session times are the establishment's wall-clock times on that local
   * date (book_localtime.h: the missing and repeated hours). */
  const Tz *tz = book_local_zone(col_text(st, 9), NULL, 0);
  if (!tz || book_local_session(tz, s->date, col_text(st, 3), col_text(st, 4), &s->start,
                                &s->end)) {
    book_stmt_reset(st);
    return zone_fail(e);
  }
  s->open_capacity = book_col_int(st, 5);
  s->closed_capacity = book_col_int(st, 6);
  char from[11], to[11];
  g_strlcpy(from, col_text(st, 7), sizeof from);
  g_strlcpy(to, col_text(st, 8) ? col_text(st, 8) : "9999-12-31", sizeof to);
  book_stmt_reset(st);
  if (iso_dow(midnight) != dow || strcmp(s->date, from) < 0 || strcmp(s->date, to) > 0)
    return fail(e, 422, "slot_not_found", "slot_id", "that session does not run on %s", s->date);
  int64_t excluded = 0;
  if (book_db_scalar(db,
                     "SELECT count(*) FROM excluded_dates e JOIN session_templates t ON "
                     "t.establishment_id = e.establishment_id WHERE t.id = ?1 AND e.date = "
                     "date(?2, 'unixepoch') AND (e.template_id IS NULL OR e.template_id = ?1)",
                     &excluded, 2, s->template_id, (int64_t)midnight) < 0)
    return storage_fail(e);
  if (excluded > 0) return fail(e, 422, "date_excluded", "slot_id", "no visits on %s", s->date);
  return 0;
}

/* ---- visibility ---- */

/* The *_check forms answer 1 / 0 / -1 (the database failed); the older
 * forms fold -1 into 0 (fail closed: not visible) for callers that only
 * need yes or no. */
int book_prisoner_check_visible(BookDb *db, const BookActor *a, int64_t prisoner_id) {
  if (!a || !a->role) return 0;
  int64_t n = 0;
  if (!strcmp(a->role, "family") || !strcmp(a->role, "legal_adviser")) {
    if (book_db_scalar(db,
                       "SELECT count(*) FROM contacts c JOIN visitors v ON v.id = "
                       "c.visitor_id WHERE c.prisoner_id = ? AND v.user_id = ?",
                       &n, 2, prisoner_id, a->user_id) < 0)
      return -1;
    return n > 0;
  }
  if (!strcmp(a->role, "prisoner")) {
    if (book_db_scalar(db, "SELECT count(*) FROM prisoners WHERE id = ? AND user_id = ?", &n, 2,
                       prisoner_id, a->user_id) < 0)
      return -1;
    return n > 0;
  }
  if (!strcmp(a->role, "clinician") || book_is_staff(a->role)) {
    BookStmt *st = book_db_stmt(db, "SELECT establishment_id FROM prisoners WHERE id = ?");
    book_bind_i64(st, 1, prisoner_id);
    int ok = book_db_row(db, st);
    if (ok == 1) {
      ok = (!a->establishment_id && !strcmp(a->role, "admin")) ||
           (a->establishment_id && !strcmp(a->establishment_id, col_text(st, 0)));
      book_stmt_reset(st);
    }
    return ok;
  }
  return 0;
}

int book_prisoner_visible(BookDb *db, const BookActor *a, int64_t prisoner_id) {
  return book_prisoner_check_visible(db, a, prisoner_id) == 1;
}

int book_visit_check_participant(BookDb *db, const BookActor *a, const char *visit_id) {
  if (!a || !a->role) return 0;
  BookStmt *st = book_db_stmt(
      db,
      "SELECT 1 FROM visits vi WHERE vi.id = ?1 AND ("
      " (?2 = 'prisoner' AND vi.prisoner_id IN (SELECT id FROM prisoners WHERE user_id = ?3)) OR"
      " (?2 = 'probationer' AND vi.probationer_id IN"
      "    (SELECT id FROM probationers WHERE user_id = ?3)) OR"
      " (?2 = 'family' AND EXISTS (SELECT 1 FROM visit_visitors vv JOIN visitors v ON v.id ="
      "    vv.visitor_id WHERE vv.visit_id = vi.id AND v.user_id = ?3)) OR"
      " (?2 IN ('probation_officer', 'clinician', 'legal_adviser') AND"
      "    vi.professional_user_id = ?3))");
  book_bind_text(st, 1, visit_id);
  book_bind_text(st, 2, a->role);
  book_bind_i64(st, 3, a->user_id);
  int ok = book_db_row(db, st);
  if (ok == 1) book_stmt_reset(st);
  return ok;
}

int book_visit_participant(BookDb *db, const BookActor *a, const char *visit_id) {
  return book_visit_check_participant(db, a, visit_id) == 1;
}

int book_visit_check_visible(BookDb *db, const BookActor *a, const char *visit_id) {
  if (!a || !a->role) return 0;
  if (book_is_staff(a->role)) {
    BookStmt *st = book_db_stmt(db, "SELECT establishment_id FROM visits WHERE id = ?");
    book_bind_text(st, 1, visit_id);
    int ok = book_db_row(db, st);
    if (ok == 1) {
      const char *est = col_text(st, 0);
      ok = (!a->establishment_id && !strcmp(a->role, "admin")) ||
           (est && a->establishment_id && !strcmp(est, a->establishment_id));
      book_stmt_reset(st);
    }
    return ok;
  }
  /* An interpreter sees the calls they are approved for (and only while the
   * approval stands), so their call page can load the visit. They are not a
   * participant for changes: may_change never lets them cancel or amend. */
  if (!strcmp(a->role, "interpreter")) {
    BookStmt *st = book_db_stmt(db,
                                "SELECT 1 FROM visit_interpreters vi JOIN interpreters i ON i.id = "
                                "vi.interpreter_id WHERE vi.visit_id = ? AND i.user_id = ? AND "
                                "vi.removed_at IS NULL");
    book_bind_text(st, 1, visit_id);
    book_bind_i64(st, 2, a->user_id);
    int ok = book_db_row(db, st);
    if (ok == 1) book_stmt_reset(st);
    return ok;
  }
  return book_visit_check_participant(db, a, visit_id);
}

int book_visit_visible(BookDb *db, const BookActor *a, const char *visit_id) {
  return book_visit_check_visible(db, a, visit_id) == 1;
}

/* ---- the checks ---- */

typedef struct {
  const char *type;
  Est est;
  Prisoner prisoner;
  VType vt;
  Slot slot;
  char restriction[8];
  int64_t professional; /* 0: none */
  int vo_override_used;
} Checked;

/* 1 active, 0 not, -1 the database failed. */
static int restriction_active(BookDb *db, const char *sql, int64_t id, const char *type,
                              const char *date) {
  BookStmt *st = book_db_stmt(db, sql);
  book_bind_i64(st, 1, id);
  book_bind_text(st, 2, type);
  book_bind_text(st, 3, date);
  int hit = book_db_row(db, st);
  if (hit == 1) book_stmt_reset(st);
  return hit;
}

/* A count(*) query's answer into *n: 0, or -1 when the database failed. */
static int count_of(BookDb *db, BookStmt *st, int *n) {
  int rc = book_db_row(db, st);
  if (rc < 0) return -1;
  *n = rc == 1 ? book_col_int(st, 0) : 0;
  if (rc == 1) book_stmt_reset(st);
  return 0;
}

#define CONTACT_RESTRICTION_SQL                                                               \
  "SELECT 1 FROM contact_restrictions WHERE contact_id = ?1 AND type = ?2 AND start_date <= " \
  "?3 AND (expiry_date IS NULL OR expiry_date >= ?3)"
#define PRISONER_RESTRICTION_SQL                                                               \
  "SELECT 1 FROM prisoner_restrictions WHERE prisoner_id = ?1 AND type = ?2 AND start_date <= " \
  "?3 AND (expiry_date IS NULL OR expiry_date >= ?3)"

/* The visitors of a social or legal call. Sets *closed when a chosen visitor
 * has an active CLOSED restriction. */
static int check_visitors(BookDb *db, const BookActor *a, Checked *c, const BookVisitorSel *vs,
                          size_t n, int *closed, BookError *e) {
  const char *date = c->slot.date;
  int legal = !strcmp(c->type, "legal");
  if (n == 0) return fail(e, 422, "no_visitors", "visitors", "choose at least one visitor");
  size_t max = legal ? 1 : (size_t)c->est.max_visitors;
  if (n > max)
    return fail(e, 422, "too_many_visitors", "visitors", "at most %zu visitor%s", max,
                max == 1 ? "" : "s");
  int adults = 0, children = 0, mains = 0;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < i; j++)
      if (vs[j].visitor_id == vs[i].visitor_id)
        return fail(e, 422, "duplicate_visitor", "visitors", "visitor %lld is listed twice",
                    (long long)vs[i].visitor_id);
    /* A family account books only for the people it speaks for (itself,
     * children it looks after): any other id, existing or not, gets the same
     * answer, so ids of other families' contacts cannot be probed. */
    int64_t mine = 0;
    if (!strcmp(a->role, "family") &&
        book_db_scalar(db, "SELECT count(*) FROM visitors WHERE id = ? AND user_id = ?", &mine, 2,
                       vs[i].visitor_id, a->user_id) < 0)
      return storage_fail(e);
    if (!strcmp(a->role, "family") && mine == 0)
      return fail(e, 422, "not_your_visitor", "visitors",
                  "visitor %lld is not one of the people on your account",
                  (long long)vs[i].visitor_id);
    BookStmt *st = book_db_stmt(
        db, "SELECT c.id, c.contact_type, c.approved, v.date_of_birth, v.user_id, "
            "v.legal_adviser_verified FROM contacts c JOIN visitors v ON v.id = c.visitor_id "
            "WHERE c.prisoner_id = ? AND c.visitor_id = ?");
    book_bind_i64(st, 1, c->prisoner.id);
    book_bind_i64(st, 2, vs[i].visitor_id);
    int found = book_db_row(db, st);
    if (found < 0) return storage_fail(e);
    if (found == 0) {
      return fail(e, 422, "not_approved_contact", "visitors",
                  "visitor %lld is not an approved contact of this prisoner",
                  (long long)vs[i].visitor_id);
    }
    int64_t contact_id = book_col_i64(st, 0);
    char ctype[16], dob[16] = "";
    g_strlcpy(ctype, col_text(st, 1), sizeof ctype);
    int approved = book_col_int(st, 2);
    int has_dob = col_text(st, 3) != NULL;
    if (has_dob) g_strlcpy(dob, col_text(st, 3), sizeof dob);
    int64_t vuser = book_col_i64(st, 4);
    int verified = book_col_int(st, 5);
    book_stmt_reset(st);
    if (!approved)
      return fail(e, 422, "not_approved_contact", "visitors",
                  "visitor %lld is not an approved contact of this prisoner",
                  (long long)vs[i].visitor_id);
    if (legal) {
      if (strcmp(ctype, "official") != 0 || !verified)
        return fail(e, 422, "not_verified_legal_adviser", "visitors",
                    "legal calls need an approved official contact who is a verified legal "
                    "adviser");
      if (!strcmp(a->role, "legal_adviser") && vuser != a->user_id)
        return fail(e, 403, "forbidden", "visitors", "a legal adviser books only for themselves");
      c->professional = vuser;
    } else {
      if (strcmp(ctype, "social") != 0)
        return fail(e, 422, "not_social_contact", "visitors",
                    "visitor %lld is not a social contact of this prisoner",
                    (long long)vs[i].visitor_id);
      if (!has_dob)
        return fail(e, 422, "no_date_of_birth", "visitors",
                    "visitor %lld has no date of birth on record", (long long)vs[i].visitor_id);
    }
    int banned = restriction_active(db, CONTACT_RESTRICTION_SQL, contact_id, "BAN", date);
    if (banned < 0) return storage_fail(e);
    if (banned)
      return fail(e, 422, "visitor_banned", "visitors", "visitor %lld is banned on %s",
                  (long long)vs[i].visitor_id, date);
    if (!legal) {
      int cl = restriction_active(db, CONTACT_RESTRICTION_SQL, contact_id, "CLOSED", date);
      if (cl < 0) return storage_fail(e);
      if (cl) *closed = 1;
    }
    int adult = 1;
    if (has_dob) {
      int age = book_age_on(dob, date);
      adult = age >= c->est.adult_age;
    }
    if (adult)
      adults++;
    else
      children++;
    if (vs[i].main_contact) {
      mains++;
      if (!adult)
        return fail(e, 422, "main_contact_not_adult", "visitors",
                    "the main contact must be %d or over", c->est.adult_age);
    }
  }
  if (mains > 1)
    return fail(e, 422, "multiple_main_contacts", "visitors", "at most one main contact");
  if (!legal) {
    if (adults > c->est.max_adults)
      return fail(e, 422, "too_many_adults", "visitors", "at most %d adults", c->est.max_adults);
    if (children > c->est.max_children)
      return fail(e, 422, "too_many_children", "visitors", "at most %d children",
                  c->est.max_children);
    if (adults == 0)
      return fail(e, 422, "no_adult", "visitors", "at least one visitor must be %d or over",
                  c->est.adult_age);
  }
  return 0;
}

/* Checks everything about a visit to a prisoner (social, legal,
 * telemedicine) in a slot. exclude: a visit id not to count (amend). */
static int check_prison_visit(BookDb *db, const BookActor *a, const BookRequest *r,
                              const char *exclude, int64_t now, Checked *c, BookError *e) {
  if (r->prisoner_id <= 0)
    return fail(e, 400, "missing_field", "prisoner_id", "prisoner_id is required");
  if (!r->slot_id) return fail(e, 400, "missing_field", "slot_id", "slot_id is required");
  int found = load_prisoner(db, r->prisoner_id, &c->prisoner);
  int vis = found == 1 ? book_prisoner_check_visible(db, a, r->prisoner_id) : found;
  if (vis < 0) return storage_fail(e);
  if (!vis) return fail(e, 404, "not_found", "prisoner_id", "no such prisoner");
  if (load_est(db, c->prisoner.est, &c->est) != 1) return storage_fail(e);
  if (resolve_slot(db, r->slot_id, &c->slot, e)) return -1;
  if (strcmp(c->slot.est, c->prisoner.est) != 0)
    return fail(e, 422, "slot_not_found", "slot_id", "that slot is at another establishment");
  if (strcmp(c->slot.type, c->type) != 0)
    return fail(e, 422, "slot_wrong_type", "slot_id", "that slot is for %s calls", c->slot.type);
  /* The session's location, category and incentive filters (HMPPS). */
  if (book_eligibility_check(db, c->slot.template_id, c->prisoner.id, e)) return -1;

  /* Booking window: today + min + 1 .. today + max (HMPPS), today being
   * the establishment's local date. */
  char first[11], last[11];
  const Tz *tz = book_local_zone(c->est.time_zone, NULL, 0);
  if (!tz) return zone_fail(e);
  book_local_window(tz, now, c->est.min_days, c->est.max_days, first, last);
  if (strcmp(c->slot.date, first) < 0 || strcmp(c->slot.date, last) > 0 || c->slot.start <= now)
    return fail(e, 422, "outside_booking_window", "slot_id",
                "calls can be booked from %s to %s", first, last);
  /* Released or transferred from that day (book_reviews.c records moves). */
  BookStmt *lst = book_db_stmt(db, "SELECT count(*) FROM prisoners WHERE id = ? AND leaving_on "
                                   "IS NOT NULL AND leaving_on <= ?");
  book_bind_i64(lst, 1, c->prisoner.id);
  book_bind_text(lst, 2, c->slot.date);
  int leaving = 0;
  if (count_of(db, lst, &leaving)) return storage_fail(e);
  if (leaving)
    return fail(e, 422, "prisoner_moved", "slot_id",
                "the prisoner is released or transferred by %s", c->slot.date);
  if (c->slot.end - c->slot.start > (int64_t)c->vt.max_minutes * 60)
    return fail(e, 422, "too_long", "slot_id", "%s calls last at most %d minutes", c->type,
                c->vt.max_minutes);

  /* Open/closed is a social-visit notion (HMPPS); official and clinical
   * calls always use the slot's open capacity. */
  int social = !strcmp(c->type, "social");
  int closed = social ? restriction_active(db, PRISONER_RESTRICTION_SQL, c->prisoner.id,
                                           "CLOSED", c->slot.date)
                      : 0;
  if (closed < 0) return storage_fail(e);
  if (!strcmp(c->type, "telemedicine")) {
    if (r->n_visitors > 0)
      return fail(e, 422, "too_many_visitors", "visitors", "telemedicine calls have no visitors");
    if (!strcmp(a->role, "clinician")) {
      c->professional = a->user_id;
    } else {
      if (r->clinician_id <= 0)
        return fail(e, 400, "missing_field", "clinician_id", "clinician_id is required");
      int64_t is_clin = 0;
      if (book_db_scalar(db, "SELECT count(*) FROM users WHERE id = ? AND role = 'clinician'",
                         &is_clin, 1, r->clinician_id) < 0)
        return storage_fail(e);
      if (is_clin == 0)
        return fail(e, 422, "not_a_clinician", "clinician_id", "no such clinician");
      c->professional = r->clinician_id;
    }
  } else if (check_visitors(db, a, c, r->visitors, r->n_visitors, &closed, e)) {
    return -1;
  }
  g_strlcpy(c->restriction, closed ? "closed" : "open", sizeof c->restriction);

  /* Capacity counts calls, not people, and only the call's own kind, and
   * other people's live holds on the slot (book_holds.h). */
  int cap = closed ? c->slot.closed_capacity : c->slot.open_capacity;
  if (book_slot_room(db, c->slot.template_id, c->slot.date, c->restriction, cap, exclude,
                     a->user_id, c->prisoner.id, now, e))
    return -1;

  BookStmt *st = book_db_stmt(db, "SELECT count(*) FROM visits WHERE prisoner_id = ? AND " NOT_CANCELLED
                        " AND start_at < ? AND end_at > ? AND id <> ?");
  book_bind_i64(st, 1, c->prisoner.id);
  book_bind_i64(st, 2, c->slot.end);
  book_bind_i64(st, 3, c->slot.start);
  book_bind_text(st, 4, exclude ? exclude : "");
  int clash = 0;
  if (count_of(db, st, &clash)) return storage_fail(e);
  if (clash)
    return fail(e, 422, "prisoner_double_booked", "slot_id",
                "the prisoner already has a call at that time");

  st = book_db_stmt(
      db, "SELECT count(*) FROM visits WHERE establishment_id = ?1 AND date = ?2 AND " NOT_CANCELLED
          " AND id <> ?4 AND prisoner_id IN (SELECT prisoner_b FROM non_associations WHERE "
          "prisoner_a = ?3 UNION SELECT prisoner_a FROM non_associations WHERE prisoner_b = ?3)");
  book_bind_text(st, 1, c->prisoner.est);
  book_bind_text(st, 2, c->slot.date);
  book_bind_i64(st, 3, c->prisoner.id);
  book_bind_text(st, 4, exclude ? exclude : "");
  int na = 0;
  if (count_of(db, st, &na)) return storage_fail(e);
  if (na)
    return fail(e, 422, "non_association_conflict", "slot_id",
                "no calls that day: a non-associated prisoner has one");

  if (!strcmp(c->type, "social") && !strcmp(c->prisoner.status, "remand")) {
    /* The ISO week (Monday to Sunday) of the call's local date. */
    char monday[11], sunday[11];
    book_local_iso_week(c->slot.date, monday, sunday);
    st = book_db_stmt(db, "SELECT count(*) FROM visits WHERE prisoner_id = ? AND visit_type = "
                          "'social' AND " NOT_CANCELLED " AND date BETWEEN ? AND ? AND id <> ?");
    book_bind_i64(st, 1, c->prisoner.id);
    book_bind_text(st, 2, monday);
    book_bind_text(st, 3, sunday);
    book_bind_text(st, 4, exclude ? exclude : "");
    int week = 0;
    if (count_of(db, st, &week)) return storage_fail(e);
    if (week >= c->est.remand_weekly_limit)
      return fail(e, 422, "remand_weekly_limit", "slot_id",
                  "remand prisoners may have %d social calls a week",
                  c->est.remand_weekly_limit);
  }
  return 0;
}

static int check_probation(BookDb *db, const BookActor *a, const BookRequest *r, int64_t now, Checked *c, BookError *e) {
  if (r->probationer_id <= 0)
    return fail(e, 400, "missing_field", "probationer_id", "probationer_id is required");
  int64_t mine = 0;
  if (book_db_scalar(db, "SELECT count(*) FROM probationers WHERE id = ? AND officer_user_id = ?",
                     &mine, 2, r->probationer_id, a->user_id) < 0)
    return storage_fail(e);
  if (mine == 0) return fail(e, 404, "not_found", "probationer_id", "no such case of yours");
  if (r->start <= 0) return fail(e, 400, "missing_field", "start", "start is required");
  if (r->end <= 0) return fail(e, 400, "missing_field", "end", "end is required");
  if (r->start <= now)
    return fail(e, 422, "bad_time_range", "start", "the start must be in the future");
  if (r->end <= r->start)
    return fail(e, 422, "bad_time_range", "end", "the end must be after the start");
  if (r->end - r->start > (int64_t)c->vt.max_minutes * 60)
    return fail(e, 422, "too_long", "end", "probation calls last at most %d minutes",
                c->vt.max_minutes);
  if (r->start > now + 365LL * 86400)
    return fail(e, 422, "bad_time_range", "start", "at most a year ahead");
  int64_t overlap = 0;
  if (book_db_scalar(db,
                     "SELECT count(*) FROM visits WHERE " NOT_CANCELLED
                     " AND (probationer_id = ?1 OR professional_user_id = ?2) AND start_at < "
                     "?3 AND end_at > ?4",
                     &overlap, 4, r->probationer_id, a->user_id, (int64_t)r->end,
                     (int64_t)r->start) < 0)
    return storage_fail(e);
  if (overlap > 0)
    return fail(e, 422, "overlapping_visit", "start",
                "the officer or the person on probation has a call at that time");
  c->professional = a->user_id;
  g_strlcpy(c->restriction, "open", sizeof c->restriction);
  return 0;
}

static int insert_visitors(BookDb *db, const char *id, const BookVisitorSel *vs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    BookStmt *st = book_db_stmt(
        db, "INSERT INTO visit_visitors(visit_id, visitor_id, main_contact) VALUES (?,?,?)");
    book_bind_text(st, 1, id);
    book_bind_i64(st, 2, vs[i].visitor_id);
    book_bind_i64(st, 3, vs[i].main_contact ? 1 : 0);
    if (book_db_step_done(db, st)) return -1;
  }
  return 0;
}

static char *audit_detail(const BookRequest *r, const Checked *c) {
  json_t *vis = json_array();
  for (size_t i = 0; i < r->n_visitors; i++)
    json_array_append_new(vis, json_integer(r->visitors[i].visitor_id));
  json_t *d = json_pack("{s:s, s:s, s:o}", "type", c->type, "restriction", c->restriction,
                        "visitors", vis);
  if (r->slot_id) json_object_set_new(d, "slot_id", json_string(r->slot_id));
  if (c->vo_override_used) json_object_set_new(d, "vo_override", json_true());
  char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  return s;
}

int book_visit_create(BookDb *db, const BookActor *a, const BookRequest *r, int64_t now,
                      char id_out[BOOK_VISIT_ID_LEN], BookError *e) {
  memset(e, 0, sizeof *e);
  Checked c;
  memset(&c, 0, sizeof c);
  c.type = r->type;
  int known = r->type ? load_vtype(db, r->type, &c.vt) : 0;
  if (known < 0) return storage_fail(e);
  if (!known) return fail(e, 400, "invalid_field", "type", "unknown visit type");
  if (!book_can_book(a->role) || !role_may_book_type(a->role, r->type))
    return fail(e, 403, "forbidden", "type", "your role may not book %s calls", r->type);
  if (r->override_vo && !is_booking_staff(a->role))
    return fail(e, 403, "forbidden", "override_vo", "only booking staff may override");
  if (r->one_way_video && book_oneway_check_setter(a, r->one_way_video, r->one_way_reason, e))
    return -1;
  if (book_db_begin(db)) return storage_fail(e);
  /* A hold named by the booking must be the booker's, live, and for this
   * prisoner and slot (book_holds.h); the booking then takes its place. */
  int rc = r->hold_id ? book_hold_take(db, a, r->hold_id, r->prisoner_id, r->slot_id, now, e) : 0;
  if (!rc)
    rc = !strcmp(r->type, "probation") ? check_probation(db, a, r, now, &c, e)
                                       : check_prison_visit(db, a, r, NULL, now, &c, e);
  /* Visiting orders: the ledger picks the oldest PVO, then the oldest VO,
   * as the session allows (book_vo.h). */
  int use_vo = 0;
  BookVoPick vo = {0};
  char today[11] = ""; /* the establishment's local date (book_local_today.h) */
  if (rc == 0 && c.vt.needs_vo && !strcmp(c.prisoner.status, "convicted")) {
    if (book_today_for_prisoner(db, c.prisoner.id, now, today) ||
        book_vo_pick(db, c.prisoner.id, c.slot.template_id, today, now, &vo))
      rc = storage_fail(e);
    else if (vo.needed && !vo.order_id && r->override_vo)
      c.vo_override_used = 1;
    else if (vo.needed && !vo.order_id)
      rc = fail(e, 422, "no_vo_balance", "prisoner_id",
                "the prisoner has no visiting orders left%s",
                strcmp(vo.need, "either") ? (strcmp(vo.need, "VO") ? " (this session needs a PVO)"
                                                                    : " (this session needs a VO)")
                                          : "");
    use_vo = vo.needed;
  }
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  char *id = ids_random_hex(16);
  if (!id) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  BookStmt *st = book_db_stmt(
      db, "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, probationer_id, "
          "professional_user_id, template_id, date, start_at, end_at, restriction, status, "
          "vo_used, booked_by, booked_at, updated_at) VALUES "
          "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?15,?12,?13,?14,?14)");
  book_bind_text(st, 1, id);
  book_bind_text(st, 2, r->type);
  int probation = !strcmp(r->type, "probation");
  if (probation) {
    /* A probation call has no establishment: its date is the default
     * zone's (England and Wales). */
    char date[11];
    const Tz *ptz = book_local_zone(NULL, NULL, 0);
    if (ptz)
      book_local_date(ptz, r->start, date);
    else
      book_date_of(r->start, date);
    book_bind_null(st, 3);
    book_bind_null(st, 4);
    book_bind_i64(st, 5, r->probationer_id);
    book_bind_null(st, 7);
    book_bind_text(st, 8, date);
    book_bind_i64(st, 9, r->start);
    book_bind_i64(st, 10, r->end);
  } else {
    book_bind_text(st, 3, c.prisoner.est);
    book_bind_i64(st, 4, c.prisoner.id);
    book_bind_null(st, 5);
    book_bind_i64(st, 7, c.slot.template_id);
    book_bind_text(st, 8, c.slot.date);
    book_bind_i64(st, 9, c.slot.start);
    book_bind_i64(st, 10, c.slot.end);
  }
  if (c.professional)
    book_bind_i64(st, 6, c.professional);
  else
    book_bind_null(st, 6);
  book_bind_text(st, 11, c.restriction);
  book_bind_i64(st, 12, use_vo);
  book_bind_i64(st, 13, a->user_id);
  book_bind_i64(st, 14, now);
  /* A family's social booking waits for staff where the establishment says so. */
  int requested = !probation && !strcmp(a->role, "family") && c.est.approve_public;
  book_bind_text(st, 15, requested ? "requested" : "booked");
  int bad = book_db_step_done(db, st) || insert_visitors(db, id, r->visitors, r->n_visitors);
  if (!bad && use_vo)
    bad = book_vo_take(db, &vo, c.prisoner.id, id, a->username, c.vo_override_used, now, today);
  /* The booker's hold for this prisoner (this slot's or another) is spent. */
  if (!bad && !probation) bad = book_holds_drop_for(db, a->user_id, c.prisoner.id);
  char *detail = audit_detail(r, &c);
  if (!bad) bad = book_audit(db, now, a->username, id, requested ? "requested" : "booked", detail);
  if (!bad && c.vo_override_used)
    bad = book_audit(db, now, a->username, id, "vo_override",
                     "{\"reason\":\"booked by staff with no visiting order left\"}");
  if (!bad) bad = book_notify_visit(db, id, requested ? "requested" : "booked", now);
  if (!bad && r->one_way_video)
    bad = book_oneway_store_new_visit(db, a->username, id, r->one_way_video, r->one_way_reason,
                                      now);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    g_free(id);
    return storage_fail(e);
  }
  g_strlcpy(id_out, id, BOOK_VISIT_ID_LEN);
  g_free(id);
  log_info("visit_booked", "visit=%s type=%s by=%s", id_out, r->type, a->username);
  return 0;
}

/* ---- changes to an existing visit ---- */

typedef struct {
  char type[16];
  char status[16];
  int64_t start, end;
  int64_t prisoner_id, booked_by, template_id;
  char date[11];
  int vo_used;
} VisitRow;

static int load_visit(BookDb *db, const char *id, VisitRow *v) {
  BookStmt *st = book_db_stmt(
      db, "SELECT visit_type, status, start_at, end_at, coalesce(prisoner_id,0), booked_by, "
          "coalesce(template_id,0), date, vo_used FROM visits WHERE id = ?");
  book_bind_text(st, 1, id);
  int ok = book_db_row(db, st);
  if (ok == 1) {
    g_strlcpy(v->type, col_text(st, 0), sizeof v->type);
    g_strlcpy(v->status, col_text(st, 1), sizeof v->status);
    v->start = book_col_i64(st, 2);
    v->end = book_col_i64(st, 3);
    v->prisoner_id = book_col_i64(st, 4);
    v->booked_by = book_col_i64(st, 5);
    v->template_id = book_col_i64(st, 6);
    g_strlcpy(v->date, col_text(st, 7), sizeof v->date);
    v->vo_used = book_col_int(st, 8);
    book_stmt_reset(st);
  }
  return ok;
}

/* The visit (1), none the actor may see (0: not_found), or the database
 * failed (-1). */
static int load_visible_visit(BookDb *db, const BookActor *a, const char *id, VisitRow *v) {
  if (!id) return 0;
  int rc = load_visit(db, id, v);
  return rc == 1 ? book_visit_check_visible(db, a, id) : rc;
}

/* Who may change a visit: its participants (not the prisoner, whose device
 * only joins), its booker, or booking staff of its establishment. 1, 0, or
 * -1 when the database failed. */
static int may_change(BookDb *db, const BookActor *a, const char *id, const VisitRow *v) {
  if (!strcmp(a->role, "prisoner") || !strcmp(a->role, "probationer")) return 0;
  if (is_booking_staff(a->role)) return 1; /* visibility checked by the caller */
  if (book_is_staff(a->role)) return 0;    /* monitor, reviewer */
  if (v->booked_by == a->user_id) return 1;
  return book_visit_check_participant(db, a, id);
}

static int open_for_change(BookDb *db, const BookActor *a, const char *id, int64_t now,
                           VisitRow *v, BookError *e) {
  int rc = load_visible_visit(db, a, id, v);
  if (rc < 0) return storage_fail(e);
  if (!rc) return fail(e, 404, "not_found", NULL, "no such visit");
  rc = may_change(db, a, id, v);
  if (rc < 0) return storage_fail(e);
  if (!rc) return fail(e, 403, "forbidden", NULL, "your role may not change this visit");
  if (!strcmp(v->status, "cancelled"))
    return fail(e, 409, "already_cancelled", NULL, "the visit is already cancelled");
  if (now >= v->start)
    return fail(e, 409, "visit_started", NULL, "the visit has started; it can no longer change");
  if (strcmp(v->status, "booked") != 0 && strcmp(v->status, "requested") != 0)
    return fail(e, 409, "invalid_state", NULL, "the visit is %s", v->status);
  return 0;
}

static int cancel_apply(BookDb *db, const BookActor *a, const char *visit_id, const VisitRow *v,
                        const char *reason, int64_t now);

int book_visit_cancel(BookDb *db, const BookActor *a, const char *visit_id, const char *reason,
                      int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  VisitRow v;
  if (book_db_begin(db)) return storage_fail(e);
  if (open_for_change(db, a, visit_id, now, &v, e)) {
    book_db_rollback(db);
    return -1;
  }
  if (cancel_apply(db, a, visit_id, &v, reason, now) || book_db_commit(db)) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  log_info("visit_cancelled", "visit=%s by=%s", visit_id, a->username);
  return 0;
}

int book_visit_cancel_in_tx(BookDb *db, const BookActor *a, const char *visit_id,
                            const char *reason, int64_t now) {
  VisitRow v;
  int rc = load_visit(db, visit_id, &v);
  if (rc != 1) return -1;
  if (cancel_apply(db, a, visit_id, &v, reason, now)) return -1;
  log_info("visit_cancelled", "visit=%s by=%s", visit_id, a->username);
  return 0;
}

/* The cancellation itself, inside the caller's transaction: the status, the
 * visiting order back, the audit row and the end_call decision (a call
 * already open ends). Every cancellation goes through here (staff, family,
 * moves and reviews), so whatever a cancellation must also do belongs here.
 * 0 or non-zero (roll back). */
static int cancel_apply(BookDb *db, const BookActor *a, const char *visit_id, const VisitRow *vr,
                        const char *reason, int64_t now) {
  VisitRow v = *vr;
  BookStmt *st = book_db_stmt(db, "UPDATE visits SET status = 'cancelled', status_reason = "
                                      "?, updated_at = ? WHERE id = ? AND status <> 'cancelled'");
  book_bind_text(st, 1, reason);
  book_bind_i64(st, 2, now);
  book_bind_text(st, 3, visit_id);
  int bad = book_db_step_done(db, st);
  char today[11];
  if (!bad && v.vo_used) bad = book_today_for_visit(db, visit_id, now, today);
  if (!bad && v.vo_used)
    bad = book_vo_refund_visit(db, visit_id, v.prisoner_id, v.vo_used, a->username, now, today);
  json_t *d = json_pack("{s:s, s:b}", "reason", reason, "vo_refunded", v.vo_used);
  char *detail = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, visit_id, "cancelled", detail);
  /* The call ends too, if anyone is already waiting in it. */
  if (!bad)
    bad = book_decision_add(db, now, a->username, visit_id, "end_call", NULL, "visit_cancelled",
                            NULL, NULL);
  if (!bad) bad = book_notify_visit(db, visit_id, "cancelled", now);
  free(detail);
  return bad;
}

int book_visit_amend(BookDb *db, const BookActor *a, const char *visit_id, const char *slot_id,
                     const BookVisitorSel *visitors, size_t n_visitors, int visitors_given,
                     int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  VisitRow v;
  if (book_db_begin(db)) return storage_fail(e);
  if (open_for_change(db, a, visit_id, now, &v, e)) goto fail;
  if (!strcmp(v.type, "probation")) {
    fail(e, 409, "invalid_state", NULL, "cancel a probation call and book another instead");
    goto fail;
  }
  /* The request as it would be with the changes applied. */
  char cur_slot[40];
  g_snprintf(cur_slot, sizeof cur_slot, "%lld:%s", (long long)v.template_id, v.date);
  GArray *vs = g_array_new(FALSE, TRUE, sizeof(BookVisitorSel));
  if (visitors_given) {
    g_array_append_vals(vs, visitors, (guint)n_visitors);
  } else {
    BookStmt *st = book_db_stmt(
        db, "SELECT visitor_id, main_contact FROM visit_visitors WHERE visit_id = ? ORDER BY rowid");
    book_bind_text(st, 1, visit_id);
    int row;
    while ((row = book_db_row(db, st)) == 1) {
      BookVisitorSel s = {book_col_i64(st, 0), book_col_int(st, 1)};
      g_array_append_val(vs, s);
    }
    if (row < 0) {
      g_array_free(vs, TRUE);
      storage_fail(e);
      goto fail;
    }
  }
  BookRequest r = {.type = v.type,
                   .prisoner_id = v.prisoner_id,
                   .slot_id = slot_id ? slot_id : cur_slot,
                   .visitors = (BookVisitorSel *)vs->data,
                   .n_visitors = vs->len};
  /* Telemedicine booked by staff: keep the same clinician. */
  BookStmt *pst = book_db_stmt(db, "SELECT professional_user_id FROM visits WHERE id = ?");
  book_bind_text(pst, 1, visit_id);
  int prow = book_db_row(db, pst);
  if (prow == 1) {
    r.clinician_id = book_col_i64(pst, 0);
    book_stmt_reset(pst);
  }
  Checked c;
  memset(&c, 0, sizeof c);
  c.type = v.type;
  int rc = prow < 0 || load_vtype(db, v.type, &c.vt) != 1
               ? storage_fail(e)
               : check_prison_visit(db, a, &r, visit_id, now, &c, e);
  if (rc) {
    g_array_free(vs, TRUE);
    goto fail;
  }
  BookStmt *st = book_db_stmt(
      db, "UPDATE visits SET template_id = ?, date = ?, start_at = ?, end_at = ?, restriction = ?, "
          "updated_at = ? WHERE id = ?");
  book_bind_i64(st, 1, c.slot.template_id);
  book_bind_text(st, 2, c.slot.date);
  book_bind_i64(st, 3, c.slot.start);
  book_bind_i64(st, 4, c.slot.end);
  book_bind_text(st, 5, c.restriction);
  book_bind_i64(st, 6, now);
  book_bind_text(st, 7, visit_id);
  int bad = book_db_step_done(db, st);
  if (!bad && visitors_given) {
    st = book_db_stmt(db, "DELETE FROM visit_visitors WHERE visit_id = ?");
    book_bind_text(st, 1, visit_id);
    bad = book_db_step_done(db, st) || insert_visitors(db, visit_id, r.visitors, r.n_visitors);
  }
  json_t *d = json_pack("{s:s, s:s}", "from_slot", cur_slot, "to_slot", r.slot_id);
  if (visitors_given) {
    json_t *arr = json_array();
    for (size_t i = 0; i < r.n_visitors; i++)
      json_array_append_new(arr, json_integer(r.visitors[i].visitor_id));
    json_object_set_new(d, "visitors", arr);
  }
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, visit_id, "amended", detail);
  /* A moved window ends a call already open for joining at the old time. */
  if (!bad && (c.slot.start != v.start || c.slot.end != v.end))
    bad = book_decision_add(db, now, a->username, visit_id, "end_call", NULL,
                            "visit_rescheduled", NULL, NULL);
  if (!bad) bad = book_notify_visit(db, visit_id, "amended", now);
  free(detail);
  g_array_free(vs, TRUE);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  return 0;
fail:
  book_db_rollback(db);
  return -1;
}

int book_visit_terminate(BookDb *db, const BookActor *a, const char *visit_id,
                         const char *reason, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  VisitRow v;
  if (book_db_begin(db)) return storage_fail(e);
  int rc = 0, found = load_visible_visit(db, a, visit_id, &v);
  if (found < 0)
    rc = storage_fail(e);
  else if (!found)
    rc = fail(e, 404, "not_found", NULL, "no such visit");
  else if (strcmp(a->role, "monitor") != 0 && !is_booking_staff(a->role))
    rc = fail(e, 403, "forbidden", NULL, "only staff end calls");
  else if (strcmp(v.status, "booked") != 0 && strcmp(v.status, "in_progress") != 0)
    rc = fail(e, 409, !strcmp(v.status, "cancelled") ? "already_cancelled" : "invalid_state",
              NULL, "the visit is %s", v.status);
  else if (now >= v.end)
    rc = fail(e, 409, "visit_over", NULL, "the visit has ended");
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  BookStmt *st = book_db_stmt(db, "UPDATE visits SET status = 'terminated', status_reason = "
                                      "?, updated_at = ? WHERE id = ?");
  book_bind_text(st, 1, reason);
  book_bind_i64(st, 2, now);
  book_bind_text(st, 3, visit_id);
  int bad = book_db_step_done(db, st);
  json_t *d = json_pack("{s:s}", "reason", reason);
  char *detail = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, visit_id, "terminated", detail);
  if (!bad)
    bad = book_decision_add(db, now, a->username, visit_id, "end_call", NULL,
                            "terminated_by_staff", reason, NULL);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  log_info("visit_terminated", "visit=%s by=%s", visit_id, a->username);
  return 0;
}

int book_visit_decide(BookDb *db, const BookActor *a, const char *visit_id, int approve,
                      const char *reason, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  VisitRow v;
  if (book_db_begin(db)) return storage_fail(e);
  int rc = 0, found = load_visible_visit(db, a, visit_id, &v);
  if (found < 0)
    rc = storage_fail(e);
  else if (!found)
    rc = fail(e, 404, "not_found", NULL, "no such visit");
  else if (!is_booking_staff(a->role))
    rc = fail(e, 403, "forbidden", NULL, "only booking staff decide on requests");
  else if (!strcmp(v.status, "cancelled"))
    rc = fail(e, 409, "already_cancelled", NULL, "the visit is already cancelled");
  else if (strcmp(v.status, "requested") != 0)
    rc = fail(e, 409, "invalid_state", NULL, "the visit is %s, not waiting for a decision",
              v.status);
  else if (now >= v.start)
    rc = fail(e, 409, "visit_started", NULL, "the visit's time has come");
  if (rc) {
    book_db_rollback(db);
    return -1;
  }
  BookStmt *st = book_db_stmt(db, "UPDATE visits SET status = ?, status_reason = ?, "
                                      "updated_at = ? WHERE id = ?");
  book_bind_text(st, 1, approve ? "booked" : "cancelled");
  if (reason)
    book_bind_text(st, 2, reason);
  else
    book_bind_null(st, 2);
  book_bind_i64(st, 3, now);
  book_bind_text(st, 4, visit_id);
  int bad = book_db_step_done(db, st);
  char today[11];
  if (!bad && !approve && v.vo_used) bad = book_today_for_visit(db, visit_id, now, today);
  if (!bad && !approve && v.vo_used)
    bad = book_vo_refund_visit(db, visit_id, v.prisoner_id, v.vo_used, a->username, now, today);
  json_t *d = json_pack("{s:o}", "reason", reason ? json_string(reason) : json_null());
  char *detail = json_dumps(d, JSON_COMPACT);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, visit_id, approve ? "approved" : "rejected",
                             detail);
  if (!bad && !approve)
    bad = book_decision_add(db, now, a->username, visit_id, "end_call", NULL, "visit_cancelled",
                            NULL, NULL);
  if (!bad) bad = book_notify_visit(db, visit_id, approve ? "approved" : "rejected", now);
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  return 0;
}

/* ---- contacts (staff) ---- */

/* The local date at now of the prisoner's establishment; -1 when the
 * database failed or the zone is unknown. */
static int prisoner_today(BookDb *db, int64_t prisoner_id, int64_t now, char out[11]) {
  BookStmt *st = book_db_stmt(db, "SELECT e.time_zone FROM prisoners p JOIN establishments e ON "
                                  "e.id = p.establishment_id WHERE p.id = ?");
  book_bind_i64(st, 1, prisoner_id);
  if (book_db_row(db, st) != 1) return -1;
  const Tz *tz = book_local_zone(col_text(st, 0), NULL, 0);
  book_stmt_reset(st);
  if (!tz) return -1;
  book_local_date(tz, now, out);
  return 0;
}

/* The contact row of (prisoner, visitor) the staff member may change; 0
 * with e filled (not_found, forbidden or storage_unavailable) otherwise. */
static int64_t staff_contact(BookDb *db, const BookActor *a, int64_t prisoner_id,
                                   int64_t visitor_id, BookError *e) {
  int vis = book_prisoner_check_visible(db, a, prisoner_id);
  if (vis < 0) {
    storage_fail(e);
    return 0;
  }
  if (!vis) {
    fail(e, 404, "not_found", NULL, "no such prisoner");
    return 0;
  }
  if (!is_booking_staff(a->role)) {
    fail(e, 403, "forbidden", NULL, "only booking staff change contacts");
    return 0;
  }
  int64_t id = 0;
  int rc = book_db_scalar(db, "SELECT id FROM contacts WHERE prisoner_id = ? AND visitor_id = ?",
                          &id, 2, prisoner_id, visitor_id);
  if (rc < 0) {
    storage_fail(e);
    return 0;
  }
  if (!rc || !id) {
    fail(e, 404, "not_found", NULL, "no such contact of this prisoner");
    return 0;
  }
  return id;
}

int book_contact_set_approved(BookDb *db, const BookActor *a, int64_t prisoner_id,
                              int64_t visitor_id, int approved, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  if (book_db_begin(db)) return storage_fail(e);
  int64_t cid = staff_contact(db, a, prisoner_id, visitor_id, e);
  if (!cid) {
    book_db_rollback(db);
    return -1;
  }
  BookStmt *st = book_db_stmt(db, "UPDATE contacts SET approved = ? WHERE id = ?");
  book_bind_i64(st, 1, approved ? 1 : 0);
  book_bind_i64(st, 2, cid);
  int bad = book_db_step_done(db, st);
  char detail[120];
  g_snprintf(detail, sizeof detail, "{\"prisoner_id\":%lld,\"visitor_id\":%lld}",
             (long long)prisoner_id, (long long)visitor_id);
  if (!bad)
    bad = book_audit(db, now, a->username, NULL,
                     approved ? "contact_approved" : "contact_unapproved", detail);
  /* Un-approved: the visitor leaves the prisoner's live calls now. */
  if (!bad && !approved &&
      book_decisions_for_contact(db, now, a->username, prisoner_id, visitor_id,
                                 "contact_not_approved") < 0)
    bad = 1;
  /* ... and their future visits go to staff for review. */
  if (!bad && !approved &&
      book_reviews_for_change(db, now, a->username, BOOK_CHANGE_CONTACT_UNAPPROVED, prisoner_id,
                              visitor_id, NULL, NULL, detail) < 0)
    bad = 1;
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  return 0;
}

int book_contact_add_restriction(BookDb *db, const BookActor *a, int64_t prisoner_id,
                                 int64_t visitor_id, const char *type,
                                 const char *start_date, const char *expiry_date,
                                 const char *reason, int64_t now, BookError *e) {
  memset(e, 0, sizeof *e);
  static const char *const types[] = {"BAN", "CLOSED", "CHILD", "NONCON", "PREINF", "RESTRICT",
                                      NULL};
  int known = 0;
  for (const char *const *t = types; *t; t++) known |= type && !strcmp(*t, type);
  int64_t t0, t1;
  if (!known) return fail(e, 400, "invalid_field", "type", "unknown restriction type");
  if (!start_date || time_parse_date(start_date, &t0))
    return fail(e, 400, "invalid_field", "start_date", "start_date must be a date YYYY-MM-DD");
  if (expiry_date && time_parse_date(expiry_date, &t1))
    return fail(e, 400, "invalid_field", "expiry_date", "expiry_date must be a date YYYY-MM-DD");
  if (expiry_date && strcmp(expiry_date, start_date) < 0)
    return fail(e, 422, "bad_date_range", "expiry_date", "the expiry is before the start");
  if (book_db_begin(db)) return storage_fail(e);
  int64_t cid = staff_contact(db, a, prisoner_id, visitor_id, e);
  if (!cid) {
    book_db_rollback(db);
    return -1;
  }
  BookStmt *st = book_db_stmt(db, "INSERT INTO contact_restrictions(contact_id, type, "
                                      "start_date, expiry_date, reason, added_by) VALUES "
                                      "(?,?,?,?,?,?)");
  book_bind_i64(st, 1, cid);
  book_bind_text(st, 2, type);
  book_bind_text(st, 3, start_date);
  if (expiry_date)
    book_bind_text(st, 4, expiry_date);
  else
    book_bind_null(st, 4);
  book_bind_text(st, 5, reason);
  book_bind_text(st, 6, a->username);
  int bad = book_db_step_done(db, st);
  json_t *d = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "prisoner_id", (json_int_t)prisoner_id,
                        "visitor_id", (json_int_t)visitor_id, "type", type, "start_date",
                        start_date, "expiry_date",
                        expiry_date ? json_string(expiry_date) : json_null(), "reason",
                        reason ? reason : "");
  char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  if (!bad) bad = book_audit(db, now, a->username, NULL, "contact_restriction_added", detail);
  /* Future visits with the visitor inside the restriction's dates: review. */
  if (!bad && book_reviews_for_change(db, now, a->username, BOOK_CHANGE_RESTRICTION, prisoner_id,
                                      visitor_id, start_date, expiry_date, detail) < 0)
    bad = 1;
  /* A BAN in force today (the prisoner's establishment's local date)
   * removes the visitor from the prisoner's live calls now; a later start is
   * enforced by the admission check when it comes. */
  char today[11];
  if (!bad && prisoner_today(db, prisoner_id, now, today) < 0) bad = 1;
  if (!bad && !strcmp(type, "BAN") && strcmp(start_date, today) <= 0 &&
      (!expiry_date || strcmp(expiry_date, today) >= 0) &&
      book_decisions_for_contact(db, now, a->username, prisoner_id, visitor_id,
                                 "visitor_banned") < 0)
    bad = 1;
  free(detail);
  if (bad || book_db_commit(db)) {
    book_db_rollback(db);
    return storage_fail(e);
  }
  return 0;
}

/* ---- housekeeping ---- */

/* book_vo_allocate: book_vo_accrual.c. */

int book_visits_sweep(BookDb *db, int64_t now) {
  if (book_db_begin(db)) return -1;
  /* The families of requests about to lapse are told (same transaction). */
  if (book_notify_lapsing_requests(db, now)) {
    book_db_rollback(db);
    return -1;
  }
  int n = 0;
  /* A request nobody decided on before the start lapses: its order back
   * (on its establishment's local date, book_vo_refund_lapsed). */
  if (book_vo_refund_lapsed(db, now)) {
    book_db_rollback(db);
    return -1;
  }
  static const char *const sql[] = {
      /* A request nobody decided on before the start lapses (its VO back). */
      "INSERT INTO audit_log(at, actor, visit_id, action, detail) SELECT ?1, 'system', id, "
      "'request_lapsed', '{}' FROM visits WHERE status = 'requested' AND start_at <= ?1",
      "UPDATE visits SET status = 'cancelled', status_reason = 'request not decided before the "
      "start', updated_at = ?1 WHERE status = 'requested' AND start_at <= ?1",
      "INSERT INTO audit_log(at, actor, visit_id, action, detail) SELECT ?1, 'system', id, "
      "'missed', '{}' FROM visits WHERE status = 'booked' AND end_at <= ?1",
      "UPDATE visits SET status = 'missed', updated_at = ?1 WHERE status = 'booked' AND end_at "
      "<= ?1",
      "INSERT INTO audit_log(at, actor, visit_id, action, detail) SELECT ?1, 'system', id, "
      "'completed', '{\"reason\":\"no end reported\"}' FROM visits WHERE status = "
      "'in_progress' AND end_at + 3600 <= ?1",
      "UPDATE visits SET status = 'completed', updated_at = ?1 WHERE status = 'in_progress' AND "
      "end_at + 3600 <= ?1",
  };
  for (size_t i = 0; i < G_N_ELEMENTS(sql); i++) {
    BookStmt *st = book_db_stmt(db, sql[i]);
    book_bind_i64(st, 1, now);
    if (book_db_step_done(db, st)) {
      book_db_rollback(db);
      return -1;
    }
    if (strncmp(sql[i], "UPDATE visits", 13) == 0) n += book_db_changes(db);
  }
  /* The bulk INSERTs above wrote audit rows outside the chain: seal them in
   * this transaction, before anything can read them. */
  if (book_audit_seal_in_tx(db)) {
    book_db_rollback(db);
    return -1;
  }
  if (book_db_commit(db)) return -1;
  return n;
}

/* ---- the where-and-when checks, for a hold (book_holds.c) ---- */

int book_slot_check(BookDb *db, const BookActor *a, int64_t prisoner_id, const char *slot_id,
                    int64_t now, BookSlotInfo *out, BookError *e) {
  Slot s;
  Prisoner p;
  Est est;
  if (prisoner_id <= 0)
    return fail(e, 400, "missing_field", "prisoner_id", "prisoner_id is required");
  if (!slot_id) return fail(e, 400, "missing_field", "slot_id", "slot_id is required");
  int found = load_prisoner(db, prisoner_id, &p);
  int vis = found == 1 ? book_prisoner_check_visible(db, a, prisoner_id) : found;
  if (vis < 0) return storage_fail(e);
  if (!vis) return fail(e, 404, "not_found", "prisoner_id", "no such prisoner");
  if (load_est(db, p.est, &est) != 1) return storage_fail(e);
  if (resolve_slot(db, slot_id, &s, e)) return -1;
  if (strcmp(s.est, p.est) != 0)
    return fail(e, 422, "slot_not_found", "slot_id", "that slot is at another establishment");
  if (!book_can_book(a->role) || !role_may_book_type(a->role, s.type))
    return fail(e, 403, "forbidden", "slot_id", "your role may not book %s calls", s.type);
  /* The same window as a booking (check_prison_visit): the establishment's
   * local dates. */
  char first[11], last[11];
  const Tz *tz = book_local_zone(est.time_zone, NULL, 0);
  if (!tz) return zone_fail(e);
  book_local_window(tz, now, est.min_days, est.max_days, first, last);
  if (strcmp(s.date, first) < 0 || strcmp(s.date, last) > 0 || s.start <= now)
    return fail(e, 422, "outside_booking_window", "slot_id",
                "calls can be booked from %s to %s", first, last);
  out->template_id = s.template_id;
  g_strlcpy(out->date, s.date, sizeof out->date);
  g_strlcpy(out->est, s.est, sizeof out->est);
  g_strlcpy(out->type, s.type, sizeof out->type);
  out->open_capacity = s.open_capacity;
  out->closed_capacity = s.closed_capacity;
  out->start = s.start;
  out->end = s.end;
  return 0;
}
