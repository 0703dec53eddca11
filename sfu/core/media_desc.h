/* media_desc: a media section as the remote description gave it (kind,
 * codec, header extension ids, simulcast rids, announced SSRCs): what the
 * room engine needs to publish a track and answer a subscription. Plain
 * values; sfu/sdp_parse.c fills them from the SDP text, the engine reads
 * them (no SDP parser here). */
#ifndef PARLOUR_SFU_CORE_MEDIA_DESC_H
#define PARLOUR_SFU_CORE_MEDIA_DESC_H

#include <glib.h>
#include <stdint.h>

typedef enum { SDP_KIND_AUDIO = 0, SDP_KIND_VIDEO = 1, SDP_KIND_OTHER = 2 } SdpKind;

typedef struct {
  char name[16];     /* "opus", "VP8", "VP9", "H264" as written in rtpmap */
  uint8_t pt;
  uint32_t clock_rate;
  int channels;      /* audio; 0 when absent */
  char *fmtp;        /* may be NULL */
  uint8_t rtx_pt;    /* 0: no RTX */
  int fb_nack, fb_pli, fb_fir, fb_remb, fb_twcc;
} SdpCodec;

/* Header extensions we understand; ids as the remote wrote them (0 absent). */
typedef struct {
  uint8_t mid, abs_send_time, audio_level, twcc, rid, rrid;
} SdpExtIds;

#define SDP_MAX_RIDS 3
#define SDP_RID_MAX_LEN 16

typedef struct {
  guint index;
  SdpKind kind;
  char *media;       /* "audio", "video", "application"... */
  char *mid;         /* may be NULL when the remote wrote none */
  int port;          /* 0: rejected/stopped */
  int sends;         /* remote sends media (sendrecv/sendonly) */
  int receives;      /* remote receives (sendrecv/recvonly) */
  int usable;        /* a codec we take was found */
  SdpCodec codec;
  SdpExtIds ext;
  uint32_t ssrc, rtx_ssrc; /* from a=ssrc / a=ssrc-group:FID; 0 unknown */
  char *msid;        /* "stream track" or NULL */
  /* The remote's receive limit for this section (RFC 3890 b=TIAS in bit/s,
   * else RFC 4566 b=AS in kbit/s; the session-level line when the section
   * has none); 0 when it set none. */
  uint64_t max_bitrate_bps;
  /* RID simulcast (RFC 8851/8853) the remote sends: the rids of
   * a=simulcast:send in its order (first alternative of each stream; taken
   * as lowest to highest quality, the order client-web and browsers' apps
   * list sendEncodings in), or of the a=rid:<id> send lines when there is no
   * a=simulcast. At most SDP_MAX_RIDS (more are ignored, and left out of the
   * answer); 0 without simulcast. Only ids of [A-Za-z0-9_-]{1,16}. */
  unsigned n_rids;
  char rids[SDP_MAX_RIDS][SDP_RID_MAX_LEN + 1];
} SdpMediaInfo;

/* "audio", "video" or "other" (logs and events). */
const char *sdp_kind_name(SdpKind k);

#endif
