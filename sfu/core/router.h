/* router: the routing table of one room. Tracks published by participants
 * (id, kind, publisher, mid, SSRCs per simulcast layer and their RTX SSRCs,
 * muted) and subscriptions (subscriber, track, out SSRC and the
 * seq_rewriter giving the subscriber a continuous stream).
 *
 * Contract
 * - No I/O: router_route() decides, per subscription, whether an incoming
 *   packet goes out and with which seq/timestamp; the caller copies,
 *   rewrites (rtp_set_*), protects and sends. No allocation on that path
 *   (the caller supplies the output array); lookups are hash tables (O(1)).
 * - Control-path calls (add/remove/subscribe...) allocate and copy their
 *   strings. Track and subscription pointers stay valid until removed;
 *   removing a track removes its subscriptions. Do not add/remove while
 *   iterating a track's subscriptions.
 * - Ownership: Router owns tracks and subscriptions; router_free() frees all
 *   of them, calling each user_destroy(user_data) (if set) exactly once.
 * - Struct fields are public for reading; change them only through the
 *   functions here.
 * - Muting (server-side) stops forwarding a track; its packets, and those
 *   lost upstream in between, are recorded as drops in each started
 *   subscription's rewriter (seq_rewriter_drop_with_gap), so the subscriber
 *   sees a continuous stream when it is unmuted and nothing sent while muted
 *   reaches it later as a retransmission. A late packet from *before* the
 *   mute (lost upstream, recovered by NACK) still fills its kept slot. Unmuting a video track makes
 *   each subscription wait for a keyframe (deltas referencing the muted
 *   period would decode as garbage) and tells the caller to request one.
 * - A new video subscription waits for a keyframe start (caller-detected,
 *   codec_keyframe) before forwarding anything; audio starts at once.
 * - Simulcast: a track has 1..ROUTER_MAX_LAYERS layers, listed lowest to
 *   highest quality. Each subscription forwards one layer; its target layer
 *   (default the highest) is switched to on that layer's next keyframe, and
 *   the seq_rewriter's source switch keeps the output continuous.
 * - SSRC 0 means "not known yet" (rid-based simulcast); router_track_set_ssrc
 *   binds it once the caller learned it from the MID/RID extension.
 */
#ifndef PARLOUR_SFU_ROUTER_H
#define PARLOUR_SFU_ROUTER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec_keyframe.h"
#include "seq_rewriter.h"

#define ROUTER_MAX_LAYERS 3

typedef enum {
  ROUTER_OK = 0,
  ROUTER_ERR_ARG,          /* NULL/empty id, bad layer count, clock_rate 0 ... */
  ROUTER_ERR_EXISTS,       /* track id or (subscriber, track) already there */
  ROUTER_ERR_SSRC_IN_USE,  /* an incoming SSRC or an out SSRC already taken */
  ROUTER_ERR_NOT_FOUND,
  ROUTER_ERR_NO_SPACE,     /* more subscriptions than the output array holds */
} RouterStatus;

const char *router_status_str(RouterStatus st);

typedef enum { ROUTER_KIND_AUDIO = 0, ROUTER_KIND_VIDEO } RouterKind;

typedef struct {
  const char *id;         /* unique in the room */
  const char *publisher;  /* participant id */
  const char *mid;        /* publisher's m-line mid (may be NULL) */
  RouterKind kind;
  CodecId codec;
  uint32_t clock_rate;    /* Hz, > 0 */
  uint8_t payload_type;   /* publisher's PT (informational) */
  unsigned n_layers;      /* 1 without simulcast */
  uint32_t ssrcs[ROUTER_MAX_LAYERS];     /* 0 = not known yet */
  uint32_t rtx_ssrcs[ROUTER_MAX_LAYERS]; /* 0 = none / not known */
  void *user_data;        /* caller's per-track state (nack buffer...) */
  GDestroyNotify user_destroy;
} RouterTrackSpec;

typedef struct RouterTrack RouterTrack;
typedef struct RouterSubscription RouterSubscription;

struct RouterTrack {
  char *id;
  char *publisher;
  char *mid;              /* may be NULL */
  RouterKind kind;
  CodecId codec;
  uint32_t clock_rate;
  uint8_t payload_type;
  unsigned n_layers;
  uint32_t ssrcs[ROUTER_MAX_LAYERS];
  uint32_t rtx_ssrcs[ROUTER_MAX_LAYERS];
  bool muted;
  GPtrArray *subs;        /* RouterSubscription*, not owning (router owns) */
  void *user_data;
  GDestroyNotify user_destroy;
};

