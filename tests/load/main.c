/* parlour-loadgen: N calls of K participants against an SFU (Parlour's
 * control API or Janus VideoRoom); every participant is a real WebRTC peer
 * (libnice, OpenSSL DTLS, libsrtp2) that publishes the sample VP8 (one
 * encoding, or with --simulcast 2|3 one RID simulcast layer per sample
 * file) + Opus and subscribes to the others. Prints a table while it runs and writes a JSON
 * report. See `parlour-loadgen --help` and docs/performance.md. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "load_app.h"
#include "load_report.h"
#include "srtp_session.h"
#include "udp_pump.h"

static int calls_up(LoadApp *app) {
  int n = 0;
  for (guint i = 0; i < app->calls->len; i++)
    if (((LoadCall *)app->calls->pdata[i])->up_us) n++;
  return n;
}

static LoadCall *new_call(LoadApp *app, int index) {
  LoadCall *c = g_new0(LoadCall, 1);
  c->app = app;
  c->index = index;
  c->room = g_strdup_printf("%s%d", app->o.room_prefix, index);
  c->peers = g_ptr_array_new_with_free_func((GDestroyNotify)load_peer_free);
  c->start_us = load_now_us();
  for (int k = 0; k < app->o.participants; k++) {
    char name[16];
    g_snprintf(name, sizeof name, "p%d", k);
    g_ptr_array_add(c->peers, load_peer_new(app, c, name, true));
  }
  return c;
}

static void call_free(LoadCall *c) {
  g_ptr_array_free(c->peers, TRUE);
  g_free(c->room);
  g_free(c);
}

/* ---- the run's phases: ramp up, (monitor), measure, finish ---- */

static int next_call;
static guint ramp_timer, tick_timer, report_timer, end_timer, deadline_timer, monitor_timer;

static gboolean on_tick(gpointer data) {
  LoadApp *app = data;
  if (!app->sending) return G_SOURCE_CONTINUE;
  int64_t now = load_now_us(), worst = 0;
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    for (guint j = 0; j < c->peers->len; j++) {
      int64_t late = load_peer_send_due(c->peers->pdata[j], now);
      if (late > worst) worst = late;
    }
  }
  load_hist_add(&app->lag, worst);
  return G_SOURCE_CONTINUE;
}

static gboolean on_report(gpointer data) {
  LoadApp *app = data;
  if (!app->o.quiet) load_report_line(app, stdout);
  return G_SOURCE_CONTINUE;
}

static gboolean ramp_step(gpointer data) {
  LoadApp *app = data;
  if (next_call >= app->o.calls) {
    ramp_timer = 0;
    return G_SOURCE_REMOVE;
  }
  LoadCall *c = new_call(app, next_call++);
  g_ptr_array_add(app->calls, c);
  app->drv->start_call(app, c);
  return G_SOURCE_CONTINUE;
}

static void finish(LoadApp *app);
static void print_layers(LoadApp *app);

static gboolean on_end(gpointer data) {
  LoadApp *app = data;
  end_timer = 0;
  finish(app);
  return G_SOURCE_REMOVE;
}

static void begin_measure(LoadApp *app) {
  if (app->media_start_us) return;
  app->media_start_us = load_now_us();
  load_report_mark_start(app);
  if (!app->o.quiet)
    printf("# %d of %d calls up after %.1f s; measuring for %.0f s\n", calls_up(app),
           app->o.calls, (app->media_start_us - app->start_us) / 1e6, app->o.duration);
  end_timer = g_timeout_add((guint)(app->o.duration * 1000), on_end, app);
}

static void start_monitor(LoadApp *app) {
  /* One staff monitor wall: a subscriber-only participant in each of the
   * first `monitor` calls, reported as one group. */
  for (int i = 0; i < app->o.monitor && i < (int)app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    LoadPeer *m = load_peer_new(app, c, "monitor", false);
    g_ptr_array_add(c->peers, m);
    g_ptr_array_add(app->monitors, m);
    app->drv->add_monitor(app, c, m);
  }
}

