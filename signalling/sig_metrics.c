#include "sig_metrics.h"

#include "metrics.h"
#include "sig_room.h"
#include "sig_server_state.h"

static Metric *m_joins, *m_refusals, *m_ended, *m_admission, *m_decisions, *m_rooms,
    *m_participants, *m_connections, *m_nodes, *m_node_rooms, *m_spool;
static SigServer *srv;

static void collect(MetricsRegistry *reg, void *user) {
  (void)reg;
  (void)user;
  if (!srv) return;
  metrics_set(metrics_only(m_rooms), g_hash_table_size(srv->rooms));
  guint present = 0, away = 0;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, srv->rooms);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    SigRoom *r = v;
    GHashTableIter pit;
    gpointer pk, pv;
    g_hash_table_iter_init(&pit, r->parts);
    while (g_hash_table_iter_next(&pit, &pk, &pv)) {
      SigPart *p = pv;
      if (p->conn)
        present++;
      else
        away++;
    }
  }
  metrics_set(metrics_at(m_participants, "present"), present);
  metrics_set(metrics_at(m_participants, "away"), away);
  metrics_set(metrics_only(m_connections), g_hash_table_size(srv->conns));
  guint up = 0;
  for (guint i = 0; i < srv->nodes->len; i++) {
    SfuNode *n = srv->nodes->pdata[i];
    if (sfu_node_healthy(n)) up++;
    char idx[16];
    g_snprintf(idx, sizeof idx, "%d", sfu_node_index(n));
    /* The node's index in [sfu] nodes: a small fixed set. */
    metrics_set(metrics_at(m_node_rooms, idx), sfu_node_rooms(n));
  }
  metrics_set(metrics_at(m_nodes, "up"), up);
  metrics_set(metrics_at(m_nodes, "down"), srv->nodes->len - up);
  metrics_set(metrics_only(m_spool), srv->events ? sig_events_pending(srv->events) : 0);
}

void sig_metrics_init(SigServer *s) {
  MetricsRegistry *r = metrics_default();
  srv = s;
  m_joins = metrics_counter(r, "signal_joins_total",
                            "participants admitted to a call: first joins and reconnects",
                            "kind");
  m_refusals = metrics_counter(r, "signal_join_refusals_total",
                               "joins refused, by the error code sent to the client", "code");
  m_ended = metrics_counter(r, "signal_calls_ended_total", "calls ended, by reason", "reason");
  m_admission = metrics_counter(r, "signal_admission_checks_total",
                                "admission checks asked of booking at first join, by outcome",
                                "outcome");
  m_decisions = metrics_counter(r, "signal_decisions_applied_total",
                                "booking decisions applied to live calls, by action", "action");
  m_rooms = metrics_gauge(r, "signal_rooms", "live calls on this instance", NULL);
  m_participants = metrics_gauge(r, "signal_participants",
                                 "participants of live calls: connected now (present) or within "
                                 "their reconnect grace (away)",
                                 "state");
  m_connections = metrics_gauge(r, "signal_connections", "open /ws connections", NULL);
  m_nodes = metrics_gauge(r, "signal_sfu_nodes", "SFU nodes by control connection state",
                          "state");
  m_node_rooms = metrics_gauge(r, "signal_sfu_node_rooms",
                               "rooms this instance placed on each SFU node (index in [sfu] "
                               "nodes)",
                               "node");
  m_spool = metrics_gauge(r, "signal_events_pending",
                          "visit events spooled and not yet accepted by booking", NULL);
  /* Series that exist before their first event, so a rate() has a start. */
  metrics_at(m_joins, "first");
  metrics_at(m_joins, "reconnect");
  metrics_add_collector(r, collect, NULL);
}

void sig_metrics_detach(void) { srv = NULL; }

void sig_metrics_join(int reconnect) {
  metrics_inc(metrics_at(m_joins, reconnect ? "reconnect" : "first"));
}
void sig_metrics_join_refused(const char *code) { metrics_inc(metrics_at(m_refusals, code)); }
void sig_metrics_call_ended(const char *reason) { metrics_inc(metrics_at(m_ended, reason)); }
void sig_metrics_admission(const char *outcome) { metrics_inc(metrics_at(m_admission, outcome)); }
void sig_metrics_decision_applied(const char *action) {
  metrics_inc(metrics_at(m_decisions, action));
}
