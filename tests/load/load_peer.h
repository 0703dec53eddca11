/* load_peer: one simulated participant: a publisher peer connection that
 * sends the sample VP8 (one encoding, or RID simulcast: one per layer) +
 * Opus (the client offers; ICE controlling, DTLS
 * client unless the server's answer says otherwise) and a subscriber peer
 * connection that receives every other participant's streams (the server
 * offers; we answer recvonly, a=setup:active) and sends a receiver report
 * about every second.
 *
 * Both connections are sfu/peer_transport (libnice ICE, OpenSSL DTLS,
 * libsrtp2 SRTP), the same stack as the SFU, on the GMainContext of the
 * LoadApp. The signalling driver (Parlour control API or Janus) moves the
 * SDP between load_peer_* calls; candidates travel inside the SDP.
 *
 * Owned by its LoadCall (load_app.h); freed with load_peer_free() from a
 * main-loop callback that is not one of the peer's transport callbacks. */
#ifndef PARLOUR_LOAD_PEER_H
#define PARLOUR_LOAD_PEER_H

#include <glib.h>
#include <stdbool.h>

#include "load_media.h"
#include "load_rtp.h"
#include "load_sdp.h"
#include "load_stats.h"
#include "peer_transport.h"

typedef struct LoadApp LoadApp;
typedef struct LoadCall LoadCall;

/* A sent video packet, enough to build it again: ~6 s at 750 kbit/s. */
#define LOAD_SENT_HISTORY 512
typedef struct {
  bool used;
  uint16_t seq, picture_id;
  uint16_t index;   /* packet of the frame */
  uint32_t frame;   /* index into the track's frames */
  uint32_t ts;
} LoadSentRef;

/* One video encoding we send: a single-layer publisher has one, a
 * simulcast publisher one per layer, each with its own SSRC, sequence,
 * timestamp base, PictureID and position in its sample file. A PLI naming
 * its SSRC (or a FIR) makes it jump back to the newest key frame of its
 * file: a pre-encoded file cannot make a key frame on demand, and jumping
 * back (at most one GOP, 2 s in the samples) answers at once where waiting
 * for the next one would take up to a GOP; the RTP timestamps stay
 * continuous, so a receiver sees an ordinary key frame. */
typedef struct {
  LoadRtpSender rtp;
  const LoadTrack *track;
  const char *rid;       /* simulcast RID; NULL: single layer */
  size_t idx;            /* next frame of track */
  uint32_t ts;
  bool keyframe_requested;
  int64_t last_pli_us;
  LoadSend send;
  /* --answer-nacks: what each recent packet was (by seq % size), so a
   * NACKed one can be rebuilt byte for byte and sent again */
  LoadSentRef sent[LOAD_SENT_HISTORY];
  uint64_t retransmitted;
} LoadVideoLayer;

typedef struct {
  LoadRecv st;
  char *label;           /* "<kind> mid=<mid>" */
  struct LoadPeer *peer;
} LoadRecvStream;

typedef struct LoadPeer {
  LoadApp *app;
  LoadCall *call;
  char *name;
  bool publishes;
  int64_t join_us;       /* wall clock µs when joining started */
  int64_t pub_connected_us, sub_connected_us;
  PeerTransport *pub, *sub;
  PeerTransportState pub_state, sub_state;
  char *failure;         /* first failure reason, or NULL */
  /* sending: one video encoding, or one per simulcast layer (lowest
   * first), all paced by one frame clock */
  LoadRtpSender audio;
  LoadVideoLayer vl[LOAD_MAX_LAYERS];
  unsigned n_vl;
  size_t aidx;
  uint32_t ats;
  int64_t next_v_us, next_a_us;
  LoadSend vsend, asend; /* vsend: all layers together */
  /* receiving */
  uint32_t rtcp_ssrc;    /* our receiver reports' sender SSRC */
  int64_t next_rr_us;    /* next receiver report on the subscriber connection */
  GHashTable *recv;      /* ssrc -> LoadRecvStream* */
  int sub_video_pt, sub_audio_pt;
  LoadRtpExtIds sub_ext_video, sub_ext_audio;
  uint64_t rtp_unparsable, rtp_unknown_pt;
  /* --verify-every: sampling started; packets verified or not */
  bool sampling;
  int64_t first_rx_us;
  uint64_t rx_verified, rx_unverified;
  /* driver state (Janus handle ids, ...) */
  guint64 janus_pub_handle, janus_sub_handle, janus_feed;
  int janus_join_tries;  /* subscriber joins refused with "No such feed" so far */
  guint janus_join_retry; /* the pending retry's source, 0 none */
  bool sub_requested;
} LoadPeer;

LoadPeer *load_peer_new(LoadApp *app, LoadCall *call, const char *name, bool publishes);
void load_peer_free(LoadPeer *p);

/* Publisher: create the transport and return our offer (g_free), or NULL
 * with err. */
char *load_peer_publish_offer(LoadPeer *p, char *err, size_t errsize);
/* The server's answer to it. false with err. */
bool load_peer_publish_answer(LoadPeer *p, const char *sdp, char *err, size_t errsize);
/* The server's subscriber offer (first or renegotiation): our answer
 * (g_free), or NULL with err. An offer with no media section gets an
 * answer with none. */
char *load_peer_subscriber_offer(LoadPeer *p, const char *sdp, char *err, size_t errsize);

/* Send what is due by now_us (called from the app's pacing tick). Returns
 * how late (µs) the most overdue packet was, 0 if on time. */
int64_t load_peer_send_due(LoadPeer *p, int64_t now_us);

/* Record a failure (first one wins). */
void load_peer_fail(LoadPeer *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#endif
