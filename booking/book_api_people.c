/* People endpoints: prisoners, their contacts and slots, probation cases.
 * Each list is filtered in SQL by the caller's role and ownership. */
#include <string.h>

#include "book_api.h"
#include "book_eligibility.h"
#include "book_holds.h"
#include "book_localtime.h"
#include "book_vo.h"
#include "book_oneway.h"
#include "timeutil.h"

/* The restrictions list, or NULL when the database failed. */
static json_t *restrictions(BookDb *db, const char *sql, int64_t id) {
  json_t *arr = json_array();
  BookStmt *st = book_db_stmt(db, sql);
  book_bind_i64(st, 1, id);
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    const char *exp = book_col_text(st, 2), *why = book_col_text(st, 3);
    json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o}", "type", book_col_text(st, 0),
                                         "start_date", book_col_text(st, 1), "expiry_date",
                                         exp ? json_string((const char *)exp) : json_null(),
                                         "reason",
                                         why ? json_string((const char *)why) : json_null()));
  }
  if (row < 0) {
    json_decref(arr);
    return NULL;
  }
  return arr;
}

/* 0 when the prisoner (id 0: none) is visible to the caller; else replies
 * 404, or 503 when the database failed, and returns -1. */
static int prisoner_visible_or_reply(ApiCtx *c, int64_t id) {
  int vis = id ? book_prisoner_check_visible(c->app->db, &c->actor, id) : 0;
  if (vis == 1) return 0;
  if (vis < 0)
    api_storage_error(c);
  else
    api_error(c, 404, "not_found", "no such prisoner", NULL);
  return -1;
}

/* Positive integer id from a path segment, or 0. */
static int64_t path_id(const char *s) {
  if (!s || !*s || strlen(s) > 12) return 0;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return 0;
  int64_t v = g_ascii_strtoll(s, NULL, 10);
  return v > 0 ? v : 0;
}

/* vo_balance: the visiting-order ledger's balance (book_vo.h). */
#define PRISONER_COLS                                                                       \
  "p.id, p.prison_number, p.name, p.establishment_id, p.status, p.incentive_level, " \
  BOOK_VO_BALANCE_SQL ", p.location, p.category"

static json_t *prisoner_row(BookDb *db, BookStmt *st) {
  int64_t id = book_col_i64(st, 0);
  int convicted = !strcmp(book_col_text(st, 4), "convicted");
  json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)id,
                        "prison_number", book_col_text(st, 1), "name",
                        book_col_text(st, 2), "establishment_id",
                        book_col_text(st, 3), "status", book_col_text(st, 4),
                        "incentive_level", book_col_text(st, 5), "vo_balance",
                        convicted ? json_integer(book_col_int(st, 6)) : json_null());
  /* The facts session eligibility looks at (null: not recorded). */
  const char *loc = book_col_text(st, 7), *cat = book_col_text(st, 8);
  json_object_set_new(o, "location", loc ? json_string(loc) : json_null());
  json_object_set_new(o, "category", cat ? json_string(cat) : json_null());
  (void)db;
  return o;
}

