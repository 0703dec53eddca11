/* TZif reader and pure conversions (tz.h). RFC 8536 for the file; POSIX
 * (and RFC 8536 3.3.1's extensions) for the footer rule that covers every
 * instant after the last listed transition, which is all of today's for
 * Debian's "slim" files. */
#include "tz.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char kind; /* 'M' month.week.day, 'J' Julian 1..365 (no Feb 29), 'n' 0..365 */
  int m, w, d, n;
  int32_t secs; /* local time of day of the change, may be negative or > 24 h */
} Rule;

typedef struct {
  int present, has_dst;
  int32_t std_off, dst_off; /* seconds east of UTC */
  Rule start, end;
} Posix;

typedef struct {
  int32_t utoff;
  int isdst;
} TType;

struct Tz {
  char name[TZ_NAME_MAX + 1];
  int64_t *trans;        /* ascending instants */
  uint8_t *trans_type;   /* index into types, per transition */
  size_t n_trans;
  TType *types;
  size_t n_types;
  Posix rule;            /* for instants after the last transition */
};

/* ---- calendar ---- */

static int64_t floordiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* Howard Hinnant's days_from_civil / civil_from_days (public domain
 * algorithms, written out here). */
int64_t tz_days_from_civil(int y, int m, int d) {
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = floordiv(yy, 400);
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = floordiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
  int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (mm <= 2));
  *m = mm;
  *d = dd;
}

int tz_iso_weekday(int64_t days) {
  /* 1970-01-01 was a Thursday (4). */
  return (int)((days % 7 + 7 + 3) % 7) + 1;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* ---- the POSIX rule ---- */

static int64_t rule_day(const Rule *r, int y) {
  int64_t jan1 = tz_days_from_civil(y, 1, 1);
  if (r->kind == 'J') return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
  if (r->kind == 'n') return jan1 + r->n;
  int64_t first = tz_days_from_civil(y, r->m, 1);
  int64_t next = r->m == 12 ? tz_days_from_civil(y + 1, 1, 1) : tz_days_from_civil(y, r->m + 1, 1);
  int wd_first = tz_iso_weekday(first) % 7; /* 0 Sunday .. 6 Saturday */
  int64_t day = first + (r->d - wd_first + 7) % 7 + (int64_t)(r->w - 1) * 7;
  while (day >= next) day -= 7; /* week 5 is "the last" */
  return day;
}

static int posix_is_dst(const Posix *p, int64_t t) {
  if (!p->has_dst) return 0;
  int y, m, d;
  tz_civil_from_days(floordiv(t + p->std_off, 86400), &y, &m, &d);
  int64_t s = rule_day(&p->start, y) * 86400 + p->start.secs - p->std_off;
  int64_t e = rule_day(&p->end, y) * 86400 + p->end.secs - p->dst_off;
  if (s < e) return t >= s && t < e;
  return !(t >= e && t < s); /* southern hemisphere: summer spans the new year */
}

/* [+-]hh[:mm[:ss]], hours up to max_h. Advances *sp. 0 or -1. */
static int parse_hms(const char **sp, int max_h, int32_t *out) {
  const char *s = *sp;
  int sign = 1;
  if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
  if (*s < '0' || *s > '9') return -1;
  long h = 0, mi = 0, se = 0;
  while (*s >= '0' && *s <= '9' && h <= max_h) h = h * 10 + (*s++ - '0');
  if (h > max_h) return -1;
  if (*s == ':') {
    s++;
    if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9') return -1;
    mi = (s[0] - '0') * 10 + s[1] - '0';
    s += 2;
    if (*s == ':') {
      s++;
      if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9') return -1;
      se = (s[0] - '0') * 10 + s[1] - '0';
      s += 2;
    }
  }
  *out = (int32_t)(sign * (h * 3600 + mi * 60 + se));
  *sp = s;
  return 0;
}

static int parse_name(const char **sp) {
  const char *s = *sp;
  size_t n = 0;
  if (*s == '<') {
    s++;
    while (*s && *s != '>') s++, n++;
    if (*s != '>') return -1;
    s++;
  } else {
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) s++, n++;
  }
  if (n < 3) return -1;
  *sp = s;
  return 0;
}