static bool peer_ready(const LoadPeer *p) {
  return p->failure || ((!p->publishes || p->pub_state == PT_STATE_CONNECTED) &&
                        p->sub_state == PT_STATE_CONNECTED);
}

/* A peer of the call failed (it will never come up). */
static bool call_failed(const LoadCall *c) {
  for (guint j = 0; j < c->peers->len; j++)
    if (((LoadPeer *)c->peers->pdata[j])->failure) return true;
  return false;
}

/* Every 50 ms until the measurement starts: a signalled call is up when all
 * its peers' transports are connected (or failed: that is reported, not
 * waited for); when all calls are up, the monitor wall joins, and once it
 * is connected too, the measurement window opens. */
static gboolean readiness(gpointer data) {
  LoadApp *app = data;
  if (app->media_start_us) {
    monitor_timer = 0;
    return G_SOURCE_REMOVE;
  }
  int up = 0, failed = 0;
  for (guint i = 0; i < app->calls->len; i++) {
    LoadCall *c = app->calls->pdata[i];
    if (!c->up_us && c->signalled) {
      bool all = true;
      for (guint j = 0; j < c->peers->len; j++) {
        LoadPeer *p = c->peers->pdata[j];
        if (p->publishes && !peer_ready(p)) all = false;
      }
      if (all) c->up_us = load_now_us();
    }
    if (c->up_us) up++;
    else if (call_failed(c)) failed++;
  }
  /* A call with a failed peer never comes up: once every other call is
   * up, waiting out the setup timeout for it would only cost time (the
   * failure is in the report and the exit status either way). */
  if (up + failed < app->o.calls || up == 0) return G_SOURCE_CONTINUE;
  if (app->o.monitor > 0) {
    if (!app->monitors->len) start_monitor(app);
    for (guint i = 0; i < app->monitors->len; i++)
      if (!peer_ready(app->monitors->pdata[i])) return G_SOURCE_CONTINUE;
  }
  monitor_timer = 0;
  begin_measure(app);
  return G_SOURCE_REMOVE;
}

static gboolean on_deadline(gpointer data) {
  LoadApp *app = data;
  deadline_timer = 0;
  if (app->media_start_us) return G_SOURCE_REMOVE;
  g_printerr("loadgen: only %d of %d calls were up after %.0f s; measuring what there is\n",
             calls_up(app), app->o.calls, app->o.setup_timeout);
  app->exit_code = 1;
  begin_measure(app);
  return G_SOURCE_REMOVE;
}

static gboolean drain_done(gpointer data) {
  LoadApp *app = data;
  g_main_loop_quit(app->loop);
  return G_SOURCE_REMOVE;
}

static void torn_down(LoadApp *app) {
  /* Let the servers' last replies drain. */
  g_timeout_add(200, drain_done, app);
}

static void finish(LoadApp *app) {
  app->sending = false;
  /* Packets still in flight: 300 ms before the final numbers. */
  int64_t until = load_now_us() + 300000;
  while (load_now_us() < until) {
    while (g_main_context_iteration(app->ctx, FALSE)) {
    }
    g_usleep(1000);
  }
  load_report_final(app);
  print_layers(app);
  app->stopping = true;
  app->drv->teardown(app, torn_down);
}

static void on_connected(LoadApp *app, const char *err) {
  if (err) {
    load_app_fatal(app, "%s", err);
    return;
  }
  app->start_us = load_now_us();
  app->sending = true;
  guint period = (guint)(1000.0 / app->o.ramp);
  ramp_step(app);
  ramp_timer = g_timeout_add(period ? period : 1, ramp_step, app);
  tick_timer = g_timeout_add(5, on_tick, app);
  if (!app->o.quiet) load_report_header(app, stdout);
  report_timer = g_timeout_add((guint)(app->o.interval * 1000), on_report, app);
  deadline_timer = g_timeout_add((guint)(app->o.setup_timeout * 1000), on_deadline, app);
  monitor_timer = g_timeout_add(50, readiness, app);
}

/* ---- main loop batching ----
 * GLib polls every socket of every transport on each wake-up, so a loop
 * that wakes per packet costs O(sockets) per packet and the generator would
 * saturate long before the server. Waking at most once per batch interval
 * lets each poll return many ready sockets at once. The price, at most one
 * interval of extra receive delay, is the same for every server and shows
 * in the latency figures (docs/performance.md). */