void api_prisoners(ApiCtx *c, const char *id_text) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  if (id_text) {
    int64_t id = path_id(id_text);
    if (prisoner_visible_or_reply(c, id)) return;
    BookStmt *st = book_db_stmt(db, "SELECT " PRISONER_COLS " FROM prisoners p WHERE id = ?");
    book_bind_i64(st, 1, id);
    json_t *o = NULL;
    int found = book_db_row(db, st);
    if (found == 1) {
      o = prisoner_row(db, st);
      book_stmt_reset(st);
    }
    if (found < 0) {
      api_storage_error(c);
      return;
    }
    if (!o) {
      api_error(c, 404, "not_found", "no such prisoner", NULL);
      return;
    }
    json_t *r = restrictions(db,
                             "SELECT type, start_date, expiry_date, NULL FROM "
                             "prisoner_restrictions WHERE prisoner_id = ? ORDER BY id",
                             id);
    if (!r) {
      json_decref(o);
      api_storage_error(c);
      return;
    }
    json_object_set_new(o, "restrictions", r);
    /* One-way video: everyone who sees the prisoner is told the direction;
     * the reason and who set it are for staff. */
    json_t *ow = book_oneway_prisoner_json(db, id, book_is_staff(c->actor.role));
    if (!ow) {
      json_decref(o);
      api_storage_error(c);
      return;
    }
    json_object_set_new(o, "one_way_video", ow);
    api_json(c, 200, o);
    return;
  }
  /* One query per role family; each is the list form of book_prisoner_visible. */
  const char *role = c->actor.role;
  BookStmt *st;
  if (!strcmp(role, "family") || !strcmp(role, "legal_adviser")) {
    st = book_db_stmt(db, "SELECT DISTINCT " PRISONER_COLS " FROM prisoners p JOIN contacts c "
                          "ON c.prisoner_id = p.id JOIN visitors v ON v.id = c.visitor_id WHERE "
                          "v.user_id = ?1 ORDER BY p.name");
    book_bind_i64(st, 1, c->actor.user_id);
  } else if (!strcmp(role, "prisoner")) {
    st = book_db_stmt(db, "SELECT " PRISONER_COLS " FROM prisoners p WHERE p.user_id = ?1");
    book_bind_i64(st, 1, c->actor.user_id);
  } else if (!strcmp(role, "clinician") || book_is_staff(role)) {
    st = book_db_stmt(db, "SELECT " PRISONER_COLS " FROM prisoners p WHERE ?1 IS NULL AND ?2 = "
                          "'admin' OR p.establishment_id = ?1 ORDER BY p.name");
    if (c->actor.establishment_id)
      book_bind_text(st, 1, c->actor.establishment_id);
    else
      book_bind_null(st, 1);
    book_bind_text(st, 2, role);
  } else {
    api_json(c, 200, json_pack("{s:[]}", "prisoners"));
    return;
  }
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1) json_array_append_new(arr, prisoner_row(db, st));
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "prisoners", arr));
}

void api_contacts(ApiCtx *c, const char *id_text) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  int64_t pid = path_id(id_text);
  if (prisoner_visible_or_reply(c, pid)) return;
  const char *role = c->actor.role;
  /* family and legal advisers see only the contacts their account speaks
   * for; staff and the prisoner see all; a clinician needs none. */
  int own_only = !strcmp(role, "family") || !strcmp(role, "legal_adviser");
  if (!strcmp(role, "clinician")) {
    api_json(c, 200, json_pack("{s:[]}", "contacts"));
    return;
  }
  BookStmt *st = book_db_stmt(
      db, "SELECT c.id, v.id, v.name, v.date_of_birth, c.contact_type, c.relationship, "
          "c.approved, v.legal_adviser_verified, e.adult_age, e.time_zone FROM contacts c JOIN "
          "visitors v ON "
          "v.id = c.visitor_id JOIN prisoners p ON p.id = c.prisoner_id JOIN establishments e ON "
          "e.id = p.establishment_id WHERE c.prisoner_id = ?1 AND (?2 = 0 OR v.user_id = ?3) "
          "ORDER BY v.name");
  book_bind_i64(st, 1, pid);
  book_bind_i64(st, 2, own_only);
  book_bind_i64(st, 3, c->actor.user_id);
  char today[11] = "";
  json_t *arr = json_array();
  GArray *cids = g_array_new(FALSE, FALSE, sizeof(int64_t));
  int row;
  while ((row = book_db_row(db, st)) == 1) {
    int64_t cid = book_col_i64(st, 0);
    g_array_append_val(cids, cid);
    const char *dob = book_col_text(st, 3);
    /* Adult today at the prisoner's establishment (its local date). */
    if (!today[0]) book_local_date(book_local_zone_shown(book_col_text(st, 9)), c->now, today);
    int adult = dob && book_age_on(dob, today) >= book_col_int(st, 8);
    json_array_append_new(
        arr, json_pack("{s:I, s:s, s:o, s:s, s:s, s:b, s:b, s:b}", "visitor_id",
                       (json_int_t)book_col_i64(st, 1), "name", book_col_text(st, 2),
                       "date_of_birth", dob ? json_string(dob) : json_null(), "contact_type",
                       book_col_text(st, 4), "relationship", book_col_text(st, 5),
                       "approved", book_col_int(st, 6), "adult", adult,
                       "legal_adviser_verified", book_col_int(st, 7)));
  }
  for (guint i = 0; row == 0 && i < cids->len; i++) {
    json_t *r = restrictions(db,
                             "SELECT type, start_date, expiry_date, reason FROM "
                             "contact_restrictions WHERE contact_id = ? ORDER BY id",
                             g_array_index(cids, int64_t, i));
    if (!r)
      row = -1;
    else
      json_object_set_new(json_array_get(arr, i), "restrictions", r);
  }
  g_array_free(cids, TRUE);
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "contacts", arr));
}

