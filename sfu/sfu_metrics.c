#include "sfu_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "room.h"

#define GATHER_TIMEOUT_US (1 * G_USEC_PER_SEC)

/* ---- families ---- */

static Metric *m_rooms, *m_participants, *m_transports, *m_tracks, *m_recordings, *m_workers,
    *m_fwd_packets, *m_fwd_bytes, *m_rx_packets, *m_rx_bytes, *m_drops, *m_retransmitted,
    *m_nacks, *m_plis, *m_lost, *m_keyframes, *m_fwd_bps, *m_rx_bps, *m_disconnects,
    *m_scrape_timeouts, *m_control_conns, *m_path_switches;

/* A counter read from the rooms' stats: the name used in the per-entry
 * tables ("fwd_bytes|video") is its family and label value. */
typedef struct {
  const char *key;
  Metric **family;
} CounterKind;
static const CounterKind counter_kinds[] = {
    {"fwd_packets", &m_fwd_packets}, {"fwd_bytes", &m_fwd_bytes},
    {"rx_packets", &m_rx_packets},   {"rx_bytes", &m_rx_bytes},
    {"drop", &m_drops},              {"retransmitted", &m_retransmitted},
    {"nacks", &m_nacks},             {"plis", &m_plis},
    {"lost", &m_lost},               {"keyframes", &m_keyframes},
    {"path_switches", &m_path_switches},
};

/* ---- state (control thread only) ---- */

static Worker **workers;
static int n_workers;
/* "room\x1fparticipant" (participant "" for the room's own counters) ->
 * GHashTable counter key -> guint64* last value seen. */
static GHashTable *last_seen;
/* Rooms and "room\x1fparticipant" whose last reading is on its way back
 * from a worker: a scrape that no longer sees them keeps their entries. */
static GHashTable *leaving;
static double last_fwd_bytes, last_rx_bytes;
static gint64 last_scrape_us;

static GHashTable *counters_new(void) {
  return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void cur_add(GHashTable *cur, const char *key, const char *label, json_int_t v) {
  if (v <= 0) return;
  char *k = g_strdup_printf("%s|%s", key, label ? label : "");
  guint64 *p = g_hash_table_lookup(cur, k);
  if (!p) {
    p = g_new0(guint64, 1);
    g_hash_table_insert(cur, k, p);
  } else {
    g_free(k);
  }
  *p += (guint64)v;
}

static json_int_t jint(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Any "dropped_<reason>" integer in o counts as a drop for <reason>: the
 * engine's own drop counters (participant_stats, room_stats) show up here
 * without this file knowing each one. */
static void add_drops(GHashTable *cur, json_t *o, const char *prefix) {
  if (!json_is_object(o)) return;
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    if (g_str_has_prefix(k, "dropped_") && json_is_integer(v)) {
      char reason[96];
      g_snprintf(reason, sizeof reason, "%s%s", prefix, k + strlen("dropped_"));
      cur_add(cur, "drop", reason, json_integer_value(v));
    }
  }
}

/* The series a counter key ("fwd_bytes|video") adds to, looked up once. */
static GHashTable *series_cache; /* key -> MetricSeries* */

static MetricSeries *series_for(const char *k) {
  MetricSeries *s = g_hash_table_lookup(series_cache, k);
  if (s) return s;
  const char *bar = strchr(k, '|');
  size_t n = bar ? (size_t)(bar - k) : strlen(k);
  for (size_t i = 0; bar && i < G_N_ELEMENTS(counter_kinds); i++) {
    const CounterKind *ck = &counter_kinds[i];
    if (strlen(ck->key) != n || strncmp(k, ck->key, n) != 0) continue;
    s = bar[1] ? metrics_at(*ck->family, bar + 1) : metrics_only(*ck->family);
    if (s) g_hash_table_insert(series_cache, g_strdup(k), s);
    return s;
  }
  return NULL;
}

/* Folds cur (this reading) into the exported counters: what each counter
 * gained since the last reading of the same entry. A value below the last
 * (the same participant id added again) counts from zero. */
static void apply(const char *entry, GHashTable *cur) {
  GHashTable *prev = g_hash_table_lookup(last_seen, entry);
  if (!prev) {
    prev = counters_new();
    g_hash_table_insert(last_seen, g_strdup(entry), prev);
  }
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, cur);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    guint64 now = *(guint64 *)v;
    guint64 *was = g_hash_table_lookup(prev, k);
    guint64 delta = !was ? now : now >= *was ? now - *was : now;
    if (!was) {
      was = g_new0(guint64, 1);
      g_hash_table_insert(prev, g_strdup(k), was);
    }
    *was = now;
    if (delta) metrics_add(series_for(k), (double)delta);
  }
}