static gint64 batch_us, last_poll_us;

static gint batched_poll(GPollFD *fds, guint nfds, gint timeout) {
  if (batch_us > 0 && timeout != 0) {
    gint64 since = g_get_monotonic_time() - last_poll_us;
    if (since < batch_us) {
      gint64 wait = batch_us - since;
      if (timeout > 0 && wait > (gint64)timeout * 1000) wait = (gint64)timeout * 1000;
      g_usleep((gulong)wait);
      if (timeout > 0) {
        timeout -= (gint)(wait / 1000);
        if (timeout < 0) timeout = 0;
      }
    }
  }
  gint r = g_poll(fds, nfds, timeout);
  last_poll_us = g_get_monotonic_time();
  return r;
}

/* ---- options ---- */

static char *default_data(const char *name) {
  const char *root = g_getenv("PARLOUR_ROOT");
  if (root) return g_build_filename(root, "tests", "data", name, NULL);
  /* Next to the binary: BUILD/bin/../../tests/data */
  char *exe = g_file_read_link("/proc/self/exe", NULL);
  char *dir = exe ? g_path_get_dirname(exe) : g_strdup(".");
  char *p = g_build_filename(dir, "..", "..", "tests", "data", name, NULL);
  g_free(exe);
  g_free(dir);
  return p;
}

