/* sdp_parse: read a remote WebRTC description (a publisher's offer or a
 * subscriber's answer) with GstSDPMessage into what the SFU needs: ICE
 * credentials, DTLS fingerprint and setup role, candidates, and per media
 * section its kind, mid, direction, the codec we pick, RTX, the header
 * extensions we understand and the announced SSRCs.
 *
 * Validation is strict where the SFU depends on it (BUNDLE, rtcp-mux, ICE
 * credentials, sha-256 fingerprint): a description missing one is refused
 * with a one-line reason. */
#ifndef PARLOUR_SFU_SDP_PARSE_H
#define PARLOUR_SFU_SDP_PARSE_H

#include <glib.h>
#include <gst/sdp/sdp.h>
#include <stdint.h>

#include "core/media_desc.h"

#define SDP_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define SDP_URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define SDP_URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define SDP_URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define SDP_URI_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define SDP_URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

typedef struct {
  GstSDPMessage *msg;
  char *ufrag, *pwd, *fingerprint, *setup;
  GPtrArray *candidates; /* char* "candidate:..." */
  int end_of_candidates;
  GPtrArray *media;      /* SdpMediaInfo* */
} SdpRemote;

/* is_offer selects which a=setup values are legal. NULL with err on refusal. */
SdpRemote *sdp_remote_parse(const char *text, int is_offer, char *err, size_t errsize);
void sdp_remote_free(SdpRemote *r);

#endif
