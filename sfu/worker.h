/* worker: one media thread with its own GMainContext and GMainLoop. Rooms
 * are pinned to one worker for their whole life, so everything a room owns
 * (libnice agents, DTLS, SRTP, the router) is touched by that thread only
 * and the packet path takes no lock. Other threads hand work over with
 * worker_invoke (owned message structs, freed by the destroy notify). */
#ifndef PARLOUR_SFU_WORKER_H
#define PARLOUR_SFU_WORKER_H

#include <glib.h>
#include <jansson.h>

#include "dtls.h"

/* What every room needs from the process; read-only after start. */
typedef struct SfuEnv {
  DtlsContext *dtls;
  char **ice_addresses;
  int port_min, port_max;
  const char *recording_dir; /* [recording] directory */
  const char *faces_analyser; /* [faces] analyser: host:port, "" none */
  int publisher_twcc;        /* [media] publisher_twcc */
  int batch_us;              /* [media] batch_us: wake-up batching, 0 off */
  int udp_pump;              /* [media] udp_pump: batched I/O once ICE chose a host UDP pair */
  int udp_gso;               /* [media] udp_gso: the pump sends with UDP GSO */
} SfuEnv;

typedef struct Worker Worker;

Worker *worker_new(int index, const SfuEnv *env);
/* Destroys every room on it (participants get participant_disconnected with
 * reason "shutdown"), stops and joins the thread. */
void worker_free(Worker *w);
int worker_index(const Worker *w);
GMainContext *worker_context(Worker *w);
/* Runs fn(data) on the worker thread; destroy(data) afterwards. */
void worker_invoke(Worker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

/* Calls fn(name, Room *room, user) for every room on the worker. Worker
 * thread only (from a function run by worker_invoke): sfu_metrics reads the
 * rooms' stats this way at scrape time. */
void worker_foreach_room(Worker *w, GHFunc fn, gpointer user);
/* The Room named so on this worker, or NULL. Worker thread only. */
gpointer worker_find_room(Worker *w, const char *name);

/* A control request for a room on this worker. The worker answers it with
 * sfu_bus_reply(conn, ...) carrying id. msg is the whole request object. */
void worker_submit(Worker *w, guint64 conn, json_t *id, const char *type, json_t *msg);

#endif