static int parse_num(const char **sp, int lo, int hi, int *out) {
  const char *s = *sp;
  if (*s < '0' || *s > '9') return -1;
  long v = 0;
  while (*s >= '0' && *s <= '9' && v <= hi) v = v * 10 + (*s++ - '0');
  if (v < lo || v > hi) return -1;
  *out = (int)v;
  *sp = s;
  return 0;
}

static int parse_rule(const char **sp, Rule *r) {
  const char *s = *sp;
  memset(r, 0, sizeof *r);
  if (*s == 'M') {
    s++;
    r->kind = 'M';
    if (parse_num(&s, 1, 12, &r->m) || *s++ != '.' || parse_num(&s, 1, 5, &r->w) ||
        *s++ != '.' || parse_num(&s, 0, 6, &r->d))
      return -1;
  } else if (*s == 'J') {
    s++;
    r->kind = 'J';
    if (parse_num(&s, 1, 365, &r->n)) return -1;
  } else {
    r->kind = 'n';
    if (parse_num(&s, 0, 365, &r->n)) return -1;
  }
  r->secs = 7200; /* 02:00 unless told */
  if (*s == '/') {
    s++;
    if (parse_hms(&s, 167, &r->secs)) return -1;
  }
  *sp = s;
  return 0;
}

/* "GMT0BST,M3.5.0/1,M10.5.0", "<+14>-14", "UTC0" ... */
static int parse_posix(const char *s, Posix *p) {
  memset(p, 0, sizeof *p);
  int32_t off;
  if (parse_name(&s) || parse_hms(&s, 24, &off)) return -1;
  p->std_off = -off; /* POSIX counts west as positive */
  if (*s == '\0') {
    p->present = 1;
    return 0;
  }
  if (parse_name(&s)) return -1;
  p->has_dst = 1;
  p->dst_off = p->std_off + 3600;
  if (*s != ',' && *s != '\0') {
    if (parse_hms(&s, 24, &off)) return -1;
    p->dst_off = -off;
  }
  if (*s == '\0') {
    /* No rule given: POSIX leaves it to the implementation; the US rule is
     * what tzcode assumes. TZif footers always carry one. */
    s = ",M3.2.0,M11.1.0";
  }
  if (*s++ != ',' || parse_rule(&s, &p->start) || *s++ != ',' || parse_rule(&s, &p->end) ||
      *s != '\0')
    return -1;
  p->present = 1;
  return 0;
}

