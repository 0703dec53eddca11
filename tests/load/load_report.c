#include "load_report.h"
#include "udp_pump.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Totals over every received stream, for deltas. */
typedef struct {
  uint64_t rx_packets, rx_bytes, expected, received, reordered, duplicates;
  uint64_t tx_packets, tx_bytes;
  uint64_t streams, undecryptable;
  int peers_connected, peers_failed, peers;
} Totals;

static struct {
  Totals prev;          /* at the previous table line */
  int64_t prev_us;
  Totals start, end;    /* measurement window */
  int64_t start_us, end_us;
  double srv_cpu0, srv_cpu1, gen_cpu0, gen_cpu1;
  long srv_rss0, srv_rss1, srv_rss_max;
  LoadHist lat_window;  /* copy of app->lat at the end */
  bool have_end;
} R;

double load_proc_cpu_seconds(int pid) {
  char path[64], buf[1024];
  g_snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* Fields after the command name, which may hold spaces: find the last ')'. */
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  /* state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

long load_proc_rss_kib(int pid) {
  char path[64], line[256];
  g_snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

static void totals(LoadApp *app, Totals *t) {
  memset(t, 0, sizeof *t);
  t->tx_packets = app->pkts_sent;
  t->tx_bytes = app->bytes_sent;
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    for (guint j = 0; j < c->peers->len; j++) {
      LoadPeer *p = c->peers->pdata[j];
      t->peers++;
      if (p->failure) t->peers_failed++;
      else if ((!p->publishes || p->pub_state == PT_STATE_CONNECTED) &&
               p->sub_state == PT_STATE_CONNECTED)
        t->peers_connected++;
      if (p->sub) t->undecryptable += peer_transport_stats(p->sub)->undecryptable;
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init(&it, p->recv);
      while (g_hash_table_iter_next(&it, NULL, &v)) {
        LoadRecv *r = &((LoadRecvStream *)v)->st;
        t->streams++;
        t->rx_packets += r->packets;
        t->rx_bytes += r->bytes;
        t->expected += load_recv_expected(r);
        t->received += r->received;
        t->reordered += r->reordered;
        t->duplicates += r->duplicates;
      }
    }
  }
}

static double loss_pct(const Totals *a, const Totals *b) {
  int64_t exp = (int64_t)(b->expected - a->expected);
  int64_t rec = (int64_t)(b->received - a->received);
  if (exp <= 0) return 0;
  double l = 100.0 * (double)(exp - rec) / (double)exp;
  return l < 0 ? 0 : l;
}

static int calls_up(LoadApp *app) {
  int n = 0;
  for (guint i = 0; i < app->calls->len; i++)
    if (((LoadCall *)app->calls->pdata[i])->up_us) n++;
  return n;
}

void load_report_init(LoadApp *app) {
  memset(&R, 0, sizeof R);
  load_hist_init(&R.lat_window);
}

void load_report_clear(LoadApp *app) { load_hist_clear(&R.lat_window); }

void load_report_header(LoadApp *app, FILE *out) {
  fprintf(out, "# parlour-loadgen %s %s: %d calls x %d participants%s\n", app->drv->name,
          app->o.url, app->o.calls, app->o.participants,
          app->o.monitor ? " + a monitor wall" : "");
  fprintf(out, "%7s %9s %11s %9s %9s %8s %7s %8s %8s %8s\n", "t(s)", "calls up", "peers ok/bad",
          "tx pkt/s", "rx pkt/s", "rx Mb/s", "loss%", "p50 ms", "p99 ms", "lag ms");
}

void load_report_line(LoadApp *app, FILE *out) {
  Totals t;
  totals(app, &t);
  int64_t now = load_now_us();
  double dt = R.prev_us ? (now - R.prev_us) / 1e6 : (now - app->start_us) / 1e6;
  if (dt <= 0) dt = 1;
  int64_t p50 = load_hist_percentile(&app->lat_interval, 50);
  int64_t p99 = load_hist_percentile(&app->lat_interval, 99);
  char peers[32], calls[32];
  g_snprintf(peers, sizeof peers, "%d/%d", t.peers_connected, t.peers_failed);
  g_snprintf(calls, sizeof calls, "%d/%d", calls_up(app), app->o.calls);
  fprintf(out, "%7.1f %9s %11s %9.0f %9.0f %8.2f %7.3f %8.2f %8.2f %8.2f\n",
          (now - app->start_us) / 1e6, calls, peers, (t.tx_packets - R.prev.tx_packets) / dt,
          (t.rx_packets - R.prev.rx_packets) / dt, (t.rx_bytes - R.prev.rx_bytes) * 8 / dt / 1e6,
          loss_pct(&R.prev, &t), p50 < 0 ? 0 : p50 / 1000.0, p99 < 0 ? 0 : p99 / 1000.0,
          app->lag.max_us / 1000.0);
  load_hist_reset(&app->lat_interval);
  R.prev = t;
  R.prev_us = now;
}

void load_report_mark_start(LoadApp *app) {
  totals(app, &R.start);
  R.start_us = load_now_us();
  load_hist_reset(&app->lat);
  load_hist_reset(&app->lag);
  R.gen_cpu0 = load_proc_cpu_seconds(getpid());
  if (app->o.server_pid) {
    R.srv_cpu0 = load_proc_cpu_seconds(app->o.server_pid);
    R.srv_rss0 = load_proc_rss_kib(app->o.server_pid);
  }
}

/* The timestamp most latency samples came from. */
static const char *lat_source(const LoadApp *app) {
  if (!app->lat_capture && !app->lat_trailer && !app->lat_send) return "none";
  if (app->lat_capture >= app->lat_trailer && app->lat_capture >= app->lat_send)
    return "abs-capture-time";
  if (app->lat_trailer >= app->lat_send) return "padding-trailer";
  return "abs-send-time";
}

static double ms_or_null(int64_t us) { return us < 0 ? -1 : us / 1000.0; }

void load_report_final(LoadApp *app) {
  if (!R.start_us) load_report_mark_start(app); /* ended before every call was up */
  totals(app, &R.end);
  R.end_us = load_now_us();
  R.have_end = true;
  load_hist_reset(&R.lat_window);
  load_hist_merge(&R.lat_window, &app->lat);
  R.gen_cpu1 = load_proc_cpu_seconds(getpid());
  if (app->o.server_pid) {
    R.srv_cpu1 = load_proc_cpu_seconds(app->o.server_pid);
    R.srv_rss1 = load_proc_rss_kib(app->o.server_pid);
  }
  double win = (R.end_us - R.start_us) / 1e6;
  Totals *a = &R.start, *b = &R.end;
  printf("# summary (%s, %.1f s window): %d/%d calls up, peers ok %d, failed %d\n",
         app->drv->name, win, calls_up(app), app->o.calls, b->peers_connected, b->peers_failed);
  printf("#   sent %" G_GUINT64_FORMAT " pkts, received %" G_GUINT64_FORMAT " pkts in %"
         G_GUINT64_FORMAT " streams; loss %.3f%%; reordered %" G_GUINT64_FORMAT
         ", duplicates %" G_GUINT64_FORMAT ", undecryptable %" G_GUINT64_FORMAT "\n",
         b->tx_packets - a->tx_packets, b->rx_packets - a->rx_packets, b->streams,
         loss_pct(a, b), b->reordered, b->duplicates, b->undecryptable);
  printf("#   added latency (%s) p50 %.2f ms, p99 %.2f ms, max %.2f ms; generator lag max %.2f "
         "ms, generator CPU %.2f s/s\n",
         lat_source(app),
         ms_or_null(load_hist_percentile(&R.lat_window, 50)),
         ms_or_null(load_hist_percentile(&R.lat_window, 99)), R.lat_window.max_us / 1000.0,
         app->lag.max_us / 1000.0, win > 0 ? (R.gen_cpu1 - R.gen_cpu0) / win : 0);
  if (app->o.server_pid)
    printf("#   server pid %d: CPU %.3f s/s, RSS %ld -> %ld KiB\n", app->o.server_pid,
           win > 0 ? (R.srv_cpu1 - R.srv_cpu0) / win : 0, R.srv_rss0, R.srv_rss1);
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    for (guint j = 0; j < c->peers->len; j++) {
      LoadPeer *p = c->peers->pdata[j];
      if (p->failure) printf("#   %s/%s failed: %s\n", c->room, p->name, p->failure);
    }
  }
}

