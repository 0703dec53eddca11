/* sfu_bus: how worker threads talk back to the control thread. Replies and
 * events are serialised on the calling thread and the text is handed to the
 * control thread's GMainContext (g_main_context_invoke), which owns every
 * websocket connection. Callable from any thread once sfu_bus_init ran. */
#ifndef PARLOUR_SFU_BUS_H
#define PARLOUR_SFU_BUS_H

#include <glib.h>
#include <jansson.h>

typedef void (*SfuBusReplyFn)(guint64 conn, const char *text);
typedef void (*SfuBusEventFn)(const char *text);

void sfu_bus_init(GMainContext *control_ctx, SfuBusReplyFn reply, SfuBusEventFn event);
/* Takes the reference to msg. conn 0 is dropped. */
void sfu_bus_reply(guint64 conn, json_t *msg);
/* Takes the reference; adds "type":"event" and "event":name. */
void sfu_bus_event(const char *name, json_t *fields);

/* Reply bodies for request handlers (no id yet; the dispatcher adds it). */
json_t *sfu_result(json_t *fields /* stolen, may be NULL */);
json_t *sfu_error(const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
