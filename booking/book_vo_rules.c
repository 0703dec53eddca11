#include "book_vo_rules.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "YYYY-MM-DD" of a real date into a day number; -1 otherwise. */
static int parse_day(const char *s, int64_t *out) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit(s[i])) return -1;
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  if (y < 1900 || m < 1 || m > 12 || d < 1) return -1;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap)) return -1;
  *out = days_from_civil(y, m, d);
  return 0;
}

static void format_day(int64_t z, char out[11]) {
  int y, m, d;
  civil_from_days(z, &y, &m, &d);
  snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

int book_vo_date_add(const char *date, int days, char out[11]) {
  int64_t z;
  if (parse_day(date, &z)) return -1;
  format_day(z + days, out);
  return 0;
}

int book_vo_date_diff(const char *from, const char *to, int *days) {
  int64_t a, b;
  if (parse_day(from, &a) || parse_day(to, &b)) return -1;
  *days = (int)(b - a);
  return 0;
}

/* ---- allowances ---- */

int book_vo_default_allowance(const char *level, int *vos, int *pvos) {
  static const struct {
    const char *level;
    int vos, pvos;
  } table[] = {{"basic", 1, 0}, {"standard", 1, 1}, {"enhanced", 1, 2}};
  for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
    if (level && !strcmp(level, table[i].level)) {
      *vos = table[i].vos;
      *pvos = table[i].pvos;
      return 0;
    }
  return -1;
}

int book_vo_kind_valid(const char *need) {
  return need && (!strcmp(need, "VO") || !strcmp(need, "PVO") || !strcmp(need, "either") ||
                  !strcmp(need, "none"));
}

/* ---- accrual ---- */

void book_vo_plan_clear(BookVoPlan *p) {
  g_free(p->expire);
  g_free(p->accumulate);
  memset(p, 0, sizeof *p);
}

int book_vo_plan_empty(const BookVoPlan *p) {
  return !p->issue_vo && !p->issue_pvo && !p->repay_vo && !p->repay_pvo && !p->vo_period[0] &&
         !p->pvo_period[0] && !p->n_expire && !p->n_accumulate;
}

/* How many whole periods have passed since last (none yet: one, starting
 * today), and the start of the latest one into period. */
static int periods_due(const char *last, const char *today, int len, char period[11]) {
  period[0] = '\0';
  if (!last || !*last) {
    g_strlcpy(period, today, 11);
    return 1;
  }
  int days;
  if (book_vo_date_diff(last, today, &days)) return -1;
  if (days < len) return 0;
  int n = days / len;
  book_vo_date_add(last, n * len, period);
  return n;
}

int book_vo_plan(const BookVoFacts *f, const char *today, BookVoPlan *p) {
  memset(p, 0, sizeof *p);
  int64_t t;
  if (parse_day(today, &t)) return -1;
  for (size_t i = 0; i < f->n_orders; i++) {
    int64_t d;
    if (parse_day(f->orders[i].issued_on, &d)) return -1;
  }
  p->expire = g_new0(BookVoExpiry, f->n_orders + 1);
  p->accumulate = g_new0(int64_t, f->n_orders + 1);

  /* Orders already held: PVOs past their expiry go; VOs unused for 28 days
   * are 'accumulated' (they carry over, up to the cap). */
  int vos_held = 0;
  for (size_t i = 0; i < f->n_orders; i++) {
    const BookVoOrder *o = &f->orders[i];
    if (!strcmp(o->kind, "PVO")) {
      if (o->expires_on[0] && strcmp(o->expires_on, today) <= 0)
        p->expire[p->n_expire++] = (BookVoExpiry){o->id, "PVO", "pvo_expired"};
      continue;
    }
    vos_held++;
    int age = 0;
    book_vo_date_diff(o->issued_on, today, &age);
    if (!strcmp(o->status, "available") && age >= BOOK_VO_FRESH_DAYS)
      p->accumulate[p->n_accumulate++] = o->id;
  }

  /* New orders: convicted prisoners only (remand: none). */
  if (f->status && !strcmp(f->status, "convicted")) {
    int nvo = periods_due(f->last_vo_period, today, BOOK_VO_PERIOD_DAYS, p->vo_period);
    int npvo = periods_due(f->last_pvo_period, today, BOOK_PVO_PERIOD_DAYS, p->pvo_period);
    if (nvo < 0 || npvo < 0) {
      book_vo_plan_clear(p);
      return -1;
    }
    /* Missed VO periods all count (they accumulate, capped below); of
     * missed PVO periods only the latest can still be alive. */
    int64_t vos = (int64_t)nvo * (f->vos > 0 ? f->vos : 0);
    int vo_new = vos > BOOK_VO_CAP ? BOOK_VO_CAP : (int)vos;
    int pvo_new = npvo > 0 && f->pvos > 0 ? f->pvos : 0;
    if (pvo_new) book_vo_date_add(p->pvo_period, BOOK_PVO_LIFE_DAYS, p->pvo_expires);
    /* Orders booked on credit are paid back first, VOs before PVOs. */
    int owed = f->owed > 0 ? f->owed : 0;
    p->repay_vo = owed < vo_new ? owed : vo_new;
    owed -= p->repay_vo;
    p->repay_pvo = owed < pvo_new ? owed : pvo_new;
    p->issue_vo = vo_new - p->repay_vo;
    p->issue_pvo = pvo_new - p->repay_pvo;
    /* A PVO issued for a period already over its life is not issued. */
    if (p->issue_pvo && strcmp(p->pvo_expires, today) <= 0) p->issue_pvo = 0;
  }

  /* The cap: held VOs plus new ones at most 26. The oldest accumulated VOs
   * go first; if that is not enough, fewer new ones are issued. */
  int over = vos_held + p->issue_vo - BOOK_VO_CAP;
  for (size_t i = 0; i < f->n_orders && over > 0; i++) {
    const BookVoOrder *o = &f->orders[i];
    if (strcmp(o->kind, "VO") != 0) continue;
    int accumulated = !strcmp(o->status, "accumulated");
    for (size_t k = 0; k < p->n_accumulate && !accumulated; k++)
      accumulated = p->accumulate[k] == o->id;
    if (!accumulated) continue;
    p->expire[p->n_expire++] = (BookVoExpiry){o->id, "VO", "over_cap"};
    over--;
  }
  if (over > 0) p->issue_vo = over >= p->issue_vo ? 0 : p->issue_vo - over;
  /* An order that expires is not also 'accumulated'. */
  size_t w = 0;
  for (size_t k = 0; k < p->n_accumulate; k++) {
    int gone = 0;
    for (size_t j = 0; j < p->n_expire; j++) gone |= p->expire[j].id == p->accumulate[k];
    if (!gone) p->accumulate[w++] = p->accumulate[k];
  }
  p->n_accumulate = w;
  return 0;
}

/* ---- booking ---- */

int book_vo_choose(const BookVoOrder *orders, size_t n, const char *need, const char *today) {
  int want_pvo = !strcmp(need, "PVO") || !strcmp(need, "either");
  int want_vo = !strcmp(need, "VO") || !strcmp(need, "either");
  int best = -1;
  /* The oldest PVO first ... */
  for (size_t i = 0; want_pvo && i < n; i++) {
    if (strcmp(orders[i].kind, "PVO") != 0) continue;
    if (orders[i].expires_on[0] && strcmp(orders[i].expires_on, today) <= 0) continue;
    if (best < 0 || strcmp(orders[i].issued_on, orders[best].issued_on) < 0 ||
        (!strcmp(orders[i].issued_on, orders[best].issued_on) && orders[i].id < orders[best].id))
      best = (int)i;
  }
  if (best >= 0) return best;
  /* ... then the oldest VO. */
  for (size_t i = 0; want_vo && i < n; i++) {
    if (strcmp(orders[i].kind, "VO") != 0) continue;
    if (best < 0 || strcmp(orders[i].issued_on, orders[best].issued_on) < 0 ||
        (!strcmp(orders[i].issued_on, orders[best].issued_on) && orders[i].id < orders[best].id))
      best = (int)i;
  }
  return best;
}

/* ---- cancellation ---- */

int book_vo_refund_plan(const char *kind, const char *issued_on, const char *expires_on,
                        int owed, const char *today, BookVoRefund *r) {
  memset(r, 0, sizeof *r);
  int64_t t, d;
  if (parse_day(today, &t) || parse_day(issued_on, &d)) return -1;
  if (owed) {
    r->what = BOOK_VO_CANCEL_DEBT;
    g_strlcpy(r->status, "expired", sizeof r->status);
    return 0;
  }
  if (!strcmp(kind, "PVO")) {
    if (expires_on && *expires_on && strcmp(expires_on, today) <= 0) {
      r->what = BOOK_VO_FRESH;
      g_strlcpy(r->issued_on, today, sizeof r->issued_on);
      book_vo_date_add(today, BOOK_PVO_LIFE_DAYS, r->expires_on);
    } else {
      r->what = BOOK_VO_RESTORE;
    }
    g_strlcpy(r->status, "available", sizeof r->status);
    return 0;
  }
  r->what = BOOK_VO_RESTORE;
  g_strlcpy(r->status, t - d >= BOOK_VO_FRESH_DAYS ? "accumulated" : "available",
            sizeof r->status);
  return 0;
}
