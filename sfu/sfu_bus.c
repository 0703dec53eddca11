#include "sfu_bus.h"

#include <stdarg.h>
#include <stdlib.h>

static GMainContext *bus_ctx;
static SfuBusReplyFn bus_reply_fn;
static SfuBusEventFn bus_event_fn;

typedef struct {
  guint64 conn; /* 0 for events */
  char *text;   /* malloc'd by jansson */
} BusMsg;

static void bus_msg_free(gpointer p) {
  BusMsg *m = p;
  free(m->text);
  g_free(m);
}

static gboolean deliver(gpointer p) {
  BusMsg *m = p;
  if (m->conn) {
    if (bus_reply_fn) bus_reply_fn(m->conn, m->text);
  } else if (bus_event_fn) {
    bus_event_fn(m->text);
  }
  return G_SOURCE_REMOVE;
}

void sfu_bus_init(GMainContext *control_ctx, SfuBusReplyFn reply, SfuBusEventFn event) {
  bus_ctx = control_ctx;
  bus_reply_fn = reply;
  bus_event_fn = event;
}

static void post(guint64 conn, json_t *msg) {
  BusMsg *m = g_new0(BusMsg, 1);
  m->conn = conn;
  m->text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  if (!m->text || !bus_ctx) {
    bus_msg_free(m);
    return;
  }
  /* Always queue (never run inline) so replies and events keep the order
   * they were produced in, whichever thread produced them. */
  GSource *s = g_idle_source_new();
  g_source_set_priority(s, G_PRIORITY_DEFAULT);
  g_source_set_callback(s, deliver, m, bus_msg_free);
  g_source_attach(s, bus_ctx);
  g_source_unref(s);
}

void sfu_bus_reply(guint64 conn, json_t *msg) {
  if (!conn) {
    json_decref(msg);
    return;
  }
  post(conn, msg);
}

void sfu_bus_event(const char *name, json_t *fields) {
  json_t *ev = json_object();
  json_object_set_new(ev, "type", json_string("event"));
  json_object_set_new(ev, "event", json_string(name));
  if (fields) {
    json_object_update(ev, fields);
    json_decref(fields);
  }
  post(0, ev);
}

json_t *sfu_result(json_t *fields) {
  json_t *r = json_object();
  json_object_set_new(r, "type", json_string("result"));
  if (fields) {
    json_object_update(r, fields);
    json_decref(fields);
  }
  return r;
}

json_t *sfu_error(const char *code, const char *field, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  g_vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *r = json_object();
  json_object_set_new(r, "type", json_string("error"));
  json_object_set_new(r, "code", json_string(code));
  json_object_set_new(r, "message", json_string(msg));
  if (field) json_object_set_new(r, "field", json_string(field));
  return r;
}