static int parse_options(int argc, char **argv, LoadOptions *o) {
  char *mode = NULL, *ports = NULL;
  o->calls = 1;
  o->participants = 2;
  o->duration = 10;
  o->ramp = 20;
  o->interval = 1;
  o->setup_timeout = 60;
  o->batch_us = 500;
  o->verify_every = -1;
  o->udp_pump = 1;
  GOptionEntry entries[] = {
      {"mode", 'm', 0, G_OPTION_ARG_STRING, &mode, "parlour (default) or janus", "MODE"},
      {"url", 'u', 0, G_OPTION_ARG_STRING, &o->url,
       "ws://HOST:PORT/control (parlour) or http://HOST:PORT/janus (janus)", "URL"},
      {"secret-file", 0, 0, G_OPTION_ARG_FILENAME, &o->secret_file,
       "the SFU control secret (parlour)", "FILE"},
      {"calls", 'n', 0, G_OPTION_ARG_INT, &o->calls, "calls to create (default 1)", "N"},
      {"participants", 'k', 0, G_OPTION_ARG_INT, &o->participants,
       "participants per call (default 2)", "K"},
      {"monitor", 0, 0, G_OPTION_ARG_INT, &o->monitor,
       "add one monitor wall subscribing to the first N calls", "N"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o->duration,
       "seconds to measure once every call is up (default 10)", "S"},
      {"ramp", 0, 0, G_OPTION_ARG_DOUBLE, &o->ramp, "calls started per second (default 20)", "R"},
      {"interval", 0, 0, G_OPTION_ARG_DOUBLE, &o->interval, "table refresh (s, default 1)", "S"},
      {"setup-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->setup_timeout,
       "seconds for every call to come up (default 60)", "S"},
      {"video", 0, 0, G_OPTION_ARG_FILENAME, &o->video_file, "VP8 IVF file", "FILE"},
      {"audio", 0, 0, G_OPTION_ARG_FILENAME, &o->audio_file, "Ogg/Opus file", "FILE"},
      {"ice-address", 0, 0, G_OPTION_ARG_STRING, &o->ice_address,
       "address for our ICE candidates (default 127.0.0.1)", "IP"},
      {"ports", 0, 0, G_OPTION_ARG_STRING, &ports, "our UDP port range (default 20000-39999)",
       "MIN-MAX"},
      {"json", 'j', 0, G_OPTION_ARG_FILENAME, &o->json_path, "write the JSON report here", "FILE"},
      {"server-pid", 0, 0, G_OPTION_ARG_INT, &o->server_pid,
       "report this server process's CPU and RSS over the window (from /proc)", "PID"},
      {"room-prefix", 0, 0, G_OPTION_ARG_STRING, &o->room_prefix, "room names (default lg)", "P"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "no table while running", NULL},
      {"batch-us", 0, 0, G_OPTION_ARG_INT, &o->batch_us,
       "wake the main loop at most once per this many µs (default 500; 0: per packet)", "US"},
      {"simulcast", 0, 0, G_OPTION_ARG_INT, &o->simulcast,
       "publish video as RID simulcast with N layers, 2 or 3 (default 0: one encoding; "
       "parlour mode only). Layers l;h or l;m;h, lowest first, one SSRC each, the "
       "rtp-stream-id extension on every packet. Default files: tests/data/"
       "sample-vp8-160x90.ivf (3 layers only), sample-vp8-320x180.ivf and --video "
       "(sample-vp8.ivf). A PLI for a layer makes that layer jump back to the newest key "
       "frame of its file",
       "N"},
      {"answer-nacks", 0, 0, G_OPTION_ARG_NONE, &o->answer_nacks,
       "send NACKed video packets again (same SSRC and seq, the last 512 per encoding), as "
       "a browser does; default off: a lost packet then costs a key frame request",
       NULL},
      {"verify-every", 0, 0, G_OPTION_ARG_INT, &o->verify_every,
       "authenticate and decrypt one received packet in N, after each subscriber's first 3 s "
       "and first key frames; the others count for loss, order, jitter and latency from "
       "their cleartext RTP header and abs-send-time (default 8 with parlour, 1 = all with "
       "janus, which rewrites abs-send-time)",
       "N"},
      {"udp-pump", 0, 0, G_OPTION_ARG_INT, &o->udp_pump,
       "1 (default): once ICE has chosen a host UDP pair, read with recvmmsg and send with "
       "sendmmsg once per wake-up (sfu/udp_pump.c), as parlour-sfu does; 0: libnice per packet",
       "0|1"},
      {"simulcast-video", 0, 0, G_OPTION_ARG_STRING, &o->simulcast_video,
       "the simulcast layers' VP8 IVF files, comma-separated, lowest first (as many as "
       "--simulcast; same frame rate)",
       "F1,F2[,F3]"},
      {NULL}};
  GOptionContext *ctx = g_option_context_new("- WebRTC load generator for parlour-sfu and Janus");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *e = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &e)) {
    g_printerr("parlour-loadgen: %s\n", e->message);
    g_error_free(e);
    g_option_context_free(ctx);
    return 2;
  }
  g_option_context_free(ctx);
  if (!mode || strcmp(mode, "parlour") == 0) o->mode = LOAD_MODE_PARLOUR;
  else if (strcmp(mode, "janus") == 0) o->mode = LOAD_MODE_JANUS;
  else {
    g_printerr("parlour-loadgen: --mode must be parlour or janus\n");
    return 2;
  }
  g_free(mode);
  o->port_min = 20000;
  o->port_max = 39999;
  if (ports && (sscanf(ports, "%d-%d", &o->port_min, &o->port_max) != 2 || o->port_min < 1024 ||
                o->port_max > 65535 || o->port_min > o->port_max)) {
    g_printerr("parlour-loadgen: --ports must be MIN-MAX within 1024-65535\n");
    return 2;
  }
  g_free(ports);
  if (!o->url) {
    g_printerr("parlour-loadgen: --url is required\n");
    return 2;
  }
  if (o->calls < 1 || o->calls > 5000 || o->participants < 1 || o->participants > 16 ||
      o->monitor < 0 || o->monitor > o->calls || o->duration <= 0 || o->duration > 86400 ||
      o->ramp <= 0 || o->interval <= 0 || o->setup_timeout <= 0 || o->batch_us < 0 ||
      o->batch_us > 20000 || o->verify_every == 0 || o->verify_every < -1 ||
      o->verify_every > 1000 || (o->udp_pump != 0 && o->udp_pump != 1)) {
    g_printerr("parlour-loadgen: out of range: --calls 1-5000, --participants 1-16, --monitor "
               "0-calls, --duration/--ramp/--interval/--setup-timeout > 0, --batch-us 0-20000, "
               "--verify-every 1-1000, --udp-pump 0|1\n");
    return 2;
  }
  if (o->verify_every < 0) o->verify_every = o->mode == LOAD_MODE_JANUS ? 1 : 8;
  if (o->simulcast != 0 && o->simulcast != 2 && o->simulcast != 3) {
    g_printerr("parlour-loadgen: --simulcast must be 2 or 3 (layers per video publisher; 0: "
               "off), not %d\n",
               o->simulcast);
    return 2;
  }
  if (o->simulcast && o->mode != LOAD_MODE_PARLOUR) {
    g_printerr("parlour-loadgen: --simulcast works with --mode parlour only\n");
    return 2;
  }
  if (o->simulcast_video && !o->simulcast) {
    g_printerr("parlour-loadgen: --simulcast-video needs --simulcast 2 or 3\n");
    return 2;
  }
  if (!o->video_file) o->video_file = default_data("sample-vp8.ivf");
  if (!o->audio_file) o->audio_file = default_data("sample-opus.ogg");
  if (!o->ice_address) o->ice_address = g_strdup("127.0.0.1");
  if (!o->room_prefix) o->room_prefix = g_strdup("lg");
  return 0;
}