static json_t *stream_json(const LoadRecvStream *rs) {
  const LoadRecv *r = &rs->st;
  return json_pack(
      "{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}", "label", rs->label, "kind",
      r->video ? "video" : "audio", "ssrc", (json_int_t)r->ssrc, "packets", (json_int_t)r->packets,
      "bytes", (json_int_t)r->bytes, "expected", (json_int_t)load_recv_expected(r), "lost",
      (json_int_t)load_recv_lost(r), "reordered", (json_int_t)r->reordered, "duplicates",
      (json_int_t)r->duplicates, "jitter_ms", load_recv_jitter_ms(r), "latency_mean_ms",
      r->lat_count ? r->lat_sum_us / 1000.0 / r->lat_count : -1.0, "latency_max_ms",
      r->lat_max_us / 1000.0, "join_to_first_packet_ms",
      r->first_packet_us ? (r->first_packet_us - r->join_us) / 1000.0 : -1.0,
      "join_to_first_keyframe_ms", r->first_key_us ? (r->first_key_us - r->join_us) / 1000.0 : -1.0);
}

static json_t *send_json(const LoadSend *s) {
  return json_pack("{s:I,s:I,s:I,s:I,s:I}", "packets", (json_int_t)s->packets, "bytes",
                   (json_int_t)s->bytes, "frames", (json_int_t)s->frames, "keyframes_on_request",
                   (json_int_t)s->keyframes_forced, "send_errors", (json_int_t)s->send_errors);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static json_t *dist_json(GArray *v) {
  if (!v->len) return json_null();
  qsort(v->data, v->len, sizeof(double), cmp_double);
  double *d = (double *)v->data;
  return json_pack("{s:f,s:f,s:f}", "p50", d[(v->len - 1) / 2], "p99",
                   d[(size_t)((v->len - 1) * 0.99)], "max", d[v->len - 1]);
}

int load_report_write_json(LoadApp *app, const char *path, char *err, size_t errsize) {
  if (!R.have_end) load_report_final(app);
  Totals *a = &R.start, *b = &R.end;
  double win = (R.end_us - R.start_us) / 1e6;
  json_t *calls = json_array();
  GArray *first_pkt = g_array_new(FALSE, FALSE, sizeof(double));
  GArray *first_key = g_array_new(FALSE, FALSE, sizeof(double));
  double jitter_sum = 0;
  unsigned jitter_n = 0;
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    json_t *peers = json_array();
    for (guint j = 0; j < c->peers->len; j++) {
      LoadPeer *p = c->peers->pdata[j];
      json_t *streams = json_array();
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init(&it, p->recv);
      while (g_hash_table_iter_next(&it, NULL, &v)) {
        LoadRecvStream *rs = v;
        json_array_append_new(streams, stream_json(rs));
        jitter_sum += load_recv_jitter_ms(&rs->st);
        jitter_n++;
        if (rs->st.first_packet_us) {
          double ms = (rs->st.first_packet_us - rs->st.join_us) / 1000.0;
          g_array_append_val(first_pkt, ms);
        }
        if (rs->st.first_key_us) {
          double ms = (rs->st.first_key_us - rs->st.join_us) / 1000.0;
          g_array_append_val(first_key, ms);
        }
      }
      json_t *pj = json_pack("{s:s,s:b,s:o,s:o,s:o,s:o,s:o}", "name", p->name, "publishes",
                             p->publishes, "failure", p->failure ? json_string(p->failure) : json_null(),
                             "sent_audio", send_json(&p->asend), "sent_video", send_json(&p->vsend),
                             "received", streams, "undecryptable",
                             json_integer(p->sub ? (json_int_t)peer_transport_stats(p->sub)->undecryptable : 0));
      json_object_set_new(pj, "publisher_connected_ms",
                          p->pub_connected_us ? json_real((p->pub_connected_us - p->join_us) / 1000.0)
                                              : json_null());
      json_object_set_new(pj, "subscriber_connected_ms",
                          p->sub_connected_us ? json_real((p->sub_connected_us - p->join_us) / 1000.0)
                                              : json_null());
      json_array_append_new(peers, pj);
    }
    json_array_append_new(calls, json_pack("{s:s,s:o,s:o}", "room", c->room, "up_ms",
                                           c->up_us ? json_real((c->up_us - c->start_us) / 1000.0)
                                                    : json_null(),
                                           "peers", peers));
  }
  const LoadHist *h = &R.lat_window;
  json_t *lat = json_pack("{s:s,s:I,s:f,s:f,s:f,s:f,s:f,s:f}", "source",
                          lat_source(app),
                          "samples", (json_int_t)h->count, "mean_ms",
                          h->count ? h->sum_us / 1000.0 / h->count : -1.0, "p50_ms",
                          ms_or_null(load_hist_percentile(h, 50)), "p90_ms",
                          ms_or_null(load_hist_percentile(h, 90)), "p99_ms",
                          ms_or_null(load_hist_percentile(h, 99)), "p999_ms",
                          ms_or_null(load_hist_percentile(h, 99.9)), "max_ms", h->max_us / 1000.0);
  json_t *tot = json_pack(
      "{s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:f,s:o,s:o,s:o,s:i,s:i,s:i}",
      "window_s", win, "packets_sent", (json_int_t)(b->tx_packets - a->tx_packets), "bytes_sent",
      (json_int_t)(b->tx_bytes - a->tx_bytes), "packets_received",
      (json_int_t)(b->rx_packets - a->rx_packets), "bytes_received",
      (json_int_t)(b->rx_bytes - a->rx_bytes), "expected", (json_int_t)(b->expected - a->expected),
      "lost", (json_int_t)((b->expected - a->expected) - (b->received - a->received)), "loss_pct",
      loss_pct(a, b), "reordered", (json_int_t)b->reordered, "duplicates",
      (json_int_t)b->duplicates, "undecryptable", (json_int_t)b->undecryptable, "streams",
      (json_int_t)b->streams, "jitter_ms_mean", jitter_n ? jitter_sum / jitter_n : 0.0,
      "latency", lat, "join_to_first_packet_ms", dist_json(first_pkt),
      "join_to_first_keyframe_ms", dist_json(first_key), "peers", b->peers, "peers_connected",
      b->peers_connected, "peers_failed", b->peers_failed);
  g_array_free(first_pkt, TRUE);
  g_array_free(first_key, TRUE);
  json_t *gen = json_pack("{s:f,s:f,s:f}", "cpu_s_per_s",
                          win > 0 ? (R.gen_cpu1 - R.gen_cpu0) / win : 0.0, "lag_max_ms",
                          app->lag.max_us / 1000.0, "lag_p99_ms",
                          ms_or_null(load_hist_percentile(&app->lag, 99)));
  /* The generator's own cost: CPU over the window per packet it handled
   * (each packet sent is protected and sent once, each received one read
   * and checked once), the figure to compare with the server's. */
  double gen_pkts = (double)json_integer_value(json_object_get(tot, "packets_sent")) +
                    (double)json_integer_value(json_object_get(tot, "packets_received"));
  json_object_set_new(gen, "cpu_us_per_packet",
                      gen_pkts > 0 ? json_real((R.gen_cpu1 - R.gen_cpu0) * 1e6 / gen_pkts)
                                   : json_null());
  json_object_set_new(gen, "verify_every", json_integer(app->o.verify_every));
  json_object_set_new(gen, "rx_verified", json_integer((json_int_t)app->rx_verified));
  json_object_set_new(gen, "rx_unverified", json_integer((json_int_t)app->rx_unverified));
  json_object_set_new(gen, "udp_pump", json_boolean(app->pump != NULL));
  if (app->pump) {
    const UdpPumpStats *ps = udp_pump_stats(app->pump);
    json_object_set_new(
        gen, "pump",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "wakeups", (json_int_t)ps->wakeups,
                  "recv_calls", (json_int_t)ps->recv_calls, "recv_packets",
                  (json_int_t)ps->recv_packets, "send_calls", (json_int_t)ps->send_calls,
                  "send_packets", (json_int_t)ps->send_packets, "send_dropped",
                  (json_int_t)ps->send_dropped, "gso_messages", (json_int_t)ps->gso_messages));
  }
  json_t *root = json_pack("{s:s,s:s,s:i,s:i,s:i,s:f,s:b,s:o,s:o,s:o}", "mode", app->drv->name,
                           "url", app->o.url, "calls", app->o.calls, "participants",
                           app->o.participants, "monitor", app->o.monitor, "duration_s",
                           app->o.duration, "ok", load_report_ok(app), "totals", tot,
                           "generator", gen, "calls_detail", calls);
  if (app->fatal) json_object_set_new(root, "fatal", json_string(app->fatal));
  json_object_set_new(root, "abs_send_time_passthrough",
                      app->abs_send_compared
                          ? json_real(100.0 * app->abs_send_agreed / app->abs_send_compared)
                          : json_null());
  if (app->o.server_pid)
    json_object_set_new(root, "server",
                        json_pack("{s:i,s:f,s:I,s:I}", "pid", app->o.server_pid, "cpu_s_per_s",
                                  win > 0 ? (R.srv_cpu1 - R.srv_cpu0) / win : 0.0, "rss_kib_start",
                                  (json_int_t)R.srv_rss0, "rss_kib_end", (json_int_t)R.srv_rss1));
  int rc = json_dump_file(root, path, JSON_INDENT(1));
  json_decref(root);
  if (rc != 0) g_snprintf(err, errsize, "cannot write %s", path);
  return rc;
}

bool load_report_ok(LoadApp *app) {
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    if (!c->up_us) return false;
    for (guint j = 0; j < c->peers->len; j++) {
      LoadPeer *p = c->peers->pdata[j];
      if (p->failure) return false;
      if (g_hash_table_size(p->recv) == 0) return false;
    }
  }
  return app->calls->len > 0;
}