/* ---- reading a room (any thread: plain C out of a json_t) ---- */

static const char *const transport_states[] = {"new", "checking", "connected", "failed",
                                               "closed"};

typedef struct {
  char *entry;       /* "room\x1fparticipant", participant "" for the room's own */
  GHashTable *cur;   /* counter key -> guint64* */
} EntryReading;

typedef struct {
  int worker, participants, recording;
  int transports[G_N_ELEMENTS(transport_states)];
  int tracks_audio, tracks_video;
  GPtrArray *entries; /* EntryReading* */
} RoomReading;

static void entry_free(gpointer p) {
  EntryReading *e = p;
  g_free(e->entry);
  g_hash_table_destroy(e->cur);
  g_free(e);
}

static void reading_free(gpointer p) {
  RoomReading *r = p;
  if (!r) return;
  g_ptr_array_free(r->entries, TRUE);
  g_free(r);
}

static void add_entry(RoomReading *rr, char *entry, GHashTable *cur) {
  EntryReading *e = g_new0(EntryReading, 1);
  e->entry = entry;
  e->cur = cur;
  g_ptr_array_add(rr->entries, e);
}

/* One room's stats (room_stats' result) as counters per entry and the
 * room's gauges. only: just this participant's entry (a last reading). */
static RoomReading *read_room(json_t *room, const char *only) {
  const char *name = jsonu_str(room, "room");
  if (!name) return NULL;
  RoomReading *rr = g_new0(RoomReading, 1);
  rr->entries = g_ptr_array_new_with_free_func(entry_free);
  rr->worker = (int)jint(room, "worker");
  json_t *parts = json_object_get(room, "participants");
  rr->participants = (int)json_array_size(parts);
  rr->recording = json_is_true(json_object_get(room, "recording"));
  if (!only) {
    GHashTable *cur = counters_new();
    /* The recorder's dropped_queue_full and dropped_backlog. */
    add_drops(cur, json_object_get(room, "recorder"), "recorder_");
    add_drops(cur, room, "");
    add_entry(rr, g_strdup_printf("%s\x1f", name), cur);
  }
  size_t i;
  json_t *p;
  json_array_foreach(parts, i, p) {
    const char *pid = jsonu_str(p, "participant");
    if (!pid || (only && strcmp(only, pid) != 0)) continue;
    GHashTable *cur = counters_new();
    json_t *pub = json_object_get(p, "publisher"), *sub = json_object_get(p, "subscriber");
    cur_add(cur, "rx_packets", NULL, jint(pub, "packets_in"));
    cur_add(cur, "rx_bytes", NULL, jint(pub, "bytes_in"));
    cur_add(cur, "drop", "undecryptable", jint(pub, "undecryptable") + jint(sub, "undecryptable"));
    for (int k = 0; k < 2; k++) {
      static const char *why[2] = {"nominated", "followed"};
      char key[64];
      g_snprintf(key, sizeof key, "path_switches_%s", why[k]);
      cur_add(cur, "path_switches", why[k], jint(pub, key) + jint(sub, key));
    }
    add_drops(cur, p, "");
    add_drops(cur, pub, "");
    add_drops(cur, sub, "");
    json_t *trs[2] = {pub, sub};
    for (int k = 0; k < 2; k++) {
      const char *st = trs[k] ? jsonu_str(trs[k], "state") : NULL;
      for (size_t s = 0; st && s < G_N_ELEMENTS(transport_states); s++)
        if (!strcmp(st, transport_states[s])) rr->transports[s]++;
    }
    size_t j;
    json_t *t;
    json_array_foreach(json_object_get(p, "tracks"), j, t) {
      const char *kind = jsonu_str(t, "kind");
      if (kind && !strcmp(kind, "audio")) rr->tracks_audio++;
      if (kind && !strcmp(kind, "video")) rr->tracks_video++;
      cur_add(cur, "lost", NULL, jint(t, "lost"));
      cur_add(cur, "keyframes", NULL, jint(t, "keyframe_requests"));
      add_drops(cur, t, "");
    }
    json_array_foreach(json_object_get(p, "subscriptions"), j, t) {
      const char *kind = jsonu_str(t, "kind");
      kind = kind && (!strcmp(kind, "audio") || !strcmp(kind, "video")) ? kind : "other";
      cur_add(cur, "fwd_packets", kind, jint(t, "packets"));
      cur_add(cur, "fwd_bytes", kind, jint(t, "bytes"));
      cur_add(cur, "retransmitted", NULL, jint(t, "retransmitted"));
      cur_add(cur, "nacks", NULL, jint(t, "nacks_received"));
      cur_add(cur, "plis", NULL, jint(t, "plis_received"));
      add_drops(cur, t, "");
    }
    add_entry(rr, g_strdup_printf("%s\x1f%s", name, pid), cur);
  }
  return rr;
}

