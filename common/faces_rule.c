/* The alert rule of common/faces_rule.h. */
#include "faces_rule.h"

#include <string.h>

void faces_rule_defaults(FacesRuleConfig *c) {
  c->window_ms = 3000;
  c->over_pct = 70;
  c->min_reports = 5;
  c->clear_ms = 15000;
  c->gap_ms = 2000;
}

bool faces_rule_config_valid(const FacesRuleConfig *c, const char **why) {
  const char *w = NULL;
  if (c->window_ms < 500 || c->window_ms > 60000) w = "window_ms must be 500..60000";
  else if (c->over_pct < 1 || c->over_pct > 100) w = "over_pct must be 1..100";
  else if (c->min_reports < 1 || c->min_reports > FACES_RULE_MAX_REPORTS) w = "min_reports must be 1..64";
  else if (c->clear_ms < 1000 || c->clear_ms > 600000) w = "clear_ms must be 1000..600000";
  else if (c->gap_ms < 200 || c->gap_ms > 60000) w = "gap_ms must be 200..60000";
  if (why) *why = w;
  return w == NULL;
}

void faces_rule_init(FacesRuleState *s) { memset(s, 0, sizeof *s); }

static void forget_window(FacesRuleState *s) { s->head = s->count = 0; }

static unsigned idx(const FacesRuleState *s, unsigned i) {
  return (s->head + i) % FACES_RULE_MAX_REPORTS;
}

FacesVerdict faces_rule_step(FacesRuleState *s, const FacesRuleConfig *c, int64_t now_ms,
                             int faces, int booked) {
  if (booked < 1) booked = 1;
  if (faces < 0) faces = 0;
  if (s->seen && now_ms < s->last_ms) return FACES_NOTHING;
  if (s->seen && now_ms - s->last_ms > c->gap_ms) forget_window(s);
  s->seen = true;
  s->last_ms = now_ms;

  bool over = faces > booked;
  if (over) s->last_over_ms = now_ms;
  if (faces > s->max_faces) s->max_faces = faces;

  /* drop reports older than the window, then add this one (the oldest goes
   * when the ring is full: the window is then the last 64 reports) */
  while (s->count > 0 && now_ms - s->at_ms[s->head] > c->window_ms) {
    s->head = (s->head + 1) % FACES_RULE_MAX_REPORTS;
    s->count--;
  }
  if (s->count == FACES_RULE_MAX_REPORTS) {
    s->head = (s->head + 1) % FACES_RULE_MAX_REPORTS;
    s->count--;
  }
  unsigned at = idx(s, s->count);
  s->at_ms[at] = now_ms;
  s->over[at] = over;
  s->count++;

  if (s->raised) {
    if (now_ms - s->last_over_ms >= c->clear_ms) {
      s->raised = false;
      s->max_faces = faces;
      return FACES_REARM;
    }
    return FACES_NOTHING;
  }
  if (s->count < c->min_reports) return FACES_NOTHING;
  /* the reports must cover the whole window: a burst at the start of a call
   * or after a gap is not yet "several seconds" */
  if (now_ms - s->at_ms[s->head] < c->window_ms - c->window_ms / 10) return FACES_NOTHING;
  unsigned n_over = 0;
  for (unsigned i = 0; i < s->count; i++)
    if (s->over[idx(s, i)]) n_over++;
  if (n_over * 100 < c->over_pct * s->count) return FACES_NOTHING;
  s->raised = true;
  return FACES_RAISE;
}
