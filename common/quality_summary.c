/* The plain-words figures of a call's quality (quality_summary.h). */
#include "quality_summary.h"

#include <stdlib.h>

int quality_sample_clear(const QualitySample *s) {
  return s->height >= QUALITY_CLEAR_HEIGHT && s->fps >= QUALITY_CLEAR_FPS && s->freezes == 0 &&
         s->loss_permille < QUALITY_CLEAR_LOSS_PERMILLE;
}

int quality_summarize(const QualitySample *s, size_t n, int reconnections, int ice_restarts,
                      QualitySummary *out) {
  if (!out || (n && !s) || reconnections < 0 || ice_restarts < 0) return -1;
  long long total = 0, clear = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i].dur_s <= 0) continue;
    total += s[i].dur_s;
    if (quality_sample_clear(&s[i])) clear += s[i].dur_s;
  }
  out->minutes = (int)((total + 30) / 60);
  /* Rounded separately, clear could exceed the total by one: never say
   * "clear for 61 of 60 minutes". */
  out->clear_minutes = (int)((clear + 30) / 60);
  if (out->clear_minutes > out->minutes) out->clear_minutes = out->minutes;
  out->drops = reconnections + ice_restarts;
  return 0;
}

static int field(json_t *o, const char *key, int lo, int hi, int def) {
  json_t *v = json_object_get(o, key);
  if (!json_is_integer(v)) return def;
  json_int_t x = json_integer_value(v);
  return x < lo || x > hi ? def : (int)x;
}

int quality_summarize_json(json_t *report, QualitySummary *out) {
  if (!json_is_object(report) || !out) return -1;
  json_t *arr = json_object_get(report, "samples");
  size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
  QualitySample *s = n ? calloc(n, sizeof *s) : NULL;
  if (n && !s) return -1;
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_array_get(arr, i);
    s[i].dur_s = field(o, "d", 1, 600, 0);
    s[i].height = field(o, "h", 0, 8192, 0);
    s[i].fps = field(o, "fps", 0, 240, 0);
    s[i].freezes = field(o, "freezes", 0, 100000, 1);
    s[i].loss_permille = field(o, "loss", 0, 1000, 1000);
  }
  int rc = quality_summarize(s, n, field(report, "reconnections", 0, 100000, 0),
                             field(report, "ice_restarts", 0, 100000, 0), out);
  free(s);
  return rc;
}
