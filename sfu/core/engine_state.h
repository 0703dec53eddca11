/* engine_state: the room engine's objects (issue 21): a room, its peers,
 * the tracks they publish and their subscription slots, as the engine
 * sees them. Only the engine's files (sfu/core/engine*.c, listed in
 * engine_internal.h) include this header; the pump holds them as the
 * opaque handles of engine.h and keeps its own structs (sfu/room_state.h:
 * transports, negotiation, recording, the analyser tap), so neither side
 * reads the other's fields (tests/sfu/test-core-imports checks the
 * includes). The description fields below are the engine's copies of what
 * the pump told it through engine.h's calls; each object's counters and
 * forwarding state hang off it as `e` (engine_private.h).
 * Worker thread only. */
#ifndef PARLOUR_SFU_CORE_ENGINE_STATE_H
#define PARLOUR_SFU_CORE_ENGINE_STATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec_keyframe.h"
#include "engine.h"
#include "engine_drops.h"
#include "keyframe_throttle.h"
#include "layer_estimate.h"
#include "layer_selector.h"
#include "media_desc.h"
#include "media_gate.h"
#include "nack_buffer.h"
#include "nack_generator.h"
#include "publisher_remb.h"
#include "router.h"
#include "rtp_stats.h"
#include "sight_policy.h"
#include "speaker_detector.h"
#include "subscriber_bwe.h"
#include "twcc_feedback.h"
#include "vp8_rewrite.h"

/* The engine's own state of each (engine_private.h). */
struct EngineTrackState;
struct EngineSlotState;
struct EnginePeerState;
struct EngineRoomState;

_Static_assert(ENGINE_MAX_LAYERS == ROUTER_MAX_LAYERS, "engine.h's layer count is the router's");

/* A published track; the RouterTrack's user_data (the router owns it:
 * engine_track_remove, or its publisher's leaving, frees it). */
struct EngineTrack {
  EngineRoom *room;
  EnginePeer *pub;
  char *id;
  char *mid;
  SdpKind kind;
  SdpCodec codec; /* fmtp NULL: the pump's */
  CodecId codec_id;
  SdpExtIds ext;
  /* Per simulcast layer (index as the router's, lowest first; one without
   * simulcast): each layer is its own RTP stream with its own sequence. */
  unsigned n_layers;
  char rids[ROUTER_MAX_LAYERS][SDP_RID_MAX_LEN + 1];
  void *user; /* the pump's, for the record hooks */
  struct EngineTrackState *e;
};

/* One media section of a peer's subscriber leg; the RouterSubscription's
 * user_data while it forwards. Its negotiated values are in e
 * (engine_slot_set_desc). */
struct EngineSlot {
  EnginePeer *owner;          /* the subscriber */
  RouterSubscription *rs;     /* forwarding state once activated; NULL paused or stopped */
  struct EngineSlotState *e;
};

struct EnginePeer {
  EngineRoom *room;
  char *id;
  /* engine_peer_set_settings */
  int receive_video;      /* 0: one-way video, no video forwarded to it (core/media_gate.h) */
  int hidden;             /* a monitor (sight_policy.h) */
  uint64_t max_video_bps; /* control API max_video_bitrate; 0 no limit */
  int analyse;            /* its lowest video layer goes to the analyser hook (docs/faces.md) */
  uint32_t rtcp_ssrc;     /* our SSRC in RTCP on both legs */
  GPtrArray *slots;       /* EngineSlot* (owned), in m-line order */
  void *user;             /* the pump's, for the analyser hook */
  struct EnginePeerState *e;
};

struct EngineRoom {
  char *name;               /* for log lines */
  int audio_private;        /* no audio to hidden peers */
  GPtrArray *order;         /* EnginePeer*, join order */
  Router *router;
  struct EngineRoomState *e;
};

/* Engine-internal calls on these objects (the pump's are in engine.h and
 * engine_stats.h). */

/* One-way video (core/media_gate.h): may p receive track t at all. */
int engine_peer_may_receive(const EnginePeer *p, const EngineTrack *t);
/* The published track with that id, NULL none. */
EngineTrack *engine_room_track(EngineRoom *r, const char *id);

/* engine_send, the one way the engine's packets leave (the peer's
 * EngineSendFn; -1 when it has none or the pump refused). */
int engine_send(EnginePeer *p, EngineLeg leg, EnginePacketKind kind, uint8_t *buf, size_t len);
/* Counts a dropped packet of (or for) p in its and its room's counts; a
 * rate-limited debug line (engine_drops.h). */
void engine_drop(EnginePeer *p, EngineDrop why, int64_t now_us);
/* A keyframe of one layer (the one a subscriber is on or switching to):
 * throttled per layer, see keyframe_throttle.h; force: a newcomer/switch
 * request. (Every layer: forwarder_request_keyframe, engine.h.) */
void forwarder_request_layer_keyframe(EngineTrack *t, unsigned layer, const char *reason, int force,
                                      int64_t now_us);
/* Simulcast: the layer a subscription should receive (layer_selector: the
 * lowest when it has a limit, else the highest the subscriber's REMB
 * estimate carries after audio, never one the publisher is not sending) and
 * the switch to it (router target + keyframe request). No-op for one layer. */
void forwarder_choose_layer(EngineSlot *s, int64_t now_us);
/* The most video bit rate a subscription may receive: the smaller of the
 * subscriber's max_video_bitrate and its answer's b=TIAS/b=AS; 0 no limit. */
uint64_t forwarder_slot_cap(const EngineSlot *s);
/* What the track's subscribers can use at most: the largest cap among its
 * forwarding subscriptions, 0 when one of them has none or none forward. */
uint64_t forwarder_video_cap(const EngineTrack *t);
/* The router's user_destroy of a track. */
void engine_track_free(gpointer t);

#endif
