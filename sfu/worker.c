#include "worker.h"

#include <malloc.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "room.h"
#include "sfu_bus.h"
#include "udp_pump.h"

struct Worker {
  int index;
  SfuEnv env;
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
  GHashTable *rooms; /* name -> Room*; worker thread only */
  UdpPump *pump;     /* batched media I/O of the worker's transports */
};

/* ---- wake-up batching ----
 * Every transport has its own sockets, each a GSource on the worker's
 * context, and GLib's prepare/check walks all of them on every wake-up: a
 * worker woken once per packet pays O(transports) per packet (~11 % of the
 * SFU's CPU at 10 calls, growing with calls; docs/performance.md). Waking at
 * most once per batch interval lets one poll return many ready sockets, so
 * the walk is shared by the packets of that interval. The price is at most
 * one interval of extra forwarding delay. Timers keep their deadlines (the
 * wait never exceeds poll's timeout) and a zero-timeout poll (work pending)
 * never waits. The interval is [media] batch_us (0 turns it off, for
 * measurements). */
static gint64 batch_us = -1;
static _Thread_local gint64 last_poll_us;

static gint batched_poll(GPollFD *fds, guint nfds, gint timeout) {
  if (batch_us > 0 && timeout != 0) {
    gint64 since = g_get_monotonic_time() - last_poll_us;
    if (since < batch_us) {
      gint64 wait = batch_us - since;
      if (timeout > 0 && wait > (gint64)timeout * 1000) wait = (gint64)timeout * 1000;
      g_usleep((gulong)wait);
      if (timeout > 0) {
        timeout -= (gint)((wait + 999) / 1000);
        if (timeout < 0) timeout = 0;
      }
    }
  }
  gint r = g_poll(fds, nfds, timeout);
  last_poll_us = g_get_monotonic_time();
  return r;
}

static gpointer worker_main(gpointer data) {
  Worker *w = data;
  g_main_context_push_thread_default(w->ctx);
  g_main_loop_run(w->loop);
  g_main_context_pop_thread_default(w->ctx);
  return NULL;
}

Worker *worker_new(int index, const SfuEnv *env) {
  Worker *w = g_new0(Worker, 1);
  w->index = index;
  w->env = *env;
  w->ctx = g_main_context_new();
  w->loop = g_main_loop_new(w->ctx, FALSE);
  if (batch_us < 0) batch_us = env->batch_us; /* workers are made on the main thread */
  if (batch_us > 0) g_main_context_set_poll_func(w->ctx, batched_poll);
  /* Transports made on this context find the pump and move their media to
   * it once ICE has chosen a host UDP pair (peer_transport.c). The env
   * [media] udp_pump = false keeps libnice's per-packet path (to measure). */
  if (env->udp_pump) w->pump = udp_pump_new(w->ctx, env->udp_gso);
  w->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char name[32];
  g_snprintf(name, sizeof name, "sfu-worker-%d", index);
  w->thread = g_thread_new(name, worker_main, w);
  return w;
}

int worker_index(const Worker *w) { return w->index; }
void worker_foreach_room(Worker *w, GHFunc fn, gpointer user) {
  g_hash_table_foreach(w->rooms, fn, user);
}
gpointer worker_find_room(Worker *w, const char *name) { return g_hash_table_lookup(w->rooms, name); }
GMainContext *worker_context(Worker *w) { return w->ctx; }

void worker_invoke(Worker *w, GSourceFunc fn, gpointer data, GDestroyNotify destroy) {
  GSource *s = g_idle_source_new();
  g_source_set_priority(s, G_PRIORITY_DEFAULT);
  g_source_set_callback(s, fn, data, destroy);
  g_source_attach(s, w->ctx);
  g_source_unref(s);
}

static gboolean do_stop(gpointer data) {
  Worker *w = data;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, w->rooms);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    room_free(v, "shutdown");
    g_hash_table_iter_remove(&it);
  }
  g_main_loop_quit(w->loop);
  return G_SOURCE_REMOVE;
}

