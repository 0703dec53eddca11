/* sig_metrics: signalling's families in the process registry (GET /metrics,
 * docs/architecture.md "Metrics"). Counters are moved by one-line calls at
 * the places things happen; gauges (rooms, participants, connections, SFU
 * nodes up, the event spool) are read from the server's tables at scrape
 * time, so they cannot drift. Label values are codes from fixed sets
 * (refusal codes, end reasons), never ids. Main thread only, like the
 * rest of signalling. */
#ifndef PARLOUR_SIG_METRICS_H
#define PARLOUR_SIG_METRICS_H

typedef struct SigServer SigServer;

/* Registers the families and the scrape-time collector (s borrowed). */
void sig_metrics_init(SigServer *s);
/* Stops reading s at scrape time (before the server is freed). */
void sig_metrics_detach(void);

/* A participant admitted: first join, or a return ("reconnect"). */
void sig_metrics_join(int reconnect);
/* A join refused, by the error code sent (docs/signalling-protocol.md). */
void sig_metrics_join_refused(const char *code);
/* A call ended, by reason (visit_ended's reason). */
void sig_metrics_call_ended(const char *reason);
/* An admission check asked of booking (/internal/admit) and its outcome:
 * "admitted", "refused", "unavailable" (booking could not be asked: fail
 * closed). */
void sig_metrics_admission(const char *outcome);
/* A booking decision applied to a live call, by action ("end_call",
 * "remove_participant", "update_policy"). */
void sig_metrics_decision_applied(const char *action);

#endif