static void options_clear(LoadOptions *o) {
  g_free(o->url);
  g_free(o->secret_file);
  g_free(o->video_file);
  g_free(o->audio_file);
  g_free(o->ice_address);
  g_free(o->json_path);
  g_free(o->room_prefix);
  g_free(o->simulcast_video);
}

/* The simulcast layers' files: --simulcast-video, else the committed
 * samples (lowest first) topped by --video. Each must parse and all must
 * share one frame rate (peers pace every layer by one frame clock). */
static bool open_layers(LoadApp *app, char *err, size_t errsize) {
  const LoadOptions *o = &app->o;
  char **files;
  if (o->simulcast_video) {
    files = g_strsplit(o->simulcast_video, ",", -1);
    if ((int)g_strv_length(files) != o->simulcast) {
      g_snprintf(err, errsize, "--simulcast-video names %u files for %d layers",
                 g_strv_length(files), o->simulcast);
      g_strfreev(files);
      return false;
    }
  } else {
    files = g_new0(char *, 4);
    int k = 0;
    if (o->simulcast == 3) files[k++] = default_data("sample-vp8-160x90.ivf");
    files[k++] = default_data("sample-vp8-320x180.ivf");
    files[k++] = g_strdup(o->video_file);
  }
  bool ok = true;
  for (int k = 0; ok && k < o->simulcast; k++) {
    char e[200];
    if (!load_track_open(files[k], true, &app->layers[k], e, sizeof e)) {
      g_snprintf(err, errsize, "simulcast layer %d: %s", k, e);
      ok = false;
      break;
    }
    app->n_layers = (unsigned)k + 1;
    const LoadTrack *a = &app->layers[0], *b = &app->layers[k];
    double fa = (double)a->total_duration / (double)a->n_frames;
    double fb = (double)b->total_duration / (double)b->n_frames;
    if (fb < fa * 0.99 || fb > fa * 1.01) {
      g_snprintf(err, errsize, "simulcast layer %d (%s) has another frame rate than layer 0", k,
                 files[k]);
      ok = false;
    }
  }
  g_strfreev(files);
  return ok;
}

/* What each layer sent, over all publishers (stdout, for the record). */
static void print_layers(LoadApp *app) {
  if (!app->n_layers || app->o.quiet) return;
  double secs = (load_now_us() - app->start_us) / 1e6; /* since the first call started */
  for (unsigned k = 0; k < app->n_layers; k++) {
    LoadSend sum = {0};
    uint64_t rtx = 0;
    for (guint i = 0; i < app->calls->len; i++) {
      LoadCall *c = app->calls->pdata[i];
      for (guint j = 0; j < c->peers->len; j++) {
        LoadPeer *p = c->peers->pdata[j];
        if (!p->publishes) continue;
        sum.frames += p->vl[k].send.frames;
        sum.bytes += p->vl[k].send.bytes;
        sum.packets += p->vl[k].send.packets;
        sum.keyframes_forced += p->vl[k].send.keyframes_forced;
        rtx += p->vl[k].retransmitted;
      }
    }
    printf("# simulcast layer %u (%ux%u, file %.0f kbit/s): %" G_GUINT64_FORMAT
           " frames, %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT
           " bytes over %.1f s, %" G_GUINT64_FORMAT " key frames on request, %" G_GUINT64_FORMAT
           " packets sent again on NACK\n",
           k, app->layers[k].width, app->layers[k].height,
           load_track_bitrate(&app->layers[k]) / 1000, sum.frames, sum.packets, sum.bytes, secs,
           sum.keyframes_forced, rtx);
  }
}

