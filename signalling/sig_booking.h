/* Signalling's questions to booking (docs/contracts.md, "Decisions reach
 * live calls"), with the same base URL, CA and x-service-credential as the
 * visit events (sig_events.c), over libsoup on the main context:
 *
 *  - admission: POST /api/v1/internal/admit at every first join. The answer
 *    comes back through the callback exactly once; no well-formed answer
 *    within admit_timeout_ms is SIG_ADMIT_UNAVAILABLE (fail closed).
 *  - the decision feed: GET /api/v1/internal/decisions, first without
 *    after (the head: a fresh instance holds no calls), then every poll_ms
 *    ?after=cursor; each decision handed to the callback in order, then
 *    POST /api/v1/internal/decisions/ack {instance, seq}. A failed poll is
 *    retried with backoff (poll_ms doubling to 10 s) from the same cursor,
 *    so no decision is ever skipped; a failed ack is retried with the next
 *    poll (the cursor already moved: applying twice is harmless, but we
 *    never apply twice within one run). */
#ifndef PARLOUR_SIG_BOOKING_H
#define PARLOUR_SIG_BOOKING_H

#include <glib.h>

#include "sig_decisions.h"

typedef struct SigBooking SigBooking;

typedef struct {
  const char *base_url;   /* "https://127.0.0.1:8443" */
  const char *credential;
  const char *ca_file;    /* NULL/"": system CAs */
  const char *instance;   /* names this instance in acks */
  int admit_timeout_ms;   /* 3000 */
  int poll_ms;            /* 500 */
} SigBookingConfig;

/* NULL with a reason in err (a CA file that exists but cannot be read). */
SigBooking *sig_booking_new(const SigBookingConfig *cfg, char *err, size_t errsize);
void sig_booking_free(SigBooking *b);

typedef void (*SigAdmitCb)(const SigAdmitAnswer *a, void *user);
/* Asks booking; cb(user) is called once, later, from the main loop (never
 * from inside this call), then free_user(user). */
void sig_booking_admit(SigBooking *b, const char *visit_id, const char *participant,
                       const char *role, const char *jti, SigAdmitCb cb, void *user,
                       GDestroyNotify free_user);

typedef void (*SigDecisionCb)(const SigDecision *d, void *user);
/* Starts the feed (from the main loop). */
void sig_booking_start_feed(SigBooking *b, SigDecisionCb cb, void *user);

#endif
