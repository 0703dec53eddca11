/* sfu_metrics: the SFU's families in the process registry (GET /metrics on
 * the control port, docs/architecture.md "Metrics").
 *
 * Nothing here is on the packet path. At scrape time the control thread
 * asks every worker (worker_invoke) for its rooms' own stats — the same
 * room_stats the control API answers — and waits for them (at most 1 s).
 * Counters (packets and bytes forwarded, drops by reason...) are built from
 * those cumulative per-participant numbers: each scrape adds what every
 * participant gained since the last one. A room or participant about to be
 * removed through the control API is read one last time first (queued on
 * its worker ahead of the removal), so its final numbers are counted; one
 * that fails on its own (ice_failed, dtls_failed) loses only what it
 * gained since the previous scrape. Gauges (rooms, participants,
 * transports by state, tracks, bit rates) describe the moment of the
 * scrape. ICE/DTLS failures are counted from the participant_disconnected
 * events as they pass through the control thread.
 *
 * Every function runs on the control (main) thread. */
#ifndef PARLOUR_SFU_METRICS_H
#define PARLOUR_SFU_METRICS_H

#include <jansson.h>

#include "worker.h"

/* Registers the families and the scrape-time collector; workers borrowed. */
void sfu_metrics_init(Worker **workers, int n_workers);
/* Stops asking the workers (before they are freed). */
void sfu_metrics_shutdown(void);
/* Called by control before it hands room_destroy (participant NULL) or
 * participant_remove to the room's worker. */
void sfu_metrics_room_leaving(Worker *w, const char *room, const char *participant);
/* Every event on its way to signalling (the text sfu_bus delivers). */
void sfu_metrics_on_event(const char *text);
/* Control connections open now (authenticated or not). */
void sfu_metrics_control_connections(int n);

#endif