int main(int argc, char **argv) {
  LoadApp app;
  memset(&app, 0, sizeof app);
  int rc = parse_options(argc, argv, &app.o);
  if (rc) return rc;
  setvbuf(stdout, NULL, _IOLBF, 0);
  char err[256];
  if (!load_track_open(app.o.video_file, true, &app.video, err, sizeof err) ||
      !load_track_open(app.o.audio_file, false, &app.audio, err, sizeof err)) {
    g_printerr("parlour-loadgen: sample media: %s\n", err);
    return 2;
  }
  if (app.o.simulcast && !open_layers(&app, err, sizeof err)) {
    g_printerr("parlour-loadgen: sample media: %s\n", err);
    for (unsigned k = 0; k < app.n_layers; k++) load_track_clear(&app.layers[k]);
    load_track_clear(&app.video);
    load_track_clear(&app.audio);
    options_clear(&app.o);
    return 2;
  }
  if (srtp_session_global_init() != 0 || !(app.dtls = dtls_context_new(err, sizeof err))) {
    g_printerr("parlour-loadgen: DTLS/SRTP init failed\n");
    return 1;
  }
  app.ctx = g_main_context_default();
  app.loop = g_main_loop_new(app.ctx, FALSE);
  batch_us = app.o.batch_us;
  if (batch_us > 0) g_main_context_set_poll_func(app.ctx, batched_poll);
  if (app.o.udp_pump) app.pump = udp_pump_new(app.ctx, FALSE);
  app.drv = app.o.mode == LOAD_MODE_JANUS ? &load_driver_janus : &load_driver_parlour;
  app.ice_addrs[0] = app.o.ice_address;
  app.calls = g_ptr_array_new_with_free_func((GDestroyNotify)call_free);
  app.monitors = g_ptr_array_new();
  load_hist_init(&app.lat);
  load_hist_init(&app.lat_interval);
  load_hist_init(&app.lag);
  load_report_init(&app);
  app.drv->connect(&app, on_connected);
  g_main_loop_run(app.loop);
  if (!app.fatal && !load_report_ok(&app)) app.exit_code = 1;
  if (app.o.json_path && load_report_write_json(&app, app.o.json_path, err, sizeof err) != 0) {
    g_printerr("parlour-loadgen: %s\n", err);
    app.exit_code = 1;
  }
  int code = app.exit_code;
  /* Orderly cleanup, so that ASan runs see no leak of ours. */
  guint *timers[] = {&ramp_timer, &tick_timer,     &report_timer,
                     &end_timer,  &deadline_timer, &monitor_timer};
  for (size_t i = 0; i < G_N_ELEMENTS(timers); i++)
    if (*timers[i]) g_source_remove(*timers[i]);
  if (app.drv_state) app.drv->teardown(&app, NULL);
  g_ptr_array_free(app.calls, TRUE);
  g_ptr_array_free(app.monitors, TRUE);
  load_report_clear(&app);
  load_hist_clear(&app.lat);
  load_hist_clear(&app.lat_interval);
  load_hist_clear(&app.lag);
  load_track_clear(&app.video);
  load_track_clear(&app.audio);
  for (unsigned k = 0; k < app.n_layers; k++) load_track_clear(&app.layers[k]);
  udp_pump_free(app.pump);
  dtls_context_free(app.dtls);
  g_main_loop_unref(app.loop);
  g_free(app.fatal);
  options_clear(&app.o);
  return code;
}
