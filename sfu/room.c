#include "room.h"

#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "room_internal.h"
#include "shared_timer.h"
#include "sfu_bus.h"
#include "timeutil.h"

#define TICK_MS 20

void room_emit(Room *r, const char *event, json_t *fields) {
  if (!fields) fields = json_object();
  json_object_set_new(fields, "room", json_string(r->name));
  sfu_bus_event(event, fields);
}

/* ---- recording (docs/recording.md, sfu/recorder) ---- */

void room_record_participant_end(Room *r, Participant *p) {
  if (r->recorder && p->rec_piece > 0) recorder_piece_end(r->recorder, p->rec_piece);
  p->rec_piece = 0;
  GPtrArray *mine = participant_tracks(p);
  for (guint i = 0; i < mine->len; i++) ((PubTrack *)mine->pdata[i])->rec_handle = -1;
  g_ptr_array_free(mine, TRUE);
}

void room_record_participant(Room *r, Participant *p) {
  if (!r->recorder) return;
  room_record_participant_end(r, p);
  GPtrArray *mine = participant_tracks(p);
  RecTrackDesc desc[REC_PIECE_MAX_TRACKS];
  PubTrack *which[REC_PIECE_MAX_TRACKS];
  unsigned n = 0;
  int have_audio = 0, have_video = 0;
  for (guint i = 0; i < mine->len; i++) {
    PubTrack *t = mine->pdata[i];
    RecCodec codec = t->codec_id == CODEC_OPUS ? REC_CODEC_OPUS
                     : t->codec_id == CODEC_VP8 ? REC_CODEC_VP8
                     : t->codec_id == CODEC_VP9 ? REC_CODEC_VP9
                                                : 0;
    int audio = t->kind == SDP_KIND_AUDIO;
    /* A piece holds one audio and one video track (one WebM file). */
    if (!codec || (audio && have_audio) || (!audio && have_video) || n >= REC_PIECE_MAX_TRACKS) {
      log_warn("recording_track_skipped", "room=%s track=%s codec=%s", r->name, t->id, t->codec.name);
      continue;
    }
    have_audio |= audio;
    have_video |= !audio;
    desc[n] = (RecTrackDesc){t->id, audio ? REC_KIND_AUDIO : REC_KIND_VIDEO, codec, t->codec.pt,
                             t->codec.clock_rate};
    which[n++] = t;
  }
  g_ptr_array_free(mine, TRUE);
  if (n == 0) return;
  int handles[REC_PIECE_MAX_TRACKS];
  RecError e = REC_OK;
  int piece = recorder_piece_begin(r->recorder, p->id, desc, n, handles, &e);
  if (piece < 0) {
    log_warn("recording_failed", "room=%s participant=%s error=%s", r->name, p->id,
             recorder_error_code(e));
    room_emit(r, "recording_failed", json_pack("{s:s, s:s, s:s, s:I}", "stage", "piece_start",
                                               "participant", p->id, "error",
                                               recorder_error_code(e), "at_ms",
                                               (json_int_t)time_now_ms()));
    return;
  }
  p->rec_piece = piece;
  for (unsigned i = 0; i < n; i++) {
    which[i]->rec_handle = handles[i];
    /* The recorder is a new receiver: its file should start on a keyframe. */
    if (which[i]->kind == SDP_KIND_VIDEO)
      forwarder_request_keyframe(which[i]->engine, "new_subscriber", 1, g_get_monotonic_time());
  }
}

/* The recorder's thread, at once when a piece fails mid-call (a full disk,
 * any write error): the control event for signalling, which tells booking
 * and the staff monitoring the call (docs/sfu-control.md). Needs nothing of
 * the room (sfu_bus_event is callable from any thread). */
