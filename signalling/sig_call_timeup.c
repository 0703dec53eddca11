/* Time-up rules of a call (see sig_call_timeup.h). No clock is read here. */
#include "sig_call_timeup.h"

int sig_timeup_due(const SigTimeup *t, SigWarned *w, int64_t now_ms, SigWarning out[2]) {
  int64_t end_ms = t->visit_end * 1000;
  struct {
    int secs;
    bool *had;
  } ws[2] = {{t->warn_first_s, &w->first}, {t->warn_second_s, &w->second}};
  int n = 0;
  for (int i = 0; i < 2; i++) {
    if (*ws[i].had || now_ms < end_ms - (int64_t)ws[i].secs * 1000) continue;
    *ws[i].had = true;
    int64_t left = (end_ms - now_ms + 999) / 1000;
    out[n++] = (SigWarning){.warning_s = ws[i].secs,
                            .seconds_left = left > 0 ? left : 0,
                            .ends_at = t->visit_end};
  }
  return n;
}

bool sig_timeup_over(const SigTimeup *t, int64_t now_ms) { return now_ms >= t->visit_end * 1000; }

int64_t sig_timeup_next_delay_ms(const SigTimeup *t, int64_t now_ms) {
  int64_t end_ms = t->visit_end * 1000;
  int64_t moments[3] = {end_ms - (int64_t)t->warn_first_s * 1000,
                        end_ms - (int64_t)t->warn_second_s * 1000, end_ms};
  int64_t next = end_ms;
  for (int i = 0; i < 3; i++)
    if (moments[i] > now_ms && moments[i] < next) next = moments[i];
  int64_t delay = next - now_ms;
  if (delay < 0) delay = 0;
  return delay < 60000 ? delay : 60000;
}

SigWindow sig_timeup_window(int64_t visit_start, int64_t visit_end, int early_join_s, int64_t now,
                            int64_t *seconds) {
  int64_t opens = visit_start - early_join_s;
  if (now >= visit_end) {
    *seconds = now - visit_end;
    return SIG_WINDOW_TOO_LATE;
  }
  if (now < opens) {
    *seconds = opens - now;
    return SIG_WINDOW_TOO_EARLY;
  }
  *seconds = 0;
  return SIG_WINDOW_OPEN;
}
