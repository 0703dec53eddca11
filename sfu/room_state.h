/* room_state: the pump's own objects of a room (issue 21): the room, its
 * participants, the tracks they publish and their subscriber slots, as
 * the I/O side sees them — transports, SDP negotiation, control settings,
 * recording, the analyser tap. The engine has its own objects for each
 * (sfu/core/engine_state.h, opaque here: the handles of core/engine.h);
 * every value it needs of these it is told through engine.h's calls, and
 * no sfu/core file includes this header. Worker thread only. */
#ifndef PARLOUR_SFU_ROOM_STATE_H
#define PARLOUR_SFU_ROOM_STATE_H

#include <glib.h>
#include <stdint.h>

#include "core/codec_keyframe.h"
#include "core/engine.h"
#include "core/media_desc.h"

struct PeerTransport;
struct SfuEnv;
struct Recorder;
struct FacesTap;

typedef struct Participant Participant;
typedef struct Room Room;

/* A published track as the publisher's offer described it (the engine
 * got a copy: engine_track_new). */
typedef struct PubTrack {
  Room *room;
  Participant *pub;
  char *id;
  char *mid;
  SdpKind kind;
  SdpCodec codec; /* fmtp owned */
  CodecId codec_id;
  unsigned n_layers;
  char rids[ENGINE_MAX_LAYERS][SDP_RID_MAX_LEN + 1];
  int rec_handle;      /* recorder handle while recorded, else -1 */
  EngineTrack *engine; /* the engine's track (owned by the engine's router) */
} PubTrack;

/* One media section of a participant's subscriber connection: its SDP
 * values (negotiation); the engine gets what it needs of them with
 * engine_slot_set_desc (subslot_tell, participant.c). */
typedef struct {
  Participant *owner;    /* the subscriber */
  char *mid;
  SdpKind kind;
  char *track_id;        /* the track it carries; NULL once it went away */
  char *stream_id;       /* msid stream: the publisher's id */
  SdpCodec codec;        /* copy of the publisher's, fmtp owned */
  uint8_t rtx_pt;
  uint32_t ssrc, rtx_ssrc;
  int active;            /* carries a live track (sendonly) */
  int offered;           /* was in the latest offer */
  int negotiated;        /* the answer accepted it */
  int rtx_ok;            /* the answer kept RTX */
  uint8_t ext_abs, ext_level; /* accepted by the answer */
  uint8_t ext_twcc;           /* transport-cc accepted: every packet is stamped */
  int fb_twcc;                /* ... with a=rtcp-fb transport-cc (feedback comes) */
  uint64_t answer_max_bps;    /* b=TIAS/b=AS of the answer's section; 0 none */
  EngineSlot *engine;         /* the engine's slot (freed with the engine's peer) */
} SubSlot;

struct Participant {
  Room *room;
  char *id;
  int subscribe_all;
  /* Control settings; the engine has a copy (participant_tell_settings). */
  int receive_video;      /* 0: one-way video, no video forwarded to it (core/media_gate.h) */
  int hidden;             /* participant_add's hidden: a monitor (sight_policy.h) */
  uint64_t max_video_bps; /* control API max_video_bitrate; 0 no limit */
  int analyse;            /* its lowest video layer goes to the analyser tap (docs/faces.md) */
  struct PeerTransport *pub_tr, *sub_tr; /* sfu/peer_transport.h */
  GHashTable *wanted;    /* track ids asked for with subscribe */
  GHashTable *unwanted;  /* track ids refused with unsubscribe */
  GPtrArray *slots;      /* SubSlot*, in m-line order */
  int next_mid;
  int offer_outstanding, renegotiate_needed;
  guint64 sdp_session_id, pub_version, sub_version;
  int connected_emitted;
  char *cname;
  int rec_piece;         /* recorder piece while recorded, else 0 */
  guint remove_source;   /* pending deferred removal */
  char *remove_reason;
  EnginePeer *engine;    /* the engine's peer */
};

struct Room {
  char *name;
  int max_participants;
  int recordable;
  int audio_private;       /* room_create's audio_private: no audio to hidden participants */
  int worker_index;
  const struct SfuEnv *env; /* the room's copy of its worker's settings (sfu/worker.h) */
  GMainContext *ctx;
  GHashTable *participants; /* id -> Participant* */
  GPtrArray *order;         /* Participant*, join order (stable stats) */
  GPtrArray *tracks;        /* PubTrack* (owned), in publishing order */
  struct Recorder *recorder; /* while recording (docs/recording.md) */
  struct FacesTap *faces_tap; /* once a participant is analysed (docs/faces.md) */
  EngineRoom *engine;       /* the room's engine (its router, its peers) */
};

#endif