static void on_recording_piece_failed(const RecPieceFailure *f, void *user) {
  (void)user;
  sfu_bus_event("recording_failed",
                json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:i, s:I, s:I}", "room", f->room,
                          "stage", "write", "error", "write_failed", "participant",
                          f->participant, "piece", (int)f->piece, "part", (int)f->part, "detail",
                          f->error ? f->error : "", "files_kept", (int)f->files_kept,
                          "bytes_kept", (json_int_t)f->bytes_kept, "at_ms",
                          (json_int_t)f->at_ms));
}

/* Back on the worker once the files are final; needs nothing of the room. */
static void on_recording_stopped(RecResult *res, RecError err, gpointer user) {
  char *room = user;
  if (!res) {
    json_t *f = json_pack("{s:s, s:s, s:s, s:I}", "room", room, "stage", "stop", "error",
                          recorder_error_code(err), "at_ms", (json_int_t)time_now_ms());
    sfu_bus_event("recording_failed", f);
    g_free(room);
    return;
  }
  for (guint i = 0; i < res->files->len; i++) {
    json_t *f = rec_file_to_json(res->files->pdata[i]);
    json_object_set_new(f, "room", json_string(room));
    sfu_bus_event("recording_file", f);
  }
  /* Files kept but no manifest (the disk is full): the files above are
   * reported all the same (partial ones complete=0), and so is the failure. */
  if (!res->manifest_path)
    sfu_bus_event("recording_failed",
                  json_pack("{s:s, s:s, s:s, s:s, s:i, s:I}", "room", room, "stage", "stop",
                            "error", "manifest_failed", "detail",
                            res->manifest_error ? res->manifest_error : "", "files_kept",
                            (int)res->files->len, "at_ms", (json_int_t)time_now_ms()));
  sfu_bus_event("recording_finished",
                json_pack("{s:s, s:s, s:s?, s:i, s:I, s:I}", "room", room, "dir", res->rel_dir,
                          "manifest", res->manifest_path, "files", (int)res->files->len,
                          "duration_ms", (json_int_t)res->duration_ms, "dropped_queue_full",
                          (json_int_t)res->stats.queue.dropped_full));
  log_info("recording_finished", "room=%s files=%u", room, res->files->len);
  rec_result_free(res);
  g_free(room);
}

/* Detaches the recorder from the room (no producer call after this) and
 * finalises it: asynchronously (events when done), or synchronously when
 * the worker is shutting down. */
static void room_stop_recording(Room *r, int sync) {
  Recorder *rec = r->recorder;
  if (!rec) return;
  for (guint i = 0; i < r->order->len; i++) room_record_participant_end(r, r->order->pdata[i]);
  r->recorder = NULL;
  if (sync) {
    RecError e = REC_OK;
    on_recording_stopped(recorder_stop(rec, &e), e, g_strdup(r->name));
    recorder_free(rec);
  } else {
    recorder_stop_async(rec, r->ctx, on_recording_stopped, g_strdup(r->name));
  }
}

static json_t *room_record(Room *r, int start) {
  if (!r->recordable)
    return sfu_error("room_not_recordable", NULL, "room %s was created not recordable", r->name);
  if (!start) {
    if (!r->recorder) return sfu_error("wrong_state", NULL, "room %s is not recording", r->name);
    room_stop_recording(r, 0);
    log_info("recording_stopping", "room=%s", r->name);
    return sfu_result(json_pack("{s:s, s:b}", "room", r->name, "recording", 0));
  }
  if (r->recorder) return sfu_error("wrong_state", NULL, "room %s is already recording", r->name);
  RecError e = REC_OK;
  RecorderOptions opts = {.on_piece_failed = on_recording_piece_failed};
  r->recorder = recorder_new(r->env->recording_dir, r->name,
                             r->recordable ? RECORDER_RECORDABLE : RECORDER_NOT_RECORDABLE, &opts,
                             &e);
  if (!r->recorder)
    return sfu_error(recorder_error_code(e), NULL, "the recorder refused to start");
  for (guint i = 0; i < r->order->len; i++) room_record_participant(r, r->order->pdata[i]);
  const char *dir = recorder_rel_dir(r->recorder);
  log_info("recording_started", "room=%s dir=%s", r->name, dir);
  room_emit(r, "recording_started", json_pack("{s:s}", "dir", dir));
  return sfu_result(json_pack("{s:s, s:b, s:s}", "room", r->name, "recording", 1, "dir", dir));
}