/* ---- TZif ---- */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int64_t be64(const uint8_t *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

static int seterr(char *err, size_t n, const char *msg) {
  if (err && n) g_strlcpy(err, msg, n);
  return -1;
}

typedef struct {
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} Counts;

static int header(const uint8_t *d, size_t len, int *version, Counts *c) {
  if (len < 44 || memcmp(d, "TZif", 4) != 0) return -1;
  *version = d[4] == 0 ? 1 : d[4] - '0';
  if (*version < 1 || *version > 9) return -1;
  uint32_t *f[] = {&c->isutcnt, &c->isstdcnt, &c->leapcnt, &c->timecnt, &c->typecnt, &c->charcnt};
  for (int i = 0; i < 6; i++) *f[i] = be32(d + 20 + 4 * i);
  if (c->typecnt == 0 || c->typecnt > 256 || c->timecnt > 100000 || c->charcnt > 100000 ||
      c->leapcnt > 10000 || (c->isutcnt && c->isutcnt != c->typecnt) ||
      (c->isstdcnt && c->isstdcnt != c->typecnt))
    return -1;
  return 0;
}

static size_t block_len(const Counts *c, int tsize) {
  return (size_t)c->timecnt * tsize + c->timecnt + (size_t)c->typecnt * 6 + c->charcnt +
         (size_t)c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

Tz *tz_parse(const char *name, const uint8_t *data, size_t len, char *err, size_t err_size) {
  int version;
  Counts c;
  if (header(data, len, &version, &c)) {
    seterr(err, err_size, "not TZif data");
    return NULL;
  }
  int tsize = 4;
  const uint8_t *blk = data + 44;
  size_t rest = len - 44;
  if (block_len(&c, 4) > rest) {
    seterr(err, err_size, "TZif data cut short");
    return NULL;
  }
  if (version >= 2) {
    /* Skip the 32-bit block; use the second header and its 64-bit block. */
    const uint8_t *h2 = blk + block_len(&c, 4);
    size_t left = rest - block_len(&c, 4);
    int v2;
    if (header(h2, left, &v2, &c) || block_len(&c, 8) > left - 44) {
      seterr(err, err_size, "TZif version 2+ data is malformed");
      return NULL;
    }
    tsize = 8;
    blk = h2 + 44;
    rest = left - 44;
  }
  if (c.leapcnt) {
    seterr(err, err_size, "zones with leap seconds (right/...) are not supported");
    return NULL;
  }
  Tz *tz = g_new0(Tz, 1);
  g_strlcpy(tz->name, name ? name : "", sizeof tz->name);
  tz->n_trans = c.timecnt;
  tz->n_types = c.typecnt;
  tz->trans = g_new0(int64_t, c.timecnt ? c.timecnt : 1);
  tz->trans_type = g_new0(uint8_t, c.timecnt ? c.timecnt : 1);
  tz->types = g_new0(TType, c.typecnt);
  const uint8_t *p = blk;
  for (uint32_t i = 0; i < c.timecnt; i++, p += tsize) {
    tz->trans[i] = tsize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
    if (i && tz->trans[i] <= tz->trans[i - 1]) {
      seterr(err, err_size, "TZif transitions out of order");
      tz_free(tz);
      return NULL;
    }
  }
  for (uint32_t i = 0; i < c.timecnt; i++, p++) {
    if (*p >= c.typecnt) {
      seterr(err, err_size, "TZif transition names no local time type");
      tz_free(tz);
      return NULL;
    }
    tz->trans_type[i] = *p;
  }
  for (uint32_t i = 0; i < c.typecnt; i++, p += 6) {
    tz->types[i].utoff = (int32_t)be32(p);
    tz->types[i].isdst = p[4] != 0;
    if (tz->types[i].utoff <= -25 * 3600 || tz->types[i].utoff >= 26 * 3600) {
      seterr(err, err_size, "TZif offset out of range");
      tz_free(tz);
      return NULL;
    }
  }
  if (version >= 2) {
    const uint8_t *foot = blk + block_len(&c, 8);
    size_t flen = (size_t)(data + len - foot);
    if (flen < 2 || foot[0] != '\n') {
      seterr(err, err_size, "TZif footer missing");
      tz_free(tz);
      return NULL;
    }
    const uint8_t *nl = memchr(foot + 1, '\n', flen - 1);
    if (!nl) {
      seterr(err, err_size, "TZif footer unterminated");
      tz_free(tz);
      return NULL;
    }
    size_t n = (size_t)(nl - foot - 1);
    if (n > 0) {
      char *rule = g_strndup((const char *)foot + 1, n);
      int bad = parse_posix(rule, &tz->rule);
      g_free(rule);
      if (bad) {
        seterr(err, err_size, "TZif footer rule not understood");
        tz_free(tz);
        return NULL;
      }
    }
  }
  return tz;
}

void tz_free(Tz *tz) {
  if (!tz) return;
  g_free(tz->trans);
  g_free(tz->trans_type);
  g_free(tz->types);
  g_free(tz);
}

int tz_name_ok(const char *name) {
  if (!name || !*name || strlen(name) > TZ_NAME_MAX) return 0;
  int seg_start = 1;
  for (const char *s = name; *s; s++) {
    char ch = *s;
    if (ch == '/') {
      if (seg_start) return 0; /* empty segment or leading slash */
      seg_start = 1;
      continue;
    }
    if (seg_start && (ch == '.' || ch == '-')) return 0;
    if (!g_ascii_isalnum(ch) && ch != '_' && ch != '+' && ch != '-') return 0;
    seg_start = 0;
  }
  return !seg_start;
}

Tz *tz_load(const char *dir, const char *name, char *err, size_t err_size) {
  if (!tz_name_ok(name)) {
    seterr(err, err_size, "not a time zone name (like Europe/London)");
    return NULL;
  }
  char *path = g_build_filename(dir ? dir : TZ_DIR, name, NULL);
  gchar *data = NULL;
  gsize len = 0;
  int ok = g_file_test(path, G_FILE_TEST_IS_REGULAR) && g_file_get_contents(path, &data, &len, NULL);
  g_free(path);
  if (!ok || len > (1 << 20)) {
    g_free(data);
    char msg[160];
    g_snprintf(msg, sizeof msg, "unknown time zone %s", name);
    seterr(err, err_size, msg);
    return NULL;
  }
  char why[96];
  Tz *tz = tz_parse(name, (const uint8_t *)data, len, why, sizeof why);
  g_free(data);
  if (!tz) {
    char msg[200];
    g_snprintf(msg, sizeof msg, "unknown time zone %s (%s)", name, why);
    seterr(err, err_size, msg);
  }
  return tz;
}

static GMutex cache_lock;
static GHashTable *cache; /* name -> Tz*, never freed: zones live as long as the process */

const Tz *tz_get(const char *name, char *err, size_t err_size) {
  g_mutex_lock(&cache_lock);
  if (!cache) cache = g_hash_table_new(g_str_hash, g_str_equal);
  Tz *tz = name ? g_hash_table_lookup(cache, name) : NULL;
  if (!tz) {
    tz = tz_load(NULL, name, err, err_size);
    if (tz) g_hash_table_insert(cache, tz->name, tz);
  }
  g_mutex_unlock(&cache_lock);
  return tz;
}

const Tz *tz_utc(void) {
  static TType utc_type = {0, 0};
  static int64_t none;
  static uint8_t none_type;
  static const Tz utc = {"UTC", &none, &none_type, 0, &utc_type, 1, {0}};
  return &utc;
}

const char *tz_name(const Tz *tz) { return tz->name; }

int tz_offset_at(const Tz *tz, int64_t t, int *is_dst) {
  int dst, off;
  if (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1]) {
    if (tz->rule.present && (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1])) {
      dst = posix_is_dst(&tz->rule, t);
      off = dst ? tz->rule.dst_off : tz->rule.std_off;
    } else {
      const TType *ty = &tz->types[tz->n_trans ? tz->trans_type[tz->n_trans - 1] : 0];
      dst = ty->isdst;
      off = ty->utoff;
    }
  } else if (t < tz->trans[0]) {
    dst = tz->types[0].isdst; /* RFC 8536: type 0 before the first transition */
    off = tz->types[0].utoff;
  } else {
    size_t lo = 0, hi = tz->n_trans - 1; /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      if (tz->trans[mid] <= t)
        lo = mid;
      else
        hi = mid;
    }
    const TType *ty = &tz->types[tz->trans_type[lo]];
    dst = ty->isdst;
    off = ty->utoff;
  }
  if (is_dst) *is_dst = dst;
  return off;
}

