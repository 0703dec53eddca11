/* "Raise an unexpected-person alert?" for one device of a call: the face
 * counts the analyser reports for that device's video over time, against the
 * number of people booked on the device. Pure: time and facts in, a verdict
 * out; no clock, no I/O (tests/unit/test_faces_rule.c; the figures behind the
 * defaults are in docs/faces.md).
 *
 * Hysteresis, so one noisy frame never alerts and an alert does not flicker:
 *  - RAISE when, over the last window_ms of reports (and the reports span
 *    at least window_ms, with at least min_reports of them), at least
 *    over_pct percent showed more faces than booked. Then the rule is
 *    "raised" and says nothing more while more faces go on being seen.
 *  - REARM when raised and no report showed more faces than booked for
 *    clear_ms: a later sustained excess raises a new alert.
 *  - A gap in the reports longer than gap_ms (the analyser restarted, the
 *    video stopped) forgets the window: what came before the gap does not
 *    count towards a raise after it. */
#ifndef PARLOUR_FACES_RULE_H
#define PARLOUR_FACES_RULE_H

#include <stdbool.h>
#include <stdint.h>

#define FACES_RULE_MAX_REPORTS 64

typedef struct {
  int64_t window_ms;    /* default 3000 */
  unsigned over_pct;    /* 1..100, default 70 */
  unsigned min_reports; /* 1..FACES_RULE_MAX_REPORTS, default 5 */
  int64_t clear_ms;     /* default 15000 */
  int64_t gap_ms;       /* default 2000 */
} FacesRuleConfig;

typedef enum {
  FACES_NOTHING = 0,
  FACES_RAISE,  /* a new alert: more faces than booked, sustained */
  FACES_REARM,  /* the excess has gone for clear_ms: a new alert may come */
} FacesVerdict;

typedef struct {
  int64_t at_ms[FACES_RULE_MAX_REPORTS];
  bool over[FACES_RULE_MAX_REPORTS];
  unsigned head, count;  /* ring of the reports inside the window */
  bool raised;
  bool seen;             /* any report yet */
  int64_t last_ms;       /* time of the last report */
  int64_t last_over_ms;  /* time of the last report with more faces than booked */
  int max_faces;         /* most faces in one report since the last raise/rearm */
} FacesRuleState;

void faces_rule_defaults(FacesRuleConfig *c);
/* false (and *why set) when a setting is out of range. */
bool faces_rule_config_valid(const FacesRuleConfig *c, const char **why);
void faces_rule_init(FacesRuleState *s);

/* One report: at now_ms the device's picture showed `faces` faces; `booked`
 * people are booked on it (>= 1; less is taken as 1). Reports must come in
 * time order; an older one is ignored (FACES_NOTHING). */
FacesVerdict faces_rule_step(FacesRuleState *s, const FacesRuleConfig *c, int64_t now_ms,
                             int faces, int booked);

#endif
