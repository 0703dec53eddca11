/* engine_stats: snapshots of the engine's counters for the stats API
 * (participant_stats, room_stats: docs/sfu-control.md). Plain values out;
 * the pump turns them into its JSON (sfu/participant.c). */
#include "engine_stats.h"

#include "engine_internal.h"

void engine_track_stats(const EngineTrack *t, int64_t now, EngineTrackStats *out) {
  *out = (EngineTrackStats){0};
  size_t nsubs = 0;
  router_track_subscriptions(t->e->rt, &nsubs);
  out->subscribers = nsubs;
  out->muted = t->e->rt->muted;
  out->n_layers = t->n_layers;
  for (unsigned l = 0; l < t->n_layers && l < ROUTER_MAX_LAYERS; l++) {
    const NackGeneratorStats *ns = nack_generator_stats(t->e->nack_gen[l]);
    out->nack_missing += ns->missing;
    out->nack_recovered += ns->recovered;
    if (t->e->have_rstats[l]) out->lost += (uint64_t)rtp_stats_cumulative_lost(&t->e->rstats[l]);
    out->layers[l].ssrc = t->e->rt->ssrcs[l];
    out->layers[l].packets = t->e->layer_packets[l];
    out->layers[l].bps = t->n_layers > 1 ? layer_rate_bps(&t->e->meter, l, now) : 0;
  }
  out->packets = t->e->packets;
  out->bytes = t->e->bytes;
  out->nacks_sent = t->e->nacks_sent;
  out->rtx_received = t->e->rtx_received;
  out->keyframe_requests = t->e->keyframe_requests;
  out->remb_bps = t->e->remb_sent_bps;
  out->rembs_sent = t->e->rembs_sent;
  out->remb_highest = t->e->remb_highest;
}

void engine_slot_stats(const EngineSlot *s, EngineSlotStats *out) {
  *out = (EngineSlotStats){0};
  out->forwarding = s->rs != NULL;
  out->packets = s->e->packets;
  out->bytes = s->e->bytes;
  out->nacks_received = s->e->nacks_received;
  out->retransmitted = s->e->retransmitted;
  out->plis_received = s->e->plis_received;
  out->max_bitrate = forwarder_slot_cap(s);
  out->paused = s->e->paused != 0;
  out->pauses = s->e->pauses;
  out->simulcast = s->rs && s->rs->track->n_layers > 1;
  if (out->simulcast) {
    out->layer = s->rs->layer;
    out->target_layer = s->rs->target_layer;
  }
  if (s->rs) {
    out->started = s->rs->rw.started;
    out->first_out_seq = s->rs->rw.first_out_seq;
    out->out_ext_max = s->rs->rw.out_ext_max;
    out->forwarded = s->rs->rw.stats.forwarded;
  }
}

const EngineDrops *engine_peer_drops(const EnginePeer *p) { return &p->e->drops; }

const EngineDrops *engine_room_drops(const EngineRoom *r) { return &r->e->drops; }

void engine_peer_stats(const EnginePeer *p, EnginePeerStats *out) {
  *out = (EnginePeerStats){0};
  /* The estimate the layer choice uses: ours from transport-cc feedback
   * once it flows, else the subscriber's REMB. */
  out->estimate_from_bwe = p->e->bwe_on && p->e->bwe && p->e->bwe->feedbacks > 0;
  out->remb_bps = p->e->sub_remb_bps;
  out->estimate_bps = out->estimate_from_bwe ? subscriber_bwe_estimate(p->e->bwe) : p->e->sub_remb_bps;
  out->transport_cc = p->e->bwe_on != 0;
  out->has_bwe = p->e->bwe != NULL;
  out->packets_stamped = p->e->twcc_stamped;
  out->padding_bytes = p->e->padding_bytes;
  out->rtt_us = p->e->rtt_us;
  if (!p->e->bwe) return;
  out->bwe_estimate_bps = subscriber_bwe_estimate(p->e->bwe);
  out->acked_bps = bwe_delay_acked_bps(&p->e->bwe->bwe);
  out->feedbacks = p->e->bwe->feedbacks;
  out->bad_feedbacks = p->e->bwe->bad_feedbacks;
  out->packets_lost = p->e->bwe->hist.stats.lost;
  out->probes_ok = p->e->bwe->probes_ok;
  out->probes_failed = p->e->bwe->probes_failed;
  out->heavy_loss_caps = p->e->bwe->bwe.loss_capped;
}
