/* load_sdp: the loadgen's side of offer/answer, with GstSDPMessage.
 *
 * - load_sdp_offer(): the publisher offer (audio Opus + video VP8, sendonly,
 *   BUNDLE, rtcp-mux, a=setup:actpass, our SSRCs, host candidates, and the
 *   header extensions mid, abs-send-time and abs-capture-time). With
 *   simulcast (n_rids 2 or 3), the video section is RID simulcast as
 *   Chromium writes it for sendEncodings with rids: the rtp-stream-id
 *   extension, `a=rid:<id> send` per layer, `a=simulcast:send a;b[;c]`
 *   lowest quality first, and no a=ssrc (the server learns each layer's
 *   SSRC from the RID on its packets).
 * - load_sdp_parse(): what we need from a server's description (its answer
 *   to that offer, or its subscriber offer): ICE credentials, fingerprint,
 *   setup, candidates, and per media section kind, mid, port, payload type,
 *   SSRC, the extension ids it kept and the rids it declared
 *   (`a=rid:<id> recv` in an answer to a simulcast offer). Refuses a description without ICE
 *   credentials or a sha-256 fingerprint.
 * - load_sdp_answer(): our recvonly answer to a server's offer, echoing the
 *   codec and the extension ids we understand, a=setup:active.
 * Returned strings are g_free'd by the caller.
 */
#ifndef PARLOUR_LOAD_SDP_H
#define PARLOUR_LOAD_SDP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "load_rtp.h"

typedef struct {
  const char *ufrag, *pwd, *fingerprint;
  char **candidates;  /* "candidate:..." strings, NULL-terminated */
  uint32_t audio_ssrc, video_ssrc;
  const char *cname;
  const char *const *rids; /* simulcast layers' RIDs, lowest first */
  unsigned n_rids;         /* 0: no simulcast; else 2..LOAD_MAX_LAYERS */
} LoadSdpLocal;

#define LOAD_PT_OPUS 111
#define LOAD_PT_VP8 96
#define LOAD_EXT_MID 1
#define LOAD_EXT_ABS_SEND 3
#define LOAD_EXT_ABS_CAPTURE 5
#define LOAD_EXT_RID 4
#define LOAD_MAX_LAYERS 3

typedef struct {
  bool video;          /* else audio */
  char *mid;
  int port;            /* 0: rejected / inactive */
  bool sends, receives;/* the remote's direction */
  int pt;              /* Opus or VP8 payload type; -1 none */
  uint32_t ssrc;       /* first a=ssrc, 0 unknown */
  char *msid;          /* a=msid value or NULL */
  LoadRtpExtIds ext;   /* ids the remote wrote (0 absent) */
  char *rids[LOAD_MAX_LAYERS]; /* a=rid:<id> recv, in order (an answer to simulcast) */
  unsigned n_rids;
} LoadSdpMedia;

typedef struct {
  char *ufrag, *pwd, *fingerprint, *setup;
  GPtrArray *candidates; /* char* */
  GPtrArray *media;      /* LoadSdpMedia* */
} LoadSdpRemote;

char *load_sdp_offer(const LoadSdpLocal *l);
LoadSdpRemote *load_sdp_parse(const char *text, char *err, size_t errsize);
void load_sdp_remote_free(LoadSdpRemote *r);
char *load_sdp_answer(const LoadSdpLocal *l, const LoadSdpRemote *offer);

#endif
