/* sdp_write: the SDPs the SFU writes, built with GstSDPMessage: the answer
 * to a publisher's offer and the offer to a subscriber. Both carry our ICE
 * credentials, sha-256 fingerprint, host candidates, BUNDLE and rtcp-mux. */
#ifndef PARLOUR_SFU_SDP_WRITE_H
#define PARLOUR_SFU_SDP_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "sdp_parse.h"

/* Header extension ids the SFU uses toward subscribers. The mid extension
 * is not sent: the publisher's mid means nothing to a subscriber, and the
 * subscriber demultiplexes by the SSRCs we announce. */
#define SFU_EXT_ABS_SEND_TIME 2
#define SFU_EXT_AUDIO_LEVEL 3
/* transport-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01): every
 * packet to a subscriber carries our transport-wide seq; its feedback
 * drives subscriber_bwe (engine_publisher.c, engine_subscriber.c). */
#define SFU_EXT_TWCC 4

typedef struct {
  const char *ufrag, *pwd;
  const char *fingerprint; /* "AB:CD:..." */
  const char *setup;       /* actpass / active / passive */
  char **candidates;       /* "candidate:..." strings, NULL-terminated */
  uint64_t session_id, session_version;
  int no_publisher_twcc;   /* publisher answer: refuse transport-cc even if offered */
} SdpLocal;

/* A publisher's section gets transport-cc (extmap with the offered id and
 * rtcp-fb transport-cc in our answer) iff its offer has both: then the
 * browser estimates its uplink from our feedback (publisher_feedback.h). */
int sdp_write_accepts_twcc(const SdpMediaInfo *mi);

/* accepted[i]: media section i of the offer becomes a receiving track. */
char *sdp_write_publisher_answer(const SdpRemote *offer, const SdpLocal *local,
                                 const int *accepted);

typedef struct {
  const char *mid;
  SdpKind kind;
  int active;              /* 0: inactive (the track went away) */
  const SdpCodec *codec;   /* the publisher's codec (same PT and fmtp) */
  uint8_t rtx_pt;          /* 0: no RTX offered */
  uint32_t ssrc, rtx_ssrc;
  const char *stream_id, *track_id, *cname;
} SdpOfferSection;

char *sdp_write_subscriber_offer(const SdpOfferSection *s, size_t n, const SdpLocal *local);

#endif