/* Worker thread: the room's reading, or NULL when it is not (any more) here. */
static RoomReading *read_room_on_worker(Worker *w, const char *name, const char *only) {
  Room *room = worker_find_room(w, name);
  if (!room) return NULL;
  json_t *res = room_handle(room, "room_stats", NULL);
  RoomReading *rr = read_room(res, only);
  json_decref(res);
  return rr;
}

/* ---- asking the workers ---- */

/* Rooms a worker reads per wake-up: between two batches its packets go on,
 * so a scrape never stalls a worker's forwarding for more than one batch. */
#define ROOMS_PER_BATCH 16

typedef struct {
  gint refs;
  GMutex lock;
  GCond cond;
  int pending;
  GPtrArray *readings; /* RoomReading* */
} Gather;

typedef struct {
  Gather *g;
  Worker *w;
  GPtrArray *names; /* the worker's rooms when the job started */
  guint next;
  GPtrArray *mine;  /* RoomReading* read so far */
} GatherJob;

static void gather_unref(Gather *g) {
  if (!g_atomic_int_dec_and_test(&g->refs)) return;
  g_ptr_array_free(g->readings, TRUE);
  g_mutex_clear(&g->lock);
  g_cond_clear(&g->cond);
  g_free(g);
}

static void gather_job_free(gpointer p) {
  GatherJob *j = p;
  gather_unref(j->g);
  if (j->names) g_ptr_array_free(j->names, TRUE);
  if (j->mine) g_ptr_array_free(j->mine, TRUE);
  g_free(j);
}

static void add_name(gpointer name, gpointer room, gpointer user) {
  (void)room;
  g_ptr_array_add(user, g_strdup(name));
}

static gboolean gather_on_worker(gpointer data) {
  GatherJob *j = data;
  if (!j->names) {
    j->names = g_ptr_array_new_with_free_func(g_free);
    j->mine = g_ptr_array_new_with_free_func(reading_free);
    worker_foreach_room(j->w, add_name, j->names);
  }
  /* A room destroyed between two batches is simply not found. */
  for (guint n = 0; j->next < j->names->len && n < ROOMS_PER_BATCH; n++, j->next++) {
    RoomReading *rr = read_room_on_worker(j->w, j->names->pdata[j->next], NULL);
    if (rr) g_ptr_array_add(j->mine, rr);
  }
  if (j->next < j->names->len) return G_SOURCE_CONTINUE;
  g_mutex_lock(&j->g->lock);
  for (guint i = 0; i < j->mine->len; i++) g_ptr_array_add(j->g->readings, j->mine->pdata[i]);
  g_ptr_array_set_free_func(j->mine, NULL);
  j->g->pending--;
  g_cond_signal(&j->g->cond);
  g_mutex_unlock(&j->g->lock);
  return G_SOURCE_REMOVE;
}

static void sweep(GHashTable *seen) {
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, last_seen);
  while (g_hash_table_iter_next(&it, &k, NULL)) {
    if (g_hash_table_contains(seen, k) || g_hash_table_contains(leaving, k)) continue;
    char *room = g_strndup(k, strcspn(k, "\x1f"));
    int keep = g_hash_table_contains(leaving, room);
    g_free(room);
    if (!keep) g_hash_table_iter_remove(&it);
  }
}

