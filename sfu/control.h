/* control: the SFU's websocket control API (docs/sfu-control.md) on the
 * control thread. Authenticates each connection (first message), checks
 * every request's shape against a table (unknown type or field, missing or
 * mistyped field: an error reply, nothing else happens), keeps the room ->
 * worker registry and hands room requests to the room's worker. Replies and
 * events come back through sfu_bus. */
#ifndef PARLOUR_SFU_CONTROL_H
#define PARLOUR_SFU_CONTROL_H

#include "httpd.h"
#include "worker.h"

typedef struct Control Control;

/* secret is copied; workers are borrowed (they outlive the Control). */
Control *control_new(const char *secret, Worker **workers, int n_workers);
void control_free(Control *c);
/* The /control endpoint to pass in HttpServerConfig.ws. */
const WsEndpoint *control_endpoint(Control *c);

/* The shape of one request after authentication (docs/sfu-control.md):
 * NULL when msg is a well-formed request, with *type_out its type; else an
 * error reply (new reference) to send. *id_out is the request's id when it
 * is a valid one (the reply echoes it), else NULL. No I/O: on_message does
 * the rest (room registry, hand-off to the worker). */
json_t *control_check_request(json_t *msg, const char **type_out, json_t **id_out);

#endif
