/* room_engine_hooks: what the room does with what its engine tells it
 * (core/engine.h EngineHooks): events become the control channel's JSON
 * (docs/sfu-control.md), log lines go to the log, publishers' packets to
 * the recorder and the analyser tap. The engine decides when; these only
 * carry it out. */
#include "log.h"
#include "room_internal.h"

static void on_event(void *ctx, const EngineEvent *ev) {
  Room *r = ctx;
  switch (ev->kind) {
  case ENGINE_EVENT_TRACK_PUBLISHED:
    room_emit(r, "track_published",
              json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "participant", ev->participant, "track",
                        "id", ev->track, "kind", ev->media_kind, "mid", ev->mid, "codec",
                        ev->codec));
    break;
  case ENGINE_EVENT_KEYFRAME_REQUESTED:
    room_emit(r, "keyframe_requested",
              json_pack("{s:s, s:s, s:s}", "participant", ev->participant, "track", ev->track,
                        "reason", ev->reason));
    break;
  case ENGINE_EVENT_VIDEO_PAUSED:
    room_emit(r, "video_paused",
              json_pack("{s:s, s:s, s:b}", "participant", ev->participant, "track", ev->track,
                        "paused", ev->on));
    break;
  case ENGINE_EVENT_ACTIVE_SPEAKER:
    room_emit(r, "active_speaker",
              json_pack("{s:o}", "participant",
                        ev->participant ? json_string(ev->participant) : json_null()));
    break;
  case ENGINE_EVENT_SPEAKING:
    room_emit(r, "speaking",
              json_pack("{s:s, s:s, s:b}", "participant", ev->participant, "track", ev->track,
                        "speaking", ev->on));
    break;
  }
}

static void on_log(void *ctx, EngineLogLevel level, const char *event, const char *fmt,
                   va_list ap) {
  (void)ctx;
  LogLevel l = level == ENGINE_LOG_DEBUG  ? LOG_LEVEL_DEBUG
               : level == ENGINE_LOG_INFO ? LOG_LEVEL_INFO
                                          : LOG_LEVEL_WARN;
  log_eventv(l, event, fmt, ap);
}

/* The engine gives back the pointers the pump gave it: the room (ctx),
 * the track (engine_track_new's user), the participant (engine_peer_join's). */
static void on_record_rtp(void *ctx, void *track, const uint8_t *buf, size_t len, int64_t now) {
  Room *r = ctx;
  PubTrack *t = track;
  if (r->recorder && t->rec_handle >= 0) recorder_push_rtp(r->recorder, t->rec_handle, buf, len, now);
}

static void on_record_sr(void *ctx, void *track, uint64_t ntp, uint32_t rtp_ts, int64_t now) {
  Room *r = ctx;
  PubTrack *t = track;
  if (r->recorder && t->rec_handle >= 0)
    recorder_on_sender_report(r->recorder, t->rec_handle, ntp, rtp_ts, now);
}

static bool on_analyser_gen(void *ctx, unsigned *gen) {
  Room *r = ctx;
  if (!r->faces_tap) return false;
  *gen = faces_tap_keyframe_gen(r->faces_tap);
  return true;
}

static void on_analyser_push(void *ctx, void *peer, const uint8_t *buf, size_t len,
                             int64_t now) {
  Room *r = ctx;
  Participant *p = peer;
  faces_tap_push(r->faces_tap, p->id, buf, len, now);
}

const EngineHooks room_engine_hooks = {
    .event = on_event,
    .log = on_log,
    .record_rtp = on_record_rtp,
    .record_sr = on_record_sr,
    .analyser_gen = on_analyser_gen,
    .analyser_push = on_analyser_push,
};