static void collect(MetricsRegistry *reg, void *user) {
  (void)reg;
  (void)user;
  if (!workers) return;
  Gather *g = g_new0(Gather, 1);
  g->refs = 1 + n_workers;
  g_mutex_init(&g->lock);
  g_cond_init(&g->cond);
  g->pending = n_workers;
  g->readings = g_ptr_array_new_with_free_func(reading_free);
  for (int i = 0; i < n_workers; i++) {
    GatherJob *j = g_new0(GatherJob, 1);
    j->g = g;
    j->w = workers[i];
    worker_invoke(workers[i], gather_on_worker, j, gather_job_free);
  }
  gint64 started = g_get_monotonic_time();
  gint64 deadline = started + GATHER_TIMEOUT_US;
  g_mutex_lock(&g->lock);
  while (g->pending > 0)
    if (!g_cond_wait_until(&g->cond, &g->lock, deadline)) break;
  int late = g->pending;
  GPtrArray *readings = g->readings;
  g->readings = g_ptr_array_new_with_free_func(reading_free); /* a late worker adds here */
  g_mutex_unlock(&g->lock);
  gather_unref(g);
  if (late) {
    /* Counters keep their values (entries of unanswered workers are not
     * swept); gauges show what answered. */
    metrics_inc(metrics_only(m_scrape_timeouts));
    log_warn("metrics_workers_late", "workers=%d", late);
  }

  gint64 gathered = g_get_monotonic_time();
  int rooms[64] = {0}, participants[64] = {0}, transports[G_N_ELEMENTS(transport_states)] = {0};
  int audio = 0, video = 0, recordings = 0;
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal); /* borrows the entries' names */
  for (guint i = 0; i < readings->len; i++) {
    RoomReading *rr = readings->pdata[i];
    if (rr->worker >= 0 && rr->worker < 64) {
      rooms[rr->worker]++;
      participants[rr->worker] += rr->participants;
    }
    for (size_t s = 0; s < G_N_ELEMENTS(transport_states); s++) transports[s] += rr->transports[s];
    audio += rr->tracks_audio;
    video += rr->tracks_video;
    recordings += rr->recording;
    for (guint e = 0; e < rr->entries->len; e++) {
      EntryReading *er = rr->entries->pdata[e];
      apply(er->entry, er->cur);
      g_hash_table_add(seen, er->entry);
    }
  }
  if (!late) sweep(seen);
  g_hash_table_destroy(seen);
  log_debug("metrics_scrape", "rooms=%u wait_us=%" G_GINT64_FORMAT " apply_us=%" G_GINT64_FORMAT,
            readings->len, gathered - started, g_get_monotonic_time() - gathered);
  g_ptr_array_free(readings, TRUE);

  for (int i = 0; i < n_workers && i < 64; i++) {
    char idx[16];
    g_snprintf(idx, sizeof idx, "%d", i);
    metrics_set(metrics_at(m_rooms, idx), rooms[i]);
    metrics_set(metrics_at(m_participants, idx), participants[i]);
  }
  for (size_t s = 0; s < G_N_ELEMENTS(transport_states); s++)
    metrics_set(metrics_at(m_transports, transport_states[s]), transports[s]);
  metrics_set(metrics_at(m_tracks, "audio"), audio);
  metrics_set(metrics_at(m_tracks, "video"), video);
  metrics_set(metrics_only(m_recordings), recordings);

  /* Bit rates over the time since the previous scrape, from the counters. */
  double fwd = metrics_value(metrics_at(m_fwd_bytes, "audio")) +
               metrics_value(metrics_at(m_fwd_bytes, "video")) +
               metrics_value(metrics_at(m_fwd_bytes, "other"));
  double rx = metrics_value(metrics_only(m_rx_bytes));
  gint64 now = g_get_monotonic_time();
  if (last_scrape_us && now > last_scrape_us) {
    double dt = (double)(now - last_scrape_us) / G_USEC_PER_SEC;
    metrics_set(metrics_only(m_fwd_bps), (fwd - last_fwd_bytes) * 8 / dt);
    metrics_set(metrics_only(m_rx_bps), (rx - last_rx_bytes) * 8 / dt);
  }
  last_scrape_us = now;
  last_fwd_bytes = fwd;
  last_rx_bytes = rx;
}