void room_set_audio_private(Room *r, int audio_private) {
  r->audio_private = audio_private != 0;
  engine_room_set_audio_private(r->engine, r->audio_private);
}

/* Every room of a worker ticks from one shared timer (shared_timer.h), not a
 * source each: fewer sources for GLib to walk per loop iteration, and no
 * eventfd write per re-armed timeout. */
static void on_tick(void *data, gint64 now) { engine_tick(((Room *)data)->engine, now); }

Room *room_new(const char *name, int max_participants, int recordable, int worker_index,
               const SfuEnv *env, GMainContext *ctx) {
  Room *r = g_new0(Room, 1);
  r->name = g_strdup(name);
  r->max_participants = max_participants;
  r->recordable = recordable;
  r->worker_index = worker_index;
  r->env = g_memdup2(env, sizeof *env);
  r->ctx = ctx;
  r->participants = g_hash_table_new(g_str_hash, g_str_equal);
  r->order = g_ptr_array_new();
  r->tracks = g_ptr_array_new();
  r->engine = engine_room_new(name);
  engine_room_set_hooks(r->engine, &room_engine_hooks, r);
  engine_set_wall_offset(r->engine, g_get_real_time() - g_get_monotonic_time());
  shared_timer_add(ctx, TICK_MS, on_tick, r);
  return r;
}

