/* The server: its life, its clock, its SFU nodes, booking events, and the
 * calls of a node that went down. See sig_server.h (main.c's view) and
 * sig_server_state.h (the tables). */
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "sig_admit.h"
#include "sig_call_move.h"
#include "sig_part_quality.h"
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

SfuNode *sig_server_pick_node(SigServer *s, SfuNode *except) {
  guint n = s->nodes->len;
  bool *healthy = g_new0(bool, n), *draining = g_new0(bool, n);
  int *rooms = g_new0(int, n);
  int skip = -1;
  for (guint i = 0; i < n; i++) {
    healthy[i] = sfu_node_healthy(s->nodes->pdata[i]);
    draining[i] = sfu_node_draining(s->nodes->pdata[i]);
    rooms[i] = sfu_node_rooms(s->nodes->pdata[i]);
    if (s->nodes->pdata[i] == except) skip = (int)i;
  }
  int i = sig_move_pick_node((int)n, healthy, draining, rooms, skip);
  g_free(healthy);
  g_free(draining);
  g_free(rooms);
  return i < 0 ? NULL : s->nodes->pdata[i];
}

/* What a node going away (lost, or marked draining) means for each of its
 * calls is the call core's (sig_call_move.h); here it is carried out. A
 * lost node has lost its rooms (the SFU keeps no state across a restart):
 * its calls move to another node, or end clearly when none can take them
 * rather than hang with dead media. */
static void review_node(SigServer *s, SfuNode *node, gboolean lost) {
  GList *ids = NULL;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, s->rooms);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((SigRoom *)v)->node == node) ids = g_list_prepend(ids, g_strdup(k));
  for (GList *l = ids; l; l = l->next) {
    SigRoom *r = g_hash_table_lookup(s->rooms, l->data);
    if (!r || r->node != node) continue;
    SfuNode *to = sig_server_pick_node(s, node);
    SigMoveFacts f = {.node_lost = lost,
                      .node_draining = sfu_node_draining(node),
                      .drain_moves = s->drain_moves,
                      .room_ready = r->state == ROOM_READY,
                      .other_node = to != NULL};
    switch (sig_move_plan(&f)) {
      case SIG_MOVE_MOVE:
        sig_room_move(r, to, lost ? "node_lost" : "node_draining");
        break;
      case SIG_MOVE_END:
        sig_room_end(r, "media_failure", NULL, NULL);
        break;
      case SIG_MOVE_STAY:
        break;
    }
  }
  g_list_free_full(ids, g_free);
}

/* Another healthy node that takes new calls: where a silent node's calls
 * could move. */
static gboolean other_node_can_take(SfuNode *node, void *user) {
  SigServer *s = user;
  for (guint j = 0; j < s->nodes->len; j++) {
    SfuNode *n = s->nodes->pdata[j];
    if (n != node && sfu_node_healthy(n) && !sfu_node_draining(n)) return TRUE;
  }
  return FALSE;
}

static void on_sfu_state(SfuNode *node, int up, void *user) {
  SigServer *s = user;
  if (!up) {
    review_node(s, node, TRUE);
    return;
  }
  /* A node back (restarted, or one that stopped answering and came to):
   * any room it still has of a call that lives on elsewhere is an orphan —
   * no media of ours, perhaps still recording; it goes. */
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->rooms);
  while (g_hash_table_iter_next(&it, NULL, &v)) {
    SigRoom *r = v;
    if (r->node != node)
      sfu_request(node, "room_destroy", json_pack("{s:s}", "room", r->id), NULL, NULL, NULL);
  }
}

int sig_server_set_draining(SigServer *s, char **urls, gboolean moves) {
  int unknown = 0;
  for (int i = 0; urls && urls[i]; i++) {
    gboolean found = FALSE;
    for (guint j = 0; j < s->nodes->len; j++)
      found |= strcmp(sfu_node_url(s->nodes->pdata[j]), urls[i]) == 0;
    if (!found) {
      log_warn("drain_unknown_node", "node=%s", urls[i]);
      unknown++;
    }
  }
  s->drain_moves = moves;
  for (guint j = 0; j < s->nodes->len; j++) {
    SfuNode *n = s->nodes->pdata[j];
    gboolean d = urls && g_strv_contains((const char *const *)urls, sfu_node_url(n));
    if (d != sfu_node_draining(n))
      log_info(d ? "sfu_draining" : "sfu_undrained", "node=%s rooms=%d moves=%d", sfu_node_url(n),
               sfu_node_rooms(n), moves);
    sfu_node_set_draining(n, d);
  }
  for (guint j = 0; j < s->nodes->len; j++)
    if (sfu_node_draining(s->nodes->pdata[j])) review_node(s, s->nodes->pdata[j], FALSE);
  return unknown;
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
  for (int i = 0; node_urls && node_urls[i]; i++) {
    SfuNode *n = sfu_node_new(node_urls[i], sfu_secret, i, sig_on_sfu_event, on_sfu_state, s);
    sfu_node_set_alternative(n, other_node_can_take);
    g_ptr_array_add(s->nodes, n);
  }
  s->quality_timer = sig_quality_sampler_start(s);
  return s;
}

void sig_server_set_booking(SigServer *s, struct SigBooking *booking) { s->booking = booking; }
void sig_server_set_cluster(SigServer *s, struct SigCluster *cluster) { s->cluster = cluster; }

json_t *sig_server_room_ids(SigServer *s) {
  json_t *a = json_array();
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, s->rooms);
  while (g_hash_table_iter_next(&it, &k, NULL)) json_array_append_new(a, json_string(k));
  return a;
}
void sig_server_set_clock(SigServer *s, SigClock clock) { s->clock = clock; }
gint64 sig_now_ms(const SigServer *s) { return sig_clock_ms(&s->clock); }
gint64 sig_now_unix(const SigServer *s) { return sig_clock_unix(&s->clock); }

void sig_server_free(SigServer *s) {
  if (!s) return;
  if (s->quality_timer) g_source_remove(s->quality_timer);
  g_hash_table_destroy(s->rooms);
  g_hash_table_destroy(s->ended);
  g_hash_table_destroy(s->conns);
  g_ptr_array_free(s->nodes, TRUE);
  g_free(s);
}