/* ---- last reading before a removal ---- */

typedef struct {
  Worker *w;
  char *room, *participant; /* participant NULL: the whole room */
  RoomReading *reading;     /* read on the worker; NULL if the room was gone */
} Fold;

static void fold_free(gpointer p) {
  Fold *f = p;
  g_free(f->room);
  g_free(f->participant);
  reading_free(f->reading);
  g_free(f);
}

static char *leaving_key(const Fold *f) {
  return f->participant ? g_strdup_printf("%s\x1f%s", f->room, f->participant) : g_strdup(f->room);
}

/* Control thread: apply the last reading, then forget the entries. */
static gboolean fold_on_control(gpointer data) {
  Fold *f = data;
  if (!last_seen) return G_SOURCE_REMOVE;
  for (guint e = 0; f->reading && e < f->reading->entries->len; e++) {
    EntryReading *er = f->reading->entries->pdata[e];
    apply(er->entry, er->cur);
  }
  char *key = leaving_key(f);
  guint *n = g_hash_table_lookup(leaving, key);
  if (n && --*n == 0) g_hash_table_remove(leaving, key);
  g_free(key);
  if (f->participant) {
    char *entry = g_strdup_printf("%s\x1f%s", f->room, f->participant);
    g_hash_table_remove(last_seen, entry);
    g_free(entry);
  } else {
    GHashTableIter it;
    gpointer k;
    size_t rl = strlen(f->room);
    g_hash_table_iter_init(&it, last_seen);
    while (g_hash_table_iter_next(&it, &k, NULL))
      if (strncmp(k, f->room, rl) == 0 && ((char *)k)[rl] == '\x1f') g_hash_table_iter_remove(&it);
  }
  return G_SOURCE_REMOVE;
}

static gboolean fold_on_worker(gpointer data) {
  Fold *f = data;
  f->reading = read_room_on_worker(f->w, f->room, f->participant);
  GSource *s = g_idle_source_new();
  g_source_set_priority(s, G_PRIORITY_DEFAULT);
  g_source_set_callback(s, fold_on_control, f, fold_free);
  g_source_attach(s, g_main_context_default());
  g_source_unref(s);
  return G_SOURCE_REMOVE;
}

void sfu_metrics_room_leaving(Worker *w, const char *room, const char *participant) {
  if (!workers || !w || !room) return;
  Fold *f = g_new0(Fold, 1);
  f->w = w;
  f->room = g_strdup(room);
  f->participant = g_strdup(participant);
  char *key = leaving_key(f);
  guint *n = g_hash_table_lookup(leaving, key);
  if (!n) {
    n = g_new0(guint, 1);
    g_hash_table_insert(leaving, key, n);
  } else {
    g_free(key);
  }
  (*n)++;
  /* Queued on the worker ahead of the removal the caller submits next:
   * a worker runs its jobs in order. */
  worker_invoke(w, fold_on_worker, f, NULL);
}

/* ---- events ---- */

void sfu_metrics_on_event(const char *text) {
  /* Most events are not this one: a substring test spares parsing them. */
  if (!m_disconnects || !strstr(text, "\"participant_disconnected\"")) return;
  json_t *ev = json_loads(text, 0, NULL);
  const char *reason = ev ? jsonu_str(ev, "reason") : NULL;
  static const char *const known[] = {"removed", "room_destroyed", "shutdown", "closed",
                                      "ice_failed", "dtls_failed"};
  const char *label = "other";
  for (size_t i = 0; reason && i < G_N_ELEMENTS(known); i++)
    if (!strcmp(reason, known[i])) label = known[i];
  metrics_inc(metrics_at(m_disconnects, label));
  json_decref(ev);
}

void sfu_metrics_control_connections(int n) {
  metrics_set(metrics_only(m_control_conns), n);
}

/* ---- life ---- */