int64_t tz_to_local(const Tz *tz, int64_t t) { return t + tz_offset_at(tz, t, NULL); }

int64_t tz_from_local(const Tz *tz, int64_t local, TzLocalKind *kind) {
  /* The offsets that can apply to a wall-clock time are those in force a day
   * either side of it (zones change at most once in two days). A candidate
   * offset o fits when the instant local - o really has offset o. */
  int before = tz_offset_at(tz, local - 86400 - 26 * 3600, NULL);
  int after = tz_offset_at(tz, local + 86400 + 26 * 3600, NULL);
  int mid = tz_offset_at(tz, local, NULL);
  int cand[3] = {before, mid, after};
  int64_t best = 0;
  int n_fit = 0;
  for (int i = 0; i < 3; i++) {
    int dup = 0;
    for (int j = 0; j < i; j++) dup |= cand[j] == cand[i];
    if (dup) continue;
    int64_t t = local - cand[i];
    if (tz_offset_at(tz, t, NULL) != cand[i]) continue;
    if (n_fit == 0 || t < best) best = t; /* the repeated hour: the first one */
    n_fit++;
  }
  if (n_fit == 0) {
    /* The missing hour: read with the offset before the gap, which moves it
     * forward by the gap's length (RFC 5545). */
    if (kind) *kind = TZ_LOCAL_GAP;
    return local - tz_offset_at(tz, local - 86400, NULL);
  }
  if (kind) *kind = n_fit > 1 ? TZ_LOCAL_FOLD : TZ_LOCAL_EXACT;
  return best;
}

char *tz_format_rfc3339(const Tz *tz, int64_t t, char *buf, size_t size) {
  int off = tz_offset_at(tz, t, NULL);
  int64_t local = t + off;
  int64_t days = floordiv(local, 86400), sod = local - days * 86400;
  int y, m, d;
  tz_civil_from_days(days, &y, &m, &d);
  int a = off < 0 ? -off : off;
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, (int)(sod / 3600),
           (int)(sod / 60 % 60), (int)(sod % 60), off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}
