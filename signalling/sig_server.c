/* The server: its life, its clock, its SFU nodes, booking events, and the
 * calls of a node that went down. See sig_server.h (main.c's view) and
 * sig_server_state.h (the tables). */
#include "jsonutil.h"
#include "log.h"
#include "sig_conn.h"
#include "sig_relay.h"
#include "sig_room.h"
#include "sig_server_state.h"

/* ---- booking events ---- */

void sig_post_event(SigServer *s, const char *room, const char *type, const char *actor,
                       json_t *data) {
  if (!s->events) {
    json_decref(data);
    return;
  }
  sig_events_post(s->events, room, type, actor, data);
}

SfuNode *sig_server_pick_node(SigServer *s) {
  guint n = s->nodes->len;
  gboolean *healthy = g_new0(gboolean, n);
  int *rooms = g_new0(int, n);
  for (guint i = 0; i < n; i++) {
    healthy[i] = sfu_node_healthy(s->nodes->pdata[i]);
    rooms[i] = sfu_node_rooms(s->nodes->pdata[i]);
  }
  int i = sfu_pick_node((int)n, healthy, rooms);
  g_free(healthy);
  g_free(rooms);
  return i < 0 ? NULL : s->nodes->pdata[i];
}

/* A node whose control connection dropped has lost its rooms (the SFU
 * keeps no state across a restart): those calls end now, clearly, rather
 * than hang with dead media. */
static void on_sfu_state(SfuNode *node, int up, void *user) {
  SigServer *s = user;
  if (up) return;
  GList *ids = NULL;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->rooms);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((SigRoom *)v)->node == node) ids = g_list_prepend(ids, g_strdup(k));
  for (GList *l = ids; l; l = l->next) {
    SigRoom *r = g_hash_table_lookup(s->rooms, l->data);
    if (r) sig_room_end(r, "media_failure", NULL, NULL);
  }
  g_list_free_full(ids, g_free);
}


SigServer *sig_server_new(const SigSettings *set, char **node_urls, const char *sfu_secret,
                          SigEvents *events) {
  SigServer *s = g_new0(SigServer, 1);
  s->set = *set;
  s->events = events;
  s->clock = sig_clock_real();
  s->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, sig_room_free);
  s->ended = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  s->conns = g_hash_table_new(g_int64_hash, g_int64_equal);
  s->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)sfu_node_free);
  for (int i = 0; node_urls && node_urls[i]; i++)
    g_ptr_array_add(s->nodes, sfu_node_new(node_urls[i], sfu_secret, i, sig_on_sfu_event,
                                           on_sfu_state, s));
  return s;
}

void sig_server_set_booking(SigServer *s, struct SigBooking *booking) { s->booking = booking; }
void sig_server_set_clock(SigServer *s, SigClock clock) { s->clock = clock; }
gint64 sig_now_ms(const SigServer *s) { return sig_clock_ms(&s->clock); }
gint64 sig_now_unix(const SigServer *s) { return sig_clock_unix(&s->clock); }

void sig_server_free(SigServer *s) {
  if (!s) return;
  g_hash_table_destroy(s->rooms);
  g_hash_table_destroy(s->ended);
  g_hash_table_destroy(s->conns);
  g_ptr_array_free(s->nodes, TRUE);
  g_free(s);
}