void sfu_metrics_init(Worker **ws, int n) {
  MetricsRegistry *r = metrics_default();
  workers = ws;
  n_workers = n;
  last_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify)g_hash_table_destroy);
  leaving = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  series_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  m_workers = metrics_gauge(r, "sfu_workers", "media worker threads", NULL);
  metrics_set(metrics_only(m_workers), n);
  m_rooms = metrics_gauge(r, "sfu_rooms", "rooms (calls) on this node, by worker", "worker");
  m_participants = metrics_gauge(r, "sfu_participants", "participants on this node, by worker",
                                 "worker");
  m_transports = metrics_gauge(r, "sfu_transports", "peer transports by state", "state");
  m_tracks = metrics_gauge(r, "sfu_tracks", "published tracks by kind", "kind");
  m_recordings = metrics_gauge(r, "sfu_recordings_active", "rooms recording now", NULL);
  m_fwd_packets = metrics_counter(r, "sfu_forwarded_packets_total",
                                  "RTP packets forwarded to subscribers, by kind", "kind");
  m_fwd_bytes = metrics_counter(r, "sfu_forwarded_bytes_total",
                                "RTP bytes forwarded to subscribers, by kind", "kind");
  m_rx_packets = metrics_counter(r, "sfu_received_packets_total",
                                 "packets received on publisher transports", NULL);
  m_rx_bytes = metrics_counter(r, "sfu_received_bytes_total",
                               "bytes received on publisher transports", NULL);
  m_drops = metrics_counter(r, "sfu_dropped_packets_total",
                            "packets dropped by the SFU, by reason (undecryptable, "
                            "recorder_queue_full, recorder_backlog, and the engine's own "
                            "dropped_* counters)",
                            "reason");
  m_retransmitted = metrics_counter(r, "sfu_retransmitted_packets_total",
                                    "packets resent to subscribers after a NACK", NULL);
  m_nacks = metrics_counter(r, "sfu_nacks_received_total", "NACKs received from subscribers",
                            NULL);
  m_plis = metrics_counter(r, "sfu_plis_received_total", "PLIs received from subscribers", NULL);
  m_lost = metrics_counter(r, "sfu_publisher_packets_lost_total",
                           "packets lost between publishers and the SFU (RTP sequence gaps)",
                           NULL);
  m_keyframes = metrics_counter(r, "sfu_keyframe_requests_total",
                                "keyframe requests sent to publishers", NULL);
  m_fwd_bps = metrics_gauge(r, "sfu_forwarded_bitrate_bps",
                            "forwarded RTP bit rate since the previous scrape", NULL);
  m_rx_bps = metrics_gauge(r, "sfu_received_bitrate_bps",
                           "received bit rate on publisher transports since the previous scrape",
                           NULL);
  m_disconnects = metrics_counter(r, "sfu_participant_disconnects_total",
                                  "participants removed, by reason: ice_failed and dtls_failed "
                                  "are transport failures",
                                  "reason");
  m_path_switches = metrics_counter(r, "sfu_path_switches_total",
                                    "times a transport's media moved to another of the peer's "
                                    "checked addresses: one the peer nominated, or one it sends "
                                    "from after the old one fell silent",
                                    "why");
  m_scrape_timeouts = metrics_counter(r, "sfu_metrics_worker_timeouts_total",
                                      "scrapes where a worker did not answer within 1 s", NULL);
  m_control_conns = metrics_gauge(r, "sfu_control_connections", "open control connections",
                                  NULL);
  /* Series that exist before their first event, so rate() and alerts on
   * failures have a start. */
  metrics_at(m_disconnects, "ice_failed");
  metrics_at(m_disconnects, "dtls_failed");
  metrics_at(m_fwd_packets, "audio");
  metrics_at(m_fwd_packets, "video");
  metrics_at(m_fwd_bytes, "audio");
  metrics_at(m_fwd_bytes, "video");
  metrics_only(m_rx_packets);
  metrics_only(m_rx_bytes);
  metrics_at(m_drops, "undecryptable");
  metrics_at(m_drops, "unchecked_address");
  metrics_at(m_path_switches, "nominated");
  metrics_at(m_path_switches, "followed");
  metrics_only(m_scrape_timeouts);
  metrics_only(m_control_conns);
  metrics_add_collector(r, collect, NULL);
}

void sfu_metrics_shutdown(void) {
  workers = NULL;
  n_workers = 0;
}
