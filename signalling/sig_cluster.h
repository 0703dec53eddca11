/* Several signalling instances (docs/contracts.md, "Several signalling
 * instances"): this instance probes every other one's
 * GET /internal/cluster/state (the service credential; it answers the visits
 * whose calls are live there) every probe_ms, and answers where a first
 * join of a visit must go — here, another instance (the client is
 * redirected), or wait — by the call core's rule (sig_call_pin.h). libsoup
 * on the main context, like sig_booking.c. */
#ifndef PARLOUR_SIG_CLUSTER_H
#define PARLOUR_SIG_CLUSTER_H

#include <glib.h>
#include <jansson.h>

#include "httpd.h"
#include "sig_call_pin.h"

typedef struct SigCluster SigCluster;

typedef struct {
  char **instances;       /* every instance's wss://HOST:PORT/PATH, this one included */
  const char *self;       /* this instance's, one of instances */
  const char *credential; /* presented to and expected from the others */
  const char *ca_file;    /* their TLS certificates chain to it; NULL/"": system CAs */
  int probe_ms;
} SigClusterConfig;

/* Checks the config (self in the list, wss:// URLs, at most SIG_PIN_MAX);
 * NULL with a message on error. Probing starts at once. */
SigCluster *sig_cluster_new(const SigClusterConfig *cfg, char *err, size_t errsize);
void sig_cluster_free(SigCluster *c);

/* Where a first join of visit goes; *url (SIG_PIN_THERE) is borrowed. */
SigPinKind sig_cluster_where(SigCluster *c, const char *visit, const char **url);
/* Every instance's URL, ranked for visit (the client's fail-over list). */
json_t *sig_cluster_ranked(SigCluster *c, const char *visit);

/* The state endpoint: checks the credential and answers
 * {"instance":self,"rooms":rooms} (rooms stolen). */
void sig_cluster_answer_state(SigCluster *c, const HttpRequest *req, HttpResponse *resp,
                              json_t *rooms);

#endif