static int iso_dow_of(int64_t midnight) {
  int64_t days = midnight / 86400;
  return (int)(((days % 7) + 7 + 3) % 7) + 1;
}

void api_slots(ApiCtx *c, const char *id_text) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  int64_t pid = path_id(id_text);
  if (prisoner_visible_or_reply(c, pid)) return;
  const char *type = http_request_query(c->req, "type");
  if (!type) type = "social";
  if (strcmp(type, "social") && strcmp(type, "legal") && strcmp(type, "telemedicine")) {
    api_error(c, 400, "invalid_field", "type must be social, legal or telemedicine", "type");
    return;
  }
  BookStmt *st = book_db_stmt(
      db, "SELECT e.id, e.min_days, e.max_days, e.time_zone FROM prisoners p JOIN establishments "
          "e ON e.id = p.establishment_id WHERE p.id = ?");
  book_bind_i64(st, 1, pid);
  int found = book_db_row(db, st);
  if (found < 0) {
    api_storage_error(c);
    return;
  }
  if (found == 0) {
    api_error(c, 404, "not_found", "no such prisoner", NULL);
    return;
  }
  char est[16];
  g_strlcpy(est, book_col_text(st, 0), sizeof est);
  int min_days = book_col_int(st, 1), max_days = book_col_int(st, 2);
  /* Dates and session times are the establishment's local ones. */
  const Tz *tz = book_local_zone(book_col_text(st, 3), NULL, 0);
  book_stmt_reset(st);
  if (!tz) {
    api_error(c, 503, "time_zone_unavailable",
              "the establishment's time zone is not known on this server", NULL);
    return;
  }
  char first[11], last[11], from[11], to[11];
  book_local_window(tz, c->now, min_days, max_days, first, last);
  const char *qf = http_request_query(c->req, "from"), *qt = http_request_query(c->req, "to");
  int64_t tf, tt;
  if (qf && time_parse_date(qf, &tf) != 0) {
    api_error(c, 400, "invalid_field", "from must be a date YYYY-MM-DD", "from");
    return;
  }
  if (qt && time_parse_date(qt, &tt) != 0) {
    api_error(c, 400, "invalid_field", "to must be a date YYYY-MM-DD", "to");
    return;
  }
  g_strlcpy(from, qf ? qf : first, sizeof from);
  g_strlcpy(to, qt ? qt : last, sizeof to);
  int64_t f0, t0;
  time_parse_date(from, &f0);
  time_parse_date(to, &t0);
  if (t0 < f0 || t0 - f0 > 62 * 86400) {
    api_error(c, 400, "invalid_field", "to must be on or after from, at most 62 days later", "to");
    return;
  }
  /* Visitors see only the window; staff see any range they ask for. */
  int staff = book_is_staff(c->actor.role);
  /* A slot list that could not be read whole (any of the four queries) is
   * answered 503, never as fewer or emptier slots. */
  int64_t n_closed = 0;
  int bad = !strcmp(type, "social") &&
            book_db_scalar(
                db,
                "SELECT count(*) FROM prisoner_restrictions WHERE prisoner_id = ? AND type = "
                "'CLOSED' AND start_date <= date(?2, 'unixepoch') AND (expiry_date IS NULL OR "
                "expiry_date >= date(?2, 'unixepoch'))",
                /* the local wall clock as if UTC: date() of it is local today */
                &n_closed, 2, pid, tz_to_local(tz, c->now)) < 0;
  int closed_prisoner = n_closed > 0;
  int row = 0;

  /* Booked counts for the whole range in one query. */
  GHashTable *booked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  st = book_db_stmt(db, "SELECT template_id, date, restriction, count(*) FROM visits WHERE "
                        "establishment_id = ? AND date BETWEEN ? AND ? AND status <> 'cancelled' "
                        "AND template_id IS NOT NULL GROUP BY 1, 2, 3");
  book_bind_text(st, 1, est);
  book_bind_text(st, 2, from);
  book_bind_text(st, 3, to);
  while (!bad && (row = book_db_row(db, st)) == 1)
    g_hash_table_insert(booked,
                        g_strdup_printf("%lld:%s:%s", (long long)book_col_i64(st, 0),
                                        book_col_text(st, 1), book_col_text(st, 2)),
                        GINT_TO_POINTER(book_col_int(st, 3)));
  bad |= row < 0;
  GHashTable *excluded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  st = book_db_stmt(db, "SELECT coalesce(template_id, 0), date FROM excluded_dates WHERE "
                        "establishment_id = ? AND date BETWEEN ? AND ?");
  book_bind_text(st, 1, est);
  book_bind_text(st, 2, from);
  book_bind_text(st, 3, to);
  while (!bad && (row = book_db_row(db, st)) == 1)
    g_hash_table_add(excluded, g_strdup_printf("%lld:%s", (long long)book_col_i64(st, 0),
                                               book_col_text(st, 1)));
  bad |= row < 0;
  /* Other people's live holds take places too; the caller's own hold for
   * this prisoner is shown as theirs (book_holds.h). */
  BookHold mine;
  GHashTable *held = bad ? NULL
                         : book_holds_by_slot(db, est, from, to, c->actor.user_id, pid, c->now,
                                              &mine);
  bad |= !held;
  BookPrisonerFacts facts;
  bad |= !bad && book_prisoner_facts_load(db, pid, &facts) != 1;
  GArray *filters = g_array_new(FALSE, TRUE, sizeof(BookSessionFilter));

  typedef struct {
    int64_t id;
    int eligible;
    int dow, open, closed;
    char start[6], end[6], vfrom[11], vto[11];
    char vo_kind[8]; /* which visiting order the session uses (book_vo.h) */
  } Tpl;
  GArray *tpls = g_array_new(FALSE, TRUE, sizeof(Tpl));
  st = book_db_stmt(db, "SELECT id, day_of_week, start_time, end_time, open_capacity, "
                        "closed_capacity, valid_from, coalesce(valid_to, '9999-12-31'), vo_kind FROM "
                        "session_templates WHERE establishment_id = ? AND visit_type = ? ORDER BY "
                        "start_time, id");
  book_bind_text(st, 1, est);
  book_bind_text(st, 2, type);
  while (!bad && (row = book_db_row(db, st)) == 1) {
    Tpl t = {0};
    t.id = book_col_i64(st, 0);
    t.dow = book_col_int(st, 1);
    g_strlcpy(t.start, book_col_text(st, 2), sizeof t.start);
    g_strlcpy(t.end, book_col_text(st, 3), sizeof t.end);
    t.open = book_col_int(st, 4);
    t.closed = book_col_int(st, 5);
    g_strlcpy(t.vfrom, book_col_text(st, 6), sizeof t.vfrom);
    g_strlcpy(t.vto, book_col_text(st, 7), sizeof t.vto);
    g_strlcpy(t.vo_kind, book_col_text(st, 8), sizeof t.vo_kind);
    g_array_append_val(tpls, t);
  }
  bad |= row < 0;
  /* Only sessions the prisoner is eligible for are listed. */
  for (guint i = 0; !bad && i < tpls->len; i++) {
    Tpl *t = &g_array_index(tpls, Tpl, i);
    bad |= book_template_filters_load(db, t->id, filters) < 0;
    t->eligible = !bad && book_eligibility_decide((BookSessionFilter *)filters->data,
                                                  filters->len, &facts) == BOOK_ELIGIBLE;
  }
  g_array_free(filters, TRUE);
  if (bad) {
    if (held) g_hash_table_destroy(held);
    book_stmt_reset(st);
    g_array_free(tpls, TRUE);
    g_hash_table_destroy(booked);
    g_hash_table_destroy(excluded);
    api_storage_error(c);
    return;
  }

  json_t *arr = json_array();
  for (int64_t day = f0; day <= t0; day += 86400) {
    char date[11];
    book_date_of(day, date);
    if (!staff && (strcmp(date, first) < 0 || strcmp(date, last) > 0)) continue;
    char key[40];
    g_snprintf(key, sizeof key, "0:%s", date);
    if (g_hash_table_contains(excluded, key)) continue;
    int dow = iso_dow_of(day);
    for (guint i = 0; i < tpls->len; i++) {
      Tpl *t = &g_array_index(tpls, Tpl, i);
      if (!t->eligible) continue;
      if (t->dow != dow || strcmp(date, t->vfrom) < 0 || strcmp(date, t->vto) > 0) continue;
      g_snprintf(key, sizeof key, "%lld:%s", (long long)t->id, date);
      if (g_hash_table_contains(excluded, key)) continue;
      int64_t s, e;
      if (book_local_session(tz, date, t->start, t->end, &s, &e) || s <= c->now) continue;
      char k2[60];
      g_snprintf(k2, sizeof k2, "%lld:%s:open", (long long)t->id, date);
      int ob = GPOINTER_TO_INT(g_hash_table_lookup(booked, k2));
      g_snprintf(k2, sizeof k2, "%lld:%s:closed", (long long)t->id, date);
      int cb = GPOINTER_TO_INT(g_hash_table_lookup(booked, k2));
      int ch = GPOINTER_TO_INT(g_hash_table_lookup(held, k2));
      g_snprintf(k2, sizeof k2, "%lld:%s:open", (long long)t->id, date);
      int oh = GPOINTER_TO_INT(g_hash_table_lookup(held, k2));
      int yours = mine.id[0] && mine.template_id == t->id && !strcmp(mine.date, date);
      int available = yours || (closed_prisoner ? cb + ch < t->closed : ob + oh < t->open);
      char sbuf[32], ebuf[32];
      json_t *slot = json_pack(
          "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:b, s:i, s:i}", "id", key, "type",
          type, "date", date, "start", book_local_rfc3339(tz, s, sbuf, sizeof sbuf), "end",
          book_local_rfc3339(tz, e, ebuf, sizeof ebuf), "time_zone", tz_name(tz),
          "open_capacity", t->open, "open_booked", ob, "closed_capacity", t->closed,
          "closed_booked", cb, "available", available, "open_held", oh, "closed_held", ch);
      if (yours) {
        char xbuf[40];
        json_object_set_new(slot, "your_hold",
                            json_pack("{s:s, s:s}", "id", mine.id, "expires_at",
                                      book_local_rfc3339(tz, mine.expires_at, xbuf, sizeof xbuf)));
      }
      json_object_set_new(slot, "vo_kind", json_string(t->vo_kind));
      json_array_append_new(arr, slot);
    }
  }
  g_array_free(tpls, TRUE);
  g_hash_table_destroy(booked);
  g_hash_table_destroy(excluded);
  g_hash_table_destroy(held);
  api_json(c, 200, json_pack("{s:o}", "slots", arr));
}

