/* Fuzz harness: what signalling reads from booking about live calls
 * (signalling/sig_decisions.c, the pure half): sig_admit_parse() of
 * booking's answer to POST /internal/admit (anything not well formed must
 * come out as "unavailable": the join fails closed), and
 * sig_decisions_parse() of a page of GET /internal/decisions, each parsed
 * decision then planned by sig_decision_plan() against a live call with
 * two participants. Input: byte 0 picks admit (even) or feed (odd), byte 1
 * the HTTP status (admit) or the "after" cursor (feed), the rest is the
 * body. Checked: an admission is yes only on a 200; a refused page returns
 * no decision and says why; an accepted page's seqs increase above after
 * and stay at or below its head; a plan never exceeds its bound. */
#include "fuzz.h"

#include <glib.h>

#include "sig_decisions.h"

static gboolean not_removed(const char *participant, void *user) { return FALSE; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > 256 * 1024) return 0;
  char *body = fuzz_strndup(data + 2, size - 2);
  size_t len = size - 2;
  if (data[0] % 2 == 0) {
    static const guint statuses[] = {200, 0, 400, 401, 403, 404, 409, 500, 503};
    guint status = statuses[data[1] % G_N_ELEMENTS(statuses)];
    SigAdmitAnswer a;
    memset(&a, 0x5a, sizeof a); /* the parser must fill every field it sets */
    sig_admit_parse(status, data[1] & 0x80 ? NULL : body, data[1] & 0x80 ? 0 : len, &a);
    FUZZ_CHECK(a.outcome == SIG_ADMIT_YES || a.outcome == SIG_ADMIT_NO || a.outcome == SIG_ADMIT_UNAVAILABLE);
    if (a.outcome == SIG_ADMIT_YES) FUZZ_CHECK(status == 200);
    FUZZ_CHECK(memchr(a.code, '\0', sizeof a.code) && memchr(a.message, '\0', sizeof a.message));
    if (a.outcome != SIG_ADMIT_YES) FUZZ_CHECK(a.code[0] != '\0');
    if (a.outcome == SIG_ADMIT_YES) FUZZ_CHECK(memchr(a.visit_type, '\0', sizeof a.visit_type));
  } else {
    gint64 after = (gint64)data[1] - 1; /* -1: the head-only answer */
    GPtrArray *out = g_ptr_array_new_with_free_func(sig_decision_free);
    gint64 head = -7;
    char err[200] = "";
    int rc = sig_decisions_parse(body, len, after, out, &head, err, sizeof err);
    if (rc != 0) {
      FUZZ_CHECK(rc == -1 && err[0] != '\0');
    } else {
      gint64 prev = after;
      for (guint i = 0; i < out->len; i++) {
        const SigDecision *d = out->pdata[i];
        FUZZ_CHECK(d->seq > prev);
        prev = d->seq;
        FUZZ_CHECK(d->visit_id && d->reason && d->message && d->action_name);
        const SigPartFact parts[] = {{"prisoner-1", FALSE}, {"monitor-1", TRUE}};
        SigCallFacts f = {.live = TRUE, .monitoring_allowed = TRUE, .recording_required = TRUE,
                          .recording_on = TRUE, .parts = parts, .n_parts = 2,
                          .is_removed = not_removed};
        SigAction acts[SIG_MAX_ACTIONS];
        size_t n = sig_decision_plan(d, &f, acts, SIG_MAX_ACTIONS);
        FUZZ_CHECK(n <= SIG_MAX_ACTIONS);
        f.live = FALSE;
        f.ended = TRUE;
        FUZZ_CHECK(sig_decision_plan(d, &f, acts, 1) <= 1);
      }
    }
    g_ptr_array_free(out, TRUE);
  }
  free(body);
  return 0;
}