void room_free(Room *r, const char *reason) {
  if (!r) return;
  /* The files of a call that ends are always finalised and reported. */
  room_stop_recording(r, g_strcmp0(reason, "shutdown") == 0);
  room_faces_free(r);
  while (r->order->len > 0) participant_remove(r->order->pdata[r->order->len - 1], reason);
  shared_timer_remove_user(r->ctx, TICK_MS, on_tick, r);
  engine_room_free(r->engine); /* its router and peers (none left) */
  g_hash_table_destroy(r->participants);
  g_ptr_array_free(r->order, TRUE);
  g_ptr_array_free(r->tracks, TRUE); /* empty: every participant unpublished */
  g_free((gpointer)r->env);
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
  json_t *j = json_pack("{s:s, s:i, s:b, s:i, s:i, s:o, s:b}", "room", r->name, "worker",
                        r->worker_index, "recordable", r->recordable, "max_participants",
                        r->max_participants, "tracks", (int)r->tracks->len,
                        "participants", parts, "recording", r->recorder != NULL);
  json_object_set_new(j, "drops", engine_drops_json(engine_room_drops(r->engine)));
  if (r->faces_tap) json_object_set_new(j, "faces_tap", room_faces_stats_json(r));
  json_object_set_new(j, "audio_private", json_boolean(r->audio_private));
  if (r->recorder) {
    RecorderStats st;
    recorder_get_stats(r->recorder, &st);
    json_object_set_new(j, "recorder",
                        json_pack("{s:I, s:I, s:I, s:I}", "packets_queued",
                                  (json_int_t)st.queue.pushed, "dropped_queue_full",
                                  (json_int_t)st.queue.dropped_full, "dropped_backlog",
                                  (json_int_t)st.backlog_dropped, "files_started",
                                  (json_int_t)st.files_started));
  }
  return j;
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
    jsonu_bool(msg, "hidden", &p->hidden);
    json_t *mvb = json_object_get(msg, "max_video_bitrate");
    if (mvb) p->max_video_bps = (uint64_t)json_integer_value(mvb);
    room_faces_participant(r, p, msg);
    jsonu_bool(msg, "receive_video", &p->receive_video);
    participant_tell_settings(p);
    g_hash_table_insert(r->participants, p->id, p);
    g_ptr_array_add(r->order, p);
    log_info("participant_added", "room=%s participant=%s receive_video=%d", r->name, id,
             p->receive_video);
    participant_sync_subscriptions(p);
    return sfu_result(json_pack("{s:s, s:s}", "room", r->name, "participant", id));
  }
  if (strcmp(type, "room_stats") == 0) return sfu_result(room_stats_json(r));
  if (strcmp(type, "faces_snapshot") == 0) return room_faces_snapshot(r, msg);
  if (strcmp(type, "track_mute") == 0) {
    const char *tid = jsonu_str(msg, "track");
    int muted = 0;
    jsonu_bool(msg, "muted", &muted);
    PubTrack *t = room_track(r, tid);
    if (!t) return sfu_error("track_not_found", "track", "no track %s in room %s", tid, r->name);
    forwarder_mute_track(t->engine, muted, g_get_monotonic_time());
    log_info("track_muted", "room=%s track=%s muted=%d", r->name, tid, muted);
    return sfu_result(json_pack("{s:s, s:b}", "track", tid, "muted", muted));
  }
  if (strcmp(type, "record_start") == 0) return room_record(r, 1);
  if (strcmp(type, "record_stop") == 0) return room_record(r, 0);

  /* participant_update changes something (checked before the participant,
   * as a missing required field is). */
  if (strcmp(type, "participant_update") == 0 && !json_object_get(msg, "max_video_bitrate") &&
      !json_object_get(msg, "receive_video"))
    return sfu_error("bad_request", "max_video_bitrate",
                     "max_video_bitrate or receive_video is required");
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
  if (strcmp(type, "restart_ice") == 0)
    return participant_restart_ice(p, jsonu_str(msg, "transport"));
  if (strcmp(type, "participant_update") == 0) {
    json_t *mvb = json_object_get(msg, "max_video_bitrate");
    json_t *rv = json_object_get(msg, "receive_video");
    /* Takes effect with the next REMB to each publisher (within 1 s). */
    if (mvb) p->max_video_bps = (uint64_t)json_integer_value(mvb);
    if (rv && json_is_true(rv) != (p->receive_video != 0)) {
      /* One-way video on or off: the forwarding gate applies from the next
       * packet; the subscriptions follow (renegotiation). */
      p->receive_video = json_is_true(rv);
      participant_tell_settings(p);
      participant_sync_subscriptions(p);
    } else if (mvb) {
      participant_tell_settings(p);
    }
    log_info("participant_updated",
             "room=%s participant=%s max_video_bitrate=%" G_GUINT64_FORMAT " receive_video=%d",
             r->name, p->id, p->max_video_bps, p->receive_video);
    return sfu_result(json_pack("{s:s, s:s, s:I, s:b}", "room", r->name, "participant", p->id,
                                "max_video_bitrate", (json_int_t)p->max_video_bps,
                                "receive_video", p->receive_video));
  }
  if (strcmp(type, "subscribe") == 0 || strcmp(type, "unsubscribe") == 0) {
    const char *tid = jsonu_str(msg, "track");
    PubTrack *t = room_track(r, tid);
    if (!t) return sfu_error("track_not_found", "track", "no track %s in room %s", tid, r->name);
    if (t->pub == p)
      return sfu_error("bad_request", "track", "a participant does not subscribe to its own track");
    if (type[0] == 's' && !participant_may_receive(p, t))
      return sfu_error("forbidden", "track", "participant %s may not receive video (one-way video)",
                       p->id);
    /* Sight-only monitoring: a legal call's audio never goes to a monitor,
     * whoever asks (sight_policy.h). */
    if (type[0] == 's' &&
        !sight_policy_may_forward(p->hidden, r->audio_private, t->kind == SDP_KIND_AUDIO))
      return sfu_error("audio_private", "track",
                       "room %s's audio is private: not for hidden participant %s", r->name, p->id);
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