void api_probation_cases(ApiCtx *c) {
  if (api_need_session(c)) return;
  BookDb *db = c->app->db;
  const char *role = c->actor.role;
  BookStmt *st;
  if (!strcmp(role, "probation_officer"))
    st = book_db_stmt(db, "SELECT p.id, p.crn, p.name, u.display_name FROM probationers p JOIN "
                          "users u ON u.id = p.officer_user_id WHERE p.officer_user_id = ? ORDER "
                          "BY p.name");
  else if (!strcmp(role, "probationer"))
    st = book_db_stmt(db, "SELECT p.id, p.crn, p.name, u.display_name FROM probationers p JOIN "
                          "users u ON u.id = p.officer_user_id WHERE p.user_id = ?");
  else {
    api_json(c, 200, json_pack("{s:[]}", "cases"));
    return;
  }
  book_bind_i64(st, 1, c->actor.user_id);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1)
    json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s}", "id",
                                         (json_int_t)book_col_i64(st, 0), "crn",
                                         book_col_text(st, 1), "name",
                                         book_col_text(st, 2), "officer_name",
                                         book_col_text(st, 3)));
  if (row < 0) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, json_pack("{s:o}", "cases", arr));
}

static const char *const CONTACT_PATCH_FIELDS[] = {"approved", NULL};

