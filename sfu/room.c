#include "room.h"

#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "room_internal.h"
#include "sfu_bus.h"

#define TICK_MS 20

void room_emit(Room *r, const char *event, json_t *fields) {
  if (!fields) fields = json_object();
  json_object_set_new(fields, "room", json_string(r->name));
  sfu_bus_event(event, fields);
}

PubTrack *room_track(Room *r, const char *id) {
  RouterTrack *rt = id ? router_track_by_id(r->router, id) : NULL;
  return rt ? rt->user_data : NULL;
}

static gboolean on_tick(gpointer data) {
  forwarder_tick(data, g_get_monotonic_time());
  return G_SOURCE_CONTINUE;
}

Room *room_new(const char *name, int max_participants, int recordable, int worker_index,
               const SfuEnv *env, GMainContext *ctx) {
  Room *r = g_new0(Room, 1);
  r->name = g_strdup(name);
  r->max_participants = max_participants;
  r->recordable = recordable;
  r->worker_index = worker_index;
  r->env = *env;
  r->ctx = ctx;
  r->participants = g_hash_table_new(g_str_hash, g_str_equal);
  r->order = g_ptr_array_new();
  r->router = router_new();
  r->tick = g_timeout_source_new(TICK_MS);
  g_source_set_callback(r->tick, on_tick, r, NULL);
  g_source_attach(r->tick, ctx);
  return r;
}

void room_free(Room *r, const char *reason) {
  if (!r) return;
  while (r->order->len > 0) participant_remove(r->order->pdata[r->order->len - 1], reason);
  g_source_destroy(r->tick);
  g_source_unref(r->tick);
  router_free(r->router);
  g_hash_table_destroy(r->participants);
  g_ptr_array_free(r->order, TRUE);
  g_free(r->name);
  g_free(r);
}

static Participant *find_participant(Room *r, json_t *msg, json_t **err) {
  const char *id = jsonu_str(msg, "participant");
  Participant *p = id ? g_hash_table_lookup(r->participants, id) : NULL;
  if (!p) *err = sfu_error("participant_not_found", "participant", "no participant %s in room %s",
                           id ? id : "", r->name);
  return p;
}

static json_t *room_stats_json(Room *r) {
  json_t *parts = json_array();
  for (guint i = 0; i < r->order->len; i++)
    json_array_append_new(parts, participant_stats_json(r->order->pdata[i]));
  return json_pack("{s:s, s:i, s:b, s:i, s:i, s:o}", "room", r->name, "worker", r->worker_index,
                   "recordable", r->recordable, "max_participants", r->max_participants, "tracks",
                   (int)router_track_count(r->router), "participants", parts);
}

json_t *room_handle(Room *r, const char *type, json_t *msg) {
  json_t *err = NULL;
  if (strcmp(type, "participant_add") == 0) {
    const char *id = jsonu_str(msg, "participant");
    int sub_all = 1;
    jsonu_bool(msg, "subscribe_all", &sub_all);
    if (g_hash_table_lookup(r->participants, id))
      return sfu_error("participant_exists", "participant", "participant %s is already in room %s",
                       id, r->name);
    if ((int)g_hash_table_size(r->participants) >= r->max_participants)
      return sfu_error("room_full", NULL, "room %s has its %d participants", r->name,
                       r->max_participants);
    Participant *p = participant_new(r, id, sub_all);
    g_hash_table_insert(r->participants, p->id, p);
    g_ptr_array_add(r->order, p);
    log_info("participant_added", "room=%s participant=%s", r->name, id);
    participant_sync_subscriptions(p);
    return sfu_result(json_pack("{s:s, s:s}", "room", r->name, "participant", id));
  }
  if (strcmp(type, "room_stats") == 0) return sfu_result(room_stats_json(r));
  if (strcmp(type, "track_mute") == 0) {
    const char *tid = jsonu_str(msg, "track");
    int muted = 0;
    jsonu_bool(msg, "muted", &muted);
    PubTrack *t = room_track(r, tid);
    if (!t) return sfu_error("track_not_found", "track", "no track %s in room %s", tid, r->name);
    bool need_kf = false;
    router_set_muted(r->router, tid, muted, &need_kf);
    if (need_kf) forwarder_request_keyframe(t, "unmute", 1);
    log_info("track_muted", "room=%s track=%s muted=%d", r->name, tid, muted);
    return sfu_result(json_pack("{s:s, s:b}", "track", tid, "muted", muted));
  }
  if (strcmp(type, "record_start") == 0 || strcmp(type, "record_stop") == 0) {
    if (!r->recordable)
      return sfu_error("room_not_recordable", NULL, "room %s was created not recordable", r->name);
    return sfu_error("recording_unavailable", NULL, "recording is not implemented in this SFU");
  }

  Participant *p = find_participant(r, msg, &err);
  if (!p) return err;
  if (p->remove_source)
    return sfu_error("participant_not_found", "participant", "participant %s is leaving", p->id);
  if (strcmp(type, "participant_remove") == 0) {
    participant_remove(p, "removed");
    return sfu_result(json_pack("{s:s, s:s}", "room", r->name, "participant",
                                jsonu_str(msg, "participant")));
  }
  if (strcmp(type, "publish_offer") == 0) return participant_publish_offer(p, jsonu_str(msg, "sdp"));
  if (strcmp(type, "subscriber_offer") == 0) return participant_subscriber_offer(p);
  if (strcmp(type, "subscriber_answer") == 0)
    return participant_subscriber_answer(p, jsonu_str(msg, "sdp"));
  if (strcmp(type, "ice_candidate") == 0)
    return participant_ice_candidate(p, jsonu_str(msg, "transport"), jsonu_str(msg, "candidate"));
  if (strcmp(type, "participant_stats") == 0) return sfu_result(participant_stats_json(p));
  if (strcmp(type, "subscribe") == 0 || strcmp(type, "unsubscribe") == 0) {
    const char *tid = jsonu_str(msg, "track");
    PubTrack *t = room_track(r, tid);
    if (!t) return sfu_error("track_not_found", "track", "no track %s in room %s", tid, r->name);
    if (t->pub == p)
      return sfu_error("bad_request", "track", "a participant does not subscribe to its own track");
    if (type[0] == 's') {
      g_hash_table_add(p->wanted, g_strdup(tid));
      g_hash_table_remove(p->unwanted, tid);
    } else {
      g_hash_table_remove(p->wanted, tid);
      g_hash_table_add(p->unwanted, g_strdup(tid));
    }
    participant_sync_subscriptions(p);
    return sfu_result(json_pack("{s:s}", "track", tid));
  }
  return sfu_error("unknown_type", "type", "no request type %s", type);
}