void worker_free(Worker *w) {
  if (!w) return;
  worker_invoke(w, do_stop, w, NULL);
  g_thread_join(w->thread);
  /* Let sources freed by the rooms finish on this (now idle) context. */
  while (g_main_context_iteration(w->ctx, FALSE)) {
  }
  g_hash_table_destroy(w->rooms);
  if (w->pump) {
    const UdpPumpStats *ps = udp_pump_stats(w->pump);
    log_info("udp_pump_stats",
             "worker=%d wakeups=%" G_GUINT64_FORMAT " recv_calls=%" G_GUINT64_FORMAT
             " recv_packets=%" G_GUINT64_FORMAT " send_calls=%" G_GUINT64_FORMAT
             " send_packets=%" G_GUINT64_FORMAT " send_dropped=%" G_GUINT64_FORMAT
             " gso_messages=%" G_GUINT64_FORMAT,
             w->index, ps->wakeups, ps->recv_calls, ps->recv_packets, ps->send_calls,
             ps->send_packets, ps->send_dropped, ps->gso_messages);
  }
  udp_pump_free(w->pump);
  g_main_loop_unref(w->loop);
  g_main_context_unref(w->ctx);
  g_free(w);
}

typedef struct {
  Worker *w;
  guint64 conn;
  json_t *id;
  char *type;
  json_t *msg;
} Job;

static void job_free(gpointer p) {
  Job *j = p;
  json_decref(j->id);
  json_decref(j->msg);
  g_free(j->type);
  g_free(j);
}

static gboolean do_job(gpointer data) {
  Job *j = data;
  Worker *w = j->w;
  const char *name = jsonu_str(j->msg, "room");
  json_t *reply = NULL;
  Room *room = name ? g_hash_table_lookup(w->rooms, name) : NULL;
  if (strcmp(j->type, "room_create") == 0) {
    if (room) {
      reply = sfu_error("room_exists", "room", "room %s exists", name);
    } else {
      long long max = 16;
      int rec = 0;
      jsonu_int(j->msg, "max_participants", &max);
      jsonu_bool(j->msg, "recordable", &rec);
      room = room_new(name, (int)max, rec, w->index, &w->env, w->ctx);
      int audio_private = 0;
      jsonu_bool(j->msg, "audio_private", &audio_private);
      room_set_audio_private(room, audio_private);
      g_hash_table_insert(w->rooms, g_strdup(name), room);
      log_info("room_created", "room=%s worker=%d max=%lld recordable=%d", name, w->index, max,
               rec);
      reply = sfu_result(json_pack("{s:s, s:i, s:b}", "room", name, "worker", w->index,
                                   "audio_private", audio_private));
    }
  } else if (!room) {
    reply = sfu_error("room_not_found", "room", "no room %s", name ? name : "");
  } else if (strcmp(j->type, "room_destroy") == 0) {
    g_hash_table_remove(w->rooms, name);
    room_free(room, "room_destroyed");
    /* A room's transports, buffers and SRTP contexts were allocated on this
     * thread's malloc arena in small pieces interleaved with other rooms':
     * without this the freed pages stay resident (RSS kept its high-water
     * mark after 1 000 calls, +51 %). Once per room, a few ms at most. */
    malloc_trim(0);
    log_info("room_destroyed", "room=%s", name);
    reply = sfu_result(json_pack("{s:s}", "room", name));
  } else {
    reply = room_handle(room, j->type, j->msg);
  }
  json_object_set(reply, "id", j->id);
  sfu_bus_reply(j->conn, reply);
  return G_SOURCE_REMOVE;
}

void worker_submit(Worker *w, guint64 conn, json_t *id, const char *type, json_t *msg) {
  Job *j = g_new0(Job, 1);
  j->w = w;
  j->conn = conn;
  j->id = json_deep_copy(id); /* no jansson value crosses threads */
  j->type = g_strdup(type);
  /* A deep copy: jansson values are not shared between threads. */
  j->msg = json_deep_copy(msg);
  worker_invoke(w, do_job, j, job_free);
}
