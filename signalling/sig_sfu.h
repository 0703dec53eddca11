/* Client side of the SFU control API (docs/sfu-control.md): one websocket
 * per SFU node, authenticated with the shared secret, requests matched to
 * replies by id, unsolicited events handed to one callback.
 *
 * libsoup's websocket client on the daemon's GLib main context (the same
 * library signalling uses for its HTTPS posts to booking), so everything
 * here runs on the main thread and needs no locks.
 *
 * A node that says nothing for 3 s (a request is sent every second to make
 * it speak) is taken as down too, and its connection closed: a vanished
 * host sends no RST. A node whose connection drops is unhealthy until it reconnects (backoff
 * 0.25 s doubling to 5 s); every request in flight on it is answered with
 * the error code "sfu_unavailable", and a request that gets no reply within
 * the timeout with "sfu_timeout". */
#ifndef PARLOUR_SIG_SFU_H
#define PARLOUR_SIG_SFU_H

#include <glib.h>
#include <jansson.h>

typedef struct SfuNode SfuNode;

/* reply is the SFU's {"type":"result",...} or {"type":"error","code":...}
 * object (borrowed), or a synthetic error when the node failed. */
typedef void (*SfuReplyFn)(SfuNode *node, json_t *reply, void *user);
typedef void (*SfuEventFn)(SfuNode *node, json_t *event, void *user);
/* Called when a node's control connection goes up (up=1) or down (up=0). */
typedef void (*SfuStateFn)(SfuNode *node, int up, void *user);

/* url: ws://HOST:PORT/control; secret: the shared secret text. Starts
 * connecting at once. */
SfuNode *sfu_node_new(const char *url, const char *secret, int index, SfuEventFn on_event,
                      SfuStateFn on_state, void *user);
void sfu_node_free(SfuNode *n);

const char *sfu_node_url(const SfuNode *n);
int sfu_node_index(const SfuNode *n);
gboolean sfu_node_healthy(const SfuNode *n);
/* Rooms signalling has placed on this node (its load). */
int sfu_node_rooms(const SfuNode *n);
void sfu_node_add_rooms(SfuNode *n, int delta);
/* Marked draining by the operator ([sfu] draining, reloaded on SIGHUP): no
 * new calls are placed on it (docs/media.md, "Moving a call"). */
gboolean sfu_node_draining(const SfuNode *n);
void sfu_node_set_draining(SfuNode *n, gboolean draining);
/* Asked (with the node's user) before a silent node is given up for
 * unresponsive: TRUE when its calls have somewhere else to go. Without one,
 * a node that is only slow (a congested link) keeps its calls; a closed
 * connection still counts as down at once. NULL: always give up. */
typedef gboolean (*SfuAlternativeFn)(SfuNode *node, void *user);
void sfu_node_set_alternative(SfuNode *n, SfuAlternativeFn fn);

/* Sends {"id":N,"type":type,...params}. Takes ownership of params (an
 * object, may be NULL). cb (may be NULL) is called exactly once, later,
 * never from inside this call. */
void sfu_request(SfuNode *n, const char *type, json_t *params, SfuReplyFn cb, void *user,
                 GDestroyNotify free_user);

/* Node choice: the least loaded healthy node; ties go to the earliest in
 * the configured list (so the first node is the default). Returns an index
 * into healthy[]/rooms[] or -1 when none is healthy. Pure, for unit tests. */
int sfu_pick_node(int n, const gboolean *healthy, const int *rooms);

#endif
