/* load_app: the state of one loadgen run shared by its parts: options, the
 * sample media, the DTLS identity, the calls and their peers, the running
 * totals, and the signalling driver (Parlour control API or Janus
 * VideoRoom). Single-threaded: everything runs on app->ctx. */
#ifndef PARLOUR_LOAD_APP_H
#define PARLOUR_LOAD_APP_H

#include <glib.h>
#include <stdbool.h>

#include "dtls.h"
#include "load_media.h"
#include "load_peer.h"
#include "load_stats.h"

typedef enum { LOAD_MODE_PARLOUR, LOAD_MODE_JANUS } LoadMode;

typedef struct {
  LoadMode mode;
  char *url;            /* ws://host:port/control or http://host:port/janus */
  char *secret_file;    /* parlour control secret */
  int calls;            /* calls to create */
  int participants;     /* per call */
  int monitor;          /* >0: one monitor wall subscribing to this many calls */
  double duration;      /* seconds of media after the last call is up */
  double ramp;          /* calls started per second */
  double interval;      /* table refresh, seconds */
  char *video_file, *audio_file;
  char *ice_address;
  int port_min, port_max;
  char *json_path;
  int server_pid;       /* sample this process's CPU and RSS (0: none) */
  char *room_prefix;
  bool quiet;           /* no table, only the summary */
  double setup_timeout; /* seconds for every call to be up */
  int batch_us;         /* main-loop wake-up batching (0: off) */
  int simulcast;        /* 0: one video encoding; 2 or 3: RID simulcast layers */
  char *simulcast_video;/* comma-separated IVF files, lowest layer first */
  bool answer_nacks;    /* retransmit NACKed video packets, as browsers do */
  int verify_every;     /* authenticate+decrypt 1 received packet in N (1: all) */
  int udp_pump;         /* 1: batched recvmmsg/sendmmsg once ICE chose a pair */
} LoadOptions;

typedef struct LoadCall {
  LoadApp *app;
  int index;
  char *room;
  GPtrArray *peers;     /* LoadPeer*, owned */
  int64_t start_us;
  bool signalled;       /* every offer/answer of the call was exchanged */
  int64_t up_us;        /* ... and every transport connected */
  int published;        /* publishers whose answer was applied */
  bool subscribing;     /* subscriber phase started */
  guint64 janus_room;
  guint64 janus_admin_handle;
  bool failed;
} LoadCall;

typedef struct {
  const char *name;
  /* Connect to the server; done(app, NULL) or done(app, reason). */
  void (*connect)(LoadApp *app, void (*done)(LoadApp *app, const char *err));
  /* Create the call's room and join its peers (asynchronously). */
  void (*start_call)(LoadApp *app, LoadCall *call);
  /* Add the monitor peer (publishes nothing) to an existing call. */
  void (*add_monitor)(LoadApp *app, LoadCall *call, LoadPeer *monitor);
  /* Leave and destroy everything (best effort, asynchronously); then
   * done(app). */
  void (*teardown)(LoadApp *app, void (*done)(LoadApp *app));
} LoadDriver;

extern const LoadDriver load_driver_parlour;
extern const LoadDriver load_driver_janus;

struct LoadApp {
  LoadOptions o;
  GMainContext *ctx;
  GMainLoop *loop;
  struct UdpPump *pump; /* --udp-pump: the transports' batched I/O, or NULL */
  const LoadDriver *drv;
  void *drv_state;
  DtlsContext *dtls;
  LoadTrack video, audio;
  /* --simulcast: the layers' sample files, lowest first (n_layers of them;
   * 0 without simulcast, when peers send `video`) */
  LoadTrack layers[LOAD_MAX_LAYERS];
  unsigned n_layers;
  const char *ice_addrs[2];
  GPtrArray *calls;     /* LoadCall*, owned */
  GPtrArray *monitors;  /* LoadPeer* of the monitor wall (owned by calls) */
  int64_t start_us;
  int64_t media_start_us; /* when every call was up (0: not yet) */
  bool sending;
  bool stopping;        /* teardown began: the server's goodbyes are not failures */
  LoadHist lat, lat_interval;
  LoadHist lag;         /* pacing lateness of the generator itself */
  uint64_t pkts_sent, bytes_sent;
  uint64_t rx_verified, rx_unverified; /* --verify-every: whole run */
  const char *latency_source; /* "abs-capture-time", "abs-send-time", NULL */
  uint64_t lat_capture, lat_trailer, lat_send; /* latency samples by source */
  uint64_t abs_send_compared, abs_send_agreed;  /* abs-send-time vs the trailer */
  int exit_code;
  char *fatal;          /* reason the run stopped early */
};

/* Record a fatal error and stop the run. */
void load_app_fatal(LoadApp *app, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* A call's signalling is done (drivers call it once per call); the call is
 * up when its transports connect. */
void load_app_call_up(LoadApp *app, LoadCall *call);
int64_t load_now_us(void);

#endif