struct RouterSubscription {
  char *subscriber;
  RouterTrack *track;
  uint32_t out_ssrc;
  SeqRewriter rw;
  bool waiting_keyframe;
  unsigned layer;         /* layer being forwarded */
  unsigned target_layer;  /* layer wanted; switch at its next keyframe */
  bool cut_over;          /* until that switch, forward nothing (router_cut_over) */
  void *user_data;
  GDestroyNotify user_destroy;
};

typedef struct Router Router;

Router *router_new(void);
void router_free(Router *r);

RouterStatus router_add_track(Router *r, const RouterTrackSpec *spec, RouterTrack **out);
RouterStatus router_remove_track(Router *r, const char *track_id);
/* Bind (or rebind) an incoming SSRC of a layer; rtx selects the RTX SSRC.
 * ssrc 0 unbinds. */
RouterStatus router_track_set_ssrc(Router *r, RouterTrack *t, unsigned layer, bool rtx, uint32_t ssrc);
RouterTrack *router_track_by_id(const Router *r, const char *track_id);
size_t router_track_count(const Router *r);
/* Every track, in no particular order. */
void router_foreach_track(const Router *r, void (*fn)(RouterTrack *t, void *ud), void *ud);

typedef struct {
  RouterTrack *track;
  unsigned layer;
  bool is_rtx;
} RouterSsrcInfo;

/* Incoming SSRC (media or RTX) -> track and layer. */
bool router_lookup_ssrc(const Router *r, uint32_t ssrc, RouterSsrcInfo *info);

/* first_out_seq/first_out_ts seed the rewriter (random in production).
 * out_ssrc must be non-zero and unique among this router's subscriptions. */
RouterStatus router_subscribe(Router *r, const char *subscriber, const char *track_id, uint32_t out_ssrc,
                              uint16_t first_out_seq, uint32_t first_out_ts, RouterSubscription **out);
RouterStatus router_unsubscribe(Router *r, const char *subscriber, const char *track_id);
RouterSubscription *router_subscription_find(const Router *r, const char *subscriber, const char *track_id);
/* For RTCP from subscribers (NACK/PLI name our out SSRC as media SSRC). */
RouterSubscription *router_subscription_by_out_ssrc(const Router *r, uint32_t out_ssrc);
/* Subscriptions of a track (array of n pointers, valid until the next change). */
RouterSubscription *const *router_track_subscriptions(const RouterTrack *t, size_t *n);
RouterStatus router_set_target_layer(Router *r, RouterSubscription *s, unsigned layer);
/* Stop forwarding the current layer now instead of until the target layer's
 * keyframe: for a down-switch because the subscriber's link is overflowing,
 * where every packet of the old layer only lengthens the queue that keyframe
 * must wait behind. The output stays continuous (the skipped packets are
 * dropped as seq_rewriter_drop does: later ones shift down). Ends at the switch, or when the target is set back
 * to the current layer. ROUTER_ERR_ARG when the target is the current layer. */
RouterStatus router_cut_over(Router *r, RouterSubscription *s);

/* Remove every track the participant publishes and every subscription it
 * holds. Returns how many tracks + subscriptions went. */
size_t router_remove_participant(Router *r, const char *participant);

/* Mute/unmute; *need_keyframe (may be NULL) is set when the caller should
 * ask the publisher for a keyframe (video unmute). */
RouterStatus router_set_muted(Router *r, const char *track_id, bool muted, bool *need_keyframe);

typedef struct {
  RouterSubscription *sub;  /* send with sub->out_ssrc */
  uint16_t seq;
  uint32_t ts;
} RouterOutput;

/* Route one media packet (RTX already unwrapped into the media SSRC) from a
 * publisher. keyframe_start: codec_is_keyframe_start() on its payload (false
 * for audio). Fills outs[0..*n_outs) with the subscriptions that get it, and
 * *track (may be NULL). ROUTER_ERR_NOT_FOUND for an unknown SSRC;
 * ROUTER_ERR_NO_SPACE (nothing changed) if the track has more subscriptions
 * than max_outs. */
RouterStatus router_route(Router *r, uint32_t in_ssrc, uint16_t seq, uint32_t ts, bool keyframe_start,
                          int64_t now_us, RouterTrack **track, RouterOutput *outs, size_t max_outs,
                          size_t *n_outs);

#endif