void api_contact_patch(ApiCtx *c, const char *prisoner_id, const char *visitor_id) {
  if (api_need_session(c)) return;
  int64_t pid = path_id(prisoner_id), vid = path_id(visitor_id);
  if (prisoner_visible_or_reply(c, vid ? pid : 0)) return;
  json_t *b = api_body(c, CONTACT_PATCH_FIELDS, 0);
  if (!b) return;
  int approved = -1;
  if (api_bool(c, b, "approved", &approved)) goto out;
  if (approved < 0) {
    api_error(c, 400, "missing_field", "approved is required", "approved");
    goto out;
  }
  BookError e;
  if (book_contact_set_approved(c->app->db, &c->actor, pid, vid, approved, c->now, &e))
    api_rule_error(c, &e);
  else
    api_contacts(c, prisoner_id);
out:
  json_decref(b);
}

static const char *const RESTRICTION_FIELDS[] = {"type", "start_date", "expiry_date", "reason",
                                                 NULL};

void api_contact_restriction_add(ApiCtx *c, const char *prisoner_id, const char *visitor_id) {
  if (api_need_session(c)) return;
  int64_t pid = path_id(prisoner_id), vid = path_id(visitor_id);
  if (prisoner_visible_or_reply(c, vid ? pid : 0)) return;
  json_t *b = api_body(c, RESTRICTION_FIELDS, 0);
  if (!b) return;
  const char *type = NULL, *start = NULL, *expiry = NULL, *reason = NULL;
  json_t *ex = json_object_get(b, "expiry_date");
  if (api_str(c, b, "type", 1, 16, &type) || api_str(c, b, "start_date", 1, 10, &start) ||
      (ex && !json_is_null(ex) && api_str(c, b, "expiry_date", 1, 10, &expiry)) ||
      api_str(c, b, "reason", 1, 500, &reason))
    goto out;
  BookError e;
  if (book_contact_add_restriction(c->app->db, &c->actor, pid, vid, type, start, expiry, reason,
                                   c->now, &e)) {
    api_rule_error(c, &e);
  } else {
    api_contacts(c, prisoner_id);
    http_response_set_status(c->resp, 201);
  }
out:
  json_decref(b);
}
