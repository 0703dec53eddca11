/* engine_stats: snapshots of the room engine's counters for the stats API
 * (participant_stats, room_stats: docs/sfu-control.md). Plain values out
 * of the engine's opaque objects (engine.h); the pump makes the JSON
 * (sfu/participant.c, sfu/room.c). */
#ifndef PARLOUR_SFU_CORE_ENGINE_STATS_H
#define PARLOUR_SFU_CORE_ENGINE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "engine_drops.h"

typedef struct {
  bool muted;
  unsigned n_layers;
  uint64_t packets, bytes, lost, nacks_sent, nack_missing, nack_recovered, rtx_received;
  uint64_t keyframe_requests, subscribers, remb_bps, rembs_sent;
  int remb_highest;
  struct {
    uint32_t ssrc;
    uint64_t packets, bps; /* bps: simulcast only */
  } layers[ENGINE_MAX_LAYERS];
} EngineTrackStats;
void engine_track_stats(const EngineTrack *t, int64_t now_us, EngineTrackStats *out);

typedef struct {
  bool forwarding, paused, simulcast;
  uint64_t packets, bytes, nacks_received, retransmitted, plis_received, max_bitrate, pauses;
  unsigned layer, target_layer; /* simulcast only */
  /* The output numbering while forwarding (the router's rewriter):
   * started once a packet went out; first and highest (extended) output
   * seq; packets forwarded. */
  bool started;
  uint16_t first_out_seq;
  int64_t out_ext_max;
  uint64_t forwarded;
} EngineSlotStats;
void engine_slot_stats(const EngineSlot *s, EngineSlotStats *out);

typedef struct {
  bool estimate_from_bwe; /* else the subscriber's REMB */
  bool transport_cc, has_bwe;
  uint64_t estimate_bps, remb_bps, packets_stamped, padding_bytes;
  int64_t rtt_us;
  uint64_t bwe_estimate_bps, acked_bps, feedbacks, bad_feedbacks, packets_lost;
  uint64_t probes_ok, probes_failed, heavy_loss_caps;
} EnginePeerStats;
void engine_peer_stats(const EnginePeer *p, EnginePeerStats *out);
/* Packets of (or for) the peer the engine did not use, by reason; the
 * room's: every peer's, those who left too. */
const EngineDrops *engine_peer_drops(const EnginePeer *p);
const EngineDrops *engine_room_drops(const EngineRoom *r);

#endif
